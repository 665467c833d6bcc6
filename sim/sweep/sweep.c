/* sweep.c -- parameter sweeps (see sweep.h): the definition -- axes, grid
 * and random values, configs, objective -- and sweep.json.  runs.csv and
 * running live in sweep_runs.c, aggregation in sweep_agg.c, figures in
 * sweep_plot.c; sweep_int.h holds what they share.
 *
 * Invariants:
 * - Everything that decides which runs exist and what they compute (base
 *   config JSON, axes and every value, samples, reps, seed) goes into the
 *   hash in sweep.json; resuming and merging compare hashes, so rows from
 *   another sweep can never be mixed in.
 * - runs.csv is only ever appended to one complete, flushed row at a time,
 *   or replaced atomically (rename).  Each row is one physical line (errors
 *   are made single-line, values may not contain line breaks), so "a last
 *   line without newline" is exactly "a row cut by a kill".
 * - Until the first successful run the header has no metric columns (the
 *   metric names come from a run's summary); the first success rewrites the
 *   file with the full header and the failures so far.
 * - Once a sweep is complete, runs.csv is sorted by (config, rep), and
 *   summary.csv / best.json are computed from that file alone: a sharded
 *   sweep merged by `merge` gives the same bytes as one process. */
#include "sim/sweep/sweep.h"
#include "sim/run/budget.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <gsl/gsl_randist.h>

#include "models/promql/promql_memo.h"
#include "sim/config/settings.h"
#include "sim/engine/hash.h"
#include "sim/engine/output.h"
#include "sim/engine/rng.h"
#include "sim/run/simulate.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/sweep_int.h"

#define MAX_VALUES 1000000
#define MAX_RUNS   1000000000ull
#define SWEEP_FORMAT "autoscale-sim sweep 1"

/* ---- small helpers --------------------------------------------------------- */

char *asim_sweep_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = asim_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *asim_sweep_path_join(const char *dir, const char *name)
{
    return asim_sweep_xasprintf("%s/%s", dir, name);
}

/* Whole text is a finite number. */
int asim_sweep_parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (end != s && (*end == ' ' || *end == '\t'))
        end++;
    return end != s && *end == 0 && errno == 0 && isfinite(*v);
}

int asim_sweep_parse_u64(const char *s, uint64_t *v)
{
    if (!*s || *s == '-' || *s == '+')
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno)
        return 0;
    *v = x;
    return 1;
}


/* ---- definition ----------------------------------------------------------- */

void asim_sweep_init(asim_sweep *sw, const asim_config *base, const char *scenario,
                     uint64_t seed, unsigned reps)
{
    memset(sw, 0, sizeof *sw);
    asim_config_copy(&sw->base, base);
    sw->scenario = asim_strdup(scenario ? scenario : "");
    cJSON *j = asim_config_to_json(base);
    char *t = cJSON_PrintUnformatted(j);
    sw->base_json = asim_strdup(t);
    cJSON_free(t);
    cJSON_Delete(j);
    sw->seed = seed;
    sw->reps = reps;
    sw->samples = 1;
    sw->shard_k = sw->shard_n = 1;
}

void asim_sweep_free(asim_sweep *sw)
{
    if (!sw || !sw->scenario)
        return;
    for (size_t a = 0; a < sw->naxes; a++) {
        asim_sweep_axis *x = &sw->axes[a];
        for (size_t i = 0; i < x->n; i++)
            asim_free(x->values[i]);
        asim_free(x->values);
        asim_free(x->key);
        asim_free(x->spec);
    }
    asim_free(sw->axes);
    for (size_t l = 0; l < sw->nlinks; l++) {
        asim_free(sw->links[l].key);
        asim_free(sw->links[l].from);
    }
    asim_free(sw->links);
    asim_free(sw->scenario);
    asim_free(sw->base_json);
    asim_config_free(&sw->base);
    memset(sw, 0, sizeof *sw);
}

/* "key=rest": checks the key is a known setting not yet swept.  The
 * message for an unknown one comes from asim_config_set (with its "did you
 * mean"), relabelled for the option. */
static int split_spec(asim_sweep *sw, const char *opt, const char *spec, char **key,
                      const char **rest, asim_err *err)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return asim_err_set(err, ASIM_EINPUT, "%s '%s': expected key.path=%s", opt, spec,
                            strcmp(opt, "--random") == 0 ? "lo:hi" : "v1,v2,... or start:stop:step");
    *key = asim_malloc((size_t)(eq - spec) + 1);
    memcpy(*key, spec, (size_t)(eq - spec));
    (*key)[eq - spec] = 0;
    *rest = eq + 1;
    for (size_t a = 0; a < sw->naxes; a++)
        if (strcmp(sw->axes[a].key, *key) == 0) {
            asim_err_set(err, ASIM_EINPUT, "%s: %s is swept twice", opt, *key);
            goto bad;
        }
    if (strcmp(*key, "seed") == 0) {
        asim_err_set(err, ASIM_EINPUT, "%s: the seed is not a setting to sweep: replications "
                     "already vary it (--reps, --seed)", opt);
        goto bad;
    }
    if (!asim_setting_find(*key)) {
        /* Not a plain setting: a section (app.service_time=0.1) is fine if
         * asim_config_set takes it; else use its message. */
        asim_config tmp;
        asim_config_copy(&tmp, &sw->base);
        char *a = asim_sweep_xasprintf("%s=0", *key);
        int rc = asim_config_set(&tmp, a, err);
        asim_free(a);
        asim_config_free(&tmp);
        if (rc && strstr(err->msg, "unknown setting")) {
            if (strncmp(err->msg, "--set", 5) == 0) {
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "%s%s", opt, err->msg + 5);
                snprintf(err->msg, sizeof err->msg, "%s", m);
            }
            goto bad;
        }
    }
    return 0;
