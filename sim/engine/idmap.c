/* idmap.c -- see idmap.h. */
#include "sim/engine/idmap.h"

#include <assert.h>
#include "sim/engine/common.h"

void asim_idmap_set(asim_idmap *m, int id, int index)
{
    assert(id >= 1);
    if (id > m->n) {
        if (index < 0)
            return;                /* not there: nothing to remove */
        int n = m->n ? m->n : 16;
        while (n < id) n *= 2;
        m->v = asim_realloc(m->v, (size_t)n * sizeof *m->v);
        for (int j = m->n; j < n; j++) m->v[j] = -1;
        m->n = n;
    }
    m->v[id - 1] = index;
}

void asim_idmap_free(asim_idmap *m)
{
    asim_free(m->v);
    m->v = NULL;
    m->n = 0;
}
