/* import.c -- prometheus.yml, rule files, the scaler's environment and an
 * HPA manifest into scenario settings (import.h; the field-by-field map is
 * doc/import.md).
 *
 * YAML: libyaml's document API (yaml_parser_load) gives the whole tree with
 * the line and column of every node, anchors and aliases resolved; a
 * document is read once, then walked.  Duplicate keys in a mapping are
 * errors, as in Prometheus (yaml.v2 UnmarshalStrict) and Kubernetes.
 *
 * Sources of the defaults applied when a field is absent (Prometheus
 * v2.42.0 config/config.go, discovery/dns/dns.go; Kubernetes
 * pkg/apis/autoscaling/v2/defaults.go): global scrape_interval 1m,
 * evaluation_interval 1m, scrape_timeout 10s (or the interval when
 * smaller), a job's timeout the global one (or its interval when smaller),
 * DNS SD refresh 30s and type SRV, HPA minReplicas 1. */
#include "sim/config/import.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <yaml.h>

#include "models/prometheus/rules.h"
#include "sim/config/settings.h"
#include "sim/engine/timefmt.h"

typedef struct rule_file {
    char *path;                   /* as given */
    cJSON *groups;                /* rule groups read from it (file set at finish) */
} rule_file;

struct asim_import {
    FILE *notes;
    char cfgdir[1024];
    cJSON *root;
    rule_file *rf;
    size_t nrf;
    char **patterns;              /* prometheus.yml rule_files, joined to cfgdir */
    size_t npat;
    int have_prom;
    double eval_interval;         /* from prometheus.yml, for messages */
    /* the file being read */
    const char *path;
    yaml_document_t doc;
};

/* ---- small helpers ----------------------------------------------------------- */

static void note(asim_import *im, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(asim_import *im, const yaml_node_t *n, const char *fmt, ...)
{
    if (!im->notes) return;
    va_list ap;
    va_start(ap, fmt);
    if (n) fprintf(im->notes, "%s:%zu: ", im->path, n->start_mark.line + 1);
    else fprintf(im->notes, "%s: ", im->path);
    vfprintf(im->notes, fmt, ap);
    fputc('\n', im->notes);
    va_end(ap);
}

static int yerr(asim_import *im, asim_err *err, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int yerr(asim_import *im, asim_err *err, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n)
        return asim_err_set(err, ASIM_EINPUT, "%s:%zu:%zu: %s", im->path, n->start_mark.line + 1,
                            n->start_mark.column + 1, msg);
    return asim_err_set(err, ASIM_EINPUT, "%s: %s", im->path, msg);
}

static yaml_node_t *node(asim_import *im, int id) { return yaml_document_get_node(&im->doc, id); }

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The object at dotted path under root, created as needed. */
static cJSON *section(cJSON *root, const char *path)
{
    cJSON *o = root;
    char part[64];
    while (*path) {
        size_t k = strcspn(path, ".");
        snprintf(part, sizeof part, "%.*s", (int)k, path);
        cJSON *c = cJSON_GetObjectItemCaseSensitive(o, part);
        if (!c) c = cJSON_AddObjectToObject(o, part);
        o = c;
        path += k + (path[k] == '.');
    }
    return o;
}

/* Set "section.key" to item (replacing an earlier value: the later file wins). */
static void put(asim_import *im, const char *path, cJSON *item)
{
    const char *dot = strrchr(path, '.');
    char sec[128] = "";
    if (dot) snprintf(sec, sizeof sec, "%.*s", (int)(dot - path), path);
    cJSON *o = dot ? section(im->root, sec) : im->root;
    const char *key = dot ? dot + 1 : path;
    if (cJSON_GetObjectItemCaseSensitive(o, key)) cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
    else cJSON_AddItemToObject(o, key, item);
}

static void put_num(asim_import *im, const char *path, double v) { put(im, path, cJSON_CreateNumber(v)); }
static void put_str(asim_import *im, const char *path, const char *v) { put(im, path, cJSON_CreateString(v)); }

/* Check a mapping's keys: each must be in `known` (then handled by the
 * caller), in `ignored` (a note with the reason), else an error that names
 * it (Prometheus / Kubernetes reject unknown fields too).  Duplicate keys
 * are errors. */
typedef struct ignored_key {
    const char *key, *why;
} ignored_key;

static int check_map(asim_import *im, yaml_node_t *m, const char *where, const char *const *known,
                     const ignored_key *ign, asim_err *err)
{
    const char *sep = *where ? ": " : "";
    if (!m || m->type != YAML_MAPPING_NODE) return yerr(im, err, m, "%s%sexpected a mapping", where, sep);
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(im, p->key);
        const char *ks = scalar(k);
        if (!ks) return yerr(im, err, k, "%s%sa key must be a plain string", where, sep);
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++)
            if (scalar(node(im, q->key)) && strcmp(scalar(node(im, q->key)), ks) == 0)
                return yerr(im, err, k, "%s%skey '%s' is repeated", where, sep, ks);
        int ok = 0;
        for (size_t i = 0; known && known[i] && !ok; i++) ok = strcmp(known[i], ks) == 0;
        for (size_t i = 0; ign && ign[i].key && !ok; i++)
            if (strcmp(ign[i].key, ks) == 0) {
                note(im, k, "%s%s%s: ignored (%s)", where, *where ? "." : "", ks, ign[i].why);
                ok = 1;
            }
        if (!ok) return yerr(im, err, k, "%s%sunknown field '%s'", where, sep, ks);
    }
    return 0;
}

static yaml_node_t *get(asim_import *im, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *ks = scalar(node(im, p->key));
        if (ks && strcmp(ks, key) == 0) return node(im, p->value);
    }
    return NULL;
}

