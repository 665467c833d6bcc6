/* cli.c -- the commands' shared messages and option texts (see cli.h).
 *
 * Every command's usage error reads "autoscale-sim <cmd>: error: ...", so
 * the prefix is written in one place; the texts after it stay the
 * commands' own. */
#include "sim/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "sim/config/settings.h"

int asim_cli_verror(const char *cmd, int rc, const char *fmt, va_list ap)
{
    fprintf(stderr, "autoscale-sim %s: error: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    return rc;
}

int asim_cli_error(const char *cmd, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asim_cli_verror(cmd, rc, fmt, ap);
    va_end(ap);
    return rc;
}

int asim_cli_getopt_error(const char *cmd, int o, char *const *argv)
{
    if (o == ':')
        return asim_cli_error(cmd, 2, "option '%s' needs a value (see autoscale-sim %s --help)", argv[optind - 1],
                              cmd);
    if (optopt)
        return asim_cli_error(cmd, 2, "unknown option '-%c' (see autoscale-sim %s --help)", optopt, cmd);
    return asim_cli_error(cmd, 2, "unknown option '%s' (see autoscale-sim %s --help)", argv[optind - 1], cmd);
}

int asim_cli_parse_seed(const char *text, uint64_t *seed)
{
    char *end;
    unsigned long long s = strtoull(text, &end, 10);
    if (!*text || *end || *text == '-')
        return -1;
    *seed = s;
    return 0;
}

int asim_cli_parse_ulong(const char *text, unsigned long lo, unsigned long hi, unsigned long *v)
{
    char *end;
    if (!*text || *text == '-' || *text == '+')
        return -1;
    unsigned long x = strtoul(text, &end, 10);
    if (*end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* ---- --trace FILE[:key=value,...] ---------------------------------------- */

/* 1 if p starts "identifier=" (a trace option, not part of a value). */
static int starts_key(const char *p)
{
    const char *q = p;
    while ((*q >= 'a' && *q <= 'z') || *q == '_' || (q > p && *q >= '0' && *q <= '9')) q++;
    return q > p && *q == '=';
}

/* A value as JSON when it is a number, true/false/null or an array;
 * otherwise a string. */
static cJSON *option_value(const char *v)
{
    cJSON *j = cJSON_ParseWithOpts(v, NULL, 1);      /* the whole text, not a prefix */
    if (j && (cJSON_IsNumber(j) || cJSON_IsBool(j) || cJSON_IsNull(j) || cJSON_IsArray(j))) return j;
    cJSON_Delete(j);
    return cJSON_CreateString(v);
}

char *asim_cli_trace_set(const asim_config *cfg, const char *arg, asim_err *err)
{
    const char *colon = arg;
    while ((colon = strchr(colon, ':')) && !starts_key(colon + 1)) colon++;
    size_t plen = colon ? (size_t)(colon - arg) : strlen(arg);
    if (plen == 0) {
        asim_err_set(err, ASIM_EINPUT, "--trace '%s': expected FILE[:key=value,...]", arg);
        return NULL;
    }
    cJSON *all = asim_config_to_json(cfg);
    cJSON *traces = cJSON_DetachItemFromObjectCaseSensitive(all, "traces");
    cJSON_Delete(all);
    if (!cJSON_IsArray(traces)) {
        cJSON_Delete(traces);
        traces = cJSON_CreateArray();
    }
    cJSON *o = cJSON_CreateObject();
    char *path = asim_malloc(plen + 1);
    memcpy(path, arg, plen);
    path[plen] = 0;
    cJSON_AddStringToObject(o, "path", path);
    asim_free(path);
    const char *p = colon ? colon + 1 : NULL;
    while (p && *p) {
        const char *eq = strchr(p, '=');
        const char *next = eq + 1;                 /* a ',' followed by "key=" ends the value */
        while ((next = strchr(next, ',')) && !starts_key(next + 1)) next++;
        size_t klen = (size_t)(eq - p), vlen = next ? (size_t)(next - eq - 1) : strlen(eq + 1);
        char key[64], *val = asim_malloc(vlen + 1);
        snprintf(key, sizeof key, "%.*s", (int)(klen < sizeof key ? klen : sizeof key - 1), p);
        memcpy(val, eq + 1, vlen);
        val[vlen] = 0;
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);   /* the last one wins; path stays first */
        cJSON_AddItemToObject(o, key, option_value(val));
        asim_free(val);
        p = next ? next + 1 : NULL;
        if (p && !starts_key(p)) {
            asim_err_set(err, ASIM_EINPUT, "--trace '%s': expected key=value after ','", arg);
            cJSON_Delete(o);
            cJSON_Delete(traces);
            return NULL;
        }
    }
    cJSON_AddItemToArray(traces, o);
    char *txt = cJSON_PrintUnformatted(traces);
    cJSON_Delete(traces);
    char *set = asim_malloc(strlen(txt) + 8);
    sprintf(set, "traces=%s", txt);
    cJSON_free(txt);
    return set;
}
