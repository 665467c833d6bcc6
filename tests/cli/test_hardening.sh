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
bad=$(grep -n 'eval' scripts/*.gp | grep -v ':[0-9]*:#' | grep -v 'eval("plot "\.line\.\|eval("plot .cells\.dat\|eval(.plot .\.feas\|eval keyat(\|eval no_scrapes_cmd\|eval xtn\?_o\(n\|ff\)$' || true)
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
expect "temporaries: the run wrote its outputs, or refused the odd directory" \
    test -s "$TMP/r3/summary.json" -o ! -e "$TMP/r3/summary.json"
# sweep: resuming into its own directory rewrites summary.csv and runs.csv
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 1 -o "$TMP/sw5" > /dev/null 2>&1
echo precious > "$TMP/victim3"
bash -c 'for f in summary.csv runs.csv sweep.json best.json; do ln -s "$1" "$2/$f.tmp.$$"; done
         exec "$3" sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 1 -o "$2"' \
    _ "$TMP/victim3" "$TMP/sw5" "$BIN" > /dev/null 2>&1; rc=$?
expect "temporaries: sweep resume succeeds beside planted symlinks (got $rc)" test $rc -eq 0
expect "temporaries: sweep does not follow a planted symlink" grep -qx precious "$TMP/victim3"
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

# 4. A crafted run directory: "duration": 1e999 in summary.json made plot and
#    report loop forever writing GBs to $TMPDIR; now it is refused (exit 2).
$BIN run scenarios/manual.json --set duration=60 --out "$TMP/r10" --quiet > /dev/null 2>&1
python3 - "$TMP/r10/summary.json" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
i = s.index('"settings"'); j = s.index('"duration":', i); k = s.index('\n', j)
open(p, 'w').write(s[:j] + '"duration":\t1e999,' + s[k:])
PY
mkdir -p "$TMP/plottmp"
for cmd in plot report; do
    TMPDIR="$TMP/plottmp" timeout 5 $BIN $cmd "$TMP/r10" > "$TMP/r10.out" 2>&1; rc=$?
    expect "crafted run dir (duration 1e999): $cmd exits 2 (got $rc)" test $rc -eq 2
    expect "crafted run dir: $cmd names the setting" grep -q 'duration' "$TMP/r10.out"
done
expect "crafted run dir: nothing left in TMPDIR" test -z "$(ls -A "$TMP/plottmp")"

# 5. Values that each pass validation but together would hang or fill the
#    disk are refused before starting, with an estimate, unless --force.
for a in traffic.rate_multiplier=1e9 duration=1e9 prometheus.evaluation_interval=0.001; do
    timeout 20 $BIN run scenarios/manual.json --set $a --set duration=1e9 --out "$TMP/r11" > "$TMP/r11.out" 2>&1; rc=$?
    [ "$a" = duration=1e9 ] && timeout 20 $BIN run scenarios/manual.json --set $a --out "$TMP/r11" > "$TMP/r11.out" 2>&1 && rc=0
    expect "budget: --set $a refused (exit 2, got $rc)" test $rc -eq 2
    expect "budget: --set $a: the message gives the estimate and --force" grep -q 'events.*--force' "$TMP/r11.out"
    expect "budget: --set $a: nothing written" test ! -e "$TMP/r11"
done
timeout 20 $BIN run scenarios/manual.json --set 'traffic.profile=[{"type":"constant","duration":60,"rate":1e300}]' \
    --set traffic.rate_multiplier=1e300 --force --out "$TMP/r12" > "$TMP/r12.out" 2>&1; rc=$?
expect "budget: an infinite rate is refused even with --force (exit 2, got $rc)" test $rc -eq 2
expect "budget: ... naming the rate" grep -q 'not a finite number' "$TMP/r12.out"
$BIN run scenarios/manual.json --set duration=60 --force --out "$TMP/r13" --quiet > /dev/null 2>&1; rc=$?
expect "budget: --force is accepted on a normal run (got $rc)" test $rc -eq 0

# 6. A run's output set changes all together: a run into an earlier run's
#    directory leaves no file of the old set (figures, old CSVs) behind, and
#    a failed run leaves the old set untouched.
$BIN run scenarios/manual.json --set duration=60 --seed 1 --export openmetrics --out "$TMP/r14" --quiet > /dev/null 2>&1
expect "output set: metrics.om from the first run" test -s "$TMP/r14/metrics.om"
$BIN run scenarios/manual.json --set duration=60 --seed 2 --out "$TMP/r14" --quiet > /dev/null 2>&1; rc=$?
expect "output set: the second run succeeds (got $rc)" test $rc -eq 0
expect "output set: no metrics.om of the first run beside the second's summary" test ! -e "$TMP/r14/metrics.om"
expect "output set: the summary is the second run's" grep -q '"seed":.2,' "$TMP/r14/summary.json"
cp "$TMP/r14/summary.json" "$TMP/r14.before"
$BIN run scenarios/manual.json --set duration=60 --set prometheus.lookback_delta=0.001 --out "$TMP/r14" --quiet > /dev/null 2>&1
expect "output set: a failed run leaves the old set as it was" cmp -s "$TMP/r14.before" "$TMP/r14/summary.json"
expect "output set: no staging directory left" test -z "$(ls -A "$TMP" | grep '\.tmp\.')"
mkdir -p "$TMP/mine"; echo keep > "$TMP/mine/notes.txt"
$BIN run scenarios/manual.json --set duration=60 --out "$TMP/mine" --quiet > "$TMP/mine.out" 2>&1; rc=$?
expect "output set: a directory of other files is refused (exit 2, got $rc)" test $rc -eq 2
expect "output set: ... and left alone" test "$(ls "$TMP/mine")" = notes.txt
# plot: gnuplot exits 0 on a full disk leaving cut figures; a figure that is
# not complete is not renamed into place and plot fails.  A stand-in gnuplot
# writes 100 bytes of a PNG into every output the driver names, exits 0.
mkdir -p "$TMP/fakegp"
cat > "$TMP/fakegp/gnuplot" <<'SH'
#!/bin/sh
drv=$(eval echo "\$$#")
dir=$(dirname "$drv")
sed -n "s/^out = '\(.*\)'$/\1/p" "$drv" | while read -r o; do
    printf '\211PNG\r\n\032\n' > "$o"; head -c 92 /dev/zero >> "$o"; done
exit 0
SH
printf '#!/bin/sh\nsleep 30\n' > "$TMP/fakegp/hang"
chmod +x "$TMP/fakegp/gnuplot" "$TMP/fakegp/hang"
$BIN run scenarios/manual.json --set duration=60 --out "$TMP/r16" --quiet > /dev/null 2>&1
ASIM_GNUPLOT="$TMP/fakegp/gnuplot" $BIN plot "$TMP/r16" --format png > "$TMP/r16.out" 2>&1; rc=$?
expect "plot: a truncated figure fails the command (exit 1, got $rc)" test $rc -eq 1
expect "plot: ... saying the output is truncated" grep -q 'truncated' "$TMP/r16.out"
expect "plot: ... and is not renamed into place" test -z "$(ls "$TMP/r16" | grep '\.png')"
start=$(date +%s)
ASIM_GNUPLOT="$TMP/fakegp/hang" ASIM_GNUPLOT_TIMEOUT=1 timeout 25 $BIN plot "$TMP/r16" --format png > "$TMP/r16.out" 2>&1; rc=$?
took=$(( $(date +%s) - start ))
expect "plot: a hung gnuplot is killed after ASIM_GNUPLOT_TIMEOUT (exit 1 in ${took} s, got $rc)" \
    test $rc -eq 1 -a $took -lt 10
expect "plot: ... saying so" grep -q 'did not finish' "$TMP/r16.out"

# 8. Traces from a pipe: detection used to consume the first ~64 KiB.
full=$($BIN trace stats scenarios/traces/flash_crowd.csv | awk '$1=="requests"{print $2}')
cat scenarios/traces/flash_crowd.csv | $BIN trace stats /dev/stdin > "$TMP/pipe.out" 2>&1; rc=$?
expect "pipe: auto-detecting a piped trace is refused (exit 2, got $rc)" test $rc -eq 2
expect "pipe: ... with a message saying why" grep -q 'not a regular file' "$TMP/pipe.out"
piped=$(cat scenarios/traces/flash_crowd.csv | $BIN trace stats /dev/stdin --format timestamps | awk '$1=="requests"{print $2}')
expect "pipe: with --format every record is read ($piped of $full)" test -n "$full" -a "$piped" = "$full"

# 9. SIGINT during run: exit 130, no temporary or staging files left, and a
#    directory the run created is removed again.
$BIN run scenarios/manual.json --set duration=2000000 --force --out "$TMP/r15" --quiet > /dev/null 2>&1 & pid=$!
sleep 1; kill -INT $pid; wait $pid; rc=$?
expect "SIGINT: run exits 130 (got $rc)" test $rc -eq 130
expect "SIGINT: no temporary left" test -z "$(ls -A "$TMP" | grep '\.tmp\.\|r15')"
$BIN run scenarios/manual.json --set duration=2000000 --force --out "$TMP/r14" --quiet > /dev/null 2>&1 & pid=$!
sleep 1; kill -TERM $pid; wait $pid; rc=$?
expect "SIGTERM: run exits 143 (got $rc)" test $rc -eq 143
expect "SIGTERM: the earlier run's set is intact" cmp -s "$TMP/r14.before" "$TMP/r14/summary.json"
expect "SIGTERM: no staging directory left" test -z "$(ls -A "$TMP" | grep '\.tmp\.')"

# 10. The small ones.
# figures of a run shorter than the first scrape ("undefined variable: inst")
if [ $have_gnuplot -eq 1 ]; then
    $BIN run scenarios/manual.json --set duration=3 --out "$TMP/r17" --quiet > /dev/null 2>&1
    $BIN plot "$TMP/r17" > "$TMP/r17.out" 2>&1; rc=$?
    expect "short run (3 s): plot succeeds (got $rc)" test $rc -eq 0
    expect "short run: both figures drawn" test -s "$TMP/r17/dashboard.png" -a -s "$TMP/r17/timeline.png"
fi
# invalid dates and invalid UTF-8 are refused (exit 2), valid ones accepted
$BIN run scenarios/manual.json --set start_time=2024-02-30T00:00:00Z --set duration=3 --out "$TMP/r18" --quiet > /dev/null 2>&1
expect "start_time 2024-02-30 refused (exit 2)" test $? -eq 2
$BIN run scenarios/manual.json --set start_time=2023-02-29T00:00:00Z --set duration=3 --out "$TMP/r18" --quiet > /dev/null 2>&1
expect "start_time 2023-02-29 refused (exit 2)" test $? -eq 2
$BIN run scenarios/manual.json --set start_time=2024-02-29T00:00:00Z --set duration=3 --out "$TMP/r19" --quiet > /dev/null 2>&1
expect "start_time 2024-02-29 (leap day) accepted" test $? -eq 0
$BIN run scenarios/manual.json --set "$(printf 'name=ab\377')" --set duration=3 --out "$TMP/r20" --quiet > "$TMP/r20.out" 2>&1
expect "a name with invalid UTF-8 refused (exit 2)" test $? -eq 2
expect "... naming UTF-8" grep -q 'UTF-8' "$TMP/r20.out"
$BIN run scenarios/manual.json --set "$(printf 'description=caf\303\251 \342\202\254')" --set duration=3 --out "$TMP/r21" --quiet > /dev/null 2>&1
expect "a description in valid UTF-8 accepted" test $? -eq 0
expect "... and summary.json is valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/r21/summary.json"
# exit 2 (bad input), not 1, for an --out below a file and a directory as --series
touch "$TMP/afile"
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 1 -o "$TMP/afile/x" > /dev/null 2>&1
expect "sweep -o below a file: exit 2" test $? -eq 2
$BIN run scenarios/manual.json --set duration=3 -o "$TMP/afile/x" --quiet > /dev/null 2>&1
expect "run -o below a file: exit 2" test $? -eq 2
$BIN run scenarios/manual.json --set duration=3 -o "$TMP/afile" --quiet > /dev/null 2>&1
expect "run -o naming a file: exit 2" test $? -eq 2
$BIN promql --series "$TMP" --at 0 up > "$TMP/dir.out" 2>&1
expect "promql --series DIRECTORY: exit 2" test $? -eq 2
expect "... saying it is a directory" grep -q 'Is a directory' "$TMP/dir.out"

# CSV cells a spreadsheet would run as formulas get a leading ' (runs.csv,
# summary.csv, compare.csv); numbers such as -1 are left alone; resuming
# rewrites runs.csv without adding more quotes.
$BIN sweep scenarios/manual.json --grid 'description==HYPERLINK("http://x"),@SUM(1),-1' --reps 1 -o "$TMP/sw6" > /dev/null 2>&1
expect "csv: runs.csv quotes a leading =" grep -q "^0,0,1,\"'=HYPERLINK" "$TMP/sw6/runs.csv"
expect "csv: runs.csv quotes a leading @" grep -q "^1,0,1,'@SUM(1)," "$TMP/sw6/runs.csv"
expect "csv: a number -1 is written as is" grep -q "^2,0,1,-1," "$TMP/sw6/runs.csv"
expect "csv: summary.csv quotes too" grep -q "^1,'@SUM(1)," "$TMP/sw6/summary.csv"
cp "$TMP/sw6/runs.csv" "$TMP/sw6.before"
$BIN sweep scenarios/manual.json --grid 'description==HYPERLINK("http://x"),@SUM(1),-1' --reps 1 -o "$TMP/sw6" > /dev/null 2>&1
expect "csv: resuming leaves runs.csv byte-identical" cmp -s "$TMP/sw6.before" "$TMP/sw6/runs.csv"
$BIN run scenarios/manual.json --set duration=3 --set 'name=+cmd' --out "$TMP/=a" --quiet > /dev/null 2>&1
$BIN compare "$TMP/=a" "$TMP/r19" --no-figure --out "$TMP/cmp" > /dev/null 2>&1
expect "csv: compare.csv written" test -s "$TMP/cmp/compare.csv"
expect "csv: compare.csv has no cell starting with = + - @" not grep -q '\(^\|,\)["]*[=+@]' "$TMP/cmp/compare.csv"

# ---- second pass: the open items of the first ----
# 5. the run budget also before a sweep's runs, in tune, and in trace convert
$BIN sweep scenarios/manual.json --grid duration=60,1e9 --reps 2 -o "$TMP/sw7" > "$TMP/sw7.out" 2>&1; rc=$?
expect "budget: sweep with a configuration over the limit exits 2 (got $rc)" test $rc -eq 2
expect "budget: ... naming the configuration and the estimate" grep -q 'configuration 1 (duration=1e9).*events' "$TMP/sw7.out"
expect "budget: ... before any run (no directory)" test ! -e "$TMP/sw7"
$BIN tune scenarios/manual.json --param scaler.max_replicas=2:6 --set duration=1e9 --minimize replica_seconds \
    -o "$TMP/tu1" > "$TMP/tu1.out" 2>&1; rc=$?
expect "budget: tune over the limit exits 2 (got $rc)" test $rc -eq 2
expect "budget: ... with a hint that works (tune has no --force)" grep -q 'tune has no --force.*run --force' "$TMP/tu1.out"
expect "budget: ... before any run (no directory)" test ! -e "$TMP/tu1"
start=$(date +%s)
timeout 60 $BIN trace convert scenarios/traces/flash_crowd.csv "$TMP/conv.csv" --to counts --interval 1e-9 \
    > "$TMP/conv.out" 2>&1; rc=$?
expect "budget: trace convert --interval 1e-9 exits 2 at once (got $rc in $(( $(date +%s) - start )) s)" \
    test $rc -eq 2 -a $(( $(date +%s) - start )) -lt 10
expect "budget: ... with the estimate and --force" grep -q 'about .* bins.*--force' "$TMP/conv.out"
expect "budget: ... nothing written" test -z "$(ls -A "$TMP" | grep conv.csv)"
timeout 60 $BIN trace convert scenarios/traces/prom_rate.json "$TMP/conv.json" --to prometheus --interval 1e-9 \
    > "$TMP/conv.out" 2>&1; rc=$?
expect "budget: trace convert of a rate trace to prometheus at 1e-9 s exits 2 (got $rc)" test $rc -eq 2
$BIN trace convert scenarios/traces/flash_crowd.csv "$TMP/conv.csv" --to counts --interval 1 > /dev/null 2>&1
expect "budget: trace convert at a sane interval still works" test -s "$TMP/conv.csv"

# 10. settings --json is a scenario that loads from any directory (trace paths made absolute)
$BIN settings --json scenarios/flash_crowd.json > "$TMP/fc.json" 2> /dev/null
mkdir -p "$TMP/elsewhere"
(cd "$TMP/elsewhere" && "$OLDPWD/$BIN" run "$TMP/fc.json" --set duration=5 --out o --quiet) > "$TMP/fc.out" 2>&1; rc=$?
[ "${BIN#/}" != "$BIN" ] && { (cd "$TMP/elsewhere" && "$BIN" run "$TMP/fc.json" --set duration=5 --out o --quiet) > "$TMP/fc.out" 2>&1; rc=$?; }
expect "settings --json of a trace scenario runs from another directory (got $rc)" test $rc -eq 0
expect "... its trace path is absolute" grep -q '"path": "/.*flash_crowd.csv"' "$TMP/fc.json"
# sweep objective and constraint names are checked before any run is spent
for opt in "--minimize replica_second" "--subject-to latency_p9<=1" "--pareto cost,nothing" "--plot-metric nope"; do
    $BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 2 $opt -o "$TMP/sw8" > "$TMP/sw8.out" 2>&1; rc=$?
    expect "sweep $opt: exit 2 (got $rc)" test $rc -eq 2
    expect "sweep $opt: ... before any run (no directory)" test ! -e "$TMP/sw8"
done
$BIN sweep scenarios/manual.json --grid scaler.max_replicas=2,3 --reps 2 --minimize replica_second -o "$TMP/sw8" \
    > "$TMP/sw8.out" 2>&1
expect "sweep --minimize replica_second suggests replica_seconds" grep -q 'did you mean replica_seconds' "$TMP/sw8.out"
# load.spike above what the sources can thin: a message naming the setting and the limit
$BIN run scenarios/manual.json --set load.spike=300 --set 'load.events=[{"at":1,"action":"spike"}]' --set duration=5 \
    --out "$TMP/sp" --quiet > "$TMP/sp.out" 2>&1; rc=$?
expect "load.spike 300: exit 2 (got $rc)" test $rc -eq 2
expect "load.spike 300: the message names load.spike and the limit" grep -q 'load.spike 300.*at most 256' "$TMP/sp.out"
$BIN run scenarios/manual.json --set load.spike=200 --set 'load.events=[{"at":1,"action":"spike"}]' --set duration=5 \
    --out "$TMP/sp" --quiet > /dev/null 2>&1
expect "load.spike 200 still runs" test $? -eq 0
# --set errors blame --set, errors in the file blame the file
printf '{"scaler": {"max_replicas": 3}}' > "$TMP/s3.json"
$BIN run "$TMP/s3.json" --set scaler.min_replicas=5 --out "$TMP/bl" --quiet > "$TMP/bl.out" 2>&1
expect "--set min_replicas above the file's max: blamed on --set" grep -q 'error: --set: \$.scaler.min_replicas' "$TMP/bl.out"
printf '{"scaler": {"min_replicas": 5}}' > "$TMP/s4.json"
$BIN run "$TMP/s4.json" --set scaler.scale_up_threshold=0.7 --out "$TMP/bl" --quiet > "$TMP/bl.out" 2>&1
expect "a bad value in the file, with an unrelated --set: blamed on the file" grep -q "error: $TMP/s4.json: " "$TMP/bl.out"

# 9. SIGINT/SIGTERM during plot (figures being drawn): no half-written figure,
#    no temporary (beside the figures or in TMPDIR), gnuplot killed, 128+N.
cat > "$TMP/fakegp/slow" <<'SH'
#!/bin/sh
drv=$(eval echo "\$$#")
sed -n "s/^out = '\(.*\)'$/\1/p" "$drv" | while read -r o; do printf '\211PNG\r\n\032\n' > "$o"; done
exec sleep 30
SH
chmod +x "$TMP/fakegp/slow"
mkdir -p "$TMP/sigtmp"
for sig in INT TERM; do
    ASIM_GNUPLOT="$TMP/fakegp/slow" TMPDIR="$TMP/sigtmp" $BIN plot "$TMP/r16" --format png,svg > /dev/null 2>&1 & pid=$!
    for i in $(seq 50); do ls "$TMP/r16" | grep -q '\.tmp\.' && break; sleep 0.1; done
    expect "SIG$sig during plot: the figure temporaries existed (the plot was drawing)" ls "$TMP/r16" | grep -q '\.tmp\.'
    kill -$sig $pid; wait $pid; rc=$?
    want=$(( 128 + $(kill -l $sig) ))
    expect "SIG$sig during plot: exit $want (got $rc)" test $rc -eq $want
    expect "SIG$sig during plot: no figure or temporary left in the run directory" \
        test -z "$(ls "$TMP/r16" | grep '\.png\|\.svg\|\.tmp\.')"
    expect "SIG$sig during plot: nothing left in TMPDIR" test -z "$(ls -A "$TMP/sigtmp")"
    sleep 0.2
    expect "SIG$sig during plot: gnuplot was killed" not pgrep -f "sleep 30" -P $pid
done
ASIM_GNUPLOT="$TMP/fakegp/slow" TMPDIR="$TMP/sigtmp" $BIN report "$TMP/r16" > /dev/null 2>&1 & pid=$!
for i in $(seq 50); do ls "$TMP/r16" | grep -q '\.tmp\.' && break; sleep 0.1; done
kill -INT $pid; wait $pid; rc=$?
expect "SIGINT during report: exit 130 (got $rc)" test $rc -eq 130
expect "SIGINT during report: no temporary left" test -z "$(ls "$TMP/r16" | grep '\.tmp\.')"
expect "SIGINT during report: nothing left in TMPDIR" test -z "$(ls -A "$TMP/sigtmp")"

# 7. two runs into one --out: the second exits 2 naming the holder, the first's set is whole
$BIN run scenarios/manual.json --set duration=2000000 --force --out "$TMP/r22" --quiet > /dev/null 2>&1 & first=$!
for i in $(seq 50); do ls -A "$TMP" | grep -q '^\.r22\.tmp\.' && break; sleep 0.1; done
$BIN run scenarios/manual.json --set duration=60 --out "$TMP/r22" --quiet > "$TMP/r22.out" 2>&1; rc=$?
kill -TERM $first; wait $first
expect "run lock: a second run into the same --out exits 2 (got $rc)" test $rc -eq 2
expect "run lock: ... naming the holder" grep -q "in use by another process (pid $first" "$TMP/r22.out"
$BIN run scenarios/manual.json --set duration=60 --out "$TMP/r22" --quiet > /dev/null 2>&1; rc=$?
expect "run lock: once the first is gone, the directory is usable (got $rc)" test $rc -eq 0

finish
