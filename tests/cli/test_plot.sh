#!/bin/bash
# test_plot.sh -- `plot` and `compare` with the real gnuplot: every figure in
# every format is a valid file of the expected size that shows the expected
# series; a missing gnuplot gives exit 2 and the install hint; a failing
# script gives exit 1 with gnuplot's message.
. "$(dirname "$0")/lib.sh"

# check_png FILE W H: PNG signature, IHDR size W x H, and more than 20 kB
# (a blank canvas of that size compresses to a few kB).
check_png() {
    python3 - "$@" <<'EOF'
import struct, sys, os
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = open(path, 'rb').read()
ok = d[:8] == b'\x89PNG\r\n\x1a\n' and d[12:16] == b'IHDR'
ok = ok and struct.unpack('>II', d[16:24]) == (w, h) and len(d) > 20000
sys.exit(0 if ok else 1)
EOF
}
# svg_has FILE TEXT...: the SVG parses as XML and its text contains every TEXT.
svg_has() {
    python3 - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = '\n'.join(t for t in root.itertext())
missing = [s for s in sys.argv[2:] if s not in text]
if missing:
    print('  missing in %s: %s' % (sys.argv[1], missing))
sys.exit(1 if missing else 0)
EOF
}
is_pdf() { [ "$(head -c 5 "$1")" = "%PDF-" ] && [ "$(stat -c %s "$1")" -gt 5000 ]; }

if ! command -v gnuplot > /dev/null; then
    skip "figures" "gnuplot not installed (apt-get install gnuplot-nox); only the missing-gnuplot checks run"
    HAVE_GP=0
else
    HAVE_GP=1
fi

d=$TMP/run
$BIN run scenarios/manual.json --out "$d" --quiet > /dev/null 2>&1
expect "run writes a run directory" test -f "$d/summary.json"

