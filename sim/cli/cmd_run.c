/* cmd_run.c -- `autoscale-sim run`: one scenario, one seed, one output
 * directory.
 *
 * Everything the user gave is checked before anything is written: the
 * scenario file, every --set, the cross-field validation (which also parses
 * the scaler's query).  The output directory is created only then, and if
 * the simulation still rejects the input (or fails) a directory this command
 * created is removed again, so bad input never leaves a directory behind.
 *
 * Wall-clock figures (run time, speed) go to stdout only; the files the
 * simulation writes never contain them, so they stay byte-identical for the
 * same scenario and seed. */
#include "sim/cli/commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/run/budget.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/cleanup.h"
#include "sim/engine/output.h"
#include "sim/config/import.h"
#include "sim/config/settings.h"
#include "sim/run/simulate.h"
#include "sim/run/replayed.h"

#ifndef ASIM_PREFIX
#define ASIM_PREFIX "/usr/local"
#endif

#define DEFAULT_SCENARIO "manual.json"

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim run [SCENARIO.json] [options]\n"
          "\n"
          "Simulates the scenario and writes timeseries.csv, events.csv, scrapes.csv,\n"
          "alerts.csv, scaler.log and summary.json into the output directory; prints a\n"
          "short summary.  Without a scenario, runs the bundled default\n"
          "(scenarios/" DEFAULT_SCENARIO ": the seed's `load-test.sh 60 100`, then idle).\n"
          "\n"
          "options:\n"
          "  --seed N               seed of every random stream (overrides the scenario's)\n"
          "  -o, --out DIR          output directory (default: results/<scenario name>/)\n"
          "  --set KEY.PATH=VALUE   override a setting, e.g. --set scaler.max_replicas=4;\n"
          "                         repeatable, applied in order after the scenario file;\n"
          "                         VALUE is JSON for structured settings (traffic.profile)\n"
          "  --duration S           simulated seconds (same as --set duration=S); 'trace':\n"
          "                         exactly as long as the traces play (one pass of each)\n"
          "  --trace FILE[:K=V,...] replay one more trace, with any key of a scenario's\n"
          "                         trace: --trace access.log:reorder_window=120,multiplier=2\n"
          "                         (repeatable; doc/traces.md).  A run whose traces come\n"
          "                         from the command line is named after them\n"
          "  --from FILE            read settings from the stack's own files: prometheus.yml,\n"
          "                         rule files (recording and alerting rules), docker-compose.yml\n"
          "                         or .env (the scaler's variables), an HPA manifest; repeatable,\n"
          "                         applied over the scenario, before --set (autoscale-sim import)\n"
          "  --prometheus-config P  prometheus.yml's path inside Prometheus (for --from; see\n"
          "                         autoscale-sim import --help)\n"
          "  -q, --quiet            no progress and no summary on the terminal\n"
          "  --export openmetrics   also write metrics.om (OpenMetrics text)\n"
          "  --run-label NAME       with --export: label every series of metrics.om run=\"NAME\"\n"
          "                         and seed=\"SEED\", so several runs in one Prometheus stay apart\n"
          "  --plot                 draw the figures afterwards (autoscale-sim plot DIR)\n"
          "  --report               write the report afterwards (autoscale-sim report DIR)\n"
          "  --force                run even when the estimated size is above the limits\n"
          "                         (2e9 events or 8 GiB of output; see README, Reliability)\n"
          "  -h, --help             this help\n"
          "\n"
          "Every setting, its default and range: autoscale-sim settings.\n"
          "Exit status: 0 ok, 1 runtime error, 2 bad input (nothing is written).\n", f);
}

/* "autoscale-sim run: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("run", rc, __VA_ARGS__)

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The bundled default scenario: beside the executable (the repository root,
 * where `make` puts it), in the working directory, then where `make
 * install` puts it (relative to the executable, then the configured
 * prefix).  Returns 0 and fills out, or -1 with the places tried. */
