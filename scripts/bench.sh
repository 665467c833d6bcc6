#!/bin/bash
# Speed figures for `make bench`.  Usage: scripts/bench.sh BUILD_DIR
# (e.g. build/release; the bench binaries must be built there).
# Prints the engine-primitive figures (tests/bench_evq.c, tests/bench_stats.c;
# wall clock: run on an otherwise idle machine), then the end-to-end figures
# (tests/bench_sim.c: CPU time, and ratios to a bare loop measured alongside,
# which cancel most of the machine's speed and load out).
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

# --- end to end (tests/bench_sim.c).  Every figure is a CPU-time median of
# interleaved rounds, also given as a ratio to a bare next-event M/M/1 loop
# in C with the same generator (GSL MT19937), run by bench_sim in the same
# rounds: "x0.50 of bare" = half the bare loop's requests per CPU second, on
# any machine.  Monitoring, alerts and scaling on.
echo
echo "== end to end: the 24 h soak (50 req/s), no files (a sweep worker) and every file (\`run\`); 5 interleaved rounds"
files=$(mktemp -d)
trap 'rm -rf "$files"' EXIT
"$build/tests/bench_sim" scenarios/soak.json --duration 86400 --set traffic.repeat=true --reps 5 --files "$files"
"$build/tests/bench_sim" scenarios/spike.json --reps 5

# The growth tables load every replica alike at rho ~ 0.7: Poisson arrivals
# spread by DNS round robin.  (soak.json itself now runs the seed's
# arrangement, paced arrivals to the one published port, which would send all
# the load to one replica and measure its overload instead.)
SPREAD="--set balancer.mode=dns --set traffic.arrivals=poisson"

# A constant-rate profile of R req/s, long enough for ~N requests (>= MIN s).
profile() { awk -v r="$1" -v n="$2" -v min="$3" 'BEGIN{d=n/r; if (d<min) d=min; printf "%.0f", d}'; }

echo
echo "== growth: arrival rate (rho ~ 0.7: replicas = rate / 46.7 req/s, service mean set to match; ~1 M requests each)"
for rate in 50 500 5000 50000; do
    n=$(awk -v r=$rate 'BEGIN{n=int(r/46.667+0.5); if (n<1) n=1; print n}')
    mean=$(awk -v r=$rate -v n=$n 'BEGIN{printf "%.6g", 0.7*n*4/r}')
    dur=$(profile $rate 1000000 60)
    printf "rate %6d req/s, %4d replicas: " $rate $n
    "$build/tests/bench_sim" scenarios/soak.json --reps 3 --duration $dur --set traffic.repeat=true $SPREAD \
        --set "traffic.profile=[{\"type\":\"constant\",\"duration\":$dur,\"rate\":$rate}]" \
        --set app.service_time.mean=$mean --set container.initial_replicas=$n \
        --set scaler.min_replicas=$n --set scaler.max_replicas=$n
done

echo
echo "== growth: replicas (46.7 req/s each, rho ~ 0.7; >= 30 s and ~1 M requests each); set-up = a run with no traffic"
for n in 1 10 100 1000 10000; do
    rate=$(awk -v n=$n 'BEGIN{printf "%.0f", 46.667*n}')
    dur=$(profile $rate 1000000 30)
    reps=3; [ $n -ge 1000 ] && reps=1
    printf "%5d replicas: " $n
    "$build/tests/bench_sim" scenarios/soak.json --reps $reps --duration $dur --set traffic.repeat=true $SPREAD \
        --set "traffic.profile=[{\"type\":\"constant\",\"duration\":$dur,\"rate\":$rate}]" \
        --set container.initial_replicas=$n --set scaler.min_replicas=$n --set scaler.max_replicas=$n
    printf "%5d replicas: " $n
    "$build/tests/bench_sim" scenarios/soak.json --setup --reps 3 $SPREAD \
        --set container.initial_replicas=$n --set scaler.min_replicas=$n --set scaler.max_replicas=$n
done

echo
echo "== growth: simulated duration (the soak, 50 req/s; one process each, so peak RSS is that run's)"
for d in 3600 86400 604800 2592000; do
    printf "%7d s: " $d
    "$build/tests/bench_sim" scenarios/soak.json --duration $d --set traffic.repeat=true --reps 1
done

# The cost of in-band /metrics (scrapes queued in the replicas, with a timeout
# event each) against scrapes served aside, on the seed's soak: should be noise.
echo "-- soak, /metrics in-band (default) vs sidecar"
"$build/tests/bench_sim" scenarios/soak.json --reps 5 --set app.metrics_port=inband
"$build/tests/bench_sim" scenarios/soak.json --reps 5 --set app.metrics_port=sidecar
for f in scripts/bench_*.sh; do
    [ -x "$f" ] || continue
    echo
    "$f" "$build"
done
