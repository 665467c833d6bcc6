/* promql_memo.c -- parsed expressions shared by their query text (see
 * promql_memo.h).  The memo holds one reference to each expression it
 * remembers (asim_promql.refs); asim_promql_parse asks asim_pq_memo_find
 * before parsing and offers what it parsed to asim_pq_memo_add after.
 * A handful of texts per scenario: a linear scan over 64-bit hashes (the
 * text compared only on a hash match) is cheaper than any index. */
#include "models/promql/promql_memo.h"

#include <string.h>

#include "models/promql/promql_int.h"
#include "sim/engine/common.h"
#include "sim/engine/hash.h"

typedef struct memo_entry {
    uint64_t hash;
    char *text;
    asim_promql *e;
} memo_entry;

struct asim_promql_memo {
    memo_entry *v;
    size_t n, max;
    uint64_t hits, misses;
};

static asim_promql_memo *in_use;

asim_promql_memo *asim_promql_memo_create(size_t max_entries)
{
    asim_promql_memo *m = asim_calloc(1, sizeof *m);
    m->max = max_entries ? max_entries : 1;
    m->v = asim_calloc(m->max, sizeof *m->v);
    return m;
}

void asim_promql_memo_destroy(asim_promql_memo *m)
{
    if (!m) return;
    if (in_use == m) in_use = NULL;
    for (size_t i = 0; i < m->n; i++) {
        asim_free(m->v[i].text);
        asim_promql_free(m->v[i].e);
    }
    asim_free(m->v);
    asim_free(m);
}

asim_promql_memo *asim_promql_memo_use(asim_promql_memo *m)
{
    asim_promql_memo *prev = in_use;
    in_use = m;
    return prev;
}

size_t asim_promql_memo_size(const asim_promql_memo *m) { return m ? m->n : 0; }
uint64_t asim_promql_memo_hits(const asim_promql_memo *m) { return m ? m->hits : 0; }
uint64_t asim_promql_memo_misses(const asim_promql_memo *m) { return m ? m->misses : 0; }

asim_promql *asim_pq_memo_find(const char *query)
{
    asim_promql_memo *m = in_use;
    if (!m) return NULL;
    uint64_t h = asim_fnv1a64_str(ASIM_FNV64_OFFSET, query);
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].hash == h && strcmp(m->v[i].text, query) == 0) {
            m->hits++;
            m->v[i].e->refs++;
            return m->v[i].e;
        }
    m->misses++;
    return NULL;
}

/* Forget the texts whose expressions only the memo holds. */
static void drop_unheld(asim_promql_memo *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].e->refs == 1) {
            asim_free(m->v[i].text);
            asim_promql_free(m->v[i].e);
        } else {
            m->v[k++] = m->v[i];
        }
    }
    m->n = k;
}

void asim_pq_memo_add(const char *query, asim_promql *e)
{
    asim_promql_memo *m = in_use;
    if (!m) return;
    if (m->n == m->max) drop_unheld(m);
    if (m->n == m->max) return;               /* all held: parse without remembering */
    memo_entry *en = &m->v[m->n++];
    en->hash = asim_fnv1a64_str(ASIM_FNV64_OFFSET, query);
    en->text = asim_strdup(query);
    en->e = e;
    e->refs++;
}
