/* fuzz_rundir.c -- libFuzzer harness for the run-directory readers (what
 * plot, report, compare and merge read back, possibly from someone else):
 * the input is split at lines "----" into summary.json, timeseries.csv,
 * events.csv, scrapes.csv and alerts.csv of a temporary run directory, which
 * is then loaded (asim_rundir_load), reported (report.html/.md, no figures)
 * and compared with itself (no figure).  Any bytes: an error message or
 * output, never a crash, a hang or a leak.
 * Build: make fuzz FUZZ_ONLY=fuzz_rundir. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/report/report.h"
#include "sim/report/rundir.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"summary.json", "timeseries.csv", "events.csv", "scrapes.csv",
                                        "alerts.csv"};
    char dir[] = "/tmp/asim-fuzz-rd-XXXXXX";
    if (!mkdtemp(dir)) return 0;
    size_t start = 0, part = 0;
    for (size_t i = 0; i <= size && part < 5; i++) {
        int cut = i == size || (i + 5 <= size && memcmp(data + i, "----\n", 5) == 0 && (i == 0 || data[i - 1] == '\n'));
        if (!cut) continue;
        char p[256];
        snprintf(p, sizeof p, "%s/%s", dir, names[part++]);
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(data + start, 1, i - start, f);
            fclose(f);
        }
        start = i + 5;
        i += 4;
    }
    asim_err err;
    asim_rundir r;
    if (asim_rundir_load(&r, dir, ASIM_RD_ALL, &err) == 0) {
        asim_rundir_free(&r);
        char out[] = "/tmp/asim-fuzz-rdo-XXXXXX";
        if (mkdtemp(out)) {
            (void)asim_report_write(dir, out, ASIM_REPORT_NO_FIGURES, &err);
            FILE *null = fopen("/dev/null", "w");
            asim_compare_opts o = {0};
            o.table = null;
            o.no_figure = 1;
            const char *dirs[2] = {dir, dir};
            (void)asim_compare_dirs_opts(dirs, 2, out, &o, &err);
            if (null) fclose(null);
            fuzz_remove_dir(out);
        }
    }
    fuzz_remove_dir(dir);
    return 0;
}
