#!/bin/bash
# test_trace_inputs.sh -- the real-world trace inputs end to end: gzipped
# logs (made here with gzip(1), not zlib), request filters and the logged
# latency in summary.json and the report (mean checked against awk over the
# same file), k6 stage lists through --set, and bad lines (exit 2, file:line).
. "$(dirname "$0")/lib.sh"

D=tests/data/traces
num() { grep -o "\"$1\":[^,}]*" | head -1 | sed 's/.*:[[:space:]]*//'; }   # a number from JSON
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# --- gzip: detected by its magic bytes, under any name ---
gzip -c $D/access_timed.log > "$TMP/access_timed"
plain=$("$BIN" trace stats $D/access_timed.log --json | num requests)
zipped=$("$BIN" trace stats "$TMP/access_timed" --json | num requests)
expect "gzip: same requests as the plain file ($plain)" test "$zipped" = "$plain"
out=$("$BIN" trace stats "$TMP/access_timed")
expect "gzip: detected as an access log" grep -q "^format        access_log" <<<"$out"
head -c 200 "$TMP/access_timed" > "$TMP/cut.gz"
"$BIN" trace stats "$TMP/cut.gz" --format access_log 2>"$TMP/err"; rc=$?
expect "truncated gzip exits 2" test $rc -eq 2
expect "truncated gzip says so" grep -q "gzip data ends early" "$TMP/err"

# --- a run: JMeter results, gzipped, successful samples only ---
gzip -c $D/jmeter.jtl > "$TMP/results.jtl.gz"
cat > "$TMP/jtl.json" <<JSON
{"name": "jtl", "duration": 30,
 "traces": [{"path": "$TMP/results.jtl.gz", "reorder_window": 2, "filter": {"status": "2xx"}}]}
JSON
"$BIN" run "$TMP/jtl.json" -q -o "$TMP/run" --report 2>"$TMP/err"; rc=$?
expect "jtl run exits 0" test $rc -eq 0
bad=$(awk -F, 'NR > 1 && $4 !~ /^2/' $D/jmeter.jtl | wc -l)
mean=$(awk -F, 'NR > 1 && $4 ~ /^2/ { s += $2; n++ } END { printf "%.9f", s / n / 1000 }' $D/jmeter.jtl)
got=$(num trace_filtered_requests < "$TMP/run/summary.json")
expect "filtered = non-2xx rows ($bad)" test "$got" = "$bad"
got=$(num trace_latency_mean < "$TMP/run/summary.json")
expect "logged latency mean = awk's mean of elapsed ($mean s)" near "$got" "$mean" 1e-9
expect "report shows real and simulated latency" grep -q "Real and simulated latency" "$TMP/run/report.html"
expect "report.md too" grep -q "| p95 |" "$TMP/run/report.md"
expect "report draws both distributions" grep -q '<figure id="fig-latency"><svg' "$TMP/run/report.html"

# --- trace stats with the reader's options ---
n=$(awk -F, 'NR > 1 && $4 ~ /^2/ && $14 ~ /\/api\//' $D/jmeter.jtl | wc -l)
got=$("$BIN" trace stats $D/jmeter.jtl --reorder-window 1 --filter status=2xx --filter 'path=/api/.*' --json)
expect "stats --filter: requests = awk's 2xx /api rows ($n)" test "$(num requests <<<"$got")" = "$n"
expect "stats: the logged latency of each of them" test "$(num count <<<"$got")" = "$n"
"$BIN" trace stats $D/jmeter.jtl --reorder-window 0 2>"$TMP/err"; rc=$?
expect "jtl out of order without a reorder window exits 2" test $rc -eq 2
expect "... naming file:line" grep -q "jmeter.jtl:[0-9]*: timestamp" "$TMP/err"
"$BIN" trace stats $D/jmeter.jtl --filter 'path=(' 2>"$TMP/err"; rc=$?
expect "bad --filter regex exits 2" test $rc -eq 2

# --- k6 stages from the command line ---
"$BIN" run scenarios/manual.json --set trace.path=$D/k6_stages.json --set trace.user_rate=2 --duration 120 \
    -q -o "$TMP/k6" 2>"$TMP/err"; rc=$?
expect "k6 run exits 0" test $rc -eq 0
req=$(num requests < "$TMP/k6/summary.json")
# expected 2 x 1815 = 3630 (doc/traces.md); Poisson sd 60: 4 sd
expect "k6: requests within 4 sd of 3630 ($req)" near "$req" 3630 241

"$BIN" report "$TMP/k6" >/dev/null 2>&1
expect "no logged latency, no comparison" not grep -q "Real and simulated latency" "$TMP/k6/report.html"

# --- filters on a format without the field, bad lines ---
"$BIN" run scenarios/manual.json --set trace.path=$D/jmeter.jtl --set trace.filter.method=GET -q -o "$TMP/x" 2>"$TMP/err"; rc=$?
expect "method filter on jtl exits 2" test $rc -eq 2
expect "method filter on jtl names the setting" grep -q "filter.method: the trace's format (jtl) has no method field" "$TMP/err"
printf '{"msec":"1705323600.2","status":"200"}\n{"msec": oops}\n' > "$TMP/bad.json.log"
"$BIN" trace stats "$TMP/bad.json.log" 2>"$TMP/err"; rc=$?
expect "bad JSON log line exits 2" test $rc -eq 2
expect "bad JSON log line names file:line" grep -q "bad.json.log:2: not a JSON object" "$TMP/err"

finish
