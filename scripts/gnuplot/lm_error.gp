# Figure 10: max absolute error in nats against vocabulary size, one line
# per entry (lse value, or the worst log-prob). Exact results ('?') have no
# place on the log axis.
# data: blocks (header line = op and entry) of  n nats
load dir.'/common.gp'
set datafile missing '?'
set title title_text
set xlabel 'vocabulary size n'
set ylabel 'max absolute error (nats)'
set logscale xy
set format y '10^{%L}'
set xtics (32000, 128256, 151936, 256000) rotate by -30
set key below left maxcols 3 box noenhanced
set xrange [25000:330000]
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with linespoints lt i+1 lw 2 ps 0.7 title columnheader(1)
}
