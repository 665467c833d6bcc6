/* promql_lex.c -- the PromQL lexer (see promql_lex.h), after Prometheus's
 * promql/parser/lex.go.
 *
 * The query is cut into tokens as Prometheus's lexer cuts it: a number
 * directly followed by a letter is a duration, keywords are case-insensitive,
 * `inf`/`nan` are numbers, strings are unescaped here (Go's rules), and a
 * character that cannot start a token is an error with its position. */
#include "models/promql/promql_lex.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"
#include "sim/engine/timefmt.h"

const pq_aggop asim_pq_aggops[] = {
    { "sum", 1, PQ_AGG_SUM }, { "avg", 1, PQ_AGG_AVG }, { "min", 1, PQ_AGG_MIN },
    { "max", 1, PQ_AGG_MAX }, { "count", 1, PQ_AGG_COUNT }, { "group", 1, PQ_AGG_GROUP },
    { "stddev", 1, PQ_AGG_STDDEV }, { "stdvar", 1, PQ_AGG_STDVAR },
    { "topk", 1, PQ_AGG_TOPK }, { "bottomk", 1, PQ_AGG_BOTTOMK },
    { "count_values", 1, PQ_AGG_COUNT_VALUES }, { "quantile", 1, PQ_AGG_QUANTILE },
};

static const struct { const char *word; pq_tk type; } keywords[] = {
    { "and", T_AND }, { "or", T_OR }, { "unless", T_UNLESS }, { "atan2", T_ATAN2 },
    { "by", T_BY }, { "without", T_WITHOUT }, { "on", T_ON }, { "ignoring", T_IGNORING },
    { "group_left", T_GROUP_LEFT }, { "group_right", T_GROUP_RIGHT }, { "bool", T_BOOL },
    { "offset", T_OFFSET },
};


/* 1-based character (not byte) position of byte offset off. */
static int char_pos(const char *q, int off)
{
    int n = 1;
    for (int i = 0; i < off && q[i]; i++)
        if (((unsigned char)q[i] & 0xC0) != 0x80) n++;
    return n;
}

void asim_pq_fail(pq_parser *p, int off, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = 1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->err && p->errlen) snprintf(p->err, p->errlen, "position %d: %s", char_pos(p->q, off), msg);
}


/* --- lexer --------------------------------------------------------------- */

static pq_token *push(pq_parser *p, pq_tk type, int pos, int len)
{
    ASIM_GROW(p->t, p->cap, p->nt + 1, 32);
    pq_token *t = &p->t[p->nt++];
    memset(t, 0, sizeof *t);
    t->type = type;
    t->pos = pos;
    t->len = len;
    return t;
}

/* model.ParseDuration: [Ny][Nw][Nd][Nh][Nm][Ns][Nms], in this order. */
static int parse_duration(const char *s, size_t len, int64_t *out)
{
    return asim_duration_parse(s, len, out);
}

/* Go's strconv.ParseInt(s, 0, 64) then ParseFloat(s, 64), as Prometheus's
 * parser reads number literals (so 010 is octal 8, 0x1f is 31). */
static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    long long ll = strtoll(s, &end, 0);
    if (*end == '\0' && errno == 0 && end != s) { *out = (double)ll; return 0; }
    if (strchr(s, 'x') || strchr(s, 'X')) return -1;     /* hex floats need a 'p' exponent */
    errno = 0;
    double d = strtod(s, &end);
    if (*end != '\0' || end == s || isinf(d)) return -1;
    *out = d;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A quoted string at q[i] (Go syntax: "..." and '...' with escapes, `...`
 * raw).  Returns the index after the closing quote, or -1 after fail(). */
