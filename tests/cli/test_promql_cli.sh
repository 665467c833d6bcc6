#!/bin/bash
# test_promql_cli.sh -- `autoscale-sim promql` as a command: input formats,
# output formats, options, and bad input (exit 2 naming file and line, or the
# JSON path, or the position in the expression).  Values here are the
# semantics.md examples, so they are justified independently of the program;
# the comparison with real Prometheus is test_promql_vs_prometheus.sh.
. "$(dirname "$0")/lib.sh"

P() { "$BIN" promql "$@"; }

cat > "$TMP/a.csv" <<'EOF'
series,timestamp,value
webapp_response_time_seconds{instance="app-1:8080"},0,0.12
webapp_response_time_seconds{instance="app-1:8080"},5,0.15
webapp_response_time_seconds{instance="app-1:8080"},10,0.11
webapp_response_time_seconds{instance="app-1:8080"},15,0.18
webapp_response_time_seconds{instance="app-1:8080"},20,0.22
webapp_response_time_seconds{instance="app-1:8080"},25,0.19
webapp_response_time_seconds{instance="app-1:8080"},30,0.25
"webapp_response_time_seconds{instance=""app-2:8080""}",0.5,0.7
webapp_response_time_seconds{instance="app-2:8080"},30.5,stale
up{instance="app-1:8080",job="w"},30,1
dup_of_rt{instance="app-1:8080"},30,2
EOF

out=$(P --series "$TMP/a.csv" --at 30 'avg_over_time(webapp_response_time_seconds{instance="app-1:8080"}[30s])')
expect "kahan_mean_text" [ "$out" = '{instance="app-1:8080"} 0.17428571428571427' ]
out=$(P --series "$TMP/a.csv" --at 30 --format json 'avg_over_time(webapp_response_time_seconds{instance="app-1:8080"}[30s])')
expect "kahan_mean_json" [ "$out" = '{"resultType":"vector","result":[{"metric":{"instance":"app-1:8080"},"value":[30,"0.17428571428571427"]}]}' ]
out=$(P --series "$TMP/a.csv" --at 30.5 --format json 'up')
expect "json_time_millis" [ "$out" = '{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"app-1:8080","job":"w"},"value":[30.500,"1"]}]}' ]
out=$(P --series "$TMP/a.csv" --at 30.5 --format json 'time()')
expect "json_scalar" [ "$out" = '{"resultType":"scalar","result":[30.5,"30.5"]}' ]
out=$(P --series "$TMP/a.csv" --at 30 'count_over_time(webapp_response_time_seconds[30s])')
expect "closed_window_7_samples" [ "$out" = '{instance="app-1:8080"} 7
{instance="app-2:8080"} 1' ]
# the marker at 30.5 hides app-2 from instant selectors, the 5 m lookback is closed
out=$(P --series "$TMP/a.csv" --at 30.4 'webapp_response_time_seconds{instance="app-2:8080"}')
expect "before_marker" [ "$out" = 'webapp_response_time_seconds{instance="app-2:8080"} 0.7' ]
out=$(P --series "$TMP/a.csv" --at 30.5 'webapp_response_time_seconds{instance="app-2:8080"}')
expect "after_marker_empty" [ -z "$out" ]
out=$(P --series "$TMP/a.csv" --at 330 'up')
expect "lookback_closed" [ "$out" = 'up{instance="app-1:8080",job="w"} 1' ]
out=$(P --series "$TMP/a.csv" --at 330.001 'up')
expect "lookback_over" [ -z "$out" ]
out=$(P --series "$TMP/a.csv" --at 331 --lookback 6m 'up')
expect "lookback_option" [ "$out" = 'up{instance="app-1:8080",job="w"} 1' ]
out=$(P --series "$TMP/a.csv" --at 1970-01-01T00:00:30Z 'up')
expect "rfc3339_time" [ "$out" = 'up{instance="app-1:8080",job="w"} 1' ]
out=$(P --series "$TMP/a.csv" --start 20 --end 30 --step 5 'sum(up) or vector(0)')
expect "range_text" [ "$out" = '{} 0 @20
{} 0 @25
{} 1 @30' ]
out=$(P --series "$TMP/a.csv" --start 25 --end 30 --step 5s --format json 'webapp_response_time_seconds')
expect "range_json_sorted" [ "$out" = '{"resultType":"matrix","result":[{"metric":{"__name__":"webapp_response_time_seconds","instance":"app-1:8080"},"values":[[25,"0.19"],[30,"0.25"]]},{"metric":{"__name__":"webapp_response_time_seconds","instance":"app-2:8080"},"values":[[25,"0.7"],[30,"0.7"]]}]}' ]
out=$(P --series "$TMP/a.csv" --at 30 'up[1m]')
expect "matrix_text" [ "$out" = 'up{instance="app-1:8080",job="w"} 1 @30' ]
out=$(P --series "$TMP/a.csv" --at 30 -- '-up')
expect "expression_after_dashdash" [ "$out" = '{instance="app-1:8080",job="w"} -1' ]

# query_range JSON as input (the whole response, or only its data object)
cat > "$TMP/r.json" <<'EOF'
{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"__name__":"m","instance":"a"},"values":[[0,"0.7"],[5,"0.7"],[10,"0.7"],[15,"0.7"],[20,"0.7"],[25,"0.7"],[30,"0.7"]]}]}}
EOF
out=$(P --series "$TMP/r.json" --at 30 'avg_over_time(m[30s]) > 0.7')
expect "json_input_seven_07_not_above" [ -z "$out" ]
out=$(P --series "$TMP/r.json" --at 30 'avg_over_time(m[30s])')
expect "json_input_seven_07" [ "$out" = '{instance="a"} 0.7' ]
printf '{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[12.5,"+Inf"]}]}' > "$TMP/v.json"
out=$(P --series "$TMP/v.json" --at 13 '{a="b"}')
expect "json_vector_input" [ "$out" = '{a="b"} +Inf' ]

