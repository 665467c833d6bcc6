/* sweep.c -- parameter sweeps (see sweep.h): definition, runs.csv,
 * running through the worker pool, aggregation and figures.
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
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <csv.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "../models/trace_transform.h"
#include "output.h"
#include "plot.h"
#include "pool.h"
#include "rng.h"
#include "settings.h"
#include "simulate.h"
#include "hash.h"

#define MAX_VALUES 1000000
#define MAX_RUNS   1000000000ull
#define SWEEP_FORMAT "autoscale-sim sweep 1"

/* ---- small helpers --------------------------------------------------------- */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
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

static char *path_join(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whole text is a finite number. */
static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (end != s && (*end == ' ' || *end == '\t'))
        end++;
    return end != s && *end == 0 && errno == 0 && isfinite(*v);
}

static int parse_u64(const char *s, uint64_t *v)
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
        char *a = xasprintf("%s=0", *key);
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
    return parse_num(t[0], a) && parse_num(t[1], b) && parse_num(t[2], s);
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
    const asim_setting *s = asim_setting_find(key);
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
    if (!parse_num(lt, &lo) || !parse_num(c + 1, &hi) || lo > hi) {
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
    char *s = asim_malloc(len), *p = s;
    *p = 0;
    for (size_t a = 0; a < sw->naxes; a++)
        p += sprintf(p, "%s=%s\n", sw->axes[a].key, asim_sweep_value(sw, c, a));
    return s;
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
    if (!parse_num(p + (p[1] == '=' ? 2 : 1), &c->bound))
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

/* ---- sweep.json -------------------------------------------------------------- */

static cJSON *u64_json(uint64_t v)
{
    if (v <= (UINT64_C(1) << 53))
        return cJSON_CreateNumber((double)v);
    char t[32];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return cJSON_CreateString(t);
}

static int json_u64(const cJSON *n, uint64_t *v)
{
    if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 9007199254740992.0 &&
        n->valuedouble == floor(n->valuedouble)) {
        *v = (uint64_t)n->valuedouble;
        return 1;
    }
    return cJSON_IsString(n) && parse_u64(n->valuestring, v);
}

static int write_text_file(const char *path, const char *text, asim_err *err)
{
    asim_afile a;
    int rc = asim_afile_open(&a, path, err);
    if (rc)
        return rc;
    fputs(text, a.f);
    return asim_afile_commit(&a, err);
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
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    size_t tl = strlen(text);
    char *withnl = asim_malloc(tl + 2);
    memcpy(withnl, text, tl);
    withnl[tl] = '\n';
    withnl[tl + 1] = 0;
    cJSON_free(text);
    char *path = path_join(dir, "sweep.json");
    int rc = write_text_file(path, withnl, err);
    asim_free(path);
    asim_free(withnl);
    return rc;
}

