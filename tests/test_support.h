/* test_support.h -- set-ups several unit tests share (header-only, like
 * check.h: every tests/test_*.c is its own program, so a tests/test_*.c
 * file of helpers would be built and run as a test).
 *
 *   ts_policy: a scaling policy's state from the default settings with
 *   some --set style assignments laid over them, as the run loop builds it;
 *   ts_decide: one decision of it. */
#ifndef ASIM_TEST_SUPPORT_H
#define ASIM_TEST_SUPPORT_H

#include "check.h"
#include "models/scaling/policy.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"

/* The policy `name` built from the defaults with base, then sets, laid over
 * them (NULL-terminated lists of KEY=VALUE; either may be NULL), every step
 * CHECKed.  *cfg is freed first (a static config starts zeroed, which frees
 * as a no-op) and keeps the settings the state was built from; *pm receives
 * the policy's methods.  NULL when the policy refuses the settings. */
static inline void *ts_policy(asim_config *cfg, const char *name, const char *const *base,
                              const char *const *sets, const asim_policy_methods **pm)
{
    asim_config_free(cfg);
    asim_config_defaults(cfg);
    asim_err err = {""};
    for (size_t i = 0; base && base[i]; i++)
        CHECK_MSG(asim_config_set(cfg, base[i], &err) == 0, "%s: %s", base[i], err.msg);
    for (size_t i = 0; sets && sets[i]; i++)
        CHECK_MSG(asim_config_set(cfg, sets[i], &err) == 0, "%s: %s", sets[i], err.msg);
    CHECK_MSG(asim_config_validate(cfg, &err) == 0, "%s", err.msg);
    *pm = asim_policy_find(name);
    CHECK(*pm != NULL);
    if (!*pm)
        return NULL;
    void *st = (*pm)->create(cfg, &err);
    CHECK_MSG(st != NULL, "%s", err.msg);
    return st;
}

/* One decision at t seconds on metric m (no query result) with r replicas,
 * all ready. */
static inline asim_policy_out ts_decide(const asim_policy_methods *pm, void *st, double t, double m, int r)
{
    asim_policy_obs o = {ASIM_SEC(t), m, NULL, NULL, r, r, 0};
    asim_policy_out out;
    pm->decide(st, &o, &out);
    return out;
}

#endif
