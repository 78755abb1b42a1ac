# Figure 1: max and mean ulp error against n, one line per implementation.
# data: blocks (one per implementation; header line = its name) of
#   n max_ulp mean_ulp
load dir.'/common.gp'
set title title_text
set xlabel 'row length n (elements)'
set ylabel 'error (ulps of the exact value)'
set logscale xy
set format x '10^{%L}'
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with linespoints lt i+1 lw 2 ps 0.7 title columnheader(1), \
         for [i=0:*] data index i using 1:3 with lines lt i+1 dt 2 lw 1 notitle
}
