#!/bin/bash
# test_trace.sh -- `autoscale-sim trace` and trace scenarios end to end:
# stats against counts computed here with awk, format round trips, bad input
# (exit 2 with file:line), on_error=skip in summary.json, the 3x Prometheus
# replay the README shows, bundled scenarios, determinism, and that
# scripts/gen_traces.py regenerates the bundled traces byte for byte.
. "$(dirname "$0")/lib.sh"

T=scenarios/traces
num() { grep -o "\"$1\":[^,}]*" | head -1 | sed 's/.*:[[:space:]]*//'; }   # a number from JSON

# --- help and usage ---
out=$("$BIN" trace --help); expect "help exits 0" test $? -eq 0
expect "help names both subcommands" grep -q "trace convert IN OUT --to FORMAT" <<<"$out"
"$BIN" trace frobnicate x 2>"$TMP/err"; expect "unknown subcommand exits 2" test $? -eq 2
expect "unknown subcommand message" grep -q "autoscale-sim trace: error: unknown subcommand 'frobnicate'" "$TMP/err"
"$BIN" trace stats $T/flash_crowd.csv --format csv 2>"$TMP/err"; expect "unknown format exits 2" test $? -eq 2
expect "unknown format message lists formats" grep -q "unknown format (choices: auto, timestamps" "$TMP/err"

# --- stats, against awk ---
lines=$(($(wc -l < $T/flash_crowd.csv) - 1))
got=$("$BIN" trace stats $T/flash_crowd.csv --json | num requests)
expect "stats: timestamps requests = data lines ($lines)" test "$got" = "$lines"
sum=$(awk -F, 'NR > 1 { s += $2 } END { print s }' $T/diurnal_week.csv)
got=$("$BIN" trace stats $T/diurnal_week.csv --json | num requests)
expect "stats: counts requests = sum of counts ($sum)" test "$got" = "$sum"
got=$("$BIN" trace stats $T/diurnal_week.csv --json | num duration)
expect "stats: a week of minutes lasts 604800 s" test "$got" = "604800"
peak=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { printf "%.9f", m / 60 }' $T/diurnal_week.csv)
got=$("$BIN" trace stats $T/diurnal_week.csv --json | num peak_rate_1m)
expect "stats: 1-min peak = max count / 60 ($peak)" awk -v a="$got" -v b="$peak" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'
loglines=$(wc -l < $T/shop_access.log)
got=$("$BIN" trace stats $T/shop_access.log --json | num requests)
expect "stats: access log requests = lines ($loglines)" test "$got" = "$loglines"
out=$("$BIN" trace stats $T/prom_rate.json)
expect "stats: prometheus text output" grep -q "^format        prometheus (a rate" <<<"$out"

# --- convert round trips ---
"$BIN" trace convert $T/shop_access.log "$TMP/shop.csv" --to timestamps --time-format rfc3339 2>/dev/null
expect "convert log -> timestamps keeps every request" test "$(($(wc -l < "$TMP/shop.csv") - 1))" = "$loglines"
expect "convert keeps the log's UTC offset" grep -q "^2024-01-15T14:00:00.000+01:00$" "$TMP/shop.csv"
"$BIN" trace convert "$TMP/shop.csv" "$TMP/shop_counts.csv" --to counts --interval 60 2>/dev/null
got=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$TMP/shop_counts.csv")
expect "convert timestamps -> counts sums to the requests" test "$got" = "$loglines"
expect "15 minutes make 15 one-minute bins" test "$(($(wc -l < "$TMP/shop_counts.csv") - 1))" = 15
"$BIN" trace convert $T/prom_rate.json "$TMP/p.csv" --to rates --interval 60 2>/dev/null
expect "6 h of prometheus -> 360 one-minute rates" test "$(($(wc -l < "$TMP/p.csv") - 1))" = 360
"$BIN" trace convert "$TMP/p.csv" "$TMP/p.json" --to prometheus --interval 60 2>/dev/null
a=$("$BIN" trace stats $T/prom_rate.json --json | num requests)
b=$("$BIN" trace stats "$TMP/p.json" --json | num requests)
expect "prometheus -> rates -> prometheus keeps the expected requests" \
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(d < 1e-6 * a && -d < 1e-6 * a) }'
"$BIN" trace convert $T/prom_rate.json "$TMP/s.csv" --to timestamps --seed 5 2>/dev/null
n=$(($(wc -l < "$TMP/s.csv") - 1))
expect "sampling a rate trace: requests within 4 sd of the expected $a" \
    awk -v n="$n" -v a="$a" 'BEGIN { d = n - a; exit !(d * d < 16 * a) }'
"$BIN" trace convert $T/prom_rate.json "$TMP/s2.csv" --to timestamps --seed 5 2>/dev/null
expect "sampling is reproducible" cmp -s "$TMP/s.csv" "$TMP/s2.csv"

# --- bad input: exit 2, file:line and the problem ---
bad() {   # name content format expected-message
    printf "$2" > "$TMP/$1"
    "$BIN" trace stats "$TMP/$1" --format "$3" --reorder-window 0 > /dev/null 2> "$TMP/err"
    local rc=$?
    expect "bad input $1 exits 2" test $rc -eq 2
    expect "bad input $1: message" grep -qF "$4" "$TMP/err"
}
bad ooo.csv 't\n1\n3\n2\n' timestamps "$TMP/ooo.csv:4: timestamp 2 s is 1.000 s before the previous record's"
bad neg.csv 't,count\n0,5\n60,-3\n' counts "$TMP/neg.csv:3: negative count -3"
bad empty.csv '' timestamps "$TMP/empty.csv: empty trace"
bad x.log 'GET /index.html 200\n' access_log "$TMP/x.log:1: not an access-log line in Common or Combined Log Format"
bad e.json '{"status":"error","errorType":"bad_data","error":"1:5: parse error"}' prometheus \
    "$TMP/e.json: \$.status: the query failed (error): bad_data: 1:5: parse error"
