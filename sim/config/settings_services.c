/* settings_services.c -- `services`: more services in one scenario
 * (models/scenario/services_cfg.h).
 *
 *   "services": [{"name": "api", "traffic": {...}, "scaler": {...}, ...}]
 *
 * Each entry is a name and the settings it changes from the scenario's own
 * (which describe the first service); every key but "name" is checked as a
 * scenario setting when the configuration is validated, with errors naming
 * "$.services[i].<path>".  Absent from summary.json's settings when empty,
 * so single-service outputs do not change. */
#include "sim/config/settings.h"

#include <string.h>
#include <cJSON.h>

void asim_config_services_clear(asim_config *cfg)
{
    for (size_t i = 0; i < cfg->ext.services.n; i++) asim_free(cfg->ext.services.v[i].overlay);
    asim_free(cfg->ext.services.v);
    cfg->ext.services.v = NULL;
    cfg->ext.services.n = 0;
}

/* --set services.NAME.PATH=VALUE: PATH (a setting or a section) goes into
 * service NAME's overlay, VALUE as JSON (or as a string when it is not
 * JSON); it is checked with the whole service when the configuration is
 * validated ("$.services[i].PATH"). */
int asim_config_set_service(asim_config *cfg, const char *rest, const char *value, asim_err *err)
{
    const char *dot = strchr(rest, '.');
    char name[64];
    if (!dot || dot == rest || (size_t)(dot - rest) >= sizeof name)
        return asim_err_set(err, ASIM_EINPUT, "--set: services.%s: expected services.NAME.setting=value", rest);
    memcpy(name, rest, (size_t)(dot - rest));
    name[dot - rest] = 0;
    const char *path = dot + 1;
    asim_services_cfg *sv = &cfg->ext.services;
    size_t i = 0;
    while (i < sv->n && strcmp(sv->v[i].name, name) != 0)
        i++;
    if (i == sv->n)
        return asim_err_set(err, ASIM_EINPUT, "--set: services.%s: no service named \"%s\" in the scenario",
                            rest, name);
    if (!asim_setting_find(path) && !asim_setting_is_section(path))
        return asim_err_set(err, ASIM_EINPUT, "--set: services.%s: %s is not a setting", rest, path);
    cJSON *o = cJSON_Parse(sv->v[i].overlay);
    if (!o)
        o = cJSON_CreateObject();
    cJSON *v = cJSON_Parse(value);
    if (!v)
        v = cJSON_CreateString(value);
    asim_json_put_path(o, path, v);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    asim_free(sv->v[i].overlay);
    sv->v[i].overlay = asim_strdup(txt);
    cJSON_free(txt);
    return 0;
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) >= 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) return 0;
    return 1;
}

static int services_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of services [{\"name\": ..., settings...}]");
    asim_services_cfg out = {0};
    int n = cJSON_GetArraySize(node), rc = 0;
    out.v = asim_calloc(n > 0 ? (size_t)n : 1, sizeof *out.v);
    for (int i = 0; i < n && rc == 0; i++) {
        const cJSON *o = cJSON_GetArrayItem(node, i);
        char jp[600];
        snprintf(jp, sizeof jp, "%s[%d]", jpath, i);
        const cJSON *nm = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "name") : NULL;
        if (!cJSON_IsObject(o)) {
            rc = asim_config_errf(cfg, err, jp, "expected an object {\"name\": ..., settings...}");
            break;
        }
        if (!cJSON_IsString(nm) || !name_ok(nm->valuestring)) {
            rc = asim_config_errf(cfg, err, jp, "needs \"name\": lower-case letters, digits, _ or - (under 64)");
            break;
        }
        for (size_t k = 0; k < out.n; k++)
            if (strcmp(out.v[k].name, nm->valuestring) == 0)
                rc = asim_config_errf(cfg, err, jp, "service \"%s\" appears twice", nm->valuestring);
        if (rc == 0 && strcmp(nm->valuestring, cfg->container.service_name) == 0)
            rc = asim_config_errf(cfg, err, jp, "\"%s\" is the scenario's own service (container.service_name)",
                                  nm->valuestring);
        if (rc) break;
        cJSON *copy = cJSON_Duplicate(o, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "name");
        snprintf(out.v[out.n].name, sizeof out.v[out.n].name, "%s", nm->valuestring);
        char *txt = cJSON_PrintUnformatted(copy);
        out.v[out.n].overlay = asim_strdup(txt);
        cJSON_free(txt);
        cJSON_Delete(copy);
        out.n++;
    }
    if (rc) {
        for (size_t k = 0; k < out.n; k++) asim_free(out.v[k].overlay);
        asim_free(out.v);
        return rc;
    }
    asim_config_services_clear(cfg);
    cfg->ext.services.v = out.v;          /* calls.* stay as they are */
    cfg->ext.services.n = out.n;
    return 0;
}

