#!/bin/bash
# test_replay_honest.sh -- issue 13's silent traps of replaying real traffic,
# each as checks that failed before the fix:
#   1. a run replaying a trace given on the command line is named and
#      described by it (summary.json, report, figure titles), not as the
#      scenario whose traffic it replaced;
#   2. a trace longer or shorter than the run is a warning with both lengths
#      (RFC 3339 and offsets); --duration trace runs exactly the trace;
#   3. out-of-order lines: reordered within a default window; skipped lines
#      above trace.max_skip_fraction are an error; times print as RFC 3339;
#      every trace option is settable from the command line;
#   4. several traces align on their absolute timestamps (trace.align=start
#      aligns their starts);
#   5. a rerun without --plot leaves no previous figures or report behind.
. "$(dirname "$0")/lib.sh"

num() { grep -o "\"$1\":[^,}]*" | head -1 | sed 's/.*:[[:space:]]*//; s/"//g'; }   # a value from JSON
log() {   # log FILE FROM TO: one request per second, 14:00:00 + FROM s .. + TO s (exclusive)
    for i in $(seq "$2" $(($3 - 1))); do
        printf 'h - - [15/Jan/2024:14:%02d:%02d +0000] "GET / HTTP/1.1" 200 1\n' $((i / 60)) $((i % 60))
    done > "$1"
}
log "$TMP/my.log" 0 463            # a 463 s log: longer than manual.json's 300 s

# --- 1. named and described by what it replays ---
"$BIN" run scenarios/manual.json --set trace.path="$TMP/my.log" -q -o "$TMP/r1" --plot --report 2> "$TMP/err1"
expect "manual + trace.path runs" test $? -eq 0
name=$(num scenario < "$TMP/r1/summary.json")
expect "summary.json names the run after its trace ($name)" test "$name" = "manual+my.log"
expect "the settings' name follows" grep -q '"name":[[:space:]]*"manual+my.log"' "$TMP/r1/summary.json"
expect "the description no longer claims manual's 100 req/s for 60 s" \
    not grep -q '100 req/s for 60 s' "$TMP/r1/summary.json"
expect "the description says what it replays" grep -q '"description":[[:space:]]*"Replays my.log instead of the traffic of scenario manual' "$TMP/r1/summary.json"
expect "summary.json lists the replay with its span" \
    grep -q '"from":[[:space:]]*"2024-01-15T14:00:00.000Z"' "$TMP/r1/summary.json"
expect "... its end" grep -q '"to":[[:space:]]*"2024-01-15T14:07:43.000Z"' "$TMP/r1/summary.json"
expect "report.html title names the trace" grep -q '<title>manual+my.log (seed 1)' "$TMP/r1/report.html"
expect "report.html says what it replays" grep -q 'Replays my.log, 2024-01-15T14:00:00.000Z to 2024-01-15T14:07:43.000Z' "$TMP/r1/report.html"
expect "report.md says it too" grep -q '^Replays my.log, 2024-01-15T14:00:00.000Z' "$TMP/r1/report.md"
expect "the timeline's title names the trace" grep -q 'manual+my.log.*replays my.log 2024-01-15T14:00:00.000Z' "$TMP/r1/timeline.svg"
expect "the dashboard's title too" grep -q 'replays my.log' "$TMP/r1/dashboard.svg"
"$BIN" run scenarios/manual.json --set trace.path="$TMP/my.log" --set name=mine -q -o "$TMP/r1b" 2> /dev/null
expect "an explicit --set name wins" test "$(num scenario < "$TMP/r1b/summary.json")" = mine
"$BIN" run scenarios/trace_window.json -q -o "$TMP/tw" 2> /dev/null
expect "a trace scenario keeps its own name" test "$(num scenario < "$TMP/tw/summary.json")" = trace_window
expect "... and lists its replay window" grep -q '"from":[[:space:]]*"2024-01-16T14:00:00.000Z"' "$TMP/tw/summary.json"

# --- 2. a trace longer or shorter than the run ---
expect "a cut trace is a warning" grep -q 'warning: trace my.log (trace) lasts 463 s' "$TMP/err1"
expect "... with both ends in RFC 3339 and offsets" grep -q 'from 2024-01-15T14:00:00.000Z (+0 s) to 2024-01-15T14:07:43.000Z (+463 s)' "$TMP/err1"
expect "... where the run stops" grep -q 'the run stops after 300 s, at 2024-01-15T14:05:00.000Z (+300 s)' "$TMP/err1"
expect "... and how much of it plays" grep -q '300 of its 463 records are replayed' "$TMP/err1"
"$BIN" run scenarios/manual.json --trace "$TMP/my.log" --duration trace -q -o "$TMP/r2" 2> "$TMP/err2"
expect "--duration trace runs" test $? -eq 0
expect "--duration trace: the run lasts the trace (463 s)" grep -q '"duration":[[:space:]]*463,' "$TMP/r2/summary.json"
expect "--duration trace: every request replayed" test "$(num requests < "$TMP/r2/summary.json")" = 463
expect "--duration trace: no warning" not grep -q warning "$TMP/err2"
"$BIN" run scenarios/manual.json --trace scenarios/traces/flash_crowd.csv --duration trace -q -o "$TMP/fc" 2> "$TMP/err"
n=$(($(wc -l < scenarios/traces/flash_crowd.csv) - 1))
expect "--duration trace on exact timestamps: all $n requests, the last at the run's end" \
    test "$(num requests < "$TMP/fc/summary.json")" = "$n"
