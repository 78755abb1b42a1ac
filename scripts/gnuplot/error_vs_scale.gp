# Figure 2: max relative error (in units of u, normal outputs) against the
# input scale S (rows uniform in (-S, S)), on a regular grid of powers of
# two, with the Blanchard-Higham-Higham bound (n + 2 + 2 (x_max - x_min)) u
# ~ (n + 2 + 4 S) u drawn.
# data: blocks per implementation of   S rel_over_u
# nlen: the row length.
load dir.'/common.gp'
set title title_text
set xlabel 'input scale S (rows uniform in (-S, S))'
set ylabel 'max relative error / u'
set logscale x 2
set logscale y
set xtics 2 format '2^{%L}'
set mxtics 1
set format y '10^{%L}'
set key below left maxcols 3 box noenhanced
bound(s) = nlen + 2 + 4 * s
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with linespoints lt i+1 lw 2 ps 0.7 title columnheader(1), \
         bound(x) with lines lw 3 lc rgb 'black' dt 3 title 'BHH bound (n+2+4S)'
}
