/* promql_parse.c -- the PromQL parser (see promql.h), after Prometheus's
 * promql/parser/parse.go.
 *
 * The tokens of promql_lex.c are parsed by recursive descent with precedence
 * climbing in Prometheus's precedence order:
 *     or < and unless < == != <= < >= > < + - < * / % < ^ (right-assoc)
 * with unary minus binding like `*` (so -2^2 = -4).  Every node is type-checked
 * as it is built, with Prometheus's messages where it has one, so that a query
 * the engine cannot evaluate is rejected when it is parsed.  Errors read
 * "position N: problem", N the 1-based character position.
 *
 * Invariant: a successfully parsed tree is fully typed and every construct in
 * it is supported by promql_eval.c; the evaluator never re-checks syntax. */
#include "models/promql/promql_lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"

/* Deepest expression tree accepted: the parser, the evaluator and free all
 * recurse on it, so a query of 100,000 nested parentheses or unary minus
 * signs must be refused with an error, not overflow the stack. */
#define PQ_MAX_DEPTH 1000

#define V ASIM_PROMQL_VECTOR
#define M ASIM_PROMQL_MATRIX
#define S ASIM_PROMQL_SCALAR
#define T ASIM_PROMQL_STRING
static const pq_func funcs[] = {
    { "abs", PQ_FN_ABS, V, 1, { V }, 0, 0 },
    { "avg_over_time", PQ_FN_AVG_OVER_TIME, V, 1, { M }, 0, 0 },
    { "ceil", PQ_FN_CEIL, V, 1, { V }, 0, 0 },
    { "changes", PQ_FN_CHANGES, V, 1, { M }, 0, 0 },
    { "clamp", PQ_FN_CLAMP, V, 3, { V, S, S }, 0, 0 },
    { "clamp_max", PQ_FN_CLAMP_MAX, V, 2, { V, S }, 0, 0 },
    { "clamp_min", PQ_FN_CLAMP_MIN, V, 2, { V, S }, 0, 0 },
    { "count_over_time", PQ_FN_COUNT_OVER_TIME, V, 1, { M }, 0, 0 },
    { "delta", PQ_FN_DELTA, V, 1, { M }, 0, 0 },
    { "floor", PQ_FN_FLOOR, V, 1, { V }, 0, 0 },
    { "histogram_quantile", PQ_FN_HISTOGRAM_QUANTILE, V, 2, { S, V }, 0, 0 },
    { "increase", PQ_FN_INCREASE, V, 1, { M }, 0, 0 },
    { "irate", PQ_FN_IRATE, V, 1, { M }, 0, 0 },
    { "last_over_time", PQ_FN_LAST_OVER_TIME, V, 1, { M }, 0, 0 },
    { "max_over_time", PQ_FN_MAX_OVER_TIME, V, 1, { M }, 0, 0 },
    { "min_over_time", PQ_FN_MIN_OVER_TIME, V, 1, { M }, 0, 0 },
    { "present_over_time", PQ_FN_PRESENT_OVER_TIME, V, 1, { M }, 0, 0 },
    { "quantile_over_time", PQ_FN_QUANTILE_OVER_TIME, V, 2, { S, M }, 0, 0 },
    { "rate", PQ_FN_RATE, V, 1, { M }, 0, 0 },
    { "resets", PQ_FN_RESETS, V, 1, { M }, 0, 0 },
    { "scalar", PQ_FN_SCALAR, S, 1, { V }, 0, 0 },
    { "sqrt", PQ_FN_SQRT, V, 1, { V }, 0, 0 },
    { "sum_over_time", PQ_FN_SUM_OVER_TIME, V, 1, { M }, 0, 0 },
    { "time", PQ_FN_TIME, S, 0, { 0 }, 0, 0 },
    { "vector", PQ_FN_VECTOR, V, 1, { S }, 0, 0 },
    { "round", PQ_FN_ROUND, V, 2, { V, S }, 1, 0 },
    { "exp", PQ_FN_EXP, V, 1, { V }, 0, 0 },
    { "ln", PQ_FN_LN, V, 1, { V }, 0, 0 },
    { "log2", PQ_FN_LOG2, V, 1, { V }, 0, 0 },
    { "log10", PQ_FN_LOG10, V, 1, { V }, 0, 0 },
    { "sgn", PQ_FN_SGN, V, 1, { V }, 0, 0 },
    { "deg", PQ_FN_DEG, V, 1, { V }, 0, 0 },
    { "rad", PQ_FN_RAD, V, 1, { V }, 0, 0 },
    { "acos", PQ_FN_ACOS, V, 1, { V }, 0, 0 },
    { "acosh", PQ_FN_ACOSH, V, 1, { V }, 0, 0 },
    { "asin", PQ_FN_ASIN, V, 1, { V }, 0, 0 },
    { "asinh", PQ_FN_ASINH, V, 1, { V }, 0, 0 },
    { "atan", PQ_FN_ATAN, V, 1, { V }, 0, 0 },
    { "atanh", PQ_FN_ATANH, V, 1, { V }, 0, 0 },
    { "cos", PQ_FN_COS, V, 1, { V }, 0, 0 },
    { "cosh", PQ_FN_COSH, V, 1, { V }, 0, 0 },
    { "sin", PQ_FN_SIN, V, 1, { V }, 0, 0 },
    { "sinh", PQ_FN_SINH, V, 1, { V }, 0, 0 },
    { "tan", PQ_FN_TAN, V, 1, { V }, 0, 0 },
    { "tanh", PQ_FN_TANH, V, 1, { V }, 0, 0 },
    { "day_of_month", PQ_FN_DAY_OF_MONTH, V, 1, { V }, 1, 0 },
    { "day_of_week", PQ_FN_DAY_OF_WEEK, V, 1, { V }, 1, 0 },
    { "day_of_year", PQ_FN_DAY_OF_YEAR, V, 1, { V }, 1, 0 },
    { "days_in_month", PQ_FN_DAYS_IN_MONTH, V, 1, { V }, 1, 0 },
    { "hour", PQ_FN_HOUR, V, 1, { V }, 1, 0 },
    { "minute", PQ_FN_MINUTE, V, 1, { V }, 1, 0 },
    { "month", PQ_FN_MONTH, V, 1, { V }, 1, 0 },
    { "year", PQ_FN_YEAR, V, 1, { V }, 1, 0 },
    { "stddev_over_time", PQ_FN_STDDEV_OVER_TIME, V, 1, { M }, 0, 0 },
    { "stdvar_over_time", PQ_FN_STDVAR_OVER_TIME, V, 1, { M }, 0, 0 },
    { "idelta", PQ_FN_IDELTA, V, 1, { M }, 0, 0 },
    { "deriv", PQ_FN_DERIV, V, 1, { M }, 0, 0 },
    { "predict_linear", PQ_FN_PREDICT_LINEAR, V, 2, { M, S }, 0, 0 },
    { "holt_winters", PQ_FN_HOLT_WINTERS, V, 3, { M, S, S }, 0, 0 },
    { "absent_over_time", PQ_FN_ABSENT_OVER_TIME, V, 1, { M }, 0, 0 },
    { "pi", PQ_FN_PI, S, 0, { 0 }, 0, 0 },
    { "sort", PQ_FN_SORT, V, 1, { V }, 0, 0 },
    { "sort_desc", PQ_FN_SORT_DESC, V, 1, { V }, 0, 0 },
    { "timestamp", PQ_FN_TIMESTAMP, V, 1, { V }, 0, 0 },
    { "absent", PQ_FN_ABSENT, V, 1, { V }, 0, 0 },
    { "label_replace", PQ_FN_LABEL_REPLACE, V, 5, { V, T, T, T, T }, 0, 0 },
    { "label_join", PQ_FN_LABEL_JOIN, V, 4, { V, T, T, T }, 1, 1 },
};
#undef V
#undef M
#undef S
#undef T

