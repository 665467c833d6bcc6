# dashboard.gp -- the seed's Grafana dashboard ("Web App Auto-Scaling") as
# one page, from a simulated run: the eight panels of its README.
#
# Run by `autoscale-sim plot` (see sim/report/figures.c for the data files ts.dat,
# rep.dat, insts.dat, ma.dat, health.dat and the variables in vars.gp: fmt,
# out, t_run, t_policy, tunit, tmax, slo, n_inst, inst[], g_now, g_peak,
# g_peak_t, r_now, r_max, r_mean, t_bucket, rt_log, rt_floor, pct_log,
# pct_floor, wall, xlab, n_xt/xtn, xt_pos/lab, xtn_pos/lab).

W = 1600; H = 1500
if (fmt eq 'png') {
    set terminal pngcairo size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2
} else {
    if (fmt eq 'svg') {
        set terminal svg size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2 background '#ffffff'
    } else {
        set terminal pdfcairo size 16in,15in font 'DejaVu Sans,12' noenhanced linewidth 1.2
    }
}
set output out

# Series colours (Tableau 10), cycling for more instances.
array pal[10] = ['#4E79A7', '#F28E2B', '#59A14F', '#E15759', '#76B7B2', \
                 '#EDC948', '#B07AA1', '#FF9DA7', '#9C755F', '#BAB0AC']
col(k) = pal[(k - 1) % 10 + 1]
# The seed's Grafana thresholds: response time green < 0.4 s, yellow < 0.6 s,
# red above; replicas red = 1, yellow = 2, green >= 3.
g_green = 0.4; g_yellow = 0.6
c_green = '#37A24B'; c_yellow = '#E0B400'; c_red = '#D62728'
rt_col(v) = v < g_green ? c_green : (v < g_yellow ? c_yellow : c_red)
rep_col(v) = v <= 1 ? c_red : (v <= 2 ? c_yellow : c_green)

set grid xtics ytics lc rgb '#DDDDDD' lw 1 dt 1
set border 3 lc rgb '#555555'
set tics nomirror out scale 0.6
set key Left reverse samplen 2 spacing 1.1 width 1 font ',12' noopaque
# Keys sit right of each panel (never on data): at screen x, y, top-left anchored.
keyat(x, y) = sprintf('set key at screen %g, screen %g left top', x, y)
set xrange [0:tmax]
# Panel titles are set directly (not through eval of a built command), so
# no text ever becomes gnuplot code.

# Wall-clock ticks (RFC 3339, positions and labels from figures.c) when the
# run has an absolute start (a replay, or start_time set); else numbers.
xt_on  = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add (xt_lab[i] xt_pos[i]) } }"
xt_off = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add ('' xt_pos[i]) } }"
xtn_on = "if (wall) { set xtics (); do for [i=1:n_xtn] { set xtics add (xtn_lab[i] xtn_pos[i]) } }"

set multiplot
set label 901 'Dashboard: '.t_run at screen 0.5, screen 0.982 center font ',17'
set label 902 t_policy at screen 0.5, screen 0.960 center font ',11' tc rgb '#444444'

# ---- row 1: stat panels ------------------------------------------------------
set tmargin at screen 0.915; set bmargin at screen 0.745

