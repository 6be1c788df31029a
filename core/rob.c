/* core/rob.c — reassembly in lazily allocated fixed-size chunks, each with a
 * bitmap of the bytes received, kept in a ring sized by the window; it never
 * copies data out and never holds memory beyond the window, but for
 * QUIC_ROB_SPARES consumed chunks kept for reuse.
 *
 * The bitmap only describes bytes at or beyond contig_end: everything below
 * is received by definition, whatever its bits say. So data that arrives at
 * exactly contig_end (the common, in-order case) is copied and contig_end
 * moved, with no bitmap work, and a new chunk needs only its bitmap zeroed,
 * not its data. */
#include "core/rob.h"

#include <string.h>

#include "core/mem.h"

#define WORD_BITS 64
#define CHUNK_WORDS (QUIC_ROB_CHUNK / WORD_BITS)
#define OFFSET_MAX ((UINT64_C(1) << 62) - 1)

struct quic_rob_chunk {
    /* bit i: byte i of |data| arrived; meaningful only for bytes at or
     * beyond contig_end (see above) */
    uint64_t received[CHUNK_WORDS];
    uint8_t data[QUIC_ROB_CHUNK];
};

/* Ring slots that cover every chunk a window can touch, rounded up to a
 * power of two so that a chunk's slot is a mask, not a division. */
static size_t slots_for(uint64_t window) {
    size_t need = (size_t)(window / QUIC_ROB_CHUNK) + 2, n = 2;
    while (n < need)
        n *= 2;
    return n;
}

void quic_rob_init(quic_rob *rob, const quic_allocator *alloc,
                   uint64_t window) {
    memset(rob, 0, sizeof(*rob));
    rob->alloc = alloc;
    rob->window = window > OFFSET_MAX ? OFFSET_MAX : window;
    rob->final_size = QUIC_ROB_NO_FINAL_SIZE;
}

void quic_rob_cleanup(quic_rob *rob) {
    for (size_t i = 0; i < rob->nslots; i++)
        quic_mem_free(rob->alloc, rob->slots[i]);
    quic_mem_free(rob->alloc, rob->slots);
    for (size_t i = 0; i < rob->n_spares; i++)
        quic_mem_free(rob->alloc, rob->spares[i]);
    rob->n_spares = 0;
    rob->slots = NULL;
    rob->nslots = 0;
}

static quic_rob_chunk **slot_of(const quic_rob *rob, uint64_t k) {
    return &rob->slots[k & (rob->nslots - 1)];
}

/* Builds a ring of |n| slots holding the live chunks of the old one.
 * Errors: QUIC_ERR_NOMEM (nothing changed). */
static int resize_ring(quic_rob *rob, size_t n) {
    quic_rob_chunk **slots = quic_mem_calloc(rob->alloc, n, sizeof(*slots));
    if (!slots)
        return QUIC_ERR_NOMEM;
    uint64_t first = rob->read_offset / QUIC_ROB_CHUNK;
    for (uint64_t k = first; k < first + rob->nslots; k++)
        slots[k % n] = *slot_of(rob, k);
    quic_mem_free(rob->alloc, rob->slots);
    rob->slots = slots;
    rob->nslots = n;
    return 0;
}