static int get_string(asim_import *im, yaml_node_t *m, const char *key, const char **out, asim_err *err)
{
    yaml_node_t *n = get(im, m, key);
    *out = NULL;
    if (!n) return 0;
    if (!scalar(n)) return yerr(im, err, n, "%s: expected a string", key);
    *out = scalar(n);
    return 0;
}

/* A Prometheus duration ("5s", "1m30s") in seconds; -1 if absent. */
static int get_duration(asim_import *im, yaml_node_t *m, const char *key, double *out, asim_err *err)
{
    yaml_node_t *n = get(im, m, key);
    *out = -1;
    if (!n) return 0;
    const char *s = scalar(n);
    int64_t ms;
    if (!s || asim_duration_parse(s, strlen(s), &ms) != 0)
        return yerr(im, err, n, "%s: '%s' is not a duration (like 5s, 1m, 1h30m)", key, s ? s : "(not a scalar)");
    *out = (double)ms / 1000.0;
    return 0;
}

static int number_text(const char *s, double *v)
{
    char *end;
    if (!s || !*s) return -1;
    *v = strtod(s, &end);
    return *end || !isfinite(*v) ? -1 : 0;
}

static int get_number(asim_import *im, yaml_node_t *m, const char *key, double *out, int *have, asim_err *err)
{
    yaml_node_t *n = get(im, m, key);
    *have = n != NULL;
    if (!n) return 0;
    if (number_text(scalar(n), out) != 0) return yerr(im, err, n, "%s: expected a number", key);
    return 0;
}

/* ---- prometheus.yml ----------------------------------------------------------- */

static const char *const prom_keys[] = { "global", "scrape_configs", "rule_files", NULL };
static const ignored_key prom_ign[] = {
    { "alerting", "alert notifications are not simulated; alerts.csv has every state change" },
    { "remote_write", "remote storage is not simulated" },
    { "remote_read", "remote storage is not simulated" },
    { "storage", "storage settings do not change query results here" },
    { "tracing", "not simulated" },
    { "scrape_config_files", "not supported: put the job in scrape_configs" },
    { NULL, NULL },
};
static const char *const global_keys[] = { "scrape_interval", "scrape_timeout", "evaluation_interval", NULL };
static const ignored_key global_ign[] = {
    { "external_labels", "labels added to alerts and remote writes; not simulated" },
    { "query_log_file", "not simulated" },
    { "body_size_limit", "not simulated" },
    { "sample_limit", "not simulated" },
    { "label_limit", "not simulated" },
    { "label_name_length_limit", "not simulated" },
    { "label_value_length_limit", "not simulated" },
    { "target_limit", "not simulated" },
    { NULL, NULL },
};
static const char *const job_keys[] = {
    "job_name", "scrape_interval", "scrape_timeout", "metrics_path", "dns_sd_configs", "file_sd_configs",
    "static_configs", NULL
};
static const ignored_key job_ign[] = {
    { "honor_labels", "label conflicts do not arise in the simulated targets" },
    { "honor_timestamps", "the simulated app exposes no timestamps" },
    { "scheme", "transport is not simulated" },
    { "params", "not simulated" },
    { "basic_auth", "not simulated" },
    { "authorization", "not simulated" },
    { "oauth2", "not simulated" },
    { "tls_config", "not simulated" },
    { "proxy_url", "not simulated" },
    { "follow_redirects", "not simulated" },
    { "enable_http2", "not simulated" },
    { "relabel_configs", "target relabelling is not simulated: targets keep instance and job labels" },
    { "metric_relabel_configs", "not simulated" },
    { "sample_limit", "not simulated" },
    { "target_limit", "not simulated" },
    { "label_limit", "not simulated" },
    { "body_size_limit", "not simulated" },
    { NULL, NULL },
};
static const char *const dns_keys[] = { "names", "type", "port", "refresh_interval", NULL };
static const char *const file_keys[] = { "files", "refresh_interval", NULL };

static int read_dns_sd(asim_import *im, yaml_node_t *list, asim_err *err)
{
    if (list->type != YAML_SEQUENCE_NODE || list->data.sequence.items.top == list->data.sequence.items.start)
        return yerr(im, err, list, "dns_sd_configs: expected a list of DNS discovery blocks");
    yaml_node_t *c = node(im, *list->data.sequence.items.start);
    int rc = check_map(im, c, "dns_sd_configs[0]", dns_keys, NULL, err);
    if (rc) return rc;
    if (list->data.sequence.items.top - list->data.sequence.items.start > 1)
        note(im, node(im, list->data.sequence.items.start[1]),
             "dns_sd_configs[1..]: ignored (the simulator discovers one service's replicas)");
    double refresh, port;
    int have;
    const char *type;
    if ((rc = get_duration(im, c, "refresh_interval", &refresh, err)) || (rc = get_string(im, c, "type", &type, err)) ||
        (rc = get_number(im, c, "port", &port, &have, err)))
        return rc;
    put_str(im, "prometheus.sd", "dns");
    put_num(im, "prometheus.refresh_interval", refresh > 0 ? refresh : 30);
    if (!type || strcmp(type, "SRV") == 0)
        note(im, c, "dns_sd_configs: type SRV%s: simulated as the replicas' A records (SRV gives their ports too)",
             type ? "" : " (the default)");
    else if (strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0 && strcmp(type, "MX") != 0 && strcmp(type, "NS") != 0)
        return yerr(im, err, get(im, c, "type"), "type: '%s' is not a DNS record type Prometheus queries", type);
    if (have) {
        if (port != floor(port) || port < 1 || port > 65535) return yerr(im, err, get(im, c, "port"), "port: expected 1..65535");
        put_num(im, "app.port", port);
    } else if (type && strcmp(type, "SRV") != 0)
        return yerr(im, err, c, "dns_sd_configs: port is required for type %s (Prometheus rejects this too)", type);
    yaml_node_t *names = get(im, c, "names");
    if (names && names->type == YAML_SEQUENCE_NODE && names->data.sequence.items.top - names->data.sequence.items.start > 1)
        note(im, names, "names[1..]: ignored (one service is simulated)");
    return 0;
}

