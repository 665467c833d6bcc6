#!/bin/bash
# bench_v1.sh [ROUNDS] -- the 24 h soak on v1 (commit 056114c, the code issue 14
# measured) and on this tree, interleaved, with this tree's tests/bench_sim.c;
# prints the median ns/request of each (no files, and every file written).
# Builds v1 in a temporary git worktree (needs the repository's history).
# Not part of `make bench`: it shows how this bench's bare loop relates to the
# reference the issue's ratios were measured against (README, Speed).
set -eu
rounds=${1:-5}
cd "$(dirname "$0")/.."
here=$PWD
tmp=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$tmp/v1" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/v1" 056114c >/dev/null
sed -e 's#"sim/config/settings.h"#"../sim/settings.h"#; s#"sim/run/simulate.h"#"../sim/simulate.h"#' \
    tests/bench_sim.c > "$tmp/v1/tests/bench_sim.c"
make -C "$tmp/v1" -j2 build/release/tests/bench_sim >/dev/null
make -j2 build/release/tests/bench_sim >/dev/null
mkdir -p "$tmp/f1" "$tmp/f2"
for i in $(seq "$rounds"); do
    (cd "$tmp/v1" && build/release/tests/bench_sim scenarios/soak.json --duration 86400 \
        --set traffic.repeat=true --reps 1 --files "$tmp/f1") | sed 's/^/v1   /'
    build/release/tests/bench_sim scenarios/soak.json --duration 86400 \
        --set traffic.repeat=true --reps 1 --files "$tmp/f2" | sed 's/^/now  /'
done | awk '
    { nf = $0; sub(/.*no files */, "", nf); sub(/ .*/, "", nf)
      fl = $0; sub(/.* files */, "", fl); sub(/ .*/, "", fl)
      n[$1]++; a[$1, n[$1]] = nf; b[$1, n[$1]] = fl }
    function med(arr, who, k,   i, j, t, v) {
        for (i = 1; i <= k; i++) v[i] = arr[who, i]
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return v[int((k + 1) / 2)] }
    END { for (w in n) printf "%-4s no files %s ns/request, every file %s ns/request (median of %d)\n", w, med(a, w, n[w]), med(b, w, n[w]), n[w] }'
