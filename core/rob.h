/* core/rob.h — the reassembly buffer of one receive stream or CRYPTO level:
 * takes (offset, data) pieces in any order, with duplicates and overlaps, and
 * exposes the in-order readable prefix without a copy. It enforces a window
 * and the final-size rules of RFC 9000 §4.5; flow-control accounting itself
 * is core/flowctl's. Internal. */
#ifndef H3CLI_CORE_ROB_H
#define H3CLI_CORE_ROB_H

#include "core/quic.h"

/* Storage granule: memory is allocated in chunks of this many bytes (plus a
 * received-bitmap of 1/8 of it), only where data arrived, and freed as soon
 * as a chunk is consumed, except a few spares kept for the next chunks (a
 * stream read as it arrives then allocates nothing). */
#define QUIC_ROB_CHUNK 4096
#define QUIC_ROB_NO_FINAL_SIZE UINT64_MAX
/* Consumed chunks kept for reuse (at most 64 KB per stream): a burst of
 * datagrams read before the application reads the stream fills up to 16
 * chunks (a sender's pacing burst is at most 64 KB, core/pacer.h). */
#define QUIC_ROB_SPARES 16

typedef struct quic_rob_chunk quic_rob_chunk;

/* Embeddable; quic_rob_init, then quic_rob_cleanup. Read-only fields for
 * the owner: |read_offset|, |final_size|, |max_received|. */
typedef struct quic_rob {
    const quic_allocator *alloc;
    quic_rob_chunk **slots; /* ring: chunk number k lives at k % nslots */
    size_t nslots;          /* a power of two; 0 until the first byte */
    /* Chunks consumed last, kept for the next ones (at most
     * QUIC_ROB_SPARES). */
    quic_rob_chunk *spares[QUIC_ROB_SPARES];
    size_t n_spares;
    uint64_t window;       /* bytes accepted beyond read_offset */
    uint64_t read_offset;  /* bytes consumed by the reader */
    uint64_t contig_end;   /* [read_offset, contig_end) all received */
    uint64_t max_received; /* highest offset + length seen */
    uint64_t final_size;   /* QUIC_ROB_NO_FINAL_SIZE until known */
} quic_rob;

/* Starts an empty buffer that accepts data in [0, |window|). Allocates
 * nothing yet. |alloc| (NULL = libc) must outlive the buffer. */
void quic_rob_init(quic_rob *rob, const quic_allocator *alloc, uint64_t window);

/* Frees all storage; pointers from quic_rob_peek become invalid. */
void quic_rob_cleanup(quic_rob *rob);

/* Raises the window (auto-tuning): data up to read_offset + |window| is
 * accepted from now on. Errors: QUIC_ERR_INVALID_ARGUMENT (smaller than the
 * current window or above 2^62), QUIC_ERR_NOMEM (window unchanged). */
int quic_rob_set_window(quic_rob *rob, uint64_t window);

/* Stores |len| bytes of |data| at stream offset |offset|; |fin| marks
 * offset + len as the final size (a STREAM frame with FIN). Bytes already
 * received or consumed are ignored (RFC 9000 §2.2 lets us assume they are the
 * same). Errors, checked before anything changes:
 * - QUIC_ERR_FINAL_SIZE: data beyond a known final size, a final size that
 *   differs from the known one, or one below data already received (RFC 9000
 *   §4.5; the caller sends FINAL_SIZE_ERROR);
 * - QUIC_ERR_FLOW_CONTROL: data beyond read_offset + window, or an end above
 *   2^62-1 (the caller sends FLOW_CONTROL_ERROR, or CRYPTO_BUFFER_EXCEEDED
 *   for a CRYPTO buffer);
 * - QUIC_ERR_INVALID_ARGUMENT: |data| NULL with |len| > 0;
 * - QUIC_ERR_NOMEM: nothing was stored (some chunks may have been
 *   allocated; they count against the window only). */
int quic_rob_push(quic_rob *rob, uint64_t offset, const uint8_t *data,
                  size_t len, bool fin);

/* Records a final size learnt without data (RESET_STREAM), with the same
 * checks and errors as a zero-length quic_rob_push with FIN. */
int quic_rob_set_final_size(quic_rob *rob, uint64_t final_size);

/* The first contiguous readable piece at read_offset: sets |*data| and
 * returns its length (0, |*data| NULL, when nothing is readable). The piece
 * ends at a chunk boundary or at the first gap; quic_rob_readable tells how
 * much is readable in total. |*data| stays valid until quic_rob_consume
 * passes it, or quic_rob_cleanup. */
size_t quic_rob_peek(const quic_rob *rob, const uint8_t **data);

/* Bytes readable in order from read_offset (possibly over several pieces). */
static inline uint64_t quic_rob_readable(const quic_rob *rob) {
    return rob->contig_end - rob->read_offset;
}

/* Marks |n| readable bytes consumed and frees chunks left behind. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (|n| > quic_rob_readable). */
int quic_rob_consume(quic_rob *rob, uint64_t n);

/* True when the final size is known and every byte before it received:
 * the reader's last piece ends the stream. */
static inline bool quic_rob_all_received(const quic_rob *rob) {
    return rob->final_size != QUIC_ROB_NO_FINAL_SIZE &&
           rob->contig_end == rob->final_size;
}

/* True when the final size is known and everything was consumed. */
static inline bool quic_rob_is_finished(const quic_rob *rob) {
    return rob->final_size != QUIC_ROB_NO_FINAL_SIZE &&
           rob->read_offset == rob->final_size;
}

#endif