static int read_job(asim_import *im, yaml_node_t *job, double g_interval, double g_timeout, asim_err *err)
{
    int rc = check_map(im, job, "scrape_configs[]", job_keys, job_ign, err);
    if (rc) return rc;
    const char *name, *path;
    double interval, timeout;
    if ((rc = get_string(im, job, "job_name", &name, err)) || (rc = get_string(im, job, "metrics_path", &path, err)) ||
        (rc = get_duration(im, job, "scrape_interval", &interval, err)) ||
        (rc = get_duration(im, job, "scrape_timeout", &timeout, err)))
        return rc;
    if (!name) return yerr(im, err, job, "scrape_configs[]: job_name is required");
    put_str(im, "prometheus.job", name);
    if (path && strcmp(path, "/metrics") != 0)
        note(im, get(im, job, "metrics_path"), "metrics_path: '%s': the simulated app serves its metrics there", path);
    if (interval < 0) interval = g_interval;
    /* config.go ScrapeConfig.UnmarshalYAML / Validate */
    if (timeout < 0) timeout = g_timeout > interval ? interval : g_timeout;
    if (timeout > interval)
        return yerr(im, err, get(im, job, "scrape_timeout"), "scrape_timeout %g s is greater than scrape_interval %g s "
                    "(Prometheus rejects this too)", timeout, interval);
    put_num(im, "prometheus.scrape_interval", interval);
    /* 0 is the simulator's own rule min(10 s, interval): say it that way
     * when it is the same number, else the number. */
    put_num(im, "prometheus.scrape_timeout", timeout == (interval < 10 ? interval : 10) ? 0 : timeout);
    yaml_node_t *dns = get(im, job, "dns_sd_configs"), *file = get(im, job, "file_sd_configs"),
                *stat = get(im, job, "static_configs");
    if (dns) return read_dns_sd(im, dns, err);
    if (file) {
        if (file->type != YAML_SEQUENCE_NODE || file->data.sequence.items.top == file->data.sequence.items.start)
            return yerr(im, err, file, "file_sd_configs: expected a list");
        if ((rc = check_map(im, node(im, *file->data.sequence.items.start), "file_sd_configs[0]", file_keys, NULL, err)))
            return rc;
        put_str(im, "prometheus.sd", "file");
        note(im, file, "file_sd_configs: simulated as a watched file (changes read at once); refresh_interval "
             "matters only where inotify does not reach");
        return 0;
    }
    if (stat) {
        note(im, stat, "static_configs: a fixed target list does not follow scaling; simulated as discovery of "
             "the replicas (prometheus.sd=dns)");
        return 0;
    }
    return yerr(im, err, job, "job '%s' has no service discovery (dns_sd_configs, file_sd_configs or static_configs)", name);
}

static void join_dir(const char *dir, const char *p, char *out, size_t len)
{
    if (p[0] == '/') snprintf(out, len, "%s", p);
    else snprintf(out, len, "%s/%s", dir, p);
}

static int read_prometheus(asim_import *im, yaml_node_t *root, const char *service, asim_err *err)
{
    int rc = check_map(im, root, "", prom_keys, prom_ign, err);
    if (rc) return rc;
    yaml_node_t *g = get(im, root, "global");
    double si = -1, st = -1, ei = -1;
    if (g) {
        if ((rc = check_map(im, g, "global", global_keys, global_ign, err)) ||
            (rc = get_duration(im, g, "scrape_interval", &si, err)) || (rc = get_duration(im, g, "scrape_timeout", &st, err)) ||
            (rc = get_duration(im, g, "evaluation_interval", &ei, err)))
            return rc;
    }
    if (si < 0) {
        si = 60;
        note(im, g, "global.scrape_interval not set: Prometheus's default, 1m");
    }
    if (ei < 0) {
        ei = 60;
        note(im, g, "global.evaluation_interval not set: Prometheus's default, 1m");
    }
    if (st < 0) st = si < 10 ? si : 10;
    if (st > si) return yerr(im, err, get(im, g, "scrape_timeout"), "global scrape timeout greater than scrape interval");
    put_num(im, "prometheus.evaluation_interval", ei);
    im->eval_interval = ei;
    put_num(im, "prometheus.scrape_interval", si);

    yaml_node_t *sc = get(im, root, "scrape_configs");
    if (sc) {
        if (sc->type != YAML_SEQUENCE_NODE) return yerr(im, err, sc, "scrape_configs: expected a list of jobs");
        yaml_node_item_t *s0 = sc->data.sequence.items.start, *s1 = sc->data.sequence.items.top;
        yaml_node_t *pick = NULL;
        for (yaml_node_item_t *it = s0; it < s1 && !pick; it++) {
            const char *jn = scalar(get(im, node(im, *it), "job_name"));
            if (jn && strcmp(jn, service) == 0) pick = node(im, *it);
        }
        if (!pick && s1 > s0) pick = node(im, *s0);
        for (yaml_node_item_t *it = s0; it < s1; it++)
            if (node(im, *it) != pick) {
                const char *jn = scalar(get(im, node(im, *it), "job_name"));
                note(im, node(im, *it), "scrape_configs: job '%s': ignored (one scrape job is simulated: '%s')",
                     jn ? jn : "?", pick ? scalar(get(im, pick, "job_name")) : "?");
            }
        if (pick && (rc = read_job(im, pick, si, st, err))) return rc;
    }
    yaml_node_t *rf = get(im, root, "rule_files");
    if (rf) {
        if (rf->type != YAML_SEQUENCE_NODE) return yerr(im, err, rf, "rule_files: expected a list of paths or globs");
        for (yaml_node_item_t *it = rf->data.sequence.items.start; it < rf->data.sequence.items.top; it++) {
            const char *p = scalar(node(im, *it));
            if (!p) return yerr(im, err, node(im, *it), "rule_files: expected a path");
            char full[2048];
            join_dir(im->cfgdir, p, full, sizeof full);
            im->patterns = asim_realloc(im->patterns, (im->npat + 1) * sizeof *im->patterns);
            im->patterns[im->npat++] = asim_strdup(full);
        }
    }
    im->have_prom = 1;
    return 0;
}

