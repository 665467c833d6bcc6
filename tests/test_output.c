/* test_output.c -- number formatting, CSV quoting (read back with libcsv's
 * parser), atomic files and mkdir -p. */
#include "sim/engine/output.h"
#include "sim/engine/dconv.h"
#include "check.h"

#include <csv.h>
#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fmt(double v)
{
    static char buf[ASIM_FMT_DOUBLE_LEN];
    asim_fmt_double(buf, sizeof buf, v);
    return buf;
}

static void test_fmt_specific(void)
{
    CHECK_STR(fmt(0.1), "0.1");
    CHECK_STR(fmt(3.0), "3");
    CHECK_STR(fmt(-2.0), "-2");
    CHECK_STR(fmt(0.0), "0");
    CHECK_STR(fmt(-0.0), "-0");
    CHECK_STR(fmt(2.5), "2.5");
    CHECK_STR(fmt(-1.5), "-1.5");
    CHECK_STR(fmt(123.456), "123.456");
    CHECK_STR(fmt(1e-05), "1e-05");
    CHECK_STR(fmt(1e15), "1000000000000000");
    CHECK_STR(fmt(123456789012345.0), "123456789012345");
    CHECK_STR(fmt(1e16), "1e+16");
    CHECK_STR(fmt(1e21), "1e+21");
    CHECK_STR(fmt(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(fmt(1.0 / 3), "0.3333333333333333");
    CHECK_STR(fmt(NAN), "NaN");
    CHECK_STR(fmt(INFINITY), "+Inf");
    CHECK_STR(fmt(-INFINITY), "-Inf");
    /* The smallest subnormal: 15 digits already read back exactly. */
    CHECK_STR(fmt(5e-324), "4.94065645841247e-324");
    CHECK(strtod(fmt(5e-324), NULL) == 5e-324);
    CHECK(strtod(fmt(DBL_MAX), NULL) == DBL_MAX);
    CHECK(strtod(fmt(DBL_MIN), NULL) == DBL_MIN);
    CHECK(signbit(strtod(fmt(-0.0), NULL)));
    /* A short buffer truncates but stays terminated. */
    char small[4];
    asim_fmt_double(small, sizeof small, 0.123456);
    CHECK_STR(small, "0.1");
}

static uint64_t xs_state = 88172645463325252u;
static uint64_t xs(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

static void test_fmt_roundtrip_random(void)
{
    int n = getenv("ASIM_SANITIZED") ? 20000 : 200000, bad = 0, notshort = 0;
    for (int i = 0; i < n; i++) {
        double v;
        if (i % 2) {                       /* arbitrary bit patterns */
            uint64_t u = xs();
            memcpy(&v, &u, sizeof v);
            if (!isfinite(v))
                continue;
        } else {                           /* "human" decimals: k / 10^d */
            v = (double)(int64_t)(xs() % 2000001 - 1000000) / pow(10, (double)(xs() % 12));
        }
        const char *s = fmt(v);
        double back = strtod(s, NULL);
        if (memcmp(&back, &v, sizeof v) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "  %.17g -> \"%s\"\n", v, s);
        }
        /* Never longer than needed within the 15/16/17 ladder. */
        char p15[40];
        snprintf(p15, sizeof p15, "%.15g", v);
        if (strtod(p15, NULL) == v && strlen(s) > strlen(p15) && !(v == floor(v) && fabs(v) <= 1e15))
            notshort++;
    }
    CHECK_MSG(bad == 0, "%d of %d doubles did not round-trip", bad, n);
    CHECK(notshort == 0);
}

/* --- CSV ------------------------------------------------------------------ */

typedef struct parsed {
    char field[16][64];
    int nf, rows;
} parsed;

static void on_field(void *s, size_t len, void *data)
{
    parsed *p = data;
    if (p->nf < 16) {
        size_t n = len < 63 ? len : 63;
        memcpy(p->field[p->nf], s, n);
        p->field[p->nf][n] = '\0';
    }
    p->nf++;
}

static void on_row(int c, void *data)
{
    ((parsed *)data)->rows++;
}

/* asim_fmt_double's definition, literally: the implementation before it was
 * built from double-conversion's digits.  The fast one must print the very
 * same bytes, or every output file would change. */
static void fmt_reference(char *buf, size_t len, double v)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == floor(v) && fabs(v) <= 1e15) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static int ref_mismatches, ref_checked, ref_k16_needs17, ref_prec16;

static void compare_with_reference(double v)
{
    char fast[ASIM_FMT_DOUBLE_LEN], again[ASIM_FMT_DOUBLE_LEN], ref[64];
    asim_fmt_double(fast, sizeof fast, v);
    asim_fmt_double(again, sizeof again, v);     /* from output.c's cache */
    fmt_reference(ref, sizeof ref, v);
    ref_checked++;
    if ((strcmp(fast, ref) != 0 || strcmp(again, ref) != 0) && ref_mismatches++ < 5)
        fprintf(stderr, "  %a: fast \"%s\", reference \"%s\"\n", v, fast, ref);
    /* Which branch of the fast path was taken, to show each one is exercised. */
    if (isfinite(v) && v != 0 && !(v == floor(v) && fabs(v) <= 1e15)) {
        char d[ASIM_DCONV_DIGITS_LEN], p16[40];
        int point, k = asim_dconv_digits(fabs(v), 0, d, &point);
        snprintf(p16, sizeof p16, "%.16g", v);
        if (strcmp(ref, p16) == 0 && k == 16)
            ref_prec16++;
        else if (k == 16)
            ref_k16_needs17++;
    }
}

static double bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Millions of doubles of every kind, byte for byte against the definition:
 * arbitrary bit patterns, simulation-like values (u * 10^e), short decimals,
 * and edge families (powers of two and ten and their neighbours, where the
 * rounding interval is lopsided; halves and quarters around 1e15..2^53;
 * subnormals). */
static void test_fmt_matches_reference(void)
{
    int n = getenv("ASIM_SANITIZED") ? 100000 : 2000000;
    ref_mismatches = ref_checked = ref_k16_needs17 = ref_prec16 = 0;
    for (int i = 0; i < n; i++) {
        uint64_t u = xs();
        switch (i % 4) {
        case 0: compare_with_reference(bits(u)); break;
        case 1: compare_with_reference((double)(u >> 11) * 0x1p-53 * pow(10, (double)(int)(xs() % 41) - 20)); break;
        case 2: compare_with_reference((double)(int64_t)(u % 20000001 - 10000000) / pow(10, (double)(xs() % 18))); break;
        default: compare_with_reference((double)(int64_t)(u % 2000000001 - 1000000000) * 0.125 * 0.5
                                        + 1e15 * (double)(xs() % 9)); break;
        }
    }
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        compare_with_reference(p);
        compare_with_reference(nextafter(p, 0));
        compare_with_reference(nextafter(p, INFINITY));
        compare_with_reference(-p);
    }
    for (int e = -323; e <= 308; e++) {
        double p = pow(10, e);
        compare_with_reference(p);
        compare_with_reference(nextafter(p, 0));
        compare_with_reference(nextafter(p, INFINITY));
    }
    for (double a = 999999999999990.0; a < 1000000000000010.0; a += 0.125)
        compare_with_reference(a);
    for (uint64_t m = 1; m < 100000; m++) {
        compare_with_reference(bits(m));                        /* subnormals */
        compare_with_reference(bits(0x000fffffffffffffu - m));
        compare_with_reference(ldexp(1.0, 53) - (double)m * 0.5);
    }
    /* times from the nanosecond clock (k / 1e9, output.c's shortcut) and
     * their neighbours, across and just outside the shortcut's range */
    for (int i = 0; i < n / 4; i++) {
        int64_t k = (int64_t)(xs() % UINT64_C(2000000000000000));
        int64_t scale = (int64_t)1 << (xs() % 51);
        k /= scale;
        double t = (double)k / 1e9;
        compare_with_reference(t);
        compare_with_reference(-t);
        compare_with_reference(nextafter(t, 0));
        compare_with_reference(nextafter(t, INFINITY));
    }
    for (int64_t k = 99990; k < 100010; k++)                 /* 1e-4 */
        compare_with_reference((double)k / 1e9);
    for (int64_t k = 999999999999990; k < 1000000000000010; k++)   /* 1e6 */
        compare_with_reference((double)k / 1e9);
    const double special[] = { 0.0, -0.0, NAN, INFINITY, -INFINITY, DBL_MAX, -DBL_MAX, DBL_MIN,
                               DBL_EPSILON, 1e15, -1e15, 1e15 + 0.125, 1e16, 9007199254740993.0 };
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        compare_with_reference(special[i]);
    CHECK_MSG(ref_mismatches == 0, "%d of %d doubles differ from the reference", ref_mismatches, ref_checked);
    /* Both 16-digit outcomes of the fast path were exercised. */
    CHECK_MSG(ref_prec16 > 0 && ref_k16_needs17 > 0, "16 digits: %d, shortest 16 but 17 needed: %d",
              ref_prec16, ref_k16_needs17);
    printf("  %d doubles identical to the reference (%d at 16 digits, %d need 17 with 16 shortest)\n",
           ref_checked, ref_prec16, ref_k16_needs17);
}

