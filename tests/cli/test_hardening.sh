#!/bin/bash
# test_hardening.sh -- regression tests for the defects of issue 11 (the tool
# attacked as an attacker and a careless user would): each check reproduces
# the original attack and asserts it no longer works.
. "$(dirname "$0")/lib.sh"
have_gnuplot=0; command -v gnuplot > /dev/null 2>&1 && have_gnuplot=1

# 1. Command execution through gnuplot: a backquote (or @macro) in a
#    categorical sweep value must reach gnuplot as data, never as code.
mkdir -p "$TMP/scratch"
if [ $have_gnuplot -eq 1 ]; then
    $BIN sweep scenarios/manual.json --grid "description=a\`touch $TMP/scratch/PWNED\`,b@x" --reps 1 --plot \
        -o "$TMP/sw1" > "$TMP/sw1.out" 2>&1; rc=$?
    expect "gnuplot: sweep --plot with a backquoted value succeeds" test $rc -eq 0
    expect "gnuplot: the backquoted command did not run (sweep --plot)" test ! -e "$TMP/scratch/PWNED"
    expect "gnuplot: the categorical figure was drawn" test -s "$TMP/sw1/plots/ci-description.png"
    # two categorical axes: the heatmap names both
    $BIN sweep scenarios/manual.json --grid "description=x\`touch $TMP/scratch/PWNED2\`,y" \
        --grid "scenario=p\`touch $TMP/scratch/PWNED3\`,q" --reps 1 --plot -o "$TMP/sw2" > /dev/null 2>&1
    expect "gnuplot: no command ran from a heatmap's tic labels" \
        test ! -e "$TMP/scratch/PWNED2" -a ! -e "$TMP/scratch/PWNED3"
    # merge --plot of shard directories received from someone else
    $BIN merge "$TMP/sw1" --plot -o "$TMP/sw1m" > /dev/null 2>&1
    expect "gnuplot: no command ran from merge --plot" test ! -e "$TMP/scratch/PWNED"
    # a scenario name with a backquote, through plot and report
    $BIN run scenarios/manual.json --set "name=n\`touch PWNED4\`@x" --set "description=d\`touch $TMP/scratch/PWNED5\`" --set duration=60 \
        --out "$TMP/r1" --quiet > /dev/null 2>&1
    $BIN plot "$TMP/r1" > /dev/null 2>&1
    $BIN report "$TMP/r1" > /dev/null 2>&1
    expect "gnuplot: the run with a backquoted name and description exists" test -s "$TMP/r1/summary.json"
    expect "gnuplot: no command ran from a name or description (plot, report)" \
        test ! -e "$TMP/r1/PWNED4" -a ! -e PWNED4 -a ! -e "$TMP/scratch/PWNED5"
else
    fail "gnuplot is required for the gnuplot injection checks (not skipped silently)"
