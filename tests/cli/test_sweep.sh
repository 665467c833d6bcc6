#!/bin/bash
# test_sweep.sh -- `autoscale-sim sweep`, `merge` and `tune` end to end:
# usage errors, the files and their shapes, bad combinations recorded,
# resume after a cut (byte-identical result), a changed definition refused,
# sharding with GNU parallel merged byte-identically to one process, Ctrl-C
# leaves a valid resumable runs.csv, tune's outputs, the figures.
. "$(dirname "$0")/lib.sh"

# A short spike (120 s simulated) keeps each run around a millisecond.
SC=(scenarios/spike.json --duration 120)
GRID=(--grid scaler.scale_up_breaches=1:3:1 --grid 'scaler.scale_down_threshold=0.1,0.7' --reps 2 --skip-invalid)
OBJ=(--minimize replica_seconds --subject-to 'slo_violation_seconds<=60')

# 1. Usage errors: exit 2, a message naming the problem, nothing written.
$BIN sweep --help > "$TMP/help" 2>&1
expect "sweep --help exits 0" test $? -eq 0
expect "sweep --help documents --shard" grep -q -- "--shard K/N" "$TMP/help"
$BIN sweep "${SC[@]}" --grid scaler.max_replica=1,2 -o "$TMP/bad1" 2> "$TMP/err"; rc=$?
expect "unknown setting: exit 2" test $rc -eq 2
expect "... with a suggestion" grep -q "did you mean max_replicas" "$TMP/err"
expect "... and nothing written" test ! -e "$TMP/bad1"
$BIN sweep "${SC[@]}" -o "$TMP/bad2" 2> /dev/null
expect "nothing to sweep: exit 2" test $? -eq 2
$BIN sweep "${SC[@]}" --random scaler.scale_up_threshold=0.2:1 -o "$TMP/bad3" 2> /dev/null
expect "--random without --samples: exit 2" test $? -eq 2
$BIN sweep "${SC[@]}" "${GRID[@]}" --shard 3/2 -o "$TMP/bad4" 2> /dev/null
expect "--shard 3/2: exit 2" test $? -eq 2
$BIN sweep "${SC[@]}" "${GRID[@]}" --subject-to 'slo_violation_seconds=3' -o "$TMP/bad5" 2> /dev/null
expect "malformed --subject-to: exit 2" test $? -eq 2

# 2. A sweep: 6 configurations x 2 reps; 0.7 as scale-down threshold is above
#    the scale-up threshold (0.6): those 3 configurations are invalid.  They are
#    found before any run and refused (exit 2, nothing written) ...
$BIN sweep "${SC[@]}" "${GRID[@]:0:6}" "${OBJ[@]}" -o "$TMP/invalid" 2> "$TMP/err"; rc=$?
expect "invalid configurations refuse the sweep before any run: exit 2" test $rc -eq 2
expect "... saying how many and which" grep -q "3 of 6 configurations are invalid.*config 1 (scaler.scale_up_breaches=1, scaler.scale_down_threshold=0.7)" "$TMP/err"
expect "... and nothing written" test ! -e "$TMP/invalid"
#    ... or, with --skip-invalid, recorded as failed rows while the others run.
d=$TMP/whole
$BIN sweep "${SC[@]}" "${GRID[@]}" "${OBJ[@]}" -o "$d" -j 2 > "$TMP/out" 2> "$TMP/err"; rc=$?
expect "sweep --skip-invalid exits 0 despite failed combinations" test $rc -eq 0
expect "runs.csv: header + 12 rows" test "$(wc -l < "$d/runs.csv")" -eq 13
expect "runs.csv: the header starts config,rep,seed,<settings>,status,error" \
    grep -q '^config,rep,seed,scaler.scale_up_breaches,scaler.scale_down_threshold,status,error,requests,' "$d/runs.csv"
expect "runs.csv: 6 failed rows naming the setting" \
    test "$(grep -c ',error,.*scale_down_threshold' "$d/runs.csv")" -eq 6
