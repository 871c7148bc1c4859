# overlay.gp: several runs' median creation time per bucket of guest
# counts, on one figure, each labelled with its job.
# usage: gnuplot -c overlay.gp OUT.png|OUT.svg TITLE RUNS.csv
# RUNS.csv: label,buckets_csv,cdf_csv a run (horde report writes it).
out = ARG1
title = ARG2
list = ARG3
dir = ARG0[1:strstrt(ARG0, "overlay.gp") - 1]
load sprintf("%s/terminal.gp", dir)
load sprintf("%s/runs.gp", dir)
set key top left opaque
set grid lc rgb "#dddddd"
set title title
set xlabel "guests on the host"
set ylabel "median creation time per guest, ms"
set yrange [0:*]
plot for [i=1:n] buckets[i] using 3:9 skip 1 with linespoints lw 2 pt 7 \
     ps 0.5 title labels[i]
