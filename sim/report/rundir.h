/* rundir.h -- reading a run directory back (the files asim_simulate writes;
 * formats in doc/outputs.md) for plot, compare and report.
 *
 * CSV files are parsed with libcsv into an asim_table: one double per cell
 * (NaN when the cell is empty), plus the text of the columns the caller
 * names as text (instance, kind, decision, ...).  Numbers are parsed
 * strictly: a cell that is neither empty nor a whole number is an error
 * naming file, line and column.  summary.json is parsed with cJSON.
 *
 * Ownership: a table or run directory owns everything it points to; free with
 * asim_table_free / asim_rundir_free (a zeroed one may be freed).  Cost: one
 * pass over each file, memory ~ 8 bytes per numeric cell. */
#ifndef ASIM_RUNDIR_H
#define ASIM_RUNDIR_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>
#include "sim/engine/common.h"

typedef struct asim_table {
    size_t ncol, nrow, cap;
    char **cols;             /* header names */
    unsigned char *is_text;  /* per column: 1 when kept as text */
    double *num;             /* nrow * ncol, row-major; NaN for empty and text cells */
    char **txt;              /* nrow * ncol; non-NULL only in text columns ("" when empty) */
} asim_table;

/* Read a CSV file with a header row.  text_cols and required are
 * NULL-terminated lists of column names (either may be NULL): the first are
 * kept as text, the second must be present.  Returns 0, ASIM_EINPUT when the
 * file is missing or malformed ("PATH:LINE: column 'x': 'abc' is not a
 * number"), with t left empty. */
int asim_table_read(asim_table *t, const char *path, const char *const *text_cols,
                    const char *const *required, asim_err *err);
/* Index of a column, or -1. */
int asim_table_col(const asim_table *t, const char *name);
/* Cell value; NaN when col < 0 (an absent optional column). */
double asim_table_num(const asim_table *t, size_t row, int col);
/* Cell text; "" when col < 0 or the column is numeric. */
const char *asim_table_txt(const asim_table *t, size_t row, int col);
void asim_table_free(asim_table *t);

/* Which files asim_rundir_load reads (summary.json always). */
enum {
    ASIM_RD_TIMESERIES = 1u << 0,
    ASIM_RD_SCRAPES    = 1u << 1,
    ASIM_RD_EVENTS     = 1u << 2,
    ASIM_RD_ALERTS     = 1u << 3,
    ASIM_RD_ALL        = 0xfu
};

typedef struct asim_rundir {
    char *dir;               /* as given, without trailing '/' */
    cJSON *summary;          /* the whole summary.json */
    const char *scenario;    /* summary "scenario" (points into summary) */
    double seed;             /* summary "seed" */
    const cJSON *metrics;    /* summary "metrics" object (never NULL after load) */
    const cJSON *settings;   /* summary "settings" object (never NULL after load) */
    asim_table ts;           /* timeseries.csv */
    asim_table scrapes;      /* scrapes.csv (instance as text) */
    asim_table events;       /* events.csv (kind, decision, reason as text) */
    asim_table alerts;       /* alerts.csv (alert, labels, state as text); empty if absent */
} asim_rundir;

/* Load summary.json and the files in `what`.  ASIM_EINPUT with a message
 * naming the file when one is missing or malformed (alerts.csv may be
 * absent: a run without alert rules).  r is left empty on error. */
int asim_rundir_load(asim_rundir *r, const char *dir, unsigned what, asim_err *err);
void asim_rundir_free(asim_rundir *r);

/* A number from the settings by dotted path ("scaler.scale_up_threshold"),
 * or `dflt` when absent or not a number. */
double asim_rundir_setting_num(const asim_rundir *r, const char *path, double dflt);
/* A string setting by dotted path, or `dflt`. */
const char *asim_rundir_setting_str(const asim_rundir *r, const char *path, const char *dflt);
/* A summary metric; NaN when absent or null. */
double asim_rundir_metric(const asim_rundir *r, const char *name);

/* What the run replays (summary.json "replays"), as one line: brief for a
 * figure title ("my.log 2024-01-15T14:00:00.000Z to 2024-01-15T14:07:43.000Z
 * (cut)"), else with lengths, where it plays and the records within the run.
 * Returns the number of traces (0: none, buf ""). */
int asim_rundir_replays_text(const asim_rundir *r, int brief, char *buf, size_t len);

/* "<dir>/<name>" in a buffer the caller frees. */
char *asim_path_join(const char *dir, const char *name);

#endif
