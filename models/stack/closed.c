/* closed.c -- closed-loop clients (see closed.h). */
#include "models/stack/closed.h"

struct asim_closed {
    asim_evq *q;
    int n;
    asim_dist think;
    gsl_rng *rng;
    asim_time end;
    asim_closed_send_fn send;
    void *ctx;
    asim_timer *timer;             /* per client: pending send, 0 while a request is out */
};

static void on_send(void *ctx, uint64_t arg, asim_time now)
{
    asim_closed *c = ctx;
    c->timer[arg] = 0;
    if (now >= c->end) return;     /* the run of `ab -t` is over: this client stops */
    c->send(c->ctx, (int)arg, now);
}

asim_closed *asim_closed_create(asim_evq *q, int clients, const asim_dist *think, gsl_rng *rng,
                                asim_time start, asim_time end, asim_closed_send_fn send, void *ctx)
{
    asim_closed *c = asim_calloc(1, sizeof *c);
    c->q = q;
    c->n = clients;
    c->think = *think;
    c->rng = rng;
    c->end = end;
    c->send = send;
    c->ctx = ctx;
    c->timer = asim_calloc((size_t)(clients > 0 ? clients : 1), sizeof *c->timer);
    for (int i = 0; i < clients; i++)
        c->timer[i] = asim_evq_at(q, start, on_send, c, (uint64_t)i);
    return c;
}

void asim_closed_destroy(asim_closed *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++)
        if (c->timer[i]) asim_evq_cancel(c->q, c->timer[i]);
    asim_free(c->timer);
    asim_free(c);
}

void asim_closed_returned(asim_closed *c, int client, asim_time now)
{
    if (client < 0 || client >= c->n || c->timer[client]) return;
    asim_time z = ASIM_SEC(asim_dist_sample(&c->think, c->rng));
    c->timer[client] = asim_evq_at(c->q, now + (z > 0 ? z : 0), on_send, c, (uint64_t)client);
}
