/* sweep_runs.c -- runs.csv and running a sweep (see sweep.h): reading a
 * runs file (with repair of a row cut by a kill), sorting and rewriting it,
 * streaming one flushed row per finished run, and asim_sweep_run: checking
 * the sweep directory, resuming, sharding and driving the worker pool.
 * The invariants on runs.csv are listed at the top of sweep.c. */
#include "sim/sweep/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <csv.h>

#include "sim/engine/output.h"
#include "sim/run/simulate.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/sweep_int.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- runs.csv: reading ----------------------------------------------------- */

typedef struct reader {
    asim_runs *t;
    int header;                 /* still reading the header */
    char *buf;                  /* current row's fields, each NUL-terminated */
    size_t blen, bcap;
    size_t nf;                  /* fields in the current row */
    size_t line;
    int failed;
    asim_err *err;
    const char *path;
    const asim_sweep *sw;
} reader;

static void rd_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->failed)
        return;
    if (r->blen + len + 1 > r->bcap) {
        r->bcap = (r->blen + len + 1) * 2;
        r->buf = asim_realloc(r->buf, r->bcap);
    }
    if (len)
        memcpy(r->buf + r->blen, s, len);
    r->blen += len;
    r->buf[r->blen++] = 0;
    r->nf++;
}

static void rd_row(int c, void *data)
{
    ASIM_UNUSED(c);
    reader *r = data;
    asim_runs *t = r->t;
    r->line++;
    if (r->failed)
        return;
    size_t nf = r->nf;
    r->nf = 0;
    if (r->header) {
        r->header = 0;
        t->ncols = nf;
        t->cols = asim_malloc((nf ? nf : 1) * sizeof *t->cols);
        const char *p = r->buf;
        for (size_t i = 0; i < nf; i++, p += strlen(p) + 1)
            t->cols[i] = asim_strdup(p);
        r->blen = 0;
        return;
    }
    if (nf != t->ncols) {
        r->failed = 1;
        asim_err_set(r->err, ASIM_EINPUT, "%s:%zu: %zu fields, the header has %zu", r->path, r->line, nf, t->ncols);
        return;
    }
    ASIM_GROW(t->rows, t->cap, t->n + 1, 256);
    /* One block: the pointers, then the texts. */
    char **f = asim_malloc(nf * sizeof *f + r->blen);
    char *text = (char *)(f + nf);
    memcpy(text, r->buf, r->blen);
    for (size_t i = 0; i < nf; i++, text += strlen(text) + 1)
        f[i] = text;
    r->blen = 0;
    uint64_t cfg, rep;
    if (!asim_sweep_parse_u64(f[0], &cfg) || !asim_sweep_parse_u64(f[1], &rep) ||
        (r->sw && (cfg >= r->sw->nconfigs || rep >= r->sw->reps))) {
        r->failed = 1;
        asim_err_set(r->err, ASIM_EINPUT, "%s:%zu: config '%s', rep '%s' not in this sweep", r->path, r->line,
                     nf > 0 ? f[0] : "", nf > 1 ? f[1] : "");
        asim_free(f);
        return;
    }
    t->rows[t->n++] = (asim_run_row){.config = cfg, .rep = (unsigned)rep, .f = f};
}

/* The header runs.csv has for sw, up to and including "error". */
static int check_header(const asim_runs *t, const asim_sweep *sw, const char *path, asim_err *err)
{
    size_t want = 5 + sw->naxes;
    int ok = t->ncols >= want && !strcmp(t->cols[0], "config") && !strcmp(t->cols[1], "rep") &&
             !strcmp(t->cols[2], "seed") && !strcmp(t->cols[3 + sw->naxes], "status") &&
             !strcmp(t->cols[4 + sw->naxes], "error");
    for (size_t a = 0; ok && a < sw->naxes; a++)
        ok = strcmp(t->cols[3 + a], sw->axes[a].key) == 0;
    if (!ok)
        return asim_err_set(err, ASIM_EINPUT, "%s: header does not match sweep.json "
                            "(expected config,rep,seed,<swept settings>,status,error,<metrics>)", path);
    return 0;
}