static char *slurp(const char *path, size_t *len, asim_err *err)
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
static int peek_json(const char *path, char *hash, size_t hl, char *shard, size_t sl, cJSON **out, asim_err *err)
{
    char *text = slurp(path, NULL, err);
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

int asim_sweep_read_json(asim_sweep *sw, asim_objective *obj, const char *dir, asim_err *err)
{
    memset(sw, 0, sizeof *sw);
    char *path = path_join(dir, "sweep.json");
    char *text = slurp(path, NULL, err);
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
        !cJSON_IsString(hash) || !json_u64(seed, &sd) || !cJSON_IsNumber(reps) || reps->valuedouble < 1 ||
        !cJSON_IsNumber(samples) || samples->valuedouble < 1 || !cJSON_IsArray(axes) || !cJSON_IsObject(bj)) {
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
        char *spec = xasprintf("%s=%s", k->valuestring, cJSON_IsString(g) ? g->valuestring : r->valuestring);
        rc = cJSON_IsString(g) ? asim_sweep_add_grid(sw, spec, err) : asim_sweep_add_random(sw, spec, err);
        asim_free(spec);
        if (rc) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            asim_err_set(err, rc, "%s: %.400s", path, m);
            goto done;
        }
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
    if (!parse_u64(f[0], &cfg) || !parse_u64(f[1], &rep) ||
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
    char *text = slurp(path, &len, err);
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
    int rc = asim_afile_open(&a, path, err);
    if (rc)
        return rc;
    asim_csv c;
    asim_csv_init(&c, a.f);
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

static void write_row(FILE *f, const runs_log *L, uint64_t config, unsigned rep, const char *error,
                      const asim_summary *sum)
{
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
        int found = 0;
        double v = sum ? asim_summary_get(sum, L->metrics[m], &found) : NAN;
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
    if (sum && !L->warned) {
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
    char *path = path_join(dir, "sweep.json");
    int rc = 0;
    if (access(path, F_OK) == 0) {
        char hash[64], shard[64], mine[20], myshard[32];
        cJSON *j = NULL;
        if ((rc = peek_json(path, hash, sizeof hash, shard, sizeof shard, &j, err)) != 0)
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
            else if (json_u64(seed, &sd) && sd != sw->seed)
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

    char *path = path_join(dir, "runs.csv");
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
            char *rundir = o->keep_runs ? xasprintf("%s/runs/c%zu-r%u", dir, c, r) : NULL;
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

/* ---- aggregation ------------------------------------------------------------------ */

size_t asim_mean_ci(const double *x, size_t n, double *mean, double *sd, double *ci)
{
    double *v = asim_malloc((n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[k++] = x[i];
    *mean = *sd = *ci = NAN;
    if (k > 0)
        *mean = gsl_stats_mean(v, 1, k);
    if (k > 1) {
        *sd = gsl_stats_sd_m(v, 1, k, *mean);
        *ci = gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * *sd / sqrt((double)k);
    }
    asim_free(v);
    return k;
}

int asim_agg_metric(const asim_agg *a, const char *name)
{
    for (size_t m = 0; m < a->nmetrics; m++)
        if (strcmp(a->metrics[m], name) == 0)
            return (int)m;
    return -1;
}

typedef struct front_pt {
    double x, y;
    size_t row;
} front_pt;

static int front_cmp(const void *a, const void *b)
{
    const front_pt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return (p->row > q->row) - (p->row < q->row);
}

/* Non-dominated points (both minimised): sort by (x, y); a point is on the
 * front when its y is its x-group's smallest and below every y seen at a
 * smaller x.  Equal points are all on it (neither dominates). */
static void mark_front(asim_agg *a, int mx, int my)
{
    front_pt *p = asim_malloc((a->n ? a->n : 1) * sizeof *p);
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++) {
        asim_agg_row *r = &a->rows[i];
        if (r->ok == r->reps && r->reps > 0 && isfinite(r->mean[mx]) && isfinite(r->mean[my]))
            p[n++] = (front_pt){r->mean[mx], r->mean[my], i};
    }
    qsort(p, n, sizeof *p, front_cmp);
    double best_y = INFINITY;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].x == p[i].x)
            j++;
        double gmin = p[i].y;
        if (gmin < best_y)
            for (size_t k = i; k < j && p[k].y == gmin; k++) {
                a->rows[p[k].row].pareto = 1;
                a->npareto++;
            }
        if (gmin < best_y)
            best_y = gmin;
        i = j;
    }
    asim_free(p);
}

void asim_agg_compute(asim_agg *a, const asim_sweep *sw, const asim_runs *t, const asim_objective *o)
{
    memset(a, 0, sizeof *a);
    a->best = -1;
    size_t fm = t->first_metric;
    a->nmetrics = t->ncols > fm ? t->ncols - fm : 0;
    a->metrics = asim_malloc((a->nmetrics ? a->nmetrics : 1) * sizeof *a->metrics);
    for (size_t m = 0; m < a->nmetrics; m++)
        a->metrics[m] = asim_strdup(t->cols[fm + m]);
    size_t status = 3 + sw->naxes, errcol = 4 + sw->naxes;
    a->rows = asim_malloc((t->n ? t->n : 1) * sizeof *a->rows);
    double *vals = asim_malloc((t->n ? t->n : 1) * sizeof *vals);
    for (size_t i = 0; i < t->n;) {
        size_t j = i;
        while (j < t->n && t->rows[j].config == t->rows[i].config)
            j++;
        asim_agg_row *r = &a->rows[a->n++];
        memset(r, 0, sizeof *r);
        r->config = t->rows[i].config;
        r->reps = (unsigned)(j - i);
        size_t nm = a->nmetrics ? a->nmetrics : 1;
        r->mean = asim_malloc(3 * nm * sizeof *r->mean);
        r->sd = r->mean + nm;
        r->ci = r->sd + nm;
        for (size_t k = i; k < j; k++) {
            if (strcmp(t->rows[k].f[status], "ok") == 0)
                r->ok++;
            else if (!r->error)
                r->error = asim_strdup(t->rows[k].f[errcol]);
        }
        for (size_t m = 0; m < a->nmetrics; m++) {
            size_t nv = 0;
            for (size_t k = i; k < j; k++) {
                if (strcmp(t->rows[k].f[status], "ok") != 0)
                    continue;
                const char *s = t->rows[k].f[fm + m];
                double v;
                vals[nv++] = *s && parse_num(s, &v) ? v : NAN;
            }
            asim_mean_ci(vals, nv, &r->mean[m], &r->sd[m], &r->ci[m]);
        }
        i = j;
    }
    asim_free(vals);

    int mx = asim_agg_metric(a, o->pareto_x), my = asim_agg_metric(a, o->pareto_y);
    if (mx >= 0 && my >= 0)
        mark_front(a, mx, my);
    int mo = o->metric[0] ? asim_agg_metric(a, o->metric) : -1;
    for (size_t i = 0; i < a->n; i++) {
        asim_agg_row *r = &a->rows[i];
        r->feasible = r->ok == r->reps && r->reps > 0;
        for (size_t c = 0; c < o->ncons && r->feasible; c++) {
            int mc = asim_agg_metric(a, o->cons[c].metric);
            r->feasible = mc >= 0 && asim_constraint_ok(&o->cons[c], r->mean[mc]);
        }
        if (mo < 0 || !r->feasible || !isfinite(r->mean[mo]))
            continue;
        if (a->best < 0 || (o->maximize ? r->mean[mo] > a->rows[a->best].mean[mo]
                                        : r->mean[mo] < a->rows[a->best].mean[mo]))
            a->best = (long)i;
    }
    if (a->best >= 0)
        a->rows[a->best].best = 1;
}

void asim_agg_free(asim_agg *a)
{
    if (!a)
        return;
    for (size_t m = 0; m < a->nmetrics; m++)
        asim_free(a->metrics[m]);
    asim_free(a->metrics);
    for (size_t i = 0; i < a->n; i++) {
        asim_free(a->rows[i].mean);
        asim_free(a->rows[i].error);
    }
    asim_free(a->rows);
    memset(a, 0, sizeof *a);
    a->best = -1;
}

static void csv_num_or_empty(asim_csv *c, double v)
{
    if (isnan(v))
        asim_csv_str(c, "");
    else
        asim_csv_num(c, v);
}

int asim_agg_write_summary(const asim_agg *a, const asim_sweep *sw, const char *path, asim_err *err)
{
    asim_afile af;
    int rc = asim_afile_open(&af, path, err);
    if (rc)
        return rc;
    asim_csv c;
    asim_csv_init(&c, af.f);
    asim_csv_str(&c, "config");
    for (size_t x = 0; x < sw->naxes; x++)
        asim_csv_str(&c, sw->axes[x].key);
    static const char *const fixed[] = {"reps", "ok", "feasible", "pareto", "best", "error"};
    for (size_t i = 0; i < ASIM_ARRAY_LEN(fixed); i++)
        asim_csv_str(&c, fixed[i]);
    for (size_t m = 0; m < a->nmetrics; m++) {
        char name[ASIM_METRIC_NAME_MAX + 8];
        static const char *const suffix[] = {"_mean", "_sd", "_ci95"};
        for (size_t s = 0; s < 3; s++) {
            snprintf(name, sizeof name, "%s%s", a->metrics[m], suffix[s]);
            asim_csv_str(&c, name);
        }
    }
    asim_csv_end(&c);
    for (size_t i = 0; i < a->n; i++) {
        const asim_agg_row *r = &a->rows[i];
        asim_csv_int(&c, (long long)r->config);
        for (size_t x = 0; x < sw->naxes; x++)
            asim_csv_str(&c, asim_sweep_value(sw, r->config, x));
        asim_csv_int(&c, r->reps);
        asim_csv_int(&c, r->ok);
        asim_csv_int(&c, r->feasible);
        asim_csv_int(&c, r->pareto);
        asim_csv_int(&c, r->best);
        asim_csv_str(&c, r->error ? r->error : "");
        for (size_t m = 0; m < a->nmetrics; m++) {
            csv_num_or_empty(&c, r->mean[m]);
            csv_num_or_empty(&c, r->sd[m]);
            csv_num_or_empty(&c, r->ci[m]);
        }
        asim_csv_end(&c);
    }
    return asim_afile_commit(&af, err);
}

/* 4 significant digits, but whole numbers written out up to 1e9 rather
 * than as 2.151e+04. */
static void fmt4(char *buf, size_t len, double v, int digits)
{
    if (fabs(v) >= pow(10, digits) && fabs(v) < 1e9)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.*g", digits, v);
}

void asim_fmt_mean_ci(char *buf, size_t len, double mean, double ci)
{
    char m[64], c[64];
    if (isnan(mean)) {
        snprintf(buf, len, "undefined");
        return;
    }
    fmt4(m, sizeof m, mean, 4);
    if (isnan(ci)) {
        snprintf(buf, len, "%s", m);
        return;
    }
    fmt4(c, sizeof c, ci, 2);
    snprintf(buf, len, "%s ± %s", m, c);
}

static void mean_pm(char *buf, size_t len, double mean, double ci)
{
    asim_fmt_mean_ci(buf, len, mean, ci);
}

/* File paths in a scenario ("path" members: traces, trace) are relative to
 * the scenario file; best.json lives elsewhere, so make them absolute. */
static void absolute_paths(cJSON *n, const char *scenario_file)
{
    for (cJSON *c = n ? n->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c) && c->string && strcmp(c->string, "path") == 0 && c->valuestring[0] &&
            c->valuestring[0] != '/') {
            char found[PATH_MAX + 1200];
            if (asim_trace_resolve_path(scenario_file, c->valuestring, found, sizeof found)) {
                char *real = realpath(found, NULL);
                if (real)
                    cJSON_SetValuestring(c, real);
                free(real);
            }
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            absolute_paths(c, scenario_file);
    }
}

int asim_sweep_write_scenario(const asim_sweep *sw, size_t config, const char *description,
                              const char *path, asim_err *err)
{
    char *assign = asim_sweep_assignments(sw, config);
    asim_config cfg;
    int rc = asim_pool_build_config(&cfg, &sw->base, assign, err);
    asim_free(assign);
    if (rc) {
        asim_config_free(&cfg);
        return rc;
    }
    char name[ASIM_NAME_MAX];
    snprintf(name, sizeof name, "%.*s-best", (int)(sizeof name - 6), sw->base.name);
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    snprintf(cfg.description, sizeof cfg.description, "%s", description);
    cJSON *j = asim_config_to_json(&cfg);
    absolute_paths(j, cfg.source_file);
    asim_config_free(&cfg);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    size_t tl = strlen(text);
    char *nl = asim_malloc(tl + 2);
    memcpy(nl, text, tl);
    nl[tl] = '\n';
    nl[tl + 1] = 0;
    cJSON_free(text);
    rc = write_text_file(path, nl, err);
    asim_free(nl);
    return rc;
}

int asim_agg_write_best(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                        const char *path, asim_err *err)
{
    if (a->best < 0)
        return asim_err_set(err, ASIM_EINPUT, "no configuration satisfies the objective");
    const asim_agg_row *r = &a->rows[a->best];
    char obj[600], stat[200];
    asim_objective_text(o, obj, sizeof obj);
    int mo = asim_agg_metric(a, o->metric);
    mean_pm(stat, sizeof stat, r->mean[mo], r->ci[mo]);
    char *desc = xasprintf("Best of a sweep of %s (%zu configurations x %u replications, seeds %llu+): "
                           "%s; %s = %s (mean and 95%% CI over the replications)", sw->base.name,
                           sw->nconfigs, sw->reps, (unsigned long long)sw->seed, obj, o->metric, stat);
    int rc = asim_sweep_write_scenario(sw, r->config, desc, path, err);
    asim_free(desc);
    return rc;
}

void asim_agg_report(FILE *f, const asim_agg *a, const asim_sweep *sw, const asim_objective *o)
{
    size_t full = 0, failed = 0;
    for (size_t i = 0; i < a->n; i++) {
        full += a->rows[i].ok == a->rows[i].reps;
        failed += a->rows[i].ok == 0;
    }
    fprintf(f, "configurations  %zu with results: %zu fully ok, %zu failed, %zu partly\n", a->n, full,
            failed, a->n - full - failed);
    for (size_t i = 0, shown = 0; i < a->n && shown < 3; i++)
        if (a->rows[i].error) {
            fprintf(f, "  config %llu: %s\n", (unsigned long long)a->rows[i].config, a->rows[i].error);
            shown++;
        }
    fprintf(f, "pareto front    %zu configurations (%s vs %s)\n", a->npareto, o->pareto_x, o->pareto_y);
    if (!o->metric[0]) {
        fprintf(f, "best            none chosen (give --minimize or --maximize METRIC)\n");
        return;
    }
    char obj[600];
    asim_objective_text(o, obj, sizeof obj);
    int mo = asim_agg_metric(a, o->metric);
    if (mo < 0) {
        fprintf(f, "best            none: no metric %s in runs.csv\n", o->metric);
        return;
    }
    if (a->best < 0) {
        fprintf(f, "best            none satisfies: %s\n", obj);
        for (size_t c = 0; c < o->ncons; c++) {
            int mc = asim_agg_metric(a, o->cons[c].metric);
            if (mc < 0) {
                fprintf(f, "  %s: no such metric\n", o->cons[c].metric);
                continue;
            }
            long bi = -1;
            for (size_t i = 0; i < a->n; i++) {
                double v = a->rows[i].mean[mc];
                if (a->rows[i].ok != a->rows[i].reps || isnan(v))
                    continue;
                int better = bi < 0 || (o->cons[c].op[0] == '<' ? v < a->rows[bi].mean[mc]
                                                                   : v > a->rows[bi].mean[mc]);
                if (better)
                    bi = (long)i;
            }
            if (bi >= 0) {
                char v[64];
                asim_fmt_mean_ci(v, sizeof v, a->rows[bi].mean[mc], a->rows[bi].ci[mc]);
                fprintf(f, "  %s: the closest is config %llu with %s\n", o->cons[c].metric,
                        (unsigned long long)a->rows[bi].config, v);
            }
        }
        return;
    }
    const asim_agg_row *r = &a->rows[a->best];
    fprintf(f, "best            config %llu for %s\n", (unsigned long long)r->config, obj);
    for (size_t x = 0; x < sw->naxes; x++)
        fprintf(f, "  %s = %s\n", sw->axes[x].key, asim_sweep_value(sw, r->config, x));
    const char *show[2 + ASIM_MAX_CONSTRAINTS + 2];
    size_t ns = 0;
    show[ns++] = o->metric;
    for (size_t c = 0; c < o->ncons; c++)
        show[ns++] = o->cons[c].metric;
    show[ns++] = o->pareto_x;
    show[ns++] = o->pareto_y;
    for (size_t i = 0; i < ns; i++) {
        int dup = 0;
        for (size_t k = 0; k < i; k++)
            dup |= strcmp(show[k], show[i]) == 0;
        int m = asim_agg_metric(a, show[i]);
        if (dup || m < 0)
            continue;
        char buf[100];
        mean_pm(buf, sizeof buf, r->mean[m], r->ci[m]);
        fprintf(f, "  %-28s %s  (mean ± 95%% CI, %u replications)\n", show[i], buf, r->ok);
    }
}

int asim_sweep_aggregate(const asim_sweep *sw, const asim_objective *o, const char *dir, FILE *out,
                         asim_agg *agg, asim_err *err)
{
    char *runs = path_join(dir, "runs.csv");
    char *summary = path_join(dir, "summary.csv");
    char *best = path_join(dir, "best.json");
    asim_runs t;
    int rc = asim_runs_read(&t, sw, runs, 0, err);
    if (rc)
        goto done;
    asim_runs_sort(&t);
    asim_agg_compute(agg, sw, &t, o);
    asim_runs_free(&t);
    if ((rc = asim_agg_write_summary(agg, sw, summary, err)) != 0)
        goto done;
    if (agg->best >= 0)
        rc = asim_agg_write_best(agg, sw, o, best, err);
    else
        unlink(best);
    if (out) {
        asim_agg_report(out, agg, sw, o);
        if (agg->best >= 0 && rc == 0)
            fprintf(out, "scenario        %s (run it: autoscale-sim run %s)\n", best, best);
    }
done:
    asim_free(runs);
    asim_free(summary);
    asim_free(best);
    return rc;
}

/* ---- figures ------------------------------------------------------------------------- */

/* Is every value of axis x a number? */
static int axis_numeric(const asim_sweep_axis *x)
{
    for (size_t i = 0; i < x->n; i++) {
        double v;
        if (!parse_num(x->values[i], &v))
            return 0;
    }
    return 1;
}

/* Row of configuration c, or -1 (configurations without results). */
static long row_of(const asim_agg *a, uint64_t c)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->rows[mid].config < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->rows[lo].config == c ? (long)lo : -1;
}

/* Grid digit of axis ax in configuration c, and the configuration equal
 * to `ref` except for grid axis ax at digit d. */
static size_t grid_stride(const asim_sweep *sw, size_t ax)
{
    size_t stride = 1;
    for (size_t b = ax + 1; b < sw->naxes; b++)
        if (!sw->axes[b].random)
            stride *= sw->axes[b].n;
    return stride;
}

static size_t with_digit(const asim_sweep *sw, size_t ref, size_t ax, size_t d)
{
    size_t g = ref / sw->samples, s = ref % sw->samples, stride = grid_stride(sw, ax);
    size_t old = (g / stride) % sw->axes[ax].n;
    g = g - old * stride + d * stride;
    return g * sw->samples + s;
}

static void gp_label(asim_gp *g, const char *var, const asim_sweep_axis *x)
{
    asim_gp_set_str(g, var, x->key);
}

/* The figure scripts load sweep_term.gp from their own directory. */
static void gp_script_dir(asim_gp *g, const char *script)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", script);
    char *slash = strrchr(d, '/');
    if (slash)
        slash[1] = 0;
    else
        d[0] = 0;
    asim_gp_set_str(g, "dir_of_script", d);
}

