#!/bin/bash
# Runs every unit-test binary in BUILD/tests (C, tests/test_*.c or
# tests/unit/test_*.c) and every CLI test script in tests/cli/ (the program
# run as a user would, golden files included), then prints the total as
# "N passed, N failed".  Results are named unit/NAME and cli/NAME, so a unit
# test and a CLI test of the same module (unit/test_trace, cli/test_trace)
# are never confused.
# Usage: tests/run.sh BUILD_DIR [unit|cli]   (BUILD_DIR e.g. build/release or
# build/asan; the second argument runs one kind only)
set -u
build=${1:-build/release}
kind=${2:-all}
cd "$(dirname "$0")/.." || exit 2
export ASIM_BIN="$PWD/$build/autoscale-sim"
export ASIM_ROOT="$PWD"
passed=0; failed=0; skipped=0; failed_names=""
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

tally() {  # name, output file, exit status
    local name=$1 out=$2 rc=$3 p f k
    p=$(sed -n 's/^RESULT passed=\([0-9]*\) failed=\([0-9]*\).*$/\1/p' "$out" | tail -1)
    f=$(sed -n 's/^RESULT passed=\([0-9]*\) failed=\([0-9]*\).*$/\2/p' "$out" | tail -1)
    k=$(sed -n 's/^RESULT .* skipped=\([0-9]*\)$/\1/p' "$out" | tail -1)
    skipped=$((skipped + ${k:-0}))
    if [ -z "$p" ]; then p=0; f=1; fi          # crashed before reporting
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failed_names="$failed_names $name"
        echo "---- $name (exit $rc)"; grep -v '^ok ' "$out" | tail -40
    else
        if [ "${k:-0}" -gt 0 ]; then
            echo "ok   $name ($p, $k skipped)"; grep '^SKIP ' "$out"
        else
            echo "ok   $name ($p)"
        fi
    fi
}

for t in "$build"/tests/test_* "$build"/tests/unit/test_*; do
    [ "$kind" = cli ] && break
    [ -x "$t" ] && [ -f "$t" ] || continue
    case $t in *.o|*.d) continue ;; esac
    name=unit/$(basename "$t")
    "$t" > "$log/${name//\//_}.out" 2>&1; rc=$?
    tally "$name" "$log/${name//\//_}.out" $rc
done
for t in tests/cli/test_*.sh; do
    [ "$kind" = unit ] && break
    [ -f "$t" ] || continue
    name=cli/$(basename "$t" .sh)
    bash "$t" > "$log/${name//\//_}.out" 2>&1; rc=$?
    tally "$name" "$log/${name//\//_}.out" $rc
done
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
