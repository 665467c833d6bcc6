/* settings_policies.c -- settings of the policies beyond the seed's
 * (policies_cfg.h): hpa.*, step.*, target_tracking.*, predictive.*,
 * schedule.*, cpu.*.
 *
 * Defaults are the systems' own: the Kubernetes controller flags and API
 * defaulting for hpa (with the seed's "Kubernetes Migration" manifest as the
 * metric: Pods webapp_response_time_seconds, AverageValue 0.6), AWS's
 * CloudWatch period and default warm-up for step and target tracking, the
 * seed's "Advanced Usage" examples for cpu (0.8 / 0.3) and schedule
 * (9:00-17:00 -> at least 3 replicas).
 *
 * Structured settings (hpa.behavior, step.*_steps, schedule.rules) are parsed
 * into fixed-size arrays so the config copies with =; every check that needs
 * other settings (metric/target combinations, step bounds against each
 * other, the wrapped policy's name, the queries' syntax) is in the group's
 * validate hook, so messages name the JSON path of the culprit. */
#include "sim/config/settings.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cJSON.h>

#include "models/scaling/policy.h"
#include "models/promql/promql.h"

_Static_assert(sizeof(asim_hpa_metric_type) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_hpa_target_type) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_hpa_tolerance_rule) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_adjustment_type) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_forecast_method) == sizeof(int), "ENUM settings store an int");

static const char *const metric_type_names[] = {"pods", "object", "external", "resource", NULL};
static const char *const target_type_names[] = {"average_value", "value", "utilization", NULL};
static const char *const tolerance_rule_names[] = {"range", "abs", NULL};
static const char *const adjustment_names[] = {"change_in_capacity", "exact_capacity", "percent_change_in_capacity", NULL};
static const char *const method_names[] = {"holt_winters", "linear", NULL};

#define TMAX 1e9
#define POS  ASIM_SET_POSITIVE
/* Periods and intervals: the model schedules them in whole milliseconds
 * (phases are drawn modulo the period in ms), so nothing below 1 ms. */
#define PERIOD 0.001
#define INF  ASIM_SET_NOLIMIT
#define FSIZE(fld) sizeof(((asim_config *)0)->fld)
#define P(fld) ext.policies.fld

#define NUM(p, fld, d, lo, hi, u, h) { .path = p, .type = ASIM_SET_DOUBLE, \
    .offset = offsetof(asim_config, P(fld)), .size = FSIZE(P(fld)), .def = d, .min = lo, .max = hi, .unit = u, .help = h }
#define INT(p, fld, d, lo, hi, u, h) { .path = p, .type = ASIM_SET_INT, \
    .offset = offsetof(asim_config, P(fld)), .size = FSIZE(P(fld)), .def = d, .min = lo, .max = hi, .unit = u, .help = h }
#define BOOL(p, fld, d, h) { .path = p, .type = ASIM_SET_BOOL, \
    .offset = offsetof(asim_config, P(fld)), .size = FSIZE(P(fld)), .def = d, .unit = "", .help = h }
#define STR(p, fld, d, h) { .path = p, .type = ASIM_SET_STRING, \
    .offset = offsetof(asim_config, P(fld)), .size = FSIZE(P(fld)), .def = d, .unit = "", .help = h }
#define ENUM(p, fld, d, nm, h) { .path = p, .type = ASIM_SET_ENUM, \
    .offset = offsetof(asim_config, P(fld)), .size = FSIZE(P(fld)), .def = d, .names = nm, .unit = "", .help = h }

/* An integer-valued JSON number within [lo, hi]. */
static int json_int(const asim_config *cfg, const cJSON *n, int lo, int hi, int *out, const char *jp, asim_err *err)
{
    if (!cJSON_IsNumber(n) || n->valuedouble != floor(n->valuedouble))
        return asim_config_errf(cfg, err, jp, "expected an integer");
    if (n->valuedouble < lo || n->valuedouble > hi)
        return asim_config_errf(cfg, err, jp, "%g is out of range [%d, %d]", n->valuedouble, lo, hi);
    *out = (int)n->valuedouble;
    return 0;
}

/* ---- hpa.behavior ------------------------------------------------------------ */

