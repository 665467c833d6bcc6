/* fuzz_scenario.c -- libFuzzer harness for the scenario loader: any bytes
 * must give either a valid config or an error message, never a crash or a
 * leak.  Build and run: make fuzz (see the Makefile's fuzz target). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    if (asim_config_load_text(&cfg, text, "fuzz.json", &err) == 0)
        (void)asim_config_validate(&cfg, &err);
    asim_config_free(&cfg);
    free(text);
    return 0;
}
