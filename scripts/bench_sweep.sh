#!/bin/bash
# bench_sweep.sh -- sweep throughput, run by scripts/bench.sh (or alone):
#   scripts/bench_sweep.sh BUILD_DIR
# 1. The issue's target: 1,000 configurations x 10 replications of
#    scenarios/spike.json on every core (target: < 30 s on 2 cores).
# 2. Scaling: the same 2,000 runs with 1 worker and with 2 workers
#    (efficiency = speed-up / 2; target > 90 %), and the CPU time per run in
#    each case: equal CPU per run means the parallel machinery costs nothing,
#    so a lower wall-clock efficiency is other load on the machine.
# 3. The per-run overhead: CPU per run of the same sweep at 1 simulated second.
# Wall-clock figures: run on an otherwise idle machine.
set -eu
build=${1:-build/release}
cd "$(dirname "$0")/.."
bin=$build/autoscale-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%R %U %S'
# timed OUT CMD...: wall, user and system seconds (children included) into OUT
timed() { local out=$1; shift; { time "$@" > /dev/null 2>&1; } 2> "$out"; }

echo "== sweep (scripts/bench_sweep.sh): spike.json, configurations x replications per second"
load=$(cut -d' ' -f1 /proc/loadavg)
[ "$(awk -v l="$load" 'BEGIN{print (l > 0.5)}')" = 1 ] && echo "note: load average $load before starting: wall-clock figures are pessimistic"
grid=(--grid scaler.scale_up_threshold=0.3:1.2:0.1 --grid scaler.scale_up_breaches=1:5:1
      --grid scaler.scale_up_cooldown=0,15,30,60 --grid scaler.scale_down_cooldown=30,60,120,180,300)
timed "$tmp/t0" "$bin" sweep scenarios/spike.json "${grid[@]}" --reps 10 -o "$tmp/full" -q
runs=$(($(wc -l < "$tmp/full/runs.csv") - 1))
read -r w u s < "$tmp/t0"
awk -v r="$runs" -v w="$w" -v j="$(nproc)" 'BEGIN {
    printf "1000 configs x 10 reps: %d runs in %.2f s wall on %d workers = %.0f runs/s (target < 30 s: %s)\n",
    r, w, j, r / w, w < 30 ? "met" : "NOT met" }'

small=(--grid scaler.scale_up_threshold=0.3:1.2:0.1 --grid scaler.scale_up_breaches=1:5:1
       --grid scaler.scale_up_cooldown=0,15,30,60 --reps 10)
timed "$tmp/t1" "$bin" sweep scenarios/spike.json "${small[@]}" -o "$tmp/j1" -j 1 -q
timed "$tmp/t2" "$bin" sweep scenarios/spike.json "${small[@]}" -o "$tmp/j2" -j 2 -q
cmp -s "$tmp/j1/runs.csv" "$tmp/j2/runs.csv" || echo "WARNING: runs.csv differs between 1 and 2 workers"
read -r w1 u1 s1 < "$tmp/t1"
read -r w2 u2 s2 < "$tmp/t2"
awk -v w1="$w1" -v c1="$(awk -v a="$u1" -v b="$s1" 'BEGIN{print a+b}')" \
    -v w2="$w2" -v c2="$(awk -v a="$u2" -v b="$s2" 'BEGIN{print a+b}')" 'BEGIN {
    s = w1 / w2;
    printf "2000 runs: 1 worker %.2f s (%.0f runs/s), 2 workers %.2f s (%.0f runs/s): speed-up %.2f, efficiency %.0f %% (target > 90 %%)\n",
        w1, 2000 / w1, w2, 2000 / w2, s, 50 * s;
    printf "CPU per run: %.3f ms with 1 worker, %.3f ms with 2 (parallel overhead %+.1f %%)\n",
        c1 / 2, c2 / 2, 100 * (c2 / c1 - 1) }'

# 3. Per-run overhead: the same 2,000 runs cut to 1 simulated second on 1
#    worker cost little more than a run's set-up and tear-down (building the
#    configuration and the models, the summary, the pipe), which a worker
#    partly reuses between runs (sim/run/sim_cache.h); as a share of a full run.
timed "$tmp/t3" "$bin" sweep scenarios/spike.json "${small[@]}" --duration 1 -o "$tmp/d1" -j 1 -q
read -r w3 u3 s3 < "$tmp/t3"
awk -v c1="$(awk -v a="$u1" -v b="$s1" 'BEGIN{print a+b}')" -v c3="$(awk -v a="$u3" -v b="$s3" 'BEGIN{print a+b}')" 'BEGIN {
    printf "per-run overhead (runs of 1 simulated second, 1 worker): %.3f ms CPU per run, %.0f %% of a full run\n",
        c3 / 2, 100 * c3 / c1 }'