expect "runs.csv: seeds are 1 and 2 for every configuration (common random numbers)" \
    test "$(cut -d, -f3 "$d/runs.csv" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" = "1:6 2:6 seed:1 "
expect "summary.csv: header + 6 configurations" test "$(wc -l < "$d/summary.csv")" -eq 7
expect "summary.csv: mean, sd and ci95 columns" grep -q 'replica_seconds_mean,replica_seconds_sd,replica_seconds_ci95' "$d/summary.csv"
# The CI half-width is t(0.975, 1) * sd / sqrt(2) = 12.7062 * sd / 1.4142 for 2 reps.
ci_ok=$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) {if ($i=="replica_seconds_sd") s=i; if ($i=="replica_seconds_ci95") c=i}; next}
                 $s != "" && $s > 0 {n++; r=$c/($s*12.7062/sqrt(2)); if (r < 0.9999 || r > 1.0001) bad++}
                 END {print (n > 0 && bad == 0) ? "yes" : "no"}' "$d/summary.csv")
expect "summary.csv: ci95 = t(0.975,1) sd / sqrt(n)" test "$ci_ok" = yes
expect "exactly one best configuration" test "$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="best") b=i; next} $b==1' "$d/summary.csv" | wc -l)" -eq 1
expect "a Pareto front is marked" test "$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="pareto") p=i; next} $p==1' "$d/summary.csv" | wc -l)" -ge 1
expect "the report names the best" grep -q "^best  *config" "$TMP/out"
expect "best.json exists" test -s "$d/best.json"
$BIN run "$d/best.json" -o "$TMP/bestrun" -q > /dev/null 2>&1
expect "best.json is a scenario that runs" test $? -eq 0
expect "best.json keeps a valid scale-down threshold" grep -q '"scale_down_threshold":[[:space:]]*0.1' "$d/best.json"

# 3. Resume: cut runs.csv after 5 rows plus half a row (as a kill would);
#    re-running the command finishes it, byte-identical to the full run.
r=$TMP/resume
mkdir -p "$r"
cp "$d/sweep.json" "$r/"
head -6 "$d/runs.csv" > "$r/runs.csv"
sed -n 7p "$d/runs.csv" | head -c 25 >> "$r/runs.csv"
$BIN sweep "${SC[@]}" "${GRID[@]}" "${OBJ[@]}" -o "$r" -j 2 > /dev/null 2> "$TMP/err"
expect "resume exits 0" test $? -eq 0
expect "resume says what was done" grep -q "resuming: 5 of 12 runs" "$TMP/err"
expect "resumed runs.csv is byte-identical" cmp -s "$d/runs.csv" "$r/runs.csv"
expect "resumed summary.csv is byte-identical" cmp -s "$d/summary.csv" "$r/summary.csv"
# Another definition in the same directory is refused.
$BIN sweep "${SC[@]}" "${GRID[@]}" --reps 3 -o "$d" 2> "$TMP/err" > /dev/null
expect "a different sweep in the same directory: exit 2" test $? -eq 2
expect "... naming the difference" grep -q "reps" "$TMP/err"

# 4. Sharding: 3 shards run by GNU parallel (sequentially without it), then
#    merged: the same bytes as the single-process sweep.
shard_cmd() { $BIN sweep "${SC[@]}" "${GRID[@]}" "${OBJ[@]}" -o "$TMP/shard$1" --shard "$1/3" -j 1 -q; }
if command -v parallel > /dev/null; then
    # parallel runs the command line through a shell: quote the constraint.
    parallel -j 3 --halt now,fail=1 "$BIN sweep ${SC[*]} ${GRID[*]} --minimize replica_seconds" \
        "--subject-to 'slo_violation_seconds<=60' -o $TMP/shard{} --shard {}/3 -j 1 -q" ::: 1 2 3
    expect "GNU parallel ran 3 shards" test $? -eq 0
else
    for k in 1 2 3; do shard_cmd $k; done
    ok "GNU parallel not installed: shards run one after another"
