# Figure 6: the cost of forming the n x n Jacobian against the O(n) VJP.
# data: blocks per implementation of   n ns_per_call matrix_bytes
load dir.'/common.gp'
set title title_text
set xlabel 'row length n (elements)'
set ylabel 'time per row (ns)'
set y2label 'bytes of the n x n Jacobian (f32)'
set key inside left top box opaque
set logscale xy
set logscale y2
set format x '10^{%L}'
set format y '10^{%L}'
set format y2 '10^{%L}'
set ytics nomirror
set y2tics
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with linespoints lt i+1 lw 2 ps 0.7 title columnheader(1), \
         data index 0 using 1:3 axes x1y2 with lines lw 2 dt 3 lc rgb 'gray40' title 'Jacobian bytes (right axis)'
}
