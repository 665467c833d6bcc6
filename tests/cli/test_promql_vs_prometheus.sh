#!/bin/bash
# test_promql_vs_prometheus.sh -- the PromQL engine (`autoscale-sim promql`)
# against real Prometheus 2.42, with oracle results produced at test time:
#
#  A. promtool test rules: the samples (staleness marker included) become
#     input_series on a 100 ms grid; every expression of tests/promql/exprs.txt
#     is evaluated at every time of four grids with a deliberately wrong
#     expectation, and promtool's "got:" lines are the oracle.  Label sets and
#     values must match exactly (values as shortest round-trip decimals, i.e.
#     bit for bit); empty results must be empty on both sides; execution
#     errors must occur on both.  promtool stores series in random order, so
#     expressions flagged o/O (sums over 3+ series) get 1e-15/1e-12 relative.
#  B. a real `prometheus` on 127.0.0.1 serving the same samples (without the
#     marker, which OpenMetrics cannot carry; plus millisecond-jittered
#     series) from a block made by `promtool tsdb create-blocks-from
#     openmetrics`: the `data` object of /api/v1/query and /api/v1/query_range
#     must equal our --format json output byte for byte (values, times, label
#     escaping, result order), with no tolerance at all.
#  C. tests/promql/bad_exprs.txt: every malformed or unsupported expression is
#     rejected with "position N: ..." and exit 2 (no crash: make check runs
#     this under ASan); the invalid ones are rejected by Prometheus too.
#  D. a query_range JSON response saved from the server reads back as input.
# Passes with a SKIP line when prometheus/promtool are not installed.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
D=tests/promql

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
    skip "promql vs prometheus" "promtool/prometheus not installed (Debian package 'prometheus'); nothing compared"
    finish
    exit $?
fi

awk -f $D/gen_series.awk > "$TMP/full.csv" || { fail gen "gen_series.awk failed"; finish; exit 1; }
grep -v '^"jitter_' "$TMP/full.csv" > "$TMP/promtool.csv"   # promtool: 100 ms grid only
grep -v ',stale$' "$TMP/full.csv" > "$TMP/server.csv"        # OpenMetrics has no markers

# id<TAB>flags<TAB>expr
awk -F'\t' '!/^#/ && NF >= 2 { print ++n "\t" $1 "\t" $2 }' $D/exprs.txt > "$TMP/exprs"
nexpr=$(wc -l < "$TMP/exprs")
expect "at_least_40_expressions ($nexpr)" [ "$nexpr" -ge 40 ]

# Evaluation grids start:end:step (s): aligned with app-1's scrapes, unaligned,
# around app-3's staleness marker (298.2 s), around fade_gauge's 5 m lookback
# edge (last sample 100 s).  Server instants: before/at/after the marker.
GRIDS="0:600:30 3.7:597.7:41.1 293.2:333.2:5 399.9:400.2:0.1"
INSTANTS="300 431.7"
if [ -n "${ASIM_SANITIZED:-}" ]; then        # ~10x slower binary: fewer points
    GRIDS="293.2:333.2:5"
    INSTANTS="300"
fi
gi=0
for g in $GRIDS; do
    gi=$((gi + 1))
    awk -v g="$g" 'BEGIN { split(g, a, ":"); s = int(a[1] * 1000 + 0.5); e = int(a[2] * 1000 + 0.5)
                           p = int(a[3] * 1000 + 0.5); for (t = s; t <= e; t += p) print t }' > "$TMP/grid$gi"
done
NGRID=$gi

# --- A. promtool ------------------------------------------------------------

