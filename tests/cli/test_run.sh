#!/bin/bash
# test_run.sh -- `autoscale-sim run` end to end: determinism, the seed's
# manual test story, common random numbers, the frozen-gauge pathology,
# in-band scrapes that time out, SYN drops that are retried.
. "$(dirname "$0")/lib.sh"

runs=$TMP/runs
mkdir -p "$runs"
# runq ARGS...: `run ... --quiet`, failing the test when it exits non-zero
# (a crashed run must never let a later comparison pass on missing files).
runq() {
    $BIN run "$@" --quiet > "$TMP/runq.out" 2>&1; local rc=$?
    [ $rc -eq 0 ] || fail "run $* exited $rc" "$(tail -3 "$TMP/runq.out")"
    return $rc
}

# 1. Same scenario + same seed -> byte-identical files.
runq scenarios/manual.json --seed 7 --out "$runs/a"
runq scenarios/manual.json --seed 7 --out "$runs/b"
same=1
for f in timeseries.csv scrapes.csv events.csv scaler.log alerts.csv summary.json; do
    [ -f "$runs/a/$f" ] || { same=0; echo "  missing $f"; }
    cmp -s "$runs/a/$f" "$runs/b/$f" || { same=0; echo "  $f differs"; }
done
expect "same seed gives byte-identical outputs" test $same -eq 1
expect "no temporary files left" test -z "$(ls "$runs/a" | grep -F .tmp.)"
runq scenarios/manual.json --seed 8 --out "$runs/c"
expect "another seed gives other arrivals" test -s "$runs/c/timeseries.csv" -a -s "$runs/a/timeseries.csv"
expect "another seed gives other arrivals" not cmp -s "$runs/a/timeseries.csv" "$runs/c/timeseries.csv"

# 2. The seed's manual test (load-test.sh 60 100): a scale-up while the load
#    runs and a return to 1 replica after it stops, for every seed.
story_ok=1
for seed in 1 2 3 4 5 6 7 8 9 10; do
    d=$runs/m$seed
    $BIN run scenarios/manual.json --seed $seed --out "$d" --quiet > /dev/null 2>&1 || { story_ok=0; echo "  seed $seed: run failed"; continue; }
    up=$(awk -F, '$2=="check" && $7=="scale_up" {print $1; exit}' "$d/events.csv")
    last_down=$(awk -F, '$2=="actuation_end" {t=$1; r=$4} END {print r}' "$d/events.csv")
    final_ready=$(tail -1 "$d/timeseries.csv" | cut -d, -f7)
    if [ -z "$up" ] || awk -v u="$up" 'BEGIN{exit !(u > 60)}'; then story_ok=0; echo "  seed $seed: no scale-up during the load (first: '$up')"; fi
    if [ "$last_down" != 1 ] || [ "$final_ready" != 1 ]; then story_ok=0; echo "  seed $seed: did not return to 1 replica (last actuation -> $last_down, ready at end $final_ready)"; fi
done
expect "manual.json: scale-up under load and back to 1 replica, seeds 1-10" test $story_ok -eq 1

# 3. Common random numbers: a policy setting leaves the traffic identical.
runq scenarios/manual.json --seed 7 --set scaler.scale_up_threshold=0.4 --set scaler.scale_up_cooldown=10 \
    --out "$runs/crn"
cut -d, -f2 "$runs/a/timeseries.csv" > "$TMP/arr_a"
cut -d, -f2 "$runs/crn/timeseries.csv" > "$TMP/arr_b"
expect "changing the policy leaves arrivals identical" cmp -s "$TMP/arr_a" "$TMP/arr_b"
expect "... while the scaling differs" not cmp -s "$runs/a/events.csv" "$runs/crn/events.csv"