static const char *const behavior_keys[] = {"scaleUp", "scaleDown", NULL};
static const char *const rules_keys[] = {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance", NULL};
static const char *const hpa_policy_keys[] = {"type", "value", "periodSeconds", NULL};
static const char *const select_names[] = {"Max", "Min", "Disabled"};

/* pkg/apis/autoscaling/v2/defaults.go: defaultHPAScaleUpRules and
 * defaultHPAScaleDownRules (the scale-down window is left unset: the
 * controller's --horizontal-pod-autoscaler-downscale-stabilization). */
static void default_rules(asim_hpa_rules *r, int up)
{
    memset(r, 0, sizeof *r);
    r->select = ASIM_HPA_SELECT_MAX;
    r->tolerance = -1;
    if (up) {
        r->stabilization_window = 0;
        r->npolicies = 2;
        r->policies[0] = (asim_hpa_scaling_policy){ASIM_HPA_POLICY_PODS, 4, 15};
        r->policies[1] = (asim_hpa_scaling_policy){ASIM_HPA_POLICY_PERCENT, 100, 15};
    } else {
        r->stabilization_window = -1;
        r->npolicies = 1;
        r->policies[0] = (asim_hpa_scaling_policy){ASIM_HPA_POLICY_PERCENT, 100, 15};
    }
}

static int parse_hpa_policy(const asim_config *cfg, const cJSON *n, asim_hpa_scaling_policy *p,
                            const char *jp, asim_err *err)
{
    if (!cJSON_IsObject(n))
        return asim_config_errf(cfg, err, jp, "expected {\"type\": \"Pods\"|\"Percent\", \"value\": N, \"periodSeconds\": S}");
    int rc = asim_json_check_keys(cfg, n, hpa_policy_keys, jp, err);
    if (rc) return rc;
    char kp[700];
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "type");
    asim_jpath_key(kp, sizeof kp, jp, "type");
    if (!t) return asim_config_errf(cfg, err, jp, "missing \"type\" (\"Pods\" or \"Percent\")");
    if (cJSON_IsString(t) && strcmp(t->valuestring, "Pods") == 0) p->type = ASIM_HPA_POLICY_PODS;
    else if (cJSON_IsString(t) && strcmp(t->valuestring, "Percent") == 0) p->type = ASIM_HPA_POLICY_PERCENT;
    else return asim_config_errf(cfg, err, kp, "expected \"Pods\" or \"Percent\"");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(n, "value");
    asim_jpath_key(kp, sizeof kp, jp, "value");
    if (!v) return asim_config_errf(cfg, err, jp, "missing \"value\"");
    if ((rc = json_int(cfg, v, 1, 1000000, &p->value, kp, err))) return rc;
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(n, "periodSeconds");
    asim_jpath_key(kp, sizeof kp, jp, "periodSeconds");
    if (!ps) return asim_config_errf(cfg, err, jp, "missing \"periodSeconds\"");
    return json_int(cfg, ps, 1, 1800, &p->period, kp, err);
}

/* copyHPAScalingRules: fields given replace the defaults one by one. */
static int parse_rules(const asim_config *cfg, const cJSON *n, asim_hpa_rules *r, int up,
                       const char *jp, asim_err *err)
{
    default_rules(r, up);
    if (!n || cJSON_IsNull(n))
        return 0;
    if (!cJSON_IsObject(n))
        return asim_config_errf(cfg, err, jp, "expected an object with stabilizationWindowSeconds, selectPolicy, "
                                "policies, tolerance (or null)");
    int rc = asim_json_check_keys(cfg, n, rules_keys, jp, err);
    if (rc) return rc;
    char kp[700];
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(n, "stabilizationWindowSeconds");
    asim_jpath_key(kp, sizeof kp, jp, "stabilizationWindowSeconds");
    if (w && !cJSON_IsNull(w) && (rc = json_int(cfg, w, 0, 3600, &r->stabilization_window, kp, err)))
        return rc;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(n, "selectPolicy");
    asim_jpath_key(kp, sizeof kp, jp, "selectPolicy");
    if (s && !cJSON_IsNull(s)) {
        size_t k = 0;
        while (k < 3 && !(cJSON_IsString(s) && strcmp(s->valuestring, select_names[k]) == 0))
            k++;
        if (k == 3)
            return asim_config_errf(cfg, err, kp, "expected \"Max\", \"Min\" or \"Disabled\"");
        r->select = (asim_hpa_select)k;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "tolerance");
    asim_jpath_key(kp, sizeof kp, jp, "tolerance");
    if (t && !cJSON_IsNull(t)) {
        if (!cJSON_IsNumber(t) || !(t->valuedouble >= 0 && t->valuedouble <= 1e6))
            return asim_config_errf(cfg, err, kp, "expected a number >= 0 (a fraction: 0.05 is 5%%)");
        r->tolerance = t->valuedouble;
    }
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(n, "policies");
    asim_jpath_key(kp, sizeof kp, jp, "policies");
    if (ps && !cJSON_IsNull(ps)) {
        if (!cJSON_IsArray(ps))
            return asim_config_errf(cfg, err, kp, "expected an array of {\"type\", \"value\", \"periodSeconds\"}");
        int np = cJSON_GetArraySize(ps);
        if (np > ASIM_HPA_POLICIES_MAX)
            return asim_config_errf(cfg, err, kp, "too many policies (at most %d)", ASIM_HPA_POLICIES_MAX);
        r->npolicies = 0;
        size_t i = 0;
        for (const cJSON *p = ps->child; p; p = p->next, i++) {
            char ip[720];
            asim_jpath_index(ip, sizeof ip, kp, i);
            if ((rc = parse_hpa_policy(cfg, p, &r->policies[r->npolicies], ip, err)))
                return rc;
            r->npolicies++;
        }
    }
    if (r->npolicies == 0 && r->select != ASIM_HPA_SELECT_DISABLED)
        return asim_config_errf(cfg, err, kp, "at least one policy is needed unless selectPolicy is \"Disabled\"");
    return 0;
}

