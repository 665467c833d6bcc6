/* settings.h -- the one table of known settings, and everything driven by it:
 * defaults, scenario-file parsing and validation, --set, --help text and the
 * README's settings table.
 *
 * A setting is addressed by its dotted path, which is also its place in the
 * scenario JSON ("scaler.scale_up_threshold" is {"scaler":{"scale_up_threshold":…}}).
 * Scalar settings are described by type, offset into asim_config, default
 * (as text), range, unit and help.  A DOUBLE whose unit is "s" is a
 * duration: it also reads a Prometheus duration string ("30s", "1h30m",
 * "500ms"; sim/engine/timefmt.h) from JSON or --set, and is typed "duration" in
 * the settings table.  Structured settings (the traffic profile,
 * alert rules, ...) are ASIM_SET_CUSTOM with their own parse function that
 * receives the cJSON node and its JSON path for messages.
 *
 * Features register their own tables (settings_<feature>.c) in the registry
 * in settings.c, each with an optional cross-field validate hook. */
#ifndef ASIM_SETTINGS_H
#define ASIM_SETTINGS_H

#include <float.h>
#include <stdio.h>
#include "models/scenario/config.h"

struct cJSON;

typedef enum asim_set_type {
    ASIM_SET_DOUBLE, ASIM_SET_INT, ASIM_SET_U64, ASIM_SET_BOOL,
    ASIM_SET_STRING, ASIM_SET_ENUM, ASIM_SET_CUSTOM
} asim_set_type;

typedef struct asim_setting {
    const char *path;             /* "scaler.scale_up_threshold" */
    asim_set_type type;
    size_t offset;                /* offsetof(asim_config, ...) */
    size_t size;                  /* STRING: buffer size */
    const char *def;              /* default, as text (JSON text for CUSTOM) */
    double min, max;              /* inclusive range for numbers */
    const char *const *names;     /* ENUM: NULL-terminated, index = value */
    const char *unit;             /* "s", "req/s", "" */
    const char *help;
    /* CUSTOM: parse node into cfg; jpath is like "$.traffic.profile". */
    int (*parse)(asim_config *cfg, const struct cJSON *node, const char *jpath, asim_err *err);
    /* CUSTOM: the current value as JSON (for best.json / printing). */
    struct cJSON *(*to_json)(const asim_config *cfg);
    /* A feature that is off by default (hosts.*): while every optional
     * setting of its group holds its default, they are left out of
     * asim_config_to_json, so the summaries of scenarios that do not use
     * the feature stay as they were. */
    int optional;
} asim_setting;

typedef struct asim_settings_group {
    const asim_setting *table;    /* terminated by an entry with path NULL */
    size_t count;
    int (*validate)(asim_config *cfg, asim_err *err);   /* may be NULL */
    void (*free_owned)(asim_config *cfg);                /* may be NULL */
    void (*copy_owned)(asim_config *dst, const asim_config *src); /* may be NULL */
} asim_settings_group;

/* Find a setting by path (NULL if unknown). */
const asim_setting *asim_setting_find(const char *path);
/* The same, also for a service's setting "services.NAME.PATH" (the
 * descriptor of PATH: its type and range, for sweeps and tune).  Never
 * write through its offset: apply values with asim_config_set. */
const asim_setting *asim_setting_describe(const char *path);

/* Fill cfg with every default.  Never fails. */
void asim_config_defaults(asim_config *cfg);

/* Load a scenario file over the current values (call defaults first).  Errors
 * name the file and the JSON path: "scenarios/x.json: $.scaler.max_replica:
 * unknown setting (did you mean max_replicas?)".  Returns 0 or ASIM_EINPUT. */
int asim_config_load(asim_config *cfg, const char *path, asim_err *err);
/* The same from a JSON text (name used in messages). */
int asim_config_load_text(asim_config *cfg, const char *text, const char *name, asim_err *err);

/* Apply "path=value" (value parsed as the setting's type; CUSTOM as JSON). */
int asim_config_set(asim_config *cfg, const char *assignment, asim_err *err);

/* Cross-field checks (min <= max, down threshold < up, ...) and derived
 * parameters (distributions).  Call after load and --set. */
int asim_config_validate(asim_config *cfg, asim_err *err);

/* Deep copy.  dst is treated as uninitialised (free it first if it owns
 * arrays); afterwards both are independent and each must be freed. */
void asim_config_copy(asim_config *dst, const asim_config *src);
void asim_config_free(asim_config *cfg);   /* frees owned arrays only */

/* The whole config as a scenario JSON object (every setting), e.g. for
 * best.json; the caller owns the result (cJSON_Delete). */
struct cJSON *asim_config_to_json(const asim_config *cfg);

