/* test_sim_cache.c -- reuse between runs of one process: the PromQL memo
 * (models/promql/promql_memo.h) and the sim cache (sim/run/sim_cache.h,
 * asim_simulate_cached), as a sweep worker uses them.
 *
 * The contract under test is byte identity: a run given a cache that
 * earlier, different runs have used writes the same summary and the same
 * files as the same run in a fresh process state. */
#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/promql/promql.h"
#include "models/promql/promql_memo.h"
#include "sim/config/settings.h"
#include "sim/engine/common.h"
#include "sim/run/sim_cache.h"
#include "sim/run/simulate.h"

/* ---- the memo ------------------------------------------------------------ */

static void test_memo_shares_by_text(void)
{
    char err[200];
    asim_promql_memo *m = asim_promql_memo_create(8);
    asim_promql_memo *prev = asim_promql_memo_use(m);
    CHECK(prev == NULL);
    asim_promql *a = asim_promql_parse("sum(rate(x_total[1m]))", err, sizeof err);
    asim_promql *b = asim_promql_parse("sum(rate(x_total[1m]))", err, sizeof err);
    asim_promql *c = asim_promql_parse("sum(rate(x_total[2m]))", err, sizeof err);
    CHECK(a && b && c);
    CHECK(a == b);                                 /* one parse, two holders */
    CHECK(a != c);
    CHECK(asim_promql_memo_hits(m) == 1);
    CHECK(asim_promql_memo_misses(m) == 2);
    CHECK(asim_promql_memo_size(m) == 2);
    asim_promql_free(a);
    CHECK(asim_promql_reach_ms(b, 300000) == 60000);  /* still b's after a's holder let go */
    asim_promql_free(b);
    asim_promql_free(c);
    CHECK(asim_promql_memo_use(prev) == m);
    /* no memo in use: every parse is fresh */
    a = asim_promql_parse("up", err, sizeof err);
    b = asim_promql_parse("up", err, sizeof err);
    CHECK(a && b && a != b);
    asim_promql_free(a);
    asim_promql_free(b);
    asim_promql_memo_destroy(m);
}

static void test_memo_errors_not_remembered(void)
{
    char e1[200], e2[200];
    asim_promql_memo *m = asim_promql_memo_create(8);
    asim_promql_memo_use(m);
    CHECK(asim_promql_parse("sum(rate(x[1m])", e1, sizeof e1) == NULL);
    CHECK(asim_promql_parse("sum(rate(x[1m])", e2, sizeof e2) == NULL);
    CHECK(e1[0] != 0);
    CHECK_STR(e1, e2);                              /* each attempt reports its error */
    CHECK(asim_promql_memo_size(m) == 0);
    CHECK(asim_promql_memo_hits(m) == 0);
    asim_promql_memo_destroy(m);                    /* was in use: none is now */
    asim_promql *a = asim_promql_parse("up", e1, sizeof e1);
    asim_promql *b = asim_promql_parse("up", e1, sizeof e1);
    CHECK(a && b && a != b);
    asim_promql_free(a);
    asim_promql_free(b);
}

/* Full: texts no one else holds are dropped; if all are held, a new text is
 * parsed without being remembered.  An expression outlives its memo. */
static void test_memo_bounded(void)
{
    char err[200];
    asim_promql_memo *m = asim_promql_memo_create(2);
    asim_promql_memo_use(m);
    asim_promql *a = asim_promql_parse("a", err, sizeof err);
    asim_promql *b = asim_promql_parse("b", err, sizeof err);
    asim_promql *c1 = asim_promql_parse("c", err, sizeof err);
    asim_promql *c2 = asim_promql_parse("c", err, sizeof err);
    CHECK(asim_promql_memo_size(m) == 2);
    CHECK(c1 && c2 && c1 != c2);                    /* not remembered: a and b are held */
    asim_promql_free(c1);
    asim_promql_free(c2);
    asim_promql_free(a);                            /* now only the memo holds a */
    c1 = asim_promql_parse("c", err, sizeof err);
    c2 = asim_promql_parse("c", err, sizeof err);
    CHECK(c1 == c2);                                /* a was dropped to make room */
    CHECK(asim_promql_memo_size(m) == 2);
    asim_promql *b2 = asim_promql_parse("b", err, sizeof err);
    CHECK(b2 == b);
    asim_promql_memo_destroy(m);
    CHECK(asim_promql_reach_ms(b, 1000) == 1000);   /* b's holders still have it */
    asim_promql_free(b);
    asim_promql_free(b2);
    asim_promql_free(c1);
    asim_promql_free(c2);
}

