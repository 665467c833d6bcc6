/* replayed.c -- what a run replays: "replays" in summary.json, warnings
 * about traces longer or shorter than the run, --duration trace, and the
 * name of a run whose traces came from the command line (see replayed.h). */
#include "sim/run/replayed.h"

#include <math.h>
#include <string.h>
#include "models/trace/trace_spec.h"

#define SHORT_SLACK 1.0      /* s: a trace ending this close to the run's end is not "shorter" */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

int asim_replayed_collect(const asim_sources *s, const asim_config *cfg, asim_replayed *out, asim_err *err)
{
    memset(out, 0, sizeof *out);
    out->duration = cfg->duration;
    out->profile_too = cfg->ext.trace.profile == ASIM_PROFILE_ADD && cfg->traffic.nsegments > 0;
    size_t n = asim_sources_ntraces(s);
    asim_time horizon = ASIM_SEC(cfg->duration);
    for (size_t i = 0; i < n && i < ASIM_ARRAY_LEN(out->t); i++) {
        int rc = asim_sources_trace_info(s, i, horizon, &out->t[i], err);
        if (rc) return rc;
        out->n++;
    }
    return 0;
}

/* A trace instant as JSON: RFC 3339 for instants, seconds for relative times. */
static cJSON *instant_json(int64_t ns, int tz, int absolute)
{
    if (!absolute) return cJSON_CreateNumber(ASIM_TO_SEC(ns));
    char buf[48];
    asim_time_format_rfc3339(ns, tz, buf, sizeof buf);
    return cJSON_CreateString(buf);
}

cJSON *asim_replayed_json(const asim_replayed *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < r->n; i++) {
        const asim_sources_trace *t = &r->t[i];
        const asim_trace_coverage *c = &t->cov;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddStringToObject(o, "file", base_name(t->path));
        cJSON_AddStringToObject(o, "format", asim_trace_format_name(t->format));
        cJSON_AddItemToObject(o, "from", instant_json(c->data_from, c->tz, c->absolute));
        cJSON_AddItemToObject(o, "to", instant_json(c->data_to, c->tz, c->absolute));
        cJSON_AddNumberToObject(o, "trace_seconds", ASIM_TO_SEC(c->data_to - c->data_from));
        cJSON_AddNumberToObject(o, "plays_from", c->sim_from);
        cJSON_AddNumberToObject(o, "plays_to", c->sim_to);
        cJSON_AddNumberToObject(o, "records", (double)c->records);
        cJSON_AddNumberToObject(o, "records_in_run", (double)c->played);
        cJSON_AddBoolToObject(o, "cut", c->cut);
        cJSON_AddBoolToObject(o, "loop", c->loop);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* "2024-01-15T14:07:43.000Z (+463 s)" of trace ns t, offset from the data's start. */
static void when_text(const asim_trace_coverage *c, int64_t t, char *buf, size_t len)
{
    asim_trace_time_text(t, c->tz, c->data_from, buf, len);
}

int asim_replayed_warn(const asim_replayed *r, FILE *f, const char *prefix)
{
    int n = 0;
    double last_end = -INFINITY;
    int any_loop = 0;
    for (size_t i = 0; i < r->n; i++) {
        const asim_sources_trace *t = &r->t[i];
        const asim_trace_coverage *c = &t->cov;
        if (c->sim_to > last_end) last_end = c->sim_to;
        any_loop |= c->loop;
        if (!c->cut) continue;
        char a[96], b[96], cut[96];
        when_text(c, c->data_from, a, sizeof a);
        when_text(c, c->data_to, b, sizeof b);
        /* the trace instant at which the run stops */
        double span = c->sim_to - c->sim_from;
        double at = (double)c->data_from +
                    (span > 0 ? (r->duration - c->sim_from) / span * (double)(c->data_to - c->data_from) : 0);
        when_text(c, (int64_t)llround(at), cut, sizeof cut);
        fprintf(f, "%strace %s (%s) lasts %.6g s, from %s to %s, but the run stops after %.6g s, at %s: "
                "%llu of its %llu records are replayed; --duration trace runs exactly the trace\n", prefix,
                base_name(t->path), t->name, ASIM_TO_SEC(c->data_to - c->data_from), a, b, r->duration, cut,
                (unsigned long long)c->played, (unsigned long long)c->records);
        n++;
    }
    if (r->n && !any_loop && !r->profile_too && last_end < r->duration - SHORT_SLACK) {
        const asim_sources_trace *t = &r->t[0];
        for (size_t i = 1; i < r->n; i++)
            if (r->t[i].cov.sim_to > t->cov.sim_to) t = &r->t[i];
        char b[96];
        when_text(&t->cov, t->cov.data_to, b, sizeof b);
        fprintf(f, "%s%s%s ends at %.6g s of the run, at %s of the trace, but the run lasts %.6g s: its last "
                "%.6g s have no traffic; --duration trace runs exactly the trace%s\n", prefix,
                r->n > 1 ? "the last of the traces, " : "trace ", base_name(t->path), last_end, b, r->duration,
                r->duration - last_end, r->n > 1 ? "s" : "");
        n++;
    }
    return n;
}

int asim_replayed_end(const asim_config *cfg, double *end, asim_err *err)
{
    asim_sources *s = NULL;
    int rc = asim_sources_create(cfg, cfg->seed, &s, err);
    if (rc) return rc;
    size_t n = asim_sources_ntraces(s);
    if (n == 0) rc = asim_err_set(err, ASIM_EINPUT, "--duration trace: the scenario replays no trace "
                                  "(give one: --trace FILE or --set trace.path=FILE)");
    *end = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        asim_sources_trace t;
        rc = asim_sources_trace_info(s, i, ASIM_TIME_MAX, &t, err);
        if (rc) break;
        if (t.cov.loop)
            rc = asim_err_set(err, ASIM_EINPUT, "--duration trace: trace %s loops, so it never ends; "
                              "give a duration in seconds", t.name);
        else if (t.cov.sim_to > *end) *end = t.cov.sim_to;
    }
    asim_sources_destroy(s);
    if (!rc && !(*end > 0))
        rc = asim_err_set(err, ASIM_EINPUT, "--duration trace: the traces end before the run starts");
    return rc;
}

