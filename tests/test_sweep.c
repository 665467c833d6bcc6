/* test_sweep.c -- sweeps: axis parsing and enumeration, Latin hypercube
 * draws, the definition hash, Student-t intervals, the Pareto front and the
 * constrained best, runs.csv reading/repair, sweep.json round trip, shards,
 * and a small end-to-end sweep through the worker pool (common random
 * numbers, a bad combination recorded without stopping the sweep). */
#include "sim/sweep/sweep.h"
#include "sim/sweep/pool.h"
#include "sim/config/settings.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void base_config(asim_config *cfg)
{
    asim_config_defaults(cfg);
    asim_err err;
    int rc = asim_config_set(cfg, "duration=60", &err);
    CHECK(rc == 0);
    CHECK(asim_config_validate(cfg, &err) == 0);
}

static void test_grid_parsing(void)
{
    asim_config cfg;
    base_config(&cfg);
    asim_sweep sw;
    asim_err err;
    asim_sweep_init(&sw, &cfg, "test", 7, 3);
    CHECK(asim_sweep_add_grid(&sw, "scaler.scale_up_threshold=0.1:0.5:0.1", &err) == 0);
    CHECK(sw.axes[0].n == 5);
    /* 0.1 * 3 is 0.30000000000000004 in binary: the text must be the decimal. */
    CHECK_STR(sw.axes[0].values[2], "0.3");
    CHECK_STR(sw.axes[0].values[4], "0.5");
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replicas=2,4,6", &err) == 0);
    CHECK(sw.axes[1].n == 3);
    /* JSON values keep their inner commas. */
    CHECK(asim_sweep_add_grid(&sw, "traffic.profile=[{\"type\":\"constant\",\"duration\":60,\"rate\":5}],"
                              "[{\"type\":\"constant\",\"duration\":60,\"rate\":9}]", &err) == 0);
    CHECK(sw.axes[2].n == 2);
    CHECK_STR(sw.axes[2].values[1], "[{\"type\":\"constant\",\"duration\":60,\"rate\":9}]");

    /* Errors: unknown key (with a suggestion), twice, bad step, empty value. */
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replica=1,2", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "--grid") && strstr(err.msg, "max_replicas"), "%s", err.msg);
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replicas=1", &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, "twice") != NULL);
    CHECK(asim_sweep_add_grid(&sw, "scaler.min_replicas=1:5:0", &err) == ASIM_EINPUT);
    CHECK(asim_sweep_add_grid(&sw, "scaler.min_replicas=5:1:1", &err) == ASIM_EINPUT);
    CHECK(asim_sweep_add_grid(&sw, "scaler.min_replicas=1,,2", &err) == ASIM_EINPUT);
    CHECK(asim_sweep_add_grid(&sw, "scaler.min_replicas", &err) == ASIM_EINPUT);
    CHECK(asim_sweep_add_grid(&sw, "seed=1,2", &err) == ASIM_EINPUT);
    CHECK(sw.naxes == 3);
    CHECK(asim_sweep_finish(&sw, 0, &err) == 0);
    CHECK(sw.nconfigs == 5 * 3 * 2);
    asim_sweep_free(&sw);
    asim_config_free(&cfg);
}