# 4. The frozen gauge: with app.response_time_gauge=last_request the gauge keeps
#    the last latency after traffic stops; the output names it.
frozen_seeds=0
for seed in 1 2 3 4 5 6 7 8; do
    d=$runs/f$seed
    runq scenarios/manual.json --seed $seed --set app.response_time_gauge=last_request --out "$d"
    n=$(grep -o '"frozen_gauge_checks":[[:space:]]*[0-9]*' "$d/summary.json" | grep -o '[0-9]*$')
    [ "${n:-0}" -gt 0 ] && grep -q "frozen gauge" "$d/events.csv" && frozen_seeds=$((frozen_seeds + 1))
done
expect "last_request gauge: frozen-gauge warnings appear (seeds: $frozen_seeds/8)" test $frozen_seeds -gt 0
d=$runs/m1
n=$(grep -o '"frozen_gauge_checks":[[:space:]]*[0-9]*' "$d/summary.json" | grep -o '[0-9]*$')
expect "current gauge: never frozen" test "${n:-x}" = 0

# 5. summary.json carries scenario, seed, version and the metrics.
for k in '"scenario"' '"seed"' '"version"' '"requests"' '"latency_p99"' '"replica_seconds"' '"scale_ups"' \
         '"scale_downs"' '"time_to_first_scale_up"' '"seconds_above_scale_up_threshold"'; do
    grep -q "$k" "$runs/a/summary.json" || { fail "summary.json has $k"; continue; }
done
ok "summary.json keys"
# the seed's log format
expect "scaler.log has the seed's iteration header" grep -q "^Iteration #1 - 2024-01-15 10:00:00" "$runs/a/scaler.log"
expect "scaler.log has a scaling action block" grep -q "SCALING ACTION REQUIRED" "$runs/a/scaler.log"

# 6. Wall-clock figures stay out of files; stdout has the human summary.
out=$($BIN run scenarios/spike.json --out "$runs/s" 2>/dev/null) || fail "run scenarios/spike.json exited $?"
expect "stdout summary reports simulated seconds per wall second" grep -q "per wall s" <<<"$out"

# 7. A maximum below the scheduled policy's default floor is fine for the
#    other policies (the floors are checked only when `scheduled` is used).
$BIN run scenarios/manual.json --set scaler.max_replicas=2 --out "$runs/max2" --quiet > /dev/null 2>&1
expect "max_replicas=2 runs with the threshold policy" test $? -eq 0
expect "... and never exceeds 2 replicas" awk -F, 'NR>1 && $7+$8 > 2 {exit 1}' "$runs/max2/timeseries.csv"

metric() { grep -o "\"$2\":[[:space:]]*[0-9.e+-]*" "$1/summary.json" | head -1 | grep -o '[0-9.e+-]*$'; }

# 8. In-band /metrics (the default): while replica 1's backlog holds more than
#    scrape_timeout (5 s) of work, its scrapes fail by timeout; with
#    app.metrics_port=sidecar none of a ready replica's scrapes fails.
d=$runs/m1
to=$(awk -F, '$2 == "webapp-1:8000" && $9 == "timeout"' "$d/scrapes.csv" | wc -l)
expect "in-band: replica 1's scrapes time out under the manual test's load ($to)" test "$to" -ge 3
bad=$(awk -F, '$9 == "timeout" && $8 != 5' "$d/scrapes.csv" | wc -l)
expect "in-band: a timed-out scrape lasted exactly scrape_timeout" test "$bad" -eq 0
$BIN run scenarios/manual.json --seed 1 --set app.metrics_port=sidecar --out "$runs/side" --quiet > /dev/null 2>&1
expect "sidecar: scrapes.csv has the historical columns" \
    test "$(head -1 "$runs/side/scrapes.csv")" = "time,instance,up,response_time,request_count,total_requests,health"
side_fail=$(awk -F, '$2 == "webapp-1:8000" && $3 == 0' "$runs/side/scrapes.csv" | wc -l)
expect "sidecar: replica 1 is never down ($side_fail)" test "$side_fail" -eq 0

