/* settings_alerts.c -- the settings of Prometheus rules: alerts.rules,
 * alerts.replace_defaults, alerts.write_series (alerts_cfg.h) and
 * prometheus.rule_groups (rules_cfg.h), which share the rule parser.
 *
 * alerts.rules is parsed here into fixed-size structs (so a config copies
 * with one memcpy of the array); everything that needs other settings --
 * ${setting} substitution and the PromQL parse -- is checked by the group's
 * validate hook through asim_alerts_check, so a bad expression is reported
 * when the scenario loads, with its JSON path and position. */
#include "sim/config/settings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/prometheus/alerts.h"
#include "models/prometheus/rules.h"

static const char *const rule_keys[] = {
    "alert", "expr", "for", "keep_firing_for", "labels", "annotations", NULL
};

/* Prometheus duration ("1m30s", "500ms", "2h", "0"): units y w d h m s ms,
 * largest first, each at most once.  Seconds, or -1 if malformed. */
static double parse_duration(const char *s)
{
    static const struct { const char *u; double sec; } units[] = {
        { "y", 365 * 86400.0 }, { "w", 7 * 86400.0 }, { "d", 86400.0 }, { "h", 3600.0 },
        { "ms", 0.001 }, { "m", 60.0 }, { "s", 1.0 },
    };
    static const int rank[] = { 0, 1, 2, 3, 6, 4, 5 };    /* order of units in a duration */
    if (strcmp(s, "0") == 0) return 0;
    if (!*s) return -1;
    double total = 0;
    int last = -1;
    const char *p = s;
    while (*p) {
        if (*p < '0' || *p > '9') return -1;
        double v = 0;
        while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
        size_t u;
        for (u = 0; u < ASIM_ARRAY_LEN(units); u++) {
            size_t ul = strlen(units[u].u);
            if (strncmp(p, units[u].u, ul) == 0 && !(ul == 1 && p[0] == 'm' && p[1] == 's')) break;
        }
        if (u == ASIM_ARRAY_LEN(units) || rank[u] <= last) return -1;
        last = rank[u];
        p += strlen(units[u].u);
        total += v * units[u].sec;
    }
    return total;
}

/* "for" / "keep_firing_for": seconds as a number, or a duration string. */
static int rule_duration(const asim_config *cfg, const cJSON *rule, const char *key, double *out,
                         const char *jp, asim_err *err)
{
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(rule, key);
    *out = 0;
    if (!n) return 0;
    double v;
    if (cJSON_IsNumber(n)) v = n->valuedouble;
    else if (cJSON_IsString(n)) {
        v = parse_duration(n->valuestring);
        if (v < 0)
            return asim_config_errf(cfg, err, kp, "'%s' is not a duration (seconds, or like \"30s\", \"2m\", \"1m30s\")",
                                    n->valuestring);
    } else
        return asim_config_errf(cfg, err, kp, "expected seconds or a duration like \"30s\"");
    if (!(v >= 0 && v <= 1e9))
        return asim_config_errf(cfg, err, kp, "%g is out of range (must be >= 0 s)", v);
    *out = v;
    return 0;
}

