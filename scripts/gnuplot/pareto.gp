# Figure 9: accuracy against speed, one panel per n: every entry's time per
# element against its max ulp error; the line joins the front (entries no
# other entry beats on both), and the front's entries are named.
# data: per panel two blocks: all points, then the front, of
#   ns_per_element max_ulp name
# panels: how many; ns: their n, space-separated.
load dir.'/common.gp'
unset key
set logscale xy
set format y '10^{%L}'
set xlabel 'time per element (ns)'
set ylabel 'max error (ulps)'
do for [t in "svg png"] {
    eval (t eq "svg" ? sprintf("set terminal svg size 1100,%d dynamic enhanced font 'Helvetica,11' background rgb 'white'; set output '%s.svg'", panels > 2 ? 820 : 440, out) \
                     : sprintf("set terminal pngcairo size 1400,%d enhanced font 'Helvetica,11'; set output '%s.png'", panels > 2 ? 1040 : 560, out))
    set multiplot layout (panels > 2 ? 2 : 1), (panels > 1 ? 2 : 1) title title_text noenhanced
    do for [p=0:panels-1] {
        set title sprintf('n = %s', word(ns, p + 1))
        plot data index 2*p using 1:2 with points pt 7 ps 1.2 lc rgb '#7f7f7f', \
             data index 2*p+1 using 1:2 with linespoints lw 2 pt 7 ps 1.4 lc rgb '#d62728', \
             data index 2*p+1 using 1:2:3 with labels left offset 0.7,0.6 font ',9' noenhanced
    }
    unset multiplot
}
