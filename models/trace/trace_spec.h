/* trace_spec.h -- a scenario's traces as specs (settings_trace.c, sources.c,
 * cmd_trace.c, sim/run): window bounds as text, a spec's defaults, the
 * trace.* scenario-wide factors folded into each trace, and where a trace's
 * file is. */
#ifndef ASIM_TRACE_SPEC_H
#define ASIM_TRACE_SPEC_H

#include <stddef.h>
#include "sim/engine/common.h"
#include "models/trace/trace.h"

/* A window bound: "" or "null" (none), seconds ("3600", relative to the
 * first record), RFC 3339 (absolute) or "HH:MM[:SS]" (time of day).  0 or -1. */
int asim_trace_when_parse(const char *text, asim_trace_when *w);
/* The bound as text (inverse of the above; RFC 3339 in UTC). */
void asim_trace_when_format(const asim_trace_when *w, char *buf, size_t len);

/* A trace spec with every default (format auto, on_error inherited,
 * speedup/multiplier/thin 1, copy_shift 1 s, resolution by format). */
void asim_trace_spec_defaults(asim_trace_spec *s);

/* The traces a scenario plays, with the trace.* factors folded in (multiplier,
 * speedup, thin multiply; offset adds; loop ors; trace.window overrides;
 * on_error inherited) and the trace.path shortcut appended as a trace named
 * "trace".  Writes up to cap specs, returns the count.  -1 (err filled) when
 * trace.window does not parse. */
int asim_trace_effective(const asim_trace_cfg *tc, asim_trace_spec *out, size_t cap, asim_err *err);

/* Resolve a trace path: absolute as is; relative to the scenario file's
 * directory if that file exists there, else relative to the working
 * directory if it exists there, else the scenario-relative name (so the
 * error names it).  Returns 1 if the result exists, 0 if not. */
int asim_trace_resolve_path(const char *scenario_file, const char *path, char *out, size_t len);

/* With on_error=skip: ASIM_EINPUT (err filled, naming the file, the counts
 * and the first skipped line) when more than max_fraction of the lines the
 * reader has seen (records + skipped) were skipped; 0 otherwise. */
int asim_trace_check_skips(const asim_trace_reader *r, double max_fraction, asim_err *err);

/* --- times in messages ----------------------------------------------- */

/* 1 if a record time is an instant (since the Unix epoch: dates, or epoch
 * numbers after 1973), 0 if it is relative seconds ("0.5"). */
int asim_trace_time_is_absolute(int64_t ns);
/* "+200 s", "-3.250 s". */
void asim_trace_offset_text(double sec, char *buf, size_t len);
/* A record time for messages: "2024-01-15T14:03:20.000Z (+200 s)", the
 * offset counted from origin (usually the trace's first record), in the
 * record's own UTC offset tz; relative times as "2 s".  80 bytes suffice. */
void asim_trace_time_text(int64_t ns, int tz, int64_t origin, char *buf, size_t len);

#endif