int asim_runs_read(asim_runs *t, const asim_sweep *sw, const char *path, int repair, asim_err *err)
{
    memset(t, 0, sizeof *t);
    if (access(path, F_OK) != 0)
        return 0;
    size_t len;
    char *text = asim_sweep_slurp(path, &len, err);
    if (!text)
        return ASIM_ERUNTIME;
    size_t keep = len;
    while (keep > 0 && text[keep - 1] != '\n')
        keep--;
    if (keep < len && repair && truncate(path, (off_t)keep) != 0) {
        asim_free(text);
        return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot drop the incomplete last line: %s", path,
                            strerror(errno));
    }
    struct csv_parser p;
    csv_init(&p, 0);
    reader r = {.t = t, .header = 1, .err = err, .path = path, .sw = sw};
    int rc = 0;
    if (csv_parse(&p, text, keep, rd_field, rd_row, &r) != keep || csv_fini(&p, rd_field, rd_row, &r) != 0)
        rc = asim_err_set(err, ASIM_EINPUT, "%s: malformed CSV (%s)", path, csv_strerror(csv_error(&p)));
    csv_free(&p);
    asim_free(r.buf);
    asim_free(text);
    if (!rc && r.failed)
        rc = ASIM_EINPUT;
    if (!rc && t->ncols > 0 && sw) {
        rc = check_header(t, sw, path, err);
        t->first_metric = 5 + sw->naxes;
    }
    if (rc)
        asim_runs_free(t);
    return rc;
}

static int row_cmp(const void *a, const void *b)
{
    const asim_run_row *x = a, *y = b;
    if (x->config != y->config)
        return x->config < y->config ? -1 : 1;
    return (x->rep > y->rep) - (x->rep < y->rep);
}

void asim_runs_sort(asim_runs *t)
{
    if (t->n > 1)
        qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
}

int asim_runs_write(const asim_runs *t, const char *path, asim_err *err)
{
    asim_afile a;
    asim_csv c;
    int rc = asim_csv_open(&a, &c, path, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < t->ncols; i++)
        asim_csv_str(&c, t->cols[i]);
    asim_csv_end(&c);
    for (size_t r = 0; r < t->n; r++) {
        for (size_t i = 0; i < t->ncols; i++)
            asim_csv_str(&c, t->rows[r].f[i]);
        asim_csv_end(&c);
    }
    return asim_afile_commit(&a, err);
}

void asim_runs_free(asim_runs *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        asim_free(t->cols[i]);
    asim_free(t->cols);
    for (size_t r = 0; r < t->n; r++)
        asim_free(t->rows[r].f);
    asim_free(t->rows);
    memset(t, 0, sizeof *t);
}

/* ---- runs.csv: streaming rows ------------------------------------------------ */

typedef struct pending_fail {
    uint64_t config;
    unsigned rep;
    char *error;
} pending_fail;

typedef struct runs_log {
    const asim_sweep *sw;
    char *path;
    FILE *f;                    /* append handle; NULL before the file exists */
    size_t nmetrics;            /* header metrics; 0 until the first success */
    char **metrics;
    pending_fail *fails;        /* rows written while nmetrics == 0 */
    size_t nfails, capfails;
    int warned;
} runs_log;

static void write_header(FILE *f, const runs_log *L)
{
    asim_csv c;
    asim_csv_init(&c, f);
    asim_csv_str(&c, "config");
    asim_csv_str(&c, "rep");
    asim_csv_str(&c, "seed");
    for (size_t a = 0; a < L->sw->naxes; a++)
        asim_csv_str(&c, L->sw->axes[a].key);
    asim_csv_str(&c, "status");
    asim_csv_str(&c, "error");
    for (size_t m = 0; m < L->nmetrics; m++)
        asim_csv_str(&c, L->metrics[m]);
    asim_csv_end(&c);
}

/* The summary's metrics are the columns, in their order: the usual case (the
 * columns come from the first run that succeeded, and a scenario's runs name
 * the same metrics in the same order), where a row needs no search by name. */
static int same_columns(const runs_log *L, const asim_summary *sum)
{
    if (!sum || sum->n != L->nmetrics)
        return 0;
    for (size_t m = 0; m < sum->n; m++)
        if (strcmp(L->metrics[m], sum->m[m].name) != 0)
            return 0;
    return 1;
}

