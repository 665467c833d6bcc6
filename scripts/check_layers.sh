#!/bin/bash
# check_layers.sh [ROOT] -- fail on an #include against the architecture's
# direction.  The layers, lowest first (a file may include its own layer
# and any lower one, never a higher one):
#
#   0 engine   sim/engine      event queue, RNG streams, statistics, output
#                              files, time text, hashing, growable arrays:
#                              no knowledge of any model
#   1 models   models/stack (traffic, webapp, cluster), models/prometheus
#              (discovery, scrapes, tsdb, alerts, openmetrics), models/promql,
#              models/scaling (scaler loop, policies, replay), models/trace:
#              the simulated world; each model takes its own small config
#              struct, so models never include sim/config
#   2 run      sim/config (settings registry and tables: it builds every
#              model's config), sim/run (one simulation: the loop, its rows,
#              scaler.log and summary writers)
#   3 batch    sim/sweep (sweeps, runs file, pool, aggregation, tuning),
#              sim/report (run directories, figures, plots, reports)
#   4 cli      sim/cli (main and one file per command: options only)
#
# i.e. engine <- models <- run <- sweep/report <- cli.  Files of the same
# layer may include each other (sweep and report are peers).  A file outside
# every folder below (a file left flat in sim/ or models/, or in a new
# folder nobody placed) is an error too, so the map stays complete: add the
# folder to LAYERS with its layer.  System includes (<...>) are not checked;
# tests/ and scripts/ sit outside the layers and may include anything.
#
# Prints one line per violation, "file:line: includes X (layer a -> b)",
# and exits 1 if there is any, else prints "layers OK (N files)" and exits 0.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2

# folder -> layer.  Longest prefix wins, so a sub-folder can be placed apart.
LAYERS='
sim/engine          0
models/stack        1
models/prometheus   1
models/promql       1
models/scaling      1
models/trace        1
models/scenario     1
sim/config          2
sim/run             2
sim/sweep           3
sim/report          3
sim/cli             4
'

layer_of() {  # path relative to root -> layer number, or "" if unplaced
    local p=$1 best="" bestlen=0 dir lay
    while read -r dir lay; do
        [ -n "$dir" ] || continue
        case $p in
            "$dir"/*) if [ ${#dir} -gt $bestlen ]; then best=$lay; bestlen=${#dir}; fi ;;
        esac
    done <<< "$LAYERS"
    echo "$best"
}

bad=0; files=0
while IFS= read -r f; do
    files=$((files + 1))
    src=$(layer_of "$f")
    if [ -z "$src" ]; then
        echo "$f: not in any layer folder (place it, or add its folder to LAYERS in $0)"
        bad=$((bad + 1)); continue
    fi
    dir=$(dirname "$f")
    while IFS=: read -r line inc; do
        # quoted includes are written from the repository root (-I.); a
        # path relative to the including file is accepted too
        target=$(realpath -m --relative-to=. "$dir/$inc")
        [ -e "$target" ] || target=$(realpath -m --relative-to=. "$inc")
        [ -e "$target" ] || continue        # generated or system-like: not ours
        case $target in sim/*|models/*) ;; *) continue ;; esac
        tl=$(layer_of "$target")
        if [ -z "$tl" ]; then
            echo "$f:$line: includes \"$inc\", which is not in any layer folder"
            bad=$((bad + 1))
        elif [ "$tl" -gt "$src" ]; then
            echo "$f:$line: includes \"$inc\" (layer $src -> $tl: against engine <- models <- run <- sweep/report <- cli)"
            bad=$((bad + 1))
        fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | \
             sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
done < <(find sim models -name '*.[ch]' | sort)

if [ $bad -gt 0 ]; then
    echo "check_layers: $bad violation(s) in $files files"
    exit 1
fi
echo "layers OK ($files files)"
