#!/bin/bash
# test_import.sh -- the user's own files read directly (`import`, `run --from`),
# and recording rules.
#
#  - round trips: the seed's own files (scenarios/seed-files/: prometheus.yml,
#    alert_rules.yml, recording_rules.yml, the compose environment, .env, the
#    HPA manifests) imported with `run --from` and through `import`'s JSON give
#    outputs byte-identical to hand-written equivalent scenarios;
#  - bad input: file:line:col and exit 2; fields not simulated are named;
#  - the recording-rule scenario: the scaler reads webapp:response_time:avg30s
#    (each check's value is the recorded sample of the last group evaluation),
#    and the first scale-up comes no earlier than with the direct query, over
#    20 seeds (the extra delay is printed);
#  - rule-group evaluation offsets against a real Prometheus 2.42: the
#    timestamps of recorded samples equal the offsets `import` reports.
. "$(dirname "$0")/lib.sh"
SF=scenarios/seed-files
case $BIN in /*) BIN_ABS=$BIN ;; *) BIN_ABS=$PWD/$BIN ;; esac

same_run() {  # NAME DIR_A DIR_B: every output file byte-identical
    if diff -r "$2" "$3" > "$TMP/diff" 2>&1; then ok "$1"; else fail "$1" "$(head -8 "$TMP/diff")"; fi
}

# ---- 1. the seed stack: prometheus.yml + alert_rules.yml + compose env ----------
cat > "$TMP/seed_stack.json" <<'EOF'
{
  "name": "manual",
  "duration": 300,
  "balancer": {"mode": "published_port"},
  "traffic": {"arrivals": "paced", "profile": [{"type": "constant", "duration": 60, "rate": 100}]},
  "app": {"port": 8000},
  "scaler": {"prometheus_url": "http://prometheus:9090", "service_name": "webapp",
             "scale_up_threshold": 0.6, "scale_down_threshold": 0.2, "max_replicas": 6, "min_replicas": 1,
             "check_interval": 10, "scale_up_cooldown": 30, "scale_down_cooldown": 60},
  "prometheus": {"scrape_interval": "5s", "evaluation_interval": "5s", "job": "webapp", "sd": "dns",
                 "refresh_interval": "30s", "scrape_timeout": 0,
    "rule_groups": [{"name": "webapp_alerts", "file": "/etc/prometheus/alert_rules.yml", "rules": [
      {"alert": "HighResponseTime", "expr": "avg(avg_over_time(webapp_response_time_seconds[30s])) > 0.5",
       "for": "10s", "labels": {"severity": "warning"}},
      {"alert": "CriticalResponseTime", "expr": "avg(avg_over_time(webapp_response_time_seconds[30s])) > 1.0",
       "for": "30s", "labels": {"severity": "critical"}},
      {"alert": "ServiceDown", "expr": "up{job=\"webapp\"} == 0", "for": "30s", "labels": {"severity": "critical"}},
      {"alert": "MaxCapacityReached", "expr": "count(up{job=\"webapp\"}) >= 6", "for": "2m",
       "labels": {"severity": "warning"}}]}]},
  "alerts": {"replace_defaults": true}
}
EOF
FILES="$SF/prometheus.yml $SF/alert_rules.yml $SF/docker-compose.yml"
$BIN run "$TMP/seed_stack.json" --seed 3 --set description=x -q -o "$TMP/hand" 2>"$TMP/err" || fail hand_written_runs "$(cat "$TMP/err")"
from=(); for f in $FILES; do from+=(--from "$f"); done
$BIN run scenarios/manual.json "${from[@]}" --seed 3 --set description=x -q -o "$TMP/from" 2>"$TMP/notes"
expect run_from_exit_0 test $? -eq 0
same_run seed_stack_run_from_equals_hand_written "$TMP/hand" "$TMP/from"
grep -q 'HighResponseTime' "$TMP/from/alerts.csv" && ok seed_alerts_fire || fail seed_alerts_fire "no HighResponseTime row"
# import's JSON over the same base scenario, merged outside the program
$BIN import $FILES > "$TMP/imported.json" 2>"$TMP/inotes"
expect import_exit_0 test $? -eq 0
python3 - "$TMP/imported.json" scenarios/manual.json "$TMP/merged.json" <<'EOF'
import json, sys
imp, base = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def merge(a, b):
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict): merge(a[k], v)
        else: a[k] = v
merge(base, imp)
base["name"] = "manual"
json.dump(base, open(sys.argv[3], "w"), indent=1)
EOF
$BIN run "$TMP/merged.json" --seed 3 --set description=x -q -o "$TMP/merged" 2>/dev/null
same_run seed_stack_import_json_equals_hand_written "$TMP/hand" "$TMP/merged"
grep -q 'alert_rules.yml:16: annotations: ignored' "$TMP/inotes" && ok annotations_named || fail annotations_named "$(cat "$TMP/inotes")"

# ---- 2. the recording rule: bundled scenario vs the seed's files ------------------
desc=$(python3 -c 'import json;print(json.load(open("scenarios/recording_rule.json"))["description"])')
$BIN run scenarios/recording_rule.json --seed 5 -q -o "$TMP/rr_hand" --export openmetrics
$BIN run scenarios/manual.json --from $SF/prometheus.yml --from $SF/recording_rules.yml \
    --set scaler.query=webapp:response_time:avg30s --set name=recording_rule --set "description=$desc" \
    --seed 5 -q -o "$TMP/rr_from" --export openmetrics 2>/dev/null
same_run recording_rule_from_seed_files_equals_bundled "$TMP/rr_hand" "$TMP/rr_from"

# The scaler reads the recorded series: at every check, the metric in
# events.csv is the mean of the samples recorded at the last group
# evaluation at or before the check (the series a vanished replica left get
# a staleness marker at the next evaluation, so they are not in it).
python3 - "$TMP/rr_hand" <<'EOF' > "$TMP/rr_check" 2>&1
import csv, sys, re, calendar, time
d = sys.argv[1]
t0 = calendar.timegm(time.strptime("2024-01-15T10:00:00", "%Y-%m-%dT%H:%M:%S"))
at = {}
for line in open(d + "/metrics.om"):
    m = re.match(r'webapp:response_time:avg30s\{(.*)\} (\S+) (\S+)$', line)
    if m: at.setdefault(round(float(m.group(3)) - t0, 3), []).append(float(m.group(2)))
assert at, "no recorded samples"
evals = sorted(at)
checked = 0
for r in csv.DictReader(open(d + "/events.csv")):
    if r["kind"] != "check" or r["metric"] == "": continue
    t = float(r["time"])
    e = max(x for x in evals if x <= t + 1e-9)
    want = sum(at[e]) / len(at[e])
    assert abs(want - float(r["metric"])) <= 1e-12 * max(1, abs(want)), (t, e, at[e], r["metric"])
    checked += 1
assert checked >= 20, checked
offs = sorted({round(t % 10, 3) for t in evals})
print("%d checks; recorded every 10 s at +%s s" % (checked, offs))
EOF
if [ $? -eq 0 ]; then ok "scaler_reads_recorded_series ($(cat "$TMP/rr_check"))"; else fail scaler_reads_recorded_series "$(tail -3 "$TMP/rr_check")"; fi

# The extra delay: first scale-up time with and without the recording rule.
later=0; earlier=0; sum_rr=0; sum_direct=0
for s in $(seq 1 20); do
    rm -rf "$TMP/d_rr" "$TMP/d_direct"
    if ! $BIN run scenarios/recording_rule.json --seed "$s" -q -o "$TMP/d_rr" 2>"$TMP/d_err" ||
       ! $BIN run scenarios/manual.json --seed "$s" -q -o "$TMP/d_direct" 2>>"$TMP/d_err"; then
        fail "delay runs, seed $s" "$(head -3 "$TMP/d_err")"; earlier=99; break
    fi
    a=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["metrics"]["time_to_first_scale_up"])' "$TMP/d_rr/summary.json")
    b=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["metrics"]["time_to_first_scale_up"])' "$TMP/d_direct/summary.json")
    sum_rr=$(python3 -c "print($sum_rr + $a)"); sum_direct=$(python3 -c "print($sum_direct + $b)")
    python3 -c "import sys; sys.exit(0 if $a > $b else 1)" && later=$((later + 1))
    python3 -c "import sys; sys.exit(0 if $a < $b else 1)" && earlier=$((earlier + 1))
done
echo "  first scale-up over 20 seeds: mean $(python3 -c "print($sum_rr/20)") s with the recording rule, $(python3 -c "print($sum_direct/20)") s direct; later in $later seeds, earlier in $earlier"
expect recording_rule_never_earlier test "$earlier" -eq 0
expect recording_rule_later_sometimes test "$later" -gt 0

# ---- 3. HPA manifest with behavior; .env = compose environment --------------------
cat > "$TMP/hpa_hand.json" <<'EOF'
{"name": "manual", "duration": 300, "balancer": {"mode": "published_port"},
 "traffic": {"arrivals": "paced", "profile": [{"type": "constant", "duration": 60, "rate": 100}]},
 "scaler": {"policy": "hpa", "min_replicas": 1, "max_replicas": 10},
 "hpa": {"metric_type": "pods", "query": "webapp_response_time_seconds", "target_type": "average_value", "target": 0.6,
         "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                                  "policies": [{"type": "Pods", "value": 2, "periodSeconds": 30}]},
                      "scaleDown": {"stabilizationWindowSeconds": 120,
                                    "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}}}
EOF
$BIN run "$TMP/hpa_hand.json" --seed 2 --set description=x -q -o "$TMP/hpa_hand"
$BIN run scenarios/manual.json --from $SF/hpa-behavior.yaml --seed 2 --set description=x -q -o "$TMP/hpa_from" 2>/dev/null
same_run hpa_manifest_equals_hand_written "$TMP/hpa_hand" "$TMP/hpa_from"
$BIN import $SF/scaler.env > "$TMP/env.json" 2>/dev/null
$BIN import $SF/docker-compose.yml > "$TMP/compose.json" 2>/dev/null
expect dotenv_equals_compose_environment cmp -s "$TMP/env.json" "$TMP/compose.json"
$BIN import $SF/hpa.yaml 2>/dev/null | grep -q '"behavior":.*null' && ok hpa_without_behavior_is_null || fail hpa_without_behavior_is_null

# ---- 4. bad input and named fields -------------------------------------------------
printf 'groups:\n  - name: a\n    rules:\n      - record: x\n        expr: vector(1)\n       bad: [\n' > "$TMP/bad.yml"
$BIN import "$TMP/bad.yml" > /dev/null 2>"$TMP/e1"; rc=$?
expect bad_yaml_exit_2 test $rc -eq 2
grep -q "bad.yml:[0-9]*:[0-9]*: YAML" "$TMP/e1" && ok bad_yaml_file_line_col || fail bad_yaml_file_line_col "$(cat "$TMP/e1")"
printf 'groups:\n  - name: a\n    rules:\n      - record: x\n        expr: vector(1)\n        fro: 5m\n' > "$TMP/unk.yml"
$BIN import "$TMP/unk.yml" > /dev/null 2>"$TMP/e2"; rc=$?
expect unknown_rule_field_exit_2 test $rc -eq 2
grep -q "unk.yml:6:9: rules\[\]: unknown field 'fro'" "$TMP/e2" && ok unknown_field_named || fail unknown_field_named "$(cat "$TMP/e2")"
printf 'global:\n  scrape_interval: 5x\n' > "$TMP/dur.yml"
$BIN import "$TMP/dur.yml" > /dev/null 2>"$TMP/e3"; rc=$?
grep -q "dur.yml:2:20: scrape_interval: '5x' is not a duration" "$TMP/e3" && test $rc -eq 2 && ok bad_duration_located || fail bad_duration_located "$(cat "$TMP/e3")"
printf 'global:\n  scrape_interval: 5s\n  scrape_interval: 6s\n' > "$TMP/dup.yml"
$BIN import "$TMP/dup.yml" > /dev/null 2>"$TMP/e4"; rc=$?
grep -q "dup.yml:3:3: global: key 'scrape_interval' is repeated" "$TMP/e4" && test $rc -eq 2 && ok duplicate_key || fail duplicate_key "$(cat "$TMP/e4")"
printf 'global:\n  scrape_interval: 15s\nalerting:\n  alertmanagers: []\nscrape_configs:\n  - job_name: node\n    static_configs: [{targets: [a:9100]}]\n  - job_name: webapp\n    relabel_configs: []\n    dns_sd_configs: [{names: [webapp], type: A, port: 8000}]\n' > "$TMP/p2.yml"
$BIN import "$TMP/p2.yml" > "$TMP/p2.json" 2>"$TMP/n2"; rc=$?
expect ignored_fields_exit_0 test $rc -eq 0
for pat in "p2.yml:3: alerting: ignored" "job 'node': ignored" "relabel_configs: ignored" "evaluation_interval not set: Prometheus's default, 1m"; do
    grep -q "$pat" "$TMP/n2" && ok "named: $pat" || fail "named: $pat" "$(cat "$TMP/n2")"
done
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["prometheus"]; sys.exit(0 if p["scrape_interval"]==15 and p["evaluation_interval"]==60 and p["job"]=="webapp" and p["scrape_timeout"]==0 else 1)' "$TMP/p2.json" \
    && ok prometheus_defaults_applied || fail prometheus_defaults_applied "$(cat "$TMP/p2.json")"
$BIN run scenarios/manual.json --from "$TMP/unk.yml" -q -o "$TMP/never" 2>/dev/null; rc=$?
expect run_from_bad_file_exit_2 test $rc -eq 2
expect run_from_bad_file_writes_nothing test ! -e "$TMP/never"

# ---- 5. group offsets against a real Prometheus 2.42 --------------------------------
if ! command -v prometheus >/dev/null; then
    skip "offsets vs prometheus" "prometheus not installed (Debian package 'prometheus')"
    finish; exit
fi
mkdir -p "$TMP/p/rules"
printf 'global:\n  evaluation_interval: 3s\nrule_files:\n  - rules/*.yml\n' > "$TMP/p/prom.yml"
cat > "$TMP/p/rules/groups.yml" <<'EOF'
groups:
  - name: aggregations
    interval: 2s
    rules:
      - record: g_aggregations
        expr: vector(1)
  - name: webapp_alerts
    rules:
      - record: g_webapp_alerts
        expr: vector(2)
  - name: slow
    interval: 4s
    rules:
      - record: g_slow
        expr: vector(3)
EOF
(cd "$TMP/p" && $BIN_ABS import --prometheus-config "$TMP/p/prom.yml" prom.yml rules/groups.yml 2>&1 >/dev/null) \
    | sed -n "s/.*group '\([a-z_]*\)': evaluated every \([0-9.]*\) s at Unix times \([0-9.]*\) s past.*/\1 \2 \3/p" > "$TMP/ours"
start_prometheus "$TMP/p/prom.yml" "$TMP/p/data" "$TMP/p/log"
if [ -z "$PORT" ]; then
    fail prometheus_started "$(tail -3 "$TMP/p/log")"
else
    sleep 9.5     # at least two evaluations of the slowest group (4 s)
    n=0
    while read -r g iv off; do
        got=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/api/v1/query?query=g_$g%5B30s%5D" | python3 -c '
import json, sys
iv = float(sys.argv[1]); d = json.load(sys.stdin)["data"]["result"]
ts = [round(float(v[0]) * 1000) for v in d[0]["values"]] if d else []
print(" ".join(sorted({"%.3f" % ((t % round(iv * 1000)) / 1000) for t in ts})), len(ts))' "$iv")
        set -- $got
        if [ "$#" -eq 2 ] && [ "$1" = "$off" ] && [ "$2" -ge 2 ]; then ok "offset_vs_prometheus $g (every $iv s at +$off s, $2 samples)"
        else fail "offset_vs_prometheus $g" "ours +$off s, prometheus: $got"; fi
        n=$((n + 1))
    done < "$TMP/ours"
    expect offsets_compared test "$n" -eq 3
fi
finish