/* ---- rule files --------------------------------------------------------------- */

static const char *const group_keys[] = { "name", "interval", "rules", "limit", NULL };
static const char *const rule_keys[] = { "record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations", NULL };

static int read_labels(asim_import *im, yaml_node_t *l, cJSON *rule, asim_err *err)
{
    if (l->type != YAML_MAPPING_NODE) return yerr(im, err, l, "labels: expected a mapping of names to values");
    cJSON *o = cJSON_AddObjectToObject(rule, "labels");
    for (yaml_node_pair_t *p = l->data.mapping.pairs.start; p < l->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(im, p->key)), *v = scalar(node(im, p->value));
        if (!k || !v) return yerr(im, err, node(im, p->key), "labels: expected name: value");
        if (strstr(v, "{{")) note(im, node(im, p->value), "labels.%s: template kept as literal text (label templates are not simulated)", k);
        cJSON_AddStringToObject(o, k, v);
    }
    return 0;
}

static int read_rule(asim_import *im, yaml_node_t *r, cJSON *rules, int *annotated, asim_err *err)
{
    int rc = check_map(im, r, "rules[]", rule_keys, NULL, err);
    if (rc) return rc;
    const char *rec, *al, *expr;
    if ((rc = get_string(im, r, "record", &rec, err)) || (rc = get_string(im, r, "alert", &al, err)) ||
        (rc = get_string(im, r, "expr", &expr, err)))
        return rc;
    if (!!rec == !!al) return yerr(im, err, r, "a rule needs exactly one of record and alert");
    if (!expr) return yerr(im, err, r, "rule '%s': expr is required", rec ? rec : al);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(rules, o);
    cJSON_AddStringToObject(o, rec ? "record" : "alert", rec ? rec : al);
    cJSON_AddStringToObject(o, "expr", expr);
    double f, k;
    if ((rc = get_duration(im, r, "for", &f, err)) || (rc = get_duration(im, r, "keep_firing_for", &k, err))) return rc;
    if (rec && (f >= 0 || k >= 0 || get(im, r, "annotations")))
        return yerr(im, err, r, "recording rule '%s': for, keep_firing_for and annotations belong to alerting rules", rec);
    if (f >= 0) cJSON_AddNumberToObject(o, "for", f);
    if (k >= 0) cJSON_AddNumberToObject(o, "keep_firing_for", k);
    yaml_node_t *l = get(im, r, "labels");
    if (l && (rc = read_labels(im, l, o, err))) return rc;
    if (get(im, r, "annotations") && !*annotated) {
        note(im, get(im, r, "annotations"), "annotations: ignored (notification text is not simulated)");
        *annotated = 1;
    }
    return 0;
}

static int read_rules(asim_import *im, yaml_node_t *root, asim_err *err)
{
    int rc = check_map(im, root, "", (const char *const[]){ "groups", NULL }, NULL, err);
    if (rc) return rc;
    yaml_node_t *gs = get(im, root, "groups");
    if (gs->type != YAML_SEQUENCE_NODE) return yerr(im, err, gs, "groups: expected a list of rule groups");
    cJSON *groups = cJSON_CreateArray();
    im->rf = asim_realloc(im->rf, (im->nrf + 1) * sizeof *im->rf);
    im->rf[im->nrf].path = asim_strdup(im->path);
    im->rf[im->nrf].groups = groups;
    im->nrf++;
    int annotated = 0;
    for (yaml_node_item_t *it = gs->data.sequence.items.start; it < gs->data.sequence.items.top; it++) {
        yaml_node_t *g = node(im, *it);
        if ((rc = check_map(im, g, "groups[]", group_keys, NULL, err))) return rc;
        const char *name;
        double iv, limit;
        int have;
        if ((rc = get_string(im, g, "name", &name, err)) || (rc = get_duration(im, g, "interval", &iv, err)) ||
            (rc = get_number(im, g, "limit", &limit, &have, err)))
            return rc;
        if (!name || !*name) return yerr(im, err, g, "groups[]: name is required");
        if (have && limit != 0) note(im, get(im, g, "limit"), "limit: ignored (the simulated results stay small)");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(groups, o);
        cJSON_AddStringToObject(o, "name", name);
        if (iv > 0) cJSON_AddNumberToObject(o, "interval", iv);
        cJSON *rules = cJSON_AddArrayToObject(o, "rules");
        yaml_node_t *rs = get(im, g, "rules");
        if (!rs || rs->type != YAML_SEQUENCE_NODE) return yerr(im, err, rs ? rs : g, "group '%s': rules must be a list", name);
        for (yaml_node_item_t *r = rs->data.sequence.items.start; r < rs->data.sequence.items.top; r++)
            if ((rc = read_rule(im, node(im, *r), rules, &annotated, err))) return rc;
    }
    return 0;
}

/* ---- the scaler's environment ---------------------------------------------------- */

/* The seed scaler's nine variables (README "Environment Variables"). */
static const struct env_var {
    const char *name, *setting;
    int kind;                     /* 0 string, 1 number, 2 integer */
} env_vars[] = {
    { "PROMETHEUS_URL", "scaler.prometheus_url", 0 },
    { "SERVICE_NAME", "scaler.service_name", 0 },
    { "SCALE_UP_THRESHOLD", "scaler.scale_up_threshold", 1 },
    { "SCALE_DOWN_THRESHOLD", "scaler.scale_down_threshold", 1 },
    { "MAX_REPLICAS", "scaler.max_replicas", 2 },
    { "MIN_REPLICAS", "scaler.min_replicas", 2 },
    { "CHECK_INTERVAL", "scaler.check_interval", 1 },
    { "SCALE_UP_COOLDOWN", "scaler.scale_up_cooldown", 1 },
    { "SCALE_DOWN_COOLDOWN", "scaler.scale_down_cooldown", 1 },
};