bad:
    asim_free(*key);
    *key = NULL;
    return ASIM_EINPUT;
}

static asim_sweep_axis *new_axis(asim_sweep *sw, char *key, const char *spec)
{
    sw->axes = asim_realloc(sw->axes, (sw->naxes + 1) * sizeof *sw->axes);
    asim_sweep_axis *x = &sw->axes[sw->naxes++];
    memset(x, 0, sizeof *x);
    x->key = key;
    x->spec = asim_strdup(spec);
    return x;
}

static void axis_push(asim_sweep_axis *x, char *value)
{
    if ((x->n & (x->n - 1)) == 0)      /* grow at powers of two */
        x->values = asim_realloc(x->values, (x->n ? 2 * x->n : 1) * sizeof *x->values);
    x->values[x->n++] = value;
}

/* "a:b:s" with three numbers: the range's values; 0 when spec is no range. */
static int parse_range(const char *spec, double *a, double *b, double *s)
{
    const char *c1 = strchr(spec, ':');
    if (!c1 || strchr(spec, ',') || spec[0] == '[' || spec[0] == '{' || spec[0] == '"')
        return 0;
    const char *c2 = strchr(c1 + 1, ':');
    if (!c2 || strchr(c2 + 1, ':'))
        return 0;
    char t[3][128];
    size_t l0 = (size_t)(c1 - spec), l1 = (size_t)(c2 - c1 - 1), l2 = strlen(c2 + 1);
    if (l0 >= 128 || l1 >= 128 || l2 >= 128)
        return 0;
    memcpy(t[0], spec, l0); t[0][l0] = 0;
    memcpy(t[1], c1 + 1, l1); t[1][l1] = 0;
    memcpy(t[2], c2 + 1, l2); t[2][l2] = 0;
    return asim_sweep_parse_num(t[0], a) && asim_sweep_parse_num(t[1], b) && asim_sweep_parse_num(t[2], s);
}

/* A number as grid/random text: 12 significant digits, so 0.1 steps give
 * "0.3", not "0.30000000000000004"; "-0" becomes "0". */
static char *num_text(double v, int digits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, sizeof buf, "0");
    return asim_strdup(buf);
}

int asim_sweep_add_grid(asim_sweep *sw, const char *spec, asim_err *err)
{
    char *key;
    const char *rest;
    int rc = split_spec(sw, "--grid", spec, &key, &rest, err);
    if (rc)
        return rc;
    if (strpbrk(rest, "\r\n")) {
        asim_free(key);
        return asim_err_set(err, ASIM_EINPUT, "--grid %s: values may not contain line breaks", key);
    }
    double a, b, s;
    if (parse_range(rest, &a, &b, &s)) {
        if (s == 0 || (b - a) / s < -1e-9) {
            asim_err_set(err, ASIM_EINPUT, "--grid %s=%s: step %g never gets from %g to %g", key, rest, s, a, b);
            asim_free(key);
            return ASIM_EINPUT;
        }
        double count = floor((b - a) / s + 1e-9) + 1;
        if (count > MAX_VALUES) {
            asim_err_set(err, ASIM_EINPUT, "--grid %s=%s: %.0f values (at most %d)", key, rest, count, MAX_VALUES);
            asim_free(key);
            return ASIM_EINPUT;
        }
        asim_sweep_axis *x = new_axis(sw, key, rest);
        for (size_t i = 0; i < (size_t)count; i++)
            axis_push(x, num_text(a + (double)i * s, 12));
        return 0;
    }
    /* A list: split at commas outside brackets, braces and strings. */
    asim_sweep_axis *x = new_axis(sw, key, rest);
    int depth = 0, quoted = 0;
    const char *start = rest;
    for (const char *p = rest;; p++) {
        if (quoted) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                quoted = 0;
            if (*p)
                continue;
        }
        if (*p == '"')
            quoted = 1;
        else if (*p == '[' || *p == '{')
            depth++;
        else if ((*p == ']' || *p == '}') && depth > 0)
            depth--;
        else if ((*p == ',' && depth == 0) || *p == 0) {
            size_t len = (size_t)(p - start);
            if (len == 0) {
                asim_err_set(err, ASIM_EINPUT, "--grid %s=%s: empty value", key, rest);
                goto bad;
            }
            if (x->n >= MAX_VALUES) {
                asim_err_set(err, ASIM_EINPUT, "--grid %s: more than %d values", key, MAX_VALUES);
                goto bad;
            }
            char *v = asim_malloc(len + 1);
            memcpy(v, start, len);
            v[len] = 0;
            axis_push(x, v);
            start = p + 1;
            if (!*p)
                break;
        }
    }
    return 0;