/* A row is built in the writer's buffer and written at its end: fields that
 * fill the buffer, exceed it, or need quotes land in order, as libcsv
 * quotes them, and two rows stay two lines. */
static void test_csv_row_buffer_edges(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    asim_csv c;
    asim_csv_init(&c, f);
    static char big[3 * ASIM_CSV_ROW], mid[ASIM_CSV_ROW - 3];
    memset(big, 'x', sizeof big - 1);
    big[10] = '"';                                  /* quoted: "" inside */
    memset(mid, 'y', sizeof mid - 1);
    asim_csv_int(&c, 42);
    asim_csv_str(&c, mid);                          /* fills the buffer nearly */
    asim_csv_str(&c, big);                          /* longer than the buffer */
    asim_csv_str(&c, "a,b");
    asim_csv_end(&c);
    asim_csv_str(&c, "=cmd");                       /* formula-like: leading ' */
    asim_csv_num(&c, 0.5);
    asim_csv_end(&c);
    fclose(f);
    size_t nb = strlen(big);
    char *want = malloc(3 * nb + 4 * ASIM_CSV_ROW);
    size_t w = (size_t)sprintf(want, "42,%s,\"", mid);
    for (size_t i = 0; i < nb; i++) {
        if (big[i] == '"') want[w++] = '"';
        want[w++] = big[i];
    }
    w += (size_t)sprintf(want + w, "\",\"a,b\"\n'=cmd,0.5\n");
    CHECK(len == w);
    CHECK(memcmp(buf, want, w) == 0);
    free(want);
    free(buf);
}

