/* output.c -- atomic files, byte-stable numbers, CSV rows (see output.h).
 *
 * asim_fmt_double defines what every output file looks like, so its
 * definition is deliberately simple: integers up to 1e15 in plain digits;
 * otherwise the first of %.15g, %.16g, %.17g that strtod reads back to the
 * same double (%.17g always does).  That definition, run literally, cost a
 * quarter of `run` (three snprintf + strtod per number), so the text is now
 * built from double-conversion's digits (fmt_double_fast); the literal
 * definition lives on in tests/test_output.c, which compares the two on
 * millions of doubles.  "C" locale '.' as before.
 *
 * asim_afile: the temporary sits beside the target (same directory, so the
 * rename is atomic on POSIX file systems) and is created by asim_tmp_create
 * (mkstemp: a fresh random name, O_CREAT|O_EXCL, so a symlink or file
 * planted at a guessable name is never followed or overwritten, and two
 * processes writing the same path never share a temporary).  No fsync: the
 * promise is "readers never see a half-written file", not durability across a
 * power cut. */
#include "sim/engine/output.h"

#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <csv.h>

#define ASIM_AFILE_BUFSIZE (256 * 1024)
#include "sim/engine/cleanup.h"
#include "sim/engine/dconv.h"
/* The permissions fopen(path, "w") would give (0666 less the umask): mkstemp
 * creates 0600, and outputs are meant to be as readable as before. */
static mode_t file_mode(void)
{
    static mode_t mode;
    static int known;
    if (!known) {
        mode_t u = umask(022);
        umask(u);
        mode = 0666 & ~u;
        known = 1;
    }
    return mode;
}

int asim_tmp_create(const char *path, char **tmp, asim_err *err)
{
    size_t n = strlen(path) + 16;
    char *t = asim_malloc(n);
    snprintf(t, n, "%s.tmp.XXXXXX", path);
    sigset_t old;
    asim_cleanup_hold(&old);           /* no signal between creating and registering it */
    int fd = mkstemp(t);
    if (fd >= 0)
        asim_cleanup_add(t, 0);        /* removed if a signal ends the program first */
    asim_cleanup_release(&old);
    if (fd < 0) {
        int e = errno;
        asim_free(t);
        *tmp = NULL;
        return asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: %s", path, strerror(e)), -1;
    }
    if (fchmod(fd, file_mode()) != 0) {
        /* not fatal: the file is then only more private than usual */
    }
    *tmp = t;
    return fd;
}

static void afile_clear(asim_afile *a)
{
    asim_free(a->path);
    asim_free(a->tmp);
    asim_free(a->iobuf);
    a->f = NULL;
    a->path = a->tmp = a->iobuf = NULL;
}

int asim_afile_open(asim_afile *a, const char *path, asim_err *err)
{
    a->f = NULL;
    a->iobuf = NULL;
    a->tmp = NULL;
    a->path = NULL;
    int fd = asim_tmp_create(path, &a->tmp, err);
    if (fd < 0)
        return ASIM_ERUNTIME;
    a->path = asim_strdup(path);
    a->f = fdopen(fd, "w");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        asim_cleanup_drop(a->tmp);
        afile_clear(a);
        return asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: %s", path, strerror(e));
    }
    a->iobuf = asim_malloc(ASIM_AFILE_BUFSIZE);
    setvbuf(a->f, a->iobuf, _IOFBF, ASIM_AFILE_BUFSIZE);
    return ASIM_OK;
}

int asim_afile_commit(asim_afile *a, asim_err *err)
{
    if (!a->f) {
        afile_clear(a);
        return asim_err_set(err, ASIM_ERUNTIME, "internal: commit of a file that is not open");
    }
    int e = 0;
    if (ferror(a->f))
        e = errno ? errno : EIO;
    if (fflush(a->f) != 0 && !e)
        e = errno;
    if (fclose(a->f) != 0 && !e)
        e = errno;
    a->f = NULL;
    if (!e && rename(a->tmp, a->path) != 0)
        e = errno;
    if (e)
        unlink(a->tmp);
    asim_cleanup_drop(a->tmp);
    if (e) {
        int rc = asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: %s", a->path, strerror(e));
        afile_clear(a);
        return rc;
    }
    afile_clear(a);
    return ASIM_OK;
}