static int valid_label_name(const char *s)
{
    if (!*s || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))) return 0;
    for (const char *p = s + 1; *p; p++)
        if (!(*p == '_' || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z'))) return 0;
    return 1;
}

static int rule_string(const asim_config *cfg, const cJSON *rule, const char *key, char *dst, size_t cap,
                       const char *hint, const char *jp, asim_err *err)
{
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(rule, key);
    if (!n) return asim_config_errf(cfg, err, jp, "missing \"%s\" (%s)", key, hint);
    if (!cJSON_IsString(n) || !n->valuestring[0])
        return asim_config_errf(cfg, err, kp, "expected a non-empty string (%s)", hint);
    if (strlen(n->valuestring) >= cap)
        return asim_config_errf(cfg, err, kp, "too long (at most %zu characters)", cap - 1);
    memcpy(dst, n->valuestring, strlen(n->valuestring) + 1);
    return 0;
}

static int rule_labels(const asim_config *cfg, const cJSON *rule, asim_alert_rule_cfg *out,
                       const char *jp, asim_err *err)
{
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, "labels");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(rule, "labels");
    if (!n) return 0;
    if (!cJSON_IsObject(n))
        return asim_config_errf(cfg, err, kp, "expected an object of label names to values, like {\"severity\": \"page\"}");
    for (const cJSON *l = n->child; l; l = l->next) {
        char lp[700];
        asim_jpath_key(lp, sizeof lp, kp, l->string);
        if (!valid_label_name(l->string) || strncmp(l->string, "__", 2) == 0)
            return asim_config_errf(cfg, err, lp, "invalid label name (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
        if (strcmp(l->string, "alertname") == 0)
            return asim_config_errf(cfg, err, lp, "alertname is set from \"alert\"");
        if (!cJSON_IsString(l))
            return asim_config_errf(cfg, err, lp, "expected a string");
        if (out->nlabels == ASIM_ALERT_LABELS_MAX)
            return asim_config_errf(cfg, err, lp, "too many labels (at most %d)", ASIM_ALERT_LABELS_MAX);
        if (strlen(l->string) >= ASIM_ALERT_LNAME_MAX || strlen(l->valuestring) >= ASIM_ALERT_LVALUE_MAX)
            return asim_config_errf(cfg, err, lp, "too long (names up to %d, values up to %d characters)",
                                    ASIM_ALERT_LNAME_MAX - 1, ASIM_ALERT_LVALUE_MAX - 1);
        for (int k = 0; k < out->nlabels; k++)
            if (strcmp(out->labels[k].name, l->string) == 0)
                return asim_config_errf(cfg, err, lp, "label given twice");
        asim_alert_label_cfg *d = &out->labels[out->nlabels++];
        memcpy(d->name, l->string, strlen(l->string) + 1);
        memcpy(d->value, l->valuestring, strlen(l->valuestring) + 1);
    }
    return 0;
}

static int parse_rule(const asim_config *cfg, const cJSON *rule, asim_alert_rule_cfg *out,
                      const char *jp, asim_err *err)
{
    if (!cJSON_IsObject(rule))
        return asim_config_errf(cfg, err, jp, "expected a rule object {\"alert\": NAME, \"expr\": PROMQL, \"for\": s}");
    int rc = asim_json_check_keys(cfg, rule, rule_keys, jp, err);
    if (rc) return rc;
    if ((rc = rule_string(cfg, rule, "alert", out->alert, sizeof out->alert, "the alert's name", jp, err)) ||
        (rc = rule_string(cfg, rule, "expr", out->expr, sizeof out->expr, "a PromQL expression", jp, err)) ||
        (rc = rule_duration(cfg, rule, "for", &out->for_s, jp, err)) ||
        (rc = rule_duration(cfg, rule, "keep_firing_for", &out->keep_firing_for, jp, err)) ||
        (rc = rule_labels(cfg, rule, out, jp, err)))
        return rc;
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(rule, "annotations");
    if (an && !cJSON_IsObject(an)) {
        char kp[600];
        asim_jpath_key(kp, sizeof kp, jp, "annotations");
        return asim_config_errf(cfg, err, kp, "expected an object (annotations are accepted and ignored)");
    }
    return 0;
}

static int rules_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of rules like "
                                "[{\"alert\": \"SlowP95\", \"expr\": \"...\", \"for\": 30}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
    asim_alert_rule_cfg *rules = asim_calloc(n ? n : 1, sizeof *rules);
    for (const cJSON *r = node->child; r; r = r->next, i++) {
        char jp[600];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        int rc = parse_rule(cfg, r, &rules[i], jp, err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(rules[k].alert, rules[i].alert) == 0) {
                char kp[640];
                asim_jpath_key(kp, sizeof kp, jp, "alert");
                rc = asim_config_errf(cfg, err, kp, "'%s' is also the name of rules[%zu] (names must differ)",
                                      rules[i].alert, k);
            }
        if (rc) {
            asim_free(rules);
            return rc;
        }
    }
    asim_free(cfg->ext.alerts.rules);
    cfg->ext.alerts.rules = rules;
    cfg->ext.alerts.nrules = n;
    return 0;
}

static cJSON *rule_json(const asim_alert_rule_cfg *r, int record)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, record ? "record" : "alert", r->alert);
    cJSON_AddStringToObject(o, "expr", r->expr);
    if (!record) {
        cJSON_AddNumberToObject(o, "for", r->for_s);
        if (r->keep_firing_for > 0) cJSON_AddNumberToObject(o, "keep_firing_for", r->keep_firing_for);
    }
    if (r->nlabels) {
        cJSON *l = cJSON_AddObjectToObject(o, "labels");
        for (int k = 0; k < r->nlabels; k++) cJSON_AddStringToObject(l, r->labels[k].name, r->labels[k].value);
    }
    return o;
}

static cJSON *rules_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.alerts.nrules; i++)
        cJSON_AddItemToArray(a, rule_json(&cfg->ext.alerts.rules[i], 0));
    return a;
}

