/* promql_memo.h -- parsed expressions shared by their query text.
 *
 * A sweep worker builds every run's alert rules, recording rules, scaler
 * query and policy queries from texts that rarely change between runs, and
 * validates each configuration (which parses them again): about twenty
 * parses per run of texts it has parsed before.  While a memo is in use
 * (asim_promql_memo_use), asim_promql_parse hands out the memo's expression
 * for a text it has already parsed -- one more reference, which
 * asim_promql_free drops -- instead of lexing and parsing it again.
 *
 * Why sharing is invisible: an expression is never modified after its parse
 * (evaluation takes it const and keeps every cache and scratch buffer in the
 * caller's asim_promql_result), so a shared expression evaluates exactly as
 * a fresh parse of the same text would.  Texts that fail to parse are not
 * remembered: each attempt reparses and reports its own error.
 *
 * Memory is bounded: at most max_entries texts; when full, the texts no one
 * else holds are dropped, and if every one is still held the new text is
 * parsed without being remembered.  Not thread-safe (one memo per process or
 * thread; the sweep's workers are processes). */
#ifndef ASIM_PROMQL_MEMO_H
#define ASIM_PROMQL_MEMO_H

#include <stddef.h>
#include <stdint.h>

typedef struct asim_promql_memo asim_promql_memo;

asim_promql_memo *asim_promql_memo_create(size_t max_entries);
/* Drops the memo's references (expressions still held elsewhere stay valid
 * until their holders free them).  If m is in use, no memo is in use after.
 * NULL is a no-op. */
void asim_promql_memo_destroy(asim_promql_memo *m);

/* Make m the memo asim_promql_parse consults (NULL: none, every parse is
 * fresh).  Returns the memo in use before, to restore. */
asim_promql_memo *asim_promql_memo_use(asim_promql_memo *m);

/* Texts remembered; parses answered from the memo; parses that were not. */
size_t asim_promql_memo_size(const asim_promql_memo *m);
uint64_t asim_promql_memo_hits(const asim_promql_memo *m);
uint64_t asim_promql_memo_misses(const asim_promql_memo *m);

#endif