void asim_afile_abort(asim_afile *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp) {
        unlink(a->tmp);
        asim_cleanup_drop(a->tmp);
    }
    afile_clear(a);
}

int asim_write_text_line(const char *path, const char *text, asim_err *err)
{
    asim_afile a;
    int rc = asim_afile_open(&a, path, err);
    if (rc)
        return rc;
    fputs(text, a.f);
    fputc('\n', a.f);
    return asim_afile_commit(&a, err);
}

/* Decimal digits of u at p; their count.  Two digits per step from a table
 * of "00".."99", written from the end of a scratch buffer: half the
 * divisions of one digit at a time, and no reversal (a timeseries row
 * is mostly integers). */
static size_t put_u64(char *p, uint64_t u)
{
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char t[20];
    char *e = t + sizeof t, *s = e;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        s -= 2;
        memcpy(s, pairs + 2 * r, 2);
    }
    if (u >= 10) {
        s -= 2;
        memcpy(s, pairs + 2 * u, 2);
    } else {
        *--s = (char)('0' + u);
    }
    size_t n = (size_t)(e - s);
    for (size_t i = 0; i < n; i++)        /* mostly 1-3 digits: no memcpy call */
        p[i] = s[i];
    return n;
}

/* What printf("%.<prec>g") prints for a value whose correctly rounded
 * digits (trailing zeros removed, as %g removes them) are d[0..k) and whose
 * decimal exponent is x (d[0] is the 10^x digit). */
static size_t put_g(char *p, const char *d, int k, int x, int prec)
{
    char *s = p;
    if (x < -4 || x >= prec) {
        *s++ = d[0];
        if (k > 1) {
            *s++ = '.';
            memcpy(s, d + 1, (size_t)k - 1);
            s += k - 1;
        }
        *s++ = 'e';
        *s++ = x < 0 ? '-' : '+';
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        if (ax < 10) *s++ = '0';
        s += put_u64(s, ax);
    } else if (x >= 0) {
        for (int i = 0; i <= x; i++)
            *s++ = i < k ? d[i] : '0';
        if (k > x + 1) {
            *s++ = '.';
            memcpy(s, d + x + 1, (size_t)(k - x - 1));
            s += k - x - 1;
        }
    } else {
        *s++ = '0';
        *s++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *s++ = '0';
        memcpy(s, d, (size_t)k);
        s += k;
    }
    return (size_t)(s - p);
}

/* The definition itself: integers up to 1e15 with %.0f, otherwise the
 * first of %.15g..%.17g that strtod reads back.  p has ASIM_FMT_DOUBLE_LEN
 * bytes; returns the length.  Only for the few doubles fmt_double_fast
 * leaves to it (~0.5 us each). */
static size_t fmt_double_slow(char *p, double v)
{
    if (v == floor(v) && fabs(v) <= 1e15)
        return (size_t)snprintf(p, ASIM_FMT_DOUBLE_LEN, "%.0f", v);
    for (int prec = 15; prec < 17; prec++) {
        snprintf(p, ASIM_FMT_DOUBLE_LEN, "%.*g", prec, v);
        if (strtod(p, NULL) == v)
            return strlen(p);
    }
    return (size_t)snprintf(p, ASIM_FMT_DOUBLE_LEN, "%.17g", v);
}

/* a (>= 0 or NaN) is a whole number up to 1e15: a == floor(a) without the
 * libm call (floor is not inlined without SSE4.1); truncation is exact there. */
static inline int whole(double a)
{
    return a <= 1e15 && a == (double)(int64_t)a;
}

/* Binary digits after the point in a's exact value (normal a > 0): its
 * exact decimal expansion has as many digits after the point, the last a 5. */
