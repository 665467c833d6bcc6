/* settings_text.c -- the text helpers every settings message relies on:
 * "did you mean" suggestions for mistyped keys, values and metric names, and
 * strict UTF-8 checking of the strings a scenario may carry into JSON, HTML
 * and CSV.  Declared in settings.h; kept apart from the registry because
 * they know nothing of settings. */
#include "sim/config/settings.h"

#include <string.h>

/* Optimal-string-alignment distance: edits plus adjacent transpositions,
 * the usual shape of a typo. */
size_t asim_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 100 || lb > 100)
        return (size_t)-1;
    size_t d[101][101];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *asim_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = asim_edit_distance(word, cands[i]);
        if (d < bestd) { bestd = d; best = cands[i]; }
    }
    /* Plausible typo: a couple of edits, or up to a third of the word. */
    size_t len = strlen(word);
    if (best && bestd > 0 && (bestd <= 2 || bestd * 3 <= len))
        return best;
    /* Or an abbreviation: the one candidate the word begins ("last"). */
    const char *prefixed = NULL;
    for (size_t i = 0; i < n && len >= 3; i++)
        if (strncmp(cands[i], word, len) == 0) {
            if (prefixed)
                return NULL;
            prefixed = cands[i];
        }
    return prefixed;
}

/* Byte offset of the first invalid UTF-8 sequence in v, or -1 (strict:
 * no overlong forms, surrogates or code points above U+10FFFF).  Names and
 * descriptions end up in JSON, HTML and CSV, which must stay valid. */
long asim_utf8_error(const unsigned char *v)
{
    for (const unsigned char *p = v; *p;) {
        unsigned c = *p;
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4))
            return (long)(p - v);
        unsigned cp = n == 0 ? c : c & (0x3F >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return (long)(p - v);
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return (long)(p - v);
        p += n + 1;
    }
    return -1;
}