static void test_enumeration(void)
{
    asim_config cfg;
    base_config(&cfg);
    asim_sweep sw;
    asim_err err;
    asim_sweep_init(&sw, &cfg, "test", 7, 2);
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replicas=2,4,6", &err) == 0);
    CHECK(asim_sweep_add_grid(&sw, "scaler.scale_up_cooldown=0,30", &err) == 0);
    CHECK(asim_sweep_finish(&sw, 0, &err) == 0);
    CHECK(sw.nconfigs == 6);
    /* Last axis fastest: c = i * 2 + j. */
    CHECK_STR(asim_sweep_value(&sw, 0, 0), "2");
    CHECK_STR(asim_sweep_value(&sw, 1, 1), "30");
    CHECK_STR(asim_sweep_value(&sw, 3, 0), "4");
    CHECK_STR(asim_sweep_value(&sw, 3, 1), "30");
    CHECK_STR(asim_sweep_value(&sw, 5, 0), "6");
    char *a = asim_sweep_assignments(&sw, 4);
    CHECK_STR(a, "scaler.max_replicas=6\nscaler.scale_up_cooldown=0\n");
    /* The same seeds for every configuration. */
    CHECK(asim_sweep_seed(&sw, 0) == 7 && asim_sweep_seed(&sw, 1) == 8);
    asim_config built;
    CHECK(asim_pool_build_config(&built, &sw.base, a, &err) == 0);
    CHECK(built.scaler.max_replicas == 6 && built.scaler.scale_up_cooldown == 0);
    asim_config_free(&built);
    asim_free(a);
    /* A bad combination is an error of that configuration, naming the setting. */
    CHECK(asim_pool_build_config(&built, &sw.base, "scaler.scale_down_threshold=0.9\n", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "scale_down_threshold") != NULL, "%s", err.msg);
    asim_config_free(&built);
    /* Shards are disjoint and cover everything. */
    int count[6] = {0};
    for (unsigned k = 1; k <= 4; k++) {
        sw.shard_k = k;
        sw.shard_n = 4;
        for (size_t c = 0; c < sw.nconfigs; c++)
            count[c] += asim_sweep_in_shard(&sw, c);
    }
    for (size_t c = 0; c < 6; c++)
        CHECK(count[c] == 1);
    unsigned k, n;
    CHECK(asim_sweep_parse_shard("2/8", &k, &n, &err) == 0 && k == 2 && n == 8);
    CHECK(asim_sweep_parse_shard("0/8", &k, &n, &err) == ASIM_EINPUT);
    CHECK(asim_sweep_parse_shard("9/8", &k, &n, &err) == ASIM_EINPUT);
    CHECK(asim_sweep_parse_shard("2/8x", &k, &n, &err) == ASIM_EINPUT);
    asim_sweep_free(&sw);
    asim_config_free(&cfg);
}

static void test_latin_hypercube(void)
{
    asim_config cfg;
    base_config(&cfg);
    asim_err err;
    asim_sweep sw, sw2, sw3;
    asim_sweep_init(&sw, &cfg, "test", 11, 1);
    CHECK(asim_sweep_add_random(&sw, "scaler.scale_up_threshold=0.2:1.2", &err) == 0);
    CHECK(asim_sweep_add_random(&sw, "scaler.max_replicas=2:9", &err) == 0);
    CHECK(asim_sweep_add_grid(&sw, "scaler.scale_up_cooldown=0,30", &err) == 0);
    CHECK(asim_sweep_finish(&sw, 0, &err) == ASIM_EINPUT);      /* random axes need samples */
    CHECK(asim_sweep_finish(&sw, 8, &err) == 0);
    CHECK(sw.nconfigs == 16);
    /* Latin hypercube: exactly one of the 8 samples in each eighth of [0.2, 1.2]. */
    int strata[8] = {0};
    for (size_t i = 0; i < 8; i++) {
        double v = atof(sw.axes[0].values[i]);
        CHECK(v >= 0.2 && v <= 1.2);
        int s = (int)((v - 0.2) / 1.0 * 8);
        if (s == 8)
            s = 7;
        strata[s]++;
    }
    for (int s = 0; s < 8; s++)
        CHECK(strata[s] == 1);
    /* Integer settings get whole numbers in range, each of 2..9 once here. */
    int seen[10] = {0};
    for (size_t i = 0; i < 8; i++) {
        const char *v = sw.axes[1].values[i];
        CHECK(strchr(v, '.') == NULL);
        int x = atoi(v);
        CHECK(x >= 2 && x <= 9);
        if (x >= 2 && x <= 9)
            seen[x]++;
    }
    for (int x = 2; x <= 9; x++)
        CHECK(seen[x] == 1);
    /* Random sample s is crossed with the grid: configs 0..7 and 8..15 share it. */
    CHECK_STR(asim_sweep_value(&sw, 3, 0), asim_sweep_value(&sw, 11, 0));
    CHECK_STR(asim_sweep_value(&sw, 3, 2), "0");
    CHECK_STR(asim_sweep_value(&sw, 11, 2), "30");
    /* Same seed, same draws; another seed, other draws. */
    asim_sweep_init(&sw2, &cfg, "test", 11, 1);
    asim_sweep_init(&sw3, &cfg, "test", 12, 1);
    CHECK(asim_sweep_add_random(&sw2, "scaler.scale_up_threshold=0.2:1.2", &err) == 0);
    CHECK(asim_sweep_add_random(&sw3, "scaler.scale_up_threshold=0.2:1.2", &err) == 0);
    CHECK(asim_sweep_finish(&sw2, 8, &err) == 0 && asim_sweep_finish(&sw3, 8, &err) == 0);
    int same = 1, same3 = 1;
    for (size_t i = 0; i < 8; i++) {
        same &= strcmp(sw.axes[0].values[i], sw2.axes[0].values[i]) == 0;
        same3 &= strcmp(sw.axes[0].values[i], sw3.axes[0].values[i]) == 0;
    }
    CHECK(same && !same3);
    CHECK(asim_sweep_add_random(&sw3, "scaler.policy=1:2", &err) == ASIM_EINPUT);   /* not numeric */
    CHECK(asim_sweep_add_random(&sw3, "scaler.max_replicas=5:2", &err) == ASIM_EINPUT);
    asim_sweep_free(&sw);
    asim_sweep_free(&sw2);
    asim_sweep_free(&sw3);
    asim_config_free(&cfg);
}

