# Figure 5: time per element against n, hot cache, one line per entry with
# its first and third quartiles as bars, under a measured roofline: copying,
# reading and writing the same elements in the same run. Cache sizes (in
# elements of input + output) are marked.
# data: blocks 0-2 the ceilings, then one per entry, of   n median q1 q3
# l1, l2, l3: cache sizes in elements.
load dir.'/common.gp'
set title title_text
set xlabel 'row length n (elements; rows x n >= 16384)'
set ylabel 'time per element (ns)'
set logscale xy
set format x '10^{%L}'
set key below left maxcols 3 box noenhanced
set arrow 1 from l1, graph 0 to l1, graph 1 nohead dt 3 lc rgb 'gray40'
set arrow 2 from l2, graph 0 to l2, graph 1 nohead dt 3 lc rgb 'gray40'
set arrow 3 from l3, graph 0 to l3, graph 1 nohead dt 3 lc rgb 'gray40'
set label 1 'L1' at l1, graph 0.96 offset 0.5,0 tc rgb 'gray40'
set label 2 'L2' at l2, graph 0.96 offset 0.5,0 tc rgb 'gray40'
set label 3 'LLC' at l3, graph 0.96 offset 0.5,0 tc rgb 'gray40'
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot data index 0 using 1:2 with lines lw 4 lc rgb 'black' title 'roofline: '.columnhead(1), \
         data index 1 using 1:2 with lines lw 2 dt 2 lc rgb 'black' title 'roofline: '.columnhead(1), \
         data index 2 using 1:2 with lines lw 2 dt 4 lc rgb 'gray30' title 'roofline: '.columnhead(1), \
         for [i=3:*] data index i using 1:2:3:4 with yerrorlines lt i-2 lw 2 ps 0.7 title columnheader(1)
}
