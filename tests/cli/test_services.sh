#!/bin/bash
# test_services.sh -- shared hosts and several services end to end:
# scenarios/two_services.json writes each service's files and figures and
# hosts.csv; per-service settings through --set, sweep --random and their
# errors (exit 2 naming the service); runs without services or hosts keep
# their files (no hosts.csv, no services/).
. "$(dirname "$0")/lib.sh"

d=$TMP/two
$BIN run scenarios/two_services.json --out "$d" --duration 120 --quiet > /dev/null 2>&1
expect "two_services runs" test -s "$d/summary.json"
for f in timeseries.csv events.csv scrapes.csv scaler.log summary.json; do
    expect "services/api/$f written" test -s "$d/services/api/$f"
done
expect "hosts.csv has one row per host per second (+ header)" test "$(wc -l < "$d/hosts.csv")" -eq 121
expect "api's scrapes carry its own instances" grep -q '^[0-9.]*,api-1:8000,' "$d/services/api/scrapes.csv"
expect "webapp's scrapes carry only webapp" not grep -q 'api-' "$d/scrapes.csv"
api_req=$(grep -o '"service.api.requests":[[:space:]]*[0-9]*' "$d/summary.json" | grep -o '[0-9]*$')
expect "api serves webapp's calls (service.api.requests > 0)" test "${api_req:-0}" -gt 0

# a single-service run has neither hosts.csv nor services/
$BIN run scenarios/spike.json --out "$TMP/one" --duration 30 --quiet > /dev/null 2>&1
expect "no hosts.csv without hosts" test ! -e "$TMP/one/hosts.csv"
expect "no services/ without services" test ! -e "$TMP/one/services"
expect "no hosts or services settings in a single-service summary" not grep -q '"hosts"\|"services"\|"calls"' "$TMP/one/summary.json"

# per-service settings
$BIN run scenarios/two_services.json --out "$TMP/set" --duration 30 --quiet \
    --set services.api.scaler.max_replicas=2 > /dev/null 2>&1
expect "--set services.api.scaler.max_replicas reaches api" \
    grep -q '"max_replicas":[[:space:]]*2,' "$TMP/set/services/api/summary.json"
# bad per-service input: exit 2, a message naming what is wrong
# (each case: --set assignment | pattern the message must hold)
while IFS='|' read -r set pattern; do
    $BIN run scenarios/two_services.json --out "$TMP/bad" --quiet --set "$set" > /dev/null 2> "$TMP/err"; rc=$?
    expect "--set $set exits 2" test $rc -eq 2
    expect "--set $set: message names it" grep -q "$pattern" "$TMP/err"
done <<'CASES'
services.api.scaler.max_replica=2|services.api.scaler.max_replica: .*not a setting
services.api.scaler.max_replicas=-1|services\[0\].scaler.max_replicas.*service api
services.nope.scaler.max_replicas=2|no service named "nope"
calls.service=db|no service named "db"
CASES

$BIN sweep scenarios/two_services.json --random services.api.scaler.scale_up_threshold=0.1:0.6 \
    --samples 2 --reps 1 --set duration=30 -o "$TMP/sw" -q > /dev/null 2>&1
expect "sweep --random takes a per-service setting" \
    test "$(grep -c ',ok' "$TMP/sw/runs.csv")" -eq 2

if command -v gnuplot > /dev/null; then
    $BIN plot "$d" > /dev/null 2>&1
    expect "hosts.png drawn" test -s "$d/hosts.png"
    expect "api's timeline drawn in services/api/" test -s "$d/services/api/timeline.png"
else
    skip "figures" "gnuplot not installed"
fi
finish
