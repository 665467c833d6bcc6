/* report_int.h -- private to sim/report/: what report.c (compare) shares
 * with report_page.c (a run's report).  Not a public contract; nothing
 * outside sim/report/ includes it. */
#ifndef ASIM_REPORT_INT_H
#define ASIM_REPORT_INT_H

#include <stddef.h>
#include <cJSON.h>

/* Settings flattened to dotted paths with their values as JSON text, so
 * runs can be told apart by what differs ("scaler.scale_up_threshold").
 * Zero it before the first asim_flatten; free with asim_flat_free. */
typedef struct flat {
    char **path, **val;
    size_t n, cap;
} flat;

/* Append every leaf of obj (objects recursed into, arrays as JSON text)
 * under prefix ("" at the top). */
void asim_flatten(flat *fl, const cJSON *obj, const char *prefix);
void asim_flat_free(flat *fl);
/* The value at path, or NULL. */
const char *asim_flat_get(const flat *fl, const char *path);

#endif
