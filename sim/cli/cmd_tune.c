/* cmd_tune.c -- `autoscale-sim tune`: search settings within bounds for an
 * objective with GSL's Nelder-Mead simplex (nmsimplex2), instead of a grid.
 *
 * The simplex lives in the unit cube: parameter i is lo_i + u_i (hi_i -
 * lo_i), u clamped to [0, 1] (integer parameters rounded), so one step size
 * fits every parameter.  A point is evaluated by R replications with seeds
 * S..S+R-1, the same for every point (common random numbers: the simplex
 * compares settings, not luck), run in parallel by the worker pool.  Its
 * score, which the simplex minimises:
 *   feasible (every constraint holds on the means):  objective mean (negated
 *     for --maximize);
 *   infeasible:  1e12 + 1e6 * total relative violation, so any feasible
 *     point beats any infeasible one and among infeasible points the
 *     simplex walks toward feasibility;
 *   a failed run (invalid combination):  1e15;
 *   outside the cube:  the clamped point's score plus a distance penalty,
 *     which pulls the simplex back inside.
 * Points are cached by their settings text (rounding makes the simplex
 * revisit points), and a cached point costs no budget.  When the next point
 * would exceed the budget the search stops.  The best point is then
 * re-evaluated with F fresh replications (seeds not used by the search) as a
 * one-configuration sweep in DIR/fresh/, which gives its mean and 95 % CI
 * without the optimisation's selection bias; DIR/best.json is that
 * configuration and DIR/tune_path.csv every evaluation in order. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/output.h"
#include "sim/sweep/pool.h"
#include "sim/config/settings.h"
#include "sim/run/budget.h"
#include "sim/sweep/sweep.h"

#define SCORE_INFEASIBLE 1e12
#define SCORE_FAILED     1e15
#define SCORE_STOPPED    1e300    /* returned once stopping: never accepted */

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim tune SCENARIO.json --param KEY=LO:HI[:int] ... --minimize METRIC [options]\n"
          "\n"
          "Searches the parameters within their bounds for the best mean of METRIC with GSL's\n"
          "Nelder-Mead simplex, each point evaluated by R replications on the same seeds\n"
          "(common random numbers), until the budget of runs is spent or the simplex has\n"
          "converged.  Then re-runs the best point with fresh seeds for an unbiased mean and\n"
          "95 % CI.  Writes DIR/tune_path.csv (every evaluation), DIR/fresh/ (the fresh\n"
          "replications, as a sweep directory) and DIR/best.json (ready to `run`).\n"
          "\n"
          "options:\n"
          "  --param KEY=LO:HI[:int]  a numeric setting to tune (repeatable); integer settings\n"
          "                           are rounded anyway; the search starts at the scenario's value\n"
          "  --minimize METRIC        objective (a summary metric, e.g. replica_seconds)\n"
          "  --maximize METRIC\n"
          "  --subject-to 'M<=V'      constraint on a metric's mean (also >=, <, >; repeatable)\n"
          "  --budget RUNS            simulation runs the search may use (default 300)\n"
          "  --reps R                 replications per point (default 5)\n"
          "  --fresh-reps F           fresh replications of the best point (default 10)\n"
          "  --seed S                 seed of replication 0 (default: the scenario's)\n"
          "  --tol T                  stop when the simplex is smaller than T (unit cube; default 0.01)\n"
          "  -o, --out DIR            output directory (default results/<scenario>-tune)\n"
          "  -j, --jobs J             worker processes (default: one per online CPU)\n"
          "  --set KEY=VALUE          override a setting for every run (repeatable)\n"
          "  --duration S             simulated seconds\n"
          "  -q, --quiet              no progress and no report\n"
          "  -h, --help               this help\n"
          "\n"
          "Metric names are checked on a one-second probe run before the budget is spent.\n"
          "Exit status: 0 done, 1 runtime error or interrupted, 2 bad input, 3 done but no\n"
          "feasible point (none satisfies the constraints in the search, or the chosen one\n"
          "fails them on the fresh replications; best.json is then the closest).\n", f);
}

