# timeline.gp -- one run on one shared time axis: offered load, the metric
# the scaler saw against its thresholds, replicas desired vs ready, every
# scrape per replica (up, timed out, down), alerts; scaling actions shaded
# across every panel.
#
# Run by `autoscale-sim plot` (see sim/report/figures.c for the data files and the
# variables it sets in vars.gp: fmt, out, t_run, t_policy, tunit, tmax,
# up_thr, down_thr, min_rep, max_rep, has_fail, m_log, m_floor, m_query, m_label, wall,
# xlab, n_xt, xt_pos/lab, n_act,
# act_x0/x1/a/b, n_alert_name, alert_name, n_al, al_x0/x1/a/b, n_inst, inst;
# scr.dat: time, instance row, status 1 up / 0 timed out / -1 down).

W = 1400; H = 1050
if (fmt eq 'png') {
    set terminal pngcairo size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2
} else {
    if (fmt eq 'svg') {
        set terminal svg size W,H font 'DejaVu Sans,12' noenhanced linewidth 1.2 background '#ffffff'
    } else {
        set terminal pdfcairo size 14in,10.5in font 'DejaVu Sans,12' noenhanced linewidth 1.2
    }
}
set output out

# Colours (Tableau 10) and span shades.
c_load = '#222222'; c_served = '#4E79A7'; c_fail = '#E15759'
c_up = '#D62728'; c_down = '#1F77B4'; c_within = '#8C8C8C'
c_ready = '#2CA02C'; c_desired = '#222222'
s_up = '#FCE3C7'; s_down = '#D9E7F5'; s_gap = '#F9B66D'; s_drain = '#9CC3E6'
c_firing = '#D62728'; c_pending = '#F5B041'

L = 0.125; R = 0.775           # plot area; keys live right of R, never on data
set lmargin at screen L; set rmargin at screen R
set xrange [0:tmax]
set grid xtics ytics lc rgb '#DDDDDD' lw 1 dt 1
set border 3 lc rgb '#555555'
set tics nomirror out scale 0.6
set key outside right top Left reverse samplen 2.5 spacing 1.15 width 1 font ',12'

# Wall-clock ticks (RFC 3339, positions and labels from figures.c) when the
# run has an absolute start (a replay, or start_time set); else numbers.
xt_on  = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add (xt_lab[i] xt_pos[i]) } }"
xt_off = "if (wall) { set xtics (); do for [i=1:n_xt] { set xtics add ('' xt_pos[i]) } }"
xtn_on = "if (wall) { set xtics (); do for [i=1:n_xtn] { set xtics add (xtn_lab[i] xtn_pos[i]) } }"

set multiplot
set label 901 'Timeline: '.t_run at screen 0.5, screen 0.978 center font ',17'
set label 902 t_policy at screen 0.5, screen 0.950 center font ',11' tc rgb '#444444'

# Scaling actions: one shaded span per actuation (playbook start -> return),
# drawn behind every panel.
if (n_act > 0) {
    do for [i=1:n_act] {
        set object 100+i rect from first act_x0[i], graph 0 to first act_x1[i], graph 1 \
            fc rgb (act_b[i] >= act_a[i] ? s_up : s_down) fs solid 1.0 noborder behind
    }
}

# ---- 1. offered load -------------------------------------------------------
set tmargin at screen 0.905; set bmargin at screen 0.765
set format x ''
eval xt_off
set ylabel 'requests/s'
set yrange [0:*]
set label 1 'Offered load and throughput' at graph 0, graph 1.06 left font ',13'
# "from→to" over each action, skipping those too close to the previous label.
if (n_act > 0) {
    lastx = -1e30
    do for [i=1:n_act] {
        if (act_x0[i] - lastx > tmax / 40.0) {
            set label 200+i sprintf('%d→%d', act_a[i], act_b[i]) at first act_x0[i], graph 0.93 left offset 0.3,0 font ',10' tc rgb '#7A4A12'
            lastx = act_x0[i]
        }
    }
}
plot 'ts.dat' u 1:2 w lines lw 2.2 lc rgb c_load t 'offered', \
     '' u 1:4 w lines lw 1.2 lc rgb c_served t 'completed', \
     '' u 1:($5 > 0 ? $5 : NaN) w impulses lw 2 lc rgb c_fail t (has_fail ? 'rejected + timed out' : ''), \
     NaN w boxes fs solid 1.0 noborder fc rgb s_up t 'scale-up in progress', \
     NaN w boxes fs solid 1.0 noborder fc rgb s_down t 'scale-down in progress'
unset label 1; unset label 901; unset label 902
if (n_act > 0) { do for [i=1:n_act] { unset label 200+i } }