# CSV -> promtool input_series on a 100 ms grid (_xN for gaps)
awk -F, 'NR > 1 {
    v = $NF; t = $(NF-1); s = $0; sub(/,[^,]*,[^,]*$/, "", s)
    s = substr(s, 2, length(s) - 2); gsub(/""/, "\"", s)
    split(t, tp, "."); ms = tp[1] * 1000 + substr(tp[2] "000", 1, 3)
    if (ms % 100) { print "off-grid sample " $0 > "/dev/stderr"; exit 1 }
    idx = ms / 100
    if (!(s in last)) { order[++n] = s; last[s] = -1 }
    gap = idx - last[s] - 1
    if (gap > 0) vals[s] = vals[s] " _x" gap
    vals[s] = vals[s] " " v; last[s] = idx
}
END {
    print "evaluation_interval: 1m"
    print "tests:"
    print "  - interval: 100ms"
    print "    input_series:"
    for (i = 1; i <= n; i++) { s = order[i]; print "      - series: '\''" s "'\''"; print "        values: '\''" substr(vals[s], 2) "'\''" }
    print "    promql_expr_test:"
}' "$TMP/promtool.csv" > "$TMP/unit.yml" || { fail promtool_yaml "conversion failed"; finish; exit 1; }

# one case per expression and time, tagged with a PromQL comment "# c=id:ms"
awk -F'\t' -v ngrid="$NGRID" -v tmp="$TMP" '
BEGIN { for (g = 1; g <= ngrid; g++) while ((getline t < (tmp "/grid" g)) > 0) times[++nt] = t }
$2 !~ /m/ { for (i = 1; i <= nt; i++) if (!seen[$1 ":" times[i]]++)
    printf "      - expr: '\''%s # c=%s:%s'\''\n        eval_time: %sms\n        exp_samples: [{labels: '\''zz_sentinel'\'', value: -1}]\n", $3, $1, times[i], times[i] }
' "$TMP/exprs" >> "$TMP/unit.yml"
# promtool loads samples only up to the last evaluation-grid time <= the
# largest eval_time: this last case makes it load everything
printf "      - expr: 'vector(0)'\n        eval_time: 11m\n        exp_samples: [{labels: '{}', value: 0}]\n" >> "$TMP/unit.yml"
ncases=$(grep -c ' # c=' "$TMP/unit.yml")

promtool test rules "$TMP/unit.yml" > "$TMP/promtool.out" 2>&1
# oracle: key<TAB>labels<TAB>value (key = id:ms); EMPTY; or ERROR<TAB>message
awk '
function e2f(s,   neg, a, d, ex, pt, n, i, o) {     # Go %E -> Go %f, digits kept
    if (s == "NaN" || s == "+Inf" || s == "-Inf") return s
    neg = ""; if (substr(s, 1, 1) == "-") { neg = "-"; s = substr(s, 2) }
    split(s, a, "E"); d = a[1]; sub(/\./, "", d); ex = a[2] + 0
    pt = ex + 1; n = length(d)
    if (pt <= 0) { o = "0."; for (i = 0; i < -pt; i++) o = o "0"; o = o d }
    else if (pt >= n) { o = d; for (i = n; i < pt; i++) o = o "0" }
    else o = substr(d, 1, pt) "." substr(d, pt + 1)
    return neg o
}
function labels(s,   n, p, i, name, rest) {      # {__name__="x", a="b"} -> x{a="b"}, x, {}
    s = substr(s, 2, length(s) - 2); name = ""; rest = ""
    n = split(s, p, ", ")
    for (i = 1; i <= n; i++) {
        if (p[i] == "") continue
        if (substr(p[i], 1, 9) == "__name__=") { name = substr(p[i], 11, length(p[i]) - 11); continue }
        rest = rest (rest == "" ? "" : ",") p[i]
    }
    return (name != "" && rest == "") ? name : name "{" rest "}"
}
/^    expr: / {
    key = ""
    if (!match($0, /# c=[0-9]+:[0-9]+/)) next
    key = substr($0, RSTART + 4, RLENGTH - 4)
    if (index($0, ", err: ")) { m = $0; sub(/.*, err: /, "", m); print key "\tERROR\t" m; key = "" }
    next
}
/^        got: / && key != "" {
    s = $0; sub(/^        got: /, "", s)
    if (s == "nil") { print key "\tEMPTY\t"; next }
    while (match(s, /^\{[^}]*\} [^ ,]+/)) {
        e = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1); sub(/^, /, "", s)
        sp = index(e, "} "); print key "\t" labels(substr(e, 1, sp)) "\t" e2f(substr(e, sp + 2))
    }
}' "$TMP/promtool.out" | sort > "$TMP/oracle.tsv"
nkeys=$(cut -f1 "$TMP/oracle.tsv" | sort -u | wc -l)
expect "promtool_answered_every_case ($nkeys of $ncases)" [ "$nkeys" -eq "$ncases" ]

