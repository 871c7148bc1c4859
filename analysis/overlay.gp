# overlay.gp: several runs' median creation time per bucket of guest
# counts, on one figure.
# usage: gnuplot -c overlay.gp OUT.png|OUT.svg TITLE BUCKETS.csv [BUCKETS.csv...]
out = ARG1
title = ARG2
load sprintf("%s/terminal.gp", ARG0[1:strstrt(ARG0, "overlay.gp") - 1])
set datafile separator ","
# "x/smoke-run3-cdf.csv" -> "run3"
label(f) = (r = f[strstrt(f, "-run") + 1:], r[1:strstrt(r, "-") - 1])
set key top left opaque
set grid lc rgb "#dddddd"
set title title
set xlabel "guests on the host"
set ylabel "median creation time per bucket, ms"
set yrange [0:*]
plot for [i=3:ARGC] value("ARG".i) using 3:9 skip 1 with linespoints lw 2 pt 7 \
     ps 0.5 title label(value("ARG".i))
