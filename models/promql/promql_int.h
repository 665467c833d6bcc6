/* promql_int.h -- private to the PromQL engine (promql.c, promql_parse.c,
 * promql_eval.c, promql_memo.c): the syntax tree, the arena, the evaluation cache.
 * Nothing outside those files includes it. */
#ifndef ASIM_PROMQL_INT_H
#define ASIM_PROMQL_INT_H

#include "models/promql/promql.h"

#include "models/promql/regex.h"
#include <stddef.h>
#include <stdint.h>

/* Binary operators, in Prometheus's precedence groups (see prec_of). */
typedef enum pq_op {
    PQ_OR, PQ_AND, PQ_UNLESS,
    PQ_EQLC, PQ_NEQ, PQ_LTE, PQ_LSS, PQ_GTE, PQ_GTR,
    PQ_ADD, PQ_SUB, PQ_MUL, PQ_DIV, PQ_MOD, PQ_POW,
    PQ_ATAN2                  /* like * in precedence; keeps the metric name (2.42) */
} pq_op;

typedef enum pq_agg {
    PQ_AGG_SUM, PQ_AGG_AVG, PQ_AGG_MIN, PQ_AGG_MAX, PQ_AGG_COUNT,
    PQ_AGG_GROUP, PQ_AGG_STDDEV, PQ_AGG_STDVAR,
    /* with a parameter (node args[0]) */
    PQ_AGG_TOPK, PQ_AGG_BOTTOMK, PQ_AGG_COUNT_VALUES, PQ_AGG_QUANTILE
} pq_agg;

typedef enum pq_fn {
    PQ_FN_ABS, PQ_FN_AVG_OVER_TIME, PQ_FN_CEIL, PQ_FN_CHANGES, PQ_FN_CLAMP,
    PQ_FN_CLAMP_MAX, PQ_FN_CLAMP_MIN, PQ_FN_COUNT_OVER_TIME, PQ_FN_DELTA,
    PQ_FN_FLOOR, PQ_FN_HISTOGRAM_QUANTILE, PQ_FN_INCREASE, PQ_FN_IRATE,
    PQ_FN_LAST_OVER_TIME, PQ_FN_MAX_OVER_TIME, PQ_FN_MIN_OVER_TIME,
    PQ_FN_PRESENT_OVER_TIME, PQ_FN_QUANTILE_OVER_TIME, PQ_FN_RATE, PQ_FN_RESETS,
    PQ_FN_SCALAR, PQ_FN_SQRT, PQ_FN_SUM_OVER_TIME, PQ_FN_TIME, PQ_FN_VECTOR,
    /* pointwise math (asim_pq_math) */
    PQ_FN_ROUND, PQ_FN_EXP, PQ_FN_LN, PQ_FN_LOG2, PQ_FN_LOG10, PQ_FN_SGN, PQ_FN_DEG, PQ_FN_RAD,
    PQ_FN_ACOS, PQ_FN_ACOSH, PQ_FN_ASIN, PQ_FN_ASINH, PQ_FN_ATAN, PQ_FN_ATANH, PQ_FN_COS,
    PQ_FN_COSH, PQ_FN_SIN, PQ_FN_SINH, PQ_FN_TAN, PQ_FN_TANH,
    /* calendar (asim_pq_date) */
    PQ_FN_DAY_OF_MONTH, PQ_FN_DAY_OF_WEEK, PQ_FN_DAY_OF_YEAR, PQ_FN_DAYS_IN_MONTH, PQ_FN_HOUR,
    PQ_FN_MINUTE, PQ_FN_MONTH, PQ_FN_YEAR,
    /* range functions */
    PQ_FN_STDDEV_OVER_TIME, PQ_FN_STDVAR_OVER_TIME, PQ_FN_IDELTA, PQ_FN_DERIV,
    PQ_FN_PREDICT_LINEAR, PQ_FN_HOLT_WINTERS, PQ_FN_ABSENT_OVER_TIME,
    /* others */
    PQ_FN_PI, PQ_FN_SORT, PQ_FN_SORT_DESC, PQ_FN_TIMESTAMP, PQ_FN_ABSENT,
    PQ_FN_LABEL_REPLACE, PQ_FN_LABEL_JOIN
} pq_fn;

