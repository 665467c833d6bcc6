/* output.h -- files written atomically, and CSV through libcsv.
 *
 * asim_afile writes to "<path>.tmp.XXXXXX" (asim_tmp_create) and renames onto
 * <path> on commit,
 * so a reader (or a crash) never sees a half-written file; abort unlinks the
 * temporary.  CSV fields are quoted by libcsv's csv_fwrite when needed.
 * Numbers are written with asim_fmt_double: integers up to 1e15 as plain
 * digits, otherwise the first of %.15g/%.16g/%.17g that reads back exactly;
 * "NaN", "+Inf", "-Inf"; so outputs are byte-stable. */
#ifndef ASIM_OUTPUT_H
#define ASIM_OUTPUT_H

#include <stdio.h>
#include "sim/engine/common.h"

typedef struct asim_afile {
    FILE *f;
    char *path, *tmp;
    char *iobuf;                /* a large stdio buffer: fewer write calls */
} asim_afile;

/* Create a new temporary "<path>.tmp.XXXXXX" beside path with mkstemp
 * (O_CREAT|O_EXCL: never follows or reuses a planted symlink or file), mode
 * 0666 less the umask.  Returns the open descriptor and sets *tmp (free with
 * asim_free); -1 with ASIM_ERUNTIME in err on failure (*tmp NULL).  Every
 * temporary written beside a target goes through here. */
int  asim_tmp_create(const char *path, char **tmp, asim_err *err);

/* Open a fresh temporary beside path (asim_tmp_create) for writing.  ASIM_ERUNTIME with message when it
 * cannot be created (a is then closed: abort is a no-op). */
int  asim_afile_open(asim_afile *a, const char *path, asim_err *err);
/* fflush + fclose + rename onto path.  Any write error (checked with ferror)
 * or rename failure: the temporary is unlinked, ASIM_ERUNTIME with message.
 * Either way a is closed afterwards (abort is then a no-op). */
int  asim_afile_commit(asim_afile *a, asim_err *err);
void asim_afile_abort(asim_afile *a);                   /* fclose + unlink; safe twice */
/* Write text and a newline to path atomically (a JSON document, say).  0,
 * or the error class with err set. */
int asim_write_text_line(const char *path, const char *text, asim_err *err);

/* Text that reads back (strtod) to the same double: "3", "-0", "0.1",
 * "1e-05", "0.30000000000000004", "1e+21", "NaN", "+Inf".  A buffer of
 * ASIM_FMT_DOUBLE_LEN always suffices (shorter ones truncate). */
#define ASIM_FMT_DOUBLE_LEN 32
void asim_fmt_double(char *buf, size_t len, double v);
/* (Digits from double-conversion, see dconv.h; tests/test_output.c holds
 * the literal snprintf/strtod definition and compares the two.) */

/* A CSV writer on a FILE*: fields are added one at a time, then the row
 * ends.  The row is built in `row` and reaches the FILE at asim_csv_end (one
 * fwrite per row, not two per field: a timeseries row has 16 fields), so
 * write to the FILE directly only between rows. */
#define ASIM_CSV_ROW 1024
typedef struct asim_csv {
    FILE *f;
    int col;
    size_t len;                  /* bytes of the row in `row` */
    char row[ASIM_CSV_ROW];
} asim_csv;

void asim_csv_init(asim_csv *c, FILE *f);
/* Open path as an atomic file (asim_afile_open) with a CSV writer c on it:
 * 0, or the error class with err set.  Commit or abort a as usual. */
int asim_csv_open(asim_afile *a, asim_csv *c, const char *path, asim_err *err);
/* Quoted if needed; a cell a spreadsheet would run as a formula (starts with
 * = + - @, tab or CR and is not a number) is written with a leading '. */
void asim_csv_str(asim_csv *c, const char *s);
void asim_csv_num(asim_csv *c, double v);               /* asim_fmt_double */
void asim_csv_int(asim_csv *c, long long v);
void asim_csv_end(asim_csv *c);                         /* "\n", and the row goes out */

/* Take an exclusive advisory lock (flock) on directory dir, held until the
 * process exits, through the file dir/.autoscale-sim.lock, which names the
 * holder ("pid N, autoscale-sim COMMAND").  Locking a directory this process
 * already holds is a no-op.  ASIM_EINPUT naming the holder when another
 * process holds it (so the caller exits 2); ASIM_ERUNTIME on I/O errors.
 * Writers of a shared output directory (sweep, merge, run) take it first. */
#define ASIM_LOCK_NAME ".autoscale-sim.lock"
int asim_dir_lock(const char *dir, const char *command, asim_err *err);

/* The same for a directory that must hold nothing but its own files (a run's
 * --out): the flock is taken on the directory itself.  The holder is named
 * from /proc/locks (pid and command line).  ASIM_EINPUT when held. */
int asim_dir_lock_inode(const char *dir, asim_err *err);

/* mkdir -p; 0, ASIM_EINPUT when path or a prefix of it is a file (the
 * user named a bad directory: exit 2), else ASIM_ERUNTIME with message. */
int asim_mkdirs(const char *path, asim_err *err);

/* The whole file at path in one NUL-terminated buffer the caller frees;
 * *len (when len is not NULL) gets its length.  0; -1 when the file cannot
 * be opened (errno from fopen says why; EISDIR for a directory); -2 on a
 * read error.  *text is NULL
 * after an error, so callers word their own messages.  O(size). */
int asim_read_file(const char *path, char **text, size_t *len);

#endif
