#!/bin/bash
# test_check_layers.sh -- scripts/check_layers.sh on a small tree laid out
# as the target folders: it must accept includes down the layers and refuse
# one against the direction and a file outside every layer folder.  (The
# check of the real tree joins `make test` once files sit in their folders.)
source "$(dirname "$0")/lib.sh"
t="$TMP/tree"
mkdir -p "$t/scripts" "$t/sim/engine" "$t/sim/config" "$t/sim/run" "$t/sim/sweep" "$t/sim/cli" "$t/models/stack"
cp scripts/check_layers.sh "$t/scripts/"
echo '#include <stdio.h>' > "$t/sim/engine/evq.h"
printf '#include "evq.h"\n' > "$t/sim/engine/evq.c"
echo > "$t/models/stack/webapp.h"
printf '#include "../../sim/engine/evq.h"\n#include "webapp.h"\n' > "$t/models/stack/webapp.c"
echo > "$t/sim/config/config.h"
printf '#include "../config/config.h"\n#include "../../models/stack/webapp.h"\n' > "$t/sim/run/simulate.c"
echo > "$t/sim/run/simulate.h"
printf '#include "../run/simulate.h"\n' > "$t/sim/sweep/sweep.c"
printf '#include "../sweep/sweep.c"\n#include "../engine/evq.h"\n' > "$t/sim/cli/main.c"
"$t/scripts/check_layers.sh" "$t" > "$TMP/out" 2>&1; rc=$?
expect layers_down_ok test $rc -eq 0
expect layers_down_ok_msg grep -q "layers OK (9 files)" "$TMP/out"

printf '#include "../../sim/config/config.h"\n' >> "$t/models/stack/webapp.c"   # a model reading sim/config
"$t/scripts/check_layers.sh" "$t" > "$TMP/out" 2>&1; rc=$?
expect layers_up_fails test $rc -eq 1
expect layers_up_names_line grep -q 'models/stack/webapp.c:3: includes "../../sim/config/config.h" (layer 1 -> 2' "$TMP/out"
sed -i '3d' "$t/models/stack/webapp.c"

printf '#include "../cli/main.c"\n' > "$t/sim/engine/bad.c"                       # engine reaching the CLI
echo > "$t/sim/loose.c"                                                          # a file left flat
"$t/scripts/check_layers.sh" "$t" > "$TMP/out" 2>&1; rc=$?
expect layers_engine_up_fails grep -q 'sim/engine/bad.c:1: .*layer 0 -> 4' "$TMP/out"
expect layers_unplaced_fails grep -q 'sim/loose.c: not in any layer folder' "$TMP/out"
expect layers_count grep -q 'check_layers: 2 violation(s)' "$TMP/out"
finish
