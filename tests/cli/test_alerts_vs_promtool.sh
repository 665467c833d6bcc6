#!/bin/bash
# test_alerts_vs_promtool.sh -- our alert engine against Prometheus 2.42's own
# rule evaluation (`promtool test rules`), on generated series.
#
# The series (10 min, 1 s resolution): three webapp instances scraped every
# 5 s at phases 1, 3 and 4 s; instance 2 fails its scrapes for a minute
# (up = 0, a staleness marker on its gauge); instance 3 exists from 100 s
# to 400 s (end-of-run staleness markers); a request counter with a reset;
# response times around 0.45 s, 1 s higher from 150 s to 230 s.
# The rules: the four defaults (max_replicas 3, so MaxCapacityReached fires)
# with HighResponseTime overridden, plus per-instance, keep_firing_for,
# for: 0 and rate rules.  `autoscale-sim alerts --timeline` gives the state
# of every alert at every evaluation; from it we write one alert_rule_test
# per rule and grid time (every 5 s) expecting exactly the alerts we say are
# firing, with labels and the value (annotation '{{ printf "%.17g" $value }}',
# bit-exact), and promtool must agree on all of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/promtool_lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
    skip "alerts vs promtool" "promtool not installed (Debian package prometheus)"
    finish; exit
fi

cat > "$TMP/scen.json" <<'EOF'
{
  "scaler": {"max_replicas": 3},
  "alerts": {"rules": [
    {"alert": "HighResponseTime", "expr": "avg(avg_over_time(webapp_response_time_seconds[30s])) > 0.4",
     "for": "10s", "labels": {"severity": "warning"}},
    {"alert": "InstanceSlow", "expr": "avg_over_time(webapp_response_time_seconds[30s]) > 0.6",
     "for": "15s", "labels": {"severity": "page", "team": "web"}},
    {"alert": "AnySlowSticky", "expr": "max(webapp_response_time_seconds) > 0.85",
     "for": 0, "keep_firing_for": "20s"},
    {"alert": "RequestRate", "expr": "sum by (instance) (rate(webapp_total_requests[1m])) > 2.6",
     "for": "10s"}
  ]}
}
EOF

promtool_series

expect "rules print" sh -c "'$BIN' alerts '$TMP/scen.json' --rules --value-annotation > '$TMP/rules.yml'"
expect "promtool accepts the rule file" sh -c "promtool check rules '$TMP/rules.yml' > /dev/null"
expect "alerts timeline" sh -c "'$BIN' alerts '$TMP/scen.json' --series '$TMP/series.csv' --start 0 --end 600 --step 5 \
    --timeline -q > '$TMP/timeline.csv'"

promtool_tests
expect "every rule fires at some point ($nfiring firing rows, $nrules_fired of $nrules rules)" \
    test "$nfiring" -gt 100 -a "$nrules_fired" -eq "$nrules" -a "$nrules" -eq 7
checks=$(grep -c eval_time "$TMP/test.yml")
expect "one check per rule and grid time ($checks)" test "$checks" -eq $((121 * nrules))
promtool_compare

finish