static cJSON *services_json(const asim_config *cfg)
{
    if (cfg->ext.services.n == 0) return NULL;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.services.n; i++) {
        cJSON *o = cJSON_Parse(cfg->ext.services.v[i].overlay);
        if (!o) o = cJSON_CreateObject();
        cJSON *named = cJSON_CreateObject();
        cJSON_AddStringToObject(named, "name", cfg->ext.services.v[i].name);
        for (cJSON *c = o->child; c; c = c->next)
            cJSON_AddItemToObject(named, c->string, cJSON_Duplicate(c, 1));
        cJSON_Delete(o);
        cJSON_AddItemToArray(a, named);
    }
    return a;
}

/* Each service's configuration must build; a message from its own
 * validation names the service. */
/* calls.service names a service of the run, not cfg's own. */
static int call_ok(const asim_config *run, const asim_config *cfg, asim_err *err)
{
    const char *c = cfg->ext.services.call;
    if (!*c) return 0;
    if (strcmp(c, cfg->container.service_name) == 0)
        return asim_config_errf(run, err, "$.calls.service", "a service cannot call itself (%s)", c);
    if (strcmp(c, run->container.service_name) == 0 || run->ext.services.member) return 0;
    for (size_t i = 0; i < run->ext.services.n; i++)
        if (strcmp(c, run->ext.services.v[i].name) == 0) return 0;
    return asim_config_errf(run, err, "$.calls.service", "no service named \"%s\" in this scenario", c);
}

static int services_validate(asim_config *cfg, asim_err *err)
{
    int rc0 = call_ok(cfg, cfg, err);
    if (rc0) return rc0;
    for (size_t i = 0; i < cfg->ext.services.n; i++) {
        asim_config s;
        int rc = asim_config_service(cfg, i, &s, err);
        if (rc == 0) rc = call_ok(cfg, &s, err);
        asim_config_free(&s);
        if (rc) {
            char m[sizeof err->msg + 96];
            snprintf(m, sizeof m, "%s (service %s)", err->msg, cfg->ext.services.v[i].name);
            size_t len = strlen(m) < sizeof err->msg ? strlen(m) : sizeof err->msg - 1;
            memcpy(err->msg, m, len);
            err->msg[len] = 0;
            return rc;
        }
    }
    return 0;
}

static void services_copy(asim_config *dst, const asim_config *src)
{
    size_t n = src->ext.services.n;
    dst->ext.services.v = n ? asim_calloc(n, sizeof *dst->ext.services.v) : NULL;
    for (size_t i = 0; i < n; i++) {
        dst->ext.services.v[i] = src->ext.services.v[i];
        dst->ext.services.v[i].overlay = asim_strdup(src->ext.services.v[i].overlay);
    }
}

static const asim_setting services_table[] = {
    { .path = "services", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = services_parse, .to_json = services_json,
      .help = "More services beside the scenario's own: [{\"name\": \"api\", then any scenario settings "
              "it changes, e.g. \"traffic\", \"scaler\", \"app\"}]; each has its own containers, "
              "traffic, scaler and Prometheus job (job = name), on the same hosts and TSDB" },
    { .path = "calls.service", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.services.call),
      .size = sizeof(((asim_config *)0)->ext.services.call), .def = "", .unit = "", .optional = 1,
      .help = "A service this one's requests call (a name in services, or the scenario's own): after "
              "its CPU work the worker waits for the answer; \"\" none" },
    { .path = "calls.fraction", .type = ASIM_SET_DOUBLE, .offset = offsetof(asim_config, ext.services.call_fraction),
      .size = sizeof(double), .def = "0", .min = 0, .max = 1, .unit = "", .optional = 1,
      .help = "Fraction of requests that make the call (drawn per request from the stream \"calls\")" },
    { .path = NULL },
};

const asim_settings_group asim_settings_services = {
    .table = services_table,
    .count = ASIM_ARRAY_LEN(services_table) - 1,
    .validate = services_validate,
    .free_owned = asim_config_services_clear,
    .copy_owned = services_copy,
};
