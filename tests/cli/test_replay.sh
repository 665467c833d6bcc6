#!/bin/bash
# test_replay.sh -- `autoscale-sim replay` on a hand-worked series, as CSV and
# as a Prometheus query_range JSON response, plus its input errors.
#
# The expected decisions, worked by hand from the seed policy (thresholds
# 0.6/0.2, 2 high / 3 low checks, cooldowns 30/60 s after the acting check,
# step 1, min 1) with max_replicas 3, initial 1, checks every 10 s:
#   0   0.7  hold (high 1)          10  0.8  scale_up 1->2 (high 2)
#   20  0.7  hold (high 1)          30  0.9  cooldown (20 s < 30 s)
#   40  0.9  scale_up 2->3 (30 s)   50  0.9  hold (high 1)
#   60  0.9  at_max                 70  0.4  hold (counters reset)
#   80  0.9  hold (high 1, not 3: the reset)
#   90  NaN  no_data                100 ''   no_data
#   110,120 0.1 hold (low 1, 2)     130 0.1  scale_down 3->2 (90 s >= 60 s)
#   140,150 hold                    160,170,180 cooldown (30, 40, 50 s < 60 s)
#   190 scale_down 2->1 (60 s)      200,210 hold   220 at_min
. "$(dirname "$0")/lib.sh"

cat > "$TMP/m.csv" <<'EOF'
timestamp,value
0,0.7
10,0.8
20,0.7
30,0.9
40,0.9
50,0.9
60,0.9
70,0.4
80,0.9
90,NaN
100,
110,0.1
120,0.1
130,0.1
140,0.1
150,0.1
160,0.1
170,0.1
180,0.1
190,0.1
200,0.1
210,0.1
220,0.1
EOF
cat > "$TMP/want" <<'EOF'
0,1,hold,1
10,1,scale_up,2
20,2,hold,2
30,2,cooldown,2
40,2,scale_up,3
50,3,hold,3
60,3,at_max,3
70,3,hold,3
80,3,hold,3
90,3,no_data,3
100,3,no_data,3
110,3,hold,3
120,3,hold,3
130,3,scale_down,2
140,2,hold,2
150,2,hold,2
160,2,cooldown,2
170,2,cooldown,2
180,2,cooldown,2
190,2,scale_down,1
200,1,hold,1
210,1,hold,1
220,1,at_min,1
EOF
# time,replicas_before,decision,replicas_after (the reason is the policy's prose)
cols() { awk -F, 'NR > 1 { print $1 "," $3 "," $4 "," $5 }' "$1"; }

"$BIN" replay --metrics "$TMP/m.csv" --set scaler.max_replicas=3 > "$TMP/out.csv" 2> "$TMP/err"
expect "csv: exit 0" test $? -eq 0
expect "csv: header" test "$(head -1 "$TMP/out.csv")" = "time,metric,replicas_before,decision,replicas_after,reason"
cols "$TMP/out.csv" > "$TMP/got"
expect "csv: decisions as worked by hand" diff "$TMP/want" "$TMP/got"
expect "csv: metric column empty for no data" test "$(awk -F, '$4 == "no_data" && $2 != ""' "$TMP/out.csv" | wc -l)" -eq 0
expect "csv: summary on stderr" grep -q "2 scale-ups, 2 scale-downs, 2 no-data checks; 1 replicas at the end" "$TMP/err"

# The same through a scenario file, and -o (the file is written atomically).
echo '{"scaler": {"max_replicas": 3}}' > "$TMP/scen.json"
"$BIN" replay "$TMP/scen.json" --metrics "$TMP/m.csv" -o "$TMP/o.csv" -q > "$TMP/stdout" 2> "$TMP/err"
expect "scenario + -o: exit 0, nothing on stdout or stderr" test $? -eq 0 -a ! -s "$TMP/stdout" -a ! -s "$TMP/err"
expect "scenario + -o: same rows" cmp "$TMP/out.csv" "$TMP/o.csv"

