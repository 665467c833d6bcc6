/* settings_alerts.c -- the alerts feature's settings (alerts_cfg.h):
 * alerts.rules, alerts.replace_defaults, alerts.write_series.
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

static cJSON *rules_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.alerts.nrules; i++) {
        const asim_alert_rule_cfg *r = &cfg->ext.alerts.rules[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "alert", r->alert);
        cJSON_AddStringToObject(o, "expr", r->expr);
        cJSON_AddNumberToObject(o, "for", r->for_s);
        if (r->keep_firing_for > 0) cJSON_AddNumberToObject(o, "keep_firing_for", r->keep_firing_for);
        if (r->nlabels) {
            cJSON *l = cJSON_AddObjectToObject(o, "labels");
            for (int k = 0; k < r->nlabels; k++) cJSON_AddStringToObject(l, r->labels[k].name, r->labels[k].value);
        }
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static void alerts_free(asim_config *cfg)
{
    asim_free(cfg->ext.alerts.rules);
    cfg->ext.alerts.rules = NULL;
    cfg->ext.alerts.nrules = 0;
}

static void alerts_copy(asim_config *dst, const asim_config *src)
{
    size_t n = src->ext.alerts.nrules;
    dst->ext.alerts.rules = asim_malloc((n ? n : 1) * sizeof *dst->ext.alerts.rules);
    if (n) memcpy(dst->ext.alerts.rules, src->ext.alerts.rules, n * sizeof *dst->ext.alerts.rules);
    dst->ext.alerts.nrules = n;
}

static int alerts_validate(asim_config *cfg, asim_err *err)
{
    return asim_alerts_check(cfg, err);
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
    { .path = NULL },
};

const asim_settings_group asim_settings_alerts = {
    .table = alerts_table,
    .count = ASIM_ARRAY_LEN(alerts_table) - 1,
    .validate = alerts_validate,
    .free_owned = alerts_free,
    .copy_owned = alerts_copy,
};
