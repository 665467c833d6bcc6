/* replayed.h -- what a run replays, said honestly.
 *
 * A run that replays traces is described by them: summary.json gets a
 * "replays" array (each trace's file, the span of it that plays, in RFC 3339
 * and as sim offsets, how many of its records fall within the run), the
 * report and figures show it, and a trace longer or shorter than the run is
 * a warning with both lengths.  `--duration trace` asks for the run length
 * that plays the traces exactly.  And when traces were added or changed on
 * the command line (--set trace.path=..., --trace FILE), the scenario's own
 * name and description no longer describe the run: it is renamed after what
 * it replays. */
#ifndef ASIM_REPLAYED_H
#define ASIM_REPLAYED_H

#include <stdio.h>
#include <cJSON.h>
#include "models/scenario/config.h"
#include "models/stack/sources.h"

typedef struct asim_replayed {
    size_t n;
    asim_sources_trace t[ASIM_TRACE_MAX + 1];
    double duration;              /* s, the run's */
    int profile_too;              /* traffic.profile plays beside the traces */
} asim_replayed;

/* Every trace of the sources, for a run of `duration` seconds.  Reads each
 * trace file once more.  0 or an error code with err. */
int asim_replayed_collect(const asim_sources *s, const asim_config *cfg, asim_replayed *out, asim_err *err);
/* The "replays" array of summary.json (an empty array without traces). */
cJSON *asim_replayed_json(const asim_replayed *r);
/* One line per problem on f, each starting with prefix: a trace the run
 * cuts (both lengths, records played), traces that end before the run does.
 * Returns the number of warnings. */
int asim_replayed_warn(const asim_replayed *r, FILE *f, const char *prefix);

/* `--duration trace`: the sim time at which the last trace ends (one pass of
 * each, with its window, offset, speed-up and alignment).  ASIM_EINPUT when
 * the scenario has no trace or one loops. */
int asim_replayed_end(const asim_config *cfg, double *end, asim_err *err);

/* After --set/--trace: when the traces differ from those of the scenario
 * file (file_cfg) and neither name nor description was set explicitly,
 * rename cfg after what it replays ("manual+my.log") and describe it. */
void asim_replayed_rename(asim_config *cfg, const asim_config *file_cfg, int name_set, int desc_set);

#endif
