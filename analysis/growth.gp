# growth.gp: how each phase's median creation time grows with the guests
# on the host, one line a phase and one for the whole creation, each with
# its least-squares slope per 1,000 guests in the key.
# usage: gnuplot -c growth.gp BUCKETS.csv OUT.png|OUT.svg TITLE
buckets = ARG1
out = ARG2
title = ARG3
load sprintf("%s/terminal.gp", ARG0[1:strstrt(ARG0, "growth.gp") - 1])
set datafile separator ","
set key top left opaque
set grid lc rgb "#dddddd"
array s[5]
do for [c=5:9] {
    stats buckets using 3:c nooutput
    s[c-4] = (STATS_records > 1 ? STATS_slope * 1000 : 0)
}
set title title
set xlabel "guests on the host"
set ylabel "median creation time per guest, ms"
set yrange [0:*]
plot buckets using 3:9 skip 1 with linespoints lw 6 pt 7 ps 1.2 lc rgb "#70000000" \
         title sprintf("creation (%+.3g ms / 1,000 guests)", s[5]), \
     buckets using 3:5 skip 1 with linespoints lw 2 pt 5 lc rgb "#7f7f7f" \
         title sprintf("toolstack (%+.3g)", s[1]), \
     buckets using 3:6 skip 1 with linespoints lw 2 pt 9 lc rgb "#1f77b4" \
         title sprintf("XenStore (%+.3g)", s[2]), \
     buckets using 3:7 skip 1 with linespoints lw 2 pt 11 lc rgb "#2ca02c" \
         title sprintf("hypervisor (%+.3g)", s[3]), \
     buckets using 3:8 skip 1 with linespoints lw 2 pt 13 lc rgb "#d62728" \
         title sprintf("dom0 (%+.3g)", s[4])
