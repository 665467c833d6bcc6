/* policy_scheduled.c -- replica floors by wall-clock time and weekday,
 * wrapped around any other policy (schedule.policy): the result is the
 * larger of the wrapped policy's wish and the floor in force, never above
 * scaler.max_replicas.  The seed's "Time-Based Scaling" example is the
 * default rule: from 09:00 to 17:00 at least 3 replicas.
 *
 * Time: simulated t plus the scenario's start_time, in start_time's own UTC
 * offset (the simulated host's clock); no host clock or time zone is read.
 * A rule [from, to) with to <= from spans midnight and belongs to the day
 * it starts on.  The wrapped policy is asked at every check even when the
 * floor decides, so its own state (breaches, windows, forecasts) stays
 * what it would be without the schedule. */
#include "models/scaling/policy_scheduled.h"

#include "models/scaling/policy_util.h"

#include <stdio.h>
#include <string.h>

typedef struct sched {
    asim_schedule_cfg c;
    int max;
    asim_wallclock clock;
    const asim_policy_methods *inner_m;
    void *inner;
} sched;

int asim_schedule_floor(const asim_schedule_cfg *c, const asim_wallclock *w, asim_time now, int *rule)
{
    int wd;
    double sod;
    asim_wallclock_local(w, now, &wd, &sod);
    double minute = sod / 60.0;
    int floor_ = 0;
    *rule = -1;
    for (int i = 0; i < c->nrules; i++) {
        const asim_schedule_rule *r = &c->rules[i];
        int on;
        if (r->from_min < r->to_min)
            on = (r->days >> wd & 1u) && minute >= r->from_min && minute < r->to_min;
        else                                     /* spans midnight: started today or yesterday */
            on = ((r->days >> wd & 1u) && minute >= r->from_min) ||
                 ((r->days >> ((wd + 6) % 7) & 1u) && minute < r->to_min);
        if (on && r->min_replicas > floor_) {
            floor_ = r->min_replicas;
            *rule = i;
        }
    }
    return floor_;
}

static void *create(const struct asim_config *cfg, asim_err *err)
{
    sched *s = asim_calloc(1, sizeof *s);
    s->c = cfg->ext.policies.schedule;
    s->max = cfg->scaler.max_replicas;
    s->inner_m = asim_policy_find(s->c.policy);
    if (!s->inner_m || s->inner_m == &asim_policy_scheduled) {
        asim_err_set(err, ASIM_EINPUT, "$.schedule.policy: cannot wrap \"%s\" (known: %s)", s->c.policy,
                     asim_policy_names());
        asim_free(s);
        return NULL;
    }
    if (asim_wallclock_init(&s->clock, cfg->start_time, err) ||
        !(s->inner = s->inner_m->create(cfg, err))) {
        asim_free(s);
        return NULL;
    }
    return s;
}

static double interval(const void *state)
{
    const sched *s = state;
    return s->inner_m->interval(s->inner);
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    sched *s = state;
    s->inner_m->decide(s->inner, o, out);
    int rule;
    int fl = asim_schedule_floor(&s->c, &s->clock, o->now, &rule);
    if (fl > s->max)
        fl = s->max;
    if (fl <= out->desired)
        return;                              /* the wrapped policy already wants at least the floor */
    const asim_schedule_rule *r = &s->c.rules[rule];
    char inner_reason[sizeof out->reason];
    memcpy(inner_reason, out->reason, sizeof inner_reason);
    int n = snprintf(out->reason, sizeof out->reason, "schedule floor %d (rule %d, %02d:%02d-%02d:%02d)", fl, rule,
                     r->from_min / 60 % 100, r->from_min % 60, r->to_min / 60 % 100, r->to_min % 60);
    if (n > 0 && (size_t)n < sizeof out->reason - 4 && inner_reason[0]) {
        size_t room = sizeof out->reason - (size_t)n - 3;
        size_t il = strlen(inner_reason);
        if (il > room) il = room;
        memcpy(out->reason + n, "; ", 2);
        memcpy(out->reason + n + 2, inner_reason, il);
        out->reason[n + 2 + il] = 0;
    }
    out->desired = fl;
    out->decision = fl > o->replicas ? ASIM_DEC_SCALE_UP : ASIM_DEC_HOLD;
}

static void actuated(void *state, asim_time now, int replicas)
{
    sched *s = state;
    s->inner_m->actuated(s->inner, now, replicas);
}

static void destroy(void *state)
{
    sched *s = state;
    if (!s)
        return;
    if (s->inner)
        s->inner_m->destroy(s->inner);
    asim_free(s);
}

/* The wrapped policy decided on the metric: its wording stands. */
static void log_state(const void *state, const asim_policy_out *out, FILE *f)
{
    const sched *s = state;
    asim_policy_log_state(s->inner_m, s->inner, out, f);
}

const asim_policy_methods asim_policy_scheduled = {
    .version = ASIM_POLICY_VERSION,
    .name = "scheduled",
    .summary = "replica floors by time of day and weekday (schedule.rules) around schedule.policy: the larger of both",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy,
    .log_state = log_state
};