static void write_row(FILE *f, const runs_log *L, uint64_t config, unsigned rep, const char *error,
                      const asim_summary *sum)
{
    int in_order = same_columns(L, sum);
    asim_csv c;
    asim_csv_init(&c, f);
    asim_csv_int(&c, (long long)config);
    asim_csv_int(&c, rep);
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)asim_sweep_seed(L->sw, rep));
    asim_csv_str(&c, s);
    for (size_t a = 0; a < L->sw->naxes; a++)
        asim_csv_str(&c, asim_sweep_value(L->sw, config, a));
    asim_csv_str(&c, sum ? "ok" : "error");
    asim_csv_str(&c, sum ? "" : error);
    for (size_t m = 0; m < L->nmetrics; m++) {
        int found = in_order;
        double v = in_order ? sum->m[m].value : sum ? asim_summary_get(sum, L->metrics[m], &found) : NAN;
        if (found && !isnan(v))
            asim_csv_num(&c, v);
        else
            asim_csv_str(&c, "");
    }
    asim_csv_end(&c);
}

static int log_flush(runs_log *L, asim_err *err)
{
    if (fflush(L->f) != 0 || ferror(L->f))
        return asim_err_set(err, ASIM_ERUNTIME, "%s: write error: %s", L->path, strerror(errno));
    return 0;
}

static void remember_fail(runs_log *L, uint64_t config, unsigned rep, const char *error)
{
    ASIM_GROW(L->fails, L->capfails, L->nfails + 1, 64);
    L->fails[L->nfails++] = (pending_fail){config, rep, asim_strdup(error)};
}

/* Open for streaming over what asim_runs_read found. */
static int log_open(runs_log *L, const asim_sweep *sw, const char *path, const asim_runs *t, asim_err *err)
{
    memset(L, 0, sizeof *L);
    L->sw = sw;
    L->path = asim_strdup(path);
    if (t->ncols == 0)
        return 0;
    if (t->ncols > t->first_metric) {
        L->nmetrics = t->ncols - t->first_metric;
        L->metrics = asim_malloc(L->nmetrics * sizeof *L->metrics);
        for (size_t m = 0; m < L->nmetrics; m++)
            L->metrics[m] = asim_strdup(t->cols[t->first_metric + m]);
    } else
        for (size_t r = 0; r < t->n; r++)
            remember_fail(L, t->rows[r].config, t->rows[r].rep, t->rows[r].f[4 + sw->naxes]);
    L->f = fopen(path, "a");
    if (!L->f)
        return asim_err_set(err, ASIM_ERUNTIME, "%s: %s", path, strerror(errno));
    return 0;
}

static int log_add(runs_log *L, uint64_t config, unsigned rep, const asim_job_result *res, asim_err *err)
{
    const asim_summary *sum = res->rc == 0 ? &res->sum : NULL;
    if (sum && L->nmetrics == 0 && sum->n > 0) {
        /* First success: the header gets its metric columns, so the file is
         * rewritten with it and the failures so far. */
        L->nmetrics = sum->n;
        L->metrics = asim_malloc(sum->n * sizeof *L->metrics);
        for (size_t m = 0; m < sum->n; m++)
            L->metrics[m] = asim_strdup(sum->m[m].name);
        if (L->f)
            fclose(L->f);
        L->f = NULL;
        asim_afile a;
        int rc = asim_afile_open(&a, L->path, err);
        if (rc)
            return rc;
        write_header(a.f, L);
        for (size_t i = 0; i < L->nfails; i++)
            write_row(a.f, L, L->fails[i].config, L->fails[i].rep, L->fails[i].error, NULL);
        if ((rc = asim_afile_commit(&a, err)) != 0)
            return rc;
    }
    if (!L->f) {
        int fresh = access(L->path, F_OK) != 0;
        L->f = fopen(L->path, "a");
        if (!L->f)
            return asim_err_set(err, ASIM_ERUNTIME, "%s: %s", L->path, strerror(errno));
        if (fresh)
            write_header(L->f, L);
    }
    if (sum && !L->warned && !same_columns(L, sum)) {
        for (size_t m = 0; m < sum->n; m++) {
            size_t k = 0;
            while (k < L->nmetrics && strcmp(L->metrics[k], sum->m[m].name) != 0)
                k++;
            if (k == L->nmetrics) {
                fprintf(stderr, "autoscale-sim sweep: warning: metric %s (config %llu) is not a column of "
                        "runs.csv (its columns come from the first run that succeeded); not recorded\n",
                        sum->m[m].name, (unsigned long long)config);
                L->warned = 1;
                break;
            }
        }
    }
    write_row(L->f, L, config, rep, res->err.msg, sum);
    if (!sum && L->nmetrics == 0)
        remember_fail(L, config, rep, res->err.msg);
    return log_flush(L, err);
}

