/* settings.c -- the settings registry and everything driven by it: defaults,
 * scenario loading, --set, validation, JSON export and the settings table.
 *
 * Every setting lives in exactly one table (settings_core.c, settings_slo.c,
 * and one settings_<feature>.c per feature); this file knows no setting by
 * name.  A dotted path is both the setting's name and its place in the
 * scenario JSON, so the loader walks the JSON object tree and, for each key,
 * either finds a setting with that path, descends into a section (a prefix
 * of some setting's path), or reports an unknown key with a suggestion.
 *
 * Distributions: a section whose children are exactly distribution/mean/cv
 * is an asim_dist (the ".distribution" entry's offset is that of the struct,
 * kind being its first member).  Such a section also accepts a bare number
 * (deterministic with that mean), and naming a family without a cv sets the
 * cv the family implies (deterministic 0, exponential 1), because those two
 * admit no other value and the previous default would otherwise be rejected.
 *
 * Invariants: loading and --set are all-or-nothing (they work on a copy and
 * commit on success), so a failed call leaves cfg as it was.  Every message
 * reads "<file or --set>: <JSON path>: <problem>". */
#include "sim/config/settings.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>

#include "models/promql/promql.h"
#include "models/scaling/policy.h"
#include "models/trace/trace_transform.h"
#include "sim/engine/timefmt.h"

/* The PromQL parser and the policy registry are separate modules; settings
 * use them only to check scaler.query and scaler.policy early, with a file
 * and JSON path in the message. */

/* snprintf that may cut: every buffer here holds a path or a message, where
 * a cut only shortens text (and GCC's truncation warning has no say). */
static void strfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void strfmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ---- the registry ---------------------------------------------------- */

/* Every group of settings, in the order of the settings table.  A feature
 * adds its settings_<feature>.c defining `const asim_settings_group
 * asim_settings_<feature>`, one declaration and one line in `groups` below;
 * ordinary symbols, so a missing file is a link error, not a silent gap. */
extern const asim_settings_group asim_settings_core;
extern const asim_settings_group asim_settings_slo;
extern const asim_settings_group asim_settings_alerts;
extern const asim_settings_group asim_settings_trace;
extern const asim_settings_group asim_settings_policies;
extern const asim_settings_group asim_settings_hosts;
extern const asim_settings_group asim_settings_services;

static const asim_settings_group *const groups[] = {
    &asim_settings_core,
    &asim_settings_slo,
    &asim_settings_alerts,
    &asim_settings_trace,
    &asim_settings_policies,
    &asim_settings_hosts,
    &asim_settings_services,
};

/* Iteration over every setting of every present group, in registry order. */
typedef struct iter { size_t g, i; } iter;

static const asim_setting *iter_next(iter *it)
{
    while (it->g < ASIM_ARRAY_LEN(groups)) {
        const asim_settings_group *grp = groups[it->g];
        if (grp->table && it->i < grp->count && grp->table[it->i].path)
            return &grp->table[it->i++];
        it->g++;
        it->i = 0;
    }
    return NULL;
}

const asim_setting *asim_setting_find(const char *path)
{
    iter it = {0, 0};
    const asim_setting *s;
    while ((s = iter_next(&it)))
        if (strcmp(s->path, path) == 0)
            return s;
    return NULL;
}

const asim_setting *asim_setting_describe(const char *path)
{
    if (strncmp(path, "services.", 9) == 0) {
        const char *dot = strchr(path + 9, '.');
        return dot && dot > path + 9 ? asim_setting_find(dot + 1) : NULL;
    }
    return asim_setting_find(path);
}

/* A section is a strict prefix of some setting's path ("app",
 * "app.service_time"); "" is the root. */
int asim_setting_is_section(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 0)
        return 1;
    iter it = {0, 0};
    const asim_setting *s;
    while ((s = iter_next(&it)))
        if (strncmp(s->path, prefix, n) == 0 && s->path[n] == '.')
            return 1;
    return 0;
}