# query_range JSON: Unix times; NaN at 90; the step at 100 missing (as
# Prometheus leaves out steps without data), restored with --step 10.
awk -F, 'NR > 1 && $1 != 100 {
    v = ($2 == "NaN") ? "NaN" : $2
    s = s (s ? "," : "") "[" 1705312800 + $1 ",\"" v "\"]"
} END {
    print "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" \
          "{\"metric\":{\"job\":\"webapp\"},\"values\":[" s "]}]}}"
}' "$TMP/m.csv" > "$TMP/m.json"
"$BIN" replay --metrics "$TMP/m.json" --step 10 --set scaler.max_replicas=3 -q > "$TMP/j.csv"
expect "json: exit 0" test $? -eq 0
awk -F, '{ $1 = $1 + 1705312800; print }' OFS=, "$TMP/want" > "$TMP/wantj"
cols "$TMP/j.csv" > "$TMP/gotj"
expect "json + --step: same decisions at Unix times" diff "$TMP/wantj" "$TMP/gotj"
"$BIN" replay --metrics "$TMP/m.json" --set scaler.max_replicas=3 -q > "$TMP/j2.csv"
expect "json without --step: one row per sample (22)" test "$(($(wc -l < "$TMP/j2.csv") - 1))" -eq 22

# The promql command's series CSV (one series) is accepted too.
awk -F, 'NR == 1 { print "series,timestamp,value"; next }
         { v = $2 == "" ? "NaN" : $2; print "\"x{job=\"\"w\"\"}\"," $1 "," v }' "$TMP/m.csv" > "$TMP/s.csv"
"$BIN" replay --metrics "$TMP/s.csv" --set scaler.max_replicas=3 -q > "$TMP/s.out"
cols "$TMP/s.out" > "$TMP/gots"
expect "series csv: same decisions" diff "$TMP/want" "$TMP/gots"

# Several series are the query's vector: single-number policies get it
# reduced by scaler.reduce (avg of 1 and 2 at t=1; only b at t=2).
echo '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"]]},{"metric":{"a":"2"},"values":[[1,"2"],[2,"0.1"]]}]}}' > "$TMP/two.json"
"$BIN" replay --metrics "$TMP/two.json" -q > "$TMP/two.out"
expect "two series: avg per check (1.5, then 0.1)" \
    test "$(cut -d, -f1,2 "$TMP/two.out" | tr '\n' ' ')" = "time,metric 1,1.5 2,0.1 "
"$BIN" replay --metrics "$TMP/two.json" --set scaler.reduce=max -q > "$TMP/two.out"
expect "two series: scaler.reduce=max" test "$(sed -n 2p "$TMP/two.out" | cut -d, -f2)" = "2"

# The Kubernetes HPA (scaler.policy=hpa, metric_type pods, target averageValue
# 0.6, tolerance 0.1, 300 s downscale stabilisation, no behavior) over a
# query_range matrix with one series per pod, worked by hand from
# replica_calculator.go / horizontal.go:
#   0    0.6, 0.6   ratio 1.0: hold 2
#   15   0.66,0.66  ratio 660m/600m = 1.1: inside the tolerance (edge): hold 2
#   30.. 0.3, 0.3   ratio 0.5 -> ceil(0.5 x 2) = 1, but the max recommendation
#                   not older than 300 s is 2 (the one of t=15 still counts at
#                   315: Before(cutoff) is strict): hold 2 up to 315
#   330             the t=15 recommendation is out: scale_down 2 -> 1
#   345, 360        ratio 0.5 x 2 pods reporting -> 1: hold 1
hpa_json() {  # file, then "t v1 v2" lines on stdin (v2 "-" for one series)
    awk 'BEGIN { n = 0 } { t[n] = $1; a[n] = $2; b[n] = $3; n++ }
         END { printf "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
               printf "{\"metric\":{\"__name__\":\"rt\",\"instance\":\"a:8080\"},\"values\":["
               for (i = 0; i < n; i++) printf "%s[%s,\"%s\"]", i ? "," : "", t[i], a[i]
               printf "]}"
               if (b[0] != "-") {
                   printf ",{\"metric\":{\"__name__\":\"rt\",\"instance\":\"b:8080\"},\"values\":["
                   for (i = 0; i < n; i++) printf "%s[%s,\"%s\"]", i ? "," : "", t[i], b[i]
                   printf "]}"
               }
               print "]}}" }' > "$1"
}
{ echo "0 0.6 0.6"; echo "15 0.66 0.66"; for t in $(seq 30 15 360); do echo "$t 0.3 0.3"; done; } |
    hpa_json "$TMP/hpa2.json"
"$BIN" replay --metrics "$TMP/hpa2.json" --set scaler.policy=hpa --set container.initial_replicas=2 \
    --set scaler.max_replicas=20 -q > "$TMP/hpa2.out"