static int fraction_bits(double a)
{
    uint64_t u;
    memcpy(&u, &a, sizeof u);
    uint64_t m = (u & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int e = (int)((u >> 52) & 0x7ff) - 1075;     /* a = m * 2^e */
    int fb = -(e + __builtin_ctzll(m));
    return fb > 0 ? fb : 0;
}

static int power_of_two(double a)
{
    uint64_t u;
    memcpy(&u, &a, sizeof u);
    return (u & ((UINT64_C(1) << 52) - 1)) == 0;
}

/* Times in seconds from the simulation's nanosecond clock -- a latency, a
 * scrape's duration, the largest latency of a second -- are k / 1e9 for a
 * whole k: put them as k's digits with the point nine places from the right,
 * without generating digits.  Only for 1e-4 <= a < 1e6 (k < 1e15, fixed
 * notation in %g) and only when a == k / 1e9 exactly, the simulation's own
 * conversion (ASIM_TO_SEC).  Why that is the definition's text: k / 1e9 has
 * at most 15 significant digits and a is the double nearest to it, within
 * 2^-53 a, while the 15-digit rounding boundaries around it lie 5e-16 a or
 * more away; so %.15g prints k / 1e9's digits (the trailing zeros dropped)
 * and they read back to a.  0 when a is not such a time. */
static size_t put_nanoseconds(char *p, double a)
{
    if (!(a >= 1e-4 && a < 1e6))
        return 0;
    double x = a * 1e9;
    int64_t k = (int64_t)x;
    k += x - (double)k >= 0.5;
    if ((double)k / 1e9 != a)
        return 0;
    char d[20];
    size_t total = put_u64(d, (uint64_t)k), ndig = total, w = 0;   /* total >= 6: k >= 1e5 */
    while (d[ndig - 1] == '0')                   /* a is not whole: a non-zero fraction digit stops this */
        ndig--;
    int int_digits = (int)total - 9;             /* digits left of the point */
    if (int_digits <= 0) {
        p[w++] = '0';
        p[w++] = '.';
        for (int z = int_digits; z < 0; z++)
            p[w++] = '0';
        for (size_t i = 0; i < ndig; i++)
            p[w++] = d[i];
    } else {
        for (int i = 0; i < int_digits; i++)
            p[w++] = d[i];
        p[w++] = '.';
        for (size_t i = (size_t)int_digits; i < ndig; i++)
            p[w++] = d[i];
    }
    return w;
}

/* asim_fmt_double's text, mostly without snprintf or strtod; its length.
 * p has room for ASIM_FMT_DOUBLE_LEN bytes (no NUL written).
 *
 * Why it agrees with the definition: with k the length of the shortest
 * round-tripping digits, %.Pg for P < k cannot read back, so the definition
 * prints at precision max(15, k) or, when that fails, 17.  For k <= 15 (v
 * normal) the 15-digit rounding is the shortest digits themselves: v differs
 * from them by at most half an ulp, <= 2^-53 relative, below half a unit of
 * the 15th digit.  For k >= 16 the definition prints the correctly rounded
 * k digits r when they read back, i.e. lie in v's rounding interval, else
 * 17 digits (which always read back).  double-conversion's shortest digits
 * d are the closest k-digit string inside the interval, and r is at least as
 * close to v as d; when the interval is symmetric about v (all v but powers
 * of two) r is then inside too, so r == d.  For a power of two the interval
 * is narrower below v, r may fall outside: those are checked against the
 * correctly rounded digits.  Two cases go to the definition: subnormals (their
 * interval is wide, so 15 digits may differ from the shortest) and exact
 * ties at 16 or 17 digits (double-conversion rounds them up, printf to
 * even), possible only when v's exact decimal expansion has 17 or 18
 * significant digits.  Pinned on millions of doubles and on edge families
 * by tests/test_output.c, which keeps the definition verbatim. */
static size_t fmt_double_fast(char *p, double v)
{
    if (isnan(v)) {
        memcpy(p, "NaN", 3);
        return 3;
    }
    if (isinf(v)) {
        memcpy(p, v > 0 ? "+Inf" : "-Inf", 4);
        return 4;
    }
    size_t n = 0;
    if (signbit(v))
        p[n++] = '-';
    double a = fabs(v);
    if (whole(a))
        return n + put_u64(p + n, (uint64_t)a);
    if (a < DBL_MIN)
        return fmt_double_slow(p, v);
    size_t ns = put_nanoseconds(p + n, a);
    if (ns)
        return n + ns;
    char d[ASIM_DCONV_DIGITS_LEN], r[ASIM_DCONV_DIGITS_LEN];
    int point, rpoint;
    int k = asim_dconv_digits(a, 0, d, &point);
    if (k <= 15)
        return n + put_g(p + n, d, k, point - 1, 15);
    int fb = fraction_bits(a);
    if (fb > 0 && fb + point >= 16 && fb + point <= 19)   /* a tie possible */
        return fmt_double_slow(p, v);
    if (!power_of_two(a))                /* symmetric interval: see above */
        return n + put_g(p + n, d, k, point - 1, k);
    if (k == 16) {
        int rk = asim_dconv_digits(a, 16, r, &rpoint);
        if (rk == k && rpoint == point && memcmp(r, d, (size_t)k) == 0)
            return n + put_g(p + n, d, k, point - 1, 16);
    }
    int rk = asim_dconv_digits(a, 17, r, &rpoint);
    return n + put_g(p + n, r, rk, rpoint - 1, 17);
}

/* Output files repeat many values: latency quantiles are histogram bucket
 * midpoints (a few hundred distinct ones in a run), the scaler's metric holds
 * between checks.  A direct-mapped cache of recent texts (per thread: no
 * locking, no sharing; 40 KB) skips the digit generation for them; integers
 * are cheaper to print than to look up.  1024 entries instead of 64 generate
 * digits for 39 % fewer numbers in the soak (9.1k instead of 14.9k per hour). */
#define FMT_CACHE_SIZE 1024            /* a power of two: FMT_CACHE_BITS */
#define FMT_CACHE_BITS 10
typedef struct fmt_cached {
    uint64_t bits;
    uint8_t len;                 /* 0: empty slot */
    char text[ASIM_FMT_DOUBLE_LEN];
} fmt_cached;
static _Thread_local fmt_cached fmt_cache[FMT_CACHE_SIZE];

/* p has room for ASIM_FMT_DOUBLE_LEN bytes (whole cache slots are copied). */
static size_t fmt_double_cached(char *p, double v)
{
    if (whole(fabs(v)))
        return fmt_double_fast(p, v);
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    fmt_cached *c = &fmt_cache[(u * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - FMT_CACHE_BITS)];
    if (c->len && c->bits == u) {
        memcpy(p, c->text, sizeof c->text);   /* whole slots: a fixed-size copy, no memcpy call */
        return c->len;
    }
    size_t n = fmt_double_fast(p, v);
    c->bits = u;
    c->len = (uint8_t)n;
    memcpy(c->text, p, sizeof c->text);
    return n;
}

void asim_fmt_double(char *buf, size_t len, double v)
{
    if (len == 0)
        return;
    char t[ASIM_FMT_DOUBLE_LEN];
    size_t n = fmt_double_cached(t, v);
    if (n > len - 1)                         /* truncate like snprintf */
        n = len - 1;
    memcpy(buf, t, n);
    buf[n] = '\0';
}

void asim_csv_init(asim_csv *c, FILE *f)
{
    c->f = f;
    c->col = 0;
    c->len = 0;
}

static void row_flush(asim_csv *c)
{
    if (c->len)
        fwrite_unlocked(c->row, 1, c->len, c->f);
    c->len = 0;
}

/* Append n bytes to the row; a field longer than the buffer goes straight
 * to the FILE after what the row holds. */
static void row_put(asim_csv *c, const char *s, size_t n)
{
    if (c->len + n > sizeof c->row) {
        row_flush(c);
        if (n > sizeof c->row) {
            fwrite_unlocked(s, 1, n, c->f);
            return;
        }
    }
    memcpy(c->row + c->len, s, n);
    c->len += n;
}

/* A field that libcsv quotes (csv_write: quotes around it, inner quotes
 * doubled). */
static void row_put_quoted(asim_csv *c, const char *s, size_t n)
{
    size_t need = csv_write(NULL, 0, s, n);
    if (c->len + need > sizeof c->row)
        row_flush(c);
    if (need > sizeof c->row) {
        csv_fwrite(c->f, s, n);
        return;
    }
    c->len += csv_write(c->row + c->len, sizeof c->row - c->len, s, n);
}

int asim_csv_open(asim_afile *a, asim_csv *c, const char *path, asim_err *err)
{
    int rc = asim_afile_open(a, path, err);
    if (rc == 0)
        asim_csv_init(c, a->f);
    return rc;
}

/* Unlocked stdio: a CSV writer's FILE belongs to one thread. */
static void separate(asim_csv *c)
{
    if (c->col++ > 0)
        row_put(c, ",", 1);
}

/* Quote when a reader would otherwise split or trim the field: separators,
 * quotes, line breaks, and leading/trailing blanks (libcsv's parser trims
 * unquoted spaces and tabs). */
static int needs_quotes(const char *s, size_t n)
{
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* A cell a spreadsheet would run as a formula ("=cmd|...", "+1+1", "@SUM",
 * "-2+3"): it starts with = + - @ (or a tab or CR) and is not simply a
 * number.  Such cells get a leading ' (what spreadsheet tools expect for
 * literal text); the rule is idempotent, so files read back and rewritten
 * (runs.csv by merge) do not grow quotes. */
static int formula_like(const char *s)
{
    if (!s[0] || !s[1] || !strchr("=+-@\t\r", s[0]))
        return 0;
    char *end;
    double v = strtod(s, &end);
    (void)v;
    return *end != '\0';
}

void asim_csv_str(asim_csv *c, const char *s)
{
    separate(c);
    if (formula_like(s)) {
        size_t m = strlen(s);
        char *t = asim_malloc(m + 2);
        t[0] = '\'';
        memcpy(t + 1, s, m + 1);
        if (needs_quotes(t, m + 1))
            row_put_quoted(c, t, m + 1);
        else
            row_put(c, t, m + 1);
        asim_free(t);
        return;
    }
    size_t n = strlen(s);
    if (needs_quotes(s, n))
        row_put_quoted(c, s, n);
    else
        row_put(c, s, n);
}

/* Where a number field of at most ASIM_FMT_DOUBLE_LEN bytes, after its
 * separator, is formatted: straight into the row when it fits (no copy),
 * else NULL (then into a buffer, and row_put). */
static char *number_slot(asim_csv *c)
{
    if (c->len + 1 + ASIM_FMT_DOUBLE_LEN > sizeof c->row)
        return NULL;
    if (c->col++ > 0)
        c->row[c->len++] = ',';
    return c->row + c->len;
}

void asim_csv_num(asim_csv *c, double v)
{
    char *p = number_slot(c);
    if (p) {
        c->len += fmt_double_cached(p, v);
        return;
    }
    char buf[ASIM_FMT_DOUBLE_LEN];
    size_t n = fmt_double_cached(buf, v);
    separate(c);
    row_put(c, buf, n);
}

/* v's digits at p (room for 21 bytes); their count. */
static size_t put_i64(char *p, long long v)
{
    size_t n = 0;
    if (v < 0)
        p[n++] = '-';
    return n + put_u64(p + n, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void asim_csv_int(asim_csv *c, long long v)
{
    char *p = number_slot(c);
    if (p) {
        c->len += put_i64(p, v);
        return;
    }
    char buf[24];
    size_t n = put_i64(buf, v);
    separate(c);
    row_put(c, buf, n);
}

void asim_csv_end(asim_csv *c)
{
    row_put(c, "\n", 1);
    row_flush(c);
    c->col = 0;
}

int asim_mkdirs(const char *path, asim_err *err)
{
    if (!*path)
        return asim_err_set(err, ASIM_ERUNTIME, "cannot create directory: empty path");
    char *p = asim_strdup(path);
    int rc = ASIM_OK;
    /* Create each prefix ending before a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        int last = *s == '\0';
        if (!last && *s != '/')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            /* ENOTDIR: a prefix of the path is a file, which the user named */
            rc = asim_err_set(err, errno == ENOTDIR ? ASIM_EINPUT : ASIM_ERUNTIME, "cannot create directory %s: %s",
                              p, strerror(errno));
            break;
        }
        *s = saved;
        if (last)
            break;
    }
    struct stat st;
    if (rc == ASIM_OK) {
        if (stat(path, &st) != 0)
            rc = asim_err_set(err, ASIM_ERUNTIME, "cannot create directory %s: %s", path, strerror(errno));
        else if (!S_ISDIR(st.st_mode))      /* the user named a file: bad input (exit 2) */
            rc = asim_err_set(err, ASIM_EINPUT, "cannot create directory %s: a file of that name exists", path);
    }
    asim_free(p);
    return rc;
}

int asim_read_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);                      /* fopen accepts a directory; reading it fails later */
        errno = EISDIR;
        return -1;
    }
    size_t cap = 1 << 16, n = 0, k;
    char *buf = asim_malloc(cap + 1);
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            buf = asim_realloc(buf, (cap *= 2) + 1);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        asim_free(buf);
        return -2;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    *text = buf;
    return 0;
}