bad:
    for (size_t i = 0; i < x->n; i++)
        asim_free(x->values[i]);
    asim_free(x->values);
    asim_free(x->key);
    asim_free(x->spec);
    sw->naxes--;
    return ASIM_EINPUT;
}

int asim_sweep_add_random(asim_sweep *sw, const char *spec, asim_err *err)
{
    char *key;
    const char *rest;
    int rc = split_spec(sw, "--random", spec, &key, &rest, err);
    if (rc)
        return rc;
    const asim_setting *s = asim_setting_describe(key);
    if (!s || (s->type != ASIM_SET_DOUBLE && s->type != ASIM_SET_INT && s->type != ASIM_SET_U64)) {
        asim_err_set(err, ASIM_EINPUT, "--random %s: not a numeric setting (use --grid for it)", key);
        asim_free(key);
        return ASIM_EINPUT;
    }
    const char *c = strchr(rest, ':');
    double lo, hi;
    char lt[128];
    size_t ll = c ? (size_t)(c - rest) : 0;
    if (!c || ll >= sizeof lt || strchr(c + 1, ':')) {
        asim_err_set(err, ASIM_EINPUT, "--random %s=%s: expected lo:hi", key, rest);
        asim_free(key);
        return ASIM_EINPUT;
    }
    memcpy(lt, rest, ll);
    lt[ll] = 0;
    if (!asim_sweep_parse_num(lt, &lo) || !asim_sweep_parse_num(c + 1, &hi) || lo > hi) {
        asim_err_set(err, ASIM_EINPUT, "--random %s=%s: expected lo:hi, two numbers with lo <= hi", key, rest);
        asim_free(key);
        return ASIM_EINPUT;
    }
    asim_sweep_axis *x = new_axis(sw, key, rest);
    x->random = 1;
    x->lo = lo;
    x->hi = hi;
    x->integer = s->type != ASIM_SET_DOUBLE;
    return 0;
}

/* Latin hypercube: sample i falls in stratum perm[i] of [lo, hi]; each
 * axis has its own stream, so adding an axis does not move the others. */
static void draw_random(asim_sweep *sw, asim_sweep_axis *x)
{
    size_t n = sw->samples;
    char name[300];
    snprintf(name, sizeof name, "sweep.random.%s", x->key);
    gsl_rng *r = asim_rng_stream(sw->seed, name);
    size_t *perm = asim_malloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    gsl_ran_shuffle(r, perm, n, sizeof *perm);
    x->values = asim_malloc(n * sizeof *x->values);
    x->n = n;
    for (size_t i = 0; i < n; i++) {
        double u = ((double)perm[i] + asim_rng_open01(r)) / (double)n;
        if (x->integer) {
            double v = floor(x->lo + u * (floor(x->hi) - ceil(x->lo) + 1));
            v = fmax(ceil(x->lo), fmin(floor(x->hi), v));
            x->values[i] = num_text(v, 17);
        } else
            x->values[i] = num_text(x->lo + u * (x->hi - x->lo), 6);
    }
    asim_free(perm);
    asim_rng_free(r);
}

/* Index of the axis sweeping key, or -1. */
static long axis_of(const asim_sweep *sw, const char *key)
{
    for (size_t a = 0; a < sw->naxes; a++)
        if (strcmp(sw->axes[a].key, key) == 0)
            return (long)a;
    return -1;
}

int asim_sweep_add_link(asim_sweep *sw, const char *spec, asim_err *err)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1] || strpbrk(spec, "\r\n"))
        return asim_err_set(err, ASIM_EINPUT, "--link '%s': expected KEY=SWEPT_KEY "
                            "(e.g. container.initial_replicas=scaler.min_replicas)", spec);
    const char *from = eq + 1;
    if (axis_of(sw, from) < 0)
        return asim_err_set(err, ASIM_EINPUT, "--link %s: %s is not swept (give it --grid or --random)",
                            spec, from);
    char *key;
    const char *rest;
    /* split_spec checks the key: a known setting, not swept, not the seed. */
    int rc = split_spec(sw, "--link", spec, &key, &rest, err);
    if (rc)
        return rc;
    for (size_t l = 0; l < sw->nlinks; l++)
        if (strcmp(sw->links[l].key, key) == 0) {
            asim_err_set(err, ASIM_EINPUT, "--link: %s is linked twice", key);
            asim_free(key);
            return ASIM_EINPUT;
        }
    sw->links = asim_realloc(sw->links, (sw->nlinks + 1) * sizeof *sw->links);
    sw->links[sw->nlinks].key = key;
    sw->links[sw->nlinks].from = asim_strdup(from);
    sw->nlinks++;
    return 0;
}

