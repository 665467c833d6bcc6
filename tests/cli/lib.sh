# lib.sh -- helpers for CLI tests (sourced).  Each test_*.sh calls ok/fail
# per check and ends with `finish`, which prints the RESULT line run.sh reads.
set -u
BIN=${ASIM_BIN:-./autoscale-sim}
ROOT=${ASIM_ROOT:-.}
cd "$ROOT" || exit 2
T_PASS=0; T_FAIL=0; T_SKIP=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ok()   { T_PASS=$((T_PASS + 1)); echo "ok $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "  $2"; }
# expect NAME CONDITION-COMMAND...: ok if the command succeeds
expect() { local n=$1; shift; if "$@"; then ok "$n"; else fail "$n" "$*"; fi; }
# skip NAME REASON: a check that could not run.  A skip is never a pass: it
# is counted and shown by tests/run.sh, and it fails unless ASIM_ALLOW_SKIP=1
# (make test installs every tool the tests need, so a skip there means a
# missing dependency or a vanished feature).
skip() {
    T_SKIP=$((T_SKIP + 1)); echo "SKIP $1: $2"
    if [ "${ASIM_ALLOW_SKIP:-0}" != 1 ]; then T_FAIL=$((T_FAIL + 1)); echo "FAIL $1 (skipped; set ASIM_ALLOW_SKIP=1 to allow)"; fi
}
finish() { echo "RESULT passed=$T_PASS failed=$T_FAIL skipped=$T_SKIP"; [ "$T_FAIL" -eq 0 ]; }
# not CMD...: succeeds when CMD fails (for use with expect)
not() { ! "$@"; }

# start_prometheus CONFIG DATA_DIR LOG: a real prometheus on a free loopback
# port; sets PORT (empty if it did not start) and PROM_PID, and stops it on
# exit.
PROM_PID=
start_prometheus() {
    trap '[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
    PORT=
    local try port i
    for try in 1 2 3 4 5; do
        port=$((20000 + (RANDOM * 7 + $$ + try * 977) % 30000))
        prometheus --config.file="$1" --storage.tsdb.path="$2" \
            --web.listen-address="127.0.0.1:$port" --log.level=error > "$3" 2>&1 &
        PROM_PID=$!
        for i in $(seq 1 100); do
            kill -0 "$PROM_PID" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PORT=$port; break; fi
            sleep 0.05
        done
        [ -n "$PORT" ] && break
        kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; PROM_PID=
    done
}