/* One NAME=VALUE; n (may be NULL) locates it for messages. */
static int env_assign(asim_import *im, const char *name, const char *value, const yaml_node_t *n, size_t line,
                      asim_err *err)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(env_vars); i++) {
        if (strcmp(env_vars[i].name, name) != 0) continue;
        if (strstr(value, "${")) {
            if (n) note(im, n, "%s=%s: ignored (compose interpolation is not expanded)", name, value);
            else note(im, NULL, "line %zu: %s=%s: ignored (interpolation is not expanded)", line, name, value);
            return 0;
        }
        if (env_vars[i].kind == 0) {
            put_str(im, env_vars[i].setting, value);
            return 0;
        }
        double v;
        if (number_text(value, &v) != 0 || (env_vars[i].kind == 2 && v != floor(v))) {
            const char *want = env_vars[i].kind == 2 ? "an integer" : "a number";
            if (n) return yerr(im, err, n, "%s: '%s' is not %s", name, value, want);
            return asim_err_set(err, ASIM_EINPUT, "%s:%zu: %s: '%s' is not %s", im->path, line, name, value, want);
        }
        put_num(im, env_vars[i].setting, v);
        return 0;
    }
    if (n) note(im, n, "%s: ignored (not one of the seed scaler's variables)", name);
    else note(im, NULL, "line %zu: %s: ignored (not one of the seed scaler's variables)", line, name);
    return 0;
}

static int read_environment(asim_import *im, yaml_node_t *env, asim_err *err)
{
    int rc;
    if (env->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = env->data.sequence.items.start; it < env->data.sequence.items.top; it++) {
            yaml_node_t *n = node(im, *it);
            const char *s = scalar(n), *eq = s ? strchr(s, '=') : NULL;
            if (!s) return yerr(im, err, n, "environment: expected NAME=VALUE");
            char name[128];
            snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
            if (!eq) {
                note(im, n, "%s: ignored (its value comes from the host's environment)", name);
                continue;
            }
            if ((rc = env_assign(im, name, eq + 1, n, 0, err))) return rc;
        }
        return 0;
    }
    if (env->type != YAML_MAPPING_NODE) return yerr(im, err, env, "environment: expected a list or a mapping");
    for (yaml_node_pair_t *p = env->data.mapping.pairs.start; p < env->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(im, p->key)), *v = scalar(node(im, p->value));
        if (!k || !v) return yerr(im, err, node(im, p->key), "environment: expected NAME: value");
        if ((rc = env_assign(im, k, v, node(im, p->value), 0, err))) return rc;
    }
    return 0;
}

static int has_scaler_env(asim_import *im, yaml_node_t *svc)
{
    yaml_node_t *env = get(im, svc, "environment");
    if (!env) return 0;
    for (size_t i = 0; i < ASIM_ARRAY_LEN(env_vars); i++) {
        size_t l = strlen(env_vars[i].name);
        if (env->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = env->data.sequence.items.start; it < env->data.sequence.items.top; it++) {
                const char *s = scalar(node(im, *it));
                if (s && strncmp(s, env_vars[i].name, l) == 0 && (s[l] == '=' || !s[l])) return 1;
            }
        } else if (get(im, env, env_vars[i].name))
            return 1;
    }
    return 0;
}

/* services: {...} of a compose file, or a bare mapping of services (the
 * seed README's `scaler: environment: ...` fragment). */
static int read_compose(asim_import *im, yaml_node_t *root, asim_err *err)
{
    yaml_node_t *svcs = get(im, root, "services");
    if (svcs) {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
            const char *k = scalar(node(im, p->key));
            if (k && strcmp(k, "services") != 0)
                note(im, node(im, p->key), "%s: ignored (only the scaler service's environment is read)", k);
        }
    } else
        svcs = root;
    if (svcs->type != YAML_MAPPING_NODE) return yerr(im, err, svcs, "services: expected a mapping");
    int found = 0;
    for (yaml_node_pair_t *p = svcs->data.mapping.pairs.start; p < svcs->data.mapping.pairs.top; p++) {
        yaml_node_t *svc = node(im, p->value);
        const char *name = scalar(node(im, p->key));
        if (!has_scaler_env(im, svc)) {
            note(im, node(im, p->key), "service %s: ignored (not the scaler: none of its nine variables)", name ? name : "?");
            continue;
        }
        found = 1;
        for (yaml_node_pair_t *q = svc->data.mapping.pairs.start; q < svc->data.mapping.pairs.top; q++) {
            const char *k = scalar(node(im, q->key));
            if (k && strcmp(k, "environment") != 0)
                note(im, node(im, q->key), "%s.%s: ignored (not a scaler setting)", name, k);
        }
        int rc = read_environment(im, get(im, svc, "environment"), err);
        if (rc) return rc;
    }
    if (!found) return yerr(im, err, svcs, "no service with the seed scaler's variables (SCALE_UP_THRESHOLD, ...)");
    return 0;
}

/* A .env file: NAME=VALUE lines, # comments, optional `export `, quotes. */
static int read_dotenv(asim_import *im, const char *text, asim_err *err)
{
    size_t line = 0;
    const char *p = text;
    while (*p) {
        line++;
        size_t len = strcspn(p, "\n");
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), p);
        p += len + (p[len] == '\n');
        char *s = buf;
        while (isspace((unsigned char)*s)) s++;
        if (!*s || *s == '#') continue;
        if (strncmp(s, "export ", 7) == 0) s += 7;
        char *eq = strchr(s, '=');
        *eq = 0;
        char *v = eq + 1;
        size_t vl = strlen(v);
        while (vl && isspace((unsigned char)v[vl - 1])) v[--vl] = 0;
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
            v[vl - 1] = 0;
            v++;
        } else {
            char *hash = strstr(v, " #");
            if (hash) *hash = 0;
            vl = strlen(v);
            while (vl && isspace((unsigned char)v[vl - 1])) v[--vl] = 0;
        }
        int rc = env_assign(im, s, v, NULL, line, err);
        if (rc) return rc;
    }
    return 0;
}

