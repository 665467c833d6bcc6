#!/bin/bash
# test_rules_vs_promtool.sh -- recording rules against Prometheus 2.42's own
# rule evaluation (`promtool test rules`), on the generated series of
# test_alerts_vs_promtool.sh (three instances, a failed-scrape minute with
# staleness markers, an instance that comes and goes).
#
# One rule file, read by both: by promtool directly, by us through
# `autoscale-sim import` (rule file -> prometheus.rule_groups).  A group
# records per-instance averages (with a rule label) and a sum over them (a
# later rule reading an earlier rule's output of the same evaluation); its
# alerting rules expose the recorded series' values, their staleness
# (count_over_time over the recorded samples) and a count of them, so
# each alert_rule_test at every 5 s compares the recorded values bit for bit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/promtool_lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
    skip "rules vs promtool" "promtool not installed (Debian package prometheus)"
    finish; exit
fi

cat > "$TMP/rules.yml" <<'EOF'
groups:
  - name: recorded
    rules:
      - record: instance:rt:avg30s
        expr: avg_over_time(webapp_response_time_seconds[30s])
        labels:
          src: rec
      - record: job:rt:sum
        expr: sum by (job) (instance:rt:avg30s)
      - alert: RecValue
        expr: instance:rt:avg30s > 0
        annotations:
          value: '{{ printf "%.17g" $value }}'
      - alert: RecSum
        expr: job:rt:sum > 0
        annotations:
          value: '{{ printf "%.17g" $value }}'
      - alert: RecSamples
        expr: count_over_time(instance:rt:avg30s[12s]) > 1
        annotations:
          value: '{{ printf "%.17g" $value }}'
      - alert: RecScalar
        expr: vector(scalar(count(instance:rt:avg30s))) > 2
        annotations:
          value: '{{ printf "%.17g" $value }}'
EOF
expect "promtool accepts the rule file" sh -c "promtool check rules '$TMP/rules.yml' > /dev/null"
printf 'global:\n  evaluation_interval: 5s\n' > "$TMP/prometheus.yml"
expect "import" sh -c "'$BIN' import '$TMP/prometheus.yml' '$TMP/rules.yml' > '$TMP/scen.json' 2>/dev/null"

promtool_series

expect "alerts timeline" sh -c "'$BIN' alerts '$TMP/scen.json' --series '$TMP/series.csv' --start 0 --end 600 --step 5 \
    --timeline -q > '$TMP/timeline.csv'"

promtool_tests
expect "every rule fires at some point ($nfiring firing rows, $nrules_fired of $nrules rules)" \
    test "$nfiring" -gt 100 -a "$nrules_fired" -eq "$nrules" -a "$nrules" -eq 4
checks=$(grep -c eval_time "$TMP/test.yml")
expect "one check per rule and grid time ($checks)" test "$checks" -eq $((121 * nrules))
promtool_compare

finish