fi
# The scripts themselves: eval only on strings built from constants.
bad=$(grep -n 'eval' scripts/*.gp | grep -v ':[0-9]*:#' | grep -v 'eval("plot "\.line\.\|eval("plot .cells\.dat\|eval(.plot .\.feas\|eval keyat(' || true)
expect "gnuplot scripts: no eval of anything but constant plot commands" test -z "$bad"

# report.md: raw HTML and Markdown from names and descriptions is escaped.
$BIN run scenarios/manual.json --set 'name=<img src=x onerror=alert(1)>' \
    --set 'description=[click](http://evil) <script>x</script>' --set duration=60 --out "$TMP/r2" --quiet > /dev/null 2>&1
$BIN report "$TMP/r2" --no-figures > /dev/null 2>&1
expect "report.md written" test -s "$TMP/r2/report.md"
expect "report.md: no raw <img> or <script> from user text" not grep -q '<img\|<script' "$TMP/r2/report.md"
expect "report.md: no Markdown link from a description" not grep -q '^\[click\](' "$TMP/r2/report.md"
expect "report.html: no raw <img> or <script> from user text" not grep -q '<img src=x\|<script>x' "$TMP/r2/report.html"

# 2. Temporaries never follow a symlink planted at a predictable name.  The
#    shell's pid is the program's pid after exec, so every "NAME.tmp.<pid>"
#    the old code would open is planted.
mkdir -p "$TMP/r3"
echo precious > "$TMP/victim"
bash -c 'for f in timeseries.csv scrapes.csv events.csv scaler.log alerts.csv summary.json; do
             ln -s "$1" "$2/$f.tmp.$$"; done
         exec "$3" run scenarios/manual.json --set duration=60 --out "$2" --quiet' _ "$TMP/victim" "$TMP/r3" "$BIN" \
    > /dev/null 2>&1
expect "temporaries: a planted symlink is not followed (victim intact)" grep -qx precious "$TMP/victim"
expect "temporaries: the run still wrote its outputs" test -s "$TMP/r3/summary.json"
if [ $have_gnuplot -eq 1 ]; then
    echo precious > "$TMP/victim2"
    bash -c 'for f in timeline dashboard; do ln -s "$1" "$2/$f.png.tmp.$$"; done
             exec "$3" plot "$2"' _ "$TMP/victim2" "$TMP/r3" "$BIN" > /dev/null 2>&1
    expect "temporaries: figure temporaries do not follow a planted symlink" grep -qx precious "$TMP/victim2"
fi

# 3. Crashes.  A scrape interval below 1 ms divided by zero (SIGFPE); it is
#    now a validation error naming the minimum.
$BIN run scenarios/manual.json --set prometheus.scrape_interval=0.0005 --out "$TMP/r4" > "$TMP/r4.out" 2>&1; rc=$?
expect "scrape_interval 0.5 ms: exit 2, not a crash (got $rc)" test $rc -eq 2
expect "scrape_interval 0.5 ms: the message names the 1 ms minimum" grep -q '0.001' "$TMP/r4.out"
for s in prometheus.evaluation_interval prometheus.refresh_interval scaler.check_interval; do
    timeout 20 $BIN run scenarios/manual.json --set $s=1e-9 --out "$TMP/r5" > /dev/null 2>&1; rc=$?
    expect "$s=1e-9 refused (exit 2, got $rc)" test $rc -eq 2
done
# PromQL: deep recursion is refused with an error, not a stack overflow.
printf 'series,timestamp,value\nup,0,1\n' > "$TMP/s.csv"
q=$(printf '%*s' 120000 '' | tr ' ' '-')1
$BIN promql --series "$TMP/s.csv" --at 0 -- "$q" > "$TMP/pq.out" 2>&1; rc=$?
expect "PromQL: 120,000 unary minus signs: exit 2 (got $rc)" test $rc -eq 2
expect "PromQL: ... with a clear message" grep -q 'nested too deeply' "$TMP/pq.out"
q="$(printf '%*s' 60000 '' | tr ' ' '(')1$(printf '%*s' 60000 '' | tr ' ' ')')"
$BIN promql --series "$TMP/s.csv" --at 0 -- "$q" > "$TMP/pq.out" 2>&1; rc=$?
expect "PromQL: 60,000 nested parentheses: exit 2 (got $rc)" test $rc -eq 2
q=$(printf '1+%.0s' $(seq 50000))1
$BIN promql --series "$TMP/s.csv" --at 0 -- "$q" > "$TMP/pq.out" 2>&1; rc=$?
expect "PromQL: a chain of 50,000 additions: exit 2 (got $rc)" test $rc -eq 2
q="$(printf '%*s' 500 '' | tr ' ' '(')1$(printf '%*s' 500 '' | tr ' ' ')')"
expect "PromQL: 500 nested parentheses still evaluate" test "$($BIN promql --series "$TMP/s.csv" --at 0 -- "$q" 2>&1)" = 1

# 7. Two sweeps on one --out: the second exits 2 naming the holder.
mkdir -p "$TMP/sw3"
echo "pid 4242, autoscale-sim sweep" > "$TMP/sw3/.autoscale-sim.lock"
flock -o "$TMP/sw3/.autoscale-sim.lock" sleep 10 & holder=$!   # -o: flock itself holds it
sleep 0.3
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 1 -o "$TMP/sw3" > "$TMP/sw3.out" 2>&1; rc=$?
kill $holder 2> /dev/null; wait $holder 2> /dev/null
expect "sweep lock: a second writer exits 2 (got $rc)" test $rc -eq 2
expect "sweep lock: the message names the holder" grep -q 'pid 4242, autoscale-sim sweep' "$TMP/sw3.out"
expect "sweep lock: the second writer wrote nothing" test ! -e "$TMP/sw3/runs.csv"
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 1 -o "$TMP/sw3" > /dev/null 2>&1; rc=$?
expect "sweep lock: once released, the directory is usable (got $rc)" test $rc -eq 0
# two real sweeps at once: every row is kept
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3,4,5 --reps 4 --set duration=3000 -o "$TMP/sw4" \
    > /dev/null 2>&1 & first=$!
sleep 0.2
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3,4,5 --reps 4 --set duration=3000 -o "$TMP/sw4" \
    > "$TMP/sw4.out" 2>&1; rc2=$?
wait $first; rc1=$?
expect "two sweeps: the first completes (got $rc1)" test $rc1 -eq 0
expect "two sweeps: the second exits 0 (it ran after) or 2 (refused), got $rc2" test $rc2 -eq 0 -o $rc2 -eq 2
expect "two sweeps: all 16 rows are in runs.csv" test "$(tail -n +2 "$TMP/sw4/runs.csv" | wc -l)" -eq 16

finish
