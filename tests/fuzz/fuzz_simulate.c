/* fuzz_simulate.c -- libFuzzer harness for the whole scenario -> simulate
 * path: any bytes must give an error message, or a config that validates,
 * passes the size budget (budget.h) and simulates a few seconds without a
 * crash, a leak or a sanitizer report.  The duration is cut to 5 s so every
 * input is quick.  Build: make fuzz FUZZ_ONLY=fuzz_simulate. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/run/budget.h"
#include "sim/config/settings.h"
#include "sim/run/simulate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4096];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    if (asim_config_load_text(&cfg, text, "fuzz.json", &err) == 0) {
        if (cfg.duration > 5) cfg.duration = 5;
        if (asim_config_validate(&cfg, &err) == 0 && asim_budget_check(&cfg, 0, &err) == 0) {
            char dir[] = "/tmp/asim-fuzz-sim-XXXXXX";
            if (mkdtemp(dir)) {
                asim_summary sum;
                asim_run_stats st;
                (void)asim_simulate(&cfg, cfg.seed, dir, 0, &sum, &st, &err);
                remove_dir(dir);
            }
        }
    }
    asim_config_free(&cfg);
    free(text);
    return 0;
}
