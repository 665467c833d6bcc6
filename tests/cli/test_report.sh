#!/bin/bash
# test_report.sh -- `report` and `run --report`: report.html is one
# self-contained page (figures inlined as SVG, no external resource, user
# text escaped) that headless Chromium loads without console errors and with
# every figure; report.md references the PNGs; a missing gnuplot still
# gives a report, exit 2 and the install hint.
. "$(dirname "$0")/lib.sh"

d=$TMP/run
# The description carries markup that must come out as text, not as markup.
$BIN run scenarios/manual.json --out "$d" --quiet --report \
    --set 'description=<script>alert(1)</script> & "quotes" | pipe' > /dev/null 2> "$TMP/err"
rc=$?
have_gp=1
command -v gnuplot > /dev/null || have_gp=0
if [ $have_gp = 1 ]; then
    expect "run --report exits 0" test $rc -eq 0
else
    skip "report figures" "gnuplot not installed"
fi
h=$d/report.html
expect "report.html and report.md written" test -f "$h" -a -f "$d/report.md"

# Static checks of the page (python's HTML parser: structure, not regexes).
python3 - "$h" $have_gp > "$TMP/static" 2>&1 <<'EOF'
import sys
from html.parser import HTMLParser
path, have_gp = sys.argv[1], sys.argv[2] == '1'
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.ext, self.stack, self.svg_in_fig = [], [], [], [], {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if 'id' in a: self.ids.append(a['id'])
        for k in ('src', 'href', 'xlink:href'):
            v = a.get(k) or ''
            if v.startswith(('http:', 'https:', '//')): self.ext.append(v)
        if tag == 'figure': self.stack.append(a.get('id'))
        if tag == 'svg' and self.stack: self.svg_in_fig[self.stack[-1]] = True
    def handle_endtag(self, tag):
        if tag == 'figure' and self.stack: self.stack.pop()
p = P()
text = open(path, encoding='utf-8').read()
p.feed(text)
checks = {
    'no script, link, iframe or img element': not {'script', 'link', 'iframe', 'img'} & set(p.tags),
    'no external URL in src/href': not p.ext,
    'ids unique': len(p.ids) == len(set(p.ids)),
    'description escaped': '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;' in text,
    'summary, elasticity, events, alerts, settings sections': all(s in text for s in
        ('Summary metrics', 'Elasticity', 'Scaling events', 'Alerts', 'Settings', 'elastic_under_accuracy')),
    'scaling events table lists the first scale-up': 'above 0.6 for 2 checks' in text,
}
if have_gp:
    checks['timeline figure inlined as SVG'] = p.svg_in_fig.get('fig-timeline', False)
    checks['dashboard figure inlined as SVG'] = p.svg_in_fig.get('fig-dashboard', False)
bad = [k for k, v in checks.items() if not v]
for k in bad: print('  failed: ' + k)
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$TMP/static"
expect "report.html is self-contained, escaped, complete" test $rc -eq 0

m=$d/report.md
expect "report.md: summary and elasticity tables" \
    eval 'grep -q "^| metric | value | meaning |" "$m" && grep -q "^| \`elastic_under_timeshare\` | " "$m"'
expect "report.md: scaling events table" grep -q '^| 20.000 | 10:00:20 | scale_up | ' "$m"
expect "report.md: pipes in user text escaped" grep -q '"quotes" \\| pipe' "$m"
if [ $have_gp = 1 ]; then
    expect "report.md references the PNG figures, which exist" \
        eval 'grep -q "!\[Timeline\](timeline.png)" "$m" && test -s "$d/timeline.png" -a -s "$d/dashboard.png"'
fi

# Settings (issue 13): the report lists only those that differ from the
# defaults (computed here from `settings --json` and summary.json), each with
# its default; the full list is folded in a <details> element.
$BIN settings --json > "$TMP/defaults.json"
python3 - "$h" "$d/summary.json" "$TMP/defaults.json" "$m" > "$TMP/settings" 2>&1 <<'EOF'
import json, sys
from html.parser import HTMLParser
html, summ, defs, md = sys.argv[1:5]
def flat(o, p=''):
    out = {}
    for k, v in o.items():
        q = p + '.' + k if p else k
        if isinstance(v, dict): out.update(flat(v, q))
        else: out[q] = v
    return out
run, dflt = flat(json.load(open(summ))['settings']), flat(json.load(open(defs)))
want = {k for k, v in run.items() if k not in ('name', 'description', 'seed') and (k not in dflt or dflt[k] != v)}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.tab = self.det = False; self.rows = []; self.cell = None; self.det_pre = False
    def handle_starttag(self, t, a):
        a = dict(a)
        if t == 'table' and a.get('id') == 'settings-changed': self.tab = True
        if t == 'details' and a.get('id') == 'settings-all': self.det = True; self.det_open = 'open' in a
        if t == 'pre' and self.det: self.det_pre = True
        if self.tab and t == 'tr': self.rows.append([])
        if self.tab and t == 'td': self.cell = ''
    def handle_endtag(self, t):
        if t == 'table': self.tab = False
        if t == 'details': self.det = False
        if t == 'td' and self.cell is not None: self.rows[-1].append(self.cell); self.cell = None
    def handle_data(self, x):
        if self.cell is not None: self.cell += x
p = P(); p.feed(open(html, encoding='utf-8').read())
mdtext = open(md, encoding='utf-8').read()
mdc, _, mdfold = mdtext.partition('<details>')
got = {r[0] for r in p.rows if r}
checks = {
    'the changed settings are exactly those that differ (%s)' % sorted(want): got == want and len(want) > 0,
    'each row gives the default': all(len(r) == 3 and json.dumps(dflt[r[0]], separators=(',', ':')).strip('"') == r[2]
                                      for r in p.rows if r and r[0] in dflt),
    'an unchanged setting is not in the table': 'scaler.max_replicas' not in got,
    'the full list is folded (<details>, closed)': p.det_pre and not p.det_open,
    'report.md lists the same settings, the full list folded': all(('| `%s` |' % k) in mdc for k in want)
        and '| `scaler.max_replicas` |' not in mdc and '| `scaler.max_replicas` |' in mdfold,
}
bad = [k for k, v in checks.items() if not v]
for k in bad: print('  failed: ' + k)
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$TMP/settings"
expect "report lists only the settings that differ from the defaults, the full list folded" test $rc -eq 0

# Headless Chromium: loads offline, no console errors, both figures rendered.
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] || [ $have_gp = 0 ]; then
    skip "headless Chromium check" "chromium or gnuplot not installed (make deps-test installs them)"
