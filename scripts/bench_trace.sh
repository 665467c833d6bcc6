#!/bin/bash
# bench_trace.sh -- trace replay speed and memory (run by scripts/bench.sh).
# Usage: scripts/bench_trace.sh BUILD_DIR   (tests/bench_trace must be built there)
#
# Generates a 10-million-line Combined Log Format access log in /tmp (~1.3 GB,
# removed afterwards; LINES=N to change), then measures, each phase in its
# own process so /usr/bin/time -v sees its peak memory alone: the reader
# alone, the transformed trace source, and a whole simulation replaying it.
# The 1-million-line log is measured too: peak memory must not grow with the
# trace (streaming), only time.
set -eu
build=${1:-build/release}
cd "$(dirname "$0")/.."
lines=${LINES:-10000000}
small=$((lines / 10))
f=$(mktemp /tmp/asim-bench-trace-XXXXXX)
g=$(mktemp /tmp/asim-bench-trace-XXXXXX)
trap 'rm -f "$f" "$g"' EXIT

rss() {   # phase file lines -> prints the phase line and the peak RSS (KiB)
    /usr/bin/time -v "$build/tests/bench_trace" --lines "$3" --file "$2" --phase "$1" 2> "$f.time" |
        sed 's/; peak RSS.*//'
    local k
    k=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$f.time")
    rm -f "$f.time"
    echo "        peak RSS ${k} KiB (/usr/bin/time -v)"
}

echo "== trace replay (tests/bench_trace.c): a ${lines}-line access log"
"$build/tests/bench_trace" --lines "$lines" --file "$f" --phase gen
echo "   ($(du -h "$f" | cut -f1) on disk)"
for p in read source sim; do rss "$p" "$f" "$lines"; done
echo "-- the same phases on ${small} lines: memory must not grow with the trace"
"$build/tests/bench_trace" --lines "$small" --file "$g" --phase gen > /dev/null
for p in read source; do rss "$p" "$g" "$small"; done
