# Figure 5: time per element against n, hot cache, one line per
# implementation, with the memcpy ceiling of the same bytes and the cache
# sizes (in elements of input + output) marked.
# data: blocks per implementation of   n ns_per_element   (memcpy first)
# l1, l2, l3: cache sizes in elements.
load dir.'/common.gp'
set title title_text
set xlabel 'row length n (elements; rows x n >= 16384)'
set ylabel 'time per element (ns)'
set logscale xy
set format x '10^{%L}'
set arrow 1 from l1, graph 0 to l1, graph 1 nohead dt 3 lc rgb 'gray40'
set arrow 2 from l2, graph 0 to l2, graph 1 nohead dt 3 lc rgb 'gray40'
set arrow 3 from l3, graph 0 to l3, graph 1 nohead dt 3 lc rgb 'gray40'
set label 1 'L1' at l1, graph 0.96 offset 0.5,0 tc rgb 'gray40'
set label 2 'L2' at l2, graph 0.96 offset 0.5,0 tc rgb 'gray40'
set label 3 'LLC' at l3, graph 0.96 offset 0.5,0 tc rgb 'gray40'
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot data index 0 using 1:2 with lines lw 4 lc rgb 'black' title columnheader(1), \
         for [i=1:*] data index i using 1:2 with linespoints lt i+1 lw 2 ps 0.7 title columnheader(1)
}