/* "autoscale-sim tune: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("tune", rc, __VA_ARGS__)

typedef struct param {
    char *key;
    double lo, hi;
    int integer;
    double start;
} param;

typedef struct eval {
    char *assign;               /* "k=v\n..." */
    char **values;              /* per param, text */
    double score;
    int status;                 /* 0 ok, 1 a run failed */
    int feasible;
    double obj_mean, obj_ci;
    double *cons_mean;
} eval;

typedef struct tune {
    asim_pool *pool;
    const param *p;
    size_t np;
    unsigned reps;
    uint64_t seed;
    const asim_objective *o;
    size_t budget, used;
    eval *ev;
    size_t nev, cap;
    long best;                  /* index of the lowest score */
    size_t iteration;
    FILE *path;
    int stop;                   /* 1 budget, 2 signal, 3 error */
    int rc;
    asim_err err;
    asim_job_result *res;
    int quiet;
    double *vals;               /* reps x (1 + ncons) metric values */
} tune;

/* The value of parameter i at unit coordinate u (clamped), as text. */
static void param_value(const param *p, double u, char *buf, size_t len)
{
    u = fmin(1, fmax(0, u));
    double v = p->lo + u * (p->hi - p->lo);
    if (p->integer)
        snprintf(buf, len, "%.0f", fmin(p->hi, fmax(p->lo, round(v))));
    else {
        snprintf(buf, len, "%.6g", v);
        if (strcmp(buf, "-0") == 0)
            snprintf(buf, len, "0");
    }
}

