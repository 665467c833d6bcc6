/* cmd_merge.c -- `autoscale-sim merge`: combine the directories of a
 * sharded sweep (`sweep --shard K/N`, on one machine or many) into one
 * sweep directory, identical to what an unsharded run would have written.
 *
 * Every input must hold the same sweep (same hash in sweep.json) and the
 * shards must be complete and distinct, together covering every run: a
 * merge never silently produces a partial result.  Rows are combined by
 * column name (a shard whose runs all failed has no metric columns), sorted
 * by (config, rep) and aggregated by the same code as `sweep`, so the bytes
 * of runs.csv, summary.csv and best.json match the single-process sweep. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/output.h"
#include "sim/report/plot.h"
#include "sim/sweep/sweep.h"

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim merge DIR... -o OUT [options]\n"
          "\n"
          "Combines the output directories of `autoscale-sim sweep --shard K/N` (all N of\n"
          "them, each complete) into OUT: sweep.json, runs.csv, summary.csv, best.json, the\n"
          "same files a single `sweep` without --shard writes.\n"
          "\n"
          "options:\n"
          "  -o, --out DIR            output directory (required; new, or a previous merge)\n"
          "  --minimize METRIC        objective for best.json (default: the shards' own)\n"
          "  --maximize METRIC\n"
          "  --subject-to 'M<=V'      constraint (repeatable; replaces the shards' own)\n"
          "  --plot                   draw OUT/plots/ as `sweep --plot` does\n"
          "  --plot-metric METRIC     metric of the heat map and CI plots\n"
          "  --format png,svg,pdf     plot formats (default png)\n"
          "  -q, --quiet              no report\n"
          "  -h, --help               this help\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 bad input (different sweeps, missing or\n"
          "incomplete shards), 3 merged but no configuration is feasible (as sweep).\n", f);
}

/* "autoscale-sim merge: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("merge", rc, __VA_ARGS__)

/* Index of name in the merged header, appending it when new. */
static size_t column(asim_runs *m, const char *name)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i], name) == 0)
            return i;
    m->cols = asim_realloc(m->cols, (m->ncols + 1) * sizeof *m->cols);
    m->cols[m->ncols] = asim_strdup(name);
    return m->ncols++;
}

/* Append t's rows to m (whose header is final), fields placed by column
 * name; columns t lacks get "".  Each merged row is one block (pointers,
 * then texts) as asim_runs_read makes them, so asim_runs_free releases it. */
static void append_rows(asim_runs *m, const asim_runs *t)
{
    size_t *map = asim_malloc((t->ncols ? t->ncols : 1) * sizeof *map);
    for (size_t i = 0; i < t->ncols; i++)
        map[i] = column(m, t->cols[i]);
    for (size_t r = 0; r < t->n; r++) {
        size_t bytes = 1;
        for (size_t i = 0; i < t->ncols; i++)
            bytes += strlen(t->rows[r].f[i]) + 1;
        char **f = asim_malloc(m->ncols * sizeof *f + bytes);
        char *text = (char *)(f + m->ncols);
        char *empty = text++;
        *empty = 0;
        for (size_t i = 0; i < m->ncols; i++)
            f[i] = empty;
        for (size_t i = 0; i < t->ncols; i++) {
            size_t l = strlen(t->rows[r].f[i]) + 1;
            memcpy(text, t->rows[r].f[i], l);
            f[map[i]] = text;
            text += l;
        }
        ASIM_GROW(m->rows, m->cap, m->n + 1, 1024);
        m->rows[m->n++] = (asim_run_row){.config = t->rows[r].config, .rep = t->rows[r].rep, .f = f};
    }
    asim_free(map);
}