# ---- 2. what the scaler saw ------------------------------------------------
set tmargin at screen 0.73; set bmargin at screen 0.545
set ylabel m_label
clamp(v) = (m_log && v < m_floor) ? m_floor : v
if (m_log) {
    set logscale y; set yrange [m_floor:*]; set format y '%g'
} else {
    set yrange [0:*]
}
set label 1 'What the scaler saw: '.m_query at graph 0, graph 1.05 left font ',13'
plot up_thr w lines dt 2 lw 1.6 lc rgb c_up t sprintf('scale-up threshold %g', up_thr), \
     down_thr w lines dt 2 lw 1.6 lc rgb c_down t sprintf('scale-down threshold %g', down_thr), \
     'checks.dat' u 1:(clamp($2)) w steps lw 1.2 lc rgb '#555555' t 'metric (held between checks)', \
     '' u 1:($3 == 0 ? clamp($2) : NaN) w points pt 7 ps 0.7 lc rgb c_within t 'check: within', \
     '' u 1:($3 == 1 ? clamp($2) : NaN) w points pt 9 ps 1.4 lc rgb c_up t 'check: above (breach)', \
     '' u 1:($3 == 2 ? clamp($2) : NaN) w points pt 11 ps 1.4 lc rgb c_down t 'check: below (breach)', \
     '' u 1:($3 == 3 ? (m_log ? m_floor : 0) : NaN) w points pt 2 ps 1.0 lc rgb '#999999' t 'check: no data', \
     '' u 1:($4 != 0 ? clamp($2) : NaN) w points pt 6 ps 2.6 lw 1.8 lc rgb '#000000' t 'check that scaled'
unset logscale y; set format y '% g'
unset label 1

# ---- 3. replicas -----------------------------------------------------------
set tmargin at screen 0.51; set bmargin at screen 0.375
set ylabel 'replicas'
if (max_rep == max_rep) { set yrange [0:max_rep + 1] } else { set yrange [0:*] }
set ytics 1
set label 1 'Replicas: desired vs ready (the gap is start-up and playbook time)' at graph 0, graph 1.06 left font ',13'
plot 'rep.dat' u 1:2:3 w filledcurves below fc rgb s_gap fs solid 0.6 noborder t 'waiting for replicas', \
     '' u 1:2:3 w filledcurves above fc rgb s_drain fs solid 0.6 noborder t 'above desired (draining)', \
     '' u 1:2 w lines lw 3 lc rgb c_ready t 'ready (serving)', \
     '' u 1:3 w lines dt (6,4) lw 1.6 lc rgb c_desired t 'desired', \
     (max_rep == max_rep ? max_rep : NaN) w lines dt 3 lw 1.2 lc rgb '#888888' t sprintf('max replicas %g', max_rep)
set ytics autofreq
unset label 1

# ---- 4. scrapes per replica ---------------------------------------------------
# One mark per scrape, at its start (the samples' timestamp): a replica whose
# scrapes time out (in-band /metrics behind a long backlog) is invisible to the
# scaler's query even though it is up and overloaded.
set tmargin at screen 0.34; set bmargin at screen 0.215
set ylabel 'replica'
set label 1 'Scrapes: up per replica (a timed-out scrape leaves the replica out of the query)' at graph 0, graph 1.07 left font ',13'
if (n_inst > 0) {
    set yrange [n_inst + 0.6:0.4]
    set ytics () font ',10'
    do for [i=1:n_inst] { set ytics add (inst[i] i) }
} else {
    set yrange [0:1]; unset ytics
}
plot 'scr.dat' u 1:($3 == 1 ? $2 : NaN) w points pt 7 ps 0.45 lc rgb c_ready t 'up = 1', \
     '' u 1:($3 == 0 ? $2 : NaN) w points pt 2 ps 1.1 lw 1.8 lc rgb c_fail t 'up = 0: scrape timed out', \
     '' u 1:($3 < 0 ? $2 : NaN) w points pt 6 ps 0.7 lc rgb '#999999' t 'up = 0: not ready'
set ytics autofreq
unset label 1

# ---- 5. alerts ---------------------------------------------------------------
set tmargin at screen 0.18; set bmargin at screen 0.075
set format x '% g'
eval xt_on
set xlabel xlab
unset ylabel
set grid noytics
set label 1 'Alerts' at graph 0, graph 1.08 left font ',13'
if (n_alert_name > 0) {
    set yrange [n_alert_name + 0.6:0.4]    # first alert on top
    set ytics () font ',11'
    do for [i=1:n_alert_name] { set ytics add (alert_name[i] i) }
    if (n_al > 0) {
        do for [i=1:n_al] {
            set object 400+i rect from first al_x0[i], first al_a[i] + 1 - 0.32 to first al_x1[i], first al_a[i] + 1 + 0.32 \
                fc rgb (al_b[i] == 2 ? c_firing : c_pending) fs solid 0.9 noborder front
        }
    }
    # The left margin is fixed; long alert names must not spill off the page.
} else {
    set yrange [0:1]
    unset ytics
    set label 2 'no alert was pending or firing' at graph 0.5, graph 0.5 center tc rgb '#777777'
}
plot NaN w boxes fs solid 0.9 noborder fc rgb c_firing t 'firing', \
     NaN w boxes fs solid 0.9 noborder fc rgb c_pending t 'pending'
unset multiplot
