# Figure 3: complementary CDF of the per-component ulp error: the fraction
# of components with at least a given error, on log axes, so the tail that
# sets the maximum is visible.
# data: blocks per implementation of   ulp fraction_at_or_above
# ymin: below the least fraction (one component).
load dir.'/common.gp'
set title title_text
set xlabel 'error e (ulps of the exact value)'
set ylabel 'fraction of components with error >= e'
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set yrange [ymin:1.5]
set key below left maxcols 3 box noenhanced
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with steps lt i+1 lw 2 title columnheader(1)
}