static uint64_t hash_of(const asim_config *cfg, uint64_t seed, unsigned reps, const char *grid)
{
    asim_sweep sw;
    asim_err err;
    asim_sweep_init(&sw, cfg, "test", seed, reps);
    asim_sweep_add_grid(&sw, grid, &err);
    asim_sweep_finish(&sw, 0, &err);
    uint64_t h = sw.hash;
    asim_sweep_free(&sw);
    return h;
}

static void test_hash(void)
{
    asim_config cfg, cfg2;
    base_config(&cfg);
    base_config(&cfg2);
    asim_err err;
    CHECK(asim_config_set(&cfg2, "app.workers=5", &err) == 0);
    uint64_t h = hash_of(&cfg, 1, 3, "scaler.max_replicas=2,4");
    CHECK(h == hash_of(&cfg, 1, 3, "scaler.max_replicas=2,4"));
    CHECK(h == hash_of(&cfg, 1, 3, "scaler.max_replicas=2:4:2"));     /* same values */
    CHECK(h != hash_of(&cfg, 2, 3, "scaler.max_replicas=2,4"));
    CHECK(h != hash_of(&cfg, 1, 4, "scaler.max_replicas=2,4"));
    CHECK(h != hash_of(&cfg, 1, 3, "scaler.max_replicas=2,5"));
    CHECK(h != hash_of(&cfg2, 1, 3, "scaler.max_replicas=2,4"));
    asim_config_free(&cfg);
    asim_config_free(&cfg2);
}

static void test_mean_ci(void)
{
    double mean, sd, ci;
    double x[] = {1, 2, 3, 4, 5};
    CHECK(asim_mean_ci(x, 5, &mean, &sd, &ci) == 5);
    CHECK_NEAR(mean, 3, 1e-12);
    CHECK_NEAR(sd, sqrt(2.5), 1e-12);
    /* t(0.975, 4) = 2.776445 (any t table) */
    CHECK_NEAR(ci, 2.776445 * sqrt(2.5) / sqrt(5.0), 1e-5);
    double y[] = {1, NAN, 3};
    CHECK(asim_mean_ci(y, 3, &mean, &sd, &ci) == 2);
    CHECK_NEAR(mean, 2, 1e-12);
    /* t(0.975, 1) = 12.7062 */
    CHECK_NEAR(ci, 12.7062 * sqrt(2.0) / sqrt(2.0), 1e-3);
    double z[] = {4};
    CHECK(asim_mean_ci(z, 1, &mean, &sd, &ci) == 1);
    CHECK(mean == 4 && isnan(sd) && isnan(ci));
    CHECK(asim_mean_ci(z, 0, &mean, &sd, &ci) == 0 && isnan(mean));
}

