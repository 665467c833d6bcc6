/* trace_stages.c -- load-test stage lists as rate profiles: k6 and Locust.
 *
 * Both files describe the load a test generator was told to make, not what
 * it made; replaying them gives the offered load of that test.  The result is
 * a piecewise-linear rate (points in r->pts, req/s, linear in between, ending
 * at the last point; a jump is a 1 ns ramp).
 *
 * k6 (options JSON, e.g. `k6 run --config options.json` or the `options`
 * object of a script written out as JSON):
 *   {"stages": [{"duration": "30s", "target": 100}, ...]}  -- the shortcut for
 *       the ramping-vus executor: VUs ramp linearly from the previous target
 *       (at the start: `vus`, default 1, as k6's startVUs) to `target` over
 *       `duration`.  A VU is a closed-loop client, so its request rate depends
 *       on the system's latency; here each VU stands for `user_rate` requests
 *       per second (default 1: one request plus `sleep(1)` per iteration, the
 *       k6 docs' canonical script, with a fast server).  Set user_rate to
 *       1 / (your iteration's duration).
 *   {"scenarios": {NAME: {"executor": ..., ...}, ...}} with executors
 *       ramping-arrival-rate (startRate, timeUnit, stages: the rate ramps
 *       linearly between targets in iterations per timeUnit: exactly a
 *       piecewise-linear rate, one request per iteration),
 *       constant-arrival-rate (rate, timeUnit, duration),
 *       ramping-vus (startVUs, stages) and constant-vus (vus, duration),
 *       each from its startTime; several scenarios add up.
 *   Durations are Go durations as k6 reads them ("30s", "1m30s", "1.5m",
 *   "500ms"); a number is milliseconds.  Options that do not shape the load
 *   (thresholds, tags, executor VU pools, ...) are accepted and ignored;
 *   any other key is an error naming its JSON path.
 *
 * Locust (the stage list of the docs' StagesShape LoadTestShape, as JSON):
 *   {"stages": [{"duration": 60, "users": 10, "spawn_rate": 10}, ...]} or the
 *   bare array: `duration` is the stage's END in seconds from the start (as
 *   StagesShape.tick compares run_time < stage["duration"]); within a stage
 *   the user count moves toward `users` at `spawn_rate` users per second
 *   (from 0 at the start) and holds there; the test stops after the last
 *   stage.  Users become req/s through `user_rate` as for k6 VUs.
 *   "user_classes" is accepted and ignored. */
#include "models/trace/trace_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STAGES_MAX_BYTES ((size_t)16 << 20)
#define STAGES_MAX 100000

/* A piecewise-linear function being built: points in time order. */
typedef struct plin { prom_point *p; size_t n, cap; } plin;

static void plin_add(plin *f, int64_t t, double v)
{
    if (f->n && t <= f->p[f->n - 1].t) t = f->p[f->n - 1].t + 1;   /* a jump: a 1 ns ramp */
    ASIM_GROW(f->p, f->cap, f->n + 1, 16);
    f->p[f->n].t = t;
    f->p[f->n].v = v;
    f->n++;
}

/* f at t (0 outside its span; linear inside). */
static double plin_at(const plin *f, int64_t t)
{
    if (!f->n || t < f->p[0].t || t > f->p[f->n - 1].t) return 0;
    size_t lo = 0, hi = f->n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->p[mid].t <= t) lo = mid; else hi = mid;
    }
    if (f->p[hi].t == f->p[lo].t) return f->p[hi].v;
    double w = (double)(t - f->p[lo].t) / (double)(f->p[hi].t - f->p[lo].t);
    return f->p[lo].v + w * (f->p[hi].v - f->p[lo].v);
}