/* Make the file paths of a scenario JSON object ("path" members: traces,
 * trace) absolute, resolved as the loader resolves them against
 * scenario_file (asim_trace_resolve_path), so the JSON loads the same files
 * from any directory (best.json, settings --json).  Paths that do not
 * resolve to an existing file are left as they are. */
void asim_config_json_absolute_paths(struct cJSON *j, const char *scenario_file);

/* A setting's value as text ("0.6", "round_robin"), for runs.csv columns. */
int asim_config_get_text(const asim_config *cfg, const char *path, char *buf, size_t len);

/* Print the settings table: plain text for --help, or Markdown for the README. */
void asim_settings_print(FILE *f, int markdown);

/* ---- helpers for settings tables and CUSTOM parsers ----------------- */

/* Range bounds for asim_setting.min/max: ASIM_SET_POSITIVE as min means
 * "strictly greater than 0" (printed as "> 0"); ASIM_SET_NOLIMIT (or its
 * negative) is an absent bound. */
#define ASIM_SET_POSITIVE DBL_MIN
#define ASIM_SET_NOLIMIT  DBL_MAX


/* JSON paths for messages: "<base>.<key>" and "<base>[i]".  A path longer
 * than the buffer is cut, which only shortens a message. */
void asim_jpath_key(char *buf, size_t len, const char *base, const char *key);
void asim_jpath_index(char *buf, size_t len, const char *base, size_t i);

/* Check that every key of the JSON object obj is in allowed (NULL-terminated)
 * and that no key repeats; the message names the key's path and suggests
 * the closest allowed key ("did you mean duration?").  0 or ASIM_EINPUT. */
int asim_json_check_keys(const asim_config *cfg, const struct cJSON *obj,
                         const char *const *allowed, const char *jpath, asim_err *err);

/* The candidate closest to word by edit distance (with transpositions), or
 * the only one word abbreviates; NULL when none is a plausible typo.
 * O(n * len^2). */
/* Byte offset of the first invalid UTF-8 sequence in v, or -1 (strict). */
long asim_utf8_error(const unsigned char *v);
const char *asim_suggest(const char *word, const char *const *cands, size_t n);
/* Optimal-string-alignment distance of a and b ((size_t)-1 above 100 bytes). */
size_t asim_edit_distance(const char *a, const char *b);

/* After asim_config_validate failed: if the message's JSON path is a setting
 * the user gave with --set (sets: the "path=value" texts, in order), make
 * the message name "--set" instead of the scenario file, which did not hold
 * the bad value. */
void asim_err_blame_set(asim_err *err, const asim_config *cfg, const char *const *sets, size_t n);

/* The full configuration of service i (0-based) of base->ext.services:
 * base's settings, container.service_name and prometheus.job set to the
 * service's name, then its overlay, then validated.  out has no services
 * of its own; free it with asim_config_free.  Errors name
 * "$.services[i]..." in base's file.  0 or ASIM_EINPUT. */
int asim_config_service(const asim_config *base, size_t i, asim_config *out, asim_err *err);
/* --set services.NAME.PATH=VALUE, rest = "NAME.PATH" (settings_services.c). */
int asim_config_set_service(asim_config *cfg, const char *rest, const char *value, asim_err *err);
/* Is prefix a section (a strict prefix of a setting's path; "" the root)? */
int asim_setting_is_section(const char *prefix);
/* Put v at the dotted path under root, creating sections on the way and
 * replacing what was at the leaf (root takes v). */
void asim_json_put_path(struct cJSON *root, const char *path, struct cJSON *v);
/* Drop cfg's services (freeing their overlays). */
void asim_config_services_clear(asim_config *cfg);

/* ---- a command's configuration ---------------------------------------- */

/* Apply the "path=value" texts of sets in order (asim_config_set each);
 * stops at the first that fails.  0 or ASIM_EINPUT. */
int asim_config_set_all(asim_config *cfg, const char *const *sets, size_t n, asim_err *err);

/* asim_config_validate, and on failure asim_err_blame_set with sets (the
 * --set texts that were applied).  0 or ASIM_EINPUT. */
int asim_config_validate_sets(asim_config *cfg, const char *const *sets, size_t n, asim_err *err);

/* The configuration of a command's runs: the scenario file loaded over cfg
 * (which holds defaults or more, so the caller frees it however this ends),
 * then each --set in order, then duration (the --duration text, NULL for
 * none) as the setting "duration" -- its errors read "--set: ...", and the
 * assignment is cut at 299 bytes like the commands' own --set buffers --
 * then asim_config_validate_sets.  0 or ASIM_EINPUT with err set. */
int asim_config_build(asim_config *cfg, const char *scenario, const char *const *sets, size_t nsets,
                      const char *duration, asim_err *err);

#endif
