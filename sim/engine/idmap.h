/* idmap.h -- a dense map from small positive ids (replica numbers 1, 2, ...)
 * to indices, -1 for "none".  Growing by doubling; O(1) lookup.  Zero
 * initialised ({0}) is an empty map. */
#ifndef ASIM_IDMAP_H
#define ASIM_IDMAP_H

typedef struct asim_idmap {
    int *v;                        /* v[id - 1]: the index of id, -1 if none */
    int n;                         /* entries of v */
} asim_idmap;

static inline int asim_idmap_get(const asim_idmap *m, int id)
{
    return id >= 1 && id <= m->n ? m->v[id - 1] : -1;
}

/* Map id (>= 1) to index (-1 removes it). */
void asim_idmap_set(asim_idmap *m, int id, int index);
void asim_idmap_free(asim_idmap *m);

#endif