static void test_objective(void)
{
    asim_objective o;
    asim_err err;
    asim_objective_init(&o);
    CHECK(asim_objective_add_constraint(&o, "slo_violation_seconds<=30", &err) == 0);
    CHECK(asim_objective_add_constraint(&o, " latency_p95 < 0.5 ", &err) == 0);
    CHECK(asim_objective_add_constraint(&o, "scale_ups>=1", &err) == 0);
    CHECK(asim_objective_add_constraint(&o, "x>2", &err) == 0);
    CHECK_STR(o.cons[1].metric, "latency_p95");
    CHECK_STR(o.cons[1].op, "<");
    CHECK(o.cons[1].bound == 0.5);
    CHECK(asim_constraint_ok(&o.cons[0], 30) && !asim_constraint_ok(&o.cons[0], 30.01));
    CHECK(!asim_constraint_ok(&o.cons[1], 0.5) && asim_constraint_ok(&o.cons[1], 0.49));
    CHECK(asim_constraint_ok(&o.cons[2], 1) && !asim_constraint_ok(&o.cons[2], 0));
    CHECK(!asim_constraint_ok(&o.cons[3], 2) && !asim_constraint_ok(&o.cons[3], NAN));
    CHECK(asim_objective_add_constraint(&o, "slo<=", &err) == ASIM_EINPUT);
    CHECK(asim_objective_add_constraint(&o, "<=3", &err) == ASIM_EINPUT);
    CHECK(asim_objective_add_constraint(&o, "slo=3", &err) == ASIM_EINPUT);
    CHECK(asim_objective_add_constraint(&o, "slo<=3x", &err) == ASIM_EINPUT);
}

/* A runs table built by hand: config c has (x, y) per rep; columns
 * config,rep,seed,<axes>,status,error,replica_seconds,slo_violation_seconds. */
static void fake_runs(asim_runs *t, const asim_sweep *sw, const double (*xy)[2], size_t n, unsigned reps)
{
    size_t na = sw->naxes, nc = 8 + na - 1;
    memset(t, 0, sizeof *t);
    t->ncols = nc;
    t->cols = asim_malloc(nc * sizeof *t->cols);
    t->cols[0] = asim_strdup("config");
    t->cols[1] = asim_strdup("rep");
    t->cols[2] = asim_strdup("seed");
    for (size_t a = 0; a < na; a++)
        t->cols[3 + a] = asim_strdup(sw->axes[a].key);
    t->cols[3 + na] = asim_strdup("status");
    t->cols[4 + na] = asim_strdup("error");
    t->cols[5 + na] = asim_strdup("replica_seconds");
    t->cols[6 + na] = asim_strdup("slo_violation_seconds");
    t->first_metric = 5 + na;
    t->rows = asim_malloc(n * reps * sizeof *t->rows);
    for (size_t c = 0; c < n; c++)
        for (unsigned r = 0; r < reps; r++) {
            char **f = asim_malloc(nc * sizeof *f + nc * 32);
            char *text = (char *)(f + nc);
            for (size_t i = 0; i < nc; i++)
                f[i] = text + 32 * i;
            snprintf(f[0], 32, "%zu", c);
            snprintf(f[1], 32, "%u", r);
            snprintf(f[2], 32, "%u", r + 1);
            for (size_t a = 0; a < na; a++)
                snprintf(f[3 + a], 32, "%s", asim_sweep_value(sw, c, a));
            int failed = isnan(xy[c][0]);
            snprintf(f[3 + na], 32, "%s", failed ? "error" : "ok");
            snprintf(f[4 + na], 32, "%s", failed ? "boom" : "");
            /* reps straddle the mean: mean stays xy, the CI is > 0 */
            double d = reps > 1 ? (r % 2 ? 0.5 : -0.5) : 0;
            if (failed)
                f[5 + na][0] = f[6 + na][0] = 0;
            else {
                snprintf(f[5 + na], 32, "%.17g", xy[c][0] + d);
                snprintf(f[6 + na], 32, "%.17g", xy[c][1] - d);
            }
            t->rows[t->n++] = (asim_run_row){.config = c, .rep = r, .f = f};
        }
}

