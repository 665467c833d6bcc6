/* plot.c -- running gnuplot on generated data (see plot.h).
 *
 * A job owns a private directory made by mkdtemp; every file it creates is
 * recorded so destroy removes exactly those and then the directory.  The
 * driver is written as the job goes (variables, then one `load` per figure
 * and format) and run by a single gnuplot process started with posix_spawn
 * (no shell, so no quoting of paths through /bin/sh), its output captured in
 * the directory and shown only on failure.  gnuplot runs with -d (no
 * ~/.gnuplot) and with the job's directory as its working directory. */
#include "sim/engine/cleanup.h"
#include "sim/report/plot.h"
#include "sim/engine/output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define GP_MAX_FILES 256

struct asim_gp {
    char *dir;
    char *files[GP_MAX_FILES];       /* names inside dir, to remove */
    FILE *open[GP_MAX_FILES];        /* data files still open */
    size_t nfiles;
    FILE *driver;                    /* driver.gp: what gnuplot runs */
    FILE *vars;                      /* vars.gp: assignments, loaded before each figure */
    char **outs;                     /* figures: final path, then its temporary, pairwise */
    size_t nouts;
    asim_err out_err;                /* a figure temporary that could not be created */
    int out_failed;
};

static int is_exec(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

char *asim_gnuplot_find(void)
{
    const char *env = getenv("ASIM_GNUPLOT");
    if (env && *env)
        return is_exec(env) ? asim_strdup(env) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    while (*path) {
        size_t n = strcspn(path, ":");
        char buf[PATH_MAX];
        if (n > 0 && n + 9 < sizeof buf) {
            memcpy(buf, path, n);
            memcpy(buf + n, "/gnuplot", 9);
            if (is_exec(buf))
                return asim_strdup(buf);
        }
        path += n + (path[n] == ':');
    }
    return NULL;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* p made absolute (symbolic links resolved), or p itself if that fails. */
static char *absolute(const char *p)
{
    char *real = realpath(p, NULL);
    if (!real)
        return asim_strdup(p);
    char *r = asim_strdup(real);
    free(real);
    return r;
}

char *asim_plot_script(const char *name, asim_err *err)
{
    char buf[PATH_MAX + 64];
    const char *env = getenv("ASIM_SCRIPTS_DIR");
    if (env && *env) {
        snprintf(buf, sizeof buf, "%s/%s", env, name);
        if (is_file(buf))
            return asim_strdup(buf);
        asim_err_set(err, ASIM_ERUNTIME, "%s: not found (ASIM_SCRIPTS_DIR=%s)", name, env);
        return NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const rel[] = {"scripts", "../scripts", "../../scripts",
                                          "../share/autoscale-sim/scripts"};
        for (size_t i = 0; i < ASIM_ARRAY_LEN(rel); i++) {
            snprintf(buf, sizeof buf, "%s/%s/%s", exe, rel[i], name);
            if (is_file(buf))
                return absolute(buf);
        }
    }
    snprintf(buf, sizeof buf, "scripts/%s", name);
    if (is_file(buf))
        return absolute(buf);
    asim_err_set(err, ASIM_ERUNTIME, "gnuplot script %s not found next to the program (scripts/, "
                 "../share/autoscale-sim/scripts/) nor in ./scripts; set ASIM_SCRIPTS_DIR", name);
    return NULL;
}

/* ------------------------------------------------------------------ */

static char *gp_path(const asim_gp *g, const char *name)
{
    size_t n = strlen(g->dir) + strlen(name) + 2;
    char *p = asim_malloc(n);
    snprintf(p, n, "%s/%s", g->dir, name);
    return p;
}

static FILE *gp_create_file(asim_gp *g, const char *name, asim_err *err)
{
    if (g->nfiles == GP_MAX_FILES) {
        asim_err_set(err, ASIM_ERUNTIME, "internal: too many plot data files");
        return NULL;
    }
    char *p = gp_path(g, name);
    FILE *f = fopen(p, "w");
    int e = errno;
    asim_free(p);
    if (!f) {
        asim_err_set(err, ASIM_ERUNTIME, "cannot write %s/%s: %s", g->dir, name, strerror(e));
        return NULL;
    }
    g->files[g->nfiles] = asim_strdup(name);
    g->open[g->nfiles] = f;
    g->nfiles++;
    return f;
}

/* Single-quoted gnuplot string: only ' needs escaping (as ''). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        if (*s == '\n')
            continue;
        fputc(*s, f);
    }
    fputc('\'', f);
}

asim_gp *asim_gp_create(asim_err *err)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    asim_gp *g = asim_calloc(1, sizeof *g);
    size_t n = strlen(tmp) + 32;
    g->dir = asim_malloc(n);
    snprintf(g->dir, n, "%s/asim-plot-XXXXXX", tmp);
    sigset_t old;
    asim_cleanup_hold(&old);              /* no signal between creating and registering it */
    int made = mkdtemp(g->dir) != NULL;
    if (made)
        asim_cleanup_add(g->dir, 1);      /* removed with its files if a signal ends the program */
    asim_cleanup_release(&old);
    if (!made) {
        asim_err_set(err, ASIM_ERUNTIME, "cannot create a temporary directory in %s: %s", tmp, strerror(errno));
        asim_free(g->dir);
        asim_free(g);
        return NULL;
    }
    g->driver = gp_create_file(g, "driver.gp", err);
    if (!g->driver) {
        asim_gp_destroy(g);
        return NULL;
    }
    g->vars = gp_create_file(g, "vars.gp", err);
    if (!g->vars) {
        asim_gp_destroy(g);
        return NULL;
    }
    fputs("# written by autoscale-sim; run in this directory with: gnuplot -d driver.gp\n", g->driver);
    fputs("# variables for the figure scripts, written by autoscale-sim\nset encoding utf8\n", g->vars);
    return g;
}

void asim_gp_destroy(asim_gp *g)
{
    if (!g)
        return;
    const char *keep = getenv("ASIM_KEEP_PLOT_TMP");
    int keep_files = keep && *keep && strcmp(keep, "0") != 0;
    for (size_t i = 0; i < g->nfiles; i++) {
        if (g->open[i])
            fclose(g->open[i]);
        if (!keep_files) {
            char *p = gp_path(g, g->files[i]);
            unlink(p);
            asim_free(p);
        }
        asim_free(g->files[i]);
    }
    for (size_t i = 0; i < g->nouts; i += 2) {
        unlink(g->outs[i + 1]);          /* a figure not renamed into place (failure) */
        asim_cleanup_drop(g->outs[i + 1]);
        asim_free(g->outs[i]);
        asim_free(g->outs[i + 1]);
    }
    asim_free(g->outs);
    if (keep_files) {
        fprintf(stderr, "autoscale-sim: plot files kept in %s\n", g->dir);
    } else {
        char *p = gp_path(g, "gnuplot.log");
        unlink(p);
        asim_free(p);
        rmdir(g->dir);
    }
    asim_cleanup_drop(g->dir);
    asim_free(g->dir);
    asim_free(g);
}

FILE *asim_gp_data(asim_gp *g, const char *name, asim_err *err)
{
    return gp_create_file(g, name, err);
}

FILE *asim_gp_vars(asim_gp *g)
{
    return g->vars;
}

void asim_gp_set_str(asim_gp *g, const char *name, const char *value)
{
    fprintf(g->vars, "%s = ", name);
    put_quoted(g->vars, value ? value : "");
    fputc('\n', g->vars);
}

void asim_gp_set_num(asim_gp *g, const char *name, double value)
{
    if (isfinite(value))
        fprintf(g->vars, "%s = %.10g\n", name, value);
    else
        fprintf(g->vars, "%s = NaN\n", name);
}

void asim_gp_render(asim_gp *g, const char *script, const char *out_base, unsigned formats)
{
    static const struct { unsigned bit; const char *ext; } fmts[] = {
        {ASIM_FMT_PNG, "png"}, {ASIM_FMT_SVG, "svg"}, {ASIM_FMT_PDF, "pdf"}};
    for (size_t i = 0; i < ASIM_ARRAY_LEN(fmts); i++) {
        if (!(formats & fmts[i].bit))
            continue;
        /* gnuplot writes a temporary beside the target, created here by
         * asim_tmp_create (a fresh mkstemp name: no planted symlink is
         * followed); asim_gp_run renames it into place only when gnuplot
         * succeeded and the figure is complete, so a reader never sees a
         * half-drawn figure.  gnuplot runs in the job's temporary directory
         * (see asim_gp_run), so a relative output path is made absolute. */
        char cwd[4096] = "";
        if (out_base[0] != '/' && !getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
        size_t n = strlen(cwd) + strlen(out_base) + 48;
        char *out = asim_malloc(n), *tmp = NULL;
        snprintf(out, n, "%s%s%s.%s", cwd, cwd[0] ? "/" : "", out_base, fmts[i].ext);
        int fd = g->out_failed ? -1 : asim_tmp_create(out, &tmp, &g->out_err);
        if (fd < 0) {
            g->out_failed = 1;
            asim_free(out);
            continue;
        }
        close(fd);
        g->outs = asim_realloc(g->outs, (g->nouts + 2) * sizeof *g->outs);
        g->outs[g->nouts++] = out;
        g->outs[g->nouts++] = tmp;
        fprintf(g->driver, "reset session\nload 'vars.gp'\nfmt = '%s'\nout = ", fmts[i].ext);
        put_quoted(g->driver, tmp);
        fputs("\nload ", g->driver);
        put_quoted(g->driver, script);
        fputs("\nset output\n", g->driver);
    }
}

/* The last few lines of gnuplot's output, for an error message. */
static void log_tail(const asim_gp *g, char *buf, size_t len)
{
    buf[0] = '\0';
    char *p = gp_path(g, "gnuplot.log");
    FILE *f = fopen(p, "r");
    asim_free(p);
    if (!f)
        return;
    char all[8192];
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n == sizeof all - 1) {               /* keep the end */
            memmove(all, all + 1, n - 1);
            n--;
        }
        all[n++] = (char)c;
    }
    fclose(f);
    all[n] = '\0';
    while (n > 0 && (all[n - 1] == '\n' || all[n - 1] == ' '))
        all[--n] = '\0';
    const char *start = all;
    if (n + 1 > len)
        start = all + n + 1 - len;
    size_t k = strlen(start);
    memcpy(buf, start, k + 1 <= len ? k + 1 : len);
    buf[len - 1] = '\0';
}

