# Figure 3: distribution of the per-component ulp error (CDF).
# data: blocks per implementation of   ulp fraction_at_or_below
load dir.'/common.gp'
set title title_text
set xlabel 'error (ulps of the exact value)'
set ylabel 'fraction of components with at most this error'
set logscale x
set yrange [0:1.02]
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot for [i=0:*] data index i using 1:2 with steps lt i+1 lw 2 title columnheader(1)
}