/* Prometheus 2.42 functions this engine does not implement: named in the
 * error so the user knows the query is valid PromQL, just not supported. */
static const char *const unsupported_funcs[] = {
    "histogram_count", "histogram_fraction", "histogram_sum",
};

const pq_func *asim_pq_func_lookup(const char *name)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(funcs); i++)
        if (strcmp(funcs[i].name, name) == 0) return &funcs[i];
    return NULL;
}

static const char *type_name(asim_promql_type t)
{
    switch (t) {
    case ASIM_PROMQL_SCALAR: return "scalar";
    case ASIM_PROMQL_VECTOR: return "instant vector";
    case ASIM_PROMQL_MATRIX: return "range vector";
    default: return "string";
    }
}


/* --- parser helpers ------------------------------------------------------ */

static pq_token *cur(pq_parser *p) { return &p->t[p->i]; }
static pq_token *next_tok(pq_parser *p) { pq_token *t = &p->t[p->i]; if (t->type != T_EOF) p->i++; return t; }

/* How the user sees a token in "unexpected X" messages. */
static void describe(const pq_parser *p, const pq_token *t, char *buf, size_t len)
{
    const char *kind = NULL;
    switch (t->type) {
    case T_EOF: snprintf(buf, len, "end of input"); return;
    case T_NUMBER: kind = "number"; break;
    case T_DURATION: kind = "duration"; break;
    case T_STRING: kind = "string"; break;
    case T_IDENT: case T_METRIC_IDENT: kind = "identifier"; break;
    default: break;
    }
    int n = t->len > 40 ? 40 : t->len;
    if (kind) snprintf(buf, len, "%s \"%.*s\"", kind, n, p->q + t->pos);
    else snprintf(buf, len, "\"%.*s\"", n, p->q + t->pos);
}

static void unexpected(pq_parser *p, const pq_token *t, const char *expected)
{
    char d[80];
    describe(p, t, d, sizeof d);
    if (expected) asim_pq_fail(p, t->pos, "unexpected %s; expected %s", d, expected);
    else asim_pq_fail(p, t->pos, "unexpected %s", d);
}

static int expect(pq_parser *p, pq_tk type, const char *what)
{
    if (cur(p)->type != type) { unexpected(p, cur(p), what); return -1; }
    next_tok(p);
    return 0;
}

