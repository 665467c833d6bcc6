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
    # the hosts figure's replicas panel has one line per service, named in
    # its key, and the latency panel api's p95 beside webapp's
    expect "hosts figure: ready replicas of webapp and of api" \
        eval 'grep -q ">webapp replicas<" "$d/hosts.svg" && grep -q ">api replicas<" "$d/hosts.svg"'
    expect "hosts figure: api's p95 latency" grep -q ">p95 (api)<" "$d/hosts.svg"
else
    skip "figures" "gnuplot not installed"
fi

# The report of a multi-service run: one section per service (the run's own
# first) whose numbers are those of that service's own summary.json, its
# figures inlined, and the hosts section with the hosts figure.
r=$TMP/rep
$BIN run scenarios/two_services.json --out "$r" --duration 240 --quiet --report > /dev/null 2>&1
rc=$?
have_gp=1
command -v gnuplot > /dev/null || have_gp=0
[ $have_gp = 1 ] && expect "run --report of two services exits 0" test $rc -eq 0
python3 tests/cli/check_services_report.py "$r" $have_gp > "$TMP/report_check" 2>&1
rc=$?
cat "$TMP/report_check"
expect "report.html: a section per service with its own numbers and figures, and the hosts" test $rc -eq 0
m=$r/report.md
expect "report.md: a section per service" eval 'grep -q "^## Service webapp$" "$m" && grep -q "^## Service api$" "$m"'
api_req=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["requests"])' "$r/services/api/summary.json")
expect "report.md: api's row has api's requests" grep -q "^| api | $api_req | " "$m"
if [ $have_gp = 1 ]; then
    for f in hosts.png timeline.png dashboard.png services/api/timeline.png services/api/dashboard.png; do
        expect "report.md shows $f, which exists" eval 'grep -qF "]($f)" "$m" && test -s "$r/$f"'
    done
    # --out elsewhere: each service's figures go under OUT/services/NAME/
    $BIN report "$r" --out "$TMP/elsewhere" > /dev/null 2>&1
    expect "report --out: api's figures in OUT/services/api/" test -s "$TMP/elsewhere/services/api/timeline.svg"
else
    skip "report figures" "gnuplot not installed"
fi
# a single-service run on a shared host: the hosts section, no services table
$BIN run scenarios/shared_host.json --out "$TMP/sh" --duration 60 --quiet > /dev/null 2>&1
$BIN report "$TMP/sh" --no-figures > /dev/null 2>&1
expect "single service on a shared host: hosts section, no services table" \
    eval 'grep -q "id=\"hosts\"" "$TMP/sh/report.html" && ! grep -q "services-table" "$TMP/sh/report.html"'
# a missing service directory: exit 2 naming it, no report written
cp -r "$r" "$TMP/broken" && rm -rf "$TMP/broken/services/api" "$TMP/broken/report.html"
$BIN report "$TMP/broken" --no-figures > /dev/null 2> "$TMP/err"; rc=$?
expect "report without services/api/: exit 2" test $rc -eq 2
expect "report without services/api/: names it" grep -q "services/api" "$TMP/err"
expect "report without services/api/: no report.html" test ! -e "$TMP/broken/report.html"
finish