else
    prof=$(mktemp -d "$TMP/chrome.XXXXXX")
    flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
           --disable-sync --no-first-run --user-data-dir="$prof" --enable-logging=stderr --v=0)
    # Figures' rendered sizes come from script-free layout; the DOM dump
    # after load is checked for both SVGs with drawn content.
    timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$h" > "$TMP/dom" 2> "$TMP/chrome.err"
    rc=$?
    expect "chromium loads report.html" eval 'test $rc -eq 0 && grep -q "</html>" "$TMP/dom"'
    if grep -E 'CONSOLE|Uncaught|Failed to load resource' "$TMP/chrome.err" > "$TMP/console"; then
        cat "$TMP/console" | head -5
        fail "no console errors in chromium"
    else
        ok "no console errors in chromium"
    fi
    expect "the loaded page has both figures with drawn paths" python3 - "$TMP/dom" <<'EOF'
import sys, re
dom = open(sys.argv[1], encoding='utf-8').read()
ok = True
for fig in ('fig-timeline', 'fig-dashboard'):
    m = re.search(r'<figure id="%s">(.*?)</figure>' % fig, dom, re.S)
    ok = ok and m is not None and m.group(1).count('<path') > 20 and '<svg' in m.group(1)
sys.exit(0 if ok else 1)
EOF
    timeout 60 "$browser" "${flags[@]}" --window-size=1280,3000 --screenshot="$TMP/shot.png" "file://$h" \
        > /dev/null 2>&1
    expect "chromium renders a non-trivial screenshot" test "$(stat -c %s "$TMP/shot.png" 2>/dev/null || echo 0)" -gt 100000
fi

# No gnuplot: the report is still written, says why there are no figures,
# and the command exits 2 with the install hint; --no-figures needs none.
n=$TMP/nogp
$BIN run scenarios/manual.json --out "$n" --quiet > /dev/null 2>&1
env -u ASIM_GNUPLOT PATH=/nonexistent "$BIN" report "$n" > /dev/null 2> "$TMP/err"
rc=$?
expect "report without gnuplot exits 2 with the hint" eval 'test $rc -eq 2 && grep -q "apt-get install gnuplot-nox" "$TMP/err"'
expect "... and still writes report.html saying why figures are missing" \
    grep -q 'Figures could not be drawn: gnuplot not found' "$n/report.html"
env -u ASIM_GNUPLOT PATH=/nonexistent "$BIN" report "$n" --no-figures --out "$TMP/nf" > /dev/null 2>&1
rc=$?
expect "report --no-figures works without gnuplot" eval 'test $rc -eq 0 && test -f "$TMP/nf/report.html"'
$BIN report "$TMP/missing" > /dev/null 2> "$TMP/err"
rc=$?
expect "report of a missing directory: exit 2 naming summary.json" \
    eval 'test $rc -eq 2 && grep -q "missing/summary.json" "$TMP/err"'
finish
