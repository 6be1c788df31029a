/* cmd/demux.h — the server's connection table: destination connection IDs
 * (the client's first DCID and every CID we issued) to connections, in a
 * hash table keyed with a random secret so clients cannot aim collisions.
 * It stores opaque pointers and knows nothing of QUIC state. */
#ifndef H3CLI_CMD_DEMUX_H
#define H3CLI_CMD_DEMUX_H

#include "core/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct h3cli_demux_entry h3cli_demux_entry;

typedef struct h3cli_demux {
    h3cli_demux_entry **buckets;
    size_t n_buckets; /* a power of two */
    size_t count;
    uint64_t k0, k1; /* SipHash key */
} h3cli_demux;

/* Errors are negative errno values. */

/* An empty table with a key from getrandom(). Returns 0 or -ENOMEM. */
int h3cli_demux_init(h3cli_demux *d);
/* Frees the table (not the values). */
void h3cli_demux_cleanup(h3cli_demux *d);

/* Maps |cid| to |value|, replacing an earlier mapping of the same CID.
 * Returns 0, -EINVAL for an empty CID, or -ENOMEM. */
int h3cli_demux_add(h3cli_demux *d, const quic_cid *cid, void *value);

/* Removes the mapping of |cid| if it points to |value| (a CID reused by
 * another connection stays). Returns true when something was removed. */
bool h3cli_demux_remove(h3cli_demux *d, const quic_cid *cid, void *value);

/* The value mapped to the |len| bytes at |cid|, or NULL. */
void *h3cli_demux_find(const h3cli_demux *d, const uint8_t *cid, size_t len);

/* Removes every mapping to |value|; returns how many. */
size_t h3cli_demux_remove_value(h3cli_demux *d, void *value);

/* SipHash-2-4 of |len| bytes under (k0, k1): exposed for tests. */
uint64_t h3cli_siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len);

#endif