"$BIN" trace stats "$TMP/nope.csv" 2> "$TMP/err"; expect "missing file exits 2" test $? -eq 2
expect "missing file message" grep -q "nope.csv: cannot open trace" "$TMP/err"
printf 'a,b\n1,2\n' > "$TMP/amb.csv"
"$BIN" trace stats "$TMP/amb.csv" 2> "$TMP/err"; expect "undetectable format exits 2" test $? -eq 2
expect "undetectable format says what to set" grep -q "set format to one of" "$TMP/err"
printf 'h - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1\nbroken\n' > "$TMP/skip.log"
"$BIN" trace stats "$TMP/skip.log" --on-error skip --json > "$TMP/out" 2> "$TMP/err"
expect "stats --on-error skip: 1 of 2 lines skipped is above max_skip_fraction" test $? -eq 2
"$BIN" trace stats "$TMP/skip.log" --on-error skip --max-skip-fraction 0.5 --json > "$TMP/out" 2> "$TMP/err"
expect "stats --on-error skip --max-skip-fraction 0.5 exits 0" test $? -eq 0
expect "stats reports the skipped line" grep -q "skipped 1 bad line(s); the first: $TMP/skip.log:2:" "$TMP/err"
"$BIN" trace stats "$TMP/ooo.csv" --format timestamps > /dev/null 2> "$TMP/err"
expect "stats sorts lines up to 60 s out of order by default" test $? -eq 0

# --- scenarios: on_error in a run, and summary.json ---
for i in $(seq 0 299); do printf 'h - - [15/Jan/2024:14:%02d:%02d +0000] "GET / HTTP/1.1" 200 1\n' $((i / 60)) $((i % 60)); done > "$TMP/run.log"
sed -i '120s/.*/garbage/; 250s/.*/more garbage/' "$TMP/run.log"
cat > "$TMP/bad_run.json" <<EOF
{"name": "bad_run", "duration": 400, "traces": [{"path": "run.log", "format": "access_log"}]}
EOF
"$BIN" run "$TMP/bad_run.json" -q -o "$TMP/bad_run" 2> "$TMP/err"
expect "a bad line mid-run exits 2" test $? -eq 2
expect "the run's error names file and line" grep -q "run.log:120: not an access-log line" "$TMP/err"
"$BIN" run "$TMP/bad_run.json" -q -o "$TMP/skip_run" --set trace.on_error=skip 2> "$TMP/err"
expect "on_error=skip runs" test $? -eq 0
expect "summary.json counts the skipped lines" test "$(num trace_skipped_lines < "$TMP/skip_run/summary.json")" = 2
expect "summary.json counts the requests read" test "$(num trace_records < "$TMP/skip_run/summary.json")" = 298
cat > "$TMP/missing.json" <<EOF
{"traces": [{"path": "no_such_trace.csv"}]}
EOF
"$BIN" run "$TMP/missing.json" -q -o "$TMP/m" 2> "$TMP/err"
expect "a missing trace is an input error" test $? -eq 2
expect "... naming the JSON path" grep -q 'missing.json: \$.traces\[0\].path: cannot open trace' "$TMP/err"

# --- what if traffic were 3x? (the README's example) ---
"$BIN" run scenarios/trace_prometheus.json -q -o "$TMP/p1"
"$BIN" run scenarios/trace_prometheus.json -q -o "$TMP/p3" --set trace.multiplier=3
r1=$(num requests < "$TMP/p1/summary.json"); r3=$(num requests < "$TMP/p3/summary.json")
expect "trace.multiplier=3 triples the requests ($r1 -> $r3)" \
    awk -v a="$r1" -v b="$r3" 'BEGIN { exit !(b / a > 2.95 && b / a < 3.05) }'
"$BIN" run scenarios/manual.json -q -o "$TMP/short" --duration 600 \
    --set trace.path=scenarios/traces/prom_rate.json --set trace.multiplier=3
expect "any scenario replays an export with --set trace.path" test $? -eq 0
expect "... and reads it" awk -v n="$(num trace_records < "$TMP/short/summary.json")" 'BEGIN { exit !(n > 10) }'

# --- every bundled trace scenario runs; runs are reproducible ---
for s in diurnal flash_crowd trace_classes trace_prometheus trace_window trace_spike_on_trace trace_load_events; do
    "$BIN" run scenarios/$s.json -q -o "$TMP/run_$s" > /dev/null 2> "$TMP/err"
    expect "scenario $s runs" test $? -eq 0
done
"$BIN" run scenarios/flash_crowd.json -q -o "$TMP/again" > /dev/null
expect "same scenario and seed, same timeseries" cmp -s "$TMP/again/timeseries.csv" "$TMP/run_flash_crowd/timeseries.csv"
lr=$(num requests < "$TMP/run_trace_load_events/summary.json")
# 20 req/s x (60 + 300) s + 40 x (60 + 60 + 110) + 80 x 120 + 400 x 10 = 30000 expected
expect "load events: requests near 30000 ($lr)" awk -v n="$lr" 'BEGIN { d = n - 30000; exit !(d * d < 16 * 30000) }'

# --- the bundled traces are what the generator makes ---
if command -v python3 > /dev/null; then
    python3 scripts/gen_traces.py "$TMP/gen" && for f in diurnal_week.csv flash_crowd.csv shop_access.log prom_rate.json; do
        expect "gen_traces.py regenerates $f" cmp -s "$TMP/gen/$f" "$T/$f"
    done
fi
finish