/* Every non-blank, non-comment line is [export ]NAME=...: a .env file. */
static int looks_like_dotenv(const char *text)
{
    int lines = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        const char *s = p, *e = p + len;
        p = e + (*e == '\n');
        while (s < e && isspace((unsigned char)*s)) s++;
        if (s == e || *s == '#') continue;
        if (e - s > 7 && strncmp(s, "export ", 7) == 0) s += 7;
        if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
        while (s < e && (isalnum((unsigned char)*s) || *s == '_')) s++;
        if (s == e || *s != '=') return 0;
        lines++;
    }
    return lines > 0;
}

/* ---- Kubernetes HPA -------------------------------------------------------------- */

/* A resource.Quantity ("0.6", "600m", "2k", "1Ki") as a number. */
static int quantity(const char *s, double *v)
{
    static const struct { const char *suf; double mul; } sfx[] = {
        { "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
        { "m", 1e-3 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 },
    };
    if (!s || !*s) return -1;
    char *end;
    *v = strtod(s, &end);
    if (end == s || !isfinite(*v)) return -1;
    if (!*end) return 0;
    for (size_t i = 0; i < ASIM_ARRAY_LEN(sfx); i++)
        if (strcmp(end, sfx[i].suf) == 0) {
            *v *= sfx[i].mul;
            return 0;
        }
    return -1;
}

/* A YAML subtree as JSON: plain scalars that read as numbers, booleans or
 * null become those; everything else a string. */
static cJSON *to_json(asim_import *im, yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE) {
        cJSON *o = cJSON_CreateObject();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
            cJSON_AddItemToObject(o, scalar(node(im, p->key)) ? scalar(node(im, p->key)) : "?", to_json(im, node(im, p->value)));
        return o;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        cJSON *a = cJSON_CreateArray();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
            cJSON_AddItemToArray(a, to_json(im, node(im, *it)));
        return a;
    }
    const char *s = scalar(n);
    double v;
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (number_text(s, &v) == 0) return cJSON_CreateNumber(v);
        if (!strcmp(s, "true")) return cJSON_CreateTrue();
        if (!strcmp(s, "false")) return cJSON_CreateFalse();
        if (!strcmp(s, "null") || !strcmp(s, "~") || !*s) return cJSON_CreateNull();
    }
    return cJSON_CreateString(s);
}

static int read_metric_target(asim_import *im, yaml_node_t *t, asim_err *err)
{
    const char *type;
    int rc = get_string(im, t, "type", &type, err);
    if (rc) return rc;
    if (!type) return yerr(im, err, t, "target.type is required");
    const char *key = !strcmp(type, "AverageValue") ? "averageValue" : !strcmp(type, "Value") ? "value"
                    : !strcmp(type, "Utilization") ? "averageUtilization" : NULL;
    if (!key) return yerr(im, err, get(im, t, "type"), "target.type: '%s' (want AverageValue, Value or Utilization)", type);
    const char *q;
    double v;
    if ((rc = get_string(im, t, key, &q, err))) return rc;
    if (!q || quantity(q, &v) != 0 || v <= 0)
        return yerr(im, err, get(im, t, key) ? get(im, t, key) : t, "target.%s: expected a positive quantity", key);
    put_str(im, "hpa.target_type", !strcmp(type, "AverageValue") ? "average_value" : !strcmp(type, "Value") ? "value" : "utilization");
    put_num(im, "hpa.target", v);
    return 0;
}

/* metric: {name, selector: {matchLabels}} -> a PromQL selector. */
static int metric_query(asim_import *im, yaml_node_t *m, asim_err *err)
{
    const char *name;
    int rc = get_string(im, m, "name", &name, err);
    if (rc) return rc;
    if (!name) return yerr(im, err, m, "metric.name is required");
    char q[1024];
    size_t n = (size_t)snprintf(q, sizeof q, "%s", name);
    yaml_node_t *ml = get(im, get(im, m, "selector"), "matchLabels");
    if (get(im, get(im, m, "selector"), "matchExpressions"))
        note(im, get(im, m, "selector"), "selector.matchExpressions: ignored (only matchLabels become PromQL matchers)");
    if (ml && ml->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = ml->data.mapping.pairs.start; p < ml->data.mapping.pairs.top && n < sizeof q; p++)
            n += (size_t)snprintf(q + n, sizeof q - n, "%s%s=\"%s\"", p == ml->data.mapping.pairs.start ? "{" : ",",
                                  scalar(node(im, p->key)), scalar(node(im, p->value)) ? scalar(node(im, p->value)) : "");
        if (n < sizeof q) snprintf(q + n, sizeof q - n, "}");
    }
    put_str(im, "hpa.query", q);
    return 0;
}

