# Figure 8: the overflow threshold chart: per entry, the least input scale
# S (rows of 64 uniform in (-S, S)) at which its output stops being ok, as a
# bar from S = 1; entries that never leave ok get a grey bar to the format's
# maximum.
# data: index threshold never outcome name; rows: entries; xmax: the
# format's largest finite value.
load dir.'/common.gp'
set title title_text
unset key
unset grid
set grid xtics
set logscale x
set format x '10^{%L}'
set xrange [1:xmax * 1e4]
set yrange [rows - 0.5:-0.5]
set xlabel 'input scale S at which the output is first not ok'
set style fill solid 0.8 border -1
do for [t in "svg png"] {
    eval (t eq "svg" ? sprintf("set terminal svg size 960,%d dynamic enhanced font 'Helvetica,12' background rgb 'white'; set output '%s.svg'", 160 + 28 * rows, out) \
                     : sprintf("set terminal pngcairo size 1280,%d enhanced font 'Helvetica,12'; set output '%s.png'", 200 + 36 * rows, out))
    plot data using (sqrt($2)):1:(1):2:($1 - 0.35):($1 + 0.35):($3 > 0 ? 0xbbbbbb : 0xd62728):ytic(5) \
              with boxxyerror lc rgb variable, \
         data using 2:1:($3 > 0 ? 'never' : sprintf('%.3g: %s', $2, strcol(4))) \
              with labels left offset 0.5,0 noenhanced
}