/* Seconds gnuplot may take for one job: ASIM_GNUPLOT_TIMEOUT, else 300. */
static double gnuplot_timeout(void)
{
    const char *s = getenv("ASIM_GNUPLOT_TIMEOUT");
    char *end;
    double t = s && *s ? strtod(s, &end) : 300;
    if (!s || !*s || *end || !(t > 0) || t > 86400)
        t = 300;
    return t;
}

/* Wait for gnuplot, killing it past the timeout (a hung gnuplot must not
 * block the program forever).  Returns 1 when it was killed. */
static int wait_gnuplot(pid_t pid, int *status)
{
    double limit = gnuplot_timeout(), waited = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return 0;
        if (waited >= limit) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            return 1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited += 0.02;
    }
}

/* NULL when the file looks like a complete figure of its format (gnuplot
 * exits 0 even when the disk filled up under it), else what is wrong. */
static const char *figure_problem(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return "missing";
    unsigned char head[8] = {0}, tail[1024];
    size_t nh = fread(head, 1, sizeof head, f);
    long size = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : -1;
    long from = size > (long)sizeof tail ? size - (long)sizeof tail : 0;
    size_t nt = 0;
    if (size > 0 && fseek(f, from, SEEK_SET) == 0)
        nt = fread(tail, 1, sizeof tail, f);
    fclose(f);
    if (size <= 0)
        return "empty";
    const char *ext = strrchr(path, '.');
    while (ext && ext > path && strncmp(ext, ".tmp.", 5) != 0)  /* "<x>.png.tmp.XXXXXX" */
        ext--;
    const char *e = ext;
    while (e > path && e[-1] != '.')
        e--;
    int found = 0;
    if (strncmp(e, "png", 3) == 0) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (nh < 8 || memcmp(head, sig, 8) != 0)
            return "not a PNG";
        found = nt >= 8 && memcmp(tail + nt - 8, "IEND", 4) == 0;
    } else if (strncmp(e, "svg", 3) == 0) {
        for (size_t i = 0; i + 6 <= nt && !found; i++)
            found = memcmp(tail + i, "</svg>", 6) == 0;
    } else if (strncmp(e, "pdf", 3) == 0) {
        if (nh < 5 || memcmp(head, "%PDF-", 5) != 0)
            return "not a PDF";
        for (size_t i = 0; i + 5 <= nt && !found; i++)
            found = memcmp(tail + i, "%%EOF", 5) == 0;
    } else {
        found = 1;
    }
    return found ? NULL : "truncated";
}

