/* regex.h -- regular expressions with RE2 semantics (Go's regexp syntax,
 * which Prometheus uses): a thin C wrapper over Google's RE2 library
 * (libre2), so label matchers and label_replace() accept exactly what
 * Prometheus accepts: flag groups such as (?i:...), \pL, \b, named groups,
 * and match UTF-8 characters rather than bytes.
 *
 * Every pattern is fully anchored, as Prometheus anchors matchers and
 * label_replace() regexes: "^(?:" pattern ")$".  Compile once (allocates),
 * match many times. */
#ifndef ASIM_REGEX_H
#define ASIM_REGEX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct asim_regex asim_regex;

/* NULL on a syntax error, with RE2's message in err. */
asim_regex *asim_regex_compile(const char *pattern, char *err, size_t errlen);
void asim_regex_free(asim_regex *re);                   /* NULL is a no-op */

/* 1 when the whole of s (length n) matches. */
int asim_regex_match(const asim_regex *re, const char *s, size_t n);

/* When the whole of s matches, expand tmpl as Go's Regexp.ExpandString does
 * ($1, ${1}, $name, ${name}, $$; an unknown or unmatched group is empty) into
 * a malloc'd string (*out, caller frees) and return 1; 0 when s does not
 * match; -1 if out of memory. */
int asim_regex_expand(const asim_regex *re, const char *s, const char *tmpl, char **out);

#ifdef __cplusplus
}
#endif

#endif