fi
$BIN merge "$TMP/shard1" "$TMP/shard3" "$TMP/shard2" -o "$TMP/merged" -q
expect "merge exits 0" test $? -eq 0
for f in runs.csv summary.csv best.json sweep.json; do
    expect "merged $f is byte-identical to the unsharded sweep" cmp -s "$d/$f" "$TMP/merged/$f"
done
$BIN merge "$TMP/shard1" "$TMP/shard2" -o "$TMP/merged2" 2> "$TMP/err"
expect "merge with a shard missing: exit 2" test $? -eq 2
expect "... naming it" grep -q "shard 3/3 is missing" "$TMP/err"
$BIN merge "$TMP/shard1" "$TMP/shard2" "$d" -o "$TMP/merged3" 2> /dev/null
expect "merge of a shard with another split: exit 2" test $? -eq 2

# 5. Ctrl-C (SIGINT) during a longer sweep: exit 1, a valid runs.csv, and
#    re-running completes it identically to an uninterrupted sweep.
BIG=(scenarios/spike.json --grid scaler.check_interval=1:40:1 --grid scaler.scale_up_cooldown=0,30 --reps 6)
$BIN sweep "${BIG[@]}" -o "$TMP/ref" -q
i=$TMP/intr
$BIN sweep "${BIG[@]}" -o "$i" -q -j 2 & pid=$!
# Interrupt once some rows are in (polling, so a fast machine is caught too).
for _ in $(seq 500); do
    [ "$(cat "$i/runs.csv" 2> /dev/null | wc -l)" -gt 20 ] && break
    kill -0 $pid 2> /dev/null || break
    sleep 0.01
done
kill -INT $pid 2> /dev/null; wait $pid; rc=$?
expect "interrupted sweep exits 1 (or 0 if it had finished)" test $rc -eq 1 -o $rc -eq 0
fields=$(awk -F, '{print NF}' "$i/runs.csv" | sort -u | wc -l)
expect "runs.csv after the interrupt: every line complete" test "$fields" -eq 1 -a "$(tail -c 1 "$i/runs.csv" | od -An -c | tr -d ' ')" = '\n'
sleep 0.1
expect "no worker process left behind" test -z "$(pgrep -f -- "-o $i " 2> /dev/null)"
$BIN sweep "${BIG[@]}" -o "$i" -q -j 2
expect "resumed after the interrupt: byte-identical" cmp -s "$TMP/ref/runs.csv" "$i/runs.csv"

# 6. tune: Nelder-Mead within a small budget; the path, fresh replications, best.json.
t=$TMP/tune
$BIN tune "${SC[@]}" --param scaler.check_interval=2:30 --param scaler.scale_up_breaches=1:4 \
    --minimize replica_seconds --budget 30 --reps 2 --fresh-reps 3 -o "$t" -q 2> "$TMP/err"
expect "tune exits 0" test $? -eq 0
n=$(($(wc -l < "$t/tune_path.csv") - 1))
expect "tune_path.csv: at least the first simplex (3 points), within the budget (15 points)" test $n -ge 3 -a $n -le 15
expect "tune respects the budget of runs" test "$(tail -1 "$t/tune_path.csv" | cut -d, -f5)" -le 30
expect "tune: integer parameter stays whole" test -z "$(cut -d, -f4 "$t/tune_path.csv" | tail -n +2 | grep -F .)"
expect "tune: fresh replications use seeds after the search's (3..5)" \
    test "$(tail -n +2 "$t/fresh/runs.csv" | cut -d, -f3 | tr '\n' ' ')" = "3 4 5 "
$BIN run "$t/best.json" -o "$TMP/tunerun" -q > /dev/null 2>&1
expect "tune's best.json runs" test $? -eq 0
$BIN tune "${SC[@]}" --param scaler.check_interval=2:30 --minimize replica_seconds --budget 3 --reps 2 -o "$TMP/t2" 2> /dev/null
expect "tune: budget below one simplex is a usage error" test $? -eq 2
$BIN tune "${SC[@]}" --param scaler.check_interval=2:30 --minimize replica_second --budget 8 --reps 2 -o "$TMP/t3" 2> "$TMP/err"
expect "tune: unknown metric is exit 2" test $? -eq 2
expect "... with a suggestion" grep -q "did you mean replica_seconds" "$TMP/err"