/* ---- prometheus.rule_groups ------------------------------------------- */

static const char *const group_keys[] = { "name", "file", "interval", "rules", NULL };
static const char *const record_keys[] = { "record", "expr", "labels", NULL };

/* A recording rule {"record", "expr", "labels"} or an alerting rule. */
static int parse_group_rule(const asim_config *cfg, const cJSON *node, asim_group_rule_cfg *out,
                            const char *jp, asim_err *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(node) || !cJSON_GetObjectItemCaseSensitive(node, "record"))
        return parse_rule(cfg, node, &out->rule, jp, err);
    int rc = asim_json_check_keys(cfg, node, record_keys, jp, err);
    if (rc) return rc;
    out->record = 1;
    if ((rc = rule_string(cfg, node, "record", out->rule.alert, sizeof out->rule.alert,
                          "the recorded metric's name", jp, err)) ||
        (rc = rule_string(cfg, node, "expr", out->rule.expr, sizeof out->rule.expr, "a PromQL expression", jp, err)))
        return rc;
    return rule_labels(cfg, node, &out->rule, jp, err);
}

static int parse_group(asim_config *cfg, const cJSON *node, asim_rule_group_cfg *g, asim_group_rule_cfg **rules,
                       size_t *nrules, const char *jp, asim_err *err)
{
    if (!cJSON_IsObject(node))
        return asim_config_errf(cfg, err, jp, "expected a group {\"name\": NAME, \"interval\": s, \"rules\": [...]}");
    int rc = asim_json_check_keys(cfg, node, group_keys, jp, err);
    if (rc) return rc;
    if ((rc = rule_string(cfg, node, "name", g->name, sizeof g->name, "the group's name", jp, err)))
        return rc;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(node, "file");
    if (f && (rc = rule_string(cfg, node, "file", g->file, sizeof g->file,
                               "the path Prometheus loaded the rule file from", jp, err)))
        return rc;
    if ((rc = rule_duration(cfg, node, "interval", &g->interval, jp, err)))
        return rc;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, "interval");
    if (g->interval > 0 && g->interval < 0.001)
        return asim_config_errf(cfg, err, kp, "%g s is below 1 ms", g->interval);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(node, "rules");
    asim_jpath_key(kp, sizeof kp, jp, "rules");
    if (!r) return asim_config_errf(cfg, err, jp, "missing \"rules\" (a list of recording and alerting rules)");
    if (!cJSON_IsArray(r))
        return asim_config_errf(cfg, err, kp, "expected an array of rules");
    g->first = *nrules;
    size_t i = 0;
    for (const cJSON *e = r->child; e; e = e->next, i++) {
        char ip[640];
        if (snprintf(ip, sizeof ip, "%s[%zu]", kp, i) >= (int)sizeof ip) ip[sizeof ip - 1] = 0;
        *rules = asim_realloc(*rules, (*nrules + 1) * sizeof **rules);
        if ((rc = parse_group_rule(cfg, e, &(*rules)[*nrules], ip, err)))
            return rc;
        (*nrules)++;
        g->nrules++;
    }
    return 0;
}