static const asim_setting *find_child(const char *prefix, const char *key)
{
    char path[512];
    strfmt(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
    return asim_setting_find(path);
}

/* The distribution struct a dist section stands for, or NULL. */
static asim_dist *dist_at(asim_config *cfg, const char *prefix)
{
    const asim_setting *k = find_child(prefix, "distribution");
    if (!k || k->type != ASIM_SET_ENUM || !find_child(prefix, "mean") || !find_child(prefix, "cv"))
        return NULL;
    return (asim_dist *)((char *)cfg + k->offset - offsetof(asim_dist, kind));
}

static void *field(asim_config *cfg, const asim_setting *s)
{
    return (char *)cfg + s->offset;
}

static const void *cfield(const asim_config *cfg, const asim_setting *s)
{
    return (const char *)cfg + s->offset;
}

/* ---- messages (asim_suggest and asim_utf8_error: settings_text.c) ------ */

void asim_err_blame_set(asim_err *err, const asim_config *cfg, const char *const *sets, size_t n)
{
    size_t fl = strlen(cfg->source_file);
    if (!err || !fl || strncmp(err->msg, cfg->source_file, fl) != 0 || strncmp(err->msg + fl, ": $.", 4) != 0)
        return;
    const char *jp = err->msg + fl + 4;
    for (size_t i = n; i-- > 0;) {
        size_t pl = strcspn(sets[i], "=");
        if (strncmp(jp, sets[i], pl) == 0 && (jp[pl] == ':' || jp[pl] == '.' || jp[pl] == '[')) {
            char rest[sizeof err->msg];
            strfmt(rest, sizeof rest, "%s", err->msg + fl);
            strfmt(err->msg, sizeof err->msg, "--set%s", rest);
            return;
        }
    }
}

int asim_config_set_all(asim_config *cfg, const char *const *sets, size_t n, asim_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = asim_config_set(cfg, sets[i], err);
    return rc;
}

int asim_config_validate_sets(asim_config *cfg, const char *const *sets, size_t n, asim_err *err)
{
    int rc = asim_config_validate(cfg, err);
    if (rc != 0)
        asim_err_blame_set(err, cfg, sets, n);
    return rc;
}

int asim_config_build(asim_config *cfg, const char *scenario, const char *const *sets, size_t nsets,
                      const char *duration, asim_err *err)
{
    int rc;
    if ((rc = asim_config_load(cfg, scenario, err)) != 0 || (rc = asim_config_set_all(cfg, sets, nsets, err)) != 0)
        return rc;
    if (duration) {
        char a[300];
        strfmt(a, sizeof a, "duration=%s", duration);
        if ((rc = asim_config_set(cfg, a, err)) != 0)
            return rc;
    }
    return asim_config_validate_sets(cfg, sets, nsets, err);
}

/* Distinct next path components under prefix ("" = top level). */
static size_t children(const char *prefix, char names[][64], size_t max)
{
    size_t n = 0, pl = strlen(prefix);
    iter it = {0, 0};
    const asim_setting *s;
    while ((s = iter_next(&it))) {
        const char *rest;
        if (pl == 0)
            rest = s->path;
        else if (strncmp(s->path, prefix, pl) == 0 && s->path[pl] == '.')
            rest = s->path + pl + 1;
        else
            continue;
        size_t k = strcspn(rest, ".");
        if (k >= 64)
            continue;
        char c[64];
        memcpy(c, rest, k);
        c[k] = 0;
        size_t j;
        for (j = 0; j < n && strcmp(names[j], c) != 0; j++)
            ;
        if (j == n && n < max)
            strcpy(names[n++], c);
    }
    return n;
}

/* "unknown setting (did you mean max_replicas?)": first a sibling close to
 * the key, then a setting elsewhere whose last component matches it (the
 * right key in the wrong section), else the list of valid keys. */
static int unknown_key(const asim_config *cfg, const char *prefix, const char *key,
                       const char *jpath, int is_object, asim_err *err)
{
    char names[96][64];
    const char *ptrs[96];
    size_t n = children(prefix, names, 96);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = names[i];
    const char *what = !*prefix && is_object ? "unknown section" : "unknown setting";
    const char *sug = asim_suggest(key, ptrs, n);
    if (sug)
        return asim_config_errf(cfg, err, jpath, "%s (did you mean %s?)", what, sug);

    const char *elsewhere = NULL;
    size_t bestd = (size_t)-1;
    iter it = {0, 0};
    const asim_setting *s;
    while ((s = iter_next(&it))) {
        const char *last = strrchr(s->path, '.');
        last = last ? last + 1 : s->path;
        size_t d = asim_edit_distance(key, last);
        if (d < bestd && (d == 0 || asim_suggest(key, &last, 1))) { bestd = d; elsewhere = s->path; }
    }
    if (elsewhere)
        return asim_config_errf(cfg, err, jpath, "%s (did you mean %s?)", what, elsewhere);

    char list[300] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list - 70; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    return asim_config_errf(cfg, err, jpath, "%s (valid here: %s)", what, list);
}

static const char *json_type(const cJSON *n)
{
    if (cJSON_IsObject(n)) return "an object";
    if (cJSON_IsArray(n)) return "an array";
    if (cJSON_IsString(n)) return "a string";
    if (cJSON_IsNumber(n)) return "a number";
    if (cJSON_IsBool(n)) return "a boolean";
    if (cJSON_IsNull(n)) return "null";
    return "an invalid value";
}

int asim_json_check_keys(const asim_config *cfg, const cJSON *obj,
                         const char *const *allowed, const char *jpath, asim_err *err)
{
    size_t n = 0;
    while (allowed[n])
        n++;
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        char kp[600];
        strfmt(kp, sizeof kp, "%s.%s", jpath, c->string ? c->string : "");
        for (const cJSON *p = obj->child; p != c; p = p->next)
            if (strcmp(p->string, c->string) == 0)
                return asim_config_errf(cfg, err, kp, "duplicate key");
        size_t i;
        for (i = 0; i < n && strcmp(allowed[i], c->string) != 0; i++)
            ;
        if (i < n)
            continue;
        const char *sug = asim_suggest(c->string, allowed, n);
        if (sug)
            return asim_config_errf(cfg, err, kp, "unknown key (did you mean %s?)", sug);
        char list[300] = "";
        size_t used = 0;
        for (i = 0; i < n && used < sizeof list - 70; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
        return asim_config_errf(cfg, err, kp, "unknown key (valid here: %s)", list);
    }
    return 0;
}

/* ---- numbers and ranges ------------------------------------------------ */

/* Shortest "%.*g" text that reads back to the same double, so values print
 * the way users write them (0.6, not 0.59999999999999998; 1e9, not 1e+09). */
static void fmt_num(char *buf, size_t len, double v)
{
    if (v == floor(v) && fabs(v) < 1e7) {
        strfmt(buf, len, "%.0f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        strfmt(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* "1e+09" -> "1e9", "1e-05" -> "1e-5": same value, as people write it. */
    char *e = strchr(buf, 'e');
    if (e) {
        char *d = e + 1, *src = e + 1;
        if (*src == '+')
            src++;
        else if (*src == '-')
            *d++ = *src++;
        while (*src == '0' && src[1])
            src++;
        memmove(d, src, strlen(src) + 1);
    }
}

static int has_range(const asim_setting *s)
{
    return !(s->min == 0 && s->max == 0);
}

/* "between 1 and 1000", "> 0", ">= 0"; "" when unbounded. */
static void range_text(const asim_setting *s, char *buf, size_t len, int table)
{
    char lo[40] = "", hi[40] = "";
    buf[0] = 0;
    if (!has_range(s))
        return;
    int has_lo = s->min > -ASIM_SET_NOLIMIT, has_hi = s->max < ASIM_SET_NOLIMIT;
    int positive = s->min == ASIM_SET_POSITIVE;
    fmt_num(lo, sizeof lo, s->min);
    fmt_num(hi, sizeof hi, s->max);
    if (has_lo && has_hi && !positive)
        strfmt(buf, len, table ? "%s to %s" : "between %s and %s", lo, hi);
    else if (positive && has_hi)
        strfmt(buf, len, "> 0 and <= %s", hi);
    else if (positive)
        strfmt(buf, len, "> 0");
    else if (has_lo)
        strfmt(buf, len, ">= %s", lo);
    else if (has_hi)
        strfmt(buf, len, "<= %s", hi);
}

static int check_range(const asim_config *cfg, const asim_setting *s, double v,
                       const char *jpath, asim_err *err)
{
    if (!has_range(s) || (v >= s->min && v <= s->max))
        return 0;
    char r[100], t[40];
    range_text(s, r, sizeof r, 0);
    fmt_num(t, sizeof t, v);
    return asim_config_errf(cfg, err, jpath, "%s is out of range (must be %s)", t, r);
}

/* Store a number into a DOUBLE, INT or U64 setting after checking it. */
static int set_number(asim_config *cfg, const asim_setting *s, double v,
                      const char *jpath, asim_err *err)
{
    if (!isfinite(v))
        return asim_config_errf(cfg, err, jpath, "expected a finite number");
    if (s->type != ASIM_SET_DOUBLE && v != floor(v)) {
        char t[40];
        fmt_num(t, sizeof t, v);
        return asim_config_errf(cfg, err, jpath, "expected an integer, got %s", t);
    }
    int rc = check_range(cfg, s, v, jpath, err);
    if (rc)
        return rc;
    switch (s->type) {
    case ASIM_SET_DOUBLE:
        *(double *)field(cfg, s) = v;
        break;
    case ASIM_SET_INT:
        if (v < INT_MIN || v > INT_MAX)
            return asim_config_errf(cfg, err, jpath, "%.0f does not fit an integer", v);
        *(int *)field(cfg, s) = (int)v;
        break;
    case ASIM_SET_U64:
        /* Beyond 2^53 a JSON number has already lost digits: ask for text. */
        if (v < 0 || v > 9007199254740992.0)
            return asim_config_errf(cfg, err, jpath,
                                    "must be an integer from 0 to 2^53 (write larger values as a string of digits)");
        *(uint64_t *)field(cfg, s) = (uint64_t)v;
        break;
    default:
        return asim_config_errf(cfg, err, jpath, "internal: not a numeric setting");
    }
    return 0;
}

/* A setting in seconds also takes a Prometheus duration ("30s", "1h30m",
 * "500ms"), as a JSON string or --set text. */
static int is_seconds(const asim_setting *s)
{
    return s->type == ASIM_SET_DOUBLE && s->unit && strcmp(s->unit, "s") == 0;
}

static int set_seconds_text(asim_config *cfg, const asim_setting *s, const char *text,
                            const char *jpath, asim_err *err)
{
    double v;
    if (asim_seconds_parse(text, &v) != 0)
        return asim_config_errf(cfg, err, jpath, "'%s' is not a number of seconds or a duration like 30s, 2m, 1h30m, 500ms",
                                text);
    return set_number(cfg, s, v, jpath, err);
}

static int set_u64_text(asim_config *cfg, const asim_setting *s, const char *text,
                        const char *jpath, asim_err *err)
{
    const char *p = text;
    while (isdigit((unsigned char)*p))
        p++;
    if (p == text || *p)
        return asim_config_errf(cfg, err, jpath, "'%s' is not a non-negative integer", text);
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno == ERANGE)
        return asim_config_errf(cfg, err, jpath, "'%s' does not fit 64 bits", text);
    int rc = check_range(cfg, s, (double)v, jpath, err);
    if (rc)
        return rc;
    *(uint64_t *)field(cfg, s) = (uint64_t)v;
    return 0;
}

static int set_string(asim_config *cfg, const asim_setting *s, const char *v,
                      const char *jpath, asim_err *err)
{
    size_t n = strlen(v);
    long bad = asim_utf8_error((const unsigned char *)v);
    if (bad >= 0)
        return asim_config_errf(cfg, err, jpath, "not valid UTF-8 (byte %ld)", bad + 1);
    if (n >= s->size)
        return asim_config_errf(cfg, err, jpath, "too long (at most %zu characters)", s->size - 1);
    memcpy(field(cfg, s), v, n + 1);
    return 0;
}

static int set_enum(asim_config *cfg, const asim_setting *s, const char *v,
                    const char *jpath, asim_err *err)
{
    size_t n = 0;
    while (s->names[n])
        n++;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->names[i], v) == 0) {
            *(int *)field(cfg, s) = (int)i;
            return 0;
        }
    char list[300] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list - 70; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", s->names[i]);
    const char *sug = asim_suggest(v, s->names, n);
    if (sug)
        return asim_config_errf(cfg, err, jpath, "unknown value '%s' (did you mean %s? choices: %s)", v, sug, list);
    return asim_config_errf(cfg, err, jpath, "unknown value '%s' (choices: %s)", v, list);
}