static int find_default(char *out, size_t len, char *tried, size_t tlen)
{
    char exe[PATH_MAX - 64] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
    } else
        exe[0] = 0;
    char cands[4][PATH_MAX];
    size_t nc = 0;
    if (exe[0])
        snprintf(cands[nc++], sizeof cands[0], "%s/scenarios/" DEFAULT_SCENARIO, exe);
    snprintf(cands[nc++], sizeof cands[0], "scenarios/" DEFAULT_SCENARIO);
    if (exe[0])
        snprintf(cands[nc++], sizeof cands[0], "%s/../share/autoscale-sim/scenarios/" DEFAULT_SCENARIO, exe);
    snprintf(cands[nc++], sizeof cands[0], ASIM_PREFIX "/share/autoscale-sim/scenarios/" DEFAULT_SCENARIO);
    size_t used = 0;
    tried[0] = 0;
    for (size_t i = 0; i < nc; i++) {
        if (file_exists(cands[i])) {
            if (snprintf(out, len, "%s", cands[i]) >= (int)len)
                continue;
            return 0;
        }
        if (used < tlen)
            used += (size_t)snprintf(tried + used, tlen - used, "%s%s", i ? ", " : "", cands[i]);
    }
    return -1;
}

/* The directories of path (each prefix ending at a '/', then path) that do
 * not exist yet, shallowest first: what asim_mkdirs will create. */
typedef struct created {
    char *dirs[64];
    size_t n;
} created;

static void plan_dirs(const char *path, created *c)
{
    char *p = asim_strdup(path);
    size_t len = strlen(p);
    for (size_t i = 1; i <= len && c->n < ASIM_ARRAY_LEN(c->dirs); i++) {
        if (p[i] != '/' && p[i] != 0)
            continue;
        char saved = p[i];
        p[i] = 0;
        struct stat st;
        if (stat(p, &st) != 0 && errno == ENOENT)
            c->dirs[c->n++] = asim_strdup(p);
        p[i] = saved;
    }
    asim_free(p);
}

/* Undo plan_dirs after a failed run: the files in the deepest directory
 * (written by this run, since it did not exist before), then the
 * directories, deepest first.  rmdir refuses non-empty ones, so nothing
 * else can be lost. */
static void remove_created(created *c)
{
    if (c->n > 0) {
        const char *leaf = c->dirs[c->n - 1];
        DIR *d = opendir(leaf);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char f[PATH_MAX + 300];
                snprintf(f, sizeof f, "%s/%s", leaf, e->d_name);
                struct stat st;
                if (lstat(f, &st) == 0 && S_ISREG(st.st_mode))
                    unlink(f);
            }
            closedir(d);
        }
    }
    for (size_t i = c->n; i-- > 0;)
        rmdir(c->dirs[i]);
}


/* ---- the output set changes all together ------------------------------------
 * The run writes into a fresh staging directory beside --out (mkdtemp, same
 * file system), which replaces --out only once every file is complete: a
 * failed or interrupted run leaves --out as it was, and a new run never
 * leaves its CSVs beside an older summary.json. */

static char stage_dir[PATH_MAX];
static volatile int stage_fd = -1;
static char made_out[PATH_MAX];       /* --out when this run created it (removed on a signal) */

static void stage_remove(void)
{
    int fd = stage_fd;
    if (fd < 0)
        return;
    stage_fd = -1;
    asim_cleanup_empty_dir_fd(fd);
    close(fd);
    rmdir(stage_dir);
}

/* SIGINT/SIGTERM/SIGHUP during the simulation: remove the staging directory,
 * then die of the signal as before (exit 130 for ^C). */
static void on_stop_signal(int sig)
{
    stage_remove();
    if (made_out[0])
        rmdir(made_out);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* What --out may be: absent, empty, or a previous run's directory (it has
 * summary.json and only regular files), which the new run replaces whole.
 * Anything else is refused before simulating, so no user file is lost. */