expect "... and not reported as cut" not grep -q warning "$TMP/err"
"$BIN" run scenarios/manual.json --trace "$TMP/my.log" --duration 600 -q -o "$TMP/r3" 2> "$TMP/err3"
expect "a trace shorter than the run is a warning" grep -q 'trace my.log ends at 463 s of the run, at 2024-01-15T14:07:43.000Z (+463 s) of the trace, but the run lasts 600 s: its last 137 s have no traffic' "$TMP/err3"
"$BIN" run scenarios/manual.json --duration trace -q -o "$TMP/r4" 2> "$TMP/err"
expect "--duration trace without a trace exits 2" test $? -eq 2
expect "... saying why" grep -q 'replays no trace' "$TMP/err"

# --- 3. out of order, skipped lines, trace options on the command line ---
log "$TMP/a.log" 0 300
log "$TMP/b.log" 210 510             # began 3.5 min later
cat "$TMP/a.log" "$TMP/b.log" > "$TMP/merged.log"
"$BIN" run scenarios/manual.json --set trace.path="$TMP/merged.log" --set trace.on_error=skip -q -o "$TMP/m1" 2> "$TMP/err"
expect "skipping a merged log's out-of-order half is an error" test $? -eq 2
expect "... naming the share and the setting" grep -q 'lines (.* %) were skipped, more than max_skip_fraction (1 %)' "$TMP/err"
expect "... times as RFC 3339 and offsets" grep -q 'timestamp 2024-01-15T14:03:30.000Z (+210 s) is' "$TMP/err"
expect "... never as epoch seconds" not grep -q 'e+09' "$TMP/err"
expect "... and nothing written" test ! -e "$TMP/m1"
"$BIN" run scenarios/manual.json --set trace.path="$TMP/merged.log" --set trace.on_error=skip \
    --set trace.max_skip_fraction=0.5 -q -o "$TMP/m2" 2> /dev/null
expect "trace.max_skip_fraction lets it through" test $? -eq 0
"$BIN" run scenarios/manual.json --set trace.path="$TMP/merged.log" --set trace.reorder_window=100 --duration trace -q -o "$TMP/m3" 2> /dev/null
expect "--set trace.reorder_window sorts the merged log" test $? -eq 0
expect "... every line read" test "$(num trace_records < "$TMP/m3/summary.json")" = 600
"$BIN" run scenarios/manual.json --trace "$TMP/merged.log:reorder_window=100,on_error=fail" -q -o "$TMP/m4" 2> /dev/null
expect "--trace FILE:reorder_window=100 too" test $? -eq 0
# an Apache-style log a few seconds out of order replays with the defaults
awk 'NR % 10 == 3 { held = $0; next } { print } NR % 10 == 6 { print held }' "$TMP/a.log" > "$TMP/apache.log"
"$BIN" run scenarios/manual.json --trace "$TMP/apache.log" -q -o "$TMP/m5" 2> "$TMP/err"
expect "slightly out-of-order lines are reordered by default" test $? -eq 0
expect "... none dropped" test "$(num trace_records < "$TMP/m5/summary.json")" = 300
"$BIN" run scenarios/manual.json --trace "$TMP/a.log:window=14:01,14:03" --duration trace -q -o "$TMP/w" 2> /dev/null
expect "--trace FILE:window=14:01,14:03 (a comma inside a value)" test "$(num requests < "$TMP/w/summary.json")" = 120
"$BIN" run scenarios/manual.json --trace "$TMP/a.log:nonsense=1" -q -o "$TMP/x" 2> "$TMP/err"
expect "an unknown --trace key exits 2" test $? -eq 2
expect "... naming it" grep -q 'nonsense' "$TMP/err"

# --- 4. several traces on one clock ---
cat > "$TMP/two.json" <<JSON
{"name": "two", "duration": 510, "traces": [{"path": "a.log"}, {"path": "b.log"}]}
JSON
"$BIN" run "$TMP/two.json" -q -o "$TMP/t1" 2> /dev/null
# arrivals per second: a alone until 210 s, both until 300 s, b alone after
rates() { awk -F, 'NR > 1 { k = $1 < 210 ? 0 : $1 < 300 ? 1 : 2; s[k] += $2; n[k]++ }
                   END { printf "%.2f %.2f %.2f", s[0] / n[0], s[1] / n[1], s[2] / n[2] }' "$1"; }
got=$(rates "$TMP/t1/timeseries.csv")
expect "absolute alignment: 1, 2, 1 req/s ($got)" test "$got" = "1.00 2.00 1.00"
"$BIN" run "$TMP/two.json" -q -o "$TMP/t2" --set trace.align=start 2> /dev/null
got=$(awk -F, 'NR > 1 && $1 < 300 { s += $2; n++ } END { printf "%.2f", s / n }' "$TMP/t2/timeseries.csv")
expect "trace.align=start: both from 0, 2 req/s ($got)" test "$got" = "2.00"

# --- 5. a rerun without --plot replaces the whole output set ---
"$BIN" run scenarios/manual.json -q -o "$TMP/again" --plot --report > /dev/null 2>&1
expect "first run drew figures" test -e "$TMP/again/timeline.png" -a -e "$TMP/again/report.html"
"$BIN" run scenarios/manual.json -q -o "$TMP/again" --set scaler.scale_up_threshold=0.4 > /dev/null 2>&1
expect "rerun without --plot: no stale figures" test ! -e "$TMP/again/timeline.png" -a ! -e "$TMP/again/dashboard.svg"
expect "rerun without --plot: no stale report" test ! -e "$TMP/again/report.html" -a ! -e "$TMP/again/report.md"
finish
