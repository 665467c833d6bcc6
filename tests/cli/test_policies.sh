#!/bin/bash
# test_policies.sh -- each scaling policy's characteristic behaviour in a
# whole simulation (the decision-level rules are in tests/test_policy_*.c):
#  - HPA: with the default behavior the scale-down waits until the last high
#    recommendation is 300 s old, then drops at once (100 % per 15 s);
#  - predictive: on a repeating "day" it provisions before the third day's
#    peak and keeps p95 low where the seed's reactive scaler does not;
#  - step: a large breach takes the large step; warm-up blocks scale-in;
#  - target tracking: settles where average CPU is near its target;
#  - scheduled: the business-hours floor applies at 10:00, not at 18:00;
#  - cpu: decides on CPU (its reasons say so);
#  - compare --policies: the policy files side by side on identical arrivals.
. "$(dirname "$0")/lib.sh"

P=scenarios/policies
# These tests check each policy's arithmetic on what it sees, so they run the
# spike with the arrangement a policy can act on: /metrics outside the request
# queue (sidecar), Poisson users reaching every replica through the service
# name (dns).  With the seed's arrangement (spike.json: in-band /metrics, one
# published port) the overloaded replica's scrapes time out and new replicas
# get no load, whatever the policy (tested in test_prometheus, test_run.sh).
# The expectations below were calibrated on the discovery model before 2.42's
# blocking reloader (prometheus.reload_model=ticker); with `blocking` new
# replicas are scraped ~2.5 s sooner, and the predictive policy on this day
# profile asks for its 4th replica at 3026 s instead of before 3000 s (still
# before the 3060 s plateau).  Pinned here so each test keeps checking one
# policy's arithmetic; the discovery timing has its own test (test_prometheus).
SIDECAR="--set app.metrics_port=sidecar --set balancer.mode=dns --set traffic.arrivals=poisson --set prometheus.reload_model=ticker"
run() {  # DIR ARGS...: a quiet run; fails the test on a non-zero exit
    local d=$1; shift
    $BIN run scenarios/spike.json $SIDECAR --quiet --out "$TMP/$d" "$@" > "$TMP/$d.out" 2>&1 ||
        { fail "run $d" "$(cat "$TMP/$d.out")"; return 1; }
}

# ---- HPA: down-stabilisation holds the replicas for 5 minutes -------------
# 150 req/s for 2 min, then 10 req/s: the HPA (behavior defaults, checks
# every 15 s, asynchronous actuator) scales up at once, then holds until
# 300 s after the last recommendation at or above the current count.
LOAD='[{"type":"constant","duration":120,"rate":150},{"type":"constant","duration":600,"rate":10}]'
if run hpa --set "traffic.profile=$LOAD" --set duration=720 --set scaler.policy=hpa \
       --set 'hpa.behavior={}' --set actuator.async=true; then
    read -r last_high down < <(awk -F, '$2=="check" {
            n = split($0, a, "-> "); prop = (n > 1) ? a[2] + 0 : $4
            if ($7 == "scale_down") { print last_high, $1; exit }
            if (prop >= $4) last_high = $1 }' "$TMP/hpa/events.csv")
    held=$(grep -c 'ScaleDownStabilized' "$TMP/hpa/events.csv")
    expect "hpa: scaled down 300 s after the last high recommendation ($last_high -> $down)" \
        awk -v h="${last_high:-0}" -v d="${down:-0}" 'BEGIN { exit !(d - h >= 300 && d - h <= 315) }'
    expect "hpa: the checks in between were held by the window ($held)" test "$held" -ge 15
    final=$(awk -F, '$2=="actuation_end" {r = $4} END {print r}' "$TMP/hpa/events.csv")
    expect "hpa: one scale-down straight to 1 (Percent 100 per 15 s)" test "$final" = 1
fi

# Without a behavior block (the seed's manifest) the first sync's replica
# count is in the window too, and scale-up is limited to max(2x, 4).
if run hpa_legacy --set "traffic.profile=$LOAD" --set duration=400 --set scaler.policy=hpa \
       --set actuator.async=true; then
    first=$(awk -F, '$2=="check" && $7=="scale_up" {print $8; exit}' "$TMP/hpa_legacy/events.csv")
    expect "hpa (no behavior): first scale-up from 1 is limited to 4 (got $first)" test "$first" = 4
fi

# ---- predictive: provisions before the daily peak ------------------------
# A "day" of 1200 s: 30 req/s, a ramp to 150 at 600 s, 150 for 4 minutes,
# back to 30; three days.  Day 3's peak starts at 3000 s.
DAY='[{"type":"constant","duration":600,"rate":30},{"type":"ramp","duration":60,"from":30,"to":150},
{"type":"constant","duration":240,"rate":150},{"type":"ramp","duration":60,"from":150,"to":30},
{"type":"constant","duration":240,"rate":30}]'
DAY=$(echo "$DAY" | tr -d '\n')
if run pred --set "traffic.profile=$DAY" --set traffic.repeat=true --set duration=3600 \
       --set scaler.policy=predictive --set predictive.season=1200 &&
   run seedpol --set "traffic.profile=$DAY" --set traffic.repeat=true --set duration=3600; then
    pred_up=$(awk -F, '$2=="check" && $1 > 2700 && $8 >= 4 {print $1; exit}' "$TMP/pred/events.csv")
    seed_up=$(awk -F, '$2=="check" && $1 > 2700 && $7=="scale_up" {print $1; exit}' "$TMP/seedpol/events.csv")
    expect "predictive: 4 replicas wanted before day 3's peak at 3000 s (at $pred_up)" \
        awk -v t="${pred_up:-9999}" 'BEGIN { exit !(t < 3000) }'
    expect "predictive: ... where the seed's scaler reacts only after it ($seed_up)" \
        awk -v t="${seed_up:-0}" 'BEGIN { exit !(t > 3000) }'
    expect "predictive: the forecast is Holt-Winters by then" grep -q 'holt-winters' "$TMP/pred/events.csv"
    p95() { awk -F, 'NR > 1 && $1 >= 3000 && $1 < 3300 && $12 > m {m = $12} END {print m + 0}' "$1"; }
    pp=$(p95 "$TMP/pred/timeseries.csv"); sp=$(p95 "$TMP/seedpol/timeseries.csv")
    expect "predictive: day 3 peak p95 under 1 s ($pp s; the seed's scaler: $sp s)" \
        awk -v p="$pp" -v s="$sp" 'BEGIN { exit !(p < 1 && s > 5) }'