/* Directories this process has locked (their lock files stay open, so the
 * locks last until exit); a second lock of the same directory by the same
 * process is a no-op rather than a conflict with itself. */
static struct { dev_t dev; ino_t ino; } held[16];
static size_t nheld;

int asim_dir_lock(const char *dir, const char *command, asim_err *err)
{
    size_t n = strlen(dir) + sizeof "/" ASIM_LOCK_NAME;
    char *path = asim_malloc(n);
    snprintf(path, n, "%s/%s", dir, ASIM_LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, file_mode());
    if (fd < 0) {
        int rc = asim_err_set(err, ASIM_ERUNTIME, "cannot lock %s: %s", path, strerror(errno));
        asim_free(path);
        return rc;
    }
    struct stat st;
    if (fstat(fd, &st) == 0)
        for (size_t i = 0; i < nheld; i++)
            if (held[i].dev == st.st_dev && held[i].ino == st.st_ino) {
                close(fd);
                asim_free(path);
                return ASIM_OK;
            }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno, rc;
        char who[128] = "";
        ssize_t k = pread(fd, who, sizeof who - 1, 0);
        who[k > 0 ? k : 0] = '\0';
        who[strcspn(who, "\n")] = '\0';
        if (e == EWOULDBLOCK)
            rc = asim_err_set(err, ASIM_EINPUT, "%s is in use by another process (%s); wait for it to finish "
                              "or choose another output directory", dir, *who ? who : "holder unknown");
        else
            rc = asim_err_set(err, ASIM_ERUNTIME, "cannot lock %s: %s", path, strerror(e));
        close(fd);
        asim_free(path);
        return rc;
    }
    char who[128];
    int len = snprintf(who, sizeof who, "pid %ld, autoscale-sim %s\n", (long)getpid(), command);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, who, (size_t)len, 0) != len) {
        /* the lock holds regardless; only the holder's name is missing */
    }
    if (nheld < sizeof held / sizeof held[0]) {
        held[nheld].dev = st.st_dev;
        held[nheld].ino = st.st_ino;
        nheld++;
    }
    asim_free(path);
    return ASIM_OK;                     /* fd stays open: the lock lasts until exit */
}

