# hosts.gp -- a run on shared hosts (hosts.count > 0): each host's CPU
# utilisation, its runnable threads against its cores (above the line every
# thread runs slower: processor sharing), the replicas each service's scaler
# keeps ready (one line per service: every scaler competes for the same
# cores), and the latency the clients see (the run's own service, p95 and
# mean) with each further service's p95.
#
# Run by `autoscale-sim plot` when the run directory has hosts.csv (see
# sim/report/figures_hosts.c).  Variables from vars.gp: fmt, out, t_run,
# t_policy, tunit, tmax, slo, n_hosts, cores, n_svc and svc[1..n_svc] (the
# service names: 1 the run's own, then settings.services in order);
# hosts.dat: time host utilisation runnable containers throttled_periods;
# ts.dat and rep.dat (service 1) and ts_K.dat, rep_K.dat (service K >= 2,
# from services/NAME/) as ts.dat and rep.dat for timeline.gp.

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

array hc[8] = ['#4E79A7', '#F28E2B', '#59A14F', '#E15759', '#76B7B2', '#EDC948', '#B07AA1', '#9C755F']
# services: green first (the colour of a run's replicas elsewhere), then colours no host uses
array sc[6] = ['#2CA02C', '#9467BD', '#8C564B', '#17BECF', '#BCBD22', '#7F7F7F']
rep_file(k) = k == 1 ? 'rep.dat' : sprintf('rep_%d.dat', k)
ts_file(k) = k == 1 ? 'ts.dat' : sprintf('ts_%d.dat', k)
L = 0.10; R = 0.80
set lmargin at screen L; set rmargin at screen R
set xrange [0:tmax]
set grid xtics ytics lc rgb '#DDDDDD' lw 1 dt 1
set border 3 lc rgb '#555555'
set tics nomirror out scale 0.6
set key outside right top Left reverse samplen 2.5 spacing 1.15 width 1 font ',11'

set multiplot
set label 901 'Hosts: '.t_run at screen 0.5, screen 0.978 center font ',17'
set label 902 sprintf('%d host(s) x %d cores;  %s', n_hosts, cores, t_policy) at screen 0.5, screen 0.952 center font ',11' tc rgb '#555555'

# 1. CPU utilisation per host
set tmargin at screen 0.92; set bmargin at screen 0.69
set format x ''
set ylabel 'host CPU utilisation'
set yrange [0:1.05]
plot for [h=1:n_hosts] 'hosts.dat' using 1:($2 == h ? $3 : 1/0) with steps lw 1.6 lc rgb hc[(h-1)%8+1] title sprintf('host %d', h)
unset label 901; unset label 902

# 2. runnable threads against cores, each service's ready replicas on the
# right axis (the key moves clear of that axis' labels)
set tmargin at screen 0.66; set bmargin at screen 0.43
set ylabel 'runnable threads'
set yrange [0:*]
set y2label 'replicas ready'
set y2range [0:*]
set y2tics nomirror
set key at screen 0.855, screen 0.66 left top
plot for [h=1:n_hosts] 'hosts.dat' using 1:($2 == h ? $4 : 1/0) with steps lw 1.4 lc rgb hc[(h-1)%8+1] title sprintf('host %d runnable', h), \
     cores with lines dt 2 lw 1.4 lc rgb '#D62728' title 'cores per host', \
     for [k=1:n_svc] rep_file(k) using 1:2 axes x1y2 with lines lw 2 lc rgb sc[(k-1)%6+1] title svc[k].' replicas'
unset y2tics; unset y2label
set key outside right top Left reverse samplen 2.5 spacing 1.15 width 1 font ',11'

# 3. latency the clients see
set tmargin at screen 0.40; set bmargin at screen 0.08
set format x '%g'
set xlabel 'time ('.tunit.')'
set ylabel 'latency (s)'
set logscale y
set yrange [*:*]
plot 'ts.dat' using 1:($8 > 0 ? $8 : 1/0) with lines lw 1.6 lc rgb '#E15759' title (n_svc > 1 ? 'p95 ('.svc[1].')' : 'p95'), \
     'ts.dat' using 1:($6 > 0 ? $6 : 1/0) with lines lw 1.6 lc rgb '#4E79A7' title (n_svc > 1 ? 'mean ('.svc[1].')' : 'mean'), \
     for [k=2:n_svc] ts_file(k) using 1:($8 > 0 ? $8 : 1/0) with lines lw 1.4 lc rgb sc[(k-1)%6+1] title 'p95 ('.svc[k].')', \
     slo with lines dt 2 lc rgb '#555555' title 'SLO'
unset multiplot
