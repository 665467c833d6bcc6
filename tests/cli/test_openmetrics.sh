#!/bin/bash
# test_openmetrics.sh -- `run --export openmetrics` through real Prometheus:
# the file's layout, `promtool tsdb create-blocks-from openmetrics`, then a
# Prometheus 2.42 serving those blocks on loopback answers the seed's Grafana
# queries exactly as our engine (`promql` on the same samples) does, byte for
# byte in the API's JSON, and as the simulated scaler saw them at its checks.
. "$(dirname "$0")/lib.sh"

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1 \
   || ! command -v curl >/dev/null 2>&1; then
    skip "openmetrics vs prometheus" "prometheus, promtool or curl not installed"
    finish; exit
fi

RUN="$TMP/run"
if ! "$BIN" run scenarios/manual.json -o "$RUN" -q --export openmetrics || [ ! -s "$RUN/metrics.om" ]; then
    fail "run --export openmetrics writes metrics.om"
    finish; exit
fi
ok "run --export openmetrics writes metrics.om"
OM="$RUN/metrics.om"
EPOCH=1705312800          # start_time 2024-01-15T10:00:00Z, the default

# Layout: # EOF last; each family's TYPE once; a metric name never comes
# back once another started (no interleaving); timestamps increase per series.
expect "ends with # EOF" test "$(tail -1 "$OM")" = "# EOF"
expect "TYPE once per family" test "$(grep '^# TYPE' "$OM" | sort | uniq -d | wc -l)" -eq 0
layout=$(awk '
    /^#/ { next }
    { name = $1; sub(/\{.*/, "", name); series = $0; sub(/ [^ ]+ [^ ]+$/, "", series);
      if (name != cur) { if (name in done) bad++; done[cur] = 1; cur = name }
      if (series in last && $NF + 0 <= last[series]) bad++;
      last[series] = $NF + 0; n++ }
    END { print (bad + 0) " " n }' "$OM")
expect "families contiguous, time order per series ($layout: bad, samples)" test "${layout%% *}" -eq 0
nsamples=${layout##* }
expect "ALERTS series exported" grep -q '^ALERTS{alertname="HighResponseTime",alertstate="firing"' "$OM"

# promtool loads it, every sample.
if promtool tsdb create-blocks-from openmetrics "$OM" "$TMP/data" > "$TMP/blocks.out" 2>&1; then
    loaded=$(awk 'length($1) == 26 && $1 ~ /^[0-9A-Z]+$/ { n += $5 } END { print n + 0 }' "$TMP/blocks.out")
    expect "promtool loads all $nsamples samples ($loaded)" test "$loaded" -eq "$nsamples"
else
    fail "promtool create-blocks-from openmetrics" "$(cat "$TMP/blocks.out")"
fi

# Prometheus on the blocks (retention 100y: the data are from 2024).
printf 'global:\n  scrape_interval: 1h\n' > "$TMP/prometheus.yml"
PROM_PID=
stop_prometheus() {
    [ -n "$PROM_PID" ] || return
    kill "$PROM_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PROM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PROM_PID" 2>/dev/null
    wait "$PROM_PID" 2>/dev/null
    PROM_PID=
}
trap 'stop_prometheus; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
for attempt in 1 2 3; do
    PORT=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    ss -ltn 2>/dev/null | grep -q ":$PORT " && continue
    prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
        --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$PORT" \
        > "$TMP/prometheus.log" 2>&1 &
    PROM_PID=$!
    for _ in $(seq 100); do          # at most 10 s
        curl -sf "http://127.0.0.1:$PORT/-/ready" > /dev/null 2>&1 && break 2
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.1
    done
    stop_prometheus
done
if [ -z "$PROM_PID" ]; then
    fail "prometheus starts" "$(tail -5 "$TMP/prometheus.log")"
    finish; exit
fi
ok "prometheus serves the blocks on 127.0.0.1:$PORT"

# Our engine reads the same samples (metrics.om as series,timestamp,value).
awk '/^#/ { next }
     { n = NF; ts = $n; v = $(n - 1); s = substr($0, 1, length($0) - length(ts) - length(v) - 2);
       gsub(/"/, "\"\"", s); print "\"" s "\"," ts "," v }' "$OM" > "$TMP/series.csv"

api() {  # path, query, extra curl args...: the response's data object
    local path=$1 q=$2; shift 2
    curl -sf -G "http://127.0.0.1:$PORT/api/v1/$path" --data-urlencode "query=$q" "$@" |
        sed -n 's/^{"status":"success","data":\(.*\)}$/\1/p'
}

# The elements of a vector one per line, sorted: Prometheus lists some
# results (histogram_quantile's) in Go map order, which is random.
sorted() { sed -e 's/"result":\[/&\n/' -e 's/\]}$/\n]}/' -e 's/,{"metric":/\n{"metric":/g' | sort; }

queries=(
    'avg_over_time(webapp_response_time_seconds[30s])'
    'count(up{job="webapp"} == 1)'
    'webapp_response_time_seconds'
    'rate(webapp_total_requests[1m])'
    'histogram_quantile(0.95, rate(webapp_request_duration_seconds_bucket[5m]))'
    'sum(webapp_total_requests)'
    'avg by (instance) (webapp_response_time_seconds)'
    'avg(avg_over_time(webapp_response_time_seconds[30s]))'
    'histogram_quantile(0.95, sum by (le) (rate(webapp_request_duration_seconds_bucket[1m])))'
    'ALERTS'
)
same=0; differ=""
for q in "${queries[@]}"; do
    for dt in 30 75.5 150 290; do
        t=$(awk -v e=$EPOCH -v d=$dt 'BEGIN { printf "%.3f", e + d }')
        want=$(api query "$q" --data-urlencode "time=$t")
        got=$("$BIN" promql --series "$TMP/series.csv" --at "$t" --format json "$q")
        if [ -n "$want" ] && { [ "$want" = "$got" ] || [ "$(echo "$want" | sorted)" = "$(echo "$got" | sorted)" ]; }
        then same=$((same + 1))
        else differ="$differ
$q @ $t
  prometheus: $want
  ours:       $got"; fi
    done
done
expect "instant queries: same JSON as Prometheus, up to element order ($same of $((${#queries[@]} * 4)))" test -z "$differ"
[ -n "$differ" ] && echo "$differ" | head -20

q='avg(avg_over_time(webapp_response_time_seconds[30s]))'
want=$(api query_range "$q" --data-urlencode "start=$EPOCH" --data-urlencode "end=$((EPOCH + 300))" \
       --data-urlencode "step=5")
got=$("$BIN" promql --series "$TMP/series.csv" --start $EPOCH --end $((EPOCH + 300)) --step 5 --format json "$q")
expect "range query over the run: same JSON as Prometheus" test -n "$want" -a "$want" = "$got"

# The values the simulated scaler saw at its checks (events.csv), from the
# run's own tsdb, with markers, are what Prometheus computes from the export:
# the seed's query per instance, reduced by the mean (1e-12 relative: the
# scaler averages in C, PromQL's avg() rounds its own way).  A check at the
# very millisecond of a scrape is skipped: in the simulation the order of the
# two events decides whether the check saw that sample; Prometheus always does.
# A check while an in-band scrape was in flight (scrapes.csv: start <= t <=
# start + duration) is skipped too, and counted: its samples carry the start
# time but did not exist yet when the scaler asked (a late sample), while
# Prometheus on the export sees them.
awk '/^webapp_response_time_seconds\{/ { printf "%.0f\n", $NF * 1000 }' "$OM" | sort -u > "$TMP/scrape_ms"
checks=0; bad=0; skipped=0; inflight=0
while IFS=, read -r t kind metric _; do
    [ "$kind" = check ] && [ -n "$metric" ] || continue
    at=$(awk -v e=$EPOCH -v d="$t" 'BEGIN { printf "%.3f", e + d }')
    if grep -qx "$(awk -v a="$at" 'BEGIN { printf "%.0f", a * 1000 }')" "$TMP/scrape_ms"; then
        skipped=$((skipped + 1)); continue
    fi
    if awk -F, -v t="$t" 'NR > 1 && $3 == 1 && $1 <= t && t <= $1 + $8 { f = 1 } END { exit !f }' "$RUN/scrapes.csv"; then
        inflight=$((inflight + 1)); continue
    fi
    v=$(api query "$q" --data-urlencode "time=$at" | sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p')
    checks=$((checks + 1))
    awk -v a="$metric" -v b="$v" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= 1e-12 * (a < 0 ? -a : a)) }' \
        || { bad=$((bad + 1)); echo "  check at $t: scaler saw $metric, prometheus says '$v'"; }
done < "$RUN/events.csv"
expect "scaler's metric at all $checks checks ($skipped skipped) equals Prometheus's on the export" \
    test "$checks" -gt 10 -a "$bad" -eq 0
expect "some checks ran while an in-band scrape was in flight ($inflight)" test "$inflight" -gt 0

# The run's own outputs as inputs: `promql` and `alerts` read the run
# directory (its metrics.om) or metrics.om itself, and give what they give on
# the same samples as CSV (and so what Prometheus gives, above).
t=$((EPOCH + 150))
diffs=0
for q in "${queries[@]}"; do
    a=$("$BIN" promql --series "$TMP/series.csv" --at "$t" --format json "$q")
    b=$("$BIN" promql --series "$RUN" --at "$t" --format json "$q")
    c=$("$BIN" promql --series "$OM" --at "$t" --format json "$q")
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || diffs=$((diffs + 1))
done
expect "promql --series RUN_DIR and --series metrics.om: the same as on the CSV samples ($diffs differ)" test $diffs -eq 0
"$BIN" alerts scenarios/manual.json --series "$TMP/series.csv" -q > "$TMP/al.csv" 2>&1
"$BIN" alerts scenarios/manual.json --series "$RUN" -q > "$TMP/al_dir.csv" 2>&1; rc=$?
expect "alerts --series RUN_DIR: exit 0 (got $rc)" test $rc -eq 0
expect "alerts --series RUN_DIR: the same rows as on the CSV samples" cmp -s "$TMP/al.csv" "$TMP/al_dir.csv"
expect "alerts --series RUN_DIR: some alert rows" test "$(wc -l < "$TMP/al_dir.csv")" -gt 1
mkdir -p "$TMP/norun"
"$BIN" promql --series "$TMP/norun" --at 0 up > "$TMP/norun.out" 2>&1; rc=$?
expect "promql --series DIR without metrics.om: exit 2 saying why (got $rc)" \
    test $rc -eq 2 -a -n "$(grep 'without metrics.om.*--export openmetrics' "$TMP/norun.out")"

# The Grafana dashboard (scripts/grafana/): the seed's eight panels, each
# query accepted by Prometheus and showing data of the exported run.
DASH=scripts/grafana/autoscale-sim-dashboard.json
exprs=$(python3 - "$DASH" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
titles = [p["title"] for p in d["panels"]]
seed = ["Average Response Time (30s)", "Response Time Over Time", "Active Replicas", "Service Health",
        "Request Count", "Replica Count Over Time", "Request Rate", "Response Time Percentiles"]
assert titles == seed, titles
uids = {p["datasource"]["uid"] for p in d["panels"]} | {t["datasource"]["uid"] for p in d["panels"] for t in p["targets"]}
assert uids == {"autoscale-sim"}, uids
for p in d["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$run", ".*"))
PY
) || fail "dashboard: 8 panels titled as the seed's, one data source" "$exprs"
expect "dashboard: every panel has a query ($(echo "$exprs" | grep -c .) queries)" test "$(echo "$exprs" | grep -c .)" -ge 8
grep -q 'uid: autoscale-sim' scripts/grafana/provisioning/datasources/autoscale-sim.yml
expect "dashboard: the provisioned data source has the panels' uid" test $? -eq 0
empty=0; mism=0
while IFS= read -r e; do
    [ -n "$e" ] || continue
    want=$(api query "$e" --data-urlencode "time=$t")
    got=$("$BIN" promql --series "$RUN" --at "$t" --format json "$e")
    case "$want" in *'"result":[]'*|'') empty=$((empty + 1)); echo "  empty: $e";; esac
    [ "$(echo "$want" | sorted)" = "$(echo "$got" | sorted)" ] || { mism=$((mism + 1)); echo "  differs: $e"; }