/* CSV integers are printed by hand too: compare with printf at the edges,
 * on every number of digits and on 0..99999 (each two-digit step). */
static void test_csv_int_matches_printf(void)
{
    char *all = NULL;
    size_t all_len = 0;
    FILE *fa = open_memstream(&all, &all_len);
    asim_csv ca;
    asim_csv_init(&ca, fa);
    char *want_all = malloc(16 * 120000);
    size_t w = 0;
    for (long long v = -1000; v < 100000; v++) {
        asim_csv_int(&ca, v);
        asim_csv_end(&ca);
        w += (size_t)sprintf(want_all + w, "%lld\n", v);
    }
    for (long long v = 1, k = 0; k < 19; k++, v *= k < 19 ? 10 : 1) {   /* no 10^19: beyond long long */
        long long x[3] = { v - 1, v, v + 7 };
        for (int j = 0; j < 3; j++) {
            asim_csv_int(&ca, x[j]);
            asim_csv_end(&ca);
            w += (size_t)sprintf(want_all + w, "%lld\n", x[j]);
        }
    }
    fclose(fa);
    CHECK(all_len == w && memcmp(all, want_all, w) == 0);
    free(all);
    free(want_all);

    const long long v[] = { 0, 1, -1, 9, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        asim_csv c;
        asim_csv_init(&c, f);
        asim_csv_int(&c, v[i]);
        asim_csv_num(&c, (double)v[i] / 7);
        asim_csv_end(&c);
        fclose(f);
        char want[80], num[64];
        fmt_reference(num, sizeof num, (double)v[i] / 7);
        snprintf(want, sizeof want, "%lld,%s\n", v[i], num);
        CHECK_STR(buf, want);
        free(buf);
    }
}

static void test_csv_quoting(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    asim_csv c;
    asim_csv_init(&c, f);
    const char *strs[] = { "plain", "a,b", "say \"hi\"", "line\nbreak", " lead", "trail\t", "", "cr\r" };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(strs); i++)
        asim_csv_str(&c, strs[i]);
    asim_csv_num(&c, 0.1);
    asim_csv_num(&c, NAN);
    asim_csv_int(&c, -5);
    asim_csv_end(&c);
    asim_csv_int(&c, 7);
    asim_csv_end(&c);
    fclose(f);
    CHECK_STR(text, "plain,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\" lead\",\"trail\t\",,\"cr\r\","
                    "0.1,NaN,-5\n7\n");
    /* Read it back with libcsv's parser: every field survives. */
    struct csv_parser p;
    parsed out = { .nf = 0 };
    CHECK(csv_init(&p, 0) == 0);
    CHECK(csv_parse(&p, text, len, on_field, on_row, &out) == len);
    csv_fini(&p, on_field, on_row, &out);
    csv_free(&p);
    CHECK(out.rows == 2 && out.nf == 12);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(strs); i++)
        CHECK_STR(out.field[i], strs[i]);
    CHECK_STR(out.field[8], "0.1");
    CHECK_STR(out.field[11], "7");
    free(text);
}