/* Go's time.ParseDuration (k6's durations): "1h2m3.5s", "500ms", "1.5m". */
static int go_duration(const char *s, int64_t *ns)
{
    static const struct { const char *u; double ns; } units[] = {
        { "ns", 1 }, { "us", 1e3 }, { "\xC2\xB5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
    };
    if (strcmp(s, "0") == 0) { *ns = 0; return 0; }
    double total = 0;
    if (!*s) return -1;
    while (*s) {
        char *e;
        if (!(*s >= '0' && *s <= '9') && *s != '.') return -1;
        double v = strtod(s, &e);
        if (e == s) return -1;
        s = e;
        size_t best = 0, bl = 0;
        for (size_t i = 0; i < ASIM_ARRAY_LEN(units); i++) {
            size_t l = strlen(units[i].u);
            if (strncmp(s, units[i].u, l) == 0 && l > bl) { best = i; bl = l; }
        }
        if (!bl) return -1;
        total += v * units[best].ns;
        s += bl;
    }
    if (!(total >= 0 && total < 1e18)) return -1;
    *ns = (int64_t)llround(total);
    return 0;
}

typedef struct stctx {
    asim_trace_reader *r;
    double user_rate;
} stctx;

static int jfail(stctx *c, const char *path, const char *what)
{
    return trace_fail_rc(c->r, ASIM_EINPUT, 0, "%s: %s", path, what);
}

/* A k6 duration (string or ms number) at o[key].  0, 1 if absent, -1. */
static int k6_dur(stctx *c, const cJSON *o, const char *key, const char *jp, int64_t *ns)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char p[300];
    snprintf(p, sizeof p, "%.200s.%s", jp, key);
    if (!v) return 1;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e12) {
        *ns = (int64_t)llround(v->valuedouble * 1e6);
        return 0;
    }
    if (cJSON_IsString(v) && go_duration(v->valuestring, ns) == 0) return 0;
    return jfail(c, p, "expected a duration like \"30s\", \"1m30s\" or \"500ms\" (or a number of ms)");
}

static int num(stctx *c, const cJSON *o, const char *key, const char *jp, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 1;
    char p[300];
    snprintf(p, sizeof p, "%.200s.%s", jp, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble) || v->valuedouble > 1e9)
        return jfail(c, p, "expected a number >= 0");
    *out = v->valuedouble;
    return 0;
}

/* Keys of o must all be in allowed.  0 or -1. */
static int keys_ok(stctx *c, const cJSON *o, const char *const *allowed, const char *jp, const char *hint)
{
    for (const cJSON *k = o->child; k; k = k->next) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], k->string) != 0) i++;
        if (!allowed[i]) {
            char p[300], m[300];
            snprintf(p, sizeof p, "%.200s.%s", jp, k->string);
            snprintf(m, sizeof m, "unknown or unsupported key (%s)", hint);
            return jfail(c, p, m);
        }
    }
    return 0;
}

/* k6 stages from start value v0 at t0, scaled by scale into f.  0 or -1. */
static int k6_stages(stctx *c, const cJSON *st, const char *jp, int64_t t0, double v0, double scale, plin *f)
{
    static const char *const stage_keys[] = { "duration", "target", NULL };
    if (!cJSON_IsArray(st) || cJSON_GetArraySize(st) == 0)
        return jfail(c, jp, "expected a non-empty array of {\"duration\": \"30s\", \"target\": N}");
    plin_add(f, t0, v0 * scale);
    int i = 0;
    int64_t t = t0;
    for (const cJSON *s = st->child; s; s = s->next, i++) {
        char p[300];
        snprintf(p, sizeof p, "%.200s[%d]", jp, i);
        if (!cJSON_IsObject(s)) return jfail(c, p, "expected {\"duration\": \"30s\", \"target\": N}");
        if (keys_ok(c, s, stage_keys, p, "a k6 stage has duration and target") < 0) return -1;
        int64_t d;
        double target;
        int k = k6_dur(c, s, "duration", p, &d);
        if (k < 0) return -1;
        if (k > 0) return jfail(c, p, "missing \"duration\"");
        k = num(c, s, "target", p, &target);
        if (k < 0) return -1;
        if (k > 0) return jfail(c, p, "missing \"target\"");
        if (t > ASIM_TRACE_TMAX / 2 - d) return jfail(c, p, "the stages last too long");
        t += d;
        plin_add(f, t, target * scale);
    }
    return 0;
}

/* Time unit of an arrival-rate executor -> s per unit. */
static int time_unit(stctx *c, const cJSON *o, const char *jp, double *sec)
{
    int64_t ns = ASIM_NS_PER_SEC;
    int k = k6_dur(c, o, "timeUnit", jp, &ns);
    if (k < 0) return -1;
    if (ns <= 0) {
        char p[300];
        snprintf(p, sizeof p, "%.200s.timeUnit", jp);
        return jfail(c, p, "must be more than 0");
    }
    *sec = ASIM_TO_SEC(ns);
    return 0;
}