fi

# ---- step scaling ----------------------------------------------------------
if run step --set scaler.policy=step --set step.period=10 --set step.warmup=300 --set duration=600; then
    first=$(awk -F, '$2=="check" && $7=="scale_up" {print $4, $8; exit}' "$TMP/step/events.csv")
    expect "step: the spike's breach (> 1.4 s over) takes the +3 step (1 -> 4: $first)" test "$first" = "1 4"
    expect "step: scale-in blocked while replicas warm up" grep -q 'scale-in blocked' "$TMP/step/events.csv"
    up_t=$(awk -F, '$2=="actuation_end" {print $1; exit}' "$TMP/step/events.csv")
    down_t=$(awk -F, '$2=="check" && $7=="scale_down" {print $1; exit}' "$TMP/step/events.csv")
    expect "step: the first scale-in comes once the warm-up is over (up $up_t, down '${down_t:-none}')" \
        awk -v u="$up_t" -v d="${down_t:-1e9}" 'BEGIN { exit !(d - u >= 300 && d - u <= 320) }'
fi

# ---- target tracking: settles near the CPU target --------------------------
# 120 req/s x 60 ms = 7.2 busy workers: 4 replicas of 4 workers run at 45 %
# plus the 1 % idle floor, inside [0.9 x 50 %, 50 %]; 3 would run at 61 %.
if run tt --set 'traffic.profile=[{"type":"constant","duration":900,"rate":120}]' --set duration=900 \
       --set scaler.policy=target_tracking --set target_tracking.period=10 --set target_tracking.warmup=30; then
    final=$(tail -1 "$TMP/tt/timeseries.csv" | cut -d, -f7)
    expect "target_tracking: 4 ready replicas at the end (got $final)" test "$final" = 4
fi

# ---- scheduled floors -------------------------------------------------------
if run sched_day --set scaler.policy=scheduled && \
   run sched_night --set scaler.policy=scheduled --set start_time=2024-01-15T18:00:00Z; then
    first=$(awk -F, '$2=="check" {print $7, $8; exit}' "$TMP/sched_day/events.csv")
    expect "scheduled: at 10:00 the first check scales to the floor of 3 ($first)" test "$first" = "scale_up 3"
    expect "scheduled: the reason names the floor" grep -q 'schedule floor 3' "$TMP/sched_day/events.csv"
    first=$(awk -F, '$2=="check" {print $8; exit}' "$TMP/sched_night/events.csv")
    expect "scheduled: at 18:00 no floor ($first)" test "$first" = 1
fi

# ---- cpu -------------------------------------------------------------------
if run cpu --set scaler.policy=cpu; then
    expect "cpu: decisions read CPU" grep -q ',"\?cpu 0\.' "$TMP/cpu/events.csv"
fi

# ---- bad input ---------------------------------------------------------------
$BIN run scenarios/spike.json --quiet --out "$TMP/bad" --set scaler.policy=hpa \
    --set hpa.target_type=utilization > "$TMP/bad.out" 2>&1
rc=$?
expect "bad policy settings: exit 2" test $rc -eq 2
expect "bad policy settings: the message names the setting" grep -q 'hpa.target_type' "$TMP/bad.out"
expect "bad policy settings: nothing written" test ! -e "$TMP/bad"

# ---- compare --policies -------------------------------------------------------
ALL=$P/threshold.json,$P/hpa.json,$P/step.json,$P/target_tracking.json,$P/predictive.json,$P/scheduled.json,$P/cpu.json
$BIN compare --policies "$ALL" scenarios/spike.json $SIDECAR --out "$TMP/cmp" --no-figure -q > "$TMP/cmp.out" 2>&1
rc=$?
if grep -q "unknown option '--policies'" "$TMP/cmp.out"; then
    fail "compare --policies: the option is gone from 'compare' (a required feature, README: Other scaling policies)"
else
    expect "compare --policies: exit 0" test $rc -eq 0
    header=$(head -1 "$TMP/cmp.out")
    expect "compare --policies: seven columns in the table" \
        test "$(echo "$header" | wc -w)" -eq 8
    expect "compare --policies: compare.csv has a row per policy" \
        test "$(($(wc -l < "$TMP/cmp/compare.csv") - 1))" -eq 7
    same=1
    for d in "$TMP"/cmp/runs/*/; do
        cut -d, -f2 "$d/timeseries.csv" | cmp -s - <(cut -d, -f2 "$TMP/cmp/runs/threshold/timeseries.csv") || same=0
    done
    expect "compare --policies: identical arrivals in every run" test $same -eq 1
    $BIN compare --policies hpa,nosuch scenarios/spike.json --out "$TMP/cmp2" --no-figure -q > "$TMP/cmp2.out" 2>&1
    rc=$?
    expect "compare --policies: unknown policy -> exit 2" test $rc -eq 2
    expect "compare --policies: ... nothing run" test ! -e "$TMP/cmp2/runs/hpa/events.csv"
fi

finish