if [ $HAVE_GP = 1 ]; then
    # 1. Every figure, every format.
    mkdir -p "$TMP/tmpdir"
    TMPDIR=$TMP/tmpdir $BIN plot "$d" --format all > "$TMP/out" 2> "$TMP/err"
    expect "plot --format all exits 0" test $? -eq 0
    expect "plot prints nothing on stdout" test ! -s "$TMP/out"
    expect "dashboard.png: PNG 1600x1500, not blank" check_png "$d/dashboard.png" 1600 1500
    expect "timeline.png: PNG 1400x1050, not blank" check_png "$d/timeline.png" 1400 1050
    expect "dashboard.pdf and timeline.pdf are PDFs" eval 'is_pdf "$d/dashboard.pdf" && is_pdf "$d/timeline.pdf"'
    expect "dashboard.svg shows the eight panels and their series" \
        svg_has "$d/dashboard.svg" "Dashboard: manual" "seed 1" "Average response time (30 s)" \
        "Active replicas" "Service health" "webapp-1:8000" "webapp-2:8000" "30 s moving avg" \
        "Request count" "Request rate" "Replica count over time" "p50" "p95" "p99" "SLO 0.6 s"
    expect "timeline.svg shows load, thresholds, checks, replicas, alerts" \
        svg_has "$d/timeline.svg" "Timeline: manual" "up > 0.6 for 2 checks" "offered" \
        "scale-up threshold 0.6" "scale-down threshold 0.2" "check: above (breach)" \
        "check that scaled" "ready (serving)" "desired" "1→2" "HighResponseTime" "firing"
    expect "no temporary plot directory left behind" test -z "$(ls -A "$TMP/tmpdir")"
    expect "no temporary figure left in the run directory" test -z "$(ls "$d" | grep -F .tmp.)"

    # 2. One figure, one format, elsewhere.
    $BIN plot "$d" --figure timeline --format svg --out "$TMP/only" > /dev/null 2>&1
    expect "--figure timeline --format svg writes exactly timeline.svg" \
        test "$(ls "$TMP/only")" = "timeline.svg"

    # 3. run --plot, on a long run (downsampled series, minutes on the axis).
    $BIN run scenarios/diurnal.json --out "$TMP/long" --quiet --plot > /dev/null 2>&1
    expect "run --plot draws the figures" check_png "$TMP/long/timeline.png" 1400 1050
    expect "a long replay is drawn on wall-clock ticks, with bucket means" \
        svg_has "$TMP/long/dashboard.svg" "wall-clock time, RFC 3339" "means over"
    $BIN run scenarios/soak.json --out "$TMP/soak" --quiet > /dev/null 2>&1
    $BIN plot "$TMP/soak" --figure timeline --format svg > /dev/null 2>&1
    expect "a 1 h run (no absolute start) is drawn in minutes" svg_has "$TMP/soak/timeline.svg" "time since start (min)"
    size=$(stat -c %s "$TMP/long/timeline.svg")
    expect "a 1 h run's SVG stays small (< 1.5 MB, was $size)" test "$size" -lt 1500000

    # 4. compare: table, CSV, figure.
    $BIN run scenarios/manual.json --out "$TMP/cmp/low" --quiet --set scaler.scale_up_threshold=0.3 > /dev/null 2>&1
    $BIN compare "$d" "$TMP/cmp/low" --out "$TMP/cmp" > "$TMP/table" 2> "$TMP/err"
    expect "compare exits 0" test $? -eq 0
    expect "compare prints a side-by-side table naming both runs" \
        grep -Eq '^metric +run +low$' "$TMP/table"
    expect "the table shows the setting that differs" grep -Eq '^scaler.scale_up_threshold +0.6 +0.3$' "$TMP/table"
    expect "compare.csv: header + one row per run" test "$(wc -l < "$TMP/cmp/compare.csv")" -eq 3
    expect "compare.csv has the differing setting and the metrics" \
        grep -q '^run,dir,scenario,seed,policy,settings.scaler.scale_up_threshold,requests,' "$TMP/cmp/compare.csv"
    # The CSV's numbers are the summaries' (read back with python's csv + json).
    expect "compare.csv values equal summary.json values" python3 - "$TMP/cmp/compare.csv" "$d" "$TMP/cmp/low" <<'EOF'
import csv, json, sys, math
rows = list(csv.DictReader(open(sys.argv[1])))
for row, d in zip(rows, sys.argv[2:]):
    m = json.load(open(d + '/summary.json'))['metrics']
    for k in ('requests', 'latency_p95', 'mean_replicas', 'elastic_over_accuracy'):
        if not math.isclose(float(row[k]), m[k], rel_tol=1e-12):
            sys.exit(1)
