/* trace_cfg.h -- settings of the trace feature (part of asim_ext_cfg).
 * Owned by that feature; filled by its settings table (sim/settings_trace.c). */
#ifndef ASIM_TRACE_CFG_H
#define ASIM_TRACE_CFG_H

#include <stddef.h>

typedef struct asim_trace_cfg {
    int placeholder_;     /* replace with the feature's settings */
} asim_trace_cfg;

#endif