expect "hpa: exit 0" test $? -eq 0
expect "hpa: never no_data" not grep -q no_data "$TMP/hpa2.out"
cut -d, -f1,4,5 "$TMP/hpa2.out" | awk -F, 'NR > 1 && ($3 != 2 || $2 != "hold")' > "$TMP/hpa2.x"
printf '330,scale_down,1\n345,hold,1\n360,hold,1\n' > "$TMP/hpa2.want"
expect "hpa: hold at 2 (tolerance edge, stabilisation) until 330 s, then 1" diff "$TMP/hpa2.want" "$TMP/hpa2.x"
expect "hpa: 1.1 is within the tolerance" grep -q '^15,0.66,2,hold,2,.*ratio 1.100 within tolerance' "$TMP/hpa2.out"
expect "hpa: 315 s still stabilised" grep -q '^315,.*,hold,2,.*stabilized 2' "$TMP/hpa2.out"

# One series with a per-pod policy: every ready pod has that value.  From 1
# replica at 10x the target: 1 -> 4 (max(2 x 1, 4)) -> 8 -> 16 -> 20 (max).
{ for t in 0 15 30 45 60; do echo "$t 6 -"; done; } | hpa_json "$TMP/hpa1.json"
"$BIN" replay --metrics "$TMP/hpa1.json" --set scaler.policy=hpa --set scaler.max_replicas=20 -q > "$TMP/hpa1.out"
expect "hpa, one series: the 2x/4 scale-up limit, then maxReplicas" \
    test "$(cut -d, -f5 "$TMP/hpa1.out" | tr '\n' ' ')" = "replicas_after 4 8 16 20 20 "
# metric_type external sums the series as they are (no broadcast): 6 vs value 3 -> ratio 2
"$BIN" replay --metrics "$TMP/hpa1.json" --set scaler.policy=hpa --set hpa.metric_type=external \
    --set hpa.target_type=value --set hpa.target=3 --set scaler.max_replicas=20 -q > "$TMP/hpa3.out"
expect "hpa external, one series: 1 -> 2 (ratio 2)" test "$(sed -n 2p "$TMP/hpa3.out" | cut -d, -f5)" = "2"

# RFC 3339 timestamps
printf 'timestamp,value\n2024-01-15T10:00:00Z,0.7\n2024-01-15T10:00:10.5Z,0.7\n' > "$TMP/r.csv"
"$BIN" replay --metrics "$TMP/r.csv" -q > "$TMP/r.out"
expect "rfc3339: Unix seconds, second check scales up" \
    test "$(sed -n 3p "$TMP/r.out" | cut -d, -f1,4)" = "1705312810.5,scale_up"

# Errors: exit 2, a message naming the file and line, nothing on stdout.
err() {  # name, expected message part, args...
    local name=$1 want=$2; shift 2
    "$BIN" replay "$@" > "$TMP/eo" 2> "$TMP/ee"
    local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$TMP/ee" && [ ! -s "$TMP/eo" ]; then ok "$name"
    else fail "$name" "rc=$rc stderr=$(cat "$TMP/ee")"; fi
}
printf 'timestamp,value\n0,0.5\n10,abc\n' > "$TMP/b1.csv"
err "bad value names the line" "b1.csv:3: value: cannot parse \"abc\"" --metrics "$TMP/b1.csv"
printf '0,0.5\n10,0.5\n10,0.6\n' > "$TMP/b2.csv"
err "timestamps must increase" "b2.csv:3: timestamp 10 is not after" --metrics "$TMP/b2.csv"
printf '0,0.5\nsoon,0.5\n' > "$TMP/b3.csv"
err "bad timestamp" "b3.csv:2: timestamp: cannot parse \"soon\"" --metrics "$TMP/b3.csv"
printf '0,0.5,1,2\n' > "$TMP/b4.csv"
err "wrong field count" "b4.csv:1: expected 2 fields" --metrics "$TMP/b4.csv"
echo '{"status":"success","data":{"resultType":"matrix","result":[' > "$TMP/trunc.json"
err "truncated json" "trunc.json" --metrics "$TMP/trunc.json"
printf 'timestamp,value\n' > "$TMP/empty.csv"
err "no samples" "empty.csv: no samples" --metrics "$TMP/empty.csv"
err "missing file" "nope.csv" --metrics "$TMP/nope.csv"
err "--metrics is required" "--metrics FILE is required"
err "bad --step" "--step: 'x'" --metrics "$TMP/m.csv" --step x
err "unknown policy" "nosuch" --metrics "$TMP/m.csv" --set scaler.policy=nosuch
"$BIN" replay --help > "$TMP/h" 2>&1
expect "--help: exit 0, usage on stdout" sh -c "test $? -eq 0 && grep -q 'usage: autoscale-sim replay' '$TMP/h'"

finish
