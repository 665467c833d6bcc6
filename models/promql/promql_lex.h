/* promql_lex.h -- the PromQL lexer's tokens and the state the lexer and
 * the parser share (private to promql_lex.c and promql_parse.c).
 *
 * As Prometheus splits promql/parser into lex.go and parse.go: the lexer
 * (promql_lex.c) cuts the query into tokens, the parser (promql_parse.c)
 * builds and type-checks the tree from them.  Both report errors through
 * asim_pq_fail, which keeps the first error as "position N: problem". */
#ifndef ASIM_PROMQL_LEX_H
#define ASIM_PROMQL_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "models/promql/promql_int.h"

typedef enum pq_tk {
    T_EOF, T_NUMBER, T_DURATION, T_STRING, T_IDENT, T_METRIC_IDENT,
    T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COMMA,
    T_ASSIGN, T_EQLC, T_NEQ, T_EQL_REGEX, T_NEQ_REGEX, T_LSS, T_LTE, T_GTR, T_GTE,
    T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, T_POW, T_AT, T_COLON,
    /* keywords */
    T_AND, T_OR, T_UNLESS, T_ATAN2, T_BY, T_WITHOUT, T_ON, T_IGNORING,
    T_GROUP_LEFT, T_GROUP_RIGHT, T_BOOL, T_OFFSET, T_AGGOP
} pq_tk;

typedef struct pq_token {
    pq_tk type;
    int pos, len;             /* byte offset and length in the query */
    double num;               /* T_NUMBER */
    int64_t ms;               /* T_DURATION */
    char *str;                /* T_STRING: unescaped, owned */
    int agg;                  /* T_AGGOP: index into asim_pq_aggops[] */
} pq_token;

typedef struct pq_parser {
    const char *q;
    pq_token *t;
    size_t nt, cap, i;
    char *err;
    size_t errlen;
    int failed;
    int nsel;
    int depth;                    /* height of the tree being built (see parse_expr) */
} pq_parser;

/* The aggregation operators, by name (T_AGGOP tokens index this table). */
typedef struct pq_aggop {
    const char *name;
    int supported;
    pq_agg op;
} pq_aggop;
extern const pq_aggop asim_pq_aggops[];

/* Cut p->q into p->t[0..nt) ending with T_EOF.  0, or -1 with the error
 * reported through asim_pq_fail. */
int asim_pq_lex(pq_parser *p);

/* Record the first error of the parse as "position N: <fmt...>" in p->err,
 * N the 1-based character position of byte offset off; later calls are
 * ignored. */
void asim_pq_fail(pq_parser *p, int off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline int asim_pq_is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static inline int asim_pq_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int asim_pq_is_alnum(int c) { return asim_pq_is_alpha(c) || asim_pq_is_digit(c); }

#endif