int asim_sweep_finish(asim_sweep *sw, size_t samples, asim_err *err)
{
    int any_random = 0;
    for (size_t a = 0; a < sw->naxes; a++)
        any_random |= sw->axes[a].random;
    if (any_random && samples == 0)
        return asim_err_set(err, ASIM_EINPUT, "--random needs --samples N (N >= 1)");
    if (sw->reps < 1)
        return asim_err_set(err, ASIM_EINPUT, "--reps must be at least 1");
    sw->samples = any_random ? samples : 1;
    double total = (double)sw->samples * sw->reps;
    for (size_t a = 0; a < sw->naxes; a++)
        if (!sw->axes[a].random)
            total *= (double)sw->axes[a].n;
    if (total > (double)MAX_RUNS)
        return asim_err_set(err, ASIM_EINPUT, "%.3g runs (configurations x replications): at most %llu",
                            total, MAX_RUNS);
    sw->nconfigs = (size_t)(total / sw->reps + 0.5);
    for (size_t a = 0; a < sw->naxes; a++)
        if (sw->axes[a].random)
            draw_random(sw, &sw->axes[a]);

    uint64_t h = ASIM_FNV64_OFFSET;
    char buf[128];
    h = asim_fnv1a64_str(h, SWEEP_FORMAT "\nbase ");
    h = asim_fnv1a64_str(h, sw->base_json);
    for (size_t a = 0; a < sw->naxes; a++) {
        const asim_sweep_axis *x = &sw->axes[a];
        h = asim_fnv1a64_str(h, x->random ? "\nrandom " : "\ngrid ");
        h = asim_fnv1a64_str(h, x->key);
        for (size_t i = 0; i < x->n; i++) {
            h = asim_fnv1a64_str(h, "\n\t");
            h = asim_fnv1a64_str(h, x->values[i]);
        }
    }
    /* Links change what runs compute; a sweep without them hashes as before. */
    for (size_t l = 0; l < sw->nlinks; l++) {
        h = asim_fnv1a64_str(h, "\nlink ");
        h = asim_fnv1a64_str(h, sw->links[l].key);
        h = asim_fnv1a64_str(h, "=");
        h = asim_fnv1a64_str(h, sw->links[l].from);
    }
    snprintf(buf, sizeof buf, "\nsamples %zu reps %u seed %llu\n", sw->samples, sw->reps,
             (unsigned long long)sw->seed);
    h = asim_fnv1a64_str(h, buf);
    sw->hash = h;
    sw->finished = 1;
    return 0;
}

const char *asim_sweep_value(const asim_sweep *sw, size_t c, size_t a)
{
    const asim_sweep_axis *x = &sw->axes[a];
    if (x->random)
        return x->values[c % sw->samples];
    size_t g = c / sw->samples, stride = 1;
    for (size_t b = a + 1; b < sw->naxes; b++)
        if (!sw->axes[b].random)
            stride *= sw->axes[b].n;
    return x->values[(g / stride) % x->n];
}

char *asim_sweep_assignments(const asim_sweep *sw, size_t c)
{
    size_t len = 1;
    for (size_t a = 0; a < sw->naxes; a++)
        len += strlen(sw->axes[a].key) + strlen(asim_sweep_value(sw, c, a)) + 2;
    for (size_t l = 0; l < sw->nlinks; l++)
        len += strlen(sw->links[l].key) + strlen(asim_sweep_value(sw, c, (size_t)axis_of(sw, sw->links[l].from))) + 2;
    char *s = asim_malloc(len), *p = s;
    *p = 0;
    for (size_t a = 0; a < sw->naxes; a++)
        p += sprintf(p, "%s=%s\n", sw->axes[a].key, asim_sweep_value(sw, c, a));
    for (size_t l = 0; l < sw->nlinks; l++)
        p += sprintf(p, "%s=%s\n", sw->links[l].key,
                     asim_sweep_value(sw, c, (size_t)axis_of(sw, sw->links[l].from)));
    return s;
}

/* "a=1, b=2" from "a=1\nb=2\n", at most len bytes. */
static void assignments_inline(char *buf, size_t len, const char *assign)
{
    size_t k = 0;
    buf[0] = 0;
    for (const char *p = assign; *p && k + 3 < len; p++) {
        if (*p == '\n') {
            if (p[1]) {
                buf[k++] = ',';
                buf[k++] = ' ';
            }
        } else
            buf[k++] = *p;
    }
    buf[k < len ? k : len - 1] = 0;
}

