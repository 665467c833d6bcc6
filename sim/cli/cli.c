/* cli.c -- the commands' shared messages and option texts (see cli.h).
 *
 * Every command's usage error reads "autoscale-sim <cmd>: error: ...", so
 * the prefix is written in one place; the texts after it stay the
 * commands' own. */
#include "sim/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int asim_cli_verror(const char *cmd, int rc, const char *fmt, va_list ap)
{
    fprintf(stderr, "autoscale-sim %s: error: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    return rc;
}

int asim_cli_error(const char *cmd, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asim_cli_verror(cmd, rc, fmt, ap);
    va_end(ap);
    return rc;
}

int asim_cli_getopt_error(const char *cmd, int o, char *const *argv)
{
    if (o == ':')
        return asim_cli_error(cmd, 2, "option '%s' needs a value (see autoscale-sim %s --help)", argv[optind - 1],
                              cmd);
    if (optopt)
        return asim_cli_error(cmd, 2, "unknown option '-%c' (see autoscale-sim %s --help)", optopt, cmd);
    return asim_cli_error(cmd, 2, "unknown option '%s' (see autoscale-sim %s --help)", argv[optind - 1], cmd);
}

int asim_cli_parse_seed(const char *text, uint64_t *seed)
{
    char *end;
    unsigned long long s = strtoull(text, &end, 10);
    if (!*text || *end || *text == '-')
        return -1;
    *seed = s;
    return 0;
}

int asim_cli_parse_ulong(const char *text, unsigned long lo, unsigned long hi, unsigned long *v)
{
    char *end;
    if (!*text || *text == '-' || *text == '+')
        return -1;
    unsigned long x = strtoul(text, &end, 10);
    if (*end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

void asim_cli_budget_no_force(asim_err *err, const char *command)
{
    char *f = strstr(err->msg, ", or pass --force to run it anyway");
    if (f)
        snprintf(f, sizeof err->msg - (size_t)(f - err->msg), "; %s has no --force: run such a configuration alone "
                 "with `autoscale-sim run --force`", command);
}
