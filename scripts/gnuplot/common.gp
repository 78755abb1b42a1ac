# Shared look of the report's figures. Every figure script loads this, sets
# its own axes, and calls `render` twice: SVG for the page, PNG for viewers
# that want a bitmap. Variables given with -e: data (input), out (basename).
set datafile separator whitespace
set key outside right top box opaque
set grid
set border linewidth 1.2
set style line 1 lw 2 pt 7 ps 0.6

svg(s) = sprintf("set terminal svg size 960,560 dynamic enhanced font 'Helvetica,12' background rgb 'white'; set output '%s.svg'", s)
png(s) = sprintf("set terminal pngcairo size 1280,746 enhanced font 'Helvetica,12'; set output '%s.png'", s)
# Twelve distinguishable line types: colour and point shape both change.
set linetype 1 lc rgb '#1f77b4' pt 7
set linetype 2 lc rgb '#ff7f0e' pt 5
set linetype 3 lc rgb '#2ca02c' pt 9
set linetype 4 lc rgb '#d62728' pt 11
set linetype 5 lc rgb '#9467bd' pt 13
set linetype 6 lc rgb '#8c564b' pt 4
set linetype 7 lc rgb '#e377c2' pt 6
set linetype 8 lc rgb '#7f7f7f' pt 8
set linetype 9 lc rgb '#bcbd22' pt 10
set linetype 10 lc rgb '#17becf' pt 12
set linetype 11 lc rgb '#000000' pt 1
set linetype 12 lc rgb '#aec7e8' pt 2
set linetype cycle 12
