#!/usr/bin/env python3
"""check_services_report.py RUN_DIR HAVE_GNUPLOT -- used by test_services.sh.

Checks report.html of a two_services run (webapp + api): the services table
and each service's section carry the numbers of THAT service's own
summary.json (webapp: the run directory's, api: services/api/summary.json),
the sections come in order after the hosts section, ids are unique, and
(with gnuplot) every figure -- hosts, webapp's and api's timeline and
dashboard -- is inlined with drawn content.  Prints one line per failed
check; exit 1 if any failed."""
import json
import re
import sys
from html.parser import HTMLParser

KEYS = [('requests', 'requests'), ('latency_mean', 'mean latency'), ('latency_p95', 'p95 latency'),
        ('scale_ups', 'scale-ups'), ('scale_downs', 'scale-downs'), ('mean_replicas', 'mean replicas')]


class Page(HTMLParser):
    """Rows of #services-table, the cards of each <section>, <path>s per
    <figure>, every id."""

    def __init__(self):
        super().__init__()
        self.ids, self.rows, self.cards, self.paths = [], [], {}, {}
        self.in_table = self.in_cell = False
        self.section = self.fig = self.card_part = None
        self.value = self.text = ''

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a:
            self.ids.append(a['id'])
        if tag == 'table' and a.get('id') == 'services-table':
            self.in_table = True
        if self.in_table and tag == 'tr':
            self.rows.append([])
        if self.in_table and tag == 'td':
            self.in_cell, self.text = True, ''
        if tag == 'section':
            self.section = a.get('id')
        if tag == 'figure':
            self.fig = a.get('id')
            self.paths[self.fig] = 0
        if tag == 'path' and self.fig:
            self.paths[self.fig] += 1
        if tag == 'div' and a.get('class') in ('v', 'k'):
            self.card_part, self.text = a['class'], ''

    def handle_endtag(self, tag):
        if tag == 'table':
            self.in_table = False
        if tag == 'td' and self.in_cell:
            self.rows[-1].append(self.text.strip())
            self.in_cell = False
        if tag == 'section':
            self.section = None
        if tag == 'figure':
            self.fig = None
        if tag == 'div' and self.card_part:
            if self.card_part == 'v':
                self.value = self.text.strip()
            elif self.section:
                self.cards.setdefault(self.section, {})[self.text.strip()] = self.value
            self.card_part = None

    def handle_data(self, data):
        self.text += data


def close(cell, v):
    """The report prints 4 significant digits ('0.2865 s', '8948', '1.66')."""
    m = re.match(r'-?[0-9.]+(e[-+]?[0-9]+)?', cell or '')
    return m is not None and abs(float(m.group(0)) - v) <= 5e-4 * abs(v) + 1e-12


def main():
    d, have_gp = sys.argv[1], sys.argv[2] == '1'
    summ = {'webapp': json.load(open(d + '/summary.json'))['metrics'],
            'api': json.load(open(d + '/services/api/summary.json'))['metrics']}
    html = open(d + '/report.html', encoding='utf-8').read()
    p = Page()
    p.feed(html)
    rows = [r for r in p.rows if r]
    by_name = {r[0]: r[1:] for r in rows}
    checks = {
        'services table: one row per service, webapp first': [r[0] for r in rows] == ['webapp', 'api'],
        'the services differ (the checks can tell them apart)':
            summ['webapp']['requests'] != summ['api']['requests'],
        'hosts section, then webapp, then api':
            0 < html.find('id="hosts"') < html.find('id="service-webapp"') < html.find('id="service-api"'),
        'ids unique': len(p.ids) == len(set(p.ids)),
        "api's scaling events link to its own events.csv": 'href="services/api/events.csv"' in html,
    }
    for name, m in summ.items():
        cells = by_name.get(name, [])
        checks['services table: %s = its summary.json' % name] = \
            len(cells) == len(KEYS) and all(close(c, m[k]) for c, (k, _) in zip(cells, KEYS))
        cards = p.cards.get('service-' + name, {})
        checks['section service-%s: cards = its summary.json' % name] = \
            all(close(cards.get(label), m[k]) for k, label in KEYS)
    if have_gp:
        for fig in ('fig-hosts', 'fig-timeline', 'fig-dashboard', 'fig-svc-api-timeline', 'fig-svc-api-dashboard'):
            checks[fig + ' inlined with drawn paths'] = p.paths.get(fig, 0) > 20
    bad = [k for k, v in checks.items() if not v]
    for k in bad:
        print('  failed: ' + k)
    print('  %d checks, %d failed' % (len(checks), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
