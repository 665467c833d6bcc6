/* cli_opts.c -- the options several commands share (see cli_opts.h).
 *
 * The texts of the messages are those each command wrote before the
 * options were shared; the tests in tests/cli/ hold them. */
#include "sim/cli/cli_opts.h"

#include <string.h>

#include "sim/cli/cli.h"
#include "sim/config/settings.h"
#include "sim/report/plot.h"

/* The shared long options, each with the group that brings it. */
static const struct {
    unsigned group;
    struct option opt;
} shared[] = {
    {ASIM_CLI_OUT, {"out", required_argument, NULL, 'o'}},
    {ASIM_CLI_QUIET, {"quiet", no_argument, NULL, 'q'}},
    {ASIM_CLI_SET, {"set", required_argument, NULL, ASIM_OPT_SET}},
    {ASIM_CLI_SEED, {"seed", required_argument, NULL, ASIM_OPT_SEED}},
    {ASIM_CLI_DURATION, {"duration", required_argument, NULL, ASIM_OPT_DURATION}},
    {ASIM_CLI_JOBS, {"jobs", required_argument, NULL, 'j'}},
    {ASIM_CLI_OBJECTIVE, {"minimize", required_argument, NULL, ASIM_OPT_MINIMIZE}},
    {ASIM_CLI_OBJECTIVE, {"maximize", required_argument, NULL, ASIM_OPT_MAXIMIZE}},
    {ASIM_CLI_OBJECTIVE, {"subject-to", required_argument, NULL, ASIM_OPT_SUBJECT_TO}},
    {ASIM_CLI_PLOT, {"plot", no_argument, NULL, ASIM_OPT_PLOT}},
    {ASIM_CLI_PLOT, {"plot-metric", required_argument, NULL, ASIM_OPT_PLOT_METRIC}},
    {ASIM_CLI_PLOT, {"format", required_argument, NULL, ASIM_OPT_FORMAT}},
};
#define NSHARED (sizeof shared / sizeof shared[0])

void asim_cli_opts_init(asim_cli_opts *c, const char *cmd, unsigned take, const struct option *own, int argc)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->take = take;
    c->own = own;
    c->own_short = "";
    c->formats = ASIM_FMT_PNG;
    c->sets = asim_calloc((size_t)argc + 1, sizeof *c->sets);
    c->subj = asim_calloc((size_t)argc + 1, sizeof *c->subj);
}

void asim_cli_opts_free(asim_cli_opts *c)
{
    asim_free(c->sets);
    asim_free(c->subj);
    asim_free(c->table);
    c->sets = c->subj = NULL;
    c->table = NULL;
}

/* The merged table and option string, built on the first call. */
static void build_table(asim_cli_opts *c)
{
    size_t nown = 0;
    while (c->own && c->own[nown].name)
        nown++;
    c->table = asim_calloc(NSHARED + nown + 2, sizeof *c->table);
    size_t n = 0;
    for (size_t i = 0; i < nown; i++)
        c->table[n++] = c->own[i];
    for (size_t i = 0; i < NSHARED; i++)
        if (c->take & shared[i].group)
            c->table[n++] = shared[i].opt;
    c->table[n++] = (struct option){"help", no_argument, NULL, 'h'};
    snprintf(c->shortopts, sizeof c->shortopts, ":%s%s%s%sh", c->take & ASIM_CLI_OUT ? "o:" : "",
             c->take & ASIM_CLI_JOBS ? "j:" : "", c->take & ASIM_CLI_QUIET ? "q" : "", c->own_short);
}

static int stop(asim_cli_opts *c, int rc)
{
    c->rc = rc;
    return -1;
}

/* getopt's ':' (a value missing) or '?' (an unknown option). */
static int getopt_failed(asim_cli_opts *c, int o, char **argv)
{
    if (!c->see)
        return stop(c, asim_cli_getopt_error(c->cmd, o, argv));
    if (o == ':')
        return stop(c, asim_cli_error(c->cmd, 2, "%s needs a value", argv[optind - 1]));
    return stop(c, asim_cli_error(c->cmd, 2, "unknown option '%s' (see %s)", argv[optind - 1], c->see));
}

/* Store one shared option; 1 if o was one, 0 if it is the command's, -1
 * on a bad value. */