static void path_header(tune *t)
{
    asim_csv c;
    asim_csv_init(&c, t->path);
    asim_csv_str(&c, "eval");
    asim_csv_str(&c, "iteration");
    for (size_t i = 0; i < t->np; i++)
        asim_csv_str(&c, t->p[i].key);
    asim_csv_str(&c, "runs_used");
    asim_csv_str(&c, "status");
    char name[ASIM_METRIC_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s_mean", t->o->metric);
    asim_csv_str(&c, name);
    snprintf(name, sizeof name, "%s_ci95", t->o->metric);
    asim_csv_str(&c, name);
    for (size_t k = 0; k < t->o->ncons; k++) {
        snprintf(name, sizeof name, "%s_mean", t->o->cons[k].metric);
        asim_csv_str(&c, name);
    }
    asim_csv_str(&c, "feasible");
    asim_csv_str(&c, "score");
    asim_csv_str(&c, "best");
    asim_csv_end(&c);
    fflush(t->path);
}

static void num_or_empty(asim_csv *c, double v)
{
    if (isnan(v))
        asim_csv_str(c, "");
    else
        asim_csv_num(c, v);
}

static void path_row(tune *t, const eval *e, int improved)
{
    asim_csv c;
    asim_csv_init(&c, t->path);
    asim_csv_int(&c, (long long)t->nev);
    asim_csv_int(&c, (long long)t->iteration);
    for (size_t i = 0; i < t->np; i++)
        asim_csv_str(&c, e->values[i]);
    asim_csv_int(&c, (long long)t->used);
    asim_csv_str(&c, e->status ? "error" : "ok");
    num_or_empty(&c, e->obj_mean);
    num_or_empty(&c, e->obj_ci);
    for (size_t k = 0; k < t->o->ncons; k++)
        num_or_empty(&c, e->cons_mean[k]);
    asim_csv_int(&c, e->feasible);
    asim_csv_num(&c, e->score);
    asim_csv_int(&c, improved);
    asim_csv_end(&c);
    fflush(t->path);
}

/* Metric value in a result, or an error naming the closest metric. */
static double metric_of(tune *t, const asim_summary *s, const char *name, const char *opt)
{
    int found = 0;
    double v = asim_summary_get(s, name, &found);
    if (!found && t->stop == 0) {
        const char *names[ASIM_SUMMARY_MAX];
        for (size_t i = 0; i < s->n; i++)
            names[i] = s->m[i].name;
        const char *sug = asim_suggest(name, names, s->n);
        t->rc = asim_err_set(&t->err, ASIM_EINPUT, "%s: no metric '%s'%s%s%s", opt, name,
                             sug ? " (did you mean " : "", sug ? sug : "", sug ? "?)" : "");
        t->stop = 3;
    }
    return v;
}

/* Run the R replications of assign; fills e. */
static void evaluate(tune *t, eval *e)
{
    size_t nm = 1 + t->o->ncons;
    for (size_t i = 0; i < t->reps * nm; i++)
        t->vals[i] = NAN;
    unsigned next = 0, got = 0;
    e->status = 0;
    while (got < t->reps && t->stop == 0) {
        while (next < t->reps && asim_pool_idle(t->pool) > 0) {
            asim_job job = {.id = next, .seed = t->seed + next, .assign = e->assign, .out_dir = NULL};
            if ((t->rc = asim_pool_submit(t->pool, &job, &t->err)) != 0) {
                t->stop = 3;
                return;
            }
            next++;
        }
        int signo = 0;
        int k = asim_pool_wait(t->pool, -1, t->res, &signo, &t->err);
        if (k < 0) {
            t->rc = ASIM_ERUNTIME;
            t->stop = 3;
            return;
        }
        if (k == ASIM_POOL_SIGNAL) {
            t->rc = asim_err_set(&t->err, ASIM_ERUNTIME, "interrupted (%s) after %zu evaluation(s); "
                                 "tune_path.csv holds them", strsignal(signo ? signo : SIGINT), t->nev);
            t->stop = 2;
            return;
        }
        if (k != ASIM_POOL_RESULT)
            continue;
        got++;
        unsigned r = (unsigned)t->res->id;
        if (t->res->rc != 0) {
            if (!e->status && !t->quiet)
                fprintf(stderr, "tune: a run failed: %s\n", t->res->err.msg);
            e->status = 1;
            continue;
        }
        t->vals[r * nm] = metric_of(t, &t->res->sum, t->o->metric, t->o->maximize ? "--maximize" : "--minimize");
        for (size_t k2 = 0; k2 < t->o->ncons; k2++)
            t->vals[r * nm + 1 + k2] = metric_of(t, &t->res->sum, t->o->cons[k2].metric, "--subject-to");
    }
    t->used += t->reps;
    double *col = asim_malloc(t->reps * sizeof *col);
    double sd, ci;
    for (unsigned r = 0; r < t->reps; r++)
        col[r] = t->vals[r * nm];
    asim_mean_ci(col, t->reps, &e->obj_mean, &sd, &e->obj_ci);
    double viol = 0;
    e->feasible = !e->status && !isnan(e->obj_mean);
    for (size_t k = 0; k < t->o->ncons; k++) {
        for (unsigned r = 0; r < t->reps; r++)
            col[r] = t->vals[r * nm + 1 + k];
        double m;
        asim_mean_ci(col, t->reps, &m, &sd, &ci);
        e->cons_mean[k] = m;
        const asim_constraint *c = &t->o->cons[k];
        if (!asim_constraint_ok(c, m)) {
            e->feasible = 0;
            viol += isnan(m) ? 1 : fabs(m - c->bound) / fmax(fabs(c->bound), 1);
        }
    }
    asim_free(col);
    if (e->status || isnan(e->obj_mean))
        e->score = SCORE_FAILED;
    else if (!e->feasible)
        e->score = SCORE_INFEASIBLE + 1e6 * viol;
    else
        e->score = t->o->maximize ? -e->obj_mean : e->obj_mean;
}

static void progress_line(const tune *t, const eval *e, int improved)
{
    if (t->quiet)
        return;
    fprintf(stderr, "tune: eval %zu (%zu/%zu runs):", t->nev, t->used, t->budget);
    for (size_t i = 0; i < t->np; i++)
        fprintf(stderr, " %s=%s", t->p[i].key, e->values[i]);
    if (e->status)
        fprintf(stderr, " -> failed");
    else
    {
        char v[96];
        asim_fmt_mean_ci(v, sizeof v, e->obj_mean, e->obj_ci);
        fprintf(stderr, " -> %s %s%s", t->o->metric, v, e->feasible ? "" : " (infeasible)");
    }
    fprintf(stderr, "%s\n", improved ? "  *best so far*" : "");
}

static double score_at(const gsl_vector *u, void *ctx)
{
    tune *t = ctx;
    if (t->stop)
        return SCORE_STOPPED;
    char buf[64];
    size_t len = 1;
    char **values = asim_malloc(t->np * sizeof *values);
    double out = 0;
    for (size_t i = 0; i < t->np; i++) {
        double ui = gsl_vector_get(u, i);
        out += ui < 0 ? ui * ui : ui > 1 ? (ui - 1) * (ui - 1) : 0;
        param_value(&t->p[i], ui, buf, sizeof buf);
        values[i] = asim_strdup(buf);
        len += strlen(t->p[i].key) + strlen(buf) + 2;
    }
    char *assign = asim_malloc(len), *q = assign;
    *q = 0;
    for (size_t i = 0; i < t->np; i++)
        q += sprintf(q, "%s=%s\n", t->p[i].key, values[i]);
    long hit = -1;
    for (size_t k = 0; k < t->nev && hit < 0; k++)
        if (strcmp(t->ev[k].assign, assign) == 0)
            hit = (long)k;
    if (hit >= 0) {
        for (size_t i = 0; i < t->np; i++)
            asim_free(values[i]);
        asim_free(values);
        asim_free(assign);
    } else {
        if (t->used + t->reps > t->budget) {
            t->stop = 1;
            for (size_t i = 0; i < t->np; i++)
                asim_free(values[i]);
            asim_free(values);
            asim_free(assign);
            return SCORE_STOPPED;
        }
        ASIM_GROW(t->ev, t->cap, t->nev + 1, 64);
        eval *e = &t->ev[t->nev];
        memset(e, 0, sizeof *e);
        e->assign = assign;
        e->values = values;
        e->cons_mean = asim_calloc(t->o->ncons + 1, sizeof *e->cons_mean);
        evaluate(t, e);
        if (t->stop >= 2) {
            asim_free(e->assign);
            for (size_t i = 0; i < t->np; i++)
                asim_free(e->values[i]);
            asim_free(e->values);
            asim_free(e->cons_mean);
            return SCORE_STOPPED;
        }
        hit = (long)t->nev++;
        int improved = t->best < 0 || e->score < t->ev[t->best].score;
        if (improved)
            t->best = hit;
        path_row(t, e, improved);
        progress_line(t, e, improved);
    }
    double s = t->ev[hit].score;
    return out > 0 ? s + (fabs(s) + 1) * sqrt(out) : s;
}

static int parse_param(const char *spec, param *p, asim_err *err)
{
    memset(p, 0, sizeof *p);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return asim_err_set(err, ASIM_EINPUT, "--param '%s': expected KEY=LO:HI or KEY=LO:HI:int", spec);
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - spec), spec);
    const asim_setting *s = asim_setting_describe(key);
    if (!s) {
        asim_config tmp;
        asim_config_defaults(&tmp);
        char a[300];
        snprintf(a, sizeof a, "%s=0", key);
        asim_config_set(&tmp, a, err);     /* for its "did you mean" */
        asim_config_free(&tmp);
        if (strncmp(err->msg, "--set", 5) == 0) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg + 5);
            asim_err_set(err, ASIM_EINPUT, "--param%.500s", m);
        } else
            asim_err_set(err, ASIM_EINPUT, "--param %s: unknown setting", key);
        return ASIM_EINPUT;
    }
    if (s->type != ASIM_SET_DOUBLE && s->type != ASIM_SET_INT && s->type != ASIM_SET_U64)
        return asim_err_set(err, ASIM_EINPUT, "--param %s: not a numeric setting (sweep it with --grid)", key);
    char lo[64], hi[64], flag[16] = "";
    int n = sscanf(eq + 1, "%63[^:]:%63[^:]:%15s", lo, hi, flag);
    char *e1, *e2;
    double l = n >= 2 ? strtod(lo, &e1) : 0, h = n >= 2 ? strtod(hi, &e2) : 0;
    if (n < 2 || *e1 || *e2 || !isfinite(l) || !isfinite(h) || l >= h || (n == 3 && strcmp(flag, "int") != 0))
        return asim_err_set(err, ASIM_EINPUT, "--param '%s': expected KEY=LO:HI[:int] with LO < HI", spec);
    p->key = asim_strdup(key);
    p->lo = l;
    p->hi = h;
    p->integer = n == 3 || s->type != ASIM_SET_DOUBLE;
    return 0;
}

