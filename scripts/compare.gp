# compare.gp -- several runs overlaid on one shared time axis: offered load,
# the metric each scaler saw, ready replicas (steps), p95 latency.
#
# Run by `autoscale-sim compare` (see asim_plot_compare in sim/report/figures.c for
# the data files ts_K.dat, rep_K.dat and the variables in vars.gp: fmt, out,
# t_run, t_sub, tunit, tmax, n_run, run[], key_chars, m_label, wall, xlab, n_xt,
# xt_pos/lab, slo[], slo_same,
# p95_log, p95_floor, up_thr[], down_thr[], thr_same, m_log,
# m_floor).

# The plot area keeps its width in pixels; the page widens when the longest
# run name (key_chars characters at 12 pt, ~9.4 px each, plus the sample) needs more room
# right of it: names are never cut.
W0 = 1400; H = 1100
KW = 95 + 9.4 * key_chars
W = (W0 * 0.76 + 25 + KW > W0) ? int(W0 * 0.76 + 25 + KW) : W0
if (fmt eq 'png') {
    set terminal pngcairo size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2
} else {
    if (fmt eq 'svg') {
        set terminal svg size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2 background '#ffffff'
    } else {
        set terminal pdfcairo size (W / 100.0),11 font 'DejaVu Sans,12' noenhanced linewidth 1.2
    }
}
set output out

array pal[10] = ['#4E79A7', '#F28E2B', '#59A14F', '#E15759', '#B07AA1', \
                 '#76B7B2', '#EDC948', '#FF9DA7', '#9C755F', '#BAB0AC']
col(k) = pal[(k - 1) % 10 + 1]
# Later runs dashed so identical curves stay distinguishable.
dash(k) = (k - 1) % 3 == 0 ? 1 : ((k - 1) % 3 == 1 ? 2 : 4)

L = 0.08 * W0 / W; R = 0.76 * W0 / W
set lmargin at screen L; set rmargin at screen R
set xrange [0:tmax]
set grid xtics ytics lc rgb '#DDDDDD' lw 1 dt 1
set border 3 lc rgb '#555555'
set tics nomirror out scale 0.6
set key at screen R + 0.015, screen 0.90 left top title 'runs' left Left reverse samplen 3 spacing 1.2 font ',12'
# Panel titles are set directly (not through eval of a built command), so
# no text ever becomes gnuplot code.

# Wall-clock ticks (RFC 3339, positions and labels from figures.c) when the
# run has an absolute start (a replay, or start_time set); else numbers.
xt_on  = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add (xt_lab[i] xt_pos[i]) } }"
xt_off = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add ('' xt_pos[i]) } }"
xtn_on = "if (wall) { set xtics (); do for [i=1:n_xtn] { set xtics add (xtn_lab[i] xtn_pos[i]) } }"

set multiplot
set label 901 'Comparison: '.t_run at screen 0.5, screen 0.978 center font ',17'
set label 902 t_sub at screen 0.5, screen 0.952 center font ',11' tc rgb '#444444'

# ---- 1. offered load (the key, one entry per run, lives here) ----------------
set tmargin at screen 0.91; set bmargin at screen 0.74
set format x ''
eval xt_off
set ylabel 'requests/s'
set yrange [0:*]
set label 1 'Offered load' at graph 0, graph 1.06 left font ',13'
plot for [k=1:n_run] sprintf('ts_%d.dat', k) u 1:2 w lines lw 2 dt dash(k) lc rgb col(k) t run[k]
unset label 901; unset label 902
unset key

# ---- 2. metric seen by each scaler --------------------------------------------
set tmargin at screen 0.69; set bmargin at screen 0.50
set ylabel m_label
clamp(v) = (m_log && v < m_floor) ? m_floor : v
if (m_log) { set logscale y; set yrange [m_floor:*]; set format y '%g' } else { set yrange [0:*] }
set label 1 'Metric the scaler saw (dashed: scale-up threshold, dotted: scale-down)' at graph 0, graph 1.06 left font ',13'
if (thr_same) {
    plot up_thr[1] w lines dt 2 lw 1.5 lc rgb '#D62728' notitle, \
         down_thr[1] w lines dt 3 lw 1.5 lc rgb '#1F77B4' notitle, \
         for [k=1:n_run] sprintf('ts_%d.dat', k) u 1:(clamp($10)) w lines lw 1.8 dt dash(k) lc rgb col(k) notitle
} else {
    plot for [k=1:n_run] up_thr[k] w lines dt 2 lw 1 lc rgb col(k) notitle, \
         for [k=1:n_run] down_thr[k] w lines dt 3 lw 1 lc rgb col(k) notitle, \
         for [k=1:n_run] sprintf('ts_%d.dat', k) u 1:(clamp($10)) w lines lw 1.8 dt dash(k) lc rgb col(k) notitle
}
unset logscale y; set format y '% g'

# ---- 3. ready replicas -----------------------------------------------------------
set tmargin at screen 0.45; set bmargin at screen 0.285
set ylabel 'ready replicas'
set yrange [0:*]
set ytics 1
set label 1 'Ready replicas' at graph 0, graph 1.06 left font ',13'
plot for [k=1:n_run] sprintf('rep_%d.dat', k) u 1:2 w lines lw 2.2 dt dash(k) lc rgb col(k) notitle
set ytics autofreq

# ---- 4. p95 latency --------------------------------------------------------------
set tmargin at screen 0.235; set bmargin at screen 0.07
set format x '% g'
eval xt_on
set xlabel xlab
set ylabel 'p95 latency (s)'
# The SLO latency, dotted (one line per run when they differ); a log axis
# when one burst would flatten the rest (max > 20 x median, doc/plots.md).
if (p95_log) { set logscale y; set yrange [p95_floor:*]; set format y '%g' } else { set yrange [0:*] }
set label 1 'p95 latency of completed requests'.(p95_log ? ' (log scale)' : '') at graph 0, graph 1.06 left font ',13'
set key at graph 1, graph 1 right top noautotitle title '' Left reverse samplen 2 font ',12' opaque
if (slo_same) {
    plot slo[1] w lines dt 3 lw 1.8 lc rgb '#555555' title sprintf('SLO %g s', slo[1]), \
         for [k=1:n_run] sprintf('ts_%d.dat', k) u 1:8 w lines lw 1.5 dt dash(k) lc rgb col(k) notitle
} else {
    plot for [k=1:n_run] slo[k] w lines dt 3 lw 1.2 lc rgb col(k) notitle, \
         for [k=1:n_run] sprintf('ts_%d.dat', k) u 1:8 w lines lw 1.5 dt dash(k) lc rgb col(k) notitle
}
unset multiplot