# bad input: exit 2, message with file:line / JSON path / position
bad() {  # name expected-substring args...
    local name=$1 want=$2; shift 2
    P "$@" > "$TMP/out" 2> "$TMP/err"; local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$TMP/err"; then ok "$name"
    else fail "$name" "exit $rc, stderr: $(head -c 300 "$TMP/err") (want: $want)"; fi
}
printf 'series,timestamp,value\nx,1,5\nx,2,abc\n' > "$TMP/b1.csv"
bad "csv_bad_value" "b1.csv:3: value: cannot parse \"abc\"" --series "$TMP/b1.csv" --at 1 x
printf 'x,1,5\nx,1,6\n' > "$TMP/b2.csv"
bad "csv_duplicate_timestamp" "b2.csv:2: duplicate timestamp" --series "$TMP/b2.csv" --at 1 x
printf 'x{a="1",1\n' > "$TMP/b3.csv"
bad "csv_bad_series" "b3.csv:1: " --series "$TMP/b3.csv" --at 1 x
printf 'x,1\n' > "$TMP/b4.csv"
bad "csv_field_count" "b4.csv:1: expected 3 fields" --series "$TMP/b4.csv" --at 1 x
printf 'x,yesterday,1\n' > "$TMP/b5.csv"
bad "csv_bad_time" "b5.csv:1: timestamp" --series "$TMP/b5.csv" --at 1 x
printf '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}' > "$TMP/b6.json"
bad "json_path" '$.data.result[0].values[0][1]' --series "$TMP/b6.json" --at 1 x
printf '{"status":"error","error":"boom"}' > "$TMP/b7.json"
bad "json_error_response" 'boom' --series "$TMP/b7.json" --at 1 x
printf '{"data": [' > "$TMP/b8.json"
bad "json_syntax" 'b8.json:1: invalid JSON' --series "$TMP/b8.json" --at 1 x
bad "expr_position" "position 6: expected type range vector" --series "$TMP/a.csv" --at 1 'rate(x)'
bad "range_of_matrix" 'range vector' --series "$TMP/a.csv" --start 0 --end 1 --step 1 'up[1m]'
bad "no_series" '--series FILE is required' --at 1 x
bad "no_time" 'give --at T' --series "$TMP/a.csv" x
bad "both_times" 'either --at or' --series "$TMP/a.csv" --at 1 --start 0 --end 1 --step 1 x
bad "bad_step" 'zero or negative' --series "$TMP/a.csv" --start 0 --end 1 --step 0 x
bad "too_many_points" '11,000' --series "$TMP/a.csv" --start 0 --end 100000 --step 1 x
bad "bad_format" '--format' --series "$TMP/a.csv" --at 1 --format xml x
bad "two_expressions" 'exactly one expression' --series "$TMP/a.csv" --at 1 x y
bad "execution_error" 'execution: vector cannot contain metrics with the same labelset' \
    --series "$TMP/a.csv" --at 30 'abs({__name__=~"dup_of_rt|webapp_response_time_seconds"})'
P --series "$TMP/nonexistent.csv" --at 1 x 2> "$TMP/err"; rc=$?
expect "missing_file_exit_2 (bad input, as for every command)" [ $rc -eq 2 ]
out=$(P --help); rc=$?
case $out in *"--series FILE"*) expect "help" [ $rc -eq 0 ] ;; *) fail help "no usage text" ;; esac
finish
