/* sweep_check.c -- what a sweep checks before it spends a run.
 *
 * A sweep of many configurations should fail at once, not after its runs,
 * when a configuration is too big to simulate (the run budget, budget.h,
 * applied to each one as `run` applies it) or when an objective names a
 * metric no run reports.  The metric names of a run depend on its settings
 * (alert names, classes), so they are taken from a one-second simulation of
 * the first configuration that validates, without files. */
#include "sim/sweep/sweep.h"

#include <string.h>

#include "sim/config/settings.h"
#include "sim/run/budget.h"
#include "sim/run/simulate.h"
#include "sim/sweep/pool.h"

int asim_sweep_check_budget(const asim_sweep *sw, int force, asim_err *err)
{
    for (size_t c = 0; c < sw->nconfigs; c++) {
        if (!asim_sweep_in_shard(sw, c))
            continue;
        char *assign = asim_sweep_assignments(sw, c);
        asim_config cfg;
        asim_err berr;
        int rc = asim_pool_build_config(&cfg, &sw->base, assign, &berr);
        if (rc == 0)     /* an invalid configuration is reported by its runs */
            rc = asim_budget_check(&cfg, force, &berr);
        else
            rc = 0;
        asim_config_free(&cfg);
        if (rc) {
            for (char *p = assign; *p; p++)
                if (*p == '\n') *p = p[1] ? ' ' : 0;
            asim_err_set(err, rc, "configuration %zu (%s): %s", c, assign, berr.msg);
            asim_free(assign);
            return rc;
        }
        asim_free(assign);
    }
    return 0;
}