static int same_path(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int asim_cmd_merge(int argc, char **argv)
{
    asim_cli_opts opt;
    asim_cli_opts_init(&opt, "merge", ASIM_CLI_OUT | ASIM_CLI_QUIET | ASIM_CLI_OBJECTIVE | ASIM_CLI_PLOT, NULL, argc);
    opt.usage = usage;
    size_t ndirs = 0;
    int rc = 0;
    asim_err err;
    asim_sweep *sw = NULL;
    asim_runs *tables = NULL;
    asim_runs merged;
    memset(&merged, 0, sizeof merged);
    asim_agg agg;
    memset(&agg, 0, sizeof agg);

    if (asim_cli_next(&opt, argc, argv) < 0) {
        rc = opt.rc;
        goto done;
    }
    const char *out = opt.out;
    ndirs = (size_t)(argc - optind);
    char **dirs = argv + optind;
    if (ndirs == 0) {
        rc = fail(2, "no sweep directories given (usage: autoscale-sim merge DIR... -o OUT)");
        goto done;
    }
    if (!out) {
        rc = fail(2, "--out DIR is required");
        goto done;
    }
    if (opt.minimize && opt.maximize) {
        rc = fail(2, "--minimize and --maximize are exclusive");
        goto done;
    }
    for (size_t i = 0; i < ndirs; i++)
        if (same_path(dirs[i], out)) {
            rc = fail(2, "--out %s is one of the inputs; merge into a new directory", out);
            goto done;
        }

    sw = asim_calloc(ndirs, sizeof *sw);
    tables = asim_calloc(ndirs, sizeof *tables);
    asim_objective obj;
    asim_objective_init(&obj);
    size_t nshards = 0;
    unsigned *seen = NULL;
    for (size_t i = 0; i < ndirs; i++) {
        asim_objective oi;
        if ((rc = asim_sweep_read_json(&sw[i], &oi, dirs[i], &err)) != 0)
            goto bad;
        if (i == 0) {
            obj = oi;
            nshards = sw[0].shard_n;
            seen = asim_calloc(nshards + 1, sizeof *seen);
        } else if (sw[i].hash != sw[0].hash) {
            rc = asim_err_set(&err, ASIM_EINPUT, "%s and %s hold different sweeps (their sweep.json differ: "
                              "scenario, --set, axes, --reps or --seed)", dirs[0], dirs[i]);
            goto bad;
        } else if (sw[i].shard_n != nshards) {
            rc = asim_err_set(&err, ASIM_EINPUT, "%s is shard %u/%u but %s is shard %u/%u: one --shard K/N "
                              "split per merge", dirs[i], sw[i].shard_k, sw[i].shard_n, dirs[0], sw[0].shard_k,
                              sw[0].shard_n);
            goto bad;
        }
        if (seen[sw[i].shard_k]) {
            rc = asim_err_set(&err, ASIM_EINPUT, "%s and %s are both shard %u/%u", dirs[seen[sw[i].shard_k] - 1],
                              dirs[i], sw[i].shard_k, sw[i].shard_n);
            goto bad;
        }
        seen[sw[i].shard_k] = (unsigned)i + 1;
    }
    for (unsigned k = 1; k <= nshards; k++)
        if (!seen[k]) {
            rc = asim_err_set(&err, ASIM_EINPUT, "shard %u/%zu is missing (give every shard's directory)", k,
                              nshards);
            goto bad;
        }

    /* Read and check completeness; then the union header; then the rows. */
    for (size_t i = 0; i < ndirs; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/runs.csv", dirs[i]);
        asim_runs *t = &tables[i];
        if ((rc = asim_runs_read(t, &sw[i], path, 0, &err)) != 0)
            goto bad;
        size_t want = 0;
        for (size_t c = 0; c < sw[i].nconfigs; c++)
            want += asim_sweep_in_shard(&sw[i], c) ? sw[i].reps : 0;
        /* Distinct (config, rep) pairs: sort, then count changes. */
        asim_runs_sort(t);
        size_t distinct = 0;
        for (size_t r = 0; r < t->n; r++)
            distinct += r == 0 || t->rows[r].config != t->rows[r - 1].config || t->rows[r].rep != t->rows[r - 1].rep;
        if (distinct != want) {
            rc = asim_err_set(&err, ASIM_EINPUT, "%s (shard %u/%u) is incomplete: %zu of %zu runs; finish it "
                              "by re-running its sweep command", dirs[i], sw[i].shard_k, sw[i].shard_n, distinct,
                              want);
            goto bad;
        }
    }
    for (size_t i = 0; i < ndirs; i++)
        for (size_t c = 0; c < tables[i].ncols; c++)
            column(&merged, tables[i].cols[c]);
    merged.first_metric = 5 + sw[0].naxes;   /* config,rep,seed,<axes>,status,error */
    for (size_t i = 0; i < ndirs; i++) {
        append_rows(&merged, &tables[i]);
        asim_runs_free(&tables[i]);
    }
    asim_runs_sort(&merged);

    /* The objective: the command line's, else the first shard's. */
    if ((rc = asim_objective_apply(&obj, opt.minimize, opt.maximize, opt.subj, opt.nsubj, &err)) != 0)
        goto bad;

    asim_sweep *whole = &sw[0];
    whole->shard_k = whole->shard_n = 1;
    if ((rc = asim_mkdirs(out, &err)) != 0 || (rc = asim_dir_lock(out, "merge", &err)) != 0)
        goto bad;
    char opath[PATH_MAX + 16];
    snprintf(opath, sizeof opath, "%s/sweep.json", out);
    struct stat st;
    if (stat(opath, &st) == 0) {
        asim_sweep prev;
        if (asim_sweep_read_json(&prev, NULL, out, &err) != 0 || prev.hash != whole->hash) {
            asim_sweep_free(&prev);
            rc = asim_err_set(&err, ASIM_EINPUT, "%s holds a different sweep; merge into a new directory", out);
            goto bad;
        }
        asim_sweep_free(&prev);
    }
    if ((rc = asim_sweep_write_json(whole, &obj, out, &err)) != 0)
        goto bad;
    snprintf(opath, sizeof opath, "%s/runs.csv", out);
    if ((rc = asim_runs_write(&merged, opath, &err)) != 0)
        goto bad;
    if ((rc = asim_sweep_aggregate(whole, &obj, out, NULL, &agg, &err)) != 0)
        goto bad;
    if (!opt.quiet) {
        printf("merged          %zu shards, %zu runs into %s/\n", ndirs, merged.n, out);
        asim_agg_report(stdout, &agg, whole, &obj);
    }
    if (opt.plot) {
        fflush(stdout);
        if ((rc = asim_sweep_plot(&agg, whole, &obj, opt.plot_metric, out, opt.formats, &err)) != 0)
            goto bad;
        if (!opt.quiet)
            printf("figures         %s/plots/\n", out);
    }
    asim_free(seen);
    char why[700];
    if (!asim_agg_any_feasible(&agg, &obj, why, sizeof why))
        rc = fail(ASIM_EXIT_INFEASIBLE, "%s", why);
    goto done;

bad:
    asim_free(seen);
    rc = fail(rc == ASIM_ERUNTIME ? 1 : 2, "%s", err.msg);
done:
    asim_agg_free(&agg);
    /* merged's rows were allocated like asim_runs_read's; its header too. */
    asim_runs_free(&merged);
    if (sw)
        for (size_t i = 0; i < ndirs; i++) {
            asim_sweep_free(&sw[i]);
            asim_runs_free(&tables[i]);
        }
    asim_free(sw);
    asim_free(tables);
    asim_cli_opts_free(&opt);
    return rc;
}
