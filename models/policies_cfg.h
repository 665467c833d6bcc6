/* policies_cfg.h -- settings of the policies feature (part of asim_ext_cfg).
 * Owned by that feature; filled by its settings table (sim/settings_policies.c). */
#ifndef ASIM_POLICIES_CFG_H
#define ASIM_POLICIES_CFG_H

#include <stddef.h>

typedef struct asim_policies_cfg {
    int placeholder_;     /* replace with the feature's settings */
} asim_policies_cfg;

#endif