static int check_out_dir(const char *out, asim_err *err)
{
    const char *leaf = strrchr(out, '/');
    leaf = leaf ? leaf + 1 : out;
    if (!strcmp(leaf, ".") || !strcmp(leaf, ".."))
        return asim_err_set(err, ASIM_EINPUT, "--out %s: name a directory, not '.' or '..'", out);
    struct stat st;
    if (stat(out, &st) != 0)
        return ASIM_OK;
    if (!S_ISDIR(st.st_mode))
        return asim_err_set(err, ASIM_EINPUT, "--out %s exists and is not a directory", out);
    DIR *d = opendir(out);
    if (!d)
        return asim_err_set(err, ASIM_EINPUT, "--out %s: %s", out, strerror(errno));
    int entries = 0, summary = 0;
    char odd[300] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        char f[PATH_MAX + 300];
        snprintf(f, sizeof f, "%s/%s", out, e->d_name);
        if (lstat(f, &st) != 0 || !S_ISREG(st.st_mode))
            snprintf(odd, sizeof odd, "%s", e->d_name);
        if (!strcmp(e->d_name, "summary.json"))
            summary = 1;
    }
    closedir(d);
    if (entries && (!summary || odd[0]))
        return asim_err_set(err, ASIM_EINPUT, "--out %s exists and is not a run directory (%s%s); a run "
                            "replaces a previous run's directory whole, so choose a new or empty one", out,
                            odd[0] ? "it holds " : "no summary.json", odd);
    return ASIM_OK;
}

/* mkdtemp a staging directory ".<leaf>.tmp.XXXXXX" beside out. */
static int stage_create(const char *out, asim_err *err)
{
    const char *slash = strrchr(out, '/');
    int plen = slash ? (int)(slash - out) + 1 : 0;
    if (snprintf(stage_dir, sizeof stage_dir, "%.*s.%s.tmp.XXXXXX", plen, out, slash ? slash + 1 : out) >=
            (int)sizeof stage_dir ||
        !mkdtemp(stage_dir))
        return asim_err_set(err, ASIM_ERUNTIME, "cannot create a staging directory beside %s: %s", out,
                            strerror(errno));
    mode_t mask = umask(0);                        /* mkdtemp makes 0700; a run dir is as mkdir makes it */
    umask(mask);
    chmod(stage_dir, 0777 & ~mask);
    int fd = open(stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        rmdir(stage_dir);
        return asim_err_set(err, ASIM_ERUNTIME, "cannot open %s: %s", stage_dir, strerror(e));
    }
    stage_fd = fd;
    return ASIM_OK;
}

/* Put the staging directory in place of out: a plain rename when out is
 * empty, else an atomic exchange (renameat2 RENAME_EXCHANGE) and removal of
 * the old files, now in the staging path. */