int asim_gp_run(asim_gp *g, asim_err *err)
{
    if (g->out_failed)
        return asim_err_set(err, ASIM_ERUNTIME, "%s", g->out_err.msg);
    char *gnuplot = asim_gnuplot_find();
    if (!gnuplot)
        return asim_err_set(err, ASIM_EINPUT, "%s", ASIM_GNUPLOT_HINT);
    for (size_t i = 0; i < g->nfiles; i++) {
        if (g->open[i] && g->open[i] != g->driver) {   /* data files and vars.gp */
            int bad = ferror(g->open[i]) != 0;
            bad |= fclose(g->open[i]) != 0;
            g->open[i] = NULL;
            if (bad) {
                asim_free(gnuplot);
                return asim_err_set(err, ASIM_ERUNTIME, "cannot write plot data in %s (disk full?)", g->dir);
            }
        }
    }
    fflush(g->driver);
    if (ferror(g->driver)) {
        asim_free(gnuplot);
        return asim_err_set(err, ASIM_ERUNTIME, "cannot write the gnuplot driver in %s", g->dir);
    }

    char *logp = gp_path(g, "gnuplot.log");
    char *drvp = gp_path(g, "driver.gp");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    /* gnuplot resolves data file names against its working directory; the
     * driver's first command would do, but cd keeps the driver relocatable. */
    char *argv[] = {gnuplot, "-d", "-e", NULL, drvp, NULL};
    size_t cdn = strlen(g->dir) * 2 + 16;
    char *cd = asim_malloc(cdn);
    {
        size_t k = 0;
        k += (size_t)snprintf(cd, cdn, "cd '");
        for (const char *s = g->dir; *s; s++) {
            if (*s == '\'')
                cd[k++] = '\'';
            cd[k++] = *s;
        }
        cd[k++] = '\'';
        cd[k] = '\0';
    }
    argv[3] = cd;
    pid_t pid;
    int rc = ASIM_OK;
    int e = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        rc = asim_err_set(err, ASIM_ERUNTIME, "cannot run %s: %s", gnuplot, strerror(e));
    } else {
        asim_cleanup_child(pid);          /* killed first if a signal ends the program */
        int status = 0, timed_out = wait_gnuplot(pid, &status);
        asim_cleanup_child(0);
        if (timed_out) {
            rc = asim_err_set(err, ASIM_ERUNTIME, "gnuplot did not finish within %g s (ASIM_GNUPLOT_TIMEOUT); "
                              "killed", gnuplot_timeout());
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char tail[400];
            log_tail(g, tail, sizeof tail);
            if (WIFSIGNALED(status))
                rc = asim_err_set(err, ASIM_ERUNTIME, "gnuplot killed by signal %d; its output:\n%s",
                                  WTERMSIG(status), tail);
            else
                rc = asim_err_set(err, ASIM_ERUNTIME, "gnuplot failed (exit %d); its output:\n%s",
                                  WEXITSTATUS(status), tail);
        }
    }
    for (size_t i = 0; rc == ASIM_OK && i < g->nouts; i += 2) {
        const char *why = figure_problem(g->outs[i + 1]);
        if (why)
            rc = asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: gnuplot's output is %s (disk full?)",
                              g->outs[i], why);
    }
    for (size_t i = 0; rc == ASIM_OK && i < g->nouts; i += 2) {
        if (rename(g->outs[i + 1], g->outs[i]) != 0)
            rc = asim_err_set(err, ASIM_ERUNTIME, "cannot write %s: %s", g->outs[i], strerror(errno));
        else
            asim_cleanup_drop(g->outs[i + 1]);
    }
    asim_free(cd);
    asim_free(logp);
    asim_free(drvp);
    asim_free(gnuplot);
    return rc;
}

int asim_plot_parse_formats(const char *s, unsigned *formats)
{
    unsigned f = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 3 && strncmp(s, "png", 3) == 0) f |= ASIM_FMT_PNG;
        else if (n == 3 && strncmp(s, "svg", 3) == 0) f |= ASIM_FMT_SVG;
        else if (n == 3 && strncmp(s, "pdf", 3) == 0) f |= ASIM_FMT_PDF;
        else if (n == 3 && strncmp(s, "all", 3) == 0) f |= ASIM_FMT_PNG | ASIM_FMT_SVG | ASIM_FMT_PDF;
        else return -1;
        s += n + (s[n] == ',');
    }
    if (!f)
        return -1;
    *formats = f;
    return 0;
}