static int read_hpa(asim_import *im, yaml_node_t *root, asim_err *err)
{
    static const char *const top[] = { "apiVersion", "kind", "spec", NULL };
    static const ignored_key top_ign[] = { { "metadata", "names the object; nothing to simulate" },
                                           { "status", "the controller's output, not its input" }, { NULL, NULL } };
    static const char *const spec_keys[] = { "minReplicas", "maxReplicas", "metrics", "behavior", NULL };
    static const ignored_key spec_ign[] = { { "scaleTargetRef", "the simulator scales its one service" }, { NULL, NULL } };
    int rc = check_map(im, root, "", top, top_ign, err);
    if (rc) return rc;
    const char *api = scalar(get(im, root, "apiVersion"));
    if (!api || (strcmp(api, "autoscaling/v2") != 0 && strcmp(api, "autoscaling/v2beta2") != 0))
        return yerr(im, err, get(im, root, "apiVersion"), "apiVersion: '%s' is not supported (autoscaling/v2 or v2beta2)",
                    api ? api : "");
    yaml_node_t *spec = get(im, root, "spec");
    if ((rc = check_map(im, spec, "spec", spec_keys, spec_ign, err))) return rc;
    double mn = 1, mx;
    int have;
    if ((rc = get_number(im, spec, "minReplicas", &mn, &have, err))) return rc;
    if (!have) mn = 1;
    if ((rc = get_number(im, spec, "maxReplicas", &mx, &have, err))) return rc;
    if (!have) return yerr(im, err, spec, "spec.maxReplicas is required");
    put_str(im, "scaler.policy", "hpa");
    put_num(im, "scaler.min_replicas", mn);
    put_num(im, "scaler.max_replicas", mx);
    yaml_node_t *ms = get(im, spec, "metrics");
    if (ms) {
        if (ms->type != YAML_SEQUENCE_NODE || ms->data.sequence.items.top == ms->data.sequence.items.start)
            return yerr(im, err, ms, "spec.metrics: expected a non-empty list");
        if (ms->data.sequence.items.top - ms->data.sequence.items.start > 1)
            note(im, node(im, ms->data.sequence.items.start[1]), "spec.metrics[1..]: ignored (one metric is simulated; "
                 "the HPA would take the largest proposal)");
        yaml_node_t *m = node(im, *ms->data.sequence.items.start);
        const char *type = scalar(get(im, m, "type"));
        if (!type) return yerr(im, err, m, "metrics[0].type is required");
        if (!strcmp(type, "Pods") || !strcmp(type, "Object") || !strcmp(type, "External")) {
            yaml_node_t *src = get(im, m, !strcmp(type, "Pods") ? "pods" : !strcmp(type, "Object") ? "object" : "external");
            if (!src) return yerr(im, err, m, "metrics[0]: the %s block is missing", type);
            if (get(im, src, "describedObject"))
                note(im, get(im, src, "describedObject"), "describedObject: ignored (the query names the series)");
            put_str(im, "hpa.metric_type", !strcmp(type, "Pods") ? "pods" : !strcmp(type, "Object") ? "object" : "external");
            if ((rc = metric_query(im, get(im, src, "metric"), err)) || (rc = read_metric_target(im, get(im, src, "target"), err)))
                return rc;
        } else if (!strcmp(type, "Resource")) {
            yaml_node_t *res = get(im, m, "resource");
            const char *rn = scalar(get(im, res, "name"));
            if (!rn || strcmp(rn, "cpu") != 0)
                return yerr(im, err, res ? res : m, "resource '%s': only cpu is simulated", rn ? rn : "");
            put_str(im, "hpa.metric_type", "resource");
            if ((rc = read_metric_target(im, get(im, res, "target"), err))) return rc;
        } else
            return yerr(im, err, get(im, m, "type"), "metric type '%s' is not simulated (Pods, Object, External, Resource)", type);
    }
    yaml_node_t *b = get(im, spec, "behavior");
    if (b) put(im, "hpa.behavior", to_json(im, b));
    else put(im, "hpa.behavior", cJSON_CreateNull());
    note(im, spec, "hpa.sync_period, tolerance and downscale stabilisation are controller flags, not in the "
         "manifest: they keep the controller's defaults (15 s, 0.1, 5 m) unless set");
    return 0;
}

/* ---- dispatch ---------------------------------------------------------------------- */

asim_import *asim_import_new(FILE *notes, const char *prom_config)
{
    asim_import *im = asim_calloc(1, sizeof *im);
    im->notes = notes;
    const char *pc = prom_config ? prom_config : "/etc/prometheus/prometheus.yml";
    const char *slash = strrchr(pc, '/');
    if (slash) snprintf(im->cfgdir, sizeof im->cfgdir, "%.*s", slash == pc ? 1 : (int)(slash - pc), pc);
    else snprintf(im->cfgdir, sizeof im->cfgdir, ".");
    im->root = cJSON_CreateObject();
    return im;
}

void asim_import_free(asim_import *im)
{
    if (!im) return;
    cJSON_Delete(im->root);
    for (size_t i = 0; i < im->nrf; i++) {
        asim_free(im->rf[i].path);
        cJSON_Delete(im->rf[i].groups);
    }
    for (size_t i = 0; i < im->npat; i++) asim_free(im->patterns[i]);
    asim_free(im->rf);
    asim_free(im->patterns);
    asim_free(im);
}

static char *slurp(const char *path, int *rc, asim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = asim_err_set(err, ASIM_ERUNTIME, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = asim_malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) buf = asim_realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = 0;
    if (strlen(buf) != n) {
        asim_free(buf);
        *rc = asim_err_set(err, ASIM_EINPUT, "%s: a binary file, not YAML or a .env file", path);
        return NULL;
    }
    return buf;
}

static int read_doc(asim_import *im, yaml_node_t *root, asim_err *err)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return yerr(im, err, root, "expected a YAML mapping (prometheus.yml, a rule file, docker-compose.yml or an "
                    "HPA manifest)");
    const char *kind = scalar(get(im, root, "kind"));
    if (kind) {
        if (strcmp(kind, "HorizontalPodAutoscaler") != 0)
            return yerr(im, err, get(im, root, "kind"), "kind %s: only HorizontalPodAutoscaler manifests are read", kind);
        return read_hpa(im, root, err);
    }
    if (get(im, root, "groups")) return read_rules(im, root, err);
    if (get(im, root, "global") || get(im, root, "scrape_configs") || get(im, root, "rule_files")) {
        cJSON *sn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(im->root, "scaler"), "service_name");
        return read_prometheus(im, root, cJSON_IsString(sn) ? sn->valuestring : "webapp", err);
    }
    return read_compose(im, root, err);
}

