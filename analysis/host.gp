# host.gp: what the host's daemons cost as guests come (the sampler's
# series), and how many living guests answered each ARP sweep.
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
set multiplot layout 2,2 title title
set xlabel "guests on the host"
set title "XenStore daemon CPU time"
set ylabel "s"
plot samples using 1:2 skip 1 with linespoints pt 7 ps 0.4 title "xenstored"
set title "open descriptors"
set ylabel "fds"
plot samples using 1:3 skip 1 with linespoints pt 7 ps 0.4 title "xenstored", \
     samples using 1:5 skip 1 with linespoints pt 7 ps 0.4 title "console daemon"
set title "memory"
set ylabel "MiB"
set y2tics
set y2label "GiB"
plot samples using 1:4 skip 1 with linespoints pt 7 ps 0.4 title "xenstored RSS", \
     samples using 1:($6 / 1024) skip 1 axes x1y2 with lines title "host available (right)"
set title "ARP sweeps: living guests that answered"
if (nsweeps > 0) {
    set ylabel "fraction"
    set yrange [0:1.05]
    set y2label "round trip, us"
    plot sweeps using 1:2 skip 1 with linespoints pt 7 title "answered", \
         sweeps using 1:3 skip 1 axes x1y2 with linespoints pt 6 title "RTT p50 (right)"
} else {
    unset xtics; unset ytics; unset y2tics; unset xlabel; unset ylabel; unset y2label
    set xrange [0:1]; set yrange [0:1]
    set label 1 "no ARP sweeps in this run (plan key sweep_every)" at 0.5,0.5 center noenhanced
    plot 2 notitle
}
unset multiplot
