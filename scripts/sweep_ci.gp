# sweep_ci.gp -- a metric's mean with its 95 % confidence interval (Student t
# over the replications) against one swept setting, the others fixed; for a
# random axis every sampled configuration is shown (the others vary too).
# Data: ci.dat "x mean ci config best" (x: the value, or its index when the
# values are not numbers).
# Variables: t_title, t_sub, xlabel, ylabel, categorical (values are names:
# x is their index, no connecting line), nx, scatter, xtl (the
# names of a categorical axis: data, never evaluated).
load dir_of_script.'sweep_term.gp'
set title t_title.(strlen(t_sub) > 0 ? "\n".t_sub : "")
set xlabel xlabel
set ylabel ylabel.' (mean ± 95% CI)'
set key top right box opaque
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
if (categorical) {
    set xtics ()
    do for [i=1:nx] { set xtics add (xtl[i] i-1) }
    set offsets 0, 0, graph 0.05, graph 0.05
    set xrange [-0.5:nx-0.5]
}
line = (scatter || categorical) ? "" : "'ci.dat' using 1:2 with lines lw 1.5 lc rgb '#4c78a8' notitle, "
eval("plot ".line."'ci.dat' using 1:2:3 with yerrorbars pt 7 ps 1 lw 1.5 lc rgb '#4c78a8' title 'mean ± 95% CI', 'ci.dat' using ($5==1?$1:NaN):2 with points pt 6 ps 3 lw 2.5 lc rgb '#d62728' title 'best'")
