/* fuzz_simulate.c -- libFuzzer harness for the whole scenario -> simulate
 * path: any bytes must give an error message, or a config that validates,
 * passes the size budget (budget.h) and simulates a few seconds without a
 * crash, a leak or a sanitizer report.  The duration is cut to 5 s so every
 * input is quick.  Build: make fuzz FUZZ_ONLY=fuzz_simulate. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/run/budget.h"
#include "sim/config/settings.h"
#include "sim/run/simulate.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    asim_config cfg;
    asim_err err;
    if (fuzz_load_scenario(data, size, &cfg, &err) == 0) {
        if (cfg.duration > 5) cfg.duration = 5;
        if (asim_config_validate(&cfg, &err) == 0 && asim_budget_check(&cfg, 0, &err) == 0) {
            char dir[] = "/tmp/asim-fuzz-sim-XXXXXX";
            if (mkdtemp(dir)) {
                asim_summary sum;
                asim_run_stats st;
                (void)asim_simulate(&cfg, cfg.seed, dir, 0, &sum, &st, &err);
                fuzz_remove_dir(dir);
            }
        }
    }
    asim_config_free(&cfg);
    return 0;
}