static int validate_configs(const asim_sweep *sw, int force, size_t *ninvalid, asim_err *err)
{
    size_t bad = 0, first = 0;
    char what[200] = "", why[300] = "";
    for (size_t c = 0; c < sw->nconfigs; c++) {
        char *assign = asim_sweep_assignments(sw, c);
        asim_config cfg;
        asim_err e = {""};
        int rc = asim_pool_build_config(&cfg, &sw->base, assign, &e);
        /* a valid configuration this shard will run must fit the run budget */
        int over = rc == 0 && asim_sweep_in_shard(sw, c) && asim_budget_check(&cfg, force, NULL, &e) != 0;
        asim_config_free(&cfg);
        if (over) {
            assignments_inline(what, sizeof what, assign);
            asim_free(assign);
            if (ninvalid)
                *ninvalid = 0;          /* not an invalid configuration: --skip-invalid does not apply */
            return asim_err_set(err, ASIM_EINPUT, "configuration %zu (%s): %s", c, what, e.msg);
        }
        if (rc) {
            if (bad++ == 0) {
                first = c;
                assignments_inline(what, sizeof what, assign);
                /* the builder applies the axes as --set; the user gave --grid */
                snprintf(why, sizeof why, "%.299s", strncmp(e.msg, "--set: ", 7) == 0 ? e.msg + 7 : e.msg);
            }
        }
        asim_free(assign);
    }
    if (ninvalid)
        *ninvalid = bad;
    if (!bad)
        return 0;
    return asim_err_set(err, ASIM_EINPUT, "%zu of %zu configurations are invalid, nothing was run; "
                        "the first, config %zu (%.150s): %.200s. A setting that must follow a swept one "
                        "can be linked (--link container.initial_replicas=scaler.min_replicas); "
                        "--skip-invalid records invalid configurations as errors and runs the others",
                        bad, sw->nconfigs, first, what, why);
}

/* Every configuration's validation parses the same alert, rule and scaler
 * queries (a grid rarely sweeps a query text): a PromQL memo parses each
 * text once for the whole pass (promql_memo.h). */
int asim_sweep_validate(const asim_sweep *sw, int force, size_t *ninvalid, asim_err *err)
{
    asim_promql_memo *memo = asim_promql_memo_create(256);
    asim_promql_memo *prev = asim_promql_memo_use(memo);
    int rc = validate_configs(sw, force, ninvalid, err);
    asim_promql_memo_use(prev);
    asim_promql_memo_destroy(memo);
    return rc;
}

char **asim_sweep_metric_names(const asim_config *base, size_t *n, asim_err *err)
{
    asim_config cfg;
    asim_config_copy(&cfg, base);
    /* One simulated second is enough: the summary's names depend on the
     * configuration (alert rules, policy), not on what happened. */
    if (cfg.duration > 1)
        cfg.duration = 1;
    asim_summary *sum = asim_malloc(sizeof *sum);
    asim_run_stats st;
    int rc = asim_simulate(&cfg, cfg.seed, NULL, 0, sum, &st, err);
    asim_config_free(&cfg);
    char **names = NULL;
    if (rc == 0) {
        names = asim_calloc(sum->n + 1, sizeof *names);
        for (size_t i = 0; i < sum->n; i++)
            names[i] = asim_strdup(sum->m[i].name);
        *n = sum->n;
    }
    asim_free(sum);
    return names;
}

void asim_sweep_free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        asim_free(names[i]);
    asim_free(names);
}

uint64_t asim_sweep_seed(const asim_sweep *sw, unsigned r)
{
    return sw->seed + r;
}

int asim_sweep_in_shard(const asim_sweep *sw, size_t c)
{
    return sw->shard_n <= 1 || c % sw->shard_n == sw->shard_k - 1;
}

int asim_sweep_parse_shard(const char *text, unsigned *k, unsigned *n, asim_err *err)
{
    unsigned long a, b;
    char tail;
    if (sscanf(text, "%lu/%lu%c", &a, &b, &tail) != 2 || a < 1 || b < 1 || a > b || b > 1000000 ||
        text[0] == '-' || text[0] == '+')
        return asim_err_set(err, ASIM_EINPUT, "--shard '%s': expected K/N with 1 <= K <= N (e.g. 2/8)", text);
    *k = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

/* ---- objective -------------------------------------------------------------- */

void asim_objective_init(asim_objective *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->pareto_x, sizeof o->pareto_x, "replica_seconds");
    snprintf(o->pareto_y, sizeof o->pareto_y, "slo_violation_seconds");
}

int asim_objective_apply(asim_objective *o, const char *minimize, const char *maximize,
                         const char *const *subj, size_t nsubj, asim_err *err)
{
    if (minimize || maximize) {
        snprintf(o->metric, sizeof o->metric, "%s", minimize ? minimize : maximize);
        o->maximize = maximize != NULL;
    }
    if (nsubj == 0)
        return 0;
    o->ncons = 0;
    for (size_t i = 0; i < nsubj; i++) {
        int rc = asim_objective_add_constraint(o, subj[i], err);
        if (rc) return rc;
    }
    return 0;
}

