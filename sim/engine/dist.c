/* dist.c -- positive random quantities given by mean and cv (see dist.h).
 * The family parameters are derived once in asim_dist_prepare so sampling is
 * one GSL call on the hot path. */
#include "sim/engine/dist.h"

#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>

static const char *const names[] = {
    "deterministic", "exponential", "lognormal", "gamma", "uniform"
};

const char *asim_dist_name(asim_dist_kind k) { return names[k]; }
const char *asim_dist_names(void) { return "deterministic, exponential, lognormal, gamma, uniform"; }

int asim_dist_parse(const char *name, asim_dist_kind *k)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0) { *k = (asim_dist_kind)i; return 0; }
    return -1;
}

int asim_dist_prepare(asim_dist *d, asim_err *err)
{
    if (!(d->mean > 0) || !isfinite(d->mean))
        return asim_err_set(err, ASIM_EINPUT, "mean must be a finite number > 0 (got %g)", d->mean);
    if (!(d->cv >= 0) || !isfinite(d->cv))
        return asim_err_set(err, ASIM_EINPUT, "cv must be a finite number >= 0 (got %g)", d->cv);
    switch (d->kind) {
    case ASIM_DIST_DETERMINISTIC:
        if (d->cv != 0)
            return asim_err_set(err, ASIM_EINPUT, "a deterministic distribution has cv 0 (got %g)", d->cv);
        d->a = d->mean; d->b = 0;
        break;
    case ASIM_DIST_EXPONENTIAL:
        if (d->cv != 1)
            return asim_err_set(err, ASIM_EINPUT, "an exponential distribution has cv 1 (got %g)", d->cv);
        d->a = d->mean; d->b = 0;
        break;
    case ASIM_DIST_LOGNORMAL: {
        if (d->cv <= 0)
            return asim_err_set(err, ASIM_EINPUT, "a lognormal distribution needs cv > 0 (use deterministic for 0)");
        double s2 = log1p(d->cv * d->cv);
        d->a = log(d->mean) - s2 / 2;      /* mu */
        d->b = sqrt(s2);                   /* sigma */
        break;
    }
    case ASIM_DIST_GAMMA:
        if (d->cv <= 0)
            return asim_err_set(err, ASIM_EINPUT, "a gamma distribution needs cv > 0 (use deterministic for 0)");
        d->a = 1 / (d->cv * d->cv);        /* shape */
        d->b = d->mean * d->cv * d->cv;    /* scale */
        break;
    case ASIM_DIST_UNIFORM: {
        double h = sqrt(3.0) * d->cv;
        if (h > 1)
            return asim_err_set(err, ASIM_EINPUT, "a uniform distribution of positive values needs cv <= 0.577 (got %g)", d->cv);
        d->a = d->mean * (1 - h);
        d->b = d->mean * (1 + h);
        break;
    }
    default:
        return asim_err_set(err, ASIM_EINPUT, "unknown distribution");
    }
    return 0;
}

double asim_dist_sample(const asim_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case ASIM_DIST_DETERMINISTIC: return d->a;
    case ASIM_DIST_EXPONENTIAL:   return gsl_ran_exponential(r, d->a);
    case ASIM_DIST_LOGNORMAL:
        /* GSL's ziggurat normal is ~2x faster than the ratio method that
         * gsl_ran_lognormal uses; the distribution is the same. */
        return exp(d->a + d->b * gsl_ran_gaussian_ziggurat(r, 1.0));
    case ASIM_DIST_GAMMA:         return gsl_ran_gamma(r, d->a, d->b);
    case ASIM_DIST_UNIFORM:       return gsl_ran_flat(r, d->a, d->b);
    }
    return d->mean;
}

double asim_dist_second_moment(const asim_dist *d)
{
    double cv = d->kind == ASIM_DIST_DETERMINISTIC ? 0 : d->cv;
    return d->mean * d->mean * (1 + cv * cv);
}