# 1. Average response time (30 s): a Grafana-style gauge.
set lmargin at screen 0.02; set rmargin at screen 0.25
unset border; unset tics; unset grid; unset key
set xrange [-1.35:1.35]; set yrange [-0.62:1.2]
gmax = 1.2
ang(v) = 180.0 - 180.0 * (v > gmax ? gmax : (v < 0 ? 0 : v)) / gmax
set object 1 circle at 0,0 size 1 arc [ang(g_green):180] fc rgb c_green fs solid 1.0 noborder
set object 2 circle at 0,0 size 1 arc [ang(g_yellow):ang(g_green)] fc rgb c_yellow fs solid 1.0 noborder
set object 3 circle at 0,0 size 1 arc [0:ang(g_yellow)] fc rgb c_red fs solid 1.0 noborder
set object 4 circle at 0,0 size 0.68 fc rgb '#FFFFFF' fs solid 1.0 noborder
do for [v in "0 0.4 0.6 1.2"] {
    a = ang(real(v)) * pi / 180
    set label v at 1.13 * cos(a), 1.13 * sin(a) center font ',9' tc rgb '#555555'
}
if (g_now == g_now) {
    a = ang(g_now) * pi / 180
    set arrow 1 from 0,0 to 0.92 * cos(a), 0.92 * sin(a) nohead lw 3 lc rgb '#333333' front
    set object 5 circle at 0,0 size 0.06 fc rgb '#333333' fs solid 1.0 noborder front
    set label 10 sprintf('%.3g s', g_now) at 0, -0.22 center font ',24' tc rgb rt_col(g_now) front
} else {
    set label 10 'no data' at 0, -0.22 center font ',18' tc rgb '#777777' front
}
if (g_peak == g_peak) {
    set label 11 sprintf('at end of run; peak %.3g s at %.4g %s', g_peak, g_peak_t, tunit) at 0, -0.5 center font ',10' tc rgb '#444444'
}
set label 12 'Average response time (30 s)' at screen 0.03, screen 0.93 left font ',13'
plot NaN notitle
unset object 1; unset object 2; unset object 3; unset object 4; unset object 5; unset arrow 1
unset label; set label 901 'Dashboard: '.t_run at screen 0.5, screen 0.982 center font ',17'
set label 902 t_policy at screen 0.5, screen 0.960 center font ',11' tc rgb '#444444'

# 3. Active replicas: a stat panel.
set lmargin at screen 0.27; set rmargin at screen 0.42
set xrange [0:1]; set yrange [0:1]
set object 6 rect from graph 0.04, graph 0.1 to graph 0.96, graph 0.95 fc rgb rep_col(r_now) fs solid 0.15 border lc rgb rep_col(r_now) lw 1.5
set label 20 sprintf('%g', r_now) at graph 0.5, graph 0.58 center font ',44' tc rgb rep_col(r_now)
set label 21 sprintf('at end; max %g, mean %.2f', r_max, r_mean) at graph 0.5, graph 0.2 center font ',10' tc rgb '#444444'
set label 22 'Active replicas' at screen 0.28, screen 0.93 left font ',13'
plot NaN notitle
unset object 6; unset label 20; unset label 21; unset label 22
unset label 901; unset label 902

# 4. Service health per instance: up/down over time.
set border 3 lc rgb '#555555'; set tics out scale 0.6; set xtics nomirror; set ytics nomirror
set grid xtics lc rgb '#DDDDDD'
eval keyat(0.895, 0.915)
set lmargin at screen 0.56; set rmargin at screen 0.89
set xrange [0:tmax]
set xlabel xlab offset 0,0.4
if (n_inst > 0) {
    set yrange [n_inst + 0.6:0.4]
    set ytics () font ',10'
    do for [k=1:n_inst] { set ytics add (inst[k] k) }
} else {
    set yrange [0:1]; unset ytics
    set label 2 'no target was scraped' at graph 0.5, graph 0.5 center tc rgb '#777777'
}
set xtics font ',10'
eval xtn_on
set label 1 'Service health (up per scrape)' at graph 0, graph 1.07 left font ',13'
plot 'health.dat' u 1:2:3:(0.32):($4 == 1 ? 0x37A24B : 0xD62728) w boxxyerror fc rgb variable fs solid 0.9 noborder notitle, \
     NaN w boxes fs solid 0.9 noborder fc rgb c_green t 'up', \
     NaN w boxes fs solid 0.9 noborder fc rgb c_red t 'down'
unset label 2; unset xlabel
set ytics autofreq nomirror font ',11'; set xtics autofreq nomirror font ',11'
set grid xtics ytics

# A panel of a run shorter than its first scrape (no instance series): a
# note instead of a plot, which gnuplot would refuse ("all points undefined").
# The command is a constant string: nothing from the run is evaluated.
no_scrapes_cmd = "set yrange [0:1]; set label 2 'no target was scraped' at graph 0.5, graph 0.5 center tc rgb '#777777'; plot NaN notitle; unset label 2; set yrange [0:*]"

# ---- rows 2-4: time series ---------------------------------------------------
LL = 0.065; LR = 0.365; RL = 0.565; RR = 0.865
set yrange [0:*]