static int behavior_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    asim_hpa_cfg *h = &cfg->ext.policies.hpa;
    if (cJSON_IsNull(node)) {
        h->has_behavior = 0;
        default_rules(&h->scale_up, 1);
        default_rules(&h->scale_down, 0);
        return 0;
    }
    if (!cJSON_IsObject(node))
        return asim_config_errf(cfg, err, jpath, "expected null (no behavior block) or an object like "
                                "{\"scaleUp\": {...}, \"scaleDown\": {...}} with Kubernetes' key names");
    int rc = asim_json_check_keys(cfg, node, behavior_keys, jpath, err);
    if (rc) return rc;
    asim_hpa_rules up, down;
    char kp[700];
    asim_jpath_key(kp, sizeof kp, jpath, "scaleUp");
    if ((rc = parse_rules(cfg, cJSON_GetObjectItemCaseSensitive(node, "scaleUp"), &up, 1, kp, err)))
        return rc;
    asim_jpath_key(kp, sizeof kp, jpath, "scaleDown");
    if ((rc = parse_rules(cfg, cJSON_GetObjectItemCaseSensitive(node, "scaleDown"), &down, 0, kp, err)))
        return rc;
    h->has_behavior = 1;
    h->scale_up = up;
    h->scale_down = down;
    return 0;
}

static cJSON *rules_json(const asim_hpa_rules *r)
{
    cJSON *o = cJSON_CreateObject();
    if (r->stabilization_window >= 0)
        cJSON_AddNumberToObject(o, "stabilizationWindowSeconds", r->stabilization_window);
    cJSON_AddStringToObject(o, "selectPolicy", select_names[r->select]);
    cJSON *a = cJSON_AddArrayToObject(o, "policies");
    for (int i = 0; i < r->npolicies; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "type", r->policies[i].type == ASIM_HPA_POLICY_PODS ? "Pods" : "Percent");
        cJSON_AddNumberToObject(p, "value", r->policies[i].value);
        cJSON_AddNumberToObject(p, "periodSeconds", r->policies[i].period);
        cJSON_AddItemToArray(a, p);
    }
    if (r->tolerance >= 0)
        cJSON_AddNumberToObject(o, "tolerance", r->tolerance);
    return o;
}

static cJSON *behavior_json(const asim_config *cfg)
{
    const asim_hpa_cfg *h = &cfg->ext.policies.hpa;
    if (!h->has_behavior)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "scaleUp", rules_json(&h->scale_up));
    cJSON_AddItemToObject(o, "scaleDown", rules_json(&h->scale_down));
    return o;
}

/* ---- step.scale_out_steps / step.scale_in_steps --------------------------------- */

static const char *const step_keys[] = {"lower", "upper", "adjustment", NULL};

static int steps_parse_into(asim_config *cfg, const cJSON *node, asim_step_adjustment *dst, int *nd,
                            const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of steps like "
                                "[{\"lower\": 0, \"upper\": 0.4, \"adjustment\": 1}, {\"lower\": 0.4, \"adjustment\": 2}]");
    int n = cJSON_GetArraySize(node);
    if (n < 1 || n > ASIM_STEPS_MAX)
        return asim_config_errf(cfg, err, jpath, "expected 1 to %d steps", ASIM_STEPS_MAX);
    asim_step_adjustment tmp[ASIM_STEPS_MAX];
    size_t i = 0;
    for (const cJSON *s = node->child; s; s = s->next, i++) {
        char jp[700], kp[720];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        if (!cJSON_IsObject(s))
            return asim_config_errf(cfg, err, jp, "expected {\"lower\": offset, \"upper\": offset, \"adjustment\": N}");
        int rc = asim_json_check_keys(cfg, s, step_keys, jp, err);
        if (rc) return rc;
        tmp[i].lower = -INFINITY;
        tmp[i].upper = INFINITY;
        static const char *const bounds[] = {"lower", "upper"};
        for (int b = 0; b < 2; b++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, bounds[b]);
            asim_jpath_key(kp, sizeof kp, jp, bounds[b]);
            if (!v || cJSON_IsNull(v))
                continue;
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
                return asim_config_errf(cfg, err, kp, "expected a number (an offset from the alarm threshold) or null");
            if (b == 0) tmp[i].lower = v->valuedouble;
            else tmp[i].upper = v->valuedouble;
        }
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "adjustment");
        asim_jpath_key(kp, sizeof kp, jp, "adjustment");
        if (!a)
            return asim_config_errf(cfg, err, jp, "missing \"adjustment\"");
        if ((rc = json_int(cfg, a, -10000, 10000, &tmp[i].adjustment, kp, err)))
            return rc;
        if (!(tmp[i].lower < tmp[i].upper))
            return asim_config_errf(cfg, err, jp, "lower (%g) must be below upper (%g)", tmp[i].lower, tmp[i].upper);
    }
    /* AWS takes steps in any order: keep them by bound, lowest first
     * (insertion sort; at most ASIM_STEPS_MAX). */
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && tmp[b].lower < tmp[b - 1].lower; b--) {
            asim_step_adjustment x = tmp[b];
            tmp[b] = tmp[b - 1];
            tmp[b - 1] = x;
        }
    memcpy(dst, tmp, (size_t)n * sizeof *dst);
    *nd = n;
    return 0;
}