# 8b. The seed's arrangement (manual.json): load-test.sh's paced curls to
#    localhost:8000 reach replica 1 only, so a check that averages in the idle
#    replica 2 while replica 1's scrapes time out sees only the idle one, and
#    events.csv says so.
expect "paced: exactly 60 s x 100 req/s = 6000 requests" test "$(metric "$d" requests)" = 6000
r2=$(awk -F, '$2 == "webapp-2:8000" && $3 == 1 && $6 != 0' "$d/scrapes.csv" | wc -l)
n2=$(awk -F, '$2 == "webapp-2:8000" && $3 == 1' "$d/scrapes.csv" | wc -l)
expect "published_port: replica 2 is scraped ($n2) but never served a request ($r2)" test "$n2" -gt 0 -a "$r2" -eq 0
blind=$(grep -c "WARNING: blind to 1 of 2 targets (last scrape timed out: webapp-1:8000)" "$d/events.csv")
expect "events.csv: checks that saw only the idle replica are marked ($blind)" test "$blind" -gt 0
expect "summary.json counts them (blind_checks)" test "$(metric "$d" blind_checks)" -gt 0

# 8c. Closed loop (ab -c 20): never more than 20 requests in flight, none sent
#    once the profile's 60 s are over.
$BIN run scenarios/manual.json --seed 1 --set traffic.arrivals=closed --set traffic.clients=20 \
    --set traffic.think_time.mean=0.1 --out "$runs/closed" --quiet > /dev/null 2>&1
over=$(awk -F, 'NR > 1 && $6 > 20' "$runs/closed/timeseries.csv" | wc -l)
late=$(awk -F, 'NR > 1 && $1 >= 60 && $2 > 0' "$runs/closed/timeseries.csv" | wc -l)
sent=$(awk -F, 'NR > 1 { n += $2 } END { print n }' "$runs/closed/timeseries.csv")
expect "closed: at most 20 in flight ($over seconds over), no request after 60 s ($late), $sent sent" \
    test "$over" -eq 0 -a "$late" -eq 0 -a "$sent" -gt 1000

# 8d. overload_blind.json: the scale-down is decided while replica 1's scrapes
#    time out; with sidecar /metrics no check is blind.
$BIN run scenarios/overload_blind.json --seed 1 --out "$runs/ob" --quiet > /dev/null 2>&1
$BIN run scenarios/overload_blind.json --seed 1 --set app.metrics_port=sidecar --out "$runs/obs" --quiet > /dev/null 2>&1
expect "overload_blind: a scale-down decided blind to the overloaded replica" \
    grep -q "scale_down.*WARNING: blind to 1 of 2 targets (last scrape timed out: webapp-1:8000)" "$runs/ob/events.csv"
expect "overload_blind with sidecar: no blind check" test "$(metric "$runs/obs" blind_checks)" -eq 0

# 9. A full backlog drops SYNs (default): requests are served late, none
#    rejected, the retransmissions counted; app.backlog_full=reject refuses them.
$BIN run scenarios/manual.json --seed 1 --set app.backlog=20 --out "$runs/syn" --quiet > /dev/null 2>&1
$BIN run scenarios/manual.json --seed 1 --set app.backlog=20 --set app.backlog_full=reject --out "$runs/rej" --quiet > /dev/null 2>&1
expect "syn_drop: retransmitted SYNs counted ($(metric "$runs/syn" syn_retries))" test "$(metric "$runs/syn" syn_retries)" -gt 0
expect "syn_drop: nothing rejected" test "$(metric "$runs/syn" rejected)" -eq 0
expect "syn_drop: more completed than with reject" \
    test "$(metric "$runs/syn" completed)" -gt "$(metric "$runs/rej" completed)"
expect "reject: requests refused, no retransmission" \
    test "$(metric "$runs/rej" rejected)" -gt 0 -a "$(metric "$runs/rej" syn_retries)" -eq 0

finish