/* "pid N, <its command line>" of the process holding a flock on (dev, ino),
 * from /proc/locks ("1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"). */
static void lock_holder(dev_t dev, ino_t ino, char *who, size_t len)
{
    snprintf(who, len, "holder unknown");
    FILE *f = fopen("/proc/locks", "r");
    if (!f)
        return;
    char line[256];
    long pid = 0;
    while (!pid && fgets(line, sizeof line, f)) {
        char kind[16], mode[16];
        long p;
        unsigned maj, min;
        unsigned long long i;
        if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%llu", kind, mode, &p, &maj, &min, &i) == 6 &&
            strcmp(kind, "FLOCK") == 0 && maj == major(dev) && min == minor(dev) && i == (unsigned long long)ino)
            pid = p;
    }
    fclose(f);
    if (!pid)
        return;
    char path[64], cmd[160] = "";
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t k = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : -1;
    if (fd >= 0)
        close(fd);
    cmd[k > 0 ? k : 0] = '\0';
    for (ssize_t j = 0; j + 1 < k; j++)
        if (!cmd[j])
            cmd[j] = ' ';
    snprintf(who, len, "pid %ld%s%.120s", pid, cmd[0] ? ", " : "", cmd);
}

int asim_dir_lock_inode(const char *dir, asim_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return asim_err_set(err, errno == ENOTDIR ? ASIM_EINPUT : ASIM_ERUNTIME, "cannot lock %s: %s", dir,
                            strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno, rc;
        struct stat st;
        char who[200] = "holder unknown";
        if (e == EWOULDBLOCK && fstat(fd, &st) == 0)
            lock_holder(st.st_dev, st.st_ino, who, sizeof who);
        if (e == EWOULDBLOCK)
            rc = asim_err_set(err, ASIM_EINPUT, "%s is in use by another process (%s); wait for it to finish "
                              "or choose another output directory", dir, who);
        else
            rc = asim_err_set(err, ASIM_ERUNTIME, "cannot lock %s: %s", dir, strerror(e));
        close(fd);
        return rc;
    }
    return ASIM_OK;                     /* fd stays open: the lock lasts until exit */
}