enum { OPT_PARAM = 1000, OPT_BUDGET, OPT_REPS, OPT_FRESH, OPT_TOL };

int asim_cmd_tune(int argc, char **argv)
{
    static const struct option own[] = {
        {"param", required_argument, NULL, OPT_PARAM},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"reps", required_argument, NULL, OPT_REPS},
        {"fresh-reps", required_argument, NULL, OPT_FRESH},
        {"tol", required_argument, NULL, OPT_TOL},
        {NULL, 0, NULL, 0},
    };
    asim_cli_opts opt;
    asim_cli_opts_init(&opt, "tune", ASIM_CLI_SCENARIO | ASIM_CLI_JOBS | ASIM_CLI_OBJECTIVE, own, argc);
    opt.usage = usage;
    const char **specs = asim_calloc((size_t)argc + 1, sizeof *specs);
    size_t nspecs = 0, np = 0;
    unsigned long budget = 300, reps = 5, fresh = 10;
    double tol = 0.01;
    int rc = 0, have_cfg = 0;
    asim_err err;
    asim_config cfg;
    param *ps = NULL;
    tune t;
    memset(&t, 0, sizeof t);
    t.best = -1;
    gsl_multimin_fminimizer *mm = NULL;
    gsl_vector *x0 = NULL, *step = NULL;
    asim_sweep fsw;
    memset(&fsw, 0, sizeof fsw);
    asim_agg agg;
    memset(&agg, 0, sizeof agg);

    int o;
    while ((o = asim_cli_next(&opt, argc, argv)) > 0) {
        switch (o) {
        case OPT_PARAM: specs[nspecs++] = optarg; break;
        case OPT_BUDGET:
            if (asim_cli_parse_ulong(optarg, 1, 100000000ul, &budget) != 0) {
                rc = fail(2, "--budget '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            break;
        case OPT_REPS:
            if (asim_cli_parse_ulong(optarg, 1, 100000ul, &reps) != 0) {
                rc = fail(2, "--reps '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            break;
        case OPT_FRESH:
            if (asim_cli_parse_ulong(optarg, 1, 1000000ul, &fresh) != 0) {
                rc = fail(2, "--fresh-reps '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            break;
        case OPT_TOL: {
            char *end;
            tol = strtod(optarg, &end);
            if (*end || !(tol > 0 && tol < 1)) {
                rc = fail(2, "--tol '%s': expected a number between 0 and 1", optarg);
                goto done;
            }
            break;
        }
        }
    }
    if (o < 0) {
        rc = opt.rc;
        goto done;
    }
    if (optind >= argc) {
        rc = fail(2, "no scenario given (usage: autoscale-sim tune SCENARIO.json --param KEY=LO:HI --minimize M)");
        goto done;
    }
    const char *scenario = argv[optind++];
    if (optind < argc) {
        rc = fail(2, "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (nspecs == 0) {
        rc = fail(2, "nothing to tune: give --param KEY=LO:HI");
        goto done;
    }
    if (!opt.minimize == !opt.maximize) {
        rc = fail(2, opt.minimize ? "--minimize and --maximize are exclusive" : "give --minimize METRIC or --maximize METRIC");
        goto done;
    }
    asim_objective obj;
    asim_objective_init(&obj);
    if ((rc = asim_objective_apply(&obj, opt.minimize, opt.maximize, opt.subj, opt.nsubj, &err)) != 0)
        goto bad_input;
    ps = asim_calloc(nspecs, sizeof *ps);
    for (; np < nspecs; np++) {
        if ((rc = parse_param(specs[np], &ps[np], &err)) != 0)
            goto bad_input;
        for (size_t k = 0; k < np; k++)
            if (strcmp(ps[k].key, ps[np].key) == 0) {
                np++;
                rc = asim_err_set(&err, ASIM_EINPUT, "--param %s given twice", ps[k].key);
                goto bad_input;
            }
    }

    have_cfg = 1;
    uint64_t seed;
    if ((rc = asim_cli_build_config(&opt, scenario, &cfg, &seed, &err)) != 0)
        goto bad_input;
    if ((rc = asim_budget_check(&cfg, 0, "tune", &err)) != 0)    /* the run budget, as `run` applies it */
        goto bad_input;
    for (size_t i = 0; i < np; i++) {
        char v[128];
        double x = NAN;
        if (asim_config_get_text(&cfg, ps[i].key, v, sizeof v) == 0)
            x = strtod(v, NULL);
        ps[i].start = isfinite(x) ? fmin(1, fmax(0, (x - ps[i].lo) / (ps[i].hi - ps[i].lo))) : 0.5;
    }
    if (budget < (np + 1) * reps) {
        rc = fail(2, "--budget %lu is too small: the first simplex alone needs (%zu parameters + 1) x %lu "
                  "replications = %lu runs", budget, np, reps, (np + 1) * reps);
        goto done;
    }
    /* Metric names are checked on a one-second probe run, before the budget is spent. */
    size_t nnames = 0;
    char **names = asim_sweep_metric_names(&cfg, &nnames, &err);
    if (names) {
        rc = asim_objective_check_names(&obj, NULL, NULL, names, nnames, &err);
        asim_sweep_free_names(names);
        if (rc)
            goto bad_input;
    }

    char dir[PATH_MAX];
    if (opt.out)
        snprintf(dir, sizeof dir, "%s", opt.out);
    else
        snprintf(dir, sizeof dir, "results/%s-tune", cfg.name);
    if ((rc = asim_mkdirs(dir, &err)) != 0) {
        rc = fail(1, "%s", err.msg);
        goto done;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tune_path.csv", dir);
    asim_afile pathfile;
    if ((rc = asim_afile_open(&pathfile, path, &err)) != 0) {
        rc = fail(1, "%s", err.msg);
        goto done;
    }

    unsigned j = opt.jobs ? (unsigned)opt.jobs : asim_pool_default_workers();
    if (j > reps)
        j = (unsigned)reps;
    t.p = ps;
    t.np = np;
    t.reps = (unsigned)reps;
    t.seed = seed;
    t.o = &obj;
    t.budget = budget;
    t.path = pathfile.f;
    t.quiet = opt.quiet;
    t.res = asim_malloc(sizeof *t.res);
    t.vals = asim_malloc(reps * (obj.ncons + 1) * sizeof *t.vals);
    path_header(&t);
    if (!opt.quiet) {
        char ot[600];
        asim_objective_text(&obj, ot, sizeof ot);
        fprintf(stderr, "tune: %s over %zu parameter%s, %lu replications per point (seeds %llu..%llu), "
                "budget %lu runs, %u worker%s\n", ot, np, np == 1 ? "" : "s", reps, (unsigned long long)seed,
                (unsigned long long)(seed + reps - 1), budget, j, j == 1 ? "" : "s");
    }
    if (!(t.pool = asim_pool_create(&cfg, j, 0, &err))) {
        asim_afile_abort(&pathfile);
        rc = fail(1, "%s", err.msg);
        goto done;
    }

    gsl_set_error_handler_off();
    gsl_multimin_function fn = {.f = score_at, .n = np, .params = &t};
    x0 = gsl_vector_alloc(np);
    step = gsl_vector_alloc(np);
    for (size_t i = 0; i < np; i++) {
        gsl_vector_set(x0, i, ps[i].start);
        /* Step toward the interior, a quarter of the range (at least one
         * integer step). */
        double s = 0.25;
        if (ps[i].integer)
            s = fmax(s, 1.0 / (ps[i].hi - ps[i].lo));
        gsl_vector_set(step, i, ps[i].start + s <= 1 ? s : -s);
    }
    mm = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, np);
    int status = gsl_multimin_fminimizer_set(mm, &fn, x0, step);
    const char *why = "budget spent";
    if (status != GSL_SUCCESS && t.stop == 0) {
        t.rc = asim_err_set(&t.err, ASIM_ERUNTIME, "Nelder-Mead: %s", gsl_strerror(status));
        t.stop = 3;
    }
    size_t stalled = 0;
    while (t.stop == 0) {
        t.iteration++;
        size_t before = t.nev;
        status = gsl_multimin_fminimizer_iterate(mm);
        if (t.stop)
            break;
        /* On a plateau the rounded points repeat: the simplex moves among
         * cached points forever without shrinking below the rounding. */
        stalled = t.nev == before ? stalled + 1 : 0;
        if (stalled >= 25 * (np + 1)) {
            why = "the simplex only revisits evaluated points: a plateau";
            break;
        }
        if (status != GSL_SUCCESS) {
            why = "the simplex cannot improve further";
            break;
        }
        double size = gsl_multimin_fminimizer_size(mm);
        if (gsl_multimin_test_size(size, tol) == GSL_SUCCESS) {
            why = "the simplex converged";
            break;
        }
        if (t.iteration >= 100000) {
            why = "iteration limit";
            break;
        }
    }
    asim_pool_destroy(t.pool, t.stop >= 2);
    t.pool = NULL;
    if ((rc = asim_afile_commit(&pathfile, &err)) != 0) {
        rc = fail(1, "%s", err.msg);
        goto done;
    }
    if (t.stop >= 2) {
        rc = fail(t.rc == ASIM_EINPUT ? 2 : 1, "%s", t.err.msg);
        goto done;
    }
    if (t.best < 0) {
        rc = fail(1, "no point was evaluated");
        goto done;
    }
    const eval *b = &t.ev[t.best];
    if (!opt.quiet) {
        fprintf(stderr, "tune: stopped after %zu evaluations, %zu runs (%s)\n", t.nev, t.used, why);
        if (b->status)
            fprintf(stderr, "tune: warning: every evaluated point failed; see tune_path.csv\n");
        else if (!b->feasible)
            fprintf(stderr, "tune: warning: no evaluated point satisfies the constraints; the closest "
                    "is reported\n");
    }

    /* Fresh replications of the best point: a one-configuration sweep. */
    asim_sweep_init(&fsw, &cfg, scenario, seed + reps, (unsigned)fresh);
    for (size_t i = 0; i < np; i++) {
        char spec[512];
        snprintf(spec, sizeof spec, "%s=%s", ps[i].key, b->values[i]);
        if ((rc = asim_sweep_add_grid(&fsw, spec, &err)) != 0)
            goto bad_input;
    }
    if ((rc = asim_sweep_finish(&fsw, 1, &err)) != 0)
        goto bad_input;
    char fdir[PATH_MAX + 16];
    snprintf(fdir, sizeof fdir, "%s/fresh", dir);
    asim_sweep_opts so = {.jobs = opt.jobs ? (unsigned)opt.jobs : 0, .keep_runs = 0, .obj = &obj};
    int interrupted = 0;
    if ((rc = asim_sweep_run(&fsw, fdir, &so, &interrupted, &err)) != 0 ||
        (rc = asim_sweep_aggregate(&fsw, &obj, fdir, NULL, &agg, &err)) != 0) {
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto done;
    }
    int mo = asim_agg_metric(&agg, obj.metric);
    char ot[600], stat[128] = "undefined";
    asim_objective_text(&obj, ot, sizeof ot);
    const asim_agg_row *fr = agg.n > 0 ? &agg.rows[0] : NULL;
    if (fr && mo >= 0 && !isnan(fr->mean[mo]))
        asim_fmt_mean_ci(stat, sizeof stat, fr->mean[mo], fr->ci[mo]);
    char desc[1024];
    snprintf(desc, sizeof desc, "Tuned by autoscale-sim tune (Nelder-Mead, %zu points x %u replications): %.400s; "
             "%s = %s (mean and 95%% CI of %lu fresh replications, seeds %llu+)", t.nev, t.reps, ot, obj.metric,
             stat, fresh, (unsigned long long)(seed + reps));
    char best_path[PATH_MAX + 16];
    snprintf(best_path, sizeof best_path, "%s/best.json", dir);
    if ((rc = asim_sweep_write_scenario(&fsw, 0, desc, best_path, &err)) != 0) {
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto done;
    }
    if (!opt.quiet) {
        printf("tuned           %s (%zu evaluations, %zu runs; %s)\n", ot, t.nev, t.used, why);
        for (size_t i = 0; i < np; i++)
            printf("  %s = %s\n", ps[i].key, b->values[i]);
        char sv[96];
        asim_fmt_mean_ci(sv, sizeof sv, b->obj_mean, b->obj_ci);
        printf("search          %s %s on seeds %llu..%llu (optimistic: chosen on them)\n", obj.metric, sv,
               (unsigned long long)seed, (unsigned long long)(seed + reps - 1));
        printf("fresh           %lu replications, seeds %llu..%llu (mean ± 95%% CI):\n", fresh,
               (unsigned long long)(seed + reps), (unsigned long long)(seed + reps + fresh - 1));
        const char *show[ASIM_MAX_CONSTRAINTS + 3];
        size_t ns = 0;
        show[ns++] = obj.metric;
        for (size_t k = 0; k < obj.ncons; k++)
            show[ns++] = obj.cons[k].metric;
        for (size_t i = 0; i < ns && fr; i++) {
            int m = asim_agg_metric(&agg, show[i]);
            if (m < 0)
                continue;
            char fv[96];
            asim_fmt_mean_ci(fv, sizeof fv, fr->mean[m], fr->ci[m]);
            printf("  %-28s %s", show[i], fv);
            if (i > 0)
                printf("   (%s)", asim_constraint_ok(&obj.cons[i - 1], fr->mean[m]) ? "holds" : "VIOLATED");
            printf("\n");
        }
        printf("path            %s\n", path);
        printf("scenario        %s (run it: autoscale-sim run %s)\n", best_path, best_path);
    }
    if (fr && !fr->feasible)
        fprintf(stderr, "autoscale-sim tune: warning: on the fresh replications the best point %s\n",
                fr->ok != fr->reps ? "has failed runs" : "violates a constraint (on its mean)");
    if (b->status || !b->feasible || !fr || !fr->feasible)
        rc = fail(ASIM_EXIT_INFEASIBLE, "no feasible point: %s", b->status ? "every evaluated point failed"
                  : !b->feasible ? "no evaluated point satisfies the constraints (best.json is the closest)"
                  : "the chosen point is not feasible on the fresh replications");
    goto done;

bad_input:
    rc = fail(rc == ASIM_ERUNTIME ? 1 : 2, "%s", err.msg);
done:
    asim_pool_destroy(t.pool, 1);
    if (mm)
        gsl_multimin_fminimizer_free(mm);
    if (x0)
        gsl_vector_free(x0);
    if (step)
        gsl_vector_free(step);
    for (size_t k = 0; k < t.nev; k++) {
        asim_free(t.ev[k].assign);
        for (size_t i = 0; i < np; i++)
            asim_free(t.ev[k].values[i]);
        asim_free(t.ev[k].values);
        asim_free(t.ev[k].cons_mean);
    }
    asim_free(t.ev);
    asim_free(t.res);
    asim_free(t.vals);
    for (size_t i = 0; i < np; i++)
        asim_free(ps[i].key);
    asim_free(ps);
    asim_agg_free(&agg);
    asim_sweep_free(&fsw);
    if (have_cfg)
        asim_config_free(&cfg);
    asim_free(specs);
    asim_cli_opts_free(&opt);
    return rc;
}
