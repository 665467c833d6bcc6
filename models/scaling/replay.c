/* replay.c -- the policy dry run (see replay.h).
 *
 * Invariant: `replicas` is what the last decision left; the policy's state
 * is only ever changed through its decide/actuated methods, exactly as the
 * scaler loop drives it, so a replay and a simulation of the same checks
 * make the same decisions. */
#include "models/scaling/replay.h"

#include <math.h>
#include <string.h>
#include "models/scenario/config.h"
#include "sim/engine/output.h"
#include "models/scaling/scaler.h"

struct asim_replay {
    const asim_policy_methods *m;
    void *state;
    int replicas;
    int started;
    double t0;
    asim_reduce reduce;
    int per_pod;
    /* the broadcast vector: one element per replica, instance="replica-K" */
    asim_promql_elem *bv;
    asim_label *blab;
    char (*bnames)[24];
    int bcap;
};

int asim_replay_per_pod(const asim_config *cfg)
{
    const asim_hpa_cfg *h = &cfg->ext.policies.hpa;
    return strcmp(cfg->scaler.policy, "hpa") == 0 &&
           (h->metric_type == ASIM_HPA_PODS || h->metric_type == ASIM_HPA_RESOURCE);
}

asim_replay *asim_replay_create(const asim_config *cfg, asim_err *err)
{
    const asim_policy_methods *m = asim_policy_find(cfg->scaler.policy);
    if (!m) {
        asim_err_set(err, ASIM_EINPUT, "scaler.policy: unknown policy '%s' (known: %s)",
                     cfg->scaler.policy, asim_policy_names());
        return NULL;
    }
    void *st = m->create(cfg, err);
    if (!st) return NULL;
    asim_replay *r = asim_calloc(1, sizeof *r);
    r->m = m;
    r->state = st;
    r->replicas = cfg->container.initial_replicas;
    r->reduce = cfg->scaler.reduce;
    r->per_pod = asim_replay_per_pod(cfg);
    return r;
}

void asim_replay_destroy(asim_replay *r)
{
    if (!r) return;
    r->m->destroy(r->state);
    asim_free(r->bv);
    asim_free(r->blab);
    asim_free(r->bnames);
    asim_free(r);
}

static void step(asim_replay *r, double t, double metric, const asim_promql_result *res,
                 asim_replay_row *row);

void asim_replay_step(asim_replay *r, double t, double metric, asim_replay_row *row)
{
    step(r, t, metric, NULL, row);
}

/* res's single value given to every current replica. */
static const asim_promql_result *broadcast(asim_replay *r, const asim_promql_result *res,
                                           asim_promql_result *tmp)
{
    if (r->replicas > r->bcap) {
        int cap = r->replicas;
        r->bv = asim_realloc(r->bv, (size_t)cap * sizeof *r->bv);
        r->blab = asim_realloc(r->blab, (size_t)cap * sizeof *r->blab);
        r->bnames = asim_realloc(r->bnames, (size_t)cap * sizeof *r->bnames);
        for (int i = 0; i < cap; i++) {
            snprintf(r->bnames[i], sizeof r->bnames[i], "replica-%d", i + 1);
            r->blab[i] = (asim_label){ "instance", r->bnames[i] };
        }
        r->bcap = cap;
    }
    memset(tmp, 0, sizeof *tmp);
    tmp->type = ASIM_PROMQL_VECTOR;
    tmp->v = r->bv;
    tmp->n = (size_t)r->replicas;
    for (int i = 0; i < r->replicas; i++)
        r->bv[i] = (asim_promql_elem){ &r->blab[i], 1, res->v[0].value, NULL, 0 };
    return tmp;
}

void asim_replay_step_vector(asim_replay *r, double t, const asim_promql_result *res, int bcast,
                             asim_replay_row *row)
{
    double metric = asim_scaler_reduce(res, r->reduce);
    asim_promql_result tmp;
    if (bcast && r->per_pod && res->type == ASIM_PROMQL_VECTOR && res->n == 1) res = broadcast(r, res, &tmp);
    step(r, t, metric, res, row);
}

static void step(asim_replay *r, double t, double metric, const asim_promql_result *res,
                 asim_replay_row *row)
{
    if (!r->started) {
        r->started = 1;
        r->t0 = t;
    }
    asim_policy_obs obs;
    memset(&obs, 0, sizeof obs);
    obs.now = ASIM_SEC(t - r->t0);
    obs.metric = metric;
    obs.result = res;
    obs.replicas = obs.ready = r->replicas;
    asim_policy_out out;
    memset(&out, 0, sizeof out);
    out.desired = r->replicas;
    asim_policy_decide(r->m, r->state, &obs, &out);
    row->time = t;
    row->metric = metric;
    row->before = r->replicas;
    row->decision = out.decision;
    snprintf(row->reason, sizeof row->reason, "%s", out.reason);
    if (out.desired != r->replicas) {
        r->replicas = out.desired;
        if (r->m->actuated) r->m->actuated(r->state, obs.now, r->replicas);
    }
    row->after = r->replicas;
}

int asim_replay_replicas(const asim_replay *r) { return r->replicas; }

void asim_replay_csv_header(FILE *f)
{
    fputs("time,metric,replicas_before,decision,replicas_after,reason\n", f);
}

void asim_replay_csv_row(FILE *f, const asim_replay_row *row)
{
    asim_csv w;
    asim_csv_init(&w, f);
    asim_csv_num(&w, row->time);
    if (isnan(row->metric)) asim_csv_str(&w, "");
    else asim_csv_num(&w, row->metric);
    asim_csv_int(&w, row->before);
    asim_csv_str(&w, asim_decision_name(row->decision));
    asim_csv_int(&w, row->after);
    asim_csv_str(&w, row->reason);
    asim_csv_end(&w);
}
