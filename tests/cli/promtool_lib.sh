# promtool_lib.sh -- shared by the tests that compare our rule evaluation
# with `promtool test rules` (sourced after lib.sh): the generated series,
# the alert_rule_test file built from our timeline, and the comparison.

# promtool_series: $TMP/series.csv for us and $TMP/input.yml (promtool
# input_series) from the same numbers.
promtool_series() {
awk -v csv="$TMP/series.csv" -v yml="$TMP/input.yml" 'BEGIN {
    T = 600; split("1 3 4", ph, " ");
    print "series,timestamp,value" > csv;
    for (i = 1; i <= 3; i++) {
        inst = "webapp-" i ":8000";
        rt = "webapp_response_time_seconds{instance=\"" inst "\",job=\"webapp\"}";
        up = "up{instance=\"" inst "\",job=\"webapp\"}";
        tot = "webapp_total_requests{instance=\"" inst "\",job=\"webapp\"}";
        for (t = 0; t <= T; t++) { R[t] = "_"; U[t] = "_"; C[t] = "_" }
        was_up = 0;
        for (t = ph[i]; t <= T; t += 5) {
            if (i == 3 && (t < 100 || t > 400)) {
                if (t > 400 && t - 5 <= 400) { R[t] = "stale"; U[t] = "stale"; C[t] = "stale" }
                continue;
            }
            ok = !(i == 2 && t >= 250 && t < 310);
            U[t] = ok ? 1 : 0;
            if (ok) {
                R[t] = sprintf("%.3f", 0.45 + 0.5 * sin(t / 70 + i * 1.3) + (t >= 150 && t < 230 ? 1.0 : 0));
                c = int(t * (2.2 + 0.3 * i) + 7 * i);
                if (i == 1 && t >= 300) c = int((t - 300) * 2.5);
                C[t] = c;
            } else if (was_up) { R[t] = "stale"; C[t] = "stale" }
            was_up = ok;
        }
        for (t = 0; t <= T; t++) {
            if (R[t] != "_") printf "\"%s\",%d,%s\n", q(rt), t, R[t] > csv;
            if (U[t] != "_") printf "\"%s\",%d,%s\n", q(up), t, U[t] > csv;
            if (C[t] != "_") printf "\"%s\",%d,%s\n", q(tot), t, C[t] > csv;
        }
        line(yml, rt, R, T); line(yml, up, U, T); line(yml, tot, C, T);
    }
}
function q(s) { gsub(/"/, "\"\"", s); return s }
function line(f, name, V, T,   t, s) {
    s = V[0]; for (t = 1; t <= T; t++) s = s " " V[t];
    gsub(/\x27/, "\x27\x27", name);
    printf "      - series: \x27%s\x27\n        values: \x27%s\x27\n", name, s > f;
}'
}

# promtool_tests: $TMP/timeline.csv (alerts --timeline) and $TMP/rules.yml ->
# $TMP/rows and $TMP/test.yml (one alert_rule_test per rule and 5 s grid
# time); sets rules (alert names), nfiring, nrules, nrules_fired.
promtool_tests() {
# Rows: time,alert,"labels",state,value -> time|alert|labels|state|value.
sed -E '1d; s/^([^,]*),([^,]*),"(.*)",([a-z]+),([^,]*)$/\1|\2|\3|\4|\5/; s/""/"/g' \
    "$TMP/timeline.csv" > "$TMP/rows"
rules=$(sed -n 's/^      - alert: //p' "$TMP/rules.yml")
nfiring=$(awk -F'|' '$4 == "firing"' "$TMP/rows" | wc -l)
nrules=$(echo "$rules" | wc -l)
nrules_fired=$(awk -F'|' '$4 == "firing" { print $2 }' "$TMP/rows" | sort -u | wc -l)
{
    echo "rule_files: [rules.yml]"
    echo "evaluation_interval: 5s"
    echo "tests:"
    echo "  - interval: 1s"
    echo "    input_series:"
    cat "$TMP/input.yml"
    echo "    alert_rule_test:"
    awk -F'|' -v rules="$rules" '
        $4 == "firing" {
            l = $3; sub(/^\{/, "", l); sub(/\}$/, "", l);
            n = split(l, kv, ","); s = "";
            for (k = 1; k <= n; k++) {
                split(kv[k], p, "=");
                if (p[1] == "alertname") continue;
                s = s (s == "" ? "" : ", ") p[1] ": " p[2];
            }
            key = ($1 + 0) SUBSEP $2;
            want[key] = want[key] sprintf("          - exp_labels: {%s}\n            exp_annotations: {value: \"%.17g\"}\n", s, $5 + 0);
        }
        END {
            nr = split(rules, r, "\n");
            for (t = 0; t <= 600; t += 5)
                for (i = 1; i <= nr; i++) {
                    printf "      - eval_time: %ds\n        alertname: %s\n", t, r[i];
                    key = t SUBSEP r[i];
                    if (key in want) printf "        exp_alerts:\n%s", want[key];
                    else print "        exp_alerts: []";
                }
        }' "$TMP/rows"
} > "$TMP/test.yml"

}