static void test_pareto_and_best(void)
{
    asim_config cfg;
    base_config(&cfg);
    asim_sweep sw;
    asim_err err;
    asim_sweep_init(&sw, &cfg, "test", 1, 2);
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replicas=1:8:1", &err) == 0);
    CHECK(asim_sweep_finish(&sw, 0, &err) == 0);
    /* (cost, violation) per configuration. */
    static const double xy[8][2] = {
        {1, 5},     /* front: cheapest */
        {2, 3},     /* front */
        {3, 4},     /* dominated by (2,3) */
        {4, 1},     /* front */
        {2, 3},     /* front: equal to config 1, neither dominates */
        {5, 1},     /* dominated by (4,1) */
        {NAN, NAN}, /* failed runs: neither front nor best */
        {2, 6},     /* dominated by (2,3): same cost, more violation */
    };
    asim_runs t;
    fake_runs(&t, &sw, xy, 8, 2);
    asim_objective o;
    asim_objective_init(&o);
    snprintf(o.metric, sizeof o.metric, "replica_seconds");
    CHECK(asim_objective_add_constraint(&o, "slo_violation_seconds<=3", &err) == 0);
    asim_agg a;
    asim_agg_compute(&a, &sw, &t, &o);
    CHECK(a.n == 8 && a.nmetrics == 2);
    static const int front[8] = {1, 1, 0, 1, 1, 0, 0, 0};
    for (size_t i = 0; i < 8; i++)
        CHECK_MSG(a.rows[i].pareto == front[i], "config %zu", i);
    CHECK(a.npareto == 4);
    /* Cheapest with violation <= 3: configs 1 and 4 tie at 2; the lower id wins. */
    CHECK(a.best == 1 && a.rows[1].best && !a.rows[4].best);
    CHECK(!a.rows[0].feasible && a.rows[3].feasible && !a.rows[6].feasible);
    CHECK(a.rows[6].ok == 0 && a.rows[6].error && strcmp(a.rows[6].error, "boom") == 0);
    CHECK_NEAR(a.rows[1].mean[0], 2, 1e-12);
    /* reps 1.5 and 2.5: sd = sqrt(0.5), ci = t(0.975,1) * sd / sqrt 2 = 12.7062 * 0.5 */
    CHECK_NEAR(a.rows[1].ci[0], 12.7062 * 0.5, 1e-3);
    asim_agg_free(&a);
    /* Maximize, no constraint: the largest cost. */
    o.maximize = 1;
    o.ncons = 0;
    asim_agg_compute(&a, &sw, &t, &o);
    CHECK(a.best == 5);
    asim_agg_free(&a);
    /* Infeasible constraint: no best. */
    o.maximize = 0;
    CHECK(asim_objective_add_constraint(&o, "slo_violation_seconds<0", &err) == 0);
    asim_agg_compute(&a, &sw, &t, &o);
    CHECK(a.best == -1);
    asim_agg_free(&a);
    asim_runs_free(&t);
    asim_sweep_free(&sw);
    asim_config_free(&cfg);
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/asim-test-sweep-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? asim_strdup(d) : NULL;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", dir);
}

