# Figure 7: a worked next-token example: the logits of candidate tokens and
# their softmax probabilities (the reference), side by side. The two y axes
# share their zero: the logit range [ylo, yhi] maps to [ylo / yhi, 1].
# data: rank token logit probability
load dir.'/common.gp'
set title title_text
unset grid
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by 45 right nomirror
set ylabel 'logit'
set y2label 'softmax probability'
set yrange [ylo:yhi]
set y2range [ylo * 1.0 / yhi:1]
set ytics nomirror
set y2tics 0, 0.2, 1
set xzeroaxis lt -1 lw 1
set key inside top right
do for [t in "svg png"] {
    eval (t eq "svg" ? svg(out) : png(out))
    plot data using 0:3:xtic(2) with boxes lc rgb '#9ecae1' title 'logit', \
         data using 0:4 axes x1y2 with linespoints lw 3 pt 7 lc rgb '#d62728' title 'softmax probability'
}
