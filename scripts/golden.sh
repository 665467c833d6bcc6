#!/bin/sh
# golden.sh [--update] [BINARY] -- golden-file tests: run each case of
# tests/golden/cases.txt and compare every output file, byte for byte, with
# the stored copy in tests/golden/NAME/.  Any difference (a changed, missing
# or extra file) fails and is shown as a diff.  --update rewrites the stored
# copies instead (`make golden-update`): one command after an intended
# change, then review `git diff tests/golden` and commit.
# Prints "ok NAME" / "FAIL NAME" per case and "RESULT passed=N failed=M".
set -u
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
bin=${1:-./autoscale-sim}
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac
cd "$(dirname "$0")/.." || exit 2
gold=tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; failed=0
while read -r name args; do
    case $name in ''|'#'*) continue ;; esac
    out="$tmp/$name"
    # shellcheck disable=SC2086  # args are words by design
    "$bin" $args -q -o "$out" >"$tmp/$name.stdout" 2>"$tmp/$name.stderr"; rc=$?
    if [ $rc -ne 0 ]; then
        failed=$((failed + 1)); echo "FAIL $name (exit $rc)"; sed 's/^/  /' "$tmp/$name.stderr" | head -5
        continue
    fi
    if [ $update -eq 1 ]; then
        rm -rf "${gold:?}/$name" && mkdir -p "$gold/$name" && cp "$out"/* "$gold/$name/"
        pass=$((pass + 1)); echo "updated $name"
    elif [ ! -d "$gold/$name" ]; then
        failed=$((failed + 1)); echo "FAIL $name: no stored outputs (run make golden-update)"
    elif diff -r -u "$gold/$name" "$out" >"$tmp/$name.diff"; then
        pass=$((pass + 1)); echo "ok $name"
    else
        failed=$((failed + 1)); echo "FAIL $name: outputs differ from $gold/$name (make golden-update if intended)"
        head -40 "$tmp/$name.diff" | sed 's/^/  /'
    fi
done < "$gold/cases.txt"
# stored cases that are no longer listed
if [ $update -eq 1 ]; then
    for d in "$gold"/*/; do
        n=$(basename "$d")
        grep -q "^$n[[:space:]]" "$gold/cases.txt" || { rm -rf "${gold:?}/$n"; echo "removed $n"; }
    done
fi
echo "RESULT passed=$pass failed=$failed"
[ $failed -eq 0 ]