# ours: one range query per expression and grid; if it fails (an execution
# error may hit only some steps), one instant query per time instead
mkdir -p "$TMP/a"
: > "$TMP/a.manifest"
while IFS=$'\t' read -r id flags expr; do
    case $flags in *m*) continue ;; esac
    gi=0
    for g in $GRIDS; do
        gi=$((gi + 1))
        IFS=: read -r s e p <<< "$g"
        if "$BIN" promql --series "$TMP/promtool.csv" --start "$s" --end "$e" --step "$p" -- "$expr" \
                > "$TMP/a/$id.$gi" 2> "$TMP/a/$id.$gi.err"; then
            printf '%s\t%s\trange\n' "$id" "$gi" >> "$TMP/a.manifest"
            continue
        fi
        while read -r ms; do
            printf -v t "%d.%03d" $((ms / 1000)) $((ms % 1000))
            if "$BIN" promql --series "$TMP/promtool.csv" --at "$t" -- "$expr" > "$TMP/a/$id.$ms" 2> "$TMP/a/$id.$ms.err"; then
                printf '%s\t%s\tinstant\n' "$id" "$ms" >> "$TMP/a.manifest"
            else
                printf '%s\t%s\terror\n' "$id" "$ms" >> "$TMP/a.manifest"
            fi
        done < "$TMP/grid$gi"
    done
done < "$TMP/exprs"
awk -F'\t' -v tmp="$TMP" '
function ms_of(t,   tp) { sub(/^@/, "", t); split(t, tp, "."); return tp[1] * 1000 + substr(tp[2] "000", 1, 3) }
{
    id = $1
    if ($3 == "range") {
        f = tmp "/a/" id "." $2
        while ((getline line < f) > 0) {
            n = split(line, w, " "); if (n < 3) continue
            l = line; sub(/ [^ ]+ [^ ]+$/, "", l); k = id ":" ms_of(w[n]); out[k] = out[k] k "\t" l "\t" w[n - 1] "\n"
        }
        close(f)
        g = tmp "/grid" $2
        while ((getline t < g) > 0) want[id ":" t] = 1
        close(g)
    } else if ($3 == "instant") {
        k = id ":" $2; want[k] = 1; f = tmp "/a/" id "." $2
        while ((getline line < f) > 0) { n = split(line, w, " "); if (n < 2) continue
            l = line; sub(/ [^ ]+$/, "", l); out[k] = out[k] k "\t" l "\t" w[n] "\n" }
        close(f)
    } else {
        k = id ":" $2; want[k] = 1; f = tmp "/a/" id "." $2 ".err"
        getline m < f; close(f); sub(/^autoscale-sim promql: error: (execution: )?/, "", m)
        out[k] = k "\tERROR\t" m "\n"
    }
}
END { for (k in want) printf "%s", (k in out) ? out[k] : k "\tEMPTY\t\n" }' "$TMP/a.manifest" | sort > "$TMP/ours.tsv"