/* "line:column" of a cJSON parse error position. */
static void json_where(const char *text, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    if (!at)
        return;
    for (const char *p = text; *p && p < at; p++) {
        if (*p == '\n') { (*line)++; *col = 1; }
        else (*col)++;
    }
}

/* Parse JSON text; on error "<what>:L:C: malformed JSON near '...'". */
static cJSON *parse_json(const char *text, const char *what, asim_err *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root)
        return root;
    int line, col;
    json_where(text, end, &line, &col);
    char near[32] = "";
    size_t k = 0;
    for (const char *p = end; p && *p && k < 20; p++)
        near[k++] = (*p == '\n' || *p == '\t' || *p == '\r') ? ' ' : *p;
    near[k] = 0;
    if (!*text || strspn(text, " \t\r\n") == strlen(text))
        asim_err_set(err, ASIM_EINPUT, "%s:%d:%d: malformed JSON: empty", what, line, col);
    else if (k == 0)
        asim_err_set(err, ASIM_EINPUT, "%s:%d:%d: malformed JSON: unexpected end of text", what, line, col);
    else
        asim_err_set(err, ASIM_EINPUT, "%s:%d:%d: malformed JSON near '%s'", what, line, col, near);
    return NULL;
}

/* ---- setting values from JSON and from text ---------------------------- */