# 7. Figures (gnuplot): the re-run of a finished sweep only aggregates and draws.
if command -v gnuplot > /dev/null; then
    $BIN sweep "${SC[@]}" "${GRID[@]}" "${OBJ[@]}" -o "$d" --plot -q 2> "$TMP/err"
    expect "sweep --plot exits 0" test $? -eq 0
    png_ok=1
    for f in pareto heatmap ci-scaler.scale_up_breaches ci-scaler.scale_down_threshold; do
        [ "$(head -c 4 "$d/plots/$f.png" 2> /dev/null | od -An -c | tr -d ' ')" = '211PNG' ] || { png_ok=0; echo "  $f.png missing"; }
    done
    expect "pareto, heatmap and CI figures are PNG files" test $png_ok -eq 1
    expect "re-running a finished sweep runs nothing new" cmp -s "$d/runs.csv" "$r/runs.csv"
else
    skip "sweep figures" "gnuplot not installed"
fi
# 8. Report-ready answers (issue 13): names checked before any run, linked
#    axes, a distinct exit status when nothing is feasible.
for bad in "--minimize replica_second" "--subject-to slo_violation_second<=60" "--pareto cost,latency_p96" \
           "--plot-metric latency_p69"; do
    # shellcheck disable=SC2086
    $BIN sweep "${SC[@]}" --grid scaler.scale_up_breaches=1,2 --reps 2 $bad -o "$TMP/badmetric" -q 2> "$TMP/err"
    rc=$?
    expect "sweep $bad: exit 2" test $rc -eq 2
    expect "... before any run (nothing written)" test ! -e "$TMP/badmetric"
done
expect "... with a suggestion" grep -q "did you mean latency_p99" "$TMP/err"
$BIN tune "${SC[@]}" --param scaler.check_interval=2:30 --subject-to 'slo_violation_second<=1' \
    --minimize replica_seconds --budget 8 --reps 2 -o "$TMP/badtune" -q 2> "$TMP/err"
expect "tune: unknown constraint metric is exit 2 before any run" test $? -eq 2 -a ! -e "$TMP/badtune"
# Sweeping scaler.min_replicas: initial_replicas = 1 makes min 2..4 invalid ...
MIN=(--grid scaler.min_replicas=1:4:1 --grid scaler.scale_up_threshold=0.4,0.6 --reps 2 --minimize replica_seconds)
$BIN sweep "${SC[@]}" "${MIN[@]}" -o "$TMP/nolink" -q 2> "$TMP/err"
expect "min_replicas swept alone: exit 2 before any run" test $? -eq 2 -a ! -e "$TMP/nolink"
expect "... 6 of 8 invalid, suggesting --link" grep -q "6 of 8 configurations are invalid.*--link container.initial_replicas=scaler.min_replicas" "$TMP/err"
# ... and --link makes initial_replicas follow it: every configuration runs.
l=$TMP/link
$BIN sweep "${SC[@]}" "${MIN[@]}" --link container.initial_replicas=scaler.min_replicas -o "$l" -q --keep-runs
expect "linked sweep exits 0" test $? -eq 0
expect "linked sweep: 16 runs, none failed" \
    test "$(tail -n +2 "$l/runs.csv" | wc -l)" -eq 16 -a "$(tail -n +2 "$l/runs.csv" | grep -c ',error,')" -eq 0
