/* output.c -- atomic files, byte-stable numbers, CSV rows (see output.h).
 *
 * asim_fmt_double defines what every output file looks like, so it is
 * deliberately simple and pinned by tests: integers up to 1e15 in plain
 * digits; otherwise the first of %.15g, %.16g, %.17g that strtod reads back
 * to the same double (%.17g always does).  It relies on the "C" locale's '.',
 * which the program never changes.
 *
 * asim_afile: the temporary sits beside the target (same directory, so the
 * rename is atomic on POSIX file systems) and is created by asim_tmp_create
 * (mkstemp: a fresh random name, O_CREAT|O_EXCL, so a symlink or file
 * planted at a guessable name is never followed or overwritten, and two
 * processes writing the same path never share a temporary).  No fsync: the
 * promise is "readers never see a half-written file", not durability across a
 * power cut. */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <csv.h>

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
    int fd = mkstemp(t);
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
    a->f = NULL;
    a->path = a->tmp = NULL;
}

int asim_afile_open(asim_afile *a, const char *path, asim_err *err)
{
    a->f = NULL;
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
        afile_clear(a);
        return asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: %s", path, strerror(e));
    }
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
    if (e) {
        unlink(a->tmp);
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
    if (a->tmp)
        unlink(a->tmp);
    afile_clear(a);
}

void asim_fmt_double(char *buf, size_t len, double v)
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
        snprintf(buf, len, "%.0f", v);       /* "3", "-0", "1000000000000000" */
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void asim_csv_init(asim_csv *c, FILE *f)
{
    c->f = f;
    c->col = 0;
}

static void separate(asim_csv *c)
{
    if (c->col++ > 0)
        fputc(',', c->f);
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
            csv_fwrite(c->f, t, m + 1);
        else
            fwrite(t, 1, m + 1, c->f);
        asim_free(t);
        return;
    }
    size_t n = strlen(s);
    if (needs_quotes(s, n))
        csv_fwrite(c->f, s, n);
    else
        fwrite(s, 1, n, c->f);
}

void asim_csv_num(asim_csv *c, double v)
{
    char buf[ASIM_FMT_DOUBLE_LEN];
    asim_fmt_double(buf, sizeof buf, v);
    separate(c);
    fputs(buf, c->f);
}

void asim_csv_int(asim_csv *c, long long v)
{
    separate(c);
    fprintf(c->f, "%lld", v);
}

void asim_csv_end(asim_csv *c)
{
    fputc('\n', c->f);
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