static int k6_scenario(stctx *c, const cJSON *sc, const char *jp, plin *f)
{
    static const char *const common[] = {
        "executor", "startTime", "gracefulStop", "exec", "env", "tags", "options",
        "stages", "startVUs", "gracefulRampDown", "startRate", "timeUnit", "preAllocatedVUs", "maxVUs",
        "rate", "duration", "vus", NULL
    };
    if (!cJSON_IsObject(sc)) return jfail(c, jp, "expected a scenario object");
    if (keys_ok(c, sc, common, jp, "supported executors: ramping-vus, constant-vus, ramping-arrival-rate, "
                "constant-arrival-rate") < 0)
        return -1;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(sc, "executor");
    char p[300];
    snprintf(p, sizeof p, "%.200s.executor", jp);
    if (!cJSON_IsString(ex)) return jfail(c, p, "missing or not a string");
    int64_t start = 0, dur = 0;
    if (k6_dur(c, sc, "startTime", jp, &start) < 0) return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sc, "stages");
    snprintf(p, sizeof p, "%.200s.stages", jp);
    const char *e = ex->valuestring;
    /* a scenario is 0 outside its span: explicit zeros at both ends, so the
     * sum of several does not ramp across another one's start or end */
    plin_add(f, start, 0);
    if (strcmp(e, "ramping-vus") == 0 || strcmp(e, "ramping-arrival-rate") == 0) {
        double v0 = 1, unit = 1;
        int arr = strcmp(e, "ramping-arrival-rate") == 0;
        if (arr) v0 = 0;
        if (num(c, sc, arr ? "startRate" : "startVUs", jp, &v0) < 0 || (arr && time_unit(c, sc, jp, &unit) < 0) ||
            k6_stages(c, st, p, start, v0, arr ? 1 / unit : c->user_rate, f) < 0)
            return -1;
        plin_add(f, f->p[f->n - 1].t, 0);
        return 0;
    }
    int vus = strcmp(e, "constant-vus") == 0;
    if (vus || strcmp(e, "constant-arrival-rate") == 0) {
        double v = vus ? 1 : 0, unit = 1;
        int k = k6_dur(c, sc, "duration", jp, &dur);
        if (k < 0) return -1;
        if (k > 0 || dur <= 0) return jfail(c, jp, "a constant executor needs a \"duration\" above 0");
        if (vus ? num(c, sc, "vus", jp, &v) < 0 : (time_unit(c, sc, jp, &unit) < 0 || num(c, sc, "rate", jp, &v) < 0))
            return -1;
        double rate = vus ? v * c->user_rate : v / unit;
        plin_add(f, start, rate);
        plin_add(f, start + dur, rate);
        plin_add(f, start + dur, 0);
        return 0;
    }
    snprintf(p, sizeof p, "%.200s.executor", jp);
    return jfail(c, p, "unsupported executor (supported: ramping-vus, constant-vus, ramping-arrival-rate, "
                 "constant-arrival-rate; the iteration-count executors have no time profile)");
}

/* k6 options that do not shape the load: accepted, ignored. */
static const char *const k6_keys[] = {
    "stages", "scenarios", "vus", "thresholds", "tags", "summaryTrendStats", "summaryTimeUnit",
    "discardResponseBodies", "noConnectionReuse", "noVUConnectionReuse", "userAgent", "insecureSkipTLSVerify",
    "batch", "batchPerHost", "httpDebug", "setupTimeout", "teardownTimeout", "systemTags", "ext", "cloud",
    "hosts", "dns", "throw", "minIterationDuration", "maxRedirects", "tlsVersion", "tlsCipherSuites",
    "noCookiesReset", "blacklistIPs", "blockHostnames", "localIPs", "rps", "noSetup", "noTeardown",
    "noUsageReport", "consoleOutput", "linger", "paused", NULL
};

static int k6_load(stctx *c, const cJSON *root, plin *out)
{
    if (!cJSON_IsObject(root)) return jfail(c, "$", "expected k6 options: {\"stages\": [...]} or {\"scenarios\": {...}}");
    if (keys_ok(c, root, k6_keys, "$", "duration and iterations have no time profile: use stages or scenarios") < 0)
        return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "stages");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
    if (!st && !sc) return jfail(c, "$", "no \"stages\" and no \"scenarios\": nothing describes the load");
    if (st && sc) return jfail(c, "$", "both \"stages\" and \"scenarios\" (k6 refuses this too)");
    if (st) {
        double v0 = 1;
        if (num(c, root, "vus", "$", &v0) < 0) return -1;
        return k6_stages(c, st, "$.stages", 0, v0, c->user_rate, out);
    }
    if (!cJSON_IsObject(sc) || !sc->child) return jfail(c, "$.scenarios", "expected an object of named scenarios");
    /* several scenarios add up: every breakpoint of every one, summed */
    size_t ns = (size_t)cJSON_GetArraySize(sc), i = 0;
    plin *fs = asim_calloc(ns, sizeof *fs);
    int rc = 0;
    for (const cJSON *s = sc->child; s && !rc; s = s->next, i++) {
        char p[300];
        snprintf(p, sizeof p, "$.scenarios.%.200s", s->string);
        if (k6_scenario(c, s, p, &fs[i]) < 0) rc = -1;
    }
    if (!rc) {
        size_t total = 0;
        for (i = 0; i < ns; i++) total += fs[i].n;
        int64_t *ts = asim_malloc(total * sizeof *ts);
        size_t m = 0;
        for (i = 0; i < ns; i++)
            for (size_t k = 0; k < fs[i].n; k++) ts[m++] = fs[i].p[k].t;
        for (size_t a = 1; a < m; a++)             /* insertion sort: few points */
            for (size_t b = a; b > 0 && ts[b] < ts[b - 1]; b--) { int64_t x = ts[b]; ts[b] = ts[b - 1]; ts[b - 1] = x; }
        for (size_t k = 0; k < m; k++) {
            if (k && ts[k] == ts[k - 1]) continue;
            double v = 0;
            for (i = 0; i < ns; i++) v += plin_at(&fs[i], ts[k]);
            plin_add(out, ts[k], v);
        }
        asim_free(ts);
    }
    for (i = 0; i < ns; i++) asim_free(fs[i].p);
    asim_free(fs);
    return rc;
}