/* ---- runs with a cache --------------------------------------------------- */

/* Configurations that exercise every reused part: alert rules, recording
 * rules, policy queries, a second service with calls (children's
 * histograms and streams, "calls"), closed-loop clients ("think"). */
typedef struct run_case {
    const char *file;
    const char *sets[4];
} run_case;

static const run_case cases[] = {
    { "spike.json", { "duration=150", NULL } },
    { "two_services.json", { "duration=120", NULL } },
    { "recording_rule.json", { "duration=150", NULL } },
    { "policies/predictive.json", { "duration=200", NULL } },
    { "spike.json", { "duration=120", "traffic.arrivals=closed", "traffic.clients=4", NULL } },
    { "spike.json", { "duration=150", "scaler.scale_up_threshold=0.4", "alerts.rules=[{\"alert\":\"Busy\",\"expr\":\"sum(webapp_requests_in_flight) > ${scaler.min_replicas}\"}]", NULL } },
};
#define NCASES (sizeof cases / sizeof cases[0])

static int load_case(const run_case *rc, asim_config *cfg)
{
    const char *root = getenv("ASIM_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", root ? root : ".", rc->file);
    asim_err err = {""};
    asim_config_defaults(cfg);
    int rv = asim_config_load(cfg, path, &err);
    CHECK_MSG(rv == 0, "%s: %s", path, err.msg);
    for (size_t i = 0; rv == 0 && rc->sets[i]; i++) {
        rv = asim_config_set(cfg, rc->sets[i], &err);
        CHECK_MSG(rv == 0, "%s: %s", rc->sets[i], err.msg);
    }
    if (rv == 0) {
        rv = asim_config_validate(cfg, &err);
        CHECK_MSG(rv == 0, "%s: %s", rc->file, err.msg);
    }
    return rv;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = asim_malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Every file under a (recursively) exists under b with the same bytes.
 * Returns the number of files compared, -1 on a difference. */
static int tree_in(const char *a, const char *b)
{
    DIR *d = opendir(a);
    if (!d) return -1;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) && files >= 0) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char pa[2048], pb[2048];
        snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
        struct stat st;
        if (stat(pa, &st) != 0) { files = -1; break; }
        if (S_ISDIR(st.st_mode)) {
            int k = tree_in(pa, pb);
            files = k < 0 ? -1 : files + k;
            continue;
        }
        size_t la = 0, lb = 0;
        char *ca = slurp(pa, &la), *cb = slurp(pb, &lb);
        int same = ca && cb && la == lb && memcmp(ca, cb, la) == 0;
        CHECK_MSG(same, "%s and %s differ", pa, pb);
        files = same ? files + 1 : -1;
        asim_free(ca);
        asim_free(cb);
    }
    closedir(d);
    return files;
}

/* The same files with the same bytes in both trees: their number, or -1. */
static int same_tree(const char *a, const char *b)
{
    int n = tree_in(a, b);
    return n >= 0 && tree_in(b, a) == n ? n : -1;
}

static int same_summary(const asim_summary *a, const asim_summary *b)
{
    if (a->n != b->n || a->seed != b->seed || strcmp(a->scenario, b->scenario) != 0) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->m[i].name, b->m[i].name) != 0 ||
            memcmp(&a->m[i].value, &b->m[i].value, sizeof(double)) != 0)
            return 0;
    return 1;
}