static int set_from_json(asim_config *cfg, const asim_setting *s, const cJSON *n,
                         const char *jpath, asim_err *err)
{
    switch (s->type) {
    case ASIM_SET_DOUBLE:
    case ASIM_SET_INT:
        if (is_seconds(s) && cJSON_IsString(n))
            return set_seconds_text(cfg, s, n->valuestring, jpath, err);
        if (!cJSON_IsNumber(n))
            return asim_config_errf(cfg, err, jpath, "expected %s, got %s",
                                    s->type == ASIM_SET_INT ? "an integer" : "a number", json_type(n));
        return set_number(cfg, s, n->valuedouble, jpath, err);
    case ASIM_SET_U64:
        if (cJSON_IsString(n))
            return set_u64_text(cfg, s, n->valuestring, jpath, err);
        if (!cJSON_IsNumber(n))
            return asim_config_errf(cfg, err, jpath, "expected an integer, got %s", json_type(n));
        return set_number(cfg, s, n->valuedouble, jpath, err);
    case ASIM_SET_BOOL:
        if (!cJSON_IsBool(n))
            return asim_config_errf(cfg, err, jpath, "expected true or false, got %s", json_type(n));
        *(int *)field(cfg, s) = cJSON_IsTrue(n);
        return 0;
    case ASIM_SET_STRING:
        if (!cJSON_IsString(n))
            return asim_config_errf(cfg, err, jpath, "expected a string, got %s", json_type(n));
        return set_string(cfg, s, n->valuestring, jpath, err);
    case ASIM_SET_ENUM:
        if (!cJSON_IsString(n))
            return asim_config_errf(cfg, err, jpath, "expected a string, got %s", json_type(n));
        return set_enum(cfg, s, n->valuestring, jpath, err);
    case ASIM_SET_CUSTOM:
        return s->parse(cfg, n, jpath, err);
    }
    return asim_config_errf(cfg, err, jpath, "internal: bad setting type");
}

static int set_from_text(asim_config *cfg, const asim_setting *s, const char *text,
                         const char *jpath, asim_err *err)
{
    switch (s->type) {
    case ASIM_SET_DOUBLE:
    case ASIM_SET_INT: {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (is_seconds(s) && (end == text || *end))
            return set_seconds_text(cfg, s, text, jpath, err);
        if (end == text || *end || isspace((unsigned char)*text))
            return asim_config_errf(cfg, err, jpath, "'%s' is not %s", text,
                                    s->type == ASIM_SET_INT ? "an integer" : "a number");
        return set_number(cfg, s, v, jpath, err);
    }
    case ASIM_SET_U64:
        return set_u64_text(cfg, s, text, jpath, err);
    case ASIM_SET_BOOL: {
        static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no", "off"};
        for (size_t i = 0; i < ASIM_ARRAY_LEN(yes); i++) {
            if (strcmp(text, yes[i]) == 0) { *(int *)field(cfg, s) = 1; return 0; }
            if (strcmp(text, no[i]) == 0) { *(int *)field(cfg, s) = 0; return 0; }
        }
        return asim_config_errf(cfg, err, jpath, "'%s' is not a boolean (true or false)", text);
    }
    case ASIM_SET_STRING:
        return set_string(cfg, s, text, jpath, err);
    case ASIM_SET_ENUM:
        return set_enum(cfg, s, text, jpath, err);
    case ASIM_SET_CUSTOM: {
        asim_err jerr;
        cJSON *n = parse_json(text, "value", &jerr);
        if (!n)
            return asim_config_errf(cfg, err, jpath, "%s", jerr.msg);
        int rc = s->parse(cfg, n, jpath, err);
        cJSON_Delete(n);
        return rc;
    }
    }
    return asim_config_errf(cfg, err, jpath, "internal: bad setting type");
}

