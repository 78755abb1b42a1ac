# Figure 4: the overflow and edge behaviour matrix: implementation x
# scenario, coloured by outcome (0 ok, 1 nan, 2 inf, 3 zero-row, 4 wrong);
# a cross marks a mismatch with the declared policy.
# data: matrix of codes (rows = implementations); tics: a file that sets
# xtics and ytics; marks: x y of mismatches; rows, cols: the matrix size.
load dir.'/common.gp'
load tics
set title title_text
unset grid
unset key
set xtics rotate by 60 right font ',10' nomirror
set ytics font ',10' nomirror
set cbrange [-0.5:4.5]
set palette maxcolors 5 defined (0 '#2ca02c', 1 '#d62728', 2 '#ff7f0e', 3 '#1f77b4', 4 '#9467bd')
set cbtics ('ok' 0, 'nan' 1, 'inf' 2, 'zero-row' 3, 'wrong' 4)
set colorbox
set xrange [-0.5:cols - 0.5]
set yrange [rows - 0.5:-0.5]
do for [t in "svg png"] {
    eval (t eq "svg" ? sprintf("set terminal svg size 1280,%d dynamic enhanced font 'Helvetica,12' background rgb 'white'; set output '%s.svg'", 260 + 26 * rows, out) \
                     : sprintf("set terminal pngcairo size 1600,%d enhanced font 'Helvetica,12'; set output '%s.png'", 320 + 32 * rows, out))
    plot data matrix with image, marks using 1:2 with points pt 2 ps 1.5 lw 2 lc rgb 'black'
}
