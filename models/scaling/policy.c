/* policy.c -- the registry of scaling policies (see policy.h).
 * Adding a policy: define its asim_policy_methods in policy_<name>.c and add
 * one line to `registry`. */
#include "models/scaling/policy.h"

#include <string.h>
#include "models/scaling/policy_util.h"     /* method tables of the policies beyond the seed's */

static const asim_policy_methods *const registry[] = {
    &asim_policy_threshold,
    &asim_policy_hpa,
    &asim_policy_step,
    &asim_policy_target_tracking,
    &asim_policy_predictive,
    &asim_policy_scheduled,
    &asim_policy_cpu,
};

static const char *const decision_names[] = {
    "hold", "scale_up", "scale_down", "cooldown", "at_max", "at_min", "no_data"
};

const char *asim_decision_name(asim_decision d) { return decision_names[d]; }

void asim_policy_decide(const asim_policy_methods *m, void *state, const asim_policy_obs *obs,
                        asim_policy_out *out)
{
    out->metric = obs->metric;
    m->decide(state, obs, out);
}

void asim_policy_log_state(const asim_policy_methods *m, const void *state, const asim_policy_out *out,
                           FILE *f)
{
    if (m->version >= 2 && m->log_state)
        m->log_state(state, out, f);
    else
        fprintf(f, "  \xe2\x80\xa2 Metric (%s policy): %.3f\n", m->name, out->metric);
}

const asim_policy_methods *asim_policy_find(const char *name)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(registry); i++)
        if (strcmp(registry[i]->name, name) == 0) return registry[i];
    return NULL;
}

const char *asim_policy_names(void)
{
    static char buf[512];
    if (!buf[0]) {
        for (size_t i = 0; i < ASIM_ARRAY_LEN(registry); i++) {
            if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
            strncat(buf, registry[i]->name, sizeof buf - strlen(buf) - 1);
        }
    }
    return buf;
}
