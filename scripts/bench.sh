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
