#!/bin/bash
# test_golden.sh -- golden-file tests: every output file of the cases in
# tests/golden/cases.txt must equal its stored copy byte for byte
# (scripts/golden.sh; after an intended change: make golden-update).
set -u
BIN=${ASIM_BIN:-./autoscale-sim}
cd "${ASIM_ROOT:-.}" || exit 2
exec scripts/golden.sh "$BIN"