/* After a family was named without a cv: the cv that family implies. */
static void dist_fix_cv(asim_dist *d)
{
    if (d->kind == ASIM_DIST_DETERMINISTIC)
        d->cv = 0;
    else if (d->kind == ASIM_DIST_EXPONENTIAL)
        d->cv = 1;
}

/* A bare number where a distribution goes: deterministic with that mean. */
static int set_dist_number(asim_config *cfg, const char *prefix, double v,
                           const char *jpath, asim_err *err)
{
    asim_dist *d = dist_at(cfg, prefix);
    int rc = set_number(cfg, find_child(prefix, "mean"), v, jpath, err);
    if (rc)
        return rc;
    d->kind = ASIM_DIST_DETERMINISTIC;
    d->cv = 0;
    return 0;
}

/* Load the JSON object obj into the section prefix ("" = root). */
static int load_object(asim_config *cfg, const cJSON *obj, const char *prefix,
                       const char *jpath, asim_err *err)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        const char *key = c->string ? c->string : "";
        char path[512], kp[600];
        strfmt(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
        strfmt(kp, sizeof kp, "%s.%s", jpath, key);
        for (const cJSON *p = obj->child; p != c; p = p->next)
            if (strcmp(p->string, key) == 0)
                return asim_config_errf(cfg, err, kp, "duplicate key");
        int rc;
        const asim_setting *s = strlen(key) < 200 && !strchr(key, '.') ? asim_setting_find(path) : NULL;
        if (s)
            rc = set_from_json(cfg, s, c, kp, err);
        else if (strlen(key) < 200 && !strchr(key, '.') && *key && asim_setting_is_section(path)) {
            if (cJSON_IsNumber(c) && dist_at(cfg, path))
                rc = set_dist_number(cfg, path, c->valuedouble, kp, err);
            else if (!cJSON_IsObject(c))
                rc = asim_config_errf(cfg, err, kp, "expected an object%s, got %s",
                                      dist_at(cfg, path) ? " (distribution, mean, cv) or a number" : "",
                                      json_type(c));
            else
                rc = load_object(cfg, c, path, kp, err);
        } else if (strchr(key, '.') && asim_setting_find(key))
            rc = asim_config_errf(cfg, err, kp, "dotted keys are not expanded: nest objects, "
                                  "as in {\"%.*s\": {...}}", (int)strcspn(key, "."), key);
        else
            rc = unknown_key(cfg, prefix, key, kp, cJSON_IsObject(c), err);
        if (rc)
            return rc;
    }
    asim_dist *d = *prefix ? dist_at(cfg, prefix) : NULL;
    if (d && cJSON_GetObjectItemCaseSensitive(obj, "distribution") &&
        !cJSON_GetObjectItemCaseSensitive(obj, "cv"))
        dist_fix_cv(d);
    return 0;
}

/* ---- public entry points ------------------------------------------------ */

void asim_config_defaults(asim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    /* models resolve ${setting} in alert expressions through this */
    cfg->ext.alerts.setting_text = asim_config_get_text;
    iter it = {0, 0};
    const asim_setting *s;
    while ((s = iter_next(&it))) {
        asim_err err;
        if (set_from_text(cfg, s, s->def ? s->def : "", s->path, &err) != 0) {
            /* A default that does not parse is a bug in a table. */
            fprintf(stderr, "autoscale-sim: internal error: default of %s: %s\n", s->path, err.msg);
            abort();
        }
    }
}

static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    if (n >= len)
        n = len - 1;
    memcpy(out, b, n);
    out[n] = 0;
}

/* Load text over cfg, all or nothing; file_name: take the scenario's name
 * from the file name when it has none. */
static int load_text(asim_config *cfg, const char *text, const char *name,
                     int file_name, asim_err *err)
{
    cJSON *root = parse_json(text, name, err);
    if (!root)
        return ASIM_EINPUT;
    asim_config tmp;
    asim_config_copy(&tmp, cfg);
    strfmt(tmp.source_file, sizeof tmp.source_file, "%s", name);
    int rc;
    if (!cJSON_IsObject(root))
        rc = asim_config_errf(&tmp, err, "$", "expected a JSON object (a scenario), got %s", json_type(root));
    else
        rc = load_object(&tmp, root, "", "$", err);
    if (rc == 0 && file_name && !cJSON_GetObjectItemCaseSensitive(root, "name"))
        base_name(name, tmp.name, sizeof tmp.name);
    cJSON_Delete(root);
    if (rc) {
        asim_config_free(&tmp);
        return rc;
    }
    asim_config_free(cfg);
    *cfg = tmp;
    return 0;
}

int asim_config_load_text(asim_config *cfg, const char *text, const char *name, asim_err *err)
{
    return load_text(cfg, text, name, 0, err);
}

int asim_config_load(asim_config *cfg, const char *path, asim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return asim_err_set(err, ASIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = asim_malloc(cap);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            if (cap >= (size_t)64 << 20) {
                fclose(f);
                asim_free(buf);
                return asim_err_set(err, ASIM_EINPUT, "%s: too large for a scenario file (over 64 MiB)", path);
            }
            cap *= 2;
            buf = asim_realloc(buf, cap);
        }
    }
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        asim_free(buf);
        return asim_err_set(err, ASIM_EINPUT, "%s: cannot read: %s", path, strerror(e));
    }
    buf[n] = 0;
    int rc;
    if (strlen(buf) != n)
        rc = asim_err_set(err, ASIM_EINPUT, "%s: not a text file (contains a NUL byte)", path);
    else
        rc = load_text(cfg, buf, path, 1, err);
    asim_free(buf);
    return rc;
}