int asim_import_file(asim_import *im, const char *path, asim_err *err)
{
    int rc = 0;
    char *text = slurp(path, &rc, err);
    if (!text) return rc;
    im->path = path;
    if (looks_like_dotenv(text)) {
        rc = read_dotenv(im, text, err);
        asim_free(text);
        return rc;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&p, &im->doc)) {
        rc = asim_err_set(err, ASIM_EINPUT, "%s:%zu:%zu: YAML: %s%s%s", path, p.problem_mark.line + 1,
                          p.problem_mark.column + 1, p.problem ? p.problem : "malformed",
                          p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        asim_free(text);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&im->doc);
    rc = root ? read_doc(im, root, err) : asim_err_set(err, ASIM_EINPUT, "%s: empty file", path);
    yaml_document_t extra;
    if (rc == 0 && yaml_parser_load(&p, &extra)) {
        if (yaml_document_get_root_node(&extra))
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%zu:1: a second YAML document: give one document per file",
                              path, extra.start_mark.line + 1);
        yaml_document_delete(&extra);
    }
    yaml_document_delete(&im->doc);
    yaml_parser_delete(&p);
    asim_free(text);
    return rc;
}

/* The path Prometheus loads a rule file by: the rule_files entry whose
 * file-name glob matches, joined to the config directory; else the config
 * directory and the file's own name (with a note: Prometheus would not
 * load it). */
static void group_file(asim_import *im, const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (size_t i = 0; i < im->npat; i++) {
        const char *pb = strrchr(im->patterns[i], '/') + 1;
        if (fnmatch(pb, base, 0) == 0) {
            snprintf(out, len, "%.*s%s", (int)(pb - im->patterns[i]), im->patterns[i], base);
            return;
        }
    }
    snprintf(out, len, "%s/%s", im->cfgdir, base);
    if (im->notes && im->have_prom)
        fprintf(im->notes, "%s: not matched by prometheus.yml's rule_files: Prometheus started with it would not load "
                "these rules; simulated as %s\n", path, out);
}

cJSON *asim_import_finish(asim_import *im)
{
    cJSON *out = cJSON_Duplicate(im->root, 1);
    if (im->nrf) {
        cJSON *groups = cJSON_CreateArray();
        int alerts = 0;
        for (size_t i = 0; i < im->nrf; i++) {
            char file[2048];
            group_file(im, im->rf[i].path, file, sizeof file);
            for (cJSON *g = im->rf[i].groups->child; g; g = g->next) {
                cJSON *c = cJSON_Duplicate(g, 1);
                cJSON *rules = cJSON_DetachItemFromObjectCaseSensitive(c, "rules");
                cJSON_AddStringToObject(c, "file", file);
                cJSON_AddItemToObject(c, "rules", rules);
                cJSON *iv = cJSON_GetObjectItemCaseSensitive(c, "interval");
                double sec = cJSON_IsNumber(iv) ? iv->valuedouble : im->eval_interval;
                const char *gname = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
                if (im->notes && sec > 0) {
                    int64_t ns = (int64_t)llround(sec * 1e9);
                    uint64_t off = asim_rule_group_hash(gname, file) % (uint64_t)ns;
                    fprintf(im->notes, "%s: group '%s': evaluated every %g s at Unix times %.3f s past a multiple "
                            "of %g s (Prometheus's offset for this name and file)\n", im->rf[i].path, gname, sec,
                            (double)(off / 1000000) / 1000.0, sec);
                }
                for (cJSON *r = rules->child; r; r = r->next) alerts |= cJSON_HasObjectItem(r, "alert");
                cJSON_AddItemToArray(groups, c);
            }
        }
        cJSON_AddItemToObject(section(out, "prometheus"), "rule_groups", groups);
        /* A Prometheus loaded with these files runs exactly their alerting
         * rules; files of recording rules alone leave the alerts as they are. */
        if (alerts) cJSON_AddBoolToObject(section(out, "alerts"), "replace_defaults", 1);
        if (im->notes)
            fprintf(im->notes, alerts ? "alerts.replace_defaults=true: the rule files' alerting rules replace the seed's "
                    "four default alerts\n" : "no alerting rule imported: the seed's four default alerts stay "
                    "(--set alerts.replace_defaults=true to drop them)\n");
    }
    for (size_t i = 0; i < im->npat && im->notes; i++) {
        int used = 0;
        for (size_t k = 0; k < im->nrf && !used; k++) {
            const char *b = strrchr(im->rf[k].path, '/') ? strrchr(im->rf[k].path, '/') + 1 : im->rf[k].path;
            used = fnmatch(strrchr(im->patterns[i], '/') + 1, b, 0) == 0;
        }
        if (!used)
            fprintf(im->notes, "rule_files: %s: no such file given; import it too to simulate its rules\n", im->patterns[i]);
    }
    return out;
}

int asim_import_apply(asim_config *cfg, const char *const *files, size_t n, const char *prom_config, FILE *notes,
                      asim_err *err)
{
    if (n == 0) return 0;
    asim_import *im = asim_import_new(notes, prom_config);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = asim_import_file(im, files[i], err);
    if (rc) {
        asim_import_free(im);
        return rc;
    }
    cJSON *j = asim_import_finish(im);
    asim_import_free(im);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char name[1200];
    snprintf(name, sizeof name, "%s%s (imported)", files[0], n > 1 ? " ..." : "");
    char keep[sizeof cfg->source_file];
    snprintf(keep, sizeof keep, "%s", cfg->source_file);
    rc = asim_config_load_text(cfg, text, name, err);
    if (rc == 0) snprintf(cfg->source_file, sizeof cfg->source_file, "%s", keep);
    cJSON_free(text);
    return rc;
}