static int locust_load(stctx *c, const cJSON *root, plin *out)
{
    static const char *const top_keys[] = { "stages", NULL };
    static const char *const stage_keys[] = { "duration", "users", "spawn_rate", "user_classes", NULL };
    const cJSON *st = root;
    const char *jp = "$";
    if (cJSON_IsObject(root)) {
        if (keys_ok(c, root, top_keys, "$", "a Locust shape file has \"stages\"") < 0) return -1;
        st = cJSON_GetObjectItemCaseSensitive(root, "stages");
        jp = "$.stages";
    }
    if (!cJSON_IsArray(st) || cJSON_GetArraySize(st) == 0)
        return jfail(c, jp, "expected a non-empty array of {\"duration\": END_S, \"users\": N, \"spawn_rate\": R}");
    double u = 0, prev_end = 0;
    plin_add(out, 0, 0);
    int i = 0;
    for (const cJSON *s = st->child; s; s = s->next, i++) {
        char p[300];
        snprintf(p, sizeof p, "%.200s[%d]", jp, i);
        if (!cJSON_IsObject(s)) return jfail(c, p, "expected {\"duration\": END_S, \"users\": N, \"spawn_rate\": R}");
        if (keys_ok(c, s, stage_keys, p, "a Locust stage has duration, users, spawn_rate") < 0) return -1;
        double end, users, rate;
        int k1 = num(c, s, "duration", p, &end), k2 = k1 < 0 ? -1 : num(c, s, "users", p, &users);
        int k3 = k2 < 0 ? -1 : num(c, s, "spawn_rate", p, &rate);
        if (k1 < 0 || k2 < 0 || k3 < 0) return -1;
        if (k1 || k2 || k3) return jfail(c, p, "missing \"duration\", \"users\" or \"spawn_rate\"");
        if (!(end > prev_end))
            return jfail(c, p, "\"duration\" is the stage's end in seconds from the start (Locust's "
                         "StagesShape): it must grow from stage to stage");
        if (!(rate > 0)) return jfail(c, p, "\"spawn_rate\" must be above 0");
        double reach = prev_end + fabs(users - u) / rate;
        if (reach < end && users != u) {
            plin_add(out, ASIM_SEC(reach), users * c->user_rate);
            u = users;
        } else if (users != u) {
            u += (users > u ? 1 : -1) * rate * (end - prev_end);
        }
        plin_add(out, ASIM_SEC(end), u * c->user_rate);
        prev_end = end;
    }
    return 0;
}

int trace_stages_load(asim_trace_reader *r)
{
    cJSON *root = trace_read_json(r, STAGES_MAX_BYTES);
    if (!root) return -1;
    stctx c = { r, r->o.user_rate > 0 ? r->o.user_rate : 1 };
    plin f = { NULL, 0, 0 };
    int rc = r->o.format == ASIM_TRACE_K6 ? k6_load(&c, root, &f) : locust_load(&c, root, &f);
    cJSON_Delete(root);
    if (rc == 0 && f.n > STAGES_MAX) rc = trace_fail_rc(r, ASIM_EINPUT, 0, "more than %d stages", STAGES_MAX);
    if (rc == 0 && (f.n < 2 || f.p[f.n - 1].t <= f.p[0].t))
        rc = trace_fail_rc(r, ASIM_EINPUT, 0, "the stages last no time");
    if (rc) {
        asim_free(f.p);
        return -1;
    }
    r->pts = f.p;
    r->npts = f.n;
    return 0;
}
