/* tests/unit/support/vectors.h — reads the labelled hex test-vector files of
 * shared/spec (rfc9001-test-vectors.txt, rfc9369-test-vectors.txt; format
 * in shared/spec/README.md) so tests compare against the files, not against
 * copied hex strings. */
#ifndef H3CLI_TESTS_VECTORS_H
#define H3CLI_TESTS_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One labelled value: a byte string ("name: N" + hex lines) or a scalar
 * ("name = decimal"). */
typedef struct test_vector {
    char name[64];
    bool is_scalar;
    uint64_t scalar;
    uint8_t *data; /* NULL for scalars and empty values */
    size_t len;
} test_vector;

typedef struct test_vectors {
    test_vector *items;
    size_t count;
    char path[512]; /* the file that was read */
} test_vectors;

/* Opens "$SHARED/spec/|file|", or "../../../shared/spec/|file|" when
 * SHARED is unset, and parses it into |tv|. Returns 0, or -1 with a message
 * on stderr (missing file, bad hex, a value whose byte count differs from
 * its header, a duplicate name, a line that fits no rule); |tv| is then
 * empty. Free with test_vectors_free. */
int test_vectors_load(test_vectors *tv, const char *file);

/* Parses an already-read file text (for testing the reader itself); same
 * result and errors as test_vectors_load. On error |tv| is left empty. */
int test_vectors_parse(test_vectors *tv, const char *text);

/* The bytes named |name| and their length, or NULL if there is no such
 * byte-string value. */
const uint8_t *test_vectors_bytes(const test_vectors *tv, const char *name,
                                  size_t *len);

/* The scalar named |name| into |*out|; false if there is none. */
bool test_vectors_scalar(const test_vectors *tv, const char *name,
                         uint64_t *out);

void test_vectors_free(test_vectors *tv);

#endif /* H3CLI_TESTS_VECTORS_H */