typedef struct pq_func {
    const char *name;
    pq_fn id;
    asim_promql_type ret;
    int nargs;                /* the most arguments */
    asim_promql_type arg[5];
    int nopt;                 /* how many trailing arguments may be left out */
    int variadic;             /* the last argument may repeat (label_join) */
} pq_func;

/* Pure numeric helpers of promql_funcs.c (Prometheus 2.42 functions.go). */
int asim_pq_is_math(pq_fn id);
int asim_pq_is_date(pq_fn id);
/* The pointwise function id at v; a is round()'s to_nearest (1 if absent). */
double asim_pq_math(pq_fn id, double v, double a);
/* A calendar function of the Unix time `secs` (Go's time.Unix(int64(secs), 0).UTC()). */
double asim_pq_date(pq_fn id, double secs);
/* linearRegression over samples, x in seconds relative to intercept_ms. */
void asim_pq_linreg(const asim_sample *p, size_t n, int64_t intercept_ms, double *slope,
                    double *intercept);
/* holt_winters: 0 with *out, or -1 for too few points. */
int asim_pq_holt_winters(const asim_sample *p, size_t n, double sf, double tf, double *out);
/* stddev/stdvar_over_time: variance of the samples (Kahan-compensated). */
double asim_pq_variance(const asim_sample *p, size_t n);

typedef enum pq_mtype { PQ_M_EQ, PQ_M_NE, PQ_M_RE, PQ_M_NRE } pq_mtype;

typedef struct pq_matcher {
    char *name, *value;
    pq_mtype type;
    asim_regex *re;           /* compiled, anchored; for =~ and !~ */
} pq_matcher;

typedef enum pq_kind {
    PQ_NUM, PQ_VSEL, PQ_MSEL, PQ_CALL, PQ_AGGR, PQ_BIN, PQ_UNARY, PQ_PAREN, PQ_SUBQ, PQ_STR
} pq_kind;

typedef enum pq_card { PQ_CARD_ONE_TO_ONE, PQ_CARD_MANY_TO_ONE, PQ_CARD_ONE_TO_MANY } pq_card;

typedef enum pq_at { PQ_AT_NONE, PQ_AT_TIME, PQ_AT_START, PQ_AT_END } pq_at;

#define PQ_MAX_ARGS 32        /* label_join's source labels are the only long list */

typedef struct pq_node pq_node;
struct pq_node {
    pq_kind kind;
    asim_promql_type type;    /* type of the value it evaluates to */
    int pos;                  /* byte offset of its first character */
    double num;               /* PQ_NUM */
    char *str;                /* PQ_STR */
    /* PQ_VSEL, PQ_MSEL */
    pq_matcher *m;
    size_t nm;
    int64_t range_ms, offset_ms;  /* also PQ_SUBQ (lhs is its expression) */
    int64_t step_ms;          /* PQ_SUBQ: 0 = the default (one minute) */
    int has_offset;
    int sel;                  /* index into the per-result match cache */
    int at_kind;              /* pq_at: an @ modifier on a selector or subquery */
    int64_t at_ms;            /* PQ_AT_TIME */
    /* PQ_CALL */
    const pq_func *fn;
    pq_node *args[PQ_MAX_ARGS];
    asim_regex *re;           /* label_replace's regex, compiled when parsed */
    int nargs;
    /* PQ_AGGR (op is a pq_agg), PQ_BIN (op is a pq_op), PQ_UNARY (op: PQ_SUB or PQ_ADD) */
    int op;
    char **labels;            /* by/without or on/ignoring names: sorted, unique */
    size_t nlabels;
    int without;              /* AGGR: without (else by); BIN: ignoring (else on) */
    int matching;             /* BIN: an on/ignoring clause was given */
    int ret_bool;             /* BIN: the bool modifier */
    int card;                 /* BIN: pq_card */
    char **include;           /* BIN: group_left/group_right labels, as written */
    size_t ninclude;
    pq_node *lhs, *rhs;       /* BIN; AGGR, UNARY and PAREN use lhs */
};

struct asim_promql {
    pq_node *root;
    int nsel;
    int refs;                 /* holders: its parser's caller, and a memo (promql_memo.h) */
};