static long lex_string(pq_parser *p, size_t i, char **out)
{
    const char *q = p->q;
    char quote = q[i];
    size_t start = i++;
    char *buf = asim_malloc(strlen(q + i) + 1), *o = buf;
    for (;;) {
        int c = (unsigned char)q[i];
        if (c == '\0' || (c == '\n' && quote != '`')) {
            asim_pq_fail(p, (int)start, "unterminated quoted string");
            asim_free(buf);
            return -1;
        }
        if (c == quote) { i++; break; }
        if (c != '\\' || quote == '`') { *o++ = (char)c; i++; continue; }
        int e = (unsigned char)q[i + 1];
        size_t epos = i;
        i += 2;
        switch (e) {
        case 'a': *o++ = '\a'; continue;
        case 'b': *o++ = '\b'; continue;
        case 'f': *o++ = '\f'; continue;
        case 'n': *o++ = '\n'; continue;
        case 'r': *o++ = '\r'; continue;
        case 't': *o++ = '\t'; continue;
        case 'v': *o++ = '\v'; continue;
        case '\\': *o++ = '\\'; continue;
        default: break;
        }
        if (e == quote) { *o++ = (char)e; continue; }
        int n = 0, base = 16;
        unsigned long max = 0x10FFFF;
        if (e >= '0' && e <= '7') { n = 3; base = 8; max = 255; i--; }
        else if (e == 'x') { n = 2; max = 255; }
        else if (e == 'u') n = 4;
        else if (e == 'U') n = 8;
        else {
            if (e == '\0') asim_pq_fail(p, (int)epos, "escape sequence not terminated");
            else asim_pq_fail(p, (int)epos, "unknown escape sequence '\\%c'", e);
            asim_free(buf);
            return -1;
        }
        unsigned long v = 0;
        for (int k = 0; k < n; k++) {
            int d = hexval((unsigned char)q[i]);
            if (d < 0 || d >= base) {
                asim_pq_fail(p, (int)epos, "illegal character in escape sequence");
                asim_free(buf);
                return -1;
            }
            v = v * (unsigned long)base + (unsigned long)d;
            i++;
        }
        if (v > max || (v >= 0xD800 && v < 0xE000 && max > 255)) {
            asim_pq_fail(p, (int)epos, "escape sequence is an invalid Unicode code point");
            asim_free(buf);
            return -1;
        }
        if (max == 255) *o++ = (char)v;
        else o += put_utf8(o, v);
    }
    *o = '\0';
    *out = buf;
    return (long)i;
}