static int stage_publish(const char *out, asim_err *err)
{
    if (rename(stage_dir, out) == 0) {
        close(stage_fd);
        stage_fd = -1;
        return ASIM_OK;
    }
    if (errno != ENOTEMPTY && errno != EEXIST)
        return asim_err_set(err, ASIM_ERUNTIME, "cannot move the outputs into %s: %s", out, strerror(errno));
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
    if (syscall(SYS_renameat2, AT_FDCWD, stage_dir, AT_FDCWD, out, RENAME_EXCHANGE) != 0)
        return asim_err_set(err, ASIM_ERUNTIME, "cannot replace %s with the new outputs: %s", out,
                            strerror(errno));
    /* stage_fd follows the new files (now at out); the old ones are at the
     * staging path. */
    close(stage_fd);
    stage_fd = open(stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    stage_remove();                      /* the previous run's files */
    return ASIM_OK;
}

static void free_created(created *c)
{
    for (size_t i = 0; i < c->n; i++)
        asim_free(c->dirs[i]);
    c->n = 0;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A metric as text, "-" when absent or undefined. */
static const char *metric(const asim_summary *s, const char *name, const char *fmt, char *buf, size_t len)
{
    int found = 0;
    double v = asim_summary_get(s, name, &found);
    if (!found || isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, fmt, v);
    return buf;
}

/* 3 significant digits with a k/M/G suffix: "120k", "5.11M". */
static const char *si(double v, char *buf, size_t len)
{
    static const char *const suffix[] = {"", "k", "M", "G", "T"};
    size_t i = 0;
    while (fabs(v) >= 1000 && i + 1 < ASIM_ARRAY_LEN(suffix)) {
        v /= 1000;
        i++;
    }
    snprintf(buf, len, "%.3g%s", v, suffix[i]);
    return buf;
}

static void print_summary(const asim_config *cfg, uint64_t seed, const char *out_dir,
                          const asim_summary *s, const asim_run_stats *st, double wall)
{
    char a[40], b[40], c[40], d[40], e[40];
    printf("scenario   %s, seed %llu, %g s simulated\n", cfg->name, (unsigned long long)seed,
           st->simulated_seconds);
    printf("requests   %s (rejected %s, timed out %s)\n", metric(s, "requests", "%.0f", a, sizeof a),
           metric(s, "rejected", "%.0f", b, sizeof b), metric(s, "timeouts", "%.0f", c, sizeof c));
    printf("latency    mean %s s, p95 %s s, p99 %s s\n", metric(s, "latency_mean", "%.3f", a, sizeof a),
           metric(s, "latency_p95", "%.3f", b, sizeof b), metric(s, "latency_p99", "%.3f", c, sizeof c));
    printf("scaling    %s up, %s down, first scale-up at %s s; replicas max %s, mean %s\n",
           metric(s, "scale_ups", "%.0f", a, sizeof a), metric(s, "scale_downs", "%.0f", b, sizeof b),
           metric(s, "time_to_first_scale_up", "%.1f", c, sizeof c),
           metric(s, "max_replicas_seen", "%.0f", d, sizeof d), metric(s, "mean_replicas", "%.2f", e, sizeof e));
    printf("capacity   %s replica-seconds, %s s above the scale-up threshold\n",
           metric(s, "replica_seconds", "%.0f", a, sizeof a),
           metric(s, "seconds_above_scale_up_threshold", "%.0f", b, sizeof b));
    if (wall < 1e-6)
        wall = 1e-6;      /* the clock's grain: keeps the rates finite */
    printf("wall time  %.3f s: %s simulated s per wall s, %s events/s, %s requests/s\n", wall,
           si(st->simulated_seconds / wall, a, sizeof a), si((double)st->events / wall, b, sizeof b),
           si((double)st->requests / wall, c, sizeof c));
    printf("output     %s/\n", out_dir);
}

/* The seed's frozen-gauge pathology, named even with --quiet. */
static void warn_frozen(const asim_config *cfg, const asim_summary *s)
{
    int found = 0;
    double frozen = asim_summary_get(s, "frozen_gauge_actions", &found);
    if (found && frozen > 0)
        fprintf(stderr, "autoscale-sim run: warning: the scaler acted %.0f time(s) on a frozen gauge "
                "(no request completed since the previous check; app.response_time_gauge=%s): "
                "see scaler.log and events.csv\n", frozen,
                cfg->app.gauge == ASIM_GAUGE_LAST_REQUEST ? "last_request" : "window_mean");
}

/* --plot / --report: the feature's command on the output directory. */
static int follow_up(int (*fn)(int, char **), const char *name, const char *out_dir)
{
    char *argv[] = {(char *)name, (char *)out_dir, NULL};
    return fn(2, argv);
}

/* --duration and --seed are --set in disguise; their messages name them. */
static int set_option(asim_config *cfg, const char *option, const char *path, const char *value, asim_err *err)
{
    char *a = asim_malloc(strlen(path) + strlen(value) + 2);
    sprintf(a, "%s=%s", path, value);
    int rc = asim_config_set(cfg, a, err);
    asim_free(a);
    if (rc && strncmp(err->msg, "--set", 5) == 0) {
        /* "--set: ..." -> "--seed: ...": shift the text, then write the name. */
        size_t ol = strlen(option), ml = strlen(err->msg);
        if (ml - 5 + ol >= sizeof err->msg)
            ml = sizeof err->msg - 1 - ol + 5;
        memmove(err->msg + ol, err->msg + 5, ml - 5);
        err->msg[ml - 5 + ol] = 0;
        memcpy(err->msg, option, ol);
    }
    return rc;
}

enum { OPT_EXPORT = 1000, OPT_PLOT, OPT_REPORT, OPT_FORCE, OPT_RUN_LABEL, OPT_TRACE, OPT_FROM, OPT_PROMCFG };

/* Was a setting given with --set (the last part of a "path=value")? */
static int was_set(const char *const *sets, size_t n, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < n; i++)
        if (strncmp(sets[i], path, len) == 0 && sets[i][len] == '=') return 1;
    return 0;
}

/* --trace options, applied after the --set ones (each as "traces=[...]"),
 * appended to sets so validation can blame them. */
static int add_traces(asim_config *cfg, const char *const *traces, size_t ntraces, const char **sets,
                      size_t *nsets, char **owned, asim_err *err)
{
    for (size_t i = 0; i < ntraces; i++) {
        char *set = asim_cli_trace_set(cfg, traces[i], err);
        if (!set) return ASIM_EINPUT;
        owned[i] = set;
        sets[(*nsets)++] = set;
        int rc = asim_config_set(cfg, set, err);
        if (rc) return rc;
    }
    return 0;
}

int asim_cmd_run(int argc, char **argv)
{
    static const struct option own[] = {
        {"export", required_argument, NULL, OPT_EXPORT},
        {"plot", no_argument, NULL, OPT_PLOT},
        {"report", no_argument, NULL, OPT_REPORT},
        {"force", no_argument, NULL, OPT_FORCE},
        {"run-label", required_argument, NULL, OPT_RUN_LABEL},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"from", required_argument, NULL, OPT_FROM},
        {"prometheus-config", required_argument, NULL, OPT_PROMCFG},
        {NULL, 0, NULL, 0},
    };
    asim_cli_opts opt;
    asim_cli_opts_init(&opt, "run", ASIM_CLI_SCENARIO, own, argc);
    opt.usage = usage;
    const char *scenario = NULL;
    int plot = 0, report = 0, force = 0, rc = 0;
    const char **traces = asim_calloc((size_t)argc + 1, sizeof *traces);
    char **owned = asim_calloc((size_t)argc + 1, sizeof *owned);
    size_t ntraces = 0;
    const char **from = asim_calloc((size_t)argc + 1, sizeof *from);
    const char *promcfg = NULL;
    size_t nfrom = 0;
    unsigned flags = 0;

    int o;
    while ((o = asim_cli_next(&opt, argc, argv)) > 0) {
        switch (o) {
        case OPT_PLOT:     plot = 1; break;
        case OPT_REPORT:   report = 1; break;
        case OPT_FORCE:    force = 1; break;
        case OPT_RUN_LABEL:
            if (!*optarg || asim_utf8_error((const unsigned char *)optarg) >= 0) {
                rc = fail(2, "--run-label: expected a non-empty UTF-8 name");
                goto done;
            }
            asim_simulate_set_run_label(optarg);
            flags |= ASIM_RUN_OM_LABELS;
            break;
        case OPT_TRACE:    traces[ntraces++] = optarg; break;
        case OPT_FROM:     from[nfrom++] = optarg; break;
        case OPT_PROMCFG:  promcfg = optarg; break;
        case OPT_EXPORT:
            if (strcmp(optarg, "openmetrics") != 0) {
                rc = fail(2, "--export: unknown format '%s' (supported: openmetrics)", optarg);
                goto done;
            }
            flags |= ASIM_RUN_OPENMETRICS;
            break;
        }
    }
    if (o < 0) {
        rc = opt.rc;
        goto done;
    }
    if (optind < argc)
        scenario = argv[optind++];
    if (optind < argc) {
        rc = fail(2, "more than one scenario given ('%s' and '%s')", scenario, argv[optind]);
        goto done;
    }

    if ((flags & ASIM_RUN_OM_LABELS) && !(flags & ASIM_RUN_OPENMETRICS)) {
        rc = fail(2, "--run-label labels the OpenMetrics export: give --export openmetrics too");
        goto done;
    }

    /* Resolve and check everything before writing anything. */
    asim_config cfg;
    asim_err err;
    char path[PATH_MAX + 64], tried[1200];
    asim_config_defaults(&cfg);
    if (!scenario) {
        if (find_default(path, sizeof path, tried, sizeof tried) != 0) {
            rc = fail(2, "no scenario given and the bundled default was not found (looked for %s)", tried);
            goto free_cfg;
        }
        scenario = path;
    }
    int trace_duration = opt.duration && strcmp(opt.duration, "trace") == 0;
    if ((rc = asim_config_load(&cfg, scenario, &err)) != 0 ||
        (rc = asim_import_apply(&cfg, from, nfrom, promcfg, stderr, &err)) != 0)
        goto bad_input;
    asim_config file_cfg;                   /* the scenario as its file says, for naming */
    asim_config_copy(&file_cfg, &cfg);
    if ((rc = asim_config_set_all(&cfg, opt.sets, opt.nsets, &err)) != 0 ||
        (rc = add_traces(&cfg, traces, ntraces, opt.sets, &opt.nsets, owned, &err)) != 0 ||
        (opt.duration && !trace_duration && (rc = set_option(&cfg, "--duration", "duration", opt.duration, &err)) != 0) ||
        (opt.seed && (rc = set_option(&cfg, "--seed", "seed", opt.seed, &err)) != 0) ||
        (rc = asim_config_validate_sets(&cfg, opt.sets, opt.nsets, &err)) != 0) {
        asim_config_free(&file_cfg);
        goto bad_input;
    }
    asim_replayed_rename(&cfg, &file_cfg, was_set(opt.sets, opt.nsets, "name"), was_set(opt.sets, opt.nsets, "description"));
    asim_config_free(&file_cfg);
    if (trace_duration) {
        double end = 0;
        char text[64];
        if ((rc = asim_replayed_end(&cfg, &end, &err)) != 0)
            goto bad_input;
        snprintf(text, sizeof text, "%.17g", end);
        if ((rc = set_option(&cfg, "--duration", "duration", text, &err)) != 0 ||
            (rc = asim_config_validate_sets(&cfg, opt.sets, opt.nsets, &err)) != 0)
            goto bad_input;
    }
    if ((rc = asim_budget_check(&cfg, force, NULL, &err)) != 0)
        goto bad_input;

    char out_dir[PATH_MAX];
    asim_cli_out_dir(out_dir, sizeof out_dir, opt.out, cfg.name, "");

    created made = {.n = 0};
    if ((rc = check_out_dir(out_dir, &err)) != 0) {
        rc = fail(2, "%s", err.msg);
        goto free_cfg;
    }
    plan_dirs(out_dir, &made);
    /* one run at a time into one --out: a flock on the directory itself,
     * held through the swap and, on the new directory, through --plot */
    if ((rc = asim_mkdirs(out_dir, &err)) != 0 || (rc = asim_dir_lock_inode(out_dir, &err)) != 0 ||
        (rc = check_out_dir(out_dir, &err)) != 0 || (rc = stage_create(out_dir, &err)) != 0) {
        remove_created(&made);
        free_created(&made);
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto free_cfg;
    }
    if (made.n > 0)
        snprintf(made_out, sizeof made_out, "%s", out_dir);
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    if (!opt.quiet)
        flags |= ASIM_RUN_PROGRESS;
    flags |= ASIM_RUN_WARNINGS;
    asim_summary sum;
    asim_run_stats stats = {0, 0, 0};
    double t0 = wall_now();
    rc = asim_simulate(&cfg, cfg.seed, stage_dir, flags, &sum, &stats, &err);
    double wall = wall_now() - t0;
    if (rc == 0)
        rc = stage_publish(out_dir, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (rc) {
        stage_remove();
        remove_created(&made);
        free_created(&made);
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto free_cfg;
    }
    free_created(&made);
    if ((plot || report) && asim_dir_lock_inode(out_dir, &err) != 0) {
        /* another run took the new directory at once: draw anyway */
    }
    if (!opt.quiet)
        print_summary(&cfg, cfg.seed, out_dir, &sum, &stats, wall);
    fflush(stdout);
    warn_frozen(&cfg, &sum);
    if (plot && (rc = follow_up(asim_cmd_plot, "plot", out_dir)) != 0)
        goto free_cfg;
    if (report)
        rc = follow_up(asim_cmd_report, "report", out_dir);
    goto free_cfg;

bad_input:
    rc = fail(rc == ASIM_ERUNTIME ? 1 : 2, "%s", err.msg);
free_cfg:
    asim_config_free(&cfg);
done:
    for (size_t i = 0; i < ntraces; i++)
        asim_free(owned[i]);
    asim_free(owned);
    asim_free(traces);
    asim_cli_opts_free(&opt);
    asim_free(from);
    return rc;
}
