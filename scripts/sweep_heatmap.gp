# sweep_heatmap.gp -- a metric's mean over two swept settings (one cell per
# pair of values, the other settings fixed), each cell labelled with its value,
# the best configuration outlined.
# Data: cells.dat "xi yi mean ci config ok label" (indices of the values; mean
# NaN, ok 0 and label "failed" where the configuration failed; the label is
# the mean with 3 digits), a blank line after each row of y.
# Variables: t_title, xlabel, ylabel, zlabel, nx, ny, zmin, zmax, best_x,
# best_y (NaN: not in this slice), xtl / ytl (arrays of the values'
# names: data, never evaluated).
load dir_of_script.'sweep_term.gp'
set title t_title.(strlen(t_sub) > 0 ? "\n".t_sub : "")
set xlabel xlabel
set ylabel ylabel
set cblabel zlabel.' (mean)'
set xrange [-0.5:nx-0.5]
set yrange [-0.5:ny-0.5]
set xtics ()
do for [i=1:nx] { set xtics add (xtl[i] i-1) }
set ytics ()
do for [i=1:ny] { set ytics add (ytl[i] i-1) }
set tics out nomirror
unset grid
set cbrange [zmin:zmax]
# viridis
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set object 1 rectangle from graph 0,0 to graph 1,1 behind fillcolor rgb '#bbbbbb' fillstyle solid 1.0 noborder
mid = (zmin + zmax) / 2.0
show_labels = nx * ny <= 400
if (best_x == best_x && best_y == best_y) {
    set object 2 rectangle from best_x-0.5,best_y-0.5 to best_x+0.5,best_y+0.5 front fillstyle empty border lc rgb '#d62728' lw 3
}
labels = show_labels ? ", 'cells.dat' using 1:2:7:($6 == 0 || $3 > mid ? 0x000000 : 0xffffff) with labels tc rgb variable font ',9' notitle" : ""
eval("plot 'cells.dat' using 1:2:3 with image notitle".labels)