/* Tic labels of a categorical axis as the gnuplot array <which>tl (value i
 * at position i-1).  The values are user text: they reach gnuplot only as
 * single-quoted string constants (asim_gp_set_str), never as code, because
 * gnuplot runs `backquoted` commands and @macros in anything it evaluates. */
static void gp_tics(asim_gp *g, const char *which, const asim_sweep_axis *x)
{
    fprintf(asim_gp_vars(g), "array %stl[%zu]\n", which, x->n ? x->n : 1);
    for (size_t i = 0; i < x->n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "%stl[%zu]", which, i + 1);
        asim_gp_set_str(g, nm, x->values[i]);
    }
}

static int plot_pareto(const asim_agg *a, const asim_objective *o, const char *out_base, unsigned formats,
                       const char *title, asim_err *err)
{
    int mx = asim_agg_metric(a, o->pareto_x), my = asim_agg_metric(a, o->pareto_y);
    if (mx < 0 || my < 0)
        return 0;
    char *script = asim_plot_script("sweep_pareto.gp", err);
    if (!script)
        return ASIM_ERUNTIME;
    int rc = ASIM_ERUNTIME;
    asim_gp *g = asim_gp_create(err);
    FILE *all = g ? asim_gp_data(g, "points.dat", err) : NULL;
    FILE *front = all ? asim_gp_data(g, "front.dat", err) : NULL;
    FILE *best = front ? asim_gp_data(g, "best.dat", err) : NULL;
    if (!best)
        goto done;
    fprintf(all, "# x y xci yci feasible config\n");
    fprintf(front, "# x y config\n");
    fprintf(best, "# x y config\n");
    size_t npts = 0;
    double xmin = INFINITY, ymin = INFINITY;
    /* The front in x order: it is a staircase. */
    front_pt *fp = asim_malloc((a->n ? a->n : 1) * sizeof *fp);
    size_t nf = 0;
    for (size_t i = 0; i < a->n; i++) {
        const asim_agg_row *r = &a->rows[i];
        if (r->ok != r->reps || !isfinite(r->mean[mx]) || !isfinite(r->mean[my]))
            continue;
        npts++;
        xmin = fmin(xmin, r->mean[mx]);
        ymin = fmin(ymin, r->mean[my]);
        fprintf(all, "%.10g %.10g %.10g %.10g %d %llu\n", r->mean[mx], r->mean[my],
                isnan(r->ci[mx]) ? 0 : r->ci[mx], isnan(r->ci[my]) ? 0 : r->ci[my], r->feasible,
                (unsigned long long)r->config);
        if (r->pareto)
            fp[nf++] = (front_pt){r->mean[mx], r->mean[my], i};
        if (r->best)
            fprintf(best, "%.10g %.10g %llu\n", r->mean[mx], r->mean[my], (unsigned long long)r->config);
    }
    qsort(fp, nf, sizeof *fp, front_cmp);
    for (size_t i = 0; i < nf; i++)
        fprintf(front, "%.10g %.10g %llu\n", fp[i].x, fp[i].y, (unsigned long long)a->rows[fp[i].row].config);
    asim_free(fp);
    if (npts == 0) {
        rc = 0;
        goto done;
    }
    asim_gp_set_str(g, "t_title", title);
    asim_gp_set_str(g, "xlabel", o->pareto_x);
    asim_gp_set_str(g, "ylabel", o->pareto_y);
    asim_gp_set_num(g, "has_best", a->best >= 0);
    asim_gp_set_num(g, "nonneg_x", xmin >= 0);
    asim_gp_set_num(g, "nonneg_y", ymin >= 0);
    asim_gp_set_num(g, "has_cons", (double)o->ncons);
    gp_script_dir(g, script);
    asim_gp_render(g, script, out_base, formats);
    rc = asim_gp_run(g, err);
done:
    asim_gp_destroy(g);
    asim_free(script);
    return rc;
}