/* The memo in use (promql_memo.c), for asim_promql_parse: find takes a
 * reference to the expression of a text parsed before (NULL: none, or no
 * memo in use); add offers a fresh parse to the memo. */
asim_promql *asim_pq_memo_find(const char *query);
void asim_pq_memo_add(const char *query, asim_promql *e);

const pq_func *asim_pq_func_lookup(const char *name);
void asim_pq_node_free(pq_node *n);

/* --- arena: per-result scratch memory, reset on every evaluation --------- */

typedef struct pq_chunk {
    struct pq_chunk *next;
    size_t cap, used;
    max_align_t data[];
} pq_chunk;

typedef struct pq_arena {
    pq_chunk *first, *cur;
} pq_arena;

void *asim_pq_alloc(pq_arena *a, size_t n);
void asim_pq_arena_reset(pq_arena *a);
void asim_pq_arena_free(pq_arena *a);

/* --- per-result private state -------------------------------------------- */

/* Series ids matching one selector, in id (storage) order; ids below
 * `checked` have been tested.  Series never change labels or disappear, so
 * only new series need testing on later evaluations. */
typedef struct pq_selcache {
    int *ids;
    size_t n, cap, checked;
} pq_selcache;

typedef struct pq_priv {
    pq_arena arena;
    const asim_tsdb *db;
    const asim_promql *expr;
    pq_selcache *sel;
    int nsel;
} pq_priv;

/* --- evaluator internals (promql_eval.c, promql_agg.c, promql_binop.c) ---- */


typedef struct pq_sample {
    const asim_label *lab;
    size_t nlab;
    double v;
} pq_sample;

typedef struct pq_series {
    const asim_label *lab;
    size_t nlab;
    const asim_sample *pts;
    size_t n;
} pq_series;

typedef struct pq_val {
    asim_promql_type type;
    double scalar;
    pq_sample *v;             /* VECTOR */
    pq_series *m;             /* MATRIX */
    size_t n;
} pq_val;

typedef struct ev {
    asim_tsdb *db;
    int64_t t, lookback;
    int64_t start, end;       /* of the query, for @ start() / @ end() */
    int want_ts;              /* evaluating timestamp(selector) */
    pq_priv *pv;
    pq_arena *a;
    char *err;
    size_t errlen;
} ev;

static inline void *pq_alloc(ev *e, size_t n) { return asim_pq_alloc(e->a, n); }

/* Hash set of label sets, arena-allocated; an entry's idx is -1 when empty. */
typedef struct hent {
    uint64_t h;
    const asim_label *lab;
    size_t nlab;
    long idx;
} hent;

typedef struct hset {
    hent *e;
    size_t mask;
} hset;

int pq_ev_fail(ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pq_check_unique(ev *e, const pq_sample *v, size_t n);
const asim_label *pq_drop_name(ev *e, const asim_label *l, size_t n, size_t *nout);
int pq_eval(ev *e, const pq_node *n, pq_val *out);
int pq_eval_scalar_arg(ev *e, const pq_node *n, double *v);
const asim_label *pq_filter_labels(ev *e, const asim_label *l, size_t n, char *const *names,
                                     size_t nn, int keep, int drop_name, size_t *nout);
const asim_label *pq_find_label(const asim_label *l, size_t n, const char *name);
double pq_go_nan(void);
double pq_go_pow(double x, double y);
hent *pq_hset_get(hset *s, const asim_label *l, size_t n);
void pq_hset_init(ev *e, hset *s, size_t n);
void pq_labels_str(const asim_label *l, size_t n, char *buf, size_t len);
double pq_quantile_values(double q, double *v, size_t n);
int pq_same_labels(const asim_label *a, size_t na, const asim_label *b, size_t nb);
const asim_label *pq_set_label(ev *e, const asim_label *l, size_t n, const char *name,
                                 const char *value, size_t *nout);
const pq_node *pq_unparen(const pq_node *n);
int pq_valid_label_name(const char *s);
int pq_eval_aggr(ev *e, const pq_node *n, pq_val *out);
int pq_eval_bin(ev *e, const pq_node *n, pq_val *out);
int pq_eval_unary(ev *e, const pq_node *n, pq_val *out);

#endif