/* Copy src into dst, cut at a UTF-8 character boundary if it is too long. */
static void set_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* The effective traces as "path|window|..." keys, to tell whether the
 * command line changed what the scenario file replays. */
static int same_traces(const asim_config *a, const asim_config *b)
{
    const asim_trace_cfg *x = &a->ext.trace, *y = &b->ext.trace;
    if (x->ntraces != y->ntraces || strcmp(x->path, y->path) != 0 || x->profile != y->profile)
        return 0;
    for (size_t i = 0; i < x->ntraces; i++)
        if (strcmp(x->traces[i].path, y->traces[i].path) != 0) return 0;
    return 1;
}

void asim_replayed_rename(asim_config *cfg, const asim_config *file_cfg, int name_set, int desc_set)
{
    const asim_trace_cfg *tc = &cfg->ext.trace;
    if (same_traces(cfg, file_cfg) || (tc->ntraces == 0 && !tc->path[0])) return;
    char files[400] = "";
    size_t used = 0;
    for (size_t i = 0; i <= tc->ntraces && used + 1 < sizeof files; i++) {
        const char *p = i < tc->ntraces ? tc->traces[i].path : tc->path;
        if (!p[0]) continue;
        used += (size_t)snprintf(files + used, sizeof files - used, "%s%s", used ? "+" : "", base_name(p));
    }
    if (used >= sizeof files) used = sizeof files - 1;
    if (!name_set) {
        char name[sizeof cfg->name + sizeof files + 2];
        snprintf(name, sizeof name, "%s+%s", file_cfg->name, files);
        set_text(cfg->name, sizeof cfg->name, name);
    }
    if (!desc_set) {
        const char *how = tc->profile == ASIM_PROFILE_ADD ? "on top of" : "instead of";
        char d[4096];
        snprintf(d, sizeof d, "Replays %s%s%s %s the traffic of scenario %s%s%s%s; every other setting as "
                 "there (its own description is not this run's).", files, tc->window[0] ? ", window " : "",
                 tc->window, how, file_cfg->name, file_cfg->source_file[0] ? " (" : "",
                 base_name(file_cfg->source_file), file_cfg->source_file[0] ? ")" : "");
        set_text(cfg->description, sizeof cfg->description, d);
    }
}