/* Put v at the dotted path under root, creating (or replacing non-object)
 * sections on the way and replacing what was at the leaf. */
void asim_json_put_path(cJSON *root, const char *path, cJSON *v)
{
    cJSON *at = root;
    char comp[200];
    for (const char *p = path;;) {
        size_t k = strcspn(p, ".");
        if (k >= sizeof comp)
            k = sizeof comp - 1;
        memcpy(comp, p, k);
        comp[k] = 0;
        if (!p[k]) {
            cJSON_DeleteItemFromObjectCaseSensitive(at, comp);
            cJSON_AddItemToObject(at, comp, v);
            return;
        }
        cJSON *sub = cJSON_GetObjectItemCaseSensitive(at, comp);
        if (!cJSON_IsObject(sub)) {
            cJSON_DeleteItemFromObjectCaseSensitive(at, comp);
            sub = cJSON_AddObjectToObject(at, comp);
        }
        at = sub;
        p += k + 1;
    }
}

int asim_config_set(asim_config *cfg, const char *assignment, asim_err *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return asim_err_set(err, ASIM_EINPUT, "--set '%s': expected key.path=value", assignment);
    char path[512], jpath[600];
    size_t pl = (size_t)(eq - assignment);
    if (pl >= 200)
        return asim_err_set(err, ASIM_EINPUT, "--set: setting name too long");
    memcpy(path, assignment, pl);
    path[pl] = 0;
    const char *value = eq + 1;
    strfmt(jpath, sizeof jpath, "$.%s", path);

    if (strncmp(path, "services.", 9) == 0)
        return asim_config_set_service(cfg, path + 9, value, err);

    asim_config tmp;
    asim_config_copy(&tmp, cfg);
    strfmt(tmp.source_file, sizeof tmp.source_file, "--set");
    int rc;
    const asim_setting *s = asim_setting_find(path);
    char prefix[512];
    strfmt(prefix, sizeof prefix, "%s", path);
    char *dot = strrchr(prefix, '.');
    const char *key = dot ? dot + 1 : path;
    if (dot)
        *dot = 0;
    else
        prefix[0] = 0;

    if (s) {
        rc = set_from_text(&tmp, s, value, jpath, err);
        asim_dist *d = dist_at(&tmp, prefix);
        if (rc == 0 && d && strcmp(key, "distribution") == 0)
            dist_fix_cv(d);
    } else if (asim_setting_is_section(path)) {
        asim_err jerr;
        cJSON *n = parse_json(value, "value", &jerr);
        if (!n)
            rc = asim_config_errf(&tmp, err, jpath, "%s is a section: give a JSON object (%s)", path, jerr.msg);
        else {
            if (cJSON_IsNumber(n) && dist_at(&tmp, path))
                rc = set_dist_number(&tmp, path, n->valuedouble, jpath, err);
            else if (cJSON_IsObject(n))
                rc = load_object(&tmp, n, path, jpath, err);
            else
                rc = asim_config_errf(&tmp, err, jpath, "%s is a section: expected a JSON object, got %s",
                                      path, json_type(n));
            cJSON_Delete(n);
        }
    } else if (dot && !asim_setting_is_section(prefix)) {
        /* The section itself is unknown: suggest among full paths. */
        const char **all = asim_malloc(sizeof *all * 512);
        size_t n = 0;
        iter it = {0, 0};
        while ((s = iter_next(&it)) && n < 512)
            all[n++] = s->path;
        const char *sug = asim_suggest(path, all, n);
        rc = sug ? asim_config_errf(&tmp, err, jpath, "unknown setting (did you mean %s?)", sug)
                 : unknown_key(&tmp, "", path, jpath, 0, err);
        asim_free(all);
    } else
        rc = unknown_key(&tmp, prefix, key, jpath, 0, err);

    if (rc) {
        asim_config_free(&tmp);
        return rc;
    }
    memcpy(tmp.source_file, cfg->source_file, sizeof tmp.source_file);
    asim_config_free(cfg);
    *cfg = tmp;
    return 0;
}

int asim_config_validate(asim_config *cfg, asim_err *err)
{
    for (size_t g = 0; g < ASIM_ARRAY_LEN(groups); g++)
        if (groups[g]->validate) {
            int rc = groups[g]->validate(cfg, err);
            if (rc)
                return rc;
        }
    /* Checks that need other modules. */
    if (!asim_policy_find(cfg->scaler.policy)) {
        const char *names = asim_policy_names();
        char list[512], *cands[32];
        size_t n = 0;
        strfmt(list, sizeof list, "%s", names);
        char *save = NULL;
        for (char *tok = strtok_r(list, ", ", &save); tok && n < 32; tok = strtok_r(NULL, ", ", &save))
            cands[n++] = tok;
        const char *sug = asim_suggest(cfg->scaler.policy, (const char *const *)cands, n);
        return asim_config_errf(cfg, err, "$.scaler.policy", "unknown policy '%s' (%s%s%schoices: %s)",
                                cfg->scaler.policy, sug ? "did you mean " : "", sug ? sug : "",
                                sug ? "? " : "", names);
    }
    char perr[256] = "";
    asim_promql *q = asim_promql_parse(cfg->scaler.query, perr, sizeof perr);
    if (!q)
        return asim_config_errf(cfg, err, "$.scaler.query", "invalid PromQL: %s", perr);
    asim_promql_free(q);
    return 0;
}