static void log_close(runs_log *L)
{
    if (L->f)
        fclose(L->f);
    for (size_t m = 0; m < L->nmetrics; m++)
        asim_free(L->metrics[m]);
    asim_free(L->metrics);
    for (size_t i = 0; i < L->nfails; i++)
        asim_free(L->fails[i].error);
    asim_free(L->fails);
    asim_free(L->path);
    memset(L, 0, sizeof *L);
}

/* ---- running ------------------------------------------------------------------- */

/* Does dir hold anything? */
static int dir_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int any = 0;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
              strcmp(e->d_name, ASIM_LOCK_NAME) != 0;        /* our own lock (asim_dir_lock) */
    closedir(d);
    return any;
}

/* DIR is new, empty, or holds this very sweep (same hash and shard). */
static int check_dir(const asim_sweep *sw, const char *dir, asim_err *err)
{
    char *path = asim_sweep_path_join(dir, "sweep.json");
    int rc = 0;
    if (access(path, F_OK) == 0) {
        char hash[64], shard[64], mine[20], myshard[32];
        cJSON *j = NULL;
        if ((rc = asim_sweep_peek_json(path, hash, sizeof hash, shard, sizeof shard, &j, err)) != 0)
            goto done;
        snprintf(mine, sizeof mine, "%016llx", (unsigned long long)sw->hash);
        snprintf(myshard, sizeof myshard, "%u/%u", sw->shard_k, sw->shard_n);
        if (strcmp(hash, mine) != 0) {
            /* Name what differs, when it is one of the simple fields. */
            char what[256] = "";
            const cJSON *reps = cJSON_GetObjectItemCaseSensitive(j, "reps");
            const cJSON *configs = cJSON_GetObjectItemCaseSensitive(j, "configs");
            const cJSON *seed = cJSON_GetObjectItemCaseSensitive(j, "seed");
            uint64_t sd = 0;
            if (cJSON_IsNumber(reps) && reps->valuedouble != sw->reps)
                snprintf(what, sizeof what, ": it has --reps %g, not %u", reps->valuedouble, sw->reps);
            else if (asim_sweep_json_u64(seed, &sd) && sd != sw->seed)
                snprintf(what, sizeof what, ": it has --seed %llu, not %llu", (unsigned long long)sd,
                         (unsigned long long)sw->seed);
            else if (cJSON_IsNumber(configs) && configs->valuedouble != (double)sw->nconfigs)
                snprintf(what, sizeof what, ": it has %g configurations, not %zu", configs->valuedouble,
                         sw->nconfigs);
            else
                snprintf(what, sizeof what, ": the scenario, --set or the swept values differ");
            rc = asim_err_set(err, ASIM_EINPUT, "%s holds a different sweep%s; use another --out, or delete "
                              "it to start over", dir, what);
        } else if (strcmp(shard, myshard) != 0)
            rc = asim_err_set(err, ASIM_EINPUT, "%s holds shard %s of this sweep, not %s", dir, shard, myshard);
        cJSON_Delete(j);
    } else if (dir_has_entries(dir))
        rc = asim_err_set(err, ASIM_EINPUT, "%s exists and is not a sweep directory (no sweep.json); "
                          "use another --out", dir);
done:
    asim_free(path);
    return rc;
}

