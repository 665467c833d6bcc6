/* hash.h -- the one FNV-1a (Fowler-Noll-Vo, variant 1a), 64- and 32-bit.
 *
 * Constants from the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/):
 * 64-bit offset basis 14695981039346656037, prime 2^40 + 2^8 + 0xb3 =
 * 1099511628211; 32-bit offset basis 2166136261, prime 16777619.  Not a
 * cryptographic hash: for hash tables, stream names and content digests.
 * Inline because hash-table probes call it per lookup.  Chain calls by
 * passing the previous result as h (start from ASIM_FNV64_OFFSET). */
#ifndef ASIM_HASH_H
#define ASIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define ASIM_FNV64_OFFSET UINT64_C(14695981039346656037)
#define ASIM_FNV64_PRIME  UINT64_C(1099511628211)
#define ASIM_FNV32_OFFSET UINT32_C(2166136261)
#define ASIM_FNV32_PRIME  UINT32_C(16777619)

static inline uint64_t asim_fnv1a64_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * ASIM_FNV64_PRIME;
}

static inline uint64_t asim_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * ASIM_FNV64_PRIME;
    return h;
}

/* The bytes of a NUL-terminated string (the NUL not included). */
static inline uint64_t asim_fnv1a64_str(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) h = (h ^ *p) * ASIM_FNV64_PRIME;
    return h;
}

static inline uint32_t asim_fnv1a32(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t h = ASIM_FNV32_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * ASIM_FNV32_PRIME;
    return h;
}

#endif
