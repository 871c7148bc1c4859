# creation.gp: where the time of a creation goes as the host fills.
#   top: each phase's median per bucket of guests, stacked, with the median
#        creation (the medians of parts need not add up to the median of
#        the whole); its axis follows the medians, not the outliers;
#   middle: every guest, the rolling median and each bucket's p99, on a log
#        axis, so that the tail shows without flattening the rest;
#   bottom: time to alive (unpause to the first ARP reply).
# usage: gnuplot -c creation.gp GUESTS.csv BUCKETS.csv OUT.png|OUT.svg TITLE BUCKET
# The CSV files are the ones `horde report` writes beside the figure.
guests = ARG1
buckets = ARG2
out = ARG3
title = ARG4
bucket = ARG5 + 0

load sprintf("%s/terminal.gp", ARG0[1:strstrt(ARG0, "creation.gp") - 1])
set datafile separator ","
set datafile missing "NaN"
set key outside right top
set grid ytics lc rgb "#dddddd"
# The x axis ends at the last guest created.
stats guests using 1 nooutput
last = STATS_max
stats buckets using 9 nooutput
top = STATS_max
set xrange [0:last]
set xlabel "guests on the host"
set multiplot layout 3,1 title title

set title sprintf("median of each phase per bucket of %d guests", bucket)
set ylabel "creation time per guest, ms"
set style fill solid 0.85 noborder
set boxwidth bucket * 0.9 absolute
set yrange [0:top * 1.25]
plot buckets using 3:($5+$6+$7+$8) skip 1 with boxes lc rgb "#d62728" title "dom0", \
     buckets using 3:($5+$6+$7) skip 1 with boxes lc rgb "#2ca02c" title "hypervisor", \
     buckets using 3:($5+$6) skip 1 with boxes lc rgb "#1f77b4" title "XenStore", \
     buckets using 3:5 skip 1 with boxes lc rgb "#7f7f7f" title "toolstack", \
     buckets using 3:9 skip 1 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#000000" title "median creation"

set title "every guest, log scale: the tail"
set ylabel "creation time per guest, ms (log)"
set logscale y
set yrange [*:*]
plot guests using 1:2 skip 1 with points pt 7 ps 0.25 lc rgb "#7f7f7f" title "each guest", \
     guests using 1:8 skip 1 with lines lw 2 lc rgb "#ff7f0e" title "rolling median", \
     buckets using 3:10 skip 1 with linespoints lw 2 pt 6 lc rgb "#9467bd" title "p99 per bucket"
unset logscale y

set title "time to alive: unpause to the first ARP reply"
set ylabel "time to alive, ms"
set yrange [0:*]
plot guests using 1:7 skip 1 with points pt 7 ps 0.3 lc rgb "#1f77b4" title "each guest", \
     buckets using 3:11 skip 1 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#ff7f0e" title "median", \
     buckets using 3:12 skip 1 with lines dt 2 lw 2 lc rgb "#9467bd" title "p99"
unset multiplot
