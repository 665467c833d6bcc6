/* cli.h -- what the commands (sim/cmd_*.c) share when they talk to the user:
 * the "autoscale-sim <command>: error: ..." message, getopt_long's errors,
 * and the text of --seed.
 *
 * Messages go to stderr, exactly as commands.h describes them; nothing here
 * exits or keeps state. */
#ifndef ASIM_CLI_H
#define ASIM_CLI_H

#include <stdarg.h>
#include <stdint.h>
#include "sim/engine/common.h"
#include "models/scenario/config.h"

/* Print "autoscale-sim <cmd>: error: <fmt...>\n" to stderr and return rc, so
 * a command writes `return asim_cli_error("run", 2, "...", ...);`. */
int asim_cli_error(const char *cmd, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int asim_cli_verror(const char *cmd, int rc, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* For getopt_long called with a leading ':' in its option string (and
 * opterr = 0), after it returned o = ':' or '?': report the missing value
 * or the unknown option (using optind and optopt) as
 *   option '--x' needs a value (see autoscale-sim <cmd> --help)
 *   unknown option '-x' (see autoscale-sim <cmd> --help)
 * and return 2. */
int asim_cli_getopt_error(const char *cmd, int o, char *const *argv);

/* Parse a --seed text: a whole number >= 0 in decimal (strtoull's syntax
 * without a sign; values above 2^64-1 saturate).  0 with *seed set, or -1
 * (*seed untouched). */
int asim_cli_parse_seed(const char *text, uint64_t *seed);

/* Parse a count such as --reps: a decimal number without a sign (leading
 * white space skipped, as strtoul does) with lo <= value <= hi.  0 with *v
 * set, or -1 (*v untouched). */
int asim_cli_parse_ulong(const char *text, unsigned long lo, unsigned long hi, unsigned long *v);

/* --trace FILE[:key=value,...]: one more trace with any of a scenario
 * trace's keys (doc/traces.md), as the assignment "traces=[...]" (the
 * scenario's traces plus this one) for asim_config_set.  Options are split at
 * a ':' or ',' followed by "key=", so window=14:00,16:00 keeps its comma;
 * numbers, true/false and [arrays] are JSON, anything else a string.  The
 * caller frees the text; NULL with err on a malformed argument. */
char *asim_cli_trace_set(const asim_config *cfg, const char *arg, asim_err *err);

#endif