int asim_config_service(const asim_config *base, size_t i, asim_config *out, asim_err *err)
{
    const asim_service_spec *sp = &base->ext.services.v[i];
    asim_config_copy(out, base);
    /* the copy keeps no services: free them, as the copy owns its own */
    asim_config_services_clear(out);
    out->ext.services.call[0] = 0;          /* calls are per service: none unless the overlay says */
    out->ext.services.call_fraction = 0;
    out->ext.services.member = 1;
    char nm[sizeof out->name];
    strfmt(nm, sizeof nm, "%s.%s", base->name, sp->name);  /* "two_services.api" in titles */
    memcpy(out->name, nm, sizeof nm);
    strfmt(out->container.service_name, sizeof out->container.service_name, "%s", sp->name);
    strfmt(out->prometheus.job, sizeof out->prometheus.job, "%s", sp->name);
    char jpath[64];
    strfmt(jpath, sizeof jpath, "$.services[%zu]", i);
    cJSON *o = cJSON_Parse(sp->overlay);
    int rc = o ? load_object(out, o, "", jpath, err) : asim_config_errf(out, err, jpath, "bad overlay");
    cJSON_Delete(o);
    if (rc == 0)
        rc = asim_config_validate(out, err);
    return rc;
}

void asim_config_copy(asim_config *dst, const asim_config *src)
{
    *dst = *src;
    for (size_t g = 0; g < ASIM_ARRAY_LEN(groups); g++)
        if (groups[g]->copy_owned)
            groups[g]->copy_owned(dst, src);
}

void asim_config_free(asim_config *cfg)
{
    if (!cfg)
        return;
    for (size_t g = 0; g < ASIM_ARRAY_LEN(groups); g++)
        if (groups[g]->free_owned)
            groups[g]->free_owned(cfg);
}

/* ---- export -------------------------------------------------------------- */

static cJSON *value_json(const asim_config *cfg, const asim_setting *s)
{
    const void *p = cfield(cfg, s);
    switch (s->type) {
    case ASIM_SET_DOUBLE: return cJSON_CreateNumber(*(const double *)p);
    case ASIM_SET_INT:    return cJSON_CreateNumber(*(const int *)p);
    case ASIM_SET_U64: {
        uint64_t v = *(const uint64_t *)p;
        if (v <= (UINT64_C(1) << 53))
            return cJSON_CreateNumber((double)v);
        char t[32];
        strfmt(t, sizeof t, "%llu", (unsigned long long)v);
        return cJSON_CreateString(t);
    }
    case ASIM_SET_BOOL:   return cJSON_CreateBool(*(const int *)p);
    case ASIM_SET_STRING: return cJSON_CreateString((const char *)p);
    case ASIM_SET_ENUM:   return cJSON_CreateString(s->names[*(const int *)p]);
    case ASIM_SET_CUSTOM: return s->to_json ? s->to_json(cfg) : NULL;
    }
    return NULL;
}

/* An optional scalar setting still holding its default. */
static int optional_at_default(const asim_config *cfg, const asim_setting *s)
{
    if (!s->optional || s->type == ASIM_SET_CUSTOM || s->size == 0)
        return 0;
    static _Thread_local asim_config scratch;
    asim_err err;
    memset((char *)&scratch + s->offset, 0, s->size);
    if (set_from_text(&scratch, s, s->def ? s->def : "", s->path, &err) != 0)
        return 0;
    return memcmp((const char *)&scratch + s->offset, cfield(cfg, s), s->size) == 0;
}

/* A group whose optional settings all hold their defaults (the feature is
 * off): those settings are left out of the JSON.  Once one is set, the
 * whole group is written, so a summary shows the feature's full settings. */
static int optional_group_off(const asim_config *cfg, const asim_settings_group *grp)
{
    int any = 0;
    for (size_t i = 0; i < grp->count; i++) {
        const asim_setting *s = &grp->table[i];
        if (!s->optional) continue;
        any = 1;
        if (!optional_at_default(cfg, s)) return 0;
    }
    return any;
}

cJSON *asim_config_to_json(const asim_config *cfg)
{
    cJSON *root = cJSON_CreateObject();
    iter it = {0, 0};
    const asim_setting *s;
    int off[ASIM_ARRAY_LEN(groups)];
    for (size_t g = 0; g < ASIM_ARRAY_LEN(groups); g++)
        off[g] = groups[g]->table && optional_group_off(cfg, groups[g]);
    while ((s = iter_next(&it))) {
        if (s->optional && off[it.g])
            continue;
        cJSON *v = value_json(cfg, s);
        if (!v)
            continue;
        asim_json_put_path(root, s->path, v);
    }
    return root;
}

void asim_config_json_absolute_paths(cJSON *n, const char *scenario_file)
{
    for (cJSON *c = n ? n->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c) && c->string && strcmp(c->string, "path") == 0 && c->valuestring[0] &&
            c->valuestring[0] != '/') {
            char found[PATH_MAX + 1200];
            if (asim_trace_resolve_path(scenario_file, c->valuestring, found, sizeof found)) {
                char *real = realpath(found, NULL);
                if (real)
                    cJSON_SetValuestring(c, real);
                free(real);
            }
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            asim_config_json_absolute_paths(c, scenario_file);
    }
}