static int out_steps_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    return steps_parse_into(cfg, node, cfg->ext.policies.step.out, &cfg->ext.policies.step.nout, jpath, err);
}

static int in_steps_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    return steps_parse_into(cfg, node, cfg->ext.policies.step.in, &cfg->ext.policies.step.nin, jpath, err);
}

static cJSON *steps_json(const asim_step_adjustment *s, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (isfinite(s[i].lower)) cJSON_AddNumberToObject(o, "lower", s[i].lower);
        if (isfinite(s[i].upper)) cJSON_AddNumberToObject(o, "upper", s[i].upper);
        cJSON_AddNumberToObject(o, "adjustment", s[i].adjustment);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *out_steps_json(const asim_config *cfg)
{
    return steps_json(cfg->ext.policies.step.out, cfg->ext.policies.step.nout);
}

static cJSON *in_steps_json(const asim_config *cfg)
{
    return steps_json(cfg->ext.policies.step.in, cfg->ext.policies.step.nin);
}

/* ---- schedule.rules ---------------------------------------------------------------- */

static const char *const rule_keys[] = {"days", "from", "to", "min_replicas", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int day_index(const char *s, size_t len)
{
    for (int d = 0; d < 7; d++)
        if (len == 3 && strncasecmp(s, day_names[d], 3) == 0)
            return d;
    return -1;
}

/* "Mon-Fri", "Sat,Sun", "Fri-Mon" (wraps), "all", "weekdays", "weekends".
 * A bit mask, or 0 if malformed. */
static unsigned parse_days(const char *s)
{
    if (strcasecmp(s, "all") == 0) return 0x7f;
    if (strcasecmp(s, "weekdays") == 0) return 0x3e;
    if (strcasecmp(s, "weekends") == 0) return 0x41;
    unsigned mask = 0;
    const char *p = s;
    while (*p) {
        size_t item = strcspn(p, ",");
        const char *dash = memchr(p, '-', item);
        int a, b;
        if (dash) {
            a = day_index(p, (size_t)(dash - p));
            b = day_index(dash + 1, item - (size_t)(dash - p) - 1);
        } else {
            a = b = day_index(p, item);
        }
        if (a < 0 || b < 0)
            return 0;
        for (int d = a;; d = (d + 1) % 7) {
            mask |= 1u << d;
            if (d == b)
                break;
        }
        p += item;
        if (*p == ',') {
            p++;
            if (!*p)
                return 0;
        }
    }
    return mask;
}

/* "HH:MM" (00:00 to 24:00) as minutes, or -1. */
static int parse_hhmm(const char *s)
{
    if (strlen(s) != 5 || s[2] != ':')
        return -1;
    int h = 0, m = 0;
    for (int i = 0; i < 5; i++) {
        if (i == 2) continue;
        if (s[i] < '0' || s[i] > '9') return -1;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

static int rules_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of rules like "
                                "[{\"days\": \"Mon-Fri\", \"from\": \"09:00\", \"to\": \"17:00\", \"min_replicas\": 3}]");
    int n = cJSON_GetArraySize(node);
    if (n > ASIM_SCHEDULE_MAX)
        return asim_config_errf(cfg, err, jpath, "too many rules (at most %d)", ASIM_SCHEDULE_MAX);
    asim_schedule_rule tmp[ASIM_SCHEDULE_MAX];
    size_t i = 0;
    for (const cJSON *r = node->child; r; r = r->next, i++) {
        char jp[700], kp[720];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        if (!cJSON_IsObject(r))
            return asim_config_errf(cfg, err, jp, "expected {\"days\", \"from\", \"to\", \"min_replicas\"}");
        int rc = asim_json_check_keys(cfg, r, rule_keys, jp, err);
        if (rc) return rc;
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "days");
        asim_jpath_key(kp, sizeof kp, jp, "days");
        tmp[i].days = 0x7f;
        if (d) {
            if (!cJSON_IsString(d) || !(tmp[i].days = parse_days(d->valuestring)))
                return asim_config_errf(cfg, err, kp, "expected days like \"Mon-Fri\", \"Sat,Sun\", \"all\", "
                                        "\"weekdays\" or \"weekends\"");
        }
        static const char *const times[] = {"from", "to"};
        for (int k = 0; k < 2; k++) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, times[k]);
            asim_jpath_key(kp, sizeof kp, jp, times[k]);
            if (!t)
                return asim_config_errf(cfg, err, jp, "missing \"%s\" (a time like \"09:00\")", times[k]);
            int mins = cJSON_IsString(t) ? parse_hhmm(t->valuestring) : -1;
            if (mins < 0)
                return asim_config_errf(cfg, err, kp, "expected a time of day \"HH:MM\" (00:00 to 24:00)");
            if (k == 0) tmp[i].from_min = mins;
            else tmp[i].to_min = mins;
        }
        if (tmp[i].from_min == tmp[i].to_min)
            return asim_config_errf(cfg, err, jp, "\"from\" and \"to\" are equal (an empty window)");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "min_replicas");
        asim_jpath_key(kp, sizeof kp, jp, "min_replicas");
        if (!m)
            return asim_config_errf(cfg, err, jp, "missing \"min_replicas\"");
        if ((rc = json_int(cfg, m, 0, 10000, &tmp[i].min_replicas, kp, err)))
            return rc;
    }
    memcpy(cfg->ext.policies.schedule.rules, tmp, (size_t)n * sizeof tmp[0]);
    cfg->ext.policies.schedule.nrules = n;
    return 0;
}