# compare per key: identical, or (flag o/O) same labels with values within a
# relative tolerance; errors must agree (up to the series a many-to-many
# message names, which depend on promtool's random storage order)
awk -F'\t' -v exprs="$TMP/exprs" '
BEGIN { while ((getline l < exprs) > 0) { split(l, f, "\t"); flag[f[1]] = f[2]; text[f[1]] = f[3] } }
FNR == 1 { file++ }
file == 1 { o[$1] = o[$1] $2 "\t" $3 "\n"; keys[$1] = 1; next }
{ u[$1] = u[$1] $2 "\t" $3 "\n"; keys[$1] = 1 }
function near(a, b, tol,   x, y, d) {
    if (a == b) return 1
    if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/) return 0
    x = a + 0; y = b + 0; d = x - y; if (d < 0) d = -d
    return d <= tol * (y < 0 ? -y : y)
}
END {
    for (k in keys) {
        split(k, kk, ":"); id = kk[1]
        if (o[k] == u[k]) { good[id]++; continue }
        if (o[k] ~ /^ERROR\t/ && u[k] ~ /^ERROR\t/) {
            a = o[k]; b = u[k]; sub(/\[.*/, "", a); sub(/\[.*/, "", b)
            if (a == b) { good[id]++; continue }
        }
        tol = flag[id] ~ /O/ ? 1e-12 : flag[id] ~ /o/ ? 1e-15 : 0
        same = 0
        if (tol > 0 && (n1 = split(o[k], la, "\n")) == split(u[k], lb, "\n")) {
            same = 1
            for (i = 1; i <= n1; i++) {
                split(la[i], x, "\t"); split(lb[i], y, "\t")
                if (x[1] != y[1] || !near(y[2], x[2], tol)) same = 0
            }
        }
        if (same) { good[id]++; continue }
        if (!bad[id]++) printf "MISMATCH %s `%s` at %s ms\n  promtool: %s  ours:     %s", id, text[id], kk[2], o[k], u[k]
    }
    for (id in text) if (flag[id] !~ /m/) {
        if (bad[id]) print "FAIL promtool_" id " " bad[id] " of " good[id] + bad[id] " times differ"
        else print "ok promtool_" id " " good[id] " times"
    }
}' "$TMP/oracle.tsv" "$TMP/ours.tsv" > "$TMP/cmp_a"
grep -v '^ok \|^FAIL ' "$TMP/cmp_a" | head -40
while read -r st name rest; do
    if [ "$st" = ok ]; then ok "$name ($rest)"; else fail "$name" "$rest"; fi
done < <(grep '^ok \|^FAIL ' "$TMP/cmp_a" | sort -t_ -k2 -n)

# --- B. the real server ---------------------------------------------------------

# OpenMetrics timestamps are float seconds that Prometheus truncates to ms
# (261.9 -> 261899): a tenth of a microsecond more keeps every ms exact
awk -F, 'NR > 1 {
    v = $NF; t = $(NF-1); s = $0; sub(/,[^,]*,[^,]*$/, "", s)
    s = substr(s, 2, length(s) - 2); gsub(/""/, "\"", s)
    print s " " v " " t "0001"
}' "$TMP/server.csv" | sort -t' ' -k1,1 -s > "$TMP/server.om"
echo '# EOF' >> "$TMP/server.om"
mkdir -p "$TMP/promdata"
if ! promtool tsdb create-blocks-from openmetrics "$TMP/server.om" "$TMP/promdata" > "$TMP/blocks.log" 2>&1; then
    fail server_blocks "$(tail -3 "$TMP/blocks.log")"
    finish; exit $?
fi
printf 'global:\n  scrape_interval: 1m\n' > "$TMP/prom.yml"

start_prometheus "$TMP/prom.yml" "$TMP/promdata" "$TMP/prom.log"

urlencode() {
    local s=$1 out= c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in [a-zA-Z0-9.~_-]) out+=$c ;; *) printf -v c '%%%02X' "'$c"; out+=$c ;; esac
    done
    printf '%s' "$out"
}
http_get() {  # path?query -> body (curl when there is one, else bash's /dev/tcp)
    if command -v curl >/dev/null; then curl -s --max-time 20 "http://127.0.0.1:$PORT$1"; return; fi
    local resp
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
    resp=$(cat <&3); exec 3<&-
    printf '%s' "${resp#*$'\r\n\r\n'}"
}
fetch_all() {  # file of paths -> one body per line
    if command -v curl >/dev/null; then
        sed "s|^|url = \"http://127.0.0.1:$PORT|; s|\$|\"|" "$1" > "$1.curl"
        curl -s --max-time 60 -w '\n' --config "$1.curl"
    else
        while read -r p; do http_get "$p"; echo; done < "$1"
    fi
}
ready=0
if [ -n "$PORT" ]; then
    for i in $(seq 1 100); do
        case $(http_get /-/ready) in *Ready*) ready=1; break ;; esac
        sleep 0.05
    done
