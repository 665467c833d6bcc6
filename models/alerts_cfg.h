/* alerts_cfg.h -- settings of the alerts feature (part of asim_ext_cfg).
 * Owned by that feature; filled by its settings table (sim/settings_alerts.c). */
#ifndef ASIM_ALERTS_CFG_H
#define ASIM_ALERTS_CFG_H

#include <stddef.h>

typedef struct asim_alerts_cfg {
    int placeholder_;     /* replace with the feature's settings */
} asim_alerts_cfg;

#endif