follow=$(for k in 2 3 4 5 6 7; do
    python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['settings']; print(s['container']['initial_replicas'] == s['scaler']['min_replicas'])" "$l/runs/c$k-r0/summary.json"
done | sort -u)
expect "linked sweep: each run started with initial_replicas = its min_replicas" test "$follow" = True
expect "sweep.json records the link" grep -q '"from":[[:space:]]*"scaler.min_replicas"' "$l/sweep.json"
$BIN sweep "${SC[@]}" "${MIN[@]}" --link container.initial_replicas=scaler.max_replicas -o "$TMP/l2" -q 2> "$TMP/err"
expect "--link from a setting that is not swept: exit 2" test $? -eq 2
expect "... naming it" grep -q "scaler.max_replicas is not swept" "$TMP/err"
# Nothing feasible: exit 3 (documented), the answer files still written, no best.
$BIN sweep --help | grep -q "3 done but no configuration"
expect "sweep --help documents exit status 3" test $? -eq 0
$BIN tune --help | grep -q "3 done but no"
expect "tune --help documents exit status 3" test $? -eq 0
n=$TMP/infeasible
$BIN sweep "${SC[@]}" --grid scaler.scale_up_threshold=0.4,0.6 --reps 2 --minimize replica_seconds \
    --subject-to 'slo_violation_seconds<=0' -o "$n" > "$TMP/out" 2> "$TMP/err"
expect "sweep with no feasible configuration: exit 3" test $? -eq 3
expect "... saying so" grep -q "no configuration is feasible" "$TMP/err"
expect "... summary.csv written, no best.json" test -s "$n/summary.csv" -a ! -e "$n/best.json"
$BIN tune "${SC[@]}" --param scaler.check_interval=2:30 --minimize replica_seconds \
    --subject-to 'slo_violation_seconds<=0' --budget 8 --reps 2 --fresh-reps 2 -o "$TMP/tinf" -q 2> /dev/null
expect "tune with no feasible point: exit 3" test $? -eq 3
# The heat map marks infeasible cells and outlines the chosen one only when
# it exists (it is feasible); the axes carry units.  replica_seconds>=130
# makes the cheapest (120 replica-seconds) configurations infeasible.
if command -v gnuplot > /dev/null; then
    HM=(--grid scaler.scale_up_breaches=1:3:1 --grid scaler.check_interval=2,5,10 --reps 2 --minimize replica_seconds
        --plot --format svg -q)
    h=$TMP/heat
    $BIN sweep "${SC[@]}" "${HM[@]}" --subject-to 'replica_seconds>=130' -o "$h"
    expect "heat map sweep exits 0" test $? -eq 0
    col() { awk -F, -v n="$1" 'NR==1 {for (i=1;i<=NF;i++) if ($i==n) c=i; next} {print $1, $c}' "$h/summary.csv"; }
    ninf=$(col feasible | awk '$2 == 0' | wc -l)
    best=$(col best | awk '$2 == 1 {print $1}')
    expect "some cells infeasible, some feasible (the test means something)" test "$ninf" -ge 1 -a "$ninf" -lt 9
    expect "heat map: one crossed label per infeasible cell" test "$(grep -c '[0-9.k]* ✗<' "$h/plots/heatmap.svg")" -eq "$ninf"
    expect "heat map: the key explains the mark" grep -q '✗ infeasible: replica_seconds>=130 fails on the means' "$h/plots/heatmap.svg"
    expect "heat map: the outlined cell is the chosen config, and it is feasible" \
        eval 'grep -q "outlined: the chosen configuration (config $best, feasible)" "$h/plots/heatmap.svg" &&
              test "$(col feasible | awk -v b="$best" "\$1 == b {print \$2}")" = 1'
    expect "heat map: axes and colour bar carry units" \
        eval 'grep -q "scaler.check_interval (s)" "$h/plots/heatmap.svg" && grep -q "replica_seconds (replica s) (mean)" "$h/plots/heatmap.svg"'
    $BIN sweep "${SC[@]}" "${HM[@]}" --subject-to 'replica_seconds>=1000' -o "$TMP/heat0" 2> /dev/null
    expect "nothing feasible: exit 3, figures still drawn" test $? -eq 3 -a -s "$TMP/heat0/plots/heatmap.svg"
    expect "... the heat map says so and outlines nothing" \
        eval 'grep -q "no configuration is feasible: nothing chosen" "$TMP/heat0/plots/heatmap.svg" &&
              ! grep -q "outlined" "$TMP/heat0/plots/heatmap.svg"'
else
    skip "heat map marks" "gnuplot not installed"
fi
finish
