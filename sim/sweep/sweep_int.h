/* sweep_int.h -- private to sim/sweep/: helpers shared between the files
 * that implement sweep.h (sweep.c, sweep_runs.c, sweep_agg.c, sweep_plot.c).
 * Not a public contract; nothing outside sim/sweep/ includes it. */
#ifndef ASIM_SWEEP_INT_H
#define ASIM_SWEEP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "sim/sweep/sweep.h"

/* ---- small helpers (sweep.c) ------------------------------------------------ */

char *asim_sweep_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *asim_sweep_path_join(const char *dir, const char *name);
/* Whole text is a finite number. */
int asim_sweep_parse_num(const char *s, double *v);
int asim_sweep_parse_u64(const char *s, uint64_t *v);

/* ---- sweep.json (sweep.c) ------------------------------------------------------ */

int asim_sweep_json_u64(const cJSON *n, uint64_t *v);
/* Print j (consumed) to path atomically, with a final newline. */
int asim_sweep_write_json_file(const char *path, cJSON *j, asim_err *err);
char *asim_sweep_slurp(const char *path, size_t *len, asim_err *err);
int asim_sweep_peek_json(const char *path, char *hash, size_t hl, char *shard, size_t sl, cJSON **out,
                         asim_err *err);

/* ---- Pareto front (sweep_agg.c, also drawn by sweep_plot.c) -------------------- */

typedef struct front_pt {
    double x, y;
    size_t row;
} front_pt;

int asim_sweep_front_cmp(const void *a, const void *b);

#endif
