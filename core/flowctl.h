/* core/flowctl.h — flow-control credit for one stream or the connection
 * (RFC 9000 §4): the receive side (what we advertised, received and
 * consumed; when to send MAX_DATA / MAX_STREAM_DATA; window auto-tuning) and
 * the send side (the peer's limit, what we used, DATA_BLOCKED /
 * STREAM_DATA_BLOCKED once per limit). Counts only: no frames, no buffers.
 * Internal. */
#ifndef H3CLI_CORE_FLOWCTL_H
#define H3CLI_CORE_FLOWCTL_H

#include "core/quic.h"

/* ---- Receive side ----------------------------------------------------------
 */

/* Embeddable, no cleanup. For a stream, offsets are stream offsets; for the
 * connection they are sums over all streams (RFC 9000 §4.1). */
typedef struct quic_flowctl_rx {
    uint64_t limit;        /* the limit advertised (MAX_DATA value) */
    uint64_t window;       /* credit granted beyond |consumed| per update */
    uint64_t max_window;   /* auto-tuning ceiling */
    uint64_t received;     /* highest offset received (counts against limit) */
    uint64_t consumed;     /* delivered to and released by the application */
    quic_time last_update; /* when |limit| was last raised; NONE before */
} quic_flowctl_rx;

/* Advertises |window| initially (the transport parameter). The window may
 * grow up to |max_window| (raised to |window| if lower). */
void quic_flowctl_rx_init(quic_flowctl_rx *rx, uint64_t window,
                          uint64_t max_window);

/* Data up to offset |end| arrived (a stream's offset + length, or its final
 * size). Errors: QUIC_ERR_FLOW_CONTROL (|end| beyond the advertised limit:
 * the caller sends FLOW_CONTROL_ERROR; nothing changed). */
int quic_flowctl_rx_on_received(quic_flowctl_rx *rx, uint64_t end);

/* Connection level: |bytes| more were received (the growth of one stream's
 * highest offset). Errors: QUIC_ERR_FLOW_CONTROL. */
int quic_flowctl_rx_add_received(quic_flowctl_rx *rx, uint64_t bytes);

/* The application consumed |bytes| more. Errors: QUIC_ERR_INVALID_ARGUMENT
 * (more than was received). */
int quic_flowctl_rx_on_consumed(quic_flowctl_rx *rx, uint64_t bytes);

/* True when half the window has been consumed since the limit was last
 * raised, i.e. a MAX_DATA / MAX_STREAM_DATA frame is due. */
bool quic_flowctl_rx_should_update(const quic_flowctl_rx *rx);

/* Raises the limit to consumed + window and returns it for the frame.
 * Auto-tuning: if the previous raise was less than 2 × |smoothed_rtt| ago,
 * the window doubles first (up to max_window) — the peer is using credit
 * faster than a window per round trip, so the window is below the path's
 * bandwidth-delay product. Never lowers the limit. */
uint64_t quic_flowctl_rx_update(quic_flowctl_rx *rx, quic_time now,
                                quic_time smoothed_rtt);

/* ---- Send side
 * --------------------------------------------------------------- */

typedef struct quic_flowctl_tx {
    uint64_t limit;      /* the peer's MAX_DATA / MAX_STREAM_DATA */
    uint64_t used;       /* offset (stream) or bytes (connection) sent */
    uint64_t blocked_at; /* limit a *_BLOCKED frame was sent for, or
                            UINT64_MAX */
} quic_flowctl_tx;

/* Starts with the peer's initial limit (its transport parameter). */
void quic_flowctl_tx_init(quic_flowctl_tx *tx, uint64_t limit);

/* A MAX_DATA / MAX_STREAM_DATA frame said |limit|. Returns true if it raised
 * the limit (RFC 9000 §4.1: frames that do not increase it are ignored). */
bool quic_flowctl_tx_raise(quic_flowctl_tx *tx, uint64_t limit);

/* Bytes that may still be sent. */
static inline uint64_t quic_flowctl_tx_credit(const quic_flowctl_tx *tx) {
    return tx->limit - tx->used;
}

/* |bytes| of new data were sent. Errors: QUIC_ERR_INVALID_ARGUMENT (more
 * than the credit; nothing changed). */
int quic_flowctl_tx_on_sent(quic_flowctl_tx *tx, uint64_t bytes);

/* True when the sender has data but no credit and has not yet said so for
 * this limit: send DATA_BLOCKED / STREAM_DATA_BLOCKED with |limit|. */
bool quic_flowctl_tx_should_send_blocked(const quic_flowctl_tx *tx);

/* The *_BLOCKED frame for the current limit went out. */
void quic_flowctl_tx_on_blocked_sent(quic_flowctl_tx *tx);

/* A *_BLOCKED frame for |limit| was lost: send it again if still blocked at
 * that limit. */
void quic_flowctl_tx_on_blocked_lost(quic_flowctl_tx *tx, uint64_t limit);

#endif
