#!/bin/bash
# test_cli_errors.sh -- bad input on the command line and in scenario files:
# one clear message (file, JSON path, problem), exit status 2, and no output
# directory left behind.  Also --help on every command, and the driver's own
# usage errors.
. "$(dirname "$0")/lib.sh"

OUT="$TMP/out"          # every failing run is pointed here (or at results/<name>)

# run_bad NAME EXPECTED-FRAGMENT ARGS...: exit 2, fragment on stderr, the
# "autoscale-sim run: error:" prefix, nothing on stdout, no $OUT.
run_bad() {
    local name=$1 frag=$2; shift 2
    rm -rf "$OUT"
    "$BIN" run "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    local rc=$?
    if [ $rc -ne 2 ]; then fail "$name" "exit $rc, not 2: $(head -3 "$TMP/stderr")"; return; fi
    if ! grep -qF -- "$frag" "$TMP/stderr"; then fail "$name" "stderr lacks '$frag': $(cat "$TMP/stderr")"; return; fi
    if ! grep -q '^autoscale-sim run: error: ' "$TMP/stderr"; then fail "$name" "no error prefix: $(cat "$TMP/stderr")"; return; fi
    if [ -s "$TMP/stdout" ]; then fail "$name" "output on stdout: $(head -3 "$TMP/stdout")"; return; fi
    if [ -e "$OUT" ]; then fail "$name" "output directory left behind"; return; fi
    ok "$name"
}

scenario() {  # scenario FILE JSON
    printf '%s\n' "$2" >"$TMP/$1"
}

# --- scenario files ----------------------------------------------------------
run_bad missing_file "$TMP/nope.json: cannot open" "$TMP/nope.json" --out "$OUT"

# The value is missing where '}' stands: line 3, column 8.
printf '{\n  "duration": 10,\n  "x": }\n' >"$TMP/malformed.json"
run_bad malformed_json "$TMP/malformed.json:3:8: malformed JSON" "$TMP/malformed.json" --out "$OUT"

scenario unknown.json '{"scaler": {"max_replica": 3}}'
run_bad unknown_key "$TMP/unknown.json: \$.scaler.max_replica: unknown setting (did you mean max_replicas?)" \
    "$TMP/unknown.json" --out "$OUT"

scenario section.json '{"scalr": {}}'
run_bad unknown_section "\$.scalr: unknown section (did you mean scaler?)" "$TMP/section.json" --out "$OUT"

scenario type.json '{"app": {"workers": "four"}}'
run_bad wrong_type "$TMP/type.json: \$.app.workers: expected an integer, got a string" "$TMP/type.json" --out "$OUT"

scenario minmax.json '{"scaler": {"min_replicas": 5, "max_replicas": 3}}'
run_bad min_gt_max "$TMP/minmax.json: \$.scaler.min_replicas: 5 is greater than \$.scaler.max_replicas (3)" \
    "$TMP/minmax.json" --out "$OUT"

scenario rate.json '{"traffic": {"profile": [{"type": "constant", "duration": 10, "rate": 5}, {"type": "step", "duration": 10, "rate": -3}]}}'
run_bad negative_rate "$TMP/rate.json: \$.traffic.profile[1].rate: -3 is out of range (must be >= 0)" \
    "$TMP/rate.json" --out "$OUT"

scenario thr.json '{"scaler": {"scale_up_threshold": 0.3, "scale_down_threshold": 0.3}}'
run_bad threshold_down_ge_up "\$.scaler.scale_down_threshold: 0.3 must be below \$.scaler.scale_up_threshold" \
    "$TMP/thr.json" --out "$OUT"

scenario range.json '{"duration": -60}'
run_bad out_of_range "\$.duration: -60 is out of range" "$TMP/range.json" --out "$OUT"

scenario array.json '[1, 2, 3]'
run_bad not_an_object "\$: expected a JSON object" "$TMP/array.json" --out "$OUT"

# The default output directory (results/<name>/) is not created either.
NAME="cli-errors-$$"
scenario named.json "{\"name\": \"$NAME\", \"scaler\": {\"min_replicas\": 9}}"
rm -rf "$OUT"
"$BIN" run "$TMP/named.json" >/dev/null 2>&1
rc=$?
expect default_dir_not_created test $rc -eq 2 -a ! -e "results/$NAME"

# --- --set and options -----------------------------------------------------------
run_bad set_unknown "\$.scaler.max_replica: unknown setting (did you mean max_replicas?)" \
    --set scaler.max_replica=3 --out "$OUT"
run_bad set_bad_int "--set: \$.scaler.max_replicas: 'many' is not an integer" --set scaler.max_replicas=many --out "$OUT"
run_bad set_bad_enum "unknown value 'rr'" --set balancer.policy=rr --out "$OUT"
run_bad set_no_equals "expected key.path=value" --set scaler.max_replicas --out "$OUT"
run_bad set_bad_json "\$.traffic.profile" --set 'traffic.profile=[{"type":' --out "$OUT"
run_bad set_contradiction "--set: \$.scaler.min_replicas: 7 is greater" --set scaler.min_replicas=7 --out "$OUT"
run_bad bad_query "--set: \$.scaler.query" --set 'scaler.query=avg_over_time((' --out "$OUT"
run_bad bad_seed "\$.seed: 'x1' is not a non-negative integer" --seed x1 --out "$OUT"
run_bad bad_duration "\$.duration: 0 is out of range" --duration 0 --out "$OUT"
run_bad bad_export "unknown format 'csv'" --export csv --out "$OUT"
run_bad unknown_option "unknown option '--frobnicate'" --frobnicate --out "$OUT"
run_bad missing_value "option '--seed' needs a value" --out "$OUT" --seed
run_bad two_scenarios "more than one scenario" scenarios/spike.json scenarios/ramp.json --out "$OUT"

