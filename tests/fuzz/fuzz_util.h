/* fuzz_util.h -- what the libFuzzer harnesses (tests/fuzz/fuzz_*.c) share:
 * the input as a C string, a scenario loaded from it, and the removal of a
 * temporary run directory.  Header-only: each harness is one translation
 * unit linked alone with the library (see the Makefile's fuzz target). */
#ifndef ASIM_FUZZ_UTIL_H
#define ASIM_FUZZ_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config/settings.h"

/* The input as a NUL-terminated string, to free(). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = asim_malloc(size + 1);   /* aborts when out of memory */
    memcpy(text, data, size);
    text[size] = 0;
    return text;
}

/* cfg = the defaults with the input laid over them as a scenario file named
 * "fuzz.json": 0 when it loads, else the loader's error class with err
 * set; cfg is to be freed either way. */
static inline int fuzz_load_scenario(const uint8_t *data, size_t size, asim_config *cfg, asim_err *err)
{
    char *text = fuzz_text(data, size);
    asim_config_defaults(cfg);
    int rc = asim_config_load_text(cfg, text, "fuzz.json", err);
    asim_free(text);
    return rc;
}

/* Remove dir and the files in it (a run directory has no subdirectories). */
static inline void fuzz_remove_dir(const char *dir)
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

#endif
