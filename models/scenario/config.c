/* config.c -- the one helper that belongs to the scenario struct itself:
 * error messages that name the scenario file and JSON path (config.h).
 * Lives beside the struct, below the settings layer, so that models which
 * check their part of a scenario report errors in the same words. */
#include "models/scenario/config.h"

#include <stdarg.h>
#include <stdio.h>

int asim_config_errf(const asim_config *cfg, asim_err *err, const char *jpath,
                     const char *fmt, ...)
{
    if (!err)
        return ASIM_EINPUT;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = cfg && cfg->source_file[0] ? cfg->source_file : "scenario";
    return asim_err_set(err, ASIM_EINPUT, "%s: %s: %s", file, jpath, msg);
}