# --- the driver --------------------------------------------------------------------
"$BIN" >/dev/null 2>"$TMP/stderr"; rc=$?
expect no_command test $rc -eq 2 -a -s "$TMP/stderr"
"$BIN" frobnicate >/dev/null 2>"$TMP/stderr"; rc=$?
expect unknown_command test $rc -eq 2
expect unknown_command_msg grep -q "unknown command 'frobnicate'" "$TMP/stderr"
"$BIN" --help >"$TMP/stdout" 2>&1; rc=$?
expect main_help test $rc -eq 0
for c in run settings promql replay alerts trace plot compare report sweep merge tune version help; do
    expect "main_help_lists_$c" grep -q "^  $c " "$TMP/stdout"
done
"$BIN" --version >"$TMP/stdout"; rc=$?
expect version test $rc -eq 0
expect version_text grep -qE '^autoscale-sim [0-9]+\.[0-9]+' "$TMP/stdout"

# --help on every command: usage on stdout and exit 0 (every command is an
# ordinary symbol: a build without one does not link).
for c in run settings promql replay alerts trace plot compare report sweep merge tune version help; do
    "$BIN" "$c" --help >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
    if [ $rc -eq 0 ] && grep -qi 'usage' "$TMP/stdout"; then
        ok "help_$c"
    else
        fail "help_$c" "exit $rc: $(head -2 "$TMP/stderr")"
    fi
done
"$BIN" help run >"$TMP/stdout"; rc=$?
expect help_run test $rc -eq 0
expect help_run_text grep -q 'usage: autoscale-sim run' "$TMP/stdout"

# --- settings --------------------------------------------------------------------------
"$BIN" settings --markdown >"$TMP/stdout"; rc=$?
expect settings_markdown test $rc -eq 0
expect settings_markdown_row grep -qF '| `scaler.max_replicas` | integer | `6` |' "$TMP/stdout"
# doc/settings.md carries the generated table: it must match the program.
grep '^|' doc/settings.md >"$TMP/doc_table"
expect settings_doc_current cmp -s "$TMP/doc_table" "$TMP/stdout"
[ -f "$TMP/doc_table" ] && ! cmp -s "$TMP/doc_table" "$TMP/stdout" &&
    echo "  doc/settings.md is stale: run scripts/update_settings_doc.sh"
"$BIN" settings --json "$TMP/unknown.json" >/dev/null 2>"$TMP/stderr"; rc=$?
expect settings_json_bad test $rc -eq 2
expect settings_json_msg grep -qF 'did you mean max_replicas?' "$TMP/stderr"
# The resolved scenario is itself a valid scenario with the same settings.
"$BIN" settings --json scenarios/spike.json --set scaler.max_replicas=4 >"$TMP/resolved.json"; rc=$?
"$BIN" settings --json "$TMP/resolved.json" >"$TMP/resolved2.json"; rc2=$?
expect settings_json_round_trip test $rc -eq 0 -a $rc2 -eq 0
expect settings_json_same cmp -s "$TMP/resolved.json" "$TMP/resolved2.json"
expect settings_json_set grep -q '"max_replicas":[[:space:]]*4' "$TMP/resolved.json"

# --- a good run, for contrast: the directory appears, with the files -----------------
"$BIN" run --out "$OUT/ok" --duration 120 >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
expect good_run test $rc -eq 0
expect good_run_summary test -s "$OUT/ok/summary.json"
expect good_run_default_scenario grep -q '"scenario":[[:space:]]*"manual"' "$OUT/ok/summary.json"
expect good_run_stdout grep -q 'requests' "$TMP/stdout"
"$BIN" run --quiet --out "$OUT/q" --duration 20 >"$TMP/stdout" 2>&1; rc=$?
expect quiet_run test $rc -eq 0 -a ! -s "$TMP/stdout"

# --- error classes: a runtime error (a trace that cannot be read) exits 1, ---------
# --- never 2, and leaves no output directory behind ---------------------------------
mkdir -p "$TMP/a_dir"
printf '{"traces": [{"path": "%s", "format": "timestamps"}]}' "$TMP/a_dir" > "$TMP/dirtrace.json"
"$BIN" run "$TMP/dirtrace.json" -q --out "$OUT/dirtrace" >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
expect runtime_error_exit_1 test $rc -eq 1
expect runtime_error_names_file grep -q "a_dir" "$TMP/stderr"
expect runtime_error_no_output not test -e "$OUT/dirtrace/summary.json"

# --- durations as Prometheus writes them, in settings and options -------------------
"$BIN" run -q --out "$OUT/dur" --set duration=1m30s --set scaler.check_interval=15s >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
expect duration_set_ok test $rc -eq 0
expect duration_set_rows test "$(($(wc -l < "$OUT/dur/timeseries.csv") - 1))" -eq 90
expect duration_set_interval grep -q '^15.000,check' "$OUT/dur/events.csv"
"$BIN" run -q --out "$OUT/dur2" --set duration=90 --set scaler.check_interval=15 >/dev/null 2>&1
expect duration_same_as_seconds cmp -s "$OUT/dur/events.csv" "$OUT/dur2/events.csv"
"$BIN" run -q --out "$OUT/dur3" --set duration=1m30x >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
expect duration_bad_exit_2 test $rc -eq 2
expect duration_bad_message grep -q "\$.duration: '1m30x' is not a number of seconds or a duration" "$TMP/stderr"
"$BIN" run -q --out "$OUT/st" --set start_time=2024-02-30T00:00:00Z >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
expect start_time_no_such_day test $rc -eq 2
expect start_time_message grep -q "start_time: '2024-02-30T00:00:00Z' is not an RFC 3339 time" "$TMP/stderr"

finish
