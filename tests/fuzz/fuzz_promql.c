/* fuzz_promql.c -- libFuzzer harness for the PromQL parser and evaluator and
 * the series file reader: any query must parse or fail with "position N: ...",
 * and a parsed one must evaluate (or fail cleanly) over a small tsdb; any
 * bytes given as a CSV or JSON series file must load or fail with a message.
 * Never a crash or a leak.  Build and run: make fuzz. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/promql/promql.h"
#include "models/prometheus/tsdb.h"
#include "models/prometheus/series_io.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);

    asim_tsdb *db = asim_tsdb_create(0);
    static const char *const le[] = { "0.1", "0.5", "+Inf" };
    for (int i = 0; i < 3; i++) {
        char inst[16];
        snprintf(inst, sizeof inst, "i%d", i);
        asim_label x[3] = { { "__name__", "x" }, { "instance", inst }, { "job", "j" } };
        asim_label h[3] = { { "__name__", "h_bucket" }, { "instance", inst }, { "le", le[i] } };
        int xs = asim_tsdb_series(db, x, 3), hs = asim_tsdb_series(db, h, 3);
        for (int t = 0; t < 20; t++) {
            asim_tsdb_append(db, xs, 5000 * t + i, (t % 7) * 0.1);
            asim_tsdb_append(db, hs, 5000 * t, t * (i + 1));
        }
    }
    char err[256];
    asim_promql *e = asim_promql_parse(text, err, sizeof err);
    if (e) {
        asim_promql_result r = { 0 };
        (void)asim_promql_reach_ms(e, 300000);
        (void)asim_promql_eval(e, db, 60000, 300000, &r, err, sizeof err);
        (void)asim_promql_eval(e, db, 95000, 300000, &r, err, sizeof err);
        asim_promql_result_free(&r);
        asim_promql_free(e);
    } else if (strncmp(err, "position ", 9) != 0) {
        abort();
    }
    asim_tsdb_destroy(db);

    asim_series_set set = { 0 };
    asim_err ferr;
    if (asim_series_parse_csv(text, size, "fuzz.csv", &set, &ferr) == 0) asim_series_set_free(&set);
    if (asim_series_parse_json(text, size, "fuzz.json", &set, &ferr) == 0) asim_series_set_free(&set);
    asim_free(text);
    return 0;
}
