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
    expect "a 1 h run is drawn in minutes, with bucket means" \
        svg_has "$TMP/long/dashboard.svg" "time since start (min)" "means over"
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
