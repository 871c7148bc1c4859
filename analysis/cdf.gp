# cdf.gp: the distributions of creation time and of time-to-alive, one
# curve per run, for comparing runs at a glance.
# usage: gnuplot -c cdf.gp OUT.png|OUT.svg TITLE RUNS.csv
# RUNS.csv: label,buckets_csv,cdf_csv a run; each CDF csv (written by
# `horde report`) has: fraction,create_ms,alive_ms.
out = ARG1
title = ARG2
list = ARG3
dir = ARG0[1:strstrt(ARG0, "cdf.gp") - 1]
load sprintf("%s/terminal.gp", dir)
load sprintf("%s/runs.gp", dir)
set datafile missing "NaN"
set key bottom right opaque
set grid lc rgb "#dddddd"
set multiplot layout 1,2 title title
set ylabel "fraction of guests"
set yrange [0:1]
set xlabel "creation time per guest, ms (log scale: the tail matters)"
set logscale x
set title "creation time"
plot for [i=1:n] cdfs[i] using 2:1 skip 1 with lines lw 2 title labels[i]
unset logscale x
set xlabel "unpause to first ARP reply, ms"
set title "time to alive"
plot for [i=1:n] cdfs[i] using 3:1 skip 1 with lines lw 2 title labels[i]
unset multiplot