/* --- files ---------------------------------------------------------------- */

static int count_tmp_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_atomic_files(void)
{
    char dir[] = "/tmp/asim_test_output_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], sub[256];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    asim_err err = { "" };

    asim_afile a;
    CHECK(asim_afile_open(&a, path, &err) == ASIM_OK);
    fputs("one\n", a.f);
    CHECK(access(path, F_OK) != 0);              /* nothing visible before commit */
    CHECK(count_tmp_files(dir) == 1);
    CHECK(asim_afile_commit(&a, &err) == ASIM_OK);
    CHECK_STR(slurp(path), "one\n");
    CHECK(count_tmp_files(dir) == 0);
    asim_afile_abort(&a);                        /* after commit: a no-op */
    CHECK_STR(slurp(path), "one\n");

    /* Abort keeps the old file and leaves no temporary; twice is safe. */
    CHECK(asim_afile_open(&a, path, &err) == ASIM_OK);
    fputs("two\n", a.f);
    asim_afile_abort(&a);
    asim_afile_abort(&a);
    CHECK_STR(slurp(path), "one\n");
    CHECK(count_tmp_files(dir) == 0);

    /* Replace: commit overwrites atomically. */
    CHECK(asim_afile_open(&a, path, &err) == ASIM_OK);
    fputs("three\n", a.f);
    CHECK(asim_afile_commit(&a, &err) == ASIM_OK);
    CHECK_STR(slurp(path), "three\n");

    /* Missing directory: open fails with a message naming the path. */
    snprintf(sub, sizeof sub, "%s/missing/out.csv", dir);
    CHECK(asim_afile_open(&a, sub, &err) == ASIM_ERUNTIME);
    CHECK(strstr(err.msg, sub) != NULL);
    asim_afile_abort(&a);

    /* Rename onto a directory fails: error, and the temporary is gone. */
    snprintf(sub, sizeof sub, "%s/adir", dir);
    CHECK(mkdir(sub, 0777) == 0);
    CHECK(asim_afile_open(&a, sub, &err) == ASIM_OK);
    fputs("x", a.f);
    CHECK(asim_afile_commit(&a, &err) == ASIM_ERUNTIME);
    CHECK(strstr(err.msg, "adir") != NULL);
    CHECK(count_tmp_files(dir) == 0);
    rmdir(sub);
    unlink(path);
    CHECK(rmdir(dir) == 0);                      /* empty: nothing left behind */
}

static void test_mkdirs(void)
{
    char dir[] = "/tmp/asim_test_mkdirs_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[256], q[256], r[256];
    asim_err err = { "" };
    snprintf(p, sizeof p, "%s/a/b//c/", dir);
    CHECK(asim_mkdirs(p, &err) == ASIM_OK);
    CHECK(asim_mkdirs(p, &err) == ASIM_OK);      /* existing is fine */
    struct stat st;
    snprintf(q, sizeof q, "%s/a/b/c", dir);
    CHECK(stat(q, &st) == 0 && S_ISDIR(st.st_mode));
    /* A file in the way. */
    snprintf(q, sizeof q, "%s/file", dir);
    FILE *f = fopen(q, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(asim_mkdirs(q, &err) == ASIM_EINPUT);          /* the user named a file: exit 2 */
    snprintf(r, sizeof r, "%s/file/sub", dir);
    CHECK(asim_mkdirs(r, &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, "file") != NULL);
    CHECK(asim_mkdirs("", &err) == ASIM_ERUNTIME);
    unlink(q);
    snprintf(q, sizeof q, "%s/a/b/c", dir);
    rmdir(q);
    snprintf(q, sizeof q, "%s/a/b", dir);
    rmdir(q);
    snprintf(q, sizeof q, "%s/a", dir);
    rmdir(q);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    RUN(test_fmt_specific);
    RUN(test_fmt_roundtrip_random);
    RUN(test_fmt_matches_reference);
    RUN(test_csv_int_matches_printf);
    RUN(test_csv_row_buffer_edges);
    RUN(test_csv_quoting);
    RUN(test_atomic_files);
    RUN(test_mkdirs);
    return check_report();
}