int asim_objective_add_constraint(asim_objective *o, const char *text, asim_err *err)
{
    if (o->ncons == ASIM_MAX_CONSTRAINTS)
        return asim_err_set(err, ASIM_EINPUT, "--subject-to: at most %d constraints", ASIM_MAX_CONSTRAINTS);
    const char *p = strpbrk(text, "<>");
    if (!p)
        return asim_err_set(err, ASIM_EINPUT, "--subject-to '%s': expected METRIC<=VALUE (or >=, <, >)", text);
    asim_constraint *c = &o->cons[o->ncons];
    const char *s = text, *e = p;
    while (*s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    if (e == s || (size_t)(e - s) >= sizeof c->metric)
        return asim_err_set(err, ASIM_EINPUT, "--subject-to '%s': missing metric name before %c", text, *p);
    memcpy(c->metric, s, (size_t)(e - s));
    c->metric[e - s] = 0;
    c->op[0] = *p;
    c->op[1] = p[1] == '=' ? '=' : 0;
    c->op[2] = 0;
    if (!asim_sweep_parse_num(p + (p[1] == '=' ? 2 : 1), &c->bound))
        return asim_err_set(err, ASIM_EINPUT, "--subject-to '%s': '%s' is not a number", text,
                            p + (p[1] == '=' ? 2 : 1));
    o->ncons++;
    return 0;
}

int asim_constraint_ok(const asim_constraint *c, double v)
{
    if (isnan(v))
        return 0;
    if (c->op[0] == '<')
        return c->op[1] ? v <= c->bound : v < c->bound;
    return c->op[1] ? v >= c->bound : v > c->bound;
}

static void constraint_text(const asim_constraint *c, char *buf, size_t len)
{
    char b[ASIM_FMT_DOUBLE_LEN];
    asim_fmt_double(b, sizeof b, c->bound);
    snprintf(buf, len, "%s%s%s", c->metric, c->op, b);
}

void asim_objective_text(const asim_objective *o, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s %s", o->maximize ? "maximize" : "minimize",
                                   o->metric[0] ? o->metric : "(nothing)");
    for (size_t i = 0; i < o->ncons && used < len; i++) {
        char c[200];
        constraint_text(&o->cons[i], c, sizeof c);
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : " subject to ", c);
    }
}

int asim_objective_check_names(const asim_objective *o, const char *extra, const char *extra_opt,
                               char *const *names, size_t n, asim_err *err)
{
    const char *want[4 + ASIM_MAX_CONSTRAINTS], *opt[4 + ASIM_MAX_CONSTRAINTS];
    size_t k = 0;
    if (o->metric[0]) {
        want[k] = o->metric;
        opt[k++] = o->maximize ? "--maximize" : "--minimize";
    }
    for (size_t c = 0; c < o->ncons; c++) {
        want[k] = o->cons[c].metric;
        opt[k++] = "--subject-to";
    }
    want[k] = o->pareto_x;
    opt[k++] = "--pareto";
    want[k] = o->pareto_y;
    opt[k++] = "--pareto";
    if (extra) {
        want[k] = extra;
        opt[k++] = extra_opt;
    }
    for (size_t i = 0; i < k; i++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], want[i]) != 0)
            j++;
        if (j < n)
            continue;
        const char *sug = asim_suggest(want[i], (const char *const *)names, n);
        return asim_err_set(err, ASIM_EINPUT, "%s: no metric '%s' in the results%s%s%s", opt[i], want[i],
                            sug ? " (did you mean " : "", sug ? sug : "", sug ? "?)" : "");
    }
    return 0;
}

/* ---- sweep.json -------------------------------------------------------------- */

static cJSON *u64_json(uint64_t v)
{
    if (v <= (UINT64_C(1) << 53))
        return cJSON_CreateNumber((double)v);
    char t[32];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return cJSON_CreateString(t);
}

int asim_sweep_json_u64(const cJSON *n, uint64_t *v)
{
    if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 9007199254740992.0 &&
        n->valuedouble == floor(n->valuedouble)) {
        *v = (uint64_t)n->valuedouble;
        return 1;
    }
    return cJSON_IsString(n) && asim_sweep_parse_u64(n->valuestring, v);
}

int asim_sweep_write_json_file(const char *path, cJSON *j, asim_err *err)
{
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    int rc = asim_write_text_line(path, text, err);
    cJSON_free(text);
    return rc;
}

