# sweep_pareto.gp -- every configuration of a sweep as a point (mean over its
# replications), the Pareto front as a staircase, the best one circled.
# Data (written by sweep.c): points.dat "x y xci yci feasible config",
# front.dat "x y config" (ascending x), best.dat "x y config".
# Variables: t_title, xlabel, ylabel, has_best, has_cons, nonneg_x / nonneg_y
# (the axis need not go below 0).
load dir_of_script.'sweep_term.gp'
set title t_title
set xlabel xlabel.' (mean over replications)'
set ylabel ylabel.' (mean over replications)'
set key top right box opaque
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
if (nonneg_x) { set xrange [0<*:*] }
if (nonneg_y) { set yrange [0<*:*] }
feas = has_cons ? "'points.dat' using ($5==1?$1:NaN):2 with points pt 7 ps 0.9 lc rgb '#4c78a8' title 'meets the constraints', 'points.dat' using ($5==1?NaN:$1):2 with points pt 7 ps 0.7 lc rgb '#c7c7c7' title 'violates a constraint'" \
              : "'points.dat' using 1:2 with points pt 7 ps 0.9 lc rgb '#4c78a8' title 'configurations'"
# The front's points as rings, so the colour of the point inside still says
# whether it meets the constraints.
front = ", 'front.dat' using 1:2 with steps lw 2 lc rgb '#d62728' title 'Pareto front', 'front.dat' using 1:2 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728' notitle"
best = has_best ? ", 'best.dat' using 1:2 with points pt 6 ps 3.5 lw 2.5 lc rgb 'black' title 'chosen: the best feasible'" : ""
eval('plot '.feas.front.best)
