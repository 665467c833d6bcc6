/* fuzz_scenario.c -- libFuzzer harness for the scenario loader: any bytes
 * must give either a valid config or an error message, never a crash or a
 * leak.  Build and run: make fuzz (see the Makefile's fuzz target). */
#include <stdint.h>

#include "sim/config/settings.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    asim_config cfg;
    asim_err err;
    if (fuzz_load_scenario(data, size, &cfg, &err) == 0)
        (void)asim_config_validate(&cfg, &err);
    asim_config_free(&cfg);
    return 0;
}