static void days_text(unsigned mask, char *buf, size_t len)
{
    static const char *const names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    if (mask == 0x7f) { snprintf(buf, len, "all"); return; }
    buf[0] = 0;
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d)) {
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%s", l ? "," : "", names[d]);
        }
}

static cJSON *rules_json_all(const asim_config *cfg)
{
    const asim_schedule_cfg *s = &cfg->ext.policies.schedule;
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < s->nrules; i++) {
        const asim_schedule_rule *r = &s->rules[i];
        char days[40], from[8], to[8];
        days_text(r->days, days, sizeof days);
        snprintf(from, sizeof from, "%02d:%02d", r->from_min / 60 % 100, r->from_min % 60);
        snprintf(to, sizeof to, "%02d:%02d", r->to_min / 60 % 100, r->to_min % 60);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "days", days);
        cJSON_AddStringToObject(o, "from", from);
        cJSON_AddStringToObject(o, "to", to);
        cJSON_AddNumberToObject(o, "min_replicas", r->min_replicas);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- cross-field validation ---------------------------------------------------------- */

static int check_query(asim_config *cfg, const char *text, const char *jpath, asim_err *err)
{
    if (!text[0])
        return 0;
    char msg[256];
    asim_promql *e = asim_promql_parse(text, msg, sizeof msg);
    if (!e)
        return asim_config_errf(cfg, err, jpath, "%s", msg);
    asim_promql_free(e);
    return 0;
}

static int check_hpa(asim_config *cfg, asim_err *err)
{
    const asim_hpa_cfg *h = &cfg->ext.policies.hpa;
    static const char *const mt[] = {"Pods", "Object", "External", "Resource"};
    int ok;
    switch (h->metric_type) {
    case ASIM_HPA_PODS: ok = h->target_type == ASIM_HPA_AVERAGE_VALUE; break;
    case ASIM_HPA_RESOURCE: ok = h->target_type != ASIM_HPA_VALUE; break;
    default: ok = h->target_type != ASIM_HPA_UTILIZATION; break;
    }
    if (!ok)
        return asim_config_errf(cfg, err, "$.hpa.target_type",
                                "%s is not a valid target for a %s metric (Pods: average_value; Resource: "
                                "utilization or average_value; Object and External: value or average_value)",
                                target_type_names[h->target_type], mt[h->metric_type]);
    if (h->target_type == ASIM_HPA_UTILIZATION && (h->target != floor(h->target) || h->target < 1 || h->target > 1e6))
        return asim_config_errf(cfg, err, "$.hpa.target",
                                "%g: a utilization target is a whole percentage of the request (e.g. 60)", h->target);
    if (h->target_type != ASIM_HPA_UTILIZATION && !(h->target >= 0.001))
        return asim_config_errf(cfg, err, "$.hpa.target", "%g is below 1m (0.001), the smallest quantity the HPA resolves",
                                h->target);
    return check_query(cfg, h->query, "$.hpa.query", err);
}

/* Steps (sorted by lower bound when parsed) must not overlap or leave
 * gaps; only the first may lack a lower bound and only the last an upper
 * one.  Messages index the sorted list. */
static int check_steps(asim_config *cfg, const asim_step_adjustment *s, int n, int out, const char *jpath,
                       asim_err *err)
{
    for (int i = 0; i < n; i++) {
        char jp[80];
        snprintf(jp, sizeof jp, "%s[%d]", jpath, i);
        if (i > 0 && s[i].lower != s[i - 1].upper)
            return asim_config_errf(cfg, err, jp, "lower (%g) must equal the previous step's upper (%g): "
                                    "steps may not overlap or leave gaps", s[i].lower, s[i - 1].upper);
        if (out && s[i].lower < 0)
            return asim_config_errf(cfg, err, jp, "scale-out steps are above the alarm threshold: bounds must be >= 0");
        if (!out && s[i].upper > 0)
            return asim_config_errf(cfg, err, jp, "scale-in steps are below the alarm threshold: bounds must be <= 0");
        int adj = s[i].adjustment;
        if (cfg->ext.policies.step.adjustment_type == ASIM_ADJ_EXACT) {
            if (adj < 0)
                return asim_config_errf(cfg, err, jp, "an exact capacity cannot be negative");
        } else if ((out && adj <= 0) || (!out && adj >= 0)) {
            return asim_config_errf(cfg, err, jp, "a %s step needs a %s adjustment", out ? "scale-out" : "scale-in",
                                    out ? "positive" : "negative");
        }
        if (cfg->ext.policies.step.adjustment_type == ASIM_ADJ_PERCENT && (adj < -100 && !out))
            return asim_config_errf(cfg, err, jp, "a percent change cannot remove more than 100%%");
    }
    return 0;
}

