# host.gp: what the host's daemons cost as guests come (the sampler's
# series) and, with sweeps, how many living guests answered each ARP sweep.
# One quantity, one axis, one panel; a run without sweeps has no sweep
# panels.
# usage: gnuplot -c host.gp SAMPLES.csv SWEEPS.csv OUT.png|OUT.svg TITLE NSWEEPS
# SAMPLES.csv (up to the peak guest count; destruction is left out):
#              guests,xenstored_cpu_s,xenstored_fds,xenstored_rss_mib,
#              consoled_fds,mem_available_mib
# SWEEPS.csv:  guests,answered_fraction,rtt_p50_us,rtt_p99_us
samples = ARG1
sweeps = ARG2
out = ARG3
title = ARG4
nsweeps = ARG5 + 0
load sprintf("%s/terminal.gp", ARG0[1:strstrt(ARG0, "host.gp") - 1])
set datafile separator ","
set datafile missing "NaN"
set key top left opaque
set grid lc rgb "#dddddd"
if (nsweeps > 0) { set multiplot layout 3,2 title title } else { set multiplot layout 2,2 title title }
set xlabel "guests on the host"
set title "XenStore daemon: CPU time"
set ylabel "CPU time, s"
plot samples using 1:2 skip 1 with linespoints pt 7 ps 0.4 lc rgb "#1f77b4" title "xenstored"
# Both daemons hold about one descriptor a guest: the wide pale line
# under the narrow dark one keeps both in sight.
set title "open descriptors"
set ylabel "descriptors"
plot samples using 1:3 skip 1 with lines lw 6 lc rgb "#a6cee3" title "xenstored", \
     samples using 1:5 skip 1 with linespoints lw 1.5 dt 2 pt 6 ps 0.5 lc rgb "#e31a1c" title "console daemon"
set title "XenStore daemon: resident memory"
set ylabel "RSS, MiB"
plot samples using 1:4 skip 1 with linespoints pt 7 ps 0.4 lc rgb "#1f77b4" title "xenstored"
set title "host memory available"
set ylabel "available, GiB"
plot samples using 1:($6 / 1024) skip 1 with lines lw 2 lc rgb "#2ca02c" title "MemAvailable"
if (nsweeps > 0) {
    set title "ARP sweeps: living guests that answered"
    set ylabel "fraction answered"
    set xrange [0:*]
    set yrange [0:1.05]
    set key bottom right
    plot sweeps using 1:2 skip 1 with linespoints pt 7 lc rgb "#1f77b4" title "answered"
    set title "ARP sweeps: round trip"
    set ylabel "round trip, us"
    set yrange [0:*]
    plot sweeps using 1:3 skip 1 with linespoints pt 7 lc rgb "#ff7f0e" title "p50", \
         sweeps using 1:4 skip 1 with linespoints pt 6 dt 2 lc rgb "#9467bd" title "p99"
}
unset multiplot