# 2. Response time over time: per instance + 30 s moving average.
set tmargin at screen 0.675; set bmargin at screen 0.505
set lmargin at screen LL; set rmargin at screen LR
set ylabel 'response time (s)'
set format x '% g'
eval xtn_on
eval keyat(LR + 0.01, 0.675)
# Latency panels: the SLO line, and a log axis when one burst would flatten
# the rest (max > 20 x median of the positive values; doc/plots.md).
if (rt_log) { set logscale y; set yrange [rt_floor:*]; set format y '%g' }
set label 1 'Response time over time (gauge per instance)'.(rt_log ? ', log scale' : '') at graph 0, graph 1.07 left font ',13'
if (n_inst > 0) {
    plot for [k=1:n_inst] 'insts.dat' index (k - 1) u 1:2 w lines lw 1.4 lc rgb col(k) t inst[k], \
         'ma.dat' u 1:2 w lines lw 3 lc rgb '#222222' t '30 s moving avg', \
         slo w lines dt 2 lw 1.4 lc rgb '#777777' t sprintf('SLO %g s', slo)
} else {
    eval no_scrapes_cmd
}

# 8. Response time percentiles (from completed requests, per second).
set lmargin at screen RL; set rmargin at screen RR
eval keyat(RR + 0.01, 0.675)
unset logscale y; set yrange [0:*]; set format y '% g'
if (pct_log) { set logscale y; set yrange [pct_floor:*]; set format y '%g' }
set label 1 'Response time percentiles'.t_bucket.(pct_log ? ', log scale' : '') at graph 0, graph 1.07 left font ',13'
plot 'ts.dat' u 1:7 w lines lw 1.4 lc rgb '#59A14F' t 'p50', \
     '' u 1:8 w lines lw 1.4 lc rgb '#F28E2B' t 'p95', \
     '' u 1:9 w lines lw 1.4 lc rgb '#D62728' t 'p99', \
     slo w lines dt 2 lw 1.4 lc rgb '#777777' t sprintf('SLO %g s', slo)

unset logscale y; set yrange [0:*]; set format y '% g'

# 5. Request count per instance (webapp_request_count).
set tmargin at screen 0.435; set bmargin at screen 0.265
set lmargin at screen LL; set rmargin at screen LR
set ylabel 'requests'
eval keyat(LR + 0.01, 0.435)
set label 1 'Request count (webapp_request_count)' at graph 0, graph 1.07 left font ',13'
if (n_inst > 0) {
    plot for [k=1:n_inst] 'insts.dat' index (k - 1) u 1:3 w lines lw 1.4 lc rgb col(k) t inst[k]
} else {
    eval no_scrapes_cmd
}

# 7. Request rate per instance: rate(webapp_total_requests[1m]).
set lmargin at screen RL; set rmargin at screen RR
set ylabel 'requests/s'
eval keyat(RR + 0.01, 0.435)
set label 1 'Request rate, rate(webapp_total_requests[1m])' at graph 0, graph 1.07 left font ',13'
if (n_inst > 0) {
    plot for [k=1:n_inst] 'insts.dat' index (k - 1) u 1:4 w lines lw 1.4 lc rgb col(k) t inst[k]
} else {
    eval no_scrapes_cmd
}

# 6. Replica count over time, as steps.
set tmargin at screen 0.195; set bmargin at screen 0.05
set lmargin at screen LL; set rmargin at screen RR
set ylabel 'replicas'
set xlabel xlab
eval xt_on
if (max_rep == max_rep) { set yrange [0:max_rep + 1] } else { set yrange [0:*] }
set ytics 1 nomirror
eval keyat(RR + 0.01, 0.195)
set label 1 'Replica count over time' at graph 0, graph 1.07 left font ',13'
plot 'rep.dat' u 1:4 w lines lw 1.2 dt (4,3) lc rgb '#F28E2B' t 'ready + starting', \
     '' u 1:2 w lines lw 3 lc rgb '#37A24B' t 'ready', \
     (max_rep == max_rep ? max_rep : NaN) w lines dt 3 lw 1.2 lc rgb '#888888' t sprintf('max replicas %g', max_rep)
unset multiplot