static int policies_validate(asim_config *cfg, asim_err *err)
{
    asim_policies_cfg *p = &cfg->ext.policies;
    int rc;
    if ((rc = check_hpa(cfg, err)))
        return rc;

    asim_step_cfg *st = &p->step;
    if (st->datapoints_to_alarm > st->evaluation_periods)
        return asim_config_errf(cfg, err, "$.step.datapoints_to_alarm", "%d is more than $.step.evaluation_periods (%d)",
                                st->datapoints_to_alarm, st->evaluation_periods);
    if (!(st->scale_in_threshold < st->scale_out_threshold))
        return asim_config_errf(cfg, err, "$.step.scale_in_threshold", "%g must be below $.step.scale_out_threshold (%g)",
                                st->scale_in_threshold, st->scale_out_threshold);
    if ((rc = check_steps(cfg, st->out, st->nout, 1, "$.step.scale_out_steps", err)) ||
        (rc = check_steps(cfg, st->in, st->nin, 0, "$.step.scale_in_steps", err)) ||
        (rc = check_query(cfg, st->query, "$.step.query", err)) ||
        (rc = check_query(cfg, p->target.query, "$.target_tracking.query", err)) ||
        (rc = check_query(cfg, p->predictive.query, "$.predictive.query", err)) ||
        (rc = check_query(cfg, p->cpu.query, "$.cpu.query", err)))
        return rc;

    if (!(p->cpu.scale_down_threshold < p->cpu.scale_up_threshold))
        return asim_config_errf(cfg, err, "$.cpu.scale_down_threshold", "%g must be below $.cpu.scale_up_threshold (%g)",
                                p->cpu.scale_down_threshold, p->cpu.scale_up_threshold);

    asim_predictive_cfg *pr = &p->predictive;
    if (pr->method == ASIM_FC_HOLT_WINTERS && pr->season < 2 * pr->sample_interval)
        return asim_config_errf(cfg, err, "$.predictive.season", "%g s holds fewer than two samples of "
                                "$.predictive.sample_interval (%g s)", pr->season, pr->sample_interval);
    if (pr->season / pr->sample_interval > 100000)
        return asim_config_errf(cfg, err, "$.predictive.sample_interval", "%g s makes more than 100000 samples per season "
                                "(%g s); use a longer interval", pr->sample_interval, pr->season);
    if (pr->trend_window < 2 * pr->sample_interval)
        return asim_config_errf(cfg, err, "$.predictive.trend_window", "%g s holds fewer than two samples of "
                                "$.predictive.sample_interval (%g s)", pr->trend_window, pr->sample_interval);
    if (pr->lead < 0 && pr->lead != -1)
        return asim_config_errf(cfg, err, "$.predictive.lead", "%g: give seconds >= 0, or -1 for the start-up latency",
                                pr->lead);

    asim_schedule_cfg *sc = &p->schedule;
    if (strcmp(sc->policy, "scheduled") == 0)
        return asim_config_errf(cfg, err, "$.schedule.policy", "the scheduled policy cannot wrap itself");
    if (!asim_policy_find(sc->policy))
        return asim_config_errf(cfg, err, "$.schedule.policy", "unknown policy \"%s\" (known: %s)", sc->policy,
                                asim_policy_names());
    /* The floors only matter, and so are only checked against the maximum,
     * when the scheduled policy is the one in use (the default rules must not
     * forbid max_replicas < 3 to every other policy). */
    int scheduled = strcmp(cfg->scaler.policy, "scheduled") == 0;
    for (int i = 0; scheduled && i < sc->nrules; i++)
        if (sc->rules[i].min_replicas > cfg->scaler.max_replicas) {
            char jp[80];
            snprintf(jp, sizeof jp, "$.schedule.rules[%d].min_replicas", i);
            return asim_config_errf(cfg, err, jp, "%d is above $.scaler.max_replicas (%d)", sc->rules[i].min_replicas,
                                    cfg->scaler.max_replicas);
        }
    return 0;
}

/* ---- the table ------------------------------------------------------------------------- */

#define HPA_BEHAVIOR_HELP \
    "The HPA's spec.behavior with Kubernetes' key names: {\"scaleUp\": {\"stabilizationWindowSeconds\": s, " \
    "\"selectPolicy\": \"Max\"|\"Min\"|\"Disabled\", \"policies\": [{\"type\": \"Pods\"|\"Percent\", \"value\": n, " \
    "\"periodSeconds\": s}], \"tolerance\": f}, \"scaleDown\": {...}}; unset fields take the API defaults " \
    "(up: 0 s, Max, Pods 4/15 s and Percent 100/15 s; down: hpa.downscale_stabilization, Max, Percent 100/15 s); " \
    "null = no behavior block (the legacy path: 5-minute max of recommendations, at most max(2x, 4) per step)"