static void rm_tree(const char *dir)
{
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Case k, seed `seed`, into dir (NULL: no files) with cache (NULL: fresh). */
static int run_case_into(size_t k, uint64_t seed, asim_sim_cache *cache, const char *dir, asim_summary *sum)
{
    asim_config cfg;
    int rv = load_case(&cases[k], &cfg);
    asim_err err = {""};
    if (rv == 0) {
        if (dir) mkdir(dir, 0755);
        rv = asim_simulate_cached(cache, &cfg, seed, dir, 0, sum, NULL, &err);
        CHECK_MSG(rv == 0, "%s: %s", cases[k].file, err.msg);
    }
    asim_config_free(&cfg);
    return rv;
}

/* Each case run fresh, then with one cache after all the others (forward,
 * then backward, other seeds in between): the same summary bytes and files. */
static void test_cached_runs_identical(void)
{
    char tmp[] = "/tmp/asim_sim_cache_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    asim_summary *fresh = asim_calloc(NCASES, sizeof *fresh);
    asim_summary *sum = asim_malloc(sizeof *sum);
    char dir[1024], ref[1024];
    for (size_t k = 0; k < NCASES; k++) {
        snprintf(ref, sizeof ref, "%s/fresh%zu", tmp, k);
        CHECK(run_case_into(k, 7, NULL, ref, &fresh[k]) == 0);
    }
    asim_sim_cache *cache = asim_sim_cache_create();
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < NCASES; i++) {
            size_t k = pass == 0 ? i : NCASES - 1 - i;
            CHECK(run_case_into((k + 1) % NCASES, 3 + (uint64_t)pass, cache, NULL, sum) == 0);  /* another run between */
            snprintf(dir, sizeof dir, "%s/cached%d_%zu", tmp, pass, k);
            snprintf(ref, sizeof ref, "%s/fresh%zu", tmp, k);
            CHECK(run_case_into(k, 7, cache, dir, sum) == 0);
            CHECK_MSG(same_summary(&fresh[k], sum), "%s: summary differs after reuse (pass %d)",
                      cases[k].file, pass);
            int files = same_tree(ref, dir);
            CHECK_MSG(files >= 5, "%s: files differ after reuse (pass %d): %d", cases[k].file, pass, files);
        }
    /* the memo answered the rebuilds (validation and models) */
    CHECK(asim_sim_cache_parse_hits(cache) > asim_sim_cache_parse_misses(cache));
    asim_sim_cache_destroy(cache);
    /* after the cache: back to fresh parses, same results */
    CHECK(run_case_into(0, 7, NULL, NULL, sum) == 0);
    CHECK(same_summary(&fresh[0], sum));
    asim_free(fresh);
    asim_free(sum);
    rm_tree(tmp);
}

/* A run that fails while building (a query the engine rejects at run time
 * is not reachable from a validated config, so: an unwritable directory)
 * returns its parts to the cache, and the next run is unaffected. */
static void test_failed_run_returns_parts(void)
{
    asim_summary *a = asim_malloc(sizeof *a), *b = asim_malloc(sizeof *b);
    CHECK(run_case_into(0, 11, NULL, NULL, a) == 0);
    asim_sim_cache *cache = asim_sim_cache_create();
    asim_config cfg;
    CHECK(load_case(&cases[1], &cfg) == 0);
    asim_err err = {""};
    CHECK(asim_simulate_cached(cache, &cfg, 1, "/dev/null/asim", 0, b, NULL, &err) != 0);
    asim_config_free(&cfg);
    CHECK(run_case_into(0, 11, cache, NULL, b) == 0);
    CHECK(same_summary(a, b));
    asim_sim_cache_destroy(cache);
    asim_free(a);
    asim_free(b);
}

int main(void)
{
    RUN(test_memo_shares_by_text);
    RUN(test_memo_errors_not_remembered);
    RUN(test_memo_bounded);
    RUN(test_cached_runs_identical);
    RUN(test_failed_run_returns_parts);
    return check_report();
}