# promtool_compare: run promtool on $TMP/test.yml; ok/fail, then check that
# a deliberately wrong value is caught.
promtool_compare() {
# promtool compares exactly.  The one allowed difference (the issue's
# acceptance rule) is the last bit of avg() over three or more series, which
# depends on the order the series were created in -- random in promtool.  So
# a failure report is accepted when every mismatch has the same alerts (same
# label sets) and values within 1e-15 relative.
# promtool's failure report -> "bad=N lastbit=M" (see above).
verdict() {
    awk '
        function flush(   i, d) {
            if (hdr == "") return;
            blocks++;
            if (ne != ng || ne == 0) { bad++; print "count differs: " hdr; }
            for (i = 1; i <= ne && ne == ng; i++) {
                d = ev[i] - gv[i]; if (d < 0) d = -d;
                if (el[i] != gl[i] || ev[i] == "" || d > 1e-15 * (gv[i] < 0 ? -gv[i] : gv[i])) {
                    bad++; print "differs: " hdr " " el[i] " " ev[i] " vs " gl[i] " " gv[i];
                } else if (ev[i] != gv[i]) lastbit++;
            }
            hdr = ""; ne = ng = 0;
        }
        /^ *alertname: .*time:/ { flush(); hdr = $0; mode = "" }
        /exp:\[/ { mode = "exp" }
        /got:\[/ { mode = "got" }
        /Labels:\{/ { l = $0; sub(/^ *Labels:/, "", l); if (mode == "exp") el[++ne] = l; else gl[++ng] = l }
        /Annotations:\{value="/ { v = $0; sub(/.*value="/, "", v); sub(/".*/, "", v);
                                   if (mode == "exp") ev[ne] = v; else gv[ng] = v }
        END { flush(); if (!blocks) print "no comparison in the report"; printf "bad=%d lastbit=%d\n", bad + !blocks, lastbit }
    ' "$1"
}

if (cd "$TMP" && promtool test rules test.yml > promtool.out 2>&1); then
    ok "promtool agrees on every rule at every 5 s"
else
    verdict=$(verdict "$TMP/promtool.out")
    if echo "$verdict" | grep -q '^bad=0 '; then
        ok "promtool agrees on every rule at every 5 s ($(echo "$verdict" | sed -n 's/.*lastbit=//p') values differ in the last bit of avg())"
    else
        fail "promtool disagrees" "$(echo "$verdict" | head -20; head -30 "$TMP/promtool.out")"
    fi
fi

# A deliberately wrong expectation must fail, or the comparison proves nothing.
sed '0,/exp_annotations: {value: "/s//exp_annotations: {value: "9/' "$TMP/test.yml" > "$TMP/bad.yml"
if (cd "$TMP" && promtool test rules bad.yml > bad.out 2>&1); then
    fail "promtool accepts a wrong value"
else
    v=$(verdict "$TMP/bad.out" | tail -1)
    expect "a wrong value is caught, by promtool and by the tolerant reading ($v)" \
        sh -c "echo '$v' | grep -q '^bad=[1-9]'"
fi

}