int asim_sweep_run(const asim_sweep *sw, const char *dir, const asim_sweep_opts *o,
                   int *interrupted, asim_err *err)
{
    if (interrupted)
        *interrupted = 0;
    runs_log L;
    memset(&L, 0, sizeof L);
    int rc;
    /* The lock first: two sweeps appending to one runs.csv lose rows. */
    if ((rc = asim_mkdirs(dir, err)) != 0 || (rc = asim_dir_lock(dir, "sweep", err)) != 0 ||
        (rc = check_dir(sw, dir, err)) != 0 || (rc = asim_sweep_write_json(sw, o->obj, dir, err)) != 0)
        return rc;

    char *path = asim_sweep_path_join(dir, "runs.csv");
    asim_runs t;
    if ((rc = asim_runs_read(&t, sw, path, 1, err)) != 0) {
        asim_free(path);
        return rc;
    }
    size_t ntasks = sw->nconfigs * sw->reps;
    unsigned char *done = asim_calloc(ntasks / 8 + 1, 1);
    asim_sweep_progress pr = {0};
    for (size_t c = 0; c < sw->nconfigs; c++)
        if (asim_sweep_in_shard(sw, c))
            pr.total += sw->reps;
    for (size_t r = 0; r < t.n; r++) {
        size_t k = t.rows[r].config * sw->reps + t.rows[r].rep;
        if (!asim_sweep_in_shard(sw, t.rows[r].config)) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s: config %llu is not in shard %u/%u", path,
                              (unsigned long long)t.rows[r].config, sw->shard_k, sw->shard_n);
            goto out_table;
        }
        if (!(done[k / 8] & (1u << (k % 8)))) {
            done[k / 8] |= (unsigned char)(1u << (k % 8));
            pr.resumed++;
        }
    }
    pr.done = pr.resumed;

    if ((rc = log_open(&L, sw, path, &t, err)) != 0)
        goto out_log;
    asim_runs_free(&t);

    size_t pending = pr.total - pr.done;
    unsigned jobs = o->jobs ? o->jobs : asim_pool_default_workers();
    if (jobs > pending)
        jobs = (unsigned)pending;
    asim_pool *pool = NULL;
    asim_job_result *res = asim_malloc(sizeof *res);
    double t0 = wall_now(), last_report = 0;
    if (pending > 0 && !(pool = asim_pool_create(&sw->base, jobs, 0, err))) {
        rc = ASIM_ERUNTIME;
        goto out_res;
    }
    size_t next = 0;               /* task cursor: config * reps + rep */
    size_t cur_cfg = (size_t)-1;
    char *assign = NULL;
    while (pool) {
        while (asim_pool_idle(pool) > 0) {
            while (next < ntasks && ((done[next / 8] & (1u << (next % 8))) ||
                                     !asim_sweep_in_shard(sw, next / sw->reps)))
                next++;
            if (next >= ntasks)
                break;
            size_t c = next / sw->reps;
            unsigned r = (unsigned)(next % sw->reps);
            if (c != cur_cfg) {
                asim_free(assign);
                assign = asim_sweep_assignments(sw, c);
                cur_cfg = c;
            }
            char *rundir = o->keep_runs ? asim_sweep_xasprintf("%s/runs/c%zu-r%u", dir, c, r) : NULL;
            asim_job job = {.id = next, .seed = asim_sweep_seed(sw, r), .assign = assign, .out_dir = rundir};
            rc = asim_pool_submit(pool, &job, err);
            asim_free(rundir);
            if (rc)
                goto stop;
            next++;
        }
        if (asim_pool_busy(pool) == 0)
            break;
        int signo = 0;
        int k = asim_pool_wait(pool, 250, res, &signo, err);
        if (k < 0) {
            rc = ASIM_ERUNTIME;
            goto stop;
        }
        if (k == ASIM_POOL_SIGNAL) {
            if (interrupted)
                *interrupted = signo ? signo : 1;
            rc = asim_err_set(err, ASIM_ERUNTIME, "interrupted (%s) after %zu of %zu runs; runs.csv is "
                              "complete up to there: run the same command again to resume",
                              strsignal(signo ? signo : SIGINT), pr.done, pr.total);
            goto stop;
        }
        double now = wall_now();
        if (k == ASIM_POOL_RESULT) {
            if ((rc = log_add(&L, res->id / sw->reps, (unsigned)(res->id % sw->reps), res, err)) != 0)
                goto stop;
            pr.done++;
            pr.failed += res->rc != 0;
        }
        if (o->progress && (k == ASIM_POOL_RESULT || now - last_report >= 0.25)) {
            pr.elapsed = now - t0;
            o->progress(o->ctx, &pr);
            last_report = now;
        }
    }
    asim_pool_destroy(pool, 0);
    pool = NULL;
    log_close(&L);
    if (o->progress) {
        pr.elapsed = wall_now() - t0;
        pr.final = 1;
        o->progress(o->ctx, &pr);
    }
    /* Complete: sort, so the file does not depend on scheduling. */
    if ((rc = asim_runs_read(&t, sw, path, 1, err)) == 0) {
        asim_runs_sort(&t);
        if (t.ncols > 0)
            rc = asim_runs_write(&t, path, err);
        asim_runs_free(&t);
    }
    asim_free(assign);
    goto out_res;
stop:
    asim_pool_destroy(pool, 1);
    asim_free(assign);
    if (o->progress) {
        pr.elapsed = wall_now() - t0;
        pr.final = 1;
        o->progress(o->ctx, &pr);
    }
out_res:
    asim_free(res);
out_log:
    log_close(&L);
out_table:
    asim_runs_free(&t);
    asim_free(done);
    asim_free(path);
    return rc;
}