static pq_node *new_node(pq_kind kind, int pos)
{
    pq_node *n = asim_calloc(1, sizeof *n);
    n->kind = kind;
    n->pos = pos;
    n->sel = -1;
    return n;
}

/* Prometheus accepts keywords (and inf/nan) as label names, e.g. by (on). */
static int is_label_token(const pq_parser *p, const pq_token *t)
{
    return t->type == T_IDENT || (t->type >= T_AND && t->type <= T_AGGOP) ||
           (t->type == T_NUMBER && asim_pq_is_alpha((unsigned char)p->q[t->pos]));
}

static char *token_text(const pq_parser *p, const pq_token *t)
{
    char *s = asim_malloc((size_t)t->len + 1);
    memcpy(s, p->q + t->pos, (size_t)t->len);
    s[t->len] = '\0';
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "(" [label {"," label}] [","] ")": sorted, duplicates removed. */
static int parse_label_list(pq_parser *p, char ***out, size_t *nout)
{
    if (expect(p, T_LPAREN, "\"(\"") != 0) return -1;
    char **v = NULL;
    size_t n = 0;
    while (cur(p)->type != T_RPAREN) {
        pq_token *t = cur(p);
        if (!is_label_token(p, t)) {
            unexpected(p, t, "label name");
            goto err;
        }
        next_tok(p);
        v = asim_realloc(v, (n + 1) * sizeof *v);
        v[n++] = token_text(p, t);
        if (cur(p)->type == T_COMMA) { next_tok(p); continue; }
        if (cur(p)->type != T_RPAREN) { unexpected(p, cur(p), "\",\" or \")\""); goto err; }
    }
    next_tok(p);
    if (n) qsort(v, n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0) { asim_free(v[i]); continue; }
        v[k++] = v[i];
    }
    *out = v;
    *nout = k;
    return 0;
err:
    for (size_t i = 0; i < n; i++) asim_free(v[i]);
    asim_free(v);
    return -1;
}

/* --- regular expressions (RE2, see regex.h) ------------------------------- */

static int compile_matcher(pq_parser *p, pq_matcher *m, int pos)
{
    if (m->type != PQ_M_RE && m->type != PQ_M_NRE) return 0;
    char why[256];
    m->re = asim_regex_compile(m->value, why, sizeof why);
    if (!m->re) {
        asim_pq_fail(p, pos, "error parsing regexp \"%s\": %s", m->value, why);
        return -1;
    }
    return 0;
}

static int matcher_matches_empty(const pq_matcher *m)
{
    switch (m->type) {
    case PQ_M_EQ: return m->value[0] == '\0';
    case PQ_M_NE: return m->value[0] != '\0';
    case PQ_M_RE: return asim_regex_match(m->re, "", 0);
    default: return !asim_regex_match(m->re, "", 0);
    }
}

/* --- expressions --------------------------------------------------------- */

static pq_node *parse_expr(pq_parser *p, int min_prec);

static int add_matcher(pq_node *n, char *name, char *value, pq_mtype type)
{
    n->m = asim_realloc(n->m, (n->nm + 1) * sizeof *n->m);
    pq_matcher *m = &n->m[n->nm++];
    memset(m, 0, sizeof *m);
    m->name = name;
    m->value = value;
    m->type = type;
    return 0;
}

/* metric_name? "{" matchers "}"?  at the current token; name may be NULL. */
static pq_node *parse_selector(pq_parser *p, const pq_token *name)
{
    int pos = name ? name->pos : cur(p)->pos;
    pq_node *n = new_node(PQ_VSEL, pos);
    n->type = ASIM_PROMQL_VECTOR;
    int name_pos = -1;
    if (cur(p)->type == T_LBRACE) {
        next_tok(p);
        while (cur(p)->type != T_RBRACE) {
            pq_token *ln = cur(p);
            if (ln->type == T_METRIC_IDENT) {
                asim_pq_fail(p, ln->pos + (int)(strchr(p->q + ln->pos, ':') - (p->q + ln->pos)),
                     "unexpected character inside braces: ':'");
                goto err;
            }
            if (!is_label_token(p, ln)) { unexpected(p, ln, "label matching"); goto err; }
            next_tok(p);
            pq_token *op = cur(p);
            pq_mtype mt;
            switch (op->type) {
            case T_ASSIGN: mt = PQ_M_EQ; break;
            case T_NEQ: mt = PQ_M_NE; break;
            case T_EQL_REGEX: mt = PQ_M_RE; break;
            case T_NEQ_REGEX: mt = PQ_M_NRE; break;
            default: unexpected(p, op, "label matching operator (=, !=, =~ or !~)"); goto err;
            }
            next_tok(p);
            pq_token *val = cur(p);
            if (val->type != T_STRING) { unexpected(p, val, "string"); goto err; }
            next_tok(p);
            add_matcher(n, token_text(p, ln), asim_strdup(val->str), mt);
            if (strcmp(n->m[n->nm - 1].name, "__name__") == 0) name_pos = ln->pos;
            if (compile_matcher(p, &n->m[n->nm - 1], ln->pos) != 0) goto err;
            if (cur(p)->type == T_COMMA) { next_tok(p); continue; }
            if (cur(p)->type != T_RBRACE) { unexpected(p, cur(p), "\",\" or \"}\""); goto err; }
        }
        next_tok(p);
    }
    if (name) {
        for (size_t i = 0; i < n->nm; i++)
            if (strcmp(n->m[i].name, "__name__") == 0) {
                asim_pq_fail(p, pos, "metric name must not be set twice: \"%.*s\" or \"%s\"",
                     name->len, p->q + name->pos, n->m[i].value);
                goto err;
            }
        add_matcher(n, asim_strdup("__name__"), token_text(p, name), PQ_M_EQ);
    }
    (void)name_pos;
    int nonempty = 0;
    for (size_t i = 0; i < n->nm; i++) nonempty |= !matcher_matches_empty(&n->m[i]);
    if (!nonempty) {
        asim_pq_fail(p, pos, "vector selector must contain at least one non-empty matcher");
        goto err;
    }
    n->sel = p->nsel++;
    return n;
err:
    asim_pq_node_free(n);
    return NULL;
}

