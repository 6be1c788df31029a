/* core/sendbuf.h — the send side of one stream or CRYPTO level: data queued
 * by copy or by reference, what was sent, acknowledged and lost, and the
 * next chunk to put in a frame (lost ranges first, exactly as lost, then new
 * data). It knows nothing of packets or frames; the connection maps frames to
 * the (offset, length, fin) triples used here. Internal. */
#ifndef H3CLI_CORE_SENDBUF_H
#define H3CLI_CORE_SENDBUF_H

#include "core/quic.h"
#include "core/ranges.h"

/* Largest block allocated for copied data: acknowledged memory is freed
 * block by block. */
#define QUIC_SENDBUF_BLOCK 16384

/* Called once when referenced data is no longer needed: all of its bytes
 * acknowledged, or the buffer cleaned up (stream reset, connection freed). */
typedef void (*quic_sendbuf_release_fn)(void *release_arg);

/* One run of queued bytes: an owned copy or the caller's memory. Internal to
 * sendbuf. */
typedef struct quic_sendbuf_seg {
    uint64_t offset;
    size_t len;
    size_t cap; /* owned copies: room allocated at |data| */
    const uint8_t *data;
    bool owned; /* a copy freed through the allocator */
    quic_sendbuf_release_fn release;
    void *release_arg;
} quic_sendbuf_seg;

/* Embeddable; quic_sendbuf_init, then quic_sendbuf_cleanup. Read-only
 * fields for the owner: |end| (bytes queued ever), |acked_prefix| (every
 * byte below is acknowledged), |sent_upto| (every byte below was sent at
 * least once), the fin_* flags. */
typedef struct quic_sendbuf {
    const quic_allocator *alloc;
    quic_sendbuf_seg *segs; /* segs[seg_head .. seg_head + seg_count) */
    size_t seg_head, seg_count, seg_cap;
    uint64_t end;
    uint64_t acked_prefix;
    uint64_t sent_upto;
    quic_ranges acked; /* acknowledged ranges above acked_prefix */
    quic_ranges lost;  /* ranges to retransmit, within [acked_prefix, end) */
    bool fin;          /* the final size is |end| */
    bool fin_sent, fin_acked, fin_lost;
} quic_sendbuf;

/* What to send next: bytes [offset, offset + len), then FIN if |fin|.
 * |is_new| when the bytes were never sent (they use flow-control credit;
 * retransmissions do not). */
typedef struct quic_send_chunk {
    uint64_t offset;
    size_t len;
    bool fin;
    bool is_new;
} quic_send_chunk;

/* Starts an empty buffer. |alloc| (NULL = libc) must outlive it. */
void quic_sendbuf_init(quic_sendbuf *sb, const quic_allocator *alloc);

/* Frees every copy and calls the release function of every reference still
 * held (once each). The buffer is then empty and may be initialised again. */
void quic_sendbuf_cleanup(quic_sendbuf *sb);

/* Queues a copy of |len| bytes at offset |end|. Errors: QUIC_ERR_INVALID_STATE
 * (after quic_sendbuf_finish), QUIC_ERR_INVALID_ARGUMENT (|data| NULL with
 * |len| > 0, or the stream would pass 2^62-1 bytes), QUIC_ERR_NOMEM (nothing
 * queued). */
int quic_sendbuf_append(quic_sendbuf *sb, const uint8_t *data, size_t len);

/* Queues |len| bytes of the caller's memory without copying; |data| must
 * stay valid and unchanged until |release|(|release_arg|) is called (at once
 * for |len| 0). |release| may be NULL when nothing needs releasing. Errors as
 * quic_sendbuf_append; on an error |release| is not called and the caller
 * keeps ownership. */
int quic_sendbuf_append_ref(quic_sendbuf *sb, const uint8_t *data, size_t len,
                            quic_sendbuf_release_fn release, void *release_arg);

/* Marks the current end as the final size (FIN). Errors:
 * QUIC_ERR_INVALID_STATE (already finished). */
int quic_sendbuf_finish(quic_sendbuf *sb);

/* Chooses the next chunk of at most |max_len| bytes without changing
 * anything: the lowest lost range first (retransmitted exactly as lost),
 * then new data below the absolute stream offset |flow_limit| (the peer's
 * MAX_STREAM_DATA, lowered by the caller for connection credit), then a
 * lone FIN. Returns false when there is nothing to send. Mark what was
 * actually sent with quic_sendbuf_on_sent. */
bool quic_sendbuf_next(const quic_sendbuf *sb, size_t max_len,
                       uint64_t flow_limit, quic_send_chunk *out);

/* Whether quic_sendbuf_next, given room and |flow_limit|, would return
 * something (lost bytes, new bytes below the limit, or a FIN to send): a
 * cheap test for the send path, which asks once per packet. */
static inline bool quic_sendbuf_can_send(const quic_sendbuf *sb,
                                         uint64_t flow_limit) {
    return quic_ranges_count(&sb->lost) || sb->fin_lost ||
           (sb->sent_upto < sb->end && sb->sent_upto < flow_limit) ||
           (sb->fin && !sb->fin_sent && sb->sent_upto == sb->end);
}

/* quic_sendbuf_can_send without a flow-control limit (CRYPTO data). */
static inline bool quic_sendbuf_has_pending(const quic_sendbuf *sb) {
    return quic_sendbuf_can_send(sb, UINT64_MAX);
}

/* Copies bytes [offset, offset + len) into |dst|. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (bytes already freed, or beyond |end|). */
int quic_sendbuf_read(const quic_sendbuf *sb, uint64_t offset, size_t len,
                      uint8_t *dst);

/* Records that [offset, offset + len) (and FIN if |fin|) went into a packet.
 * Errors: QUIC_ERR_INVALID_ARGUMENT (beyond |end|, or FIN not queued there),
 * QUIC_ERR_NOMEM (only if the range splits a lost range, which chunks from
 * quic_sendbuf_next never do). */
int quic_sendbuf_on_sent(quic_sendbuf *sb, uint64_t offset, size_t len,
                         bool fin);

/* Records the acknowledgment of a frame that carried [offset, offset + len)
 * and FIN if |fin|; frees blocks and releases references the acknowledged
 * prefix passed. Duplicates are fine. Errors: QUIC_ERR_INVALID_ARGUMENT
 * (never sent), QUIC_ERR_NOMEM (range bookkeeping; treat as fatal). */
int quic_sendbuf_on_acked(quic_sendbuf *sb, uint64_t offset, size_t len,
                          bool fin);

/* Records the loss of a frame that carried [offset, offset + len) and FIN
 * if |fin|: the parts not acknowledged since are queued for retransmission.
 * Errors: QUIC_ERR_INVALID_ARGUMENT (never sent), QUIC_ERR_NOMEM (as
 * above). */
int quic_sendbuf_on_lost(quic_sendbuf *sb, uint64_t offset, size_t len,
                         bool fin);

/* Queues everything sent but not acknowledged for retransmission, e.g. the
 * CRYPTO data of a PTO probe (RFC 9002 §6.2.4). Errors: QUIC_ERR_NOMEM. */
int quic_sendbuf_requeue_unacked(quic_sendbuf *sb);

/* Bytes held and not acknowledged (queued, in flight or lost): what a
 * writer keeps bounded for backpressure. */
static inline uint64_t quic_sendbuf_buffered(const quic_sendbuf *sb) {
    return sb->end - sb->acked_prefix;
}

/* True when every byte and the FIN were acknowledged. */
static inline bool quic_sendbuf_all_acked(const quic_sendbuf *sb) {
    return sb->fin && sb->fin_acked && sb->acked_prefix == sb->end;
}

#endif