int asim_sweep_write_json(const asim_sweep *sw, const asim_objective *o, const char *dir, asim_err *err)
{
    cJSON *j = cJSON_CreateObject();
    char hash[20];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)sw->hash);
    cJSON_AddStringToObject(j, "format", SWEEP_FORMAT);
    cJSON_AddStringToObject(j, "version", ASIM_VERSION);
    cJSON_AddStringToObject(j, "scenario", sw->scenario);
    cJSON_AddStringToObject(j, "hash", hash);
    cJSON_AddItemToObject(j, "seed", u64_json(sw->seed));
    cJSON_AddNumberToObject(j, "reps", sw->reps);
    cJSON_AddNumberToObject(j, "samples", (double)sw->samples);
    cJSON_AddNumberToObject(j, "configs", (double)sw->nconfigs);
    cJSON_AddNumberToObject(j, "runs", (double)sw->nconfigs * sw->reps);
    if (sw->shard_n > 1) {
        char sh[32];
        snprintf(sh, sizeof sh, "%u/%u", sw->shard_k, sw->shard_n);
        cJSON_AddStringToObject(j, "shard", sh);
    }
    cJSON *axes = cJSON_AddArrayToObject(j, "axes");
    for (size_t a = 0; a < sw->naxes; a++) {
        const asim_sweep_axis *x = &sw->axes[a];
        cJSON *ax = cJSON_CreateObject();
        cJSON_AddStringToObject(ax, "key", x->key);
        cJSON_AddStringToObject(ax, x->random ? "random" : "grid", x->spec);
        cJSON *vals = cJSON_AddArrayToObject(ax, "values");
        for (size_t i = 0; i < x->n; i++)
            cJSON_AddItemToArray(vals, cJSON_CreateString(x->values[i]));
        cJSON_AddItemToArray(axes, ax);
    }
    if (sw->nlinks) {
        cJSON *links = cJSON_AddArrayToObject(j, "links");
        for (size_t l = 0; l < sw->nlinks; l++) {
            cJSON *lk = cJSON_CreateObject();
            cJSON_AddStringToObject(lk, "key", sw->links[l].key);
            cJSON_AddStringToObject(lk, "from", sw->links[l].from);
            cJSON_AddItemToArray(links, lk);
        }
    }
    if (o) {
        cJSON *ob = cJSON_AddObjectToObject(j, "objective");
        if (o->metric[0])
            cJSON_AddStringToObject(ob, o->maximize ? "maximize" : "minimize", o->metric);
        cJSON *st = cJSON_AddArrayToObject(ob, "subject_to");
        for (size_t i = 0; i < o->ncons; i++) {
            char c[200];
            constraint_text(&o->cons[i], c, sizeof c);
            cJSON_AddItemToArray(st, cJSON_CreateString(c));
        }
        cJSON *pa = cJSON_AddArrayToObject(ob, "pareto");
        cJSON_AddItemToArray(pa, cJSON_CreateString(o->pareto_x));
        cJSON_AddItemToArray(pa, cJSON_CreateString(o->pareto_y));
    }
    cJSON_AddItemToObject(j, "base", cJSON_Parse(sw->base_json));
    char *path = asim_sweep_path_join(dir, "sweep.json");
    int rc = asim_sweep_write_json_file(path, j, err);
    asim_free(path);
    return rc;
}

char *asim_sweep_slurp(const char *path, size_t *len, asim_err *err)
{
    char *text;
    int r = asim_read_file(path, &text, len);
    if (r == -1)
        asim_err_set(err, errno == ENOENT || errno == EISDIR ? ASIM_EINPUT : ASIM_ERUNTIME, "%s: %s", path,
                     strerror(errno));
    else if (r != 0)
        asim_err_set(err, ASIM_ERUNTIME, "%s: read error", path);
    return text;
}

/* The stored hash and shard of DIR/sweep.json, for the resume check. */
int asim_sweep_peek_json(const char *path, char *hash, size_t hl, char *shard, size_t sl, cJSON **out,
                         asim_err *err)
{
    char *text = asim_sweep_slurp(path, NULL, err);
    if (!text)
        return ASIM_ERUNTIME;
    cJSON *j = cJSON_Parse(text);
    asim_free(text);
    const cJSON *h = j ? cJSON_GetObjectItemCaseSensitive(j, "hash") : NULL;
    if (!cJSON_IsString(h)) {
        cJSON_Delete(j);
        return asim_err_set(err, ASIM_EINPUT, "%s: not a sweep definition (no \"hash\")", path);
    }
    snprintf(hash, hl, "%s", h->valuestring);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "shard");
    snprintf(shard, sl, "%s", cJSON_IsString(s) ? s->valuestring : "1/1");
    *out = j;
    return 0;
}

/* Add an axis or link "key=value" read from sweep.json at path; errors are
 * prefixed with the path. */
static int add_stored(asim_sweep *sw, int (*add)(asim_sweep *, const char *, asim_err *), const char *key,
                      const char *value, const char *path, asim_err *err)
{
    char *spec = asim_sweep_xasprintf("%s=%s", key, value);
    int rc = add(sw, spec, err);
    asim_free(spec);
    if (rc) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "%s", err->msg);
        asim_err_set(err, rc, "%s: %.400s", path, m);
    }
    return rc;
}

