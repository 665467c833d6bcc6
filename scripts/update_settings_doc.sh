#!/bin/sh
# Regenerate the settings table in doc/settings.md from the program (the one
# source of truth), keeping the prose around it.  Usage: scripts/update_settings_doc.sh [BIN]
set -eu
bin=${1:-./autoscale-sim}
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table" doc/settings.md.tmp' EXIT
"$bin" settings --markdown > "$table"
awk -v t="$table" '
    /^\|/ { if (!done) { while ((getline l < t) > 0) print l; done = 1 } next }
    { print }' doc/settings.md > doc/settings.md.tmp
mv doc/settings.md.tmp doc/settings.md
