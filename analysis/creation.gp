# creation.gp: creation time against guest count (each guest, a rolling
# median, phases stacked per bucket), and time-to-alive against guest count.
# usage: gnuplot -c creation.gp GUESTS.csv BUCKETS.csv OUT.png|OUT.svg TITLE BUCKET
# The CSV files are the ones `horde report` writes beside the figure.
guests = ARG1
buckets = ARG2
out = ARG3
title = ARG4
bucket = ARG5 + 0

load sprintf("%s/terminal.gp", ARG0[1:strstrt(ARG0, "creation.gp") - 1])
set datafile separator ","
set key top left opaque
set grid ytics lc rgb "#dddddd"
set multiplot layout 2,1 title title

# Top: mean phase times per bucket, stacked (they add up to the mean
# creation time), with the median and p99 of each bucket.
set title sprintf("creation time per guest, buckets of %d guests", bucket)
set xlabel "guests on the host"
set ylabel "ms"
set style fill solid 0.85 noborder
set boxwidth bucket * 0.9 absolute
set yrange [0:*]
set xrange [0:*]
plot buckets using 3:($5+$6+$7+$8) skip 1 with boxes lc rgb "#d62728" title "dom0", \
     buckets using 3:($5+$6+$7) skip 1 with boxes lc rgb "#2ca02c" title "hypervisor", \
     buckets using 3:($5+$6) skip 1 with boxes lc rgb "#1f77b4" title "XenStore", \
     buckets using 3:5 skip 1 with boxes lc rgb "#7f7f7f" title "toolstack", \
     guests using 1:2 skip 1 with dots lc rgb "#000000" title "each guest", \
     guests using 1:8 skip 1 with lines lw 2 lc rgb "#ff7f0e" title "rolling median", \
     buckets using 3:10 skip 1 with lines dt 2 lw 2 lc rgb "#9467bd" title "p99 per bucket"

# Bottom: from unpause to the first ARP reply.
set title "time to alive (unpause to first ARP reply)"
set ylabel "ms"
set yrange [0:*]
set xrange [0:*]
plot guests using 1:7 skip 1 with points pt 7 ps 0.3 lc rgb "#1f77b4" title "each guest", \
     buckets using 3:11 skip 1 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#ff7f0e" title "median", \
     buckets using 3:12 skip 1 with lines dt 2 lw 2 lc rgb "#9467bd" title "p99"
unset multiplot