int asim_pq_lex(pq_parser *p)
{
    const char *q = p->q;
    size_t i = 0;
    for (;;) {
        int c = (unsigned char)q[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { i++; continue; }
        if (c == '#') { while (q[i] && q[i] != '\n') i++; continue; }
        int pos = (int)i;
        if (c == '\0') { push(p, T_EOF, pos, 0); return 0; }
        static const char singles[] = "(){}[],+-*/%^@:";
        static const pq_tk single_tk[] = { T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET,
            T_RBRACKET, T_COMMA, T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, T_POW, T_AT, T_COLON };
        const char *sp = c ? strchr(singles, c) : NULL;
        if (sp) { push(p, single_tk[sp - singles], pos, 1); i++; continue; }
        if (c == '=' || c == '!' || c == '<' || c == '>') {
            int d = (unsigned char)q[i + 1];
            pq_tk t;
            int len = 2;
            if (c == '=') t = d == '=' ? T_EQLC : d == '~' ? T_EQL_REGEX : (len = 1, T_ASSIGN);
            else if (c == '!') {
                if (d == '=') t = T_NEQ;
                else if (d == '~') t = T_NEQ_REGEX;
                else { asim_pq_fail(p, pos, "unexpected character after '!'"); return -1; }
            } else if (c == '<') t = d == '=' ? T_LTE : (len = 1, T_LSS);
            else t = d == '=' ? T_GTE : (len = 1, T_GTR);
            push(p, t, pos, len);
            i += (size_t)len;
            continue;
        }
        if (c == '"' || c == '\'' || c == '`') {
            char *s;
            long end = lex_string(p, i, &s);
            if (end < 0) return -1;
            pq_token *t = push(p, T_STRING, pos, (int)(end - (long)i));
            t->str = s;
            i = (size_t)end;
            continue;
        }
        if (asim_pq_is_digit(c) || (c == '.' && asim_pq_is_digit((unsigned char)q[i + 1]))) {
            /* Prometheus's scanNumber, then the duration fallback */
            size_t j = i;
            const char *digits = "0123456789";
            if (q[j] == '0' && (q[j + 1] == 'x' || q[j + 1] == 'X')) { j += 2; digits = "0123456789abcdefABCDEF"; }
            while (q[j] && strchr(digits, q[j])) j++;
            if (q[j] == '.') { j++; while (q[j] && strchr(digits, q[j])) j++; }
            if (q[j] == 'e' || q[j] == 'E') {
                j++;
                if (q[j] == '+' || q[j] == '-') j++;
                while (asim_pq_is_digit((unsigned char)q[j])) j++;
            }
            if (!asim_pq_is_alnum((unsigned char)q[j])) {
                char text[128];
                size_t n = j - i;
                double v;
                if (n >= sizeof text) { asim_pq_fail(p, pos, "number too long"); return -1; }
                memcpy(text, q + i, n);
                text[n] = '\0';
                if (parse_number(text, &v) != 0) {
                    asim_pq_fail(p, pos, "error parsing number: \"%s\"", text);
                    return -1;
                }
                push(p, T_NUMBER, pos, (int)n)->num = v;
                i = j;
                continue;
            }
            /* a duration: the number part must be an integer, units follow */
            int ok = strchr("smhdwy", q[j]) != NULL;
            if (ok) {
                j++;
                if (q[j] == 's') j++;
                while (ok && asim_pq_is_digit((unsigned char)q[j])) {
                    while (asim_pq_is_digit((unsigned char)q[j])) j++;
                    if (!strchr("smhdw", q[j]) || !q[j]) ok = 0;
                    else { j++; if (q[j] == 's') j++; }
                }
                if (ok && asim_pq_is_alnum((unsigned char)q[j])) ok = 0;
            }
            if (!ok) {
                while (asim_pq_is_alnum((unsigned char)q[j]) || q[j] == '.') j++;
                asim_pq_fail(p, pos, "bad number or duration syntax: \"%.*s\"", (int)(j - i), q + i);
                return -1;
            }
            int64_t ms;
            int rc = parse_duration(q + i, j - i, &ms);
            if (rc != 0) {
                if (rc == -2) asim_pq_fail(p, pos, "duration out of range: \"%.*s\"", (int)(j - i), q + i);
                else asim_pq_fail(p, pos, "not a valid duration string: \"%.*s\"", (int)(j - i), q + i);
                return -1;
            }
            push(p, T_DURATION, pos, (int)(j - i))->ms = ms;
            i = j;
            continue;
        }
        if (asim_pq_is_alpha(c) || c == ':') {
            size_t j = i;
            int colon = 0;
            while (asim_pq_is_alnum((unsigned char)q[j]) || q[j] == ':') { colon |= q[j] == ':'; j++; }
            size_t n = j - i;
            char word[32];
            pq_tk t = colon ? T_METRIC_IDENT : T_IDENT;
            int agg = -1;
            if (!colon && n < sizeof word) {
                for (size_t k = 0; k < n; k++) word[k] = (char)tolower((unsigned char)q[i + k]);
                word[n] = '\0';
                for (size_t k = 0; k < ASIM_ARRAY_LEN(keywords); k++)
                    if (strcmp(word, keywords[k].word) == 0) t = keywords[k].type;
                for (size_t k = 0; k < ASIM_ARRAY_LEN(asim_pq_aggops); k++)
                    if (strcmp(word, asim_pq_aggops[k].name) == 0) { t = T_AGGOP; agg = (int)k; }
                if (strcmp(word, "inf") == 0 || strcmp(word, "nan") == 0) {
                    push(p, T_NUMBER, pos, (int)n)->num = word[0] == 'i' ? INFINITY : NAN;
                    i = j;
                    continue;
                }
            }
            push(p, t, pos, (int)n)->agg = agg;
            i = j;
            continue;
        }
        if (c >= 0x80) asim_pq_fail(p, pos, "unexpected character: non-ASCII character outside a string");
        else asim_pq_fail(p, pos, "unexpected character: '%c'", c);
        return -1;
    }
}
