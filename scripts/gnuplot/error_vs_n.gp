# Figure 1: max and mean ulp error against n, one line per group of
# entries with identical results, with the Blanchard-Higham-Higham bound of
# the shifted algorithm. Exact results (0 ulp) have no place on a log axis:
# they are marked on its floor instead of being given a fake value.
# data: block 0 the bound (n ulps), block 1 the exact marks (n y), then
#   blocks (header line = the entries' names) of  n max_ulp mean_ulp
#   ('?' where the entry was exact).
# ylo: the floor of the y axis.
load dir.'/common.gp'
set datafile missing '?'
set title title_text
set xlabel 'row length n (elements)'
set ylabel 'error (ulps of the exact value)'
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set yrange [ylo:*]
set key below left maxcols 3 box noenhanced
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot data index 0 using 1:2 with lines lw 3 dt 3 lc rgb 'black' title columnheader(1), \
         data index 1 using 1:2 with points pt 12 ps 2.5 lw 2 lc rgb 'black' title columnheader(1), \
         for [i=2:*] data index i using 1:2 with linespoints lt i-1 lw 2 ps 0.7 title columnheader(1), \
         for [i=2:*] data index i using 1:3 with lines lt i-1 dt 2 lw 1 notitle
}
