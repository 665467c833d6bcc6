# sweep_heatmap.gp -- a metric's mean over two swept settings (one cell per
# pair of values, the other settings fixed), each cell labelled with its value;
# infeasible cells hatched and their label crossed (✗); the chosen
# configuration outlined only when there is one (it is feasible by
# construction); the key says what was chosen, or that nothing was.
# Data: cells.dat "xi yi mean ci config ok label feasible" (indices of the
# values; mean NaN, ok 0 and label "failed" where the configuration failed;
# the label, double-quoted, is the mean with 3 digits, "✗" added when
# infeasible), a blank line after each row of y.
# Variables: t_title, t_sub, xlabel, ylabel, zlabel (with units), nx, ny, zmin,
# zmax, best_x, best_y (NaN: none), n_infeasible, n_feasible, t_infeasible,
# t_chosen, xtl / ytl (arrays of the values' names: data, never evaluated).
w_px = 1000; h_px = 760
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
has_best = best_x == best_x && best_y == best_y
if (has_best) {
    set object 2 rectangle from best_x-0.5,best_y-0.5 to best_x+0.5,best_y+0.5 front fillstyle empty border lc rgb '#d62728' lw 4
}
# The key under the plot: what the hatching and the outline mean, in words.
set key below left Left reverse samplen 2.5 spacing 1.3 font ',13' maxrows 3
# labels: black on light cells and on faded (infeasible) ones, white on dark
labcol(ok, v, f) = (ok == 0 || v > mid || f == 0) ? 0x000000 : 0xffffff
labels = show_labels ? ", 'cells.dat' using 1:2:7:(labcol($6, $3, $8)) with labels tc rgb variable font ',12' notitle" : ""
hatch = n_infeasible > 0 ? ", 'cells.dat' using ($6 == 1 && $8 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fs transparent solid 0.5 noborder fc rgb '#ffffff' notitle, 'cells.dat' using ($6 == 1 && $8 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fs transparent pattern 4 noborder fc rgb '#555555' notitle, NaN with boxes fs transparent pattern 4 border rgb '#555555' fc rgb '#555555' lc rgb '#555555' title t_infeasible" : ""
chosen = has_best ? ", NaN with boxes fs empty border rgb '#d62728' lw 4 lc rgb '#d62728' title t_chosen" : ", NaN with points pt -1 title t_chosen"
eval("plot 'cells.dat' using 1:2:3 with image notitle".hatch.labels.chosen)
