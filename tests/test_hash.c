/* test_hash.c -- sim/engine/hash.h against the FNV reference's published test
 * vectors (http://www.isthe.com/chongo/tech/comp/fnv/, test_fnv.c:
 * fnv1a_64 and fnv1a_32 of "", "a", "foobar"), and the label-set hash's
 * separator property. */
#include "sim/engine/hash.h"
#include "models/prometheus/tsdb.h"
#include "check.h"

static void test_fnv64_vectors(void)
{
    CHECK(asim_fnv1a64_str(ASIM_FNV64_OFFSET, "") == UINT64_C(0xcbf29ce484222325));
    CHECK(asim_fnv1a64_str(ASIM_FNV64_OFFSET, "a") == UINT64_C(0xaf63dc4c8601ec8c));
    CHECK(asim_fnv1a64_str(ASIM_FNV64_OFFSET, "foobar") == UINT64_C(0x85944171f73967e8));
    CHECK(asim_fnv1a64(ASIM_FNV64_OFFSET, "foobar", 6) == UINT64_C(0x85944171f73967e8));
    /* chaining is hashing the concatenation */
    CHECK(asim_fnv1a64_str(asim_fnv1a64_str(ASIM_FNV64_OFFSET, "foo"), "bar") == UINT64_C(0x85944171f73967e8));
}

static void test_fnv32_vectors(void)
{
    CHECK(asim_fnv1a32("", 0) == UINT32_C(0x811c9dc5));
    CHECK(asim_fnv1a32("a", 1) == UINT32_C(0xe40c292c));
    CHECK(asim_fnv1a32("foobar", 6) == UINT32_C(0xbf9cf968));
}

static void test_labels_hash_separates(void)
{
    asim_label a[] = { { "ab", "c" } }, b[] = { { "a", "bc" } }, c[] = { { "ab", "c" } };
    CHECK(asim_labels_hash(a, 1) != asim_labels_hash(b, 1));
    CHECK(asim_labels_hash(a, 1) == asim_labels_hash(c, 1));
    CHECK(asim_labels_hash(NULL, 0) == ASIM_FNV64_OFFSET);
}

int main(void)
{
    RUN(test_fnv64_vectors);
    RUN(test_fnv32_vectors);
    RUN(test_labels_hash_separates);
    return check_report();
}
