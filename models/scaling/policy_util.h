/* policy_util.h -- helpers shared by the policies (policy_*.c): a policy's
 * own PromQL query, the wall clock of a simulated instant, Kubernetes'
 * milli-unit conversion, the seed's threshold wording for scaler.log, and
 * the reach of the policies' queries (what the tsdb must retain). */
#ifndef ASIM_POLICY_UTIL_H
#define ASIM_POLICY_UTIL_H

#include "sim/engine/common.h"
#include "models/scenario/config.h"
#include "models/scaling/policy.h"
#include "models/promql/promql.h"

/* The method tables of these policies (registered in policy.c). */
extern const asim_policy_methods asim_policy_hpa;
extern const asim_policy_methods asim_policy_step;
extern const asim_policy_methods asim_policy_target_tracking;
extern const asim_policy_methods asim_policy_predictive;
extern const asim_policy_methods asim_policy_scheduled;
extern const asim_policy_methods asim_policy_cpu;

/* ---- scaler.log wording -------------------------------------------------- */

/* The seed's state lines for a value compared with two thresholds:
 *   "  * <what>: 0.523<unit>" then "    WARNING ABOVE scale-up threshold (0.8<unit>)",
 * "    BELOW scale-down threshold (...)" or "    OK within thresholds (a - b)".
 * Comparisons as the threshold policy's (strict). */
void asim_policy_log_thresholds(FILE *f, const char *what, const char *unit, double v, double up,
                                double down);

/* ---- a policy's own query ------------------------------------------------ */

/* A query a policy runs itself against obs->db at its decision instants.
 * An empty text means "the scaler's query": the result and value are then
 * the ones the scaler loop passed in obs.  Without a db (replay, unit
 * tests) the scaler's answers stand in for the own query's. */
typedef struct asim_pquery {
    asim_promql *expr;               /* NULL: the scaler's query */
    asim_promql_result res;
    int64_t lookback_ms;
} asim_pquery;

/* Parse text (may be "" or NULL); prom gives the lookback delta.  On a parse error returns ASIM_EINPUT with
 * "$.<jpath>: position N: ..." in err.  q must be freed with asim_pquery_free
 * (also after a failed init). */
int asim_pquery_init(asim_pquery *q, const char *text, const asim_prometheus_cfg *prom,
                     const char *jpath, asim_err *err);
/* The result at obs->now: the own query's (NULL when the evaluation fails,
 * which reads as no data, as for the scaler), or obs->result (no own query,
 * or no db).  Valid until the next call. */
const asim_promql_result *asim_pquery_result(asim_pquery *q, const asim_policy_obs *o);
/* The result reduced to one number (NaN = no data); with no own query or
 * no db, obs->metric. */
double asim_pquery_value(asim_pquery *q, const asim_policy_obs *o, asim_reduce how);
void asim_pquery_free(asim_pquery *q);
/* How far back q reaches (0 when it is the scaler's). */
int64_t asim_pquery_reach_ms(const asim_pquery *q);

/* The seed's threshold policy built from scaler.* alone (the cpu policy
 * builds one with its own thresholds).  State for asim_policy_threshold. */
void *asim_threshold_create(const asim_scaler_cfg *sc);

/* What most policies take of scaler.*: the replica bounds and how the
 * query's series reduce to one number. */
static inline void asim_scaler_bounds(const asim_scaler_cfg *sc, int *min, int *max, asim_reduce *reduce)
{
    *min = sc->min_replicas;
    *max = sc->max_replicas;
    if (reduce)
        *reduce = sc->reduce;
}

/* The longest reach (ms) of the queries the configured policy runs itself
 * (0 for the seed's policy): simulate.c keeps at least that much in the
 * tsdb.  Unparsable queries count as 0 (validation reports them). */
int64_t asim_policies_reach_ms(const asim_config *cfg, int64_t lookback_ms);

/* ---- instance warm-up (AWS step scaling and target tracking) ------------- */

/* Replicas a policy added that are still launching or warming up: from the
 * decision until `warmup` seconds after the actuation finished (the
 * simulated stack's "InService").  Memory: one entry per scale-out within
 * the warm-up, pruned as they expire. */
typedef struct asim_warmup {
    struct asim_warming { asim_time done; int added; } *a;   /* done < 0: in flight */
    int n, cap;
    asim_time warmup;
} asim_warmup;

void asim_warmup_init(asim_warmup *w, double warmup_s);
/* A scale-out of `added` replicas was decided (the actuation is in flight). */
void asim_warmup_add(asim_warmup *w, int added);
/* The actuation in flight finished at `now`. */
void asim_warmup_done(asim_warmup *w, asim_time now);
/* Replicas still warming at `now` (prunes the expired ones). */
int asim_warmup_count(asim_warmup *w, asim_time now);
void asim_warmup_free(asim_warmup *w);

/* ---- wall clock ------------------------------------------------------------ */

/* Wall-clock time of simulated t=0, from the scenario's start_time. */
typedef struct asim_wallclock {
    int64_t epoch_s;                 /* Unix seconds of t=0 (UTC) */
    double frac;                     /* fractional second of t=0 */
    int offset_min;                  /* the time's UTC offset: local = UTC + offset */
} asim_wallclock;

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)".  0, or ASIM_EINPUT. */
int asim_wallclock_init(asim_wallclock *w, const char *rfc3339, asim_err *err);
/* Local weekday (0 = Sunday) and seconds since local midnight at `now`, in
 * the start_time's own UTC offset (the simulated host's clock). */
void asim_wallclock_local(const asim_wallclock *w, asim_time now, int *weekday, double *sec_of_day);

/* ---- Kubernetes quantities ------------------------------------------------- */

/* A metric value in milli-units as resource.Quantity.MilliValue() gives it:
 * rounded up (ceil) -- after snapping values within 1e-9 of a whole milli,
 * because the adapter formats a decimal that parses exactly while v*1000 in
 * binary may land just above it (0.55*1000 = 550.0000000000001).  NaN and
 * infinities are not values: the caller treats them as missing. */
int64_t asim_milli_value(double v);

#endif