EOF
    expect "compare.png is a PNG" check_png "$TMP/cmp/compare.png" 1400 1100
    expect "compare.svg names the runs and what differs" \
        svg_has "$TMP/cmp/compare.svg" "Comparison: manual" "run" "low" "scaler.scale_up_threshold"

    # 4b. Report-ready figures (issue 13).  Units on the axes (the scaler's
    #     metric in seconds: its query reads a *_seconds gauge), the SLO line on
    #     every latency panel.
    expect "timeline: the metric axis is in seconds" svg_has "$d/timeline.svg" "metric (s)"
    expect "dashboard: both latency panels in seconds with the SLO line" \
        eval 'svg_has "$d/dashboard.svg" "response time (s)" &&
              test "$(python3 -c "import sys,xml.etree.ElementTree as E; print(sum(t.strip() == \"SLO 0.6 s\" for t in E.parse(sys.argv[1]).getroot().itertext()))" "$d/dashboard.svg")" -eq 2'
    expect "compare: metric and p95 axes in seconds, the SLO line" \
        svg_has "$TMP/cmp/compare.svg" "metric (s)" "p95 latency (s)" "SLO 0.6 s"
    $BIN run scenarios/manual.json --out "$TMP/rate" --quiet --plot --set 'scaler.query=sum(rate(webapp_total_requests[1m]))' \
        --set scaler.scale_up_threshold=50 --set scaler.scale_down_threshold=10 > /dev/null 2>&1
    expect "a rate query's axis claims no seconds" \
        eval 'svg_has "$TMP/rate/timeline.svg" "metric (query value)" && ! svg_has "$TMP/rate/timeline.svg" "metric (s)" > /dev/null'
    # Wall-clock ticks (RFC 3339) when the run has an absolute start: a
    # start_time the user set, or a trace replay; time since start otherwise.
    $BIN run scenarios/manual.json --out "$TMP/wall" --quiet --plot --set start_time=2024-03-10T08:00:00+01:00 > /dev/null 2>&1
    expect "start_time set: RFC 3339 ticks in its own offset" \
        svg_has "$TMP/wall/timeline.svg" "2024-03-10T08:00:00+01:00" "2024-03-10T08:02:00+01:00" \
        "wall-clock time, RFC 3339 (the run starts 2024-03-10T08:00:00+01:00)"
    expect "... on the dashboard too" svg_has "$TMP/wall/dashboard.svg" "2024-03-10T08:04:00+01:00"
    expect "default start: time since start, no wall-clock tick" \
        eval 'svg_has "$d/timeline.svg" "time since start (s)" && ! grep -q "2024-01-15T" "$d/timeline.svg"'
    $BIN run scenarios/trace_window.json --out "$TMP/replay" --quiet --plot > /dev/null 2>&1
    expect "a trace replay gets RFC 3339 ticks" \
        svg_has "$TMP/replay/timeline.svg" "wall-clock time, RFC 3339" "2024-01-15T11:00:00Z"
    # The log rule for latency panels: log when max > 20 x median of the
    # positive values (doc/plots.md), checked against the run's own data.
    for r in "$d" "$TMP/replay" "$TMP/wall"; do
        expect "log scale on latency panels exactly where max/median > 20 ($(basename "$r"))" python3 - "$r" <<'EOF'
import csv, sys, statistics, xml.etree.ElementTree as E
r = sys.argv[1]
def rule(vals):
    v = sorted(x for x in vals if x > 0)
    return len(v) >= 10 and v[-1] > 20 * v[len(v) // 2]
num = lambda s: float(s) if s not in ('', 'NaN', 'nan') else 0.0
rt = [num(row['response_time']) for row in csv.DictReader(open(r + '/scrapes.csv'))]
ts = list(csv.DictReader(open(r + '/timeseries.csv')))
pct = [num(row[c]) for row in ts for c in ('latency_p50', 'latency_p95', 'latency_p99')]
text = '\n'.join(E.parse(r + '/dashboard.svg').getroot().itertext())
got_rt = 'Response time over time (gauge per instance), log scale' in text
got_pct = ', log scale' in text.split('Response time percentiles', 1)[1].split('\n', 1)[0]
sys.exit(0 if (got_rt, got_pct) == (rule(rt), rule(pct)) else 1)
EOF
    done
    # compare never cuts names: long run names whole in the legend (the page
    # widens), a long differing value whole in the table.
    long1=$TMP/cmp2/spike-baseline-seed-threshold-0.6-cooldowns-30-60-everything-at-its-default
    long2=$TMP/cmp2/spike-aggressive-thresholds-up-0.3-down-0.1-with-a-per-job-query-and-a-long-note
    q='avg(avg_over_time(webapp_response_time_seconds{job="webapp",instance=~".+"}[30s]))'
    $BIN run scenarios/spike.json --out "$long1" --quiet > /dev/null 2>&1
    $BIN run scenarios/spike.json --out "$long2" --quiet --set scaler.scale_up_threshold=0.3 \
        --set scaler.scale_down_threshold=0.1 --set "scaler.query=$q" > /dev/null 2>&1
    $BIN compare "$long1" "$long2" --out "$TMP/cmp2/out" --format svg > "$TMP/table2" 2> /dev/null
    expect "compare: long run names whole in the figure" \
        svg_has "$TMP/cmp2/out/compare.svg" "$(basename "$long1")" "$(basename "$long2")"
    expect "compare: a long value whole in the table" grep -qF "$q" "$TMP/table2"

    # 5. A gnuplot error is a runtime error (1) that shows gnuplot's message.
    mkdir -p "$TMP/badgp"
    printf 'set terminal svg\nset output out\nplot no_such_variable\n' > "$TMP/badgp/timeline.gp"
    ASIM_SCRIPTS_DIR=$TMP/badgp $BIN plot "$d" --figure timeline --out "$TMP/bad" > /dev/null 2> "$TMP/err"
    expect "a failing gnuplot script exits 1" test $? -eq 1
    expect "... and shows gnuplot's error" grep -q 'gnuplot failed.*' "$TMP/err"
    expect "... naming the problem" grep -q 'no_such_variable' "$TMP/err"
    expect "... leaving no partial figure" test -z "$(ls -A "$TMP/bad")"
fi

# 6. No gnuplot on PATH: exit 2 with how to install it; nothing drawn.
rm -f "$d"/*.png "$d"/*.svg "$d"/*.pdf
env -u ASIM_GNUPLOT PATH=/nonexistent "$BIN" plot "$d" > /dev/null 2> "$TMP/err"
expect "plot without gnuplot exits 2" test $? -eq 2
expect "... saying how to install it" grep -q 'apt-get install gnuplot-nox' "$TMP/err"
expect "... and draws nothing" test -z "$(ls "$d" | grep -E '\.(png|svg|pdf)$')"
env -u ASIM_GNUPLOT PATH=/nonexistent "$BIN" compare "$d" "$d" --out "$TMP/nogp" > /dev/null 2> "$TMP/err"
rc=$?
expect "compare without gnuplot exits 2 with the hint" eval 'test $rc -eq 2 && grep -q gnuplot-nox "$TMP/err"'
expect "... after writing compare.csv" test -f "$TMP/nogp/compare.csv"

# 7. Usage errors.
$BIN plot "$d" --format bmp > /dev/null 2> "$TMP/err"
rc=$?
expect "plot --format bmp: exit 2" eval 'test $rc -eq 2 && grep -q "autoscale-sim plot: error: --format" "$TMP/err"'
$BIN plot > /dev/null 2>&1
expect "plot without RUN_DIR: exit 2" test $? -eq 2
$BIN plot "$TMP/nowhere" > /dev/null 2> "$TMP/err"
rc=$?
expect "plot of a missing directory: exit 2 naming summary.json" \
    eval 'test $rc -eq 2 && grep -q "nowhere/summary.json" "$TMP/err"'
printf 'time,arrivals\n0,abc\n' > "$TMP/broken.csv"
mkdir -p "$TMP/broken" && cp "$d/summary.json" "$TMP/broken/" && cp "$TMP/broken.csv" "$TMP/broken/timeseries.csv"
$BIN plot "$TMP/broken" > /dev/null 2> "$TMP/err"
rc=$?
expect "a malformed timeseries.csv: exit 2 naming file, line, column and value" \
    eval 'test $rc -eq 2 && grep -q "timeseries.csv:2: column .arrivals.: .abc. is not a number" "$TMP/err"'
printf 'time,arrivals\n0,1\n' > "$TMP/broken/timeseries.csv"
$BIN plot "$TMP/broken" > /dev/null 2> "$TMP/err"
rc=$?
expect "a timeseries.csv without the needed columns: exit 2 naming the column" \
    eval 'test $rc -eq 2 && grep -q "timeseries.csv:1: missing column .replicas_ready." "$TMP/err"'
$BIN compare > /dev/null 2>&1
expect "compare without RUN_DIR: exit 2" test $? -eq 2
$BIN plot --help | grep -q '^usage: autoscale-sim plot'
expect "plot --help prints usage on stdout" test $? -eq 0
finish
