/* import.h -- the user's own configuration files, read directly into
 * scenario settings: Prometheus's prometheus.yml and rule files, the seed
 * scaler's environment (a .env file or a docker-compose.yml `environment:`
 * block), a Kubernetes HorizontalPodAutoscaler manifest (autoscaling/v2).
 *
 * YAML is read with libyaml; a file that is not YAML, or whose values are
 * wrong (a bad duration, a list where a map belongs), is an error naming
 * "file:line:col".  Each file's kind is told from its content.  What the
 * simulator does not model (a second scrape job, annotations, alerting
 * targets, compose's other services, ...) is not dropped silently: each
 * such field gets a note "file:line: key: ignored (reason)" on the notes
 * stream; a field Prometheus (or Kubernetes) itself would reject is an
 * error.  doc/import.md lists every field and where it goes.
 *
 * Use: asim_import_new, asim_import_file for each file, then
 * asim_import_finish for the scenario fragment (a JSON object of settings,
 * to load over a scenario with asim_config_load_text). */
#ifndef ASIM_IMPORT_H
#define ASIM_IMPORT_H

#include <stdio.h>
#include "sim/engine/common.h"

struct cJSON;
typedef struct asim_import asim_import;

/* notes: where "ignored"/hint lines go (stderr; NULL = nowhere).
 * prom_config: the path of prometheus.yml as Prometheus is started with it
 * (--config.file; NULL = "/etc/prometheus/prometheus.yml", the official
 * image's): relative rule_files are joined to its directory, and the
 * resulting path names a rule group's file (it fixes the group's
 * evaluation offset, rules.h). */
asim_import *asim_import_new(FILE *notes, const char *prom_config);
void asim_import_free(asim_import *im);                  /* NULL is a no-op */

/* Read one file.  0, or ASIM_EINPUT with err ("rules.yml:4:7: ...") or
 * ASIM_ERUNTIME when it cannot be read. */
int asim_import_file(asim_import *im, const char *path, asim_err *err);

/* The settings derived from every file read so far, as a new JSON object
 * (the caller owns it; cJSON_Delete); prints the notes that need all files
 * (rule files against prometheus.yml's rule_files). */
struct cJSON *asim_import_finish(asim_import *im);

/* Import files[0..n) and load the result over cfg (a scenario already
 * loaded: what the files say replaces its settings; --set comes after).
 * Notes go to notes.  0, or the first error. */
struct asim_config;
int asim_import_apply(struct asim_config *cfg, const char *const *files, size_t n, const char *prom_config,
                      FILE *notes, asim_err *err);

#endif