static void test_runs_csv_repair_and_json(void)
{
    asim_config cfg;
    base_config(&cfg);
    asim_sweep sw, back;
    asim_err err;
    asim_sweep_init(&sw, &cfg, "scenarios/x.json", 5, 2);
    CHECK(asim_sweep_add_grid(&sw, "scaler.max_replicas=1:8:1", &err) == 0);
    CHECK(asim_sweep_add_random(&sw, "scaler.scale_up_threshold=0.3:0.9", &err) == 0);
    CHECK(asim_sweep_finish(&sw, 3, &err) == 0);
    sw.shard_k = 2;
    sw.shard_n = 3;
    char *dir = tmpdir();
    CHECK(dir != NULL);
    if (!dir)
        return;
    asim_objective o;
    asim_objective_init(&o);
    snprintf(o.metric, sizeof o.metric, "cost");
    CHECK(asim_objective_add_constraint(&o, "latency_p95<=2", &err) == 0);
    CHECK(asim_sweep_write_json(&sw, &o, dir, &err) == 0);
    asim_objective o2;
    CHECK_MSG(asim_sweep_read_json(&back, &o2, dir, &err) == 0, "%s", err.msg);
    CHECK(back.hash == sw.hash && back.nconfigs == sw.nconfigs && back.reps == 2 && back.seed == 5);
    CHECK(back.shard_k == 2 && back.shard_n == 3);
    CHECK_STR(back.axes[1].values[2], sw.axes[1].values[2]);
    CHECK_STR(o2.metric, "cost");
    CHECK(o2.ncons == 1 && o2.cons[0].bound == 2);
    asim_sweep_free(&back);

    /* runs.csv: a last line cut by a kill is dropped, and truncated with repair. */
    double xy[24][2];
    for (size_t c = 0; c < 24; c++)
        xy[c][0] = xy[c][1] = (double)c;
    asim_runs t, r;
    fake_runs(&t, &sw, xy, 3, 2);
    char path[700];
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    CHECK(asim_runs_write(&t, path, &err) == 0);
    FILE *f = fopen(path, "a");
    fputs("2,1,9,3,0.5,o", f);
    fclose(f);
    CHECK(asim_runs_read(&r, &sw, path, 0, &err) == 0);
    CHECK(r.n == 6 && r.ncols == 9 && r.first_metric == 7);
    CHECK_STR(r.rows[5].f[7], "2.5");
    asim_runs_free(&r);
    CHECK(asim_runs_read(&r, &sw, path, 1, &err) == 0 && r.n == 6);
    asim_runs_free(&r);
    f = fopen(path, "r");
    fseek(f, -1, SEEK_END);
    CHECK(fgetc(f) == '\n');
    fclose(f);
    /* A row outside the sweep, or a header of another sweep, is an error. */
    f = fopen(path, "a");
    fputs("99,0,1,3,0.5,ok,,1,2\n", f);
    fclose(f);
    CHECK(asim_runs_read(&r, &sw, path, 0, &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, ":8:") != NULL);        /* names the line */
    asim_runs_free(&t);
    asim_sweep_free(&sw);
    asim_config_free(&cfg);
    rm_rf(dir);
    asim_free(dir);
}

