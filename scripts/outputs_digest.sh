#!/bin/sh
# outputs_digest.sh [BINARY] -- run every bundled scenario (seed 1 and 7) and
# print one sha256 line per output file, sorted.  Two builds whose digests
# are equal wrote byte-identical outputs; used to prove that a refactoring or
# a speed-up changed nothing a user sees:
#     scripts/outputs_digest.sh ./autoscale-sim > before.txt
#     ... change ...
#     scripts/outputs_digest.sh ./autoscale-sim > after.txt && diff before.txt after.txt
set -eu
bin=${1:-./autoscale-sim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in $(find scenarios -name "*.json" -not -path "scenarios/traces/*" | sort); do
    [ -f "$s" ] || continue
    for seed in 1 7; do
        d="$tmp/$(echo "$s" | tr '/.' '__')_$seed"
        "$bin" run "$s" --seed "$seed" -q -o "$d" --export openmetrics >/dev/null 2>&1 \
            || echo "$s seed $seed: exit $?" 
    done
done
cd "$tmp" && find . -type f | sort | xargs sha256sum