done <<< "$exprs"
expect "dashboard: every query shows data of the run in Prometheus ($empty empty)" test $empty -eq 0
expect "dashboard: ... the same as promql on the run directory ($mism differ)" test $mism -eq 0

stop_prometheus

# Run labels: --run-label puts run and seed on every series, promtool loads
# two labelled runs into one TSDB and they stay apart; without the option
# the file is unchanged (the labels are the only difference).
"$BIN" run scenarios/manual.json -o "$TMP/la" -q --export openmetrics --run-label a
"$BIN" run scenarios/manual.json -o "$TMP/lb" -q --export openmetrics --run-label b --seed 2
nl=$(grep -v '^#' "$TMP/la/metrics.om" | grep -vc 'run="a",seed="1"')
expect "run label: every sample line carries run=\"a\",seed=\"1\" ($nl lack it)" test "$nl" -eq 0
expect "run label: removing the labels gives the unlabelled export byte for byte" \
    cmp -s <(sed 's/,run="a",seed="1"//' "$TMP/la/metrics.om") "$OM"
for r in la lb; do
    promtool tsdb create-blocks-from openmetrics "$TMP/$r/metrics.om" "$TMP/data2" > "$TMP/blocks2.out" 2>&1
    expect "run label: promtool loads the labelled export of $r" test $? -eq 0
done
mkdir -p "$TMP/data2/wal"
promtool tsdb dump "$TMP/data2" > "$TMP/dump.txt" 2> /dev/null
runs=$(grep -o '__name__="up",[^}]*' "$TMP/dump.txt" | grep -o 'run="[ab]", seed="[12]"' | tr -d ' ' | sort -u | tr '\n' ' ')
expect "run label: the two runs' up series stay apart in one TSDB ($runs)" test "$runs" = 'run="a",seed="1" run="b",seed="2" '
"$BIN" run scenarios/manual.json -o "$TMP/lc" -q --run-label c > "$TMP/lc.out" 2>&1
expect "run label: without --export it is refused (exit 2)" test $? -eq 2

finish