static int valid_label_name(const char *s)
{
    if (!s[0] || asim_pq_is_digit((unsigned char)s[0])) return 0;
    for (; *s; s++)
        if (!asim_pq_is_alnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

static const char *str_arg(const pq_node *n, int i)
{
    const pq_node *a = n->args[i];
    while (a->kind == PQ_PAREN) a = a->lhs;
    return a->str;
}

/* label_replace/label_join: the checks Prometheus makes when the function
 * first runs, made here since their arguments are literals; the regex is
 * compiled once. */
static int check_label_fn(pq_parser *p, pq_node *n)
{
    if (n->fn->id == PQ_FN_LABEL_REPLACE) {
        char why[256];
        n->re = asim_regex_compile(str_arg(n, 4), why, sizeof why);
        if (!n->re) {
            asim_pq_fail(p, n->pos, "invalid regular expression in label_replace(): %s", str_arg(n, 4));
            return -1;
        }
        if (!valid_label_name(str_arg(n, 1))) {
            asim_pq_fail(p, n->pos, "invalid destination label name in label_replace(): %s", str_arg(n, 1));
            return -1;
        }
    }
    if (n->fn->id == PQ_FN_LABEL_JOIN) {
        for (int i = 3; i < n->nargs; i++)
            if (!valid_label_name(str_arg(n, i))) {
                asim_pq_fail(p, n->pos, "invalid source label name in label_join(): %s", str_arg(n, i));
                return -1;
            }
        if (!valid_label_name(str_arg(n, 1))) {
            asim_pq_fail(p, n->pos, "invalid destination label name in label_join(): %s", str_arg(n, 1));
            return -1;
        }
    }
    return 0;
}

/* "(" args ")" of a function call. */
static pq_node *parse_call(pq_parser *p, const pq_token *name)
{
    char *fname = token_text(p, name);
    const pq_func *f = asim_pq_func_lookup(fname);
    if (!f) {
        int known = 0;
        for (size_t i = 0; i < ASIM_ARRAY_LEN(unsupported_funcs); i++)
            known |= strcmp(unsupported_funcs[i], fname) == 0;
        if (known) asim_pq_fail(p, name->pos, "function \"%s\" is not supported by this engine", fname);
        else asim_pq_fail(p, name->pos, "unknown function with name \"%s\"", fname);
        asim_free(fname);
        return NULL;
    }
    asim_free(fname);
    pq_node *n = new_node(PQ_CALL, name->pos);
    n->fn = f;
    n->type = f->ret;
    next_tok(p);                          /* "(" */
    while (cur(p)->type != T_RPAREN) {
        if (n->nargs == PQ_MAX_ARGS) { asim_pq_fail(p, cur(p)->pos, "too many arguments"); goto err; }
        pq_node *a = parse_expr(p, 0);
        if (!a) goto err;
        n->args[n->nargs++] = a;
        if (cur(p)->type == T_COMMA) {
            pq_token *comma = next_tok(p);
            if (cur(p)->type == T_RPAREN) {
                asim_pq_fail(p, comma->pos, "trailing commas not allowed in function call args");
                goto err;
            }
            continue;
        }
        if (cur(p)->type != T_RPAREN) { unexpected(p, cur(p), "\",\" or \")\""); goto err; }
    }
    next_tok(p);
    if (f->nopt == 0 && n->nargs != f->nargs) {
        asim_pq_fail(p, n->pos, "expected %d argument(s) in call to \"%s\", got %d", f->nargs, f->name, n->nargs);
        goto err;
    }
    if (n->nargs < f->nargs - f->nopt || (n->nargs > f->nargs && !f->variadic)) {
        asim_pq_fail(p, n->pos, "expected at %s %d argument(s) in call to \"%s\", got %d",
             n->nargs > f->nargs ? "most" : "least", n->nargs > f->nargs ? f->nargs : f->nargs - f->nopt,
             f->name, n->nargs);
        goto err;
    }
    for (int i = 0; i < n->nargs; i++) {
        asim_promql_type want = i < f->nargs ? f->arg[i] : f->arg[f->nargs - 1];
        if (n->args[i]->type != want) {
            asim_pq_fail(p, n->args[i]->pos, "expected type %s in call to function \"%s\", got %s",
                 type_name(want), f->name, type_name(n->args[i]->type));
            goto err;
        }
    }
    if (check_label_fn(p, n) != 0) goto err;
    return n;
err:
    asim_pq_node_free(n);
    return NULL;
}

static pq_node *parse_aggregation(pq_parser *p)
{
    pq_token *op = next_tok(p);
    if (!asim_pq_aggops[op->agg].supported) {
        asim_pq_fail(p, op->pos, "aggregation \"%s\" is not supported by this engine", asim_pq_aggops[op->agg].name);
        return NULL;
    }
    pq_node *n = new_node(PQ_AGGR, op->pos);
    n->op = (int)asim_pq_aggops[op->agg].op;
    n->type = ASIM_PROMQL_VECTOR;
    int have_mod = 0;
    if (cur(p)->type == T_BY || cur(p)->type == T_WITHOUT) {
        n->without = next_tok(p)->type == T_WITHOUT;
        if (parse_label_list(p, &n->labels, &n->nlabels) != 0) goto err;
        have_mod = 1;
    }
    if (cur(p)->type != T_LPAREN) { unexpected(p, cur(p), "\"(\""); goto err; }
    next_tok(p);
    int nargs = 0, want = n->op >= PQ_AGG_TOPK ? 2 : 1;
    pq_node *a[2] = { NULL, NULL };
    while (cur(p)->type != T_RPAREN) {
        pq_node *x = parse_expr(p, 0);
        if (!x) goto err_args;
        if (nargs < 2) a[nargs] = x; else asim_pq_node_free(x);
        nargs++;
        if (cur(p)->type == T_COMMA) { next_tok(p); continue; }
        if (cur(p)->type != T_RPAREN) { unexpected(p, cur(p), "\",\" or \")\""); goto err_args; }
    }
    next_tok(p);
    if (nargs != want) {
        asim_pq_fail(p, n->pos, "wrong number of arguments for aggregate expression provided, expected %d, got %d",
             want, nargs);
        goto err_args;
    }
    n->lhs = a[want - 1];
    if (want == 2) {                      /* the parameter: k, q or the label name */
        asim_promql_type pt = n->op == PQ_AGG_COUNT_VALUES ? ASIM_PROMQL_STRING : ASIM_PROMQL_SCALAR;
        n->args[0] = a[0];
        n->nargs = 1;
        if (a[0]->type != pt) {
            asim_pq_fail(p, a[0]->pos, "expected type %s in aggregation parameter, got %s", type_name(pt),
                 type_name(a[0]->type));
            goto err;
        }
    }
    if (cur(p)->type == T_BY || cur(p)->type == T_WITHOUT) {
        if (have_mod) { unexpected(p, cur(p), NULL); goto err; }
        n->without = next_tok(p)->type == T_WITHOUT;
        if (parse_label_list(p, &n->labels, &n->nlabels) != 0) goto err;
    }
    if (n->lhs->type != ASIM_PROMQL_VECTOR) {
        asim_pq_fail(p, n->lhs->pos, "expected type instant vector in aggregation expression, got %s",
             type_name(n->lhs->type));
        goto err;
    }
    return n;
err_args:
    asim_pq_node_free(a[0]);
    asim_pq_node_free(a[1]);
err:
    asim_pq_node_free(n);
    return NULL;
}

/* "[" range ":" [step] "]" after expression n: a subquery (d is the range). */
static pq_node *parse_subquery(pq_parser *p, pq_node *n, const pq_token *lb, const pq_token *d)
{
    next_tok(p);                                     /* ":" */
    int64_t step = 0;
    if (cur(p)->type == T_DURATION) step = next_tok(p)->ms;
    if (expect(p, T_RBRACKET, "\"]\"") != 0) { asim_pq_node_free(n); return NULL; }
    if (n->type != ASIM_PROMQL_VECTOR) {
        asim_pq_fail(p, lb->pos, "subquery is only allowed on instant vector, got %s instead", type_name(n->type));
        asim_pq_node_free(n);
        return NULL;
    }
    if (d->ms <= 0) { asim_pq_fail(p, d->pos, "duration must be greater than 0"); asim_pq_node_free(n); return NULL; }
    pq_node *s = new_node(PQ_SUBQ, n->pos);
    s->lhs = n;
    s->type = ASIM_PROMQL_MATRIX;
    s->range_ms = d->ms;
    s->step_ms = step;
    return s;
}

/* "@" (number | start() | end()) after a selector or subquery. */
static int parse_at(pq_parser *p, pq_node *n)
{
    pq_token *at = next_tok(p);
    if (n->kind != PQ_VSEL && n->kind != PQ_MSEL && n->kind != PQ_SUBQ) {
        asim_pq_fail(p, at->pos, "@ modifier must be preceded by an instant vector selector or range vector "
             "selector or a subquery");
        return -1;
    }
    if (n->at_kind) { asim_pq_fail(p, at->pos, "@ <timestamp> may not be set multiple times"); return -1; }
    pq_token *t = cur(p);
    if ((t->type == T_IDENT || t->type == T_METRIC_IDENT) && cur(p)[1].type == T_LPAREN && cur(p)[2].type == T_RPAREN) {
        char *w = token_text(p, t);
        int kind = strcmp(w, "start") == 0 ? PQ_AT_START : strcmp(w, "end") == 0 ? PQ_AT_END : 0;
        asim_free(w);
        if (!kind) { asim_pq_fail(p, t->pos, "unexpected identifier after @, expected start() or end()"); return -1; }
        next_tok(p); next_tok(p); next_tok(p);
        n->at_kind = kind;
        return 0;
    }
    double sign = 1;
    if (t->type == T_SUB || t->type == T_ADD) { sign = t->type == T_SUB ? -1 : 1; next_tok(p); t = cur(p); }
    if (t->type != T_NUMBER) { unexpected(p, t, "timestamp"); return -1; }
    next_tok(p);
    double v = sign * t->num * 1000;
    if (!(fabs(v) < 9.2e18)) { asim_pq_fail(p, t->pos, "timestamp out of bounds for @ modifier: %g", sign * t->num); return -1; }
    n->at_kind = PQ_AT_TIME;
    n->at_ms = (int64_t)llround(v);
    return 0;
}

/* Postfix [range], offset and @ after a primary. */
static pq_node *parse_postfix(pq_parser *p, pq_node *n)
{
    for (;;) {
        pq_token *t = cur(p);
        if (t->type == T_LBRACKET) {
            next_tok(p);
            pq_token *d = cur(p);
            if (d->type != T_DURATION) { unexpected(p, d, "duration"); goto err; }
            next_tok(p);
            if (cur(p)->type == T_COLON) { n = parse_subquery(p, n, t, d); if (!n) return NULL; continue; }
            if (expect(p, T_RBRACKET, "\"]\"") != 0) goto err;
            if (n->kind != PQ_VSEL) {
                asim_pq_fail(p, t->pos, "ranges only allowed for vector selectors");
                goto err;
            }
            if (n->has_offset || n->at_kind) {
                asim_pq_fail(p, t->pos, "no offset modifiers allowed before range");
                goto err;
            }
            if (d->ms <= 0) { asim_pq_fail(p, d->pos, "duration must be greater than 0"); goto err; }
            n->kind = PQ_MSEL;
            n->type = ASIM_PROMQL_MATRIX;
            n->range_ms = d->ms;
            continue;
        }
        if (t->type == T_OFFSET) {
            next_tok(p);
            int neg = 0;
            if (cur(p)->type == T_SUB) { neg = 1; next_tok(p); }
            else if (cur(p)->type == T_ADD) next_tok(p);
            pq_token *d = cur(p);
            if (d->type != T_DURATION) { unexpected(p, d, "duration"); goto err; }
            next_tok(p);
            if (n->kind != PQ_VSEL && n->kind != PQ_MSEL && n->kind != PQ_SUBQ) {
                asim_pq_fail(p, n->pos, "offset modifier must be preceded by an instant vector selector "
                     "or range vector selector or a subquery");
                goto err;
            }
            if (n->has_offset) { asim_pq_fail(p, n->pos, "offset may not be set multiple times"); goto err; }
            n->has_offset = 1;
            n->offset_ms = neg ? -d->ms : d->ms;
            continue;
        }
        if (t->type == T_AT) {
            if (parse_at(p, n) != 0) goto err;
            continue;
        }
        return n;
    }
err:
    asim_pq_node_free(n);
    return NULL;
}

static pq_node *parse_primary(pq_parser *p)
{
    pq_token *t = cur(p);
    pq_node *n = NULL;
    switch (t->type) {
    case T_NUMBER:
        next_tok(p);
        n = new_node(PQ_NUM, t->pos);
        n->type = ASIM_PROMQL_SCALAR;
        n->num = t->num;
        break;
    case T_STRING:
        next_tok(p);
        n = new_node(PQ_STR, t->pos);
        n->type = ASIM_PROMQL_STRING;
        n->str = asim_strdup(t->str);
        break;
    case T_LPAREN: {
        next_tok(p);
        pq_node *in = parse_expr(p, 0);
        if (!in) return NULL;
        if (expect(p, T_RPAREN, "\")\"") != 0) { asim_pq_node_free(in); return NULL; }
        n = new_node(PQ_PAREN, t->pos);
        n->lhs = in;
        n->type = in->type;
        break;
    }
    case T_LBRACE:
        n = parse_selector(p, NULL);
        break;
    case T_IDENT: case T_METRIC_IDENT:
        next_tok(p);
        if (cur(p)->type == T_LPAREN) n = parse_call(p, t);
        else n = parse_selector(p, t);
        break;
    case T_AGGOP:
        n = parse_aggregation(p);
        break;
    default:
        unexpected(p, t, "an expression");
        return NULL;
    }
    if (!n) return NULL;
    return parse_postfix(p, n);
}

static int prec_of(pq_tk t)
{
    switch (t) {
    case T_OR: return 1;
    case T_AND: case T_UNLESS: return 2;
    case T_EQLC: case T_NEQ: case T_LTE: case T_LSS: case T_GTE: case T_GTR: return 3;
    case T_ADD: case T_SUB: return 4;
    case T_MUL: case T_DIV: case T_MOD: case T_ATAN2: return 5;
    case T_POW: return 6;
    default: return 0;
    }
}

static pq_op op_of(pq_tk t)
{
    switch (t) {
    case T_OR: return PQ_OR;
    case T_AND: return PQ_AND;
    case T_UNLESS: return PQ_UNLESS;
    case T_EQLC: return PQ_EQLC;
    case T_NEQ: return PQ_NEQ;
    case T_LTE: return PQ_LTE;
    case T_LSS: return PQ_LSS;
    case T_GTE: return PQ_GTE;
    case T_GTR: return PQ_GTR;
    case T_ADD: return PQ_ADD;
    case T_SUB: return PQ_SUB;
    case T_MUL: return PQ_MUL;
    case T_DIV: return PQ_DIV;
    case T_MOD: return PQ_MOD;
    case T_ATAN2: return PQ_ATAN2;
    default: return PQ_POW;
    }
}

static int is_comparison(int op) { return op >= PQ_EQLC && op <= PQ_GTR; }
static int is_setop(int op) { return op == PQ_OR || op == PQ_AND || op == PQ_UNLESS; }

static const char *op_text(int op)
{
    static const char *const t[] = { "or", "and", "unless", "==", "!=", "<=", "<", ">=", ">",
                                     "+", "-", "*", "/", "%", "^", "atan2" };
    return t[op];
}

static pq_node *parse_unary(pq_parser *p)
{
    pq_token *t = cur(p);
    if (t->type != T_SUB && t->type != T_ADD) return parse_primary(p);
    next_tok(p);
    pq_node *in = parse_expr(p, prec_of(T_POW));
    if (!in) return NULL;
    if (in->type != ASIM_PROMQL_SCALAR && in->type != ASIM_PROMQL_VECTOR) {
        asim_pq_fail(p, t->pos, "unary expression only allowed on expressions of type scalar or instant "
             "vector, got \"%s\"", type_name(in->type));
        asim_pq_node_free(in);
        return NULL;
    }
    if (in->kind == PQ_NUM) {             /* Prometheus folds -<number> into the literal */
        if (t->type == T_SUB) in->num = -in->num;
        in->pos = t->pos;
        return in;
    }
    pq_node *n = new_node(PQ_UNARY, t->pos);
    n->op = t->type == T_SUB ? PQ_SUB : PQ_ADD;
    n->lhs = in;
    n->type = in->type;
    return n;
}

static pq_node *parse_expr_chain(pq_parser *p, int min_prec);

static int too_deep(pq_parser *p)
{
    if (p->depth < PQ_MAX_DEPTH) return 0;
    asim_pq_fail(p, cur(p)->pos, "expression nested too deeply (more than %d levels)", PQ_MAX_DEPTH);
    return 1;
}

/* Every subexpression comes through here; p->depth counts the levels above
 * it (nesting, and each operator of a chain, which also deepens the tree). */
static pq_node *parse_expr(pq_parser *p, int min_prec)
{
    if (too_deep(p)) return NULL;
    int d0 = p->depth++;
    pq_node *n = parse_expr_chain(p, min_prec);
    p->depth = d0;
    return n;
}

static pq_node *parse_expr_chain(pq_parser *p, int min_prec)
{
    pq_node *lhs = parse_unary(p);
    if (!lhs) return NULL;
    for (;;) {
        pq_token *t = cur(p);
        int prec = prec_of(t->type);
        if (!prec || prec < min_prec) return lhs;
        next_tok(p);
        if (too_deep(p)) goto err;
        p->depth++;                    /* a chain a+b+c+... is a tree as deep as it is long */
        pq_node *n = new_node(PQ_BIN, lhs->pos);
        n->op = (int)op_of(t->type);
        n->lhs = lhs;
        lhs = n;
        int bool_pos = -1;
        if (cur(p)->type == T_BOOL) { n->ret_bool = 1; bool_pos = next_tok(p)->pos; }
        if (cur(p)->type == T_ON || cur(p)->type == T_IGNORING) {
            n->matching = 1;
            n->without = next_tok(p)->type == T_IGNORING;
            if (parse_label_list(p, &n->labels, &n->nlabels) != 0) goto err;
            if (cur(p)->type == T_GROUP_LEFT || cur(p)->type == T_GROUP_RIGHT) {
                pq_token *g = next_tok(p);
                n->card = g->type == T_GROUP_LEFT ? PQ_CARD_MANY_TO_ONE : PQ_CARD_ONE_TO_MANY;
                if (cur(p)->type == T_LPAREN && parse_label_list(p, &n->include, &n->ninclude) != 0) goto err;
                if (is_setop(n->op)) {
                    asim_pq_fail(p, g->pos, "no grouping allowed for \"%s\" operation", op_text(n->op));
                    goto err;
                }
                for (size_t i = 0; i < n->ninclude && !n->without; i++)
                    for (size_t j = 0; j < n->nlabels; j++)
                        if (strcmp(n->include[i], n->labels[j]) == 0) {
                            asim_pq_fail(p, g->pos, "label \"%s\" must not occur in ON and GROUP clause at once",
                                 n->include[i]);
                            goto err;
                        }
            }
        } else if (cur(p)->type == T_GROUP_LEFT || cur(p)->type == T_GROUP_RIGHT) {
            unexpected(p, cur(p), NULL);
            goto err;
        }
        n->rhs = parse_expr(p, t->type == T_POW ? prec : prec + 1);
        if (!n->rhs) goto err;

        /* Prometheus's checkAST rules for binary expressions */
        asim_promql_type lt = n->lhs->type, rt = n->rhs->type;
        if (n->ret_bool && !is_comparison(n->op)) {
            asim_pq_fail(p, bool_pos >= 0 ? bool_pos : t->pos, "bool modifier can only be used on comparison operators");
            goto err;
        }
        if (is_comparison(n->op) && !n->ret_bool && lt == ASIM_PROMQL_SCALAR && rt == ASIM_PROMQL_SCALAR) {
            asim_pq_fail(p, t->pos, "comparisons between scalars must use BOOL modifier");
            goto err;
        }
        if (lt != ASIM_PROMQL_SCALAR && lt != ASIM_PROMQL_VECTOR) {
            asim_pq_fail(p, n->lhs->pos, "binary expression must contain only scalar and instant vector types");
            goto err;
        }
        if (rt != ASIM_PROMQL_SCALAR && rt != ASIM_PROMQL_VECTOR) {
            asim_pq_fail(p, n->rhs->pos, "binary expression must contain only scalar and instant vector types");
            goto err;
        }
        if ((lt != ASIM_PROMQL_VECTOR || rt != ASIM_PROMQL_VECTOR) && n->matching) {
            if (n->nlabels > 0) {
                asim_pq_fail(p, n->pos, "vector matching only allowed between instant vectors");
                goto err;
            }
            n->matching = 0;             /* on() / ignoring() with a scalar: ignored */
            n->without = 0;
        }
        if ((lt == ASIM_PROMQL_SCALAR || rt == ASIM_PROMQL_SCALAR) && is_setop(n->op)) {
            asim_pq_fail(p, n->pos, "set operator \"%s\" not allowed in binary scalar expression", op_text(n->op));
            goto err;
        }
        n->type = (lt == ASIM_PROMQL_VECTOR || rt == ASIM_PROMQL_VECTOR) ? ASIM_PROMQL_VECTOR
                                                                          : ASIM_PROMQL_SCALAR;
    }
err:
    asim_pq_node_free(lhs);
    return NULL;
}

/* --- public -------------------------------------------------------------- */

void asim_pq_node_free(pq_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nm; i++) {
        asim_free(n->m[i].name);
        asim_free(n->m[i].value);
        asim_regex_free(n->m[i].re);
    }
    asim_free(n->m);
    asim_free(n->str);
    asim_regex_free(n->re);
    for (int i = 0; i < n->nargs; i++) asim_pq_node_free(n->args[i]);
    for (size_t i = 0; i < n->nlabels; i++) asim_free(n->labels[i]);
    asim_free(n->labels);
    for (size_t i = 0; i < n->ninclude; i++) asim_free(n->include[i]);
    asim_free(n->include);
    asim_pq_node_free(n->lhs);
    asim_pq_node_free(n->rhs);
    asim_free(n);
}

asim_promql *asim_promql_parse(const char *query, char *err, size_t errlen)
{
    pq_parser p = { 0 };
    p.q = query ? query : "";
    p.err = err;
    p.errlen = errlen;
    if (err && errlen) err[0] = '\0';
    asim_promql *known = asim_pq_memo_find(p.q);     /* parsed before (promql_memo.h) */
    if (known) return known;
    pq_node *root = NULL;
    if (asim_pq_lex(&p) == 0) {
        if (cur(&p)->type == T_EOF) asim_pq_fail(&p, 0, "no expression found in input");
        else {
            root = parse_expr(&p, 0);
            if (root && cur(&p)->type != T_EOF) {
                unexpected(&p, cur(&p), NULL);
                asim_pq_node_free(root);
                root = NULL;
            }
            if (root && root->type == ASIM_PROMQL_STRING) {
                asim_pq_fail(&p, root->pos, "string-valued expressions are not supported by this engine "
                     "(strings are accepted as function arguments)");
                asim_pq_node_free(root);
                root = NULL;
            }
        }
    }
    for (size_t i = 0; i < p.nt; i++) asim_free(p.t[i].str);
    asim_free(p.t);
    if (!root) return NULL;
    asim_promql *e = asim_calloc(1, sizeof *e);
    e->root = root;
    e->nsel = p.nsel;
    e->refs = 1;
    asim_pq_memo_add(p.q, e);
    return e;
}

