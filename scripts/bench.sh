#!/bin/bash
# Speed figures for `make bench`.  Usage: scripts/bench.sh BUILD_DIR
# (e.g. build/release; the bench binaries must be built there).
# Prints the engine-primitive figures (tests/bench_evq.c, tests/bench_stats.c);
# end-to-end figures are appended below by the lead.  Wall-clock numbers:
# run on an otherwise idle machine.
set -eu
build=${1:-build/release}
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores; $(${CC:-cc} --version 2>/dev/null | head -1)"
echo
echo "== event queue (tests/bench_evq.c, ~15 s)"
"$build/tests/bench_evq" "$@"
echo
echo "== statistics and formatting (tests/bench_stats.c, ~2 s)"
"$build/tests/bench_stats" "$@"

# --- end to end (tests/bench_sim.c): the seed's soak with monitoring and
# scaling on, no output files (a sweep worker) and with files (`run`); then a
# 24-hour soak, whose peak memory must match the 1-hour one (streams, not stores).
echo
echo "== end to end (tests/bench_sim.c, median of 5 runs each)"
"$build/tests/bench_sim" scenarios/soak.json --reps 5
files=$(mktemp -d)
trap 'rm -rf "$files"' EXIT
"$build/tests/bench_sim" scenarios/soak.json --reps 5 --files "$files"
"$build/tests/bench_sim" scenarios/spike.json --reps 5
# The cost of in-band /metrics (scrapes queued in the replicas, with a timeout
# event each) against scrapes served aside, on the seed's soak: should be noise.
echo "-- soak, /metrics in-band (default) vs sidecar"
"$build/tests/bench_sim" scenarios/soak.json --reps 5 --set app.metrics_port=inband
"$build/tests/bench_sim" scenarios/soak.json --reps 5 --set app.metrics_port=sidecar
"$build/tests/bench_sim" scenarios/soak.json --duration 86400 --set traffic.repeat=true --reps 3
rss1=$("$build/tests/bench_sim" scenarios/soak.json --reps 1 | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
rss24=$("$build/tests/bench_sim" scenarios/soak.json --duration 86400 --set traffic.repeat=true --reps 1 | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
echo "peak memory: 1-hour soak ${rss1} KiB, 24-hour soak ${rss24} KiB (ratio $(awk -v a="$rss24" -v b="$rss1" 'BEGIN{printf "%.3f", a/b}'))"
for f in scripts/bench_*.sh; do
    [ -x "$f" ] || continue
    echo
    "$f" "$build"
done
