/* policy_scheduled.h -- the schedule floors of the "scheduled" policy,
 * exposed for tests and reports. */
#ifndef ASIM_POLICY_SCHEDULED_H
#define ASIM_POLICY_SCHEDULED_H

#include "sim/engine/common.h"
#include "models/scaling/policies_cfg.h"
#include "models/scaling/policy_util.h"

/* The highest min_replicas among the rules in force at simulated `now`
 * (0 when none is); *rule gets its index (-1 when none).  O(rules). */
int asim_schedule_floor(const asim_schedule_cfg *c, const asim_wallclock *w, asim_time now, int *rule);

#endif