int quic_rob_set_window(quic_rob *rob, uint64_t window) {
    if (window < rob->window || window > OFFSET_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (rob->nslots && slots_for(window) > rob->nslots) {
        int err = resize_ring(rob, slots_for(window));
        if (err)
            return err;
    }
    rob->window = window;
    return 0;
}

/* RFC 9000 §4.5 and the window, checked before any state changes. */
static int check_piece(const quic_rob *rob, uint64_t offset, size_t len,
                       bool fin) {
    if (offset > OFFSET_MAX || len > OFFSET_MAX - offset)
        return QUIC_ERR_FLOW_CONTROL; /* RFC 9000 §19.8 */
    uint64_t end = offset + len;
    if (rob->final_size != QUIC_ROB_NO_FINAL_SIZE) {
        /* "Once a final size for a stream is known, it cannot change." */
        if (end > rob->final_size || (fin && end != rob->final_size))
            return QUIC_ERR_FINAL_SIZE;
    } else if (fin && end < rob->max_received) {
        return QUIC_ERR_FINAL_SIZE;
    }
    if (end > rob->read_offset + rob->window)
        return QUIC_ERR_FLOW_CONTROL;
    return 0;
}

/* Allocates the chunks [offset, end) needs. Errors: QUIC_ERR_NOMEM. */
static int ensure_chunks(quic_rob *rob, uint64_t offset, uint64_t end) {
    if (!rob->nslots) {
        int err = resize_ring(rob, slots_for(rob->window));
        if (err)
            return err;
    }
    for (uint64_t k = offset / QUIC_ROB_CHUNK; k <= (end - 1) / QUIC_ROB_CHUNK;
         k++) {
        quic_rob_chunk **slot = slot_of(rob, k);
        if (*slot)
            continue;
        /* Data bytes are read only once received: zero just the bitmap. */
        if (rob->n_spares) {
            *slot = rob->spares[--rob->n_spares];
        } else if ((*slot = quic_mem_malloc(rob->alloc, sizeof(**slot))) ==
                   NULL) {
            return QUIC_ERR_NOMEM;
        }
        memset((*slot)->received, 0, sizeof((*slot)->received));
    }
    return 0;
}

/* Sets the received bits for bytes [from, to) of one chunk. */
static void mark_received(quic_rob_chunk *c, size_t from, size_t to) {
    while (from < to) {
        size_t w = from / WORD_BITS, bit = from % WORD_BITS;
        size_t n = WORD_BITS - bit;
        if (n > to - from)
            n = to - from;
        uint64_t mask =
            n == WORD_BITS ? UINT64_MAX : ((UINT64_C(1) << n) - 1) << bit;
        c->received[w] |= mask;
        from += n;
    }
}

/* Index of the first byte at or after |from| not yet received in |c|, or
 * QUIC_ROB_CHUNK. */
static size_t first_missing(const quic_rob_chunk *c, size_t from) {
    size_t w = from / WORD_BITS;
    uint64_t missing = ~c->received[w] & (UINT64_MAX << (from % WORD_BITS));
    while (!missing) {
        if (++w == CHUNK_WORDS)
            return QUIC_ROB_CHUNK;
        missing = ~c->received[w];
    }
    return w * WORD_BITS + (size_t)__builtin_ctzll(missing);
}

/* Moves contig_end over bytes received earlier beyond it (the ring exists:
 * its caller has just stored data). */
static void advance_contiguous(quic_rob *rob) {
    while (rob->contig_end < rob->max_received) {
        const quic_rob_chunk *c =
            *slot_of(rob, rob->contig_end / QUIC_ROB_CHUNK);
        if (!c)
            return;
        size_t from = (size_t)(rob->contig_end % QUIC_ROB_CHUNK);
        size_t to = first_missing(c, from);
        rob->contig_end += to - from;
        if (to < QUIC_ROB_CHUNK)
            return;
    }
}

/* Copies [offset, offset + len) into the allocated chunks, setting the
 * received bits only when |mark| (data beyond contig_end). */
static void store(quic_rob *rob, uint64_t offset, const uint8_t *data,
                  size_t len, bool mark) {
    while (len) {
        quic_rob_chunk *c = *slot_of(rob, offset / QUIC_ROB_CHUNK);
        size_t at = (size_t)(offset % QUIC_ROB_CHUNK);
        size_t n = QUIC_ROB_CHUNK - at < len ? QUIC_ROB_CHUNK - at : len;
        memcpy(c->data + at, data, n);
        if (mark)
            mark_received(c, at, at + n);
        offset += n;
        data += n;
        len -= n;
    }
}

int quic_rob_push(quic_rob *rob, uint64_t offset, const uint8_t *data,
                  size_t len, bool fin) {
    if (!data && len)
        return QUIC_ERR_INVALID_ARGUMENT;
    int err = check_piece(rob, offset, len, fin);
    if (err)
        return err;
    uint64_t end = offset + len;
    /* Bytes below contig_end were received already: skip them. */
    if (offset < rob->contig_end) {
        size_t skip =
            end > rob->contig_end ? (size_t)(rob->contig_end - offset) : len;
        offset += skip;
        data += skip;
        len -= skip;
    }
    if (len && (err = ensure_chunks(rob, offset, end)) != 0)
        return err;
    if (fin)
        rob->final_size = end;
    if (end > rob->max_received)
        rob->max_received = end;
    if (!len)
        return 0;
    if (offset > rob->contig_end) {
        /* A gap remains before this piece, so contig_end cannot move. */
        store(rob, offset, data, len, true);
        return 0;
    }
    /* In order: the bytes fall below the new contig_end, where bits do not
     * count; only data that arrived earlier beyond |end| needs the scan. */
    store(rob, offset, data, len, false);
    rob->contig_end = end;
    if (rob->max_received > end)
        advance_contiguous(rob);
    return 0;
}

int quic_rob_set_final_size(quic_rob *rob, uint64_t final_size) {
    return quic_rob_push(rob, final_size, NULL, 0, true);
}

size_t quic_rob_peek(const quic_rob *rob, const uint8_t **data) {
    *data = NULL;
    if (rob->contig_end == rob->read_offset)
        return 0;
    const quic_rob_chunk *c = *slot_of(rob, rob->read_offset / QUIC_ROB_CHUNK);
    size_t at = (size_t)(rob->read_offset % QUIC_ROB_CHUNK);
    uint64_t n = rob->contig_end - rob->read_offset;
    if (n > QUIC_ROB_CHUNK - at)
        n = QUIC_ROB_CHUNK - at;
    *data = c->data + at;
    return (size_t)n;
}

int quic_rob_consume(quic_rob *rob, uint64_t n) {
    if (n > quic_rob_readable(rob))
        return QUIC_ERR_INVALID_ARGUMENT;
    uint64_t first = rob->read_offset / QUIC_ROB_CHUNK;
    rob->read_offset += n;
    for (uint64_t k = first; k < rob->read_offset / QUIC_ROB_CHUNK; k++) {
        quic_rob_chunk **slot = slot_of(rob, k);
        if (*slot && rob->n_spares < QUIC_ROB_SPARES)
            rob->spares[rob->n_spares++] = *slot;
        else
            quic_mem_free(rob->alloc, *slot);
        *slot = NULL;
    }
    return 0;
}