int asim_sweep_read_json(asim_sweep *sw, asim_objective *obj, const char *dir, asim_err *err)
{
    memset(sw, 0, sizeof *sw);
    char *path = asim_sweep_path_join(dir, "sweep.json");
    char *text = asim_sweep_slurp(path, NULL, err);
    int rc = ASIM_EINPUT;
    cJSON *j = NULL;
    asim_config base;
    int have_base = 0;
    if (!text) {
        if (strstr(err->msg, "No such file"))
            asim_err_set(err, ASIM_EINPUT, "%s: not a sweep directory (no sweep.json)", dir);
        rc = ASIM_EINPUT;
        goto done;
    }
    j = cJSON_Parse(text);
    if (!j) {
        asim_err_set(err, ASIM_EINPUT, "%s: not valid JSON", path);
        goto done;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(j, "scenario");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(j, "hash");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(j, "seed");
    const cJSON *reps = cJSON_GetObjectItemCaseSensitive(j, "reps");
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(j, "samples");
    const cJSON *axes = cJSON_GetObjectItemCaseSensitive(j, "axes");
    const cJSON *bj = cJSON_GetObjectItemCaseSensitive(j, "base");
    uint64_t sd;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, SWEEP_FORMAT) != 0 || !cJSON_IsString(scen) ||
        !cJSON_IsString(hash) || !asim_sweep_json_u64(seed, &sd) || !cJSON_IsNumber(reps) ||
        reps->valuedouble < 1 || !cJSON_IsNumber(samples) || samples->valuedouble < 1 || !cJSON_IsArray(axes) ||
        !cJSON_IsObject(bj)) {
        asim_err_set(err, ASIM_EINPUT, "%s: not a sweep definition of this program (format \"%s\")", path,
                     SWEEP_FORMAT);
        goto done;
    }
    char *btext = cJSON_PrintUnformatted(bj);
    asim_config_defaults(&base);
    have_base = 1;
    rc = asim_config_load_text(&base, btext, scen->valuestring, err);
    cJSON_free(btext);
    if (rc || (rc = asim_config_validate(&base, err)) != 0)
        goto done;
    asim_sweep_init(sw, &base, scen->valuestring, sd, (unsigned)reps->valuedouble);
    const cJSON *ax;
    cJSON_ArrayForEach(ax, axes) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(ax, "key");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(ax, "grid");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(ax, "random");
        if (!cJSON_IsString(k) || (!cJSON_IsString(g) && !cJSON_IsString(r))) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s: $.axes: each needs \"key\" and \"grid\" or \"random\"", path);
            goto done;
        }
        if ((rc = add_stored(sw, cJSON_IsString(g) ? asim_sweep_add_grid : asim_sweep_add_random, k->valuestring,
                             cJSON_IsString(g) ? g->valuestring : r->valuestring, path, err)) != 0)
            goto done;
    }
    const cJSON *lk;
    cJSON_ArrayForEach(lk, cJSON_GetObjectItemCaseSensitive(j, "links")) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(lk, "key");
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(lk, "from");
        if (!cJSON_IsString(k) || !cJSON_IsString(f)) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s: $.links: each needs \"key\" and \"from\"", path);
            goto done;
        }
        if ((rc = add_stored(sw, asim_sweep_add_link, k->valuestring, f->valuestring, path, err)) != 0)
            goto done;
    }
    if ((rc = asim_sweep_finish(sw, (size_t)samples->valuedouble, err)) != 0)
        goto done;
    char h[20];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)sw->hash);
    if (strcmp(h, hash->valuestring) != 0) {
        rc = asim_err_set(err, ASIM_EINPUT, "%s: the definition does not reproduce its hash (%s, stored %s): "
                          "written by another version of autoscale-sim?", path, h, hash->valuestring);
        goto done;
    }
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(j, "shard");
    if (cJSON_IsString(sh) && (rc = asim_sweep_parse_shard(sh->valuestring, &sw->shard_k, &sw->shard_n, err)))
        goto done;
    if (obj) {
        asim_objective_init(obj);
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "objective");
        const cJSON *mn = cJSON_GetObjectItemCaseSensitive(o, "minimize");
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(o, "maximize");
        if (cJSON_IsString(mn))
            snprintf(obj->metric, sizeof obj->metric, "%s", mn->valuestring);
        else if (cJSON_IsString(mx)) {
            snprintf(obj->metric, sizeof obj->metric, "%s", mx->valuestring);
            obj->maximize = 1;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "subject_to"))
            if (cJSON_IsString(c) && (rc = asim_objective_add_constraint(obj, c->valuestring, err)) != 0)
                goto done;
        const cJSON *pa = cJSON_GetObjectItemCaseSensitive(o, "pareto");
        if (cJSON_GetArraySize(pa) == 2 && cJSON_IsString(cJSON_GetArrayItem(pa, 0)) &&
            cJSON_IsString(cJSON_GetArrayItem(pa, 1))) {
            snprintf(obj->pareto_x, sizeof obj->pareto_x, "%s", cJSON_GetArrayItem(pa, 0)->valuestring);
            snprintf(obj->pareto_y, sizeof obj->pareto_y, "%s", cJSON_GetArrayItem(pa, 1)->valuestring);
        }
    }
    rc = 0;
done:
    if (rc)
        asim_sweep_free(sw);
    if (have_base)
        asim_config_free(&base);
    cJSON_Delete(j);
    asim_free(text);
    asim_free(path);
    return rc;
}