/* Axes with at least two values (at most max of them). */
static size_t varying_axes(const asim_sweep *sw, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t x = 0; x < sw->naxes && n < max; x++)
        if (sw->axes[x].n >= 2)
            out[n++] = x;
    return n;
}

/* "fixed: a=1, b=2 (config 7, the best)": the values of the varying grid
 * axes other than skip1/skip2 in configuration ref; "" when there are none. */
static void slice_text(char *buf, size_t len, const asim_sweep *sw, size_t ref, long skip1, long skip2,
                       int is_best)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t x = 0; x < sw->naxes && used < len; x++) {
        if ((long)x == skip1 || (long)x == skip2 || sw->axes[x].n < 2 || sw->axes[x].random)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "other settings: ",
                                 sw->axes[x].key, asim_sweep_value(sw, ref, x));
    }
    if (used && used < len)
        snprintf(buf + used, len - used, " (config %zu%s)", ref, is_best ? ", the best" : "");
}

/* A cell label: 3 significant digits (whole numbers up to 9999), then
 * k/M/G: "0.512", "52", "2281", "21.5k". */
static void cell_label(char *buf, size_t len, double v)
{
    static const char *const suffix[] = {"", "k", "M", "G"};
    size_t i = 0;
    while (fabs(v) >= 10000 && i + 1 < ASIM_ARRAY_LEN(suffix)) {
        v /= 1000;
        i++;
    }
    snprintf(buf, len, fabs(v) >= 100 ? "%.0f%s" : "%.3g%s", v, suffix[i]);
}