int asim_config_get_text(const asim_config *cfg, const char *path, char *buf, size_t len)
{
    if (len == 0)
        return ASIM_EINPUT;
    buf[0] = 0;
    if (strncmp(path, "services.", 9) == 0) {   /* services.NAME.PATH: that service's value */
        const char *dot = strchr(path + 9, '.');
        for (size_t i = 0; dot && i < cfg->ext.services.n; i++) {
            const char *nm = cfg->ext.services.v[i].name;
            if (strlen(nm) != (size_t)(dot - path - 9) || strncmp(nm, path + 9, strlen(nm)) != 0)
                continue;
            asim_config sc;
            asim_err e;
            int rc = asim_config_service(cfg, i, &sc, &e);
            if (rc == 0)
                rc = asim_config_get_text(&sc, dot + 1, buf, len);
            asim_config_free(&sc);
            return rc;
        }
        return ASIM_EINPUT;
    }
    const asim_setting *s = asim_setting_find(path);
    if (s && s->type == ASIM_SET_DOUBLE) {
        fmt_num(buf, len, *(const double *)cfield(cfg, s));
        return 0;
    }
    if (s && s->type == ASIM_SET_U64) {
        strfmt(buf, len, "%llu", (unsigned long long)*(const uint64_t *)cfield(cfg, s));
        return 0;
    }
    if (s && (s->type == ASIM_SET_STRING || s->type == ASIM_SET_ENUM)) {
        strfmt(buf, len, "%s", s->type == ASIM_SET_STRING ? (const char *)cfield(cfg, s)
                                                              : s->names[*(const int *)cfield(cfg, s)]);
        return 0;
    }
    if (s && s->type != ASIM_SET_CUSTOM) {
        cJSON *v = value_json(cfg, s);
        char *t = cJSON_PrintUnformatted(v);
        strfmt(buf, len, "%s", t);
        cJSON_free(t);
        cJSON_Delete(v);
        return 0;
    }
    /* CUSTOM settings and whole sections: their JSON text. */
    if (!s && !asim_setting_is_section(path))
        return ASIM_EINPUT;
    cJSON *root = asim_config_to_json(cfg), *n = root;
    char comp[200];
    for (const char *p = path; n && *p;) {
        size_t k = strcspn(p, ".");
        if (k >= sizeof comp)
            k = sizeof comp - 1;
        memcpy(comp, p, k);
        comp[k] = 0;
        n = cJSON_GetObjectItemCaseSensitive(n, comp);
        p += k + (p[k] == '.');
    }
    char *t = n ? cJSON_PrintUnformatted(n) : NULL;
    if (t)
        strfmt(buf, len, "%s", t);
    cJSON_free(t);
    cJSON_Delete(root);
    return t ? 0 : ASIM_EINPUT;
}

/* ---- the table ------------------------------------------------------------ */

static const char *type_name(const asim_setting *s)
{
    switch (s->type) {
    case ASIM_SET_DOUBLE: return is_seconds(s) ? "duration" : "number";
    case ASIM_SET_INT:    return "integer";
    case ASIM_SET_U64:    return "integer";
    case ASIM_SET_BOOL:   return "boolean";
    case ASIM_SET_STRING: return "string";
    case ASIM_SET_ENUM:   return "choice";
    case ASIM_SET_CUSTOM: return "JSON";
    }
    return "?";
}

static void choices_text(const asim_setting *s, char *buf, size_t len)
{
    if (s->type != ASIM_SET_ENUM) {
        range_text(s, buf, len, 1);
        return;
    }
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; s->names[i] && used + 1 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->names[i]);
}

/* Markdown cell text: '|' would end the cell. */
static void md_cell(FILE *f, const char *text, int code)
{
    if (!*text)
        return;
    if (code)
        fputc('`', f);
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputs("\\|", f);
        else if (*p != '\n')
            fputc(*p, f);
    }
    if (code)
        fputc('`', f);
}

void asim_settings_print(FILE *f, int markdown)
{
    iter it = {0, 0};
    const asim_setting *s;
    if (markdown) {
        fputs("| setting | type | default | range / choices | unit | description |\n"
              "|---|---|---|---|---|---|\n", f);
    }
    while ((s = iter_next(&it))) {
        char ch[300];
        choices_text(s, ch, sizeof ch);
        const char *def = s->def ? s->def : "";
        if (markdown) {
            fputs("| ", f); md_cell(f, s->path, 1);
            fputs(" | ", f); md_cell(f, type_name(s), 0);
            fputs(" | ", f); md_cell(f, def, *def != 0);
            fputs(" | ", f); md_cell(f, ch, 0);
            fputs(" | ", f); md_cell(f, s->unit ? s->unit : "", 0);
            fputs(" | ", f); md_cell(f, s->help ? s->help : "", 0);
            fputs(" |\n", f);
        } else {
            fprintf(f, "%-36s %-8s default %s", s->path, type_name(s), *def ? def : "\"\"");
            if (s->unit && *s->unit)
                fprintf(f, " %s", s->unit);
            if (*ch)
                fprintf(f, "  (%s)", ch);
            fprintf(f, "\n    %s\n", s->help ? s->help : "");
        }
    }
}

void asim_jpath_key(char *buf, size_t len, const char *base, const char *key)
{
    if (snprintf(buf, len, "%s.%s", base, key) >= (int)len)
        buf[len - 1] = 0;
}

void asim_jpath_index(char *buf, size_t len, const char *base, size_t i)
{
    if (snprintf(buf, len, "%s[%zu]", base, i) >= (int)len)
        buf[len - 1] = 0;
}