static const asim_setting policies_table[] = {
    NUM("hpa.sync_period", hpa.sync_period, "15", PERIOD, TMAX, "s",
        "HPA controller sync period (--horizontal-pod-autoscaler-sync-period)"),
    ENUM("hpa.metric_type", hpa.metric_type, "pods", metric_type_names,
         "HPA metric source: pods (one value per replica: the query's series), object (one value: the query "
         "reduced by scaler.reduce), external (the sum of the series), resource (per-replica CPU cores)"),
    ENUM("hpa.target_type", hpa.target_type, "average_value", target_type_names,
         "HPA target type: average_value (per replica), value (total), utilization (percent of hpa.cpu_request)"),
    NUM("hpa.target", hpa.target, "0.6", POS, INF, "",
        "HPA target: averageValue / value in the metric's unit, or averageUtilization in percent (the seed's "
        "Kubernetes manifest: averageValue 0.6 of webapp_response_time_seconds)"),
    STR("hpa.query", hpa.query, "",
        "PromQL the HPA reads its metric from (empty: scaler.query; for resource, "
        "rate(container_cpu_usage_seconds_total[1m]))"),
    NUM("hpa.cpu_request", hpa.cpu_request, "1", 0.001, 1e6, "cores",
        "CPU request of a replica (resources.requests.cpu), the base of utilization targets"),
    NUM("hpa.tolerance", hpa.tolerance, "0.1", 0, 1e6, "",
        "No scaling while the usage ratio is within this of 1 (--horizontal-pod-autoscaler-tolerance)"),
    ENUM("hpa.tolerance_rule", hpa.tolerance_rule, "range", tolerance_rule_names,
         "Tolerance test: range ((1-t) <= ratio <= (1+t), Kubernetes 1.33+) or abs (|1-ratio| <= t, earlier "
         "releases; a ratio of exactly 1.1 then scales)"),
    NUM("hpa.downscale_stabilization", hpa.downscale_stabilization, "300", 0, 3600, "s",
        "--horizontal-pod-autoscaler-downscale-stabilization: the scale-down window without behavior, and the "
        "default behavior.scaleDown.stabilizationWindowSeconds"),
    { .path = "hpa.behavior", .type = ASIM_SET_CUSTOM, .def = "null", .unit = "",
      .parse = behavior_parse, .to_json = behavior_json, .help = HPA_BEHAVIOR_HELP },

    STR("step.query", step.query, "", "PromQL of the step-scaling alarms' metric (empty: scaler.query, reduced)"),
    NUM("step.period", step.period, "60", PERIOD, TMAX, "s", "Seconds per alarm datapoint (CloudWatch period)"),
    INT("step.evaluation_periods", step.evaluation_periods, "1", 1, 10000, "", "Alarm EvaluationPeriods (N)"),
    INT("step.datapoints_to_alarm", step.datapoints_to_alarm, "0", 0, 10000, "",
        "Alarm DatapointsToAlarm (M of N breaching datapoints; 0: N)"),
    ENUM("step.adjustment_type", step.adjustment_type, "change_in_capacity", adjustment_names,
         "How step adjustments are read: change_in_capacity, exact_capacity, percent_change_in_capacity"),
    INT("step.min_adjustment_magnitude", step.min_adjustment_magnitude, "0", 0, 10000, "",
        "Percent adjustments change capacity by at least this many replicas"),
    NUM("step.scale_out_threshold", step.scale_out_threshold, "0.6", -INF, INF, "",
        "High alarm: a datapoint breaches when metric >= this (the seed's scale-up threshold)"),
    { .path = "step.scale_out_steps", .type = ASIM_SET_CUSTOM,
      .def = "[{\"lower\":0,\"upper\":0.4,\"adjustment\":1},{\"lower\":0.4,\"upper\":1.4,\"adjustment\":2},"
             "{\"lower\":1.4,\"adjustment\":3}]",
      .unit = "", .parse = out_steps_parse, .to_json = out_steps_json,
      .help = "Scale-out StepAdjustments [{\"lower\": offset, \"upper\": offset, \"adjustment\": n}]: offsets from "
              "step.scale_out_threshold, lower inclusive, upper exclusive, absent = unbounded" },
    NUM("step.scale_in_threshold", step.scale_in_threshold, "0.2", -INF, INF, "",
        "Low alarm: a datapoint breaches when metric <= this (the seed's scale-down threshold)"),
    { .path = "step.scale_in_steps", .type = ASIM_SET_CUSTOM, .def = "[{\"upper\":0,\"adjustment\":-1}]",
      .unit = "", .parse = in_steps_parse, .to_json = in_steps_json,
      .help = "Scale-in StepAdjustments: offsets from step.scale_in_threshold, lower exclusive, upper inclusive" },
    NUM("step.warmup", step.warmup, "300", 0, TMAX, "s",
        "Instance warm-up: new replicas count toward capacity for scale-outs and block scale-ins this long "
        "(AWS uses the 300 s default cooldown when no warm-up is set)"),

    STR("target_tracking.query", target.query, "avg(rate(container_cpu_usage_seconds_total[1m]))",
        "PromQL of the tracked metric, reduced by scaler.reduce (default: average CPU, like ASGAverageCPUUtilization)"),
    NUM("target_tracking.target_value", target.target_value, "0.5", POS, INF, "", "The metric's target value"),
    NUM("target_tracking.period", target.period, "60", PERIOD, TMAX, "s", "Seconds per alarm datapoint"),
    INT("target_tracking.scale_out_datapoints", target.scale_out_datapoints, "3", 1, 10000, "",
        "Consecutive datapoints above the target before scaling out"),
    INT("target_tracking.scale_in_datapoints", target.scale_in_datapoints, "15", 1, 10000, "",
        "Consecutive datapoints below target x scale_in_ratio before scaling in"),
    NUM("target_tracking.scale_in_ratio", target.scale_in_ratio, "0.9", POS, 1, "",
        "The scale-in alarm's threshold as a fraction of the target"),
    BOOL("target_tracking.disable_scale_in", target.disable_scale_in, "false", "Never scale in (DisableScaleIn)"),
    NUM("target_tracking.warmup", target.warmup, "300", 0, TMAX, "s",
        "Instance warm-up: blocks scale-in; warming replicas count toward capacity"),

    STR("predictive.query", predictive.query, "sum(rate(webapp_total_requests[1m]))",
        "PromQL of the forecast signal (default: served requests per second; empty: scaler.query)"),
    ENUM("predictive.method", predictive.method, "holt_winters", method_names,
         "Forecast: holt_winters (additive, season predictive.season; a linear trend until one season is seen) "
         "or linear (least-squares line over predictive.trend_window)"),
    NUM("predictive.interval", predictive.interval, "15", PERIOD, TMAX, "s", "Seconds between decisions"),
    NUM("predictive.sample_interval", predictive.sample_interval, "60", PERIOD, TMAX, "s",
        "Seconds between history samples (each the mean of the decisions' readings since the last)"),
    NUM("predictive.season", predictive.season, "86400", PERIOD, TMAX, "s", "Season length (a day)"),
    NUM("predictive.trend_window", predictive.trend_window, "600", PERIOD, TMAX, "s", "History the linear fit uses"),
    NUM("predictive.lead", predictive.lead, "-1", -1, TMAX, "s",
        "Provision for the forecast this far ahead (-1: the start-up latency: mean actuator latency + mean container "
        "start + predictive.interval + predictive.sample_interval + half the query's range)"),
    NUM("predictive.lookahead", predictive.lookahead, "300", 0, TMAX, "s",
        "Scale down only to what the forecast needs up to this long after the lead"),
    NUM("predictive.capacity_per_replica", predictive.capacity_per_replica, "0", 0, INF, "",
        "Signal one replica carries at full load (0: app.workers / mean service time, in req/s)"),
    NUM("predictive.target_utilization", predictive.target_utilization, "0.7", POS, 1, "",
        "Plan replicas to run at this fraction of their capacity"),
    NUM("predictive.alpha", predictive.alpha, "0.5", 0, 1, "", "Holt-Winters level smoothing"),
    NUM("predictive.beta", predictive.beta, "0.05", 0, 1, "", "Holt-Winters trend smoothing"),
    NUM("predictive.gamma", predictive.gamma, "0.3", 0, 1, "", "Holt-Winters season smoothing"),
    BOOL("predictive.fit", predictive.fit, "true",
         "Refit alpha, beta, gamma at each season's end by minimising one-step errors (GSL Nelder-Mead)"),
    BOOL("predictive.reactive", predictive.reactive, "true",
         "Also provision for the signal as it is now (the larger of forecast and present)"),

    STR("schedule.policy", schedule.policy, "threshold", "The policy the scheduled floors wrap"),
    { .path = "schedule.rules", .type = ASIM_SET_CUSTOM,
      .def = "[{\"days\":\"all\",\"from\":\"09:00\",\"to\":\"17:00\",\"min_replicas\":3}]",
      .unit = "", .parse = rules_parse, .to_json = rules_json_all,
      .help = "Replica floors by wall-clock time (start_time's UTC offset): [{\"days\": \"Mon-Fri\", \"from\": "
              "\"09:00\", \"to\": \"17:00\", \"min_replicas\": 3}]; the highest active floor wins (the seed's "
              "business-hours example)" },

    STR("cpu.query", cpu.query, "avg(rate(container_cpu_usage_seconds_total[1m]))",
        "PromQL of the CPU policy (the seed's \"Scale Based on CPU Usage\")"),
    NUM("cpu.scale_up_threshold", cpu.scale_up_threshold, "0.8", -INF, INF, "CPU",
        "CPU above this counts as high (then scaler.scale_up_breaches, cooldowns and steps apply)"),
    NUM("cpu.scale_down_threshold", cpu.scale_down_threshold, "0.3", -INF, INF, "CPU",
        "CPU below this counts as low"),
    { .path = NULL },
};

const asim_settings_group asim_settings_policies = {
    .table = policies_table,
    .count = ASIM_ARRAY_LEN(policies_table) - 1,
    .validate = policies_validate,
};