fi

if [ $ready -ne 1 ]; then
    fail server_started "prometheus did not start: $(tail -3 "$TMP/prom.log")"
else
    ok server_started
    # queries: id<TAB>label<TAB>path, our arguments in a parallel file
    : > "$TMP/b.queries"; : > "$TMP/b.paths"; : > "$TMP/b.ours"
    while IFS=$'\t' read -r id flags expr; do
        q=$(urlencode "$expr")
        for t in $INSTANTS; do
            printf '%s\tat %s\n' "$id" "$t" >> "$TMP/b.queries"
            printf '/api/v1/query?query=%s&time=%s\n' "$q" "$t" >> "$TMP/b.paths"
            "$BIN" promql --series "$TMP/server.csv" --format json --at "$t" -- "$expr" >> "$TMP/b.ours" 2> "$TMP/err" ||
                printf 'ERROR\t%s\n' "$(sed -n '1s/^autoscale-sim promql: error: \(execution: \)\{0,1\}//p' "$TMP/err")" >> "$TMP/b.ours"
        done
        case $flags in *m*) continue ;; esac
        for g in $GRIDS; do
            IFS=: read -r s e p <<< "$g"
            printf '%s\trange %s\n' "$id" "$g" >> "$TMP/b.queries"
            printf '/api/v1/query_range?query=%s&start=%s&end=%s&step=%s\n' "$q" "$s" "$e" "$p" >> "$TMP/b.paths"
            "$BIN" promql --series "$TMP/server.csv" --format json --start "$s" --end "$e" --step "$p" -- "$expr" \
                >> "$TMP/b.ours" 2> "$TMP/err" ||
                printf 'ERROR\t%s\n' "$(sed -n '1s/^autoscale-sim promql: error: \(execution: \)\{0,1\}//p' "$TMP/err")" >> "$TMP/b.ours"
        done
    done < "$TMP/exprs"
    fetch_all "$TMP/b.paths" > "$TMP/b.server"
    # compare line by line; the server line is the whole API body
    awk -F'\t' -v exprs="$TMP/exprs" -v qf="$TMP/b.queries" -v of="$TMP/b.ours" '
    BEGIN { while ((getline l < exprs) > 0) { split(l, f, "\t"); flag[f[1]] = f[2]; text[f[1]] = f[3] } }
    function data(s,   m) {
        if (substr(s, 1, 27) == "{\"status\":\"success\",\"data\":") return substr(s, 28, length(s) - 28)
        if (match(s, /"error":".*"}$/)) { m = substr(s, RSTART + 9, RLENGTH - 11); gsub(/\\"/, "\"", m); return "ERROR\t" m }
        return "BAD\t" s
    }
    function sorted(s,   n, a, i, j, x, head, tail) {   # instant vector elements in a canonical order
        if (!match(s, /^\{"resultType":"vector","result":\[/)) return s
        head = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1); tail = "]}"; s = substr(s, 1, length(s) - 2)
        n = split(s, a, /\},\{"metric"/)
        for (i = 2; i <= n; i++) a[i] = "{\"metric\"" a[i]
        for (i = 1; i < n; i++) a[i] = a[i] "}"
        for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        s = head; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
        return s tail
    }
    {
        getline q < qf; getline ours < of
        split(q, qq, "\t"); id = qq[1]; srv = data($0)
        if (flag[id] ~ /u/) { srv = sorted(srv); ours = sorted(ours) }
        n[id]++
        if (srv == ours) next
        bad[id]++
        if (!(id in why)) why[id] = qq[2] ": server: " substr(srv, 1, 400) " | ours: " substr(ours, 1, 400)
    }
    END {
        for (id in n) {
            if (bad[id]) print "FAIL server_json_" id " `" text[id] "` " bad[id] " of " n[id] " differ; " why[id]
            else print "ok server_json_" id " " n[id] " queries"
        }
    }' "$TMP/b.server" > "$TMP/cmp_b"
    while read -r st name rest; do
        if [ "$st" = ok ]; then ok "$name ($rest)"; else fail "$name" "$rest"; fi
    done < <(sort -t_ -k3 -n "$TMP/cmp_b")

    # D. a query_range response read back as input reproduces itself
    body=$(http_get "/api/v1/query_range?query=webapp_response_time_seconds&start=0&end=600&step=5")
    printf '%s' "$body" > "$TMP/range.json"
    want=${body#'{"status":"success","data":'}; want=${want%\}}
    got=$("$BIN" promql --series "$TMP/range.json" --format json --start 0 --end 600 --step 5 webapp_response_time_seconds 2>&1)
    expect "query_range_json_roundtrip" [ "$want" = "$got" ]
    got=$("$BIN" promql --series "$TMP/range.json" --at 100 'count_over_time(webapp_response_time_seconds[30s])' 2>&1)
    expect "query_range_json_as_input" [ "$got" = '{instance="app-1:8080",job="webapp"} 7
{instance="app-2:8080",job="webapp"} 7
{instance="app-3:8080",job="webapp"} 7' ]
fi

# --- C. malformed and unsupported expressions --------------------------------------

nbad=0
: > "$TMP/c.paths"
while IFS=$'\t' read -r kind expr; do
    case $kind in x|u) ;; *) continue ;; esac
    nbad=$((nbad + 1))
    "$BIN" promql --series "$TMP/server.csv" --at 100 -- "$expr" > "$TMP/out" 2> "$TMP/err"; rc=$?
    name="bad_expr_$nbad"
    printf '/api/v1/query?query=%s&time=100\n' "$(urlencode "$expr")" >> "$TMP/c.paths"
    if [ $rc -ne 2 ]; then fail "$name" "\`$expr\`: exit $rc (want 2): $(head -c 300 "$TMP/err")"; continue; fi
    if ! grep -q '^autoscale-sim promql: error: expression: position [0-9][0-9]*: ' "$TMP/err"; then
        fail "$name" "\`$expr\`: message lacks the position: $(head -c 300 "$TMP/err")"; continue
    fi
    if [ "$kind" = u ] && ! grep -q 'not supported' "$TMP/err"; then
        fail "$name" "\`$expr\`: valid PromQL should be reported as not supported: $(cat "$TMP/err")"; continue
    fi
    ok "$name"
done < $D/bad_exprs.txt
expect "at_least_20_bad_expressions ($nbad)" [ "$nbad" -ge 20 ]
if [ $ready -eq 1 ]; then
    fetch_all "$TMP/c.paths" > "$TMP/c.server"
    paste <(grep -v '^#' $D/bad_exprs.txt | grep -v '^$') "$TMP/c.server" |
        awk -F'\t' '$1 == "x" && $3 !~ /"status":"error"/ { print "`" $2 "`: " substr($3, 1, 200) }' > "$TMP/c.accepted"
    expect "prometheus_rejects_the_invalid_ones" [ ! -s "$TMP/c.accepted" ]
    [ -s "$TMP/c.accepted" ] && cat "$TMP/c.accepted"
fi

finish