static void safe_name(char *out, size_t len, const char *key);

static int plot_heatmap(const asim_agg *a, const asim_sweep *sw, size_t ax, size_t ay, int m, size_t ref,
                        const char *metric, const char *out_base, unsigned formats, const char *title,
                        const char *sub, asim_err *err)
{
    char *script = asim_plot_script("sweep_heatmap.gp", err);
    if (!script)
        return ASIM_ERUNTIME;
    int rc = ASIM_ERUNTIME;
    asim_gp *g = asim_gp_create(err);
    FILE *d = g ? asim_gp_data(g, "cells.dat", err) : NULL;
    if (!d)
        goto done;
    const asim_sweep_axis *X = &sw->axes[ax], *Y = &sw->axes[ay];
    fprintf(d, "# xi yi mean ci config ok label\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < Y->n; j++) {
        for (size_t i = 0; i < X->n; i++) {
            size_t c = with_digit(sw, with_digit(sw, ref, ax, i), ay, j);
            long r = row_of(a, c);
            double v = r >= 0 && a->rows[r].ok == a->rows[r].reps ? a->rows[r].mean[m] : NAN;
            double ci = r >= 0 ? a->rows[r].ci[m] : NAN;
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                char lab[32];
                cell_label(lab, sizeof lab, v);
                fprintf(d, "%zu %zu %.10g %.10g %zu 1 %s\n", i, j, v, isnan(ci) ? 0 : ci, c, lab);
            } else
                fprintf(d, "%zu %zu NaN NaN %zu 0 failed\n", i, j, c);
        }
        fputc('\n', d);
    }
    gp_tics(g, "x", X);
    gp_tics(g, "y", Y);
    asim_gp_set_str(g, "t_title", title);
    asim_gp_set_str(g, "t_sub", sub);
    gp_label(g, "xlabel", X);
    gp_label(g, "ylabel", Y);
    asim_gp_set_str(g, "zlabel", metric);
    asim_gp_set_num(g, "nx", (double)X->n);
    asim_gp_set_num(g, "ny", (double)Y->n);
    asim_gp_set_num(g, "zmin", isfinite(lo) ? lo : 0);
    asim_gp_set_num(g, "zmax", isfinite(hi) ? (hi > lo ? hi : lo + 1) : 1);
    long br = a->best >= 0 ? a->best : -1;
    double bx = NAN, by = NAN;
    if (br >= 0) {
        size_t bc = a->rows[br].config;
        for (size_t i = 0; i < X->n; i++)
            if (strcmp(X->values[i], asim_sweep_value(sw, bc, ax)) == 0)
                bx = (double)i;
        for (size_t j = 0; j < Y->n; j++)
            if (strcmp(Y->values[j], asim_sweep_value(sw, bc, ay)) == 0)
                by = (double)j;
    }
    asim_gp_set_num(g, "best_x", bx);
    asim_gp_set_num(g, "best_y", by);
    gp_script_dir(g, script);
    asim_gp_render(g, script, out_base, formats);
    rc = asim_gp_run(g, err);