/* Count lines of a file. */
static size_t lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void test_end_to_end(void)
{
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    CHECK(asim_config_load(&cfg, "scenarios/spike.json", &err) == 0);
    CHECK(asim_config_set(&cfg, "duration=120", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == 0);
    asim_sweep sw;
    asim_sweep_init(&sw, &cfg, "scenarios/spike.json", 3, 2);
    /* 0.7 is above the scale-up threshold 0.6: an invalid combination. */
    CHECK(asim_sweep_add_grid(&sw, "scaler.scale_down_threshold=0.1,0.7", &err) == 0);
    CHECK(asim_sweep_add_grid(&sw, "scaler.check_interval=5,10", &err) == 0);
    CHECK(asim_sweep_finish(&sw, 0, &err) == 0);
    char *dir = tmpdir();
    if (!dir)
        return;
    asim_objective o;
    asim_objective_init(&o);
    snprintf(o.metric, sizeof o.metric, "replica_seconds");
    asim_sweep_opts opts = {.jobs = 2, .obj = &o};
    int intr = 1;
    CHECK_MSG(asim_sweep_run(&sw, dir, &opts, &intr, &err) == 0, "%s", err.msg);
    CHECK(intr == 0);
    char path[700];
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    CHECK(lines(path) == 1 + 4 * 2);
    asim_runs t;
    CHECK(asim_runs_read(&t, &sw, path, 0, &err) == 0);
    CHECK(t.n == 8);
    int req = -1;
    for (size_t i = t.first_metric; i < t.ncols; i++)
        if (strcmp(t.cols[i], "requests") == 0)
            req = (int)i;
    CHECK(req >= 0);
    for (size_t i = 0; i < t.n && req >= 0; i++) {
        const asim_run_row *row = &t.rows[i];
        CHECK(row->config == i / 2 && row->rep == i % 2);          /* sorted */
        int bad = row->config >= 2;                                 /* down threshold 0.7 */
        CHECK_STR(row->f[5], bad ? "error" : "ok");
        if (bad)
            CHECK(strstr(row->f[6], "scale_down_threshold") != NULL);
        else
            /* Common random numbers: the arrivals do not depend on the
             * scaler, so each replication sees the same requests in every
             * configuration. */
            CHECK_STR(row->f[req], t.rows[row->rep].f[req]);
    }
    /* reps differ (spike.json's arrivals are paced, so the request count is
     * the same in every replication; the service times are not) */
    int lat = -1;
    for (size_t i = t.first_metric; i < t.ncols; i++)
        if (strcmp(t.cols[i], "latency_mean") == 0)
            lat = (int)i;
    CHECK(lat >= 0 && strcmp(t.rows[0].f[lat], t.rows[1].f[lat]) != 0);
    asim_runs_free(&t);

    /* Aggregate: summary.csv has one row per configuration; best.json runs. */
    asim_agg a;
    CHECK(asim_sweep_aggregate(&sw, &o, dir, NULL, &a, &err) == 0);
    CHECK(a.n == 4 && a.best >= 0 && a.best < 2);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    CHECK(lines(path) == 5);
    snprintf(path, sizeof path, "%s/best.json", dir);
    asim_config best;
    asim_config_defaults(&best);
    CHECK_MSG(asim_config_load(&best, path, &err) == 0, "%s", err.msg);
    CHECK(asim_config_validate(&best, &err) == 0);
    CHECK(best.scaler.scale_down_threshold == 0.1 && best.duration == 120);
    asim_config_free(&best);
    asim_agg_free(&a);

    /* Running again: nothing to do, same bytes.  Another definition in the
     * same directory is refused. */
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    CHECK(asim_sweep_run(&sw, dir, &opts, &intr, &err) == 0);
    CHECK(lines(path) == 9);
    asim_sweep other;
    asim_sweep_init(&other, &cfg, "scenarios/spike.json", 3, 3);
    CHECK(asim_sweep_add_grid(&other, "scaler.scale_down_threshold=0.1,0.7", &err) == 0);
    CHECK(asim_sweep_add_grid(&other, "scaler.check_interval=5,10", &err) == 0);
    CHECK(asim_sweep_finish(&other, 0, &err) == 0);
    CHECK(asim_sweep_run(&other, dir, &opts, &intr, &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "different sweep") && strstr(err.msg, "--reps"), "%s", err.msg);
    asim_sweep_free(&other);
    asim_sweep_free(&sw);
    asim_config_free(&cfg);
    rm_rf(dir);
    asim_free(dir);
}

int main(void)
{
    RUN(test_grid_parsing);
    RUN(test_enumeration);
    RUN(test_latin_hypercube);
    RUN(test_hash);
    RUN(test_mean_ci);
    RUN(test_objective);
    RUN(test_pareto_and_best);
    RUN(test_runs_csv_repair_and_json);
    RUN(test_end_to_end);
    return check_report();
}