static int groups_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of rule groups like [{\"name\": \"aggregations\", "
                                "\"interval\": \"10s\", \"rules\": [{\"record\": NAME, \"expr\": PROMQL}]}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0, nrules = 0;
    asim_rule_group_cfg *groups = asim_calloc(n ? n : 1, sizeof *groups);
    asim_group_rule_cfg *rules = asim_malloc(sizeof *rules);
    int rc = 0;
    for (const cJSON *g = node->child; g && !rc; g = g->next, i++) {
        char jp[600];
        if (snprintf(jp, sizeof jp, "%s[%zu]", jpath, i) >= (int)sizeof jp) jp[sizeof jp - 1] = 0;
        rc = parse_group(cfg, g, &groups[i], &rules, &nrules, jp, err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(groups[k].name, groups[i].name) == 0 && strcmp(groups[k].file, groups[i].file) == 0) {
                char kp[640];
                asim_jpath_key(kp, sizeof kp, jp, "name");
                rc = asim_config_errf(cfg, err, kp, "group '%s' is repeated in the same file (Prometheus rejects this)",
                                      groups[i].name);
            }
    }
    if (rc) {
        asim_free(groups);
        asim_free(rules);
        return rc;
    }
    asim_free(cfg->ext.rules.groups);
    asim_free(cfg->ext.rules.rules);
    cfg->ext.rules.groups = groups;
    cfg->ext.rules.ngroups = n;
    cfg->ext.rules.rules = rules;
    cfg->ext.rules.nrules = nrules;
    return 0;
}

static cJSON *groups_json(const asim_config *cfg)
{
    const asim_rule_groups_cfg *rg = &cfg->ext.rules;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < rg->ngroups; i++) {
        const asim_rule_group_cfg *g = &rg->groups[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->name);
        if (g->file[0]) cJSON_AddStringToObject(o, "file", g->file);
        cJSON_AddNumberToObject(o, "interval", g->interval);
        cJSON *rs = cJSON_AddArrayToObject(o, "rules");
        for (size_t k = 0; k < g->nrules; k++)
            cJSON_AddItemToArray(rs, rule_json(&rg->rules[g->first + k].rule, rg->rules[g->first + k].record));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static void rules_free(asim_config *cfg)
{
    asim_free(cfg->ext.alerts.rules);
    cfg->ext.alerts.rules = NULL;
    cfg->ext.alerts.nrules = 0;
    asim_free(cfg->ext.rules.groups);
    asim_free(cfg->ext.rules.rules);
    cfg->ext.rules.groups = NULL;
    cfg->ext.rules.rules = NULL;
    cfg->ext.rules.ngroups = cfg->ext.rules.nrules = 0;
}

static void *dup_array(const void *src, size_t n, size_t size)
{
    void *d = asim_malloc((n ? n : 1) * size);
    if (n) memcpy(d, src, n * size);
    return d;
}

static void rules_copy(asim_config *dst, const asim_config *src)
{
    dst->ext.alerts.rules = dup_array(src->ext.alerts.rules, src->ext.alerts.nrules, sizeof *src->ext.alerts.rules);
    dst->ext.alerts.nrules = src->ext.alerts.nrules;
    dst->ext.rules.groups = dup_array(src->ext.rules.groups, src->ext.rules.ngroups, sizeof *src->ext.rules.groups);
    dst->ext.rules.ngroups = src->ext.rules.ngroups;
    dst->ext.rules.rules = dup_array(src->ext.rules.rules, src->ext.rules.nrules, sizeof *src->ext.rules.rules);
    dst->ext.rules.nrules = src->ext.rules.nrules;
}

/* asim_rules_check builds the alert rules first (asim_alerts_create, the
 * whole of asim_alerts_check) and then the rule groups on them: one build
 * checks both, with the same messages, in the same order. */
static int alerts_validate(asim_config *cfg, asim_err *err)
{
    return asim_rules_check(cfg, err);
}

static const asim_setting alerts_table[] = {
    { .path = "alerts.rules", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = rules_parse, .to_json = rules_json,
      .help = "Alerting rules added to (or, with alerts.replace_defaults, replacing) the seed's four: "
              "[{\"alert\": NAME, \"expr\": PROMQL, \"for\": s or \"30s\", \"keep_firing_for\": s, "
              "\"labels\": {...}}]; a rule named like a default replaces it; ${setting.path} in expr is "
              "replaced by that setting's value (doc/alerts.md)" },
    { .path = "alerts.replace_defaults", .type = ASIM_SET_BOOL,
      .offset = offsetof(asim_config, ext.alerts.replace_defaults), .size = sizeof(int), .def = "false",
      .help = "Use only alerts.rules, without the default HighResponseTime, CriticalResponseTime, "
              "ServiceDown and MaxCapacityReached" },
    { .path = "alerts.write_series", .type = ASIM_SET_BOOL,
      .offset = offsetof(asim_config, ext.alerts.write_series), .size = sizeof(int), .def = "true",
      .help = "Write ALERTS and ALERTS_FOR_STATE series, as Prometheus does (queries and the OpenMetrics export see them)" },
    { .path = "prometheus.rule_groups", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = groups_parse, .to_json = groups_json,
      .help = "Prometheus rule groups, as in a rule file: [{\"name\": NAME, \"file\": PATH, \"interval\": s, "
              "\"rules\": [{\"record\": NAME, \"expr\": PROMQL, \"labels\": {...}} or an alerting rule]}]; each "
              "group is evaluated every interval (0: prometheus.evaluation_interval) at Prometheus's offset for "
              "(name, file), rules in order, recorded series written into the tsdb; alerting rules named like a "
              "default replace it (doc/rules.md)" },
    { .path = NULL },
};

const asim_settings_group asim_settings_alerts = {
    .table = alerts_table,
    .count = ASIM_ARRAY_LEN(alerts_table) - 1,
    .validate = alerts_validate,
    .free_owned = rules_free,
    .copy_owned = rules_copy,
};