done:
    asim_gp_destroy(g);
    asim_free(script);
    return rc;
}

static int plot_ci(const asim_agg *a, const asim_sweep *sw, size_t ax, int m, size_t ref, const char *metric,
                   const char *out_base, unsigned formats, const char *title, const char *sub, asim_err *err)
{
    char *script = asim_plot_script("sweep_ci.gp", err);
    if (!script)
        return ASIM_ERUNTIME;
    int rc = ASIM_ERUNTIME;
    asim_gp *g = asim_gp_create(err);
    FILE *d = g ? asim_gp_data(g, "ci.dat", err) : NULL;
    if (!d)
        goto done;
    const asim_sweep_axis *X = &sw->axes[ax];
    int numeric = axis_numeric(X);
    fprintf(d, "# x mean ci config best\n");
    size_t npts = 0;
    if (X->random) {
        /* Random axis: every configuration (the others vary too). */
        for (size_t i = 0; i < a->n; i++) {
            const asim_agg_row *r = &a->rows[i];
            if (r->ok != r->reps || !isfinite(r->mean[m]))
                continue;
            fprintf(d, "%s %.10g %.10g %llu %d\n", asim_sweep_value(sw, r->config, ax), r->mean[m],
                    isnan(r->ci[m]) ? 0 : r->ci[m], (unsigned long long)r->config, r->best);
            npts++;
        }
    } else
        for (size_t i = 0; i < X->n; i++) {
            size_t c = with_digit(sw, ref, ax, i);
            long r = row_of(a, c);
            if (r < 0 || a->rows[r].ok != a->rows[r].reps || !isfinite(a->rows[r].mean[m]))
                continue;
            if (numeric)
                fprintf(d, "%s", X->values[i]);
            else
                fprintf(d, "%zu", i);
            fprintf(d, " %.10g %.10g %zu %d\n", a->rows[r].mean[m],
                    isnan(a->rows[r].ci[m]) ? 0 : a->rows[r].ci[m], c, a->rows[r].best);
            npts++;
        }
    if (npts == 0) {
        rc = 0;
        goto done;
    }
    if (!numeric)
        gp_tics(g, "x", X);
    asim_gp_set_num(g, "categorical", !numeric);
    asim_gp_set_num(g, "nx", (double)X->n);
    asim_gp_set_num(g, "scatter", X->random);
    asim_gp_set_str(g, "t_title", title);
    asim_gp_set_str(g, "t_sub", sub);
    gp_label(g, "xlabel", X);
    asim_gp_set_str(g, "ylabel", metric);
    gp_script_dir(g, script);
    asim_gp_render(g, script, out_base, formats);
    rc = asim_gp_run(g, err);
done:
    asim_gp_destroy(g);
    asim_free(script);
    return rc;
}

