/* dist.h -- a positive random quantity given by distribution, mean and
 * coefficient of variation (service time, container start, playbook run).
 *
 * The parameters users think in (mean, cv) are turned into each family's own
 * parameters once, at init:
 *   deterministic  always mean (cv ignored, must be 0 or unset)
 *   exponential    rate 1/mean (cv is 1 by definition; other values rejected)
 *   lognormal      sigma^2 = ln(1+cv^2), mu = ln(mean) - sigma^2/2
 *   gamma          shape k = 1/cv^2, scale = mean*cv^2
 *   uniform        [mean*(1-sqrt3*cv), mean*(1+sqrt3*cv)], needs cv <= 1/sqrt3
 * Sampling uses GSL's samplers on the stream the caller passes. */
#ifndef ASIM_DIST_H
#define ASIM_DIST_H

#include <gsl/gsl_rng.h>
#include "sim/engine/common.h"

typedef enum asim_dist_kind {
    ASIM_DIST_DETERMINISTIC, ASIM_DIST_EXPONENTIAL, ASIM_DIST_LOGNORMAL,
    ASIM_DIST_GAMMA, ASIM_DIST_UNIFORM
} asim_dist_kind;

typedef struct asim_dist {
    asim_dist_kind kind;
    double mean, cv;        /* as the user gave them */
    double a, b;            /* family parameters, set by asim_dist_prepare */
} asim_dist;

/* Names as used in scenario files ("exponential", ...).  parse returns 0 on
 * success, -1 for an unknown name. */
const char *asim_dist_name(asim_dist_kind k);
int asim_dist_parse(const char *name, asim_dist_kind *k);
/* The list of valid names, comma-separated, for error messages. */
const char *asim_dist_names(void);

/* Check (mean > 0, cv in range for the family) and derive a, b.  Returns 0 or
 * ASIM_EINPUT with a message ("mean must be > 0", ...) in err. */
int asim_dist_prepare(asim_dist *d, asim_err *err);

double asim_dist_sample(const asim_dist *d, gsl_rng *r);
/* Second moment E[X^2] = mean^2 (1 + cv^2) (for Pollaczek-Khinchine etc.). */
double asim_dist_second_moment(const asim_dist *d);

#endif