static int take_shared(asim_cli_opts *c, int o)
{
    switch (o) {
    case 'o': c->out = optarg; return 1;
    case 'q': c->quiet = 1; return 1;
    case ASIM_OPT_SET: c->sets[c->nsets++] = optarg; return 1;
    case ASIM_OPT_SEED: c->seed = optarg; return 1;
    case ASIM_OPT_DURATION: c->duration = optarg; return 1;
    case ASIM_OPT_MINIMIZE: c->minimize = optarg; return 1;
    case ASIM_OPT_MAXIMIZE: c->maximize = optarg; return 1;
    case ASIM_OPT_SUBJECT_TO: c->subj[c->nsubj++] = optarg; return 1;
    case ASIM_OPT_PLOT: c->plot = 1; return 1;
    case ASIM_OPT_PLOT_METRIC: c->plot_metric = optarg; c->plot = 1; return 1;
    case 'j':
        if (asim_cli_parse_ulong(optarg, 1, 255ul, &c->jobs) != 0)
            return stop(c, asim_cli_error(c->cmd, 2, "--jobs '%s': expected a whole number from 1 to 255", optarg));
        return 1;
    case ASIM_OPT_FORMAT:
        if (asim_plot_parse_formats(optarg, &c->formats) != 0)
            return stop(c, asim_cli_error(c->cmd, 2, "--format '%s': expected png, svg, pdf (comma-separated) or all",
                                          optarg));
        return 1;
    default: return 0;
    }
}

int asim_cli_next(asim_cli_opts *c, int argc, char **argv)
{
    if (!c->table) {
        build_table(c);
        optind = 0;     /* GNU: full re-initialisation (commands may be called twice in tests) */
        opterr = 0;
    }
    int o;
    while ((o = getopt_long(argc, argv, c->shortopts, c->table, NULL)) != -1) {
        if (o == 'h') {
            if (c->usage)
                c->usage(stdout);
            else
                fputs(c->usage_text, stdout);
            return stop(c, 0);
        }
        if (o == ':' || o == '?')
            return getopt_failed(c, o, argv);
        int t = take_shared(c, o);
        if (t < 0)
            return -1;
        if (t == 0)
            return o;
    }
    return 0;
}

int asim_cli_load_config(const asim_cli_opts *c, const char *scenario, asim_config *cfg)
{
    asim_err err;
    asim_config_defaults(cfg);
    int rc = 0;
    if (scenario)
        rc = asim_config_load(cfg, scenario, &err);
    for (size_t i = 0; rc == 0 && i < c->nsets; i++)
        rc = asim_config_set(cfg, c->sets[i], &err);
    if (rc == 0)
        rc = asim_config_validate(cfg, &err);
    return rc ? asim_cli_error(c->cmd, rc, "%s", err.msg) : 0;
}

int asim_cli_build_config(const asim_cli_opts *c, const char *scenario, asim_config *cfg, uint64_t *seed,
                          asim_err *err)
{
    asim_config_defaults(cfg);
    int rc = asim_config_build(cfg, scenario, c->sets, c->nsets, c->duration, err);
    if (rc)
        return rc;
    *seed = cfg->seed;
    if (c->seed && asim_cli_parse_seed(c->seed, seed) != 0)
        return asim_err_set(err, ASIM_EINPUT, "--seed '%s': expected a whole number >= 0", c->seed);
    return 0;
}

void asim_cli_out_dir(char *dir, size_t len, const char *out, const char *name, const char *suffix)
{
    if (out)
        snprintf(dir, len, "%s", out);
    else
        snprintf(dir, len, "results/%s%s", name, suffix);
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        dir[--l] = 0;
}

int asim_cli_sink_open(asim_cli_sink *s, const char *path, asim_err *err)
{
    memset(s, 0, sizeof *s);
    s->f = stdout;
    s->path = path;
    if (!path)
        return 0;
    int rc = asim_afile_open(&s->af, path, err);
    s->f = s->af.f;
    return rc;
}

int asim_cli_sink_close(asim_cli_sink *s, int rc, const char *cmd)
{
    asim_err err;
    if (s->path && s->af.f) {
        if (rc)
            asim_afile_abort(&s->af);
        else if ((rc = asim_afile_commit(&s->af, &err)) != 0)
            asim_cli_error(cmd, rc, "%s", err.msg);
    } else if (!s->path && fflush(stdout) != 0) {
        rc = asim_cli_error(cmd, 1, "cannot write to standard output");
    }
    return rc;
}