/* A file-name-safe version of a setting path. */
static void safe_name(char *out, size_t len, const char *key)
{
    size_t i = 0;
    for (; key[i] && i + 1 < len; i++)
        out[i] = (key[i] == '/' || key[i] == ' ') ? '_' : key[i];
    out[i] = 0;
}

int asim_sweep_plot(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                    const char *metric, const char *dir, unsigned formats, asim_err *err)
{
    if (!metric)
        metric = o->metric[0] ? o->metric : "slo_violation_seconds";
    int m = asim_agg_metric(a, metric);
    if (m < 0 && a->nmetrics > 0)
        return asim_err_set(err, ASIM_EINPUT, "--plot-metric: no metric %s in runs.csv", metric);
    char *pdir = path_join(dir, "plots");
    int rc = asim_mkdirs(pdir, err);
    if (rc) {
        asim_free(pdir);
        return rc;
    }
    char *abs = realpath(pdir, NULL);      /* gnuplot runs in its own directory */
    char *base = abs ? asim_strdup(abs) : asim_strdup(pdir);
    free(abs);
    asim_free(pdir);

    char title[700], obj[600];
    asim_objective_text(o, obj, sizeof obj);
    snprintf(title, sizeof title, "%s: %zu configurations x %u replications", sw->base.name, a->n, sw->reps);
    char *out = path_join(base, "pareto");
    rc = plot_pareto(a, o, out, formats, title, err);
    asim_free(out);
    if (rc || m < 0)
        goto done;

    /* Slices go through the best configuration (or the first with results). */
    size_t ref = a->best >= 0 ? a->rows[a->best].config : (a->n ? a->rows[0].config : 0);
    char head[300], sub[700];
    snprintf(head, sizeof head, "%s: mean of %u replications", metric, sw->reps);
    size_t axes[64];
    size_t nv = varying_axes(sw, axes, ASIM_ARRAY_LEN(axes));
    size_t grid[64], ng = 0;
    for (size_t i = 0; i < nv; i++)
        if (!sw->axes[axes[i]].random)
            grid[ng++] = axes[i];
    if (ng >= 2) {
        /* heatmap.<ext> for the metric, heatmap-<metric>.<ext> for each
         * constrained metric: where the constraint holds is half the answer. */
        slice_text(sub, sizeof sub, sw, ref, (long)grid[0], (long)grid[1], a->best >= 0);
        for (size_t k = 0; k <= o->ncons; k++) {
            const char *mk = k == 0 ? metric : o->cons[k - 1].metric;
            int mi = asim_agg_metric(a, mk), dup = 0;
            for (size_t q = 0; q < k; q++)
                dup |= strcmp(mk, q == 0 ? metric : o->cons[q - 1].metric) == 0;
            if (mi < 0 || dup)
                continue;
            char hk[300];
            snprintf(hk, sizeof hk, "%s: mean of %u replications", mk, sw->reps);
            char nm[200];
            safe_name(nm, sizeof nm, mk);
            out = k == 0 ? path_join(base, "heatmap") : xasprintf("%s/heatmap-%s", base, nm);
            rc = plot_heatmap(a, sw, grid[0], grid[1], mi, ref, mk, out, formats, hk, sub, err);
            asim_free(out);
            if (rc)
                goto done;
        }
    }
    for (size_t i = 0; i < nv; i++) {
        char nm[300];
        safe_name(nm, sizeof nm, sw->axes[axes[i]].key);
        char *file = xasprintf("%s/ci-%s", base, nm);
        if (sw->axes[axes[i]].random)
            snprintf(sub, sizeof sub, "every sampled configuration (the other settings vary too)");
        else
            slice_text(sub, sizeof sub, sw, ref, (long)axes[i], -1, a->best >= 0);
        rc = plot_ci(a, sw, axes[i], m, ref, metric, file, formats, head, sub, err);
        asim_free(file);
        if (rc)
            goto done;
    }
done:
    asim_free(base);
    return rc;
}
