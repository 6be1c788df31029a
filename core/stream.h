/* core/stream.h — the streams of one connection (RFC 9000 §2-§4): a table
 * keyed by stream ID, the sending and receiving state machines, stream ID
 * and stream-count rules (MAX_STREAMS / STREAMS_BLOCKED), stream-level flow
 * control with window auto-tuning, and the queues of streams that have data
 * or control frames to send. It builds no frames and knows no packets; the
 * connection calls it for each frame received and to choose what to send.
 * Internal. */
#ifndef H3CLI_CORE_STREAM_H
#define H3CLI_CORE_STREAM_H

#include "core/quic.h"
#include "core/flowctl.h"
#include "core/ranges.h"
#include "core/rob.h"
#include "core/sendbuf.h"

/* RFC 9000 §3.1 sending part states; NONE for a receive-only stream. */
typedef enum quic_send_state {
    QUIC_SEND_NONE = 0,
    QUIC_SEND_READY,
    QUIC_SEND_SEND,
    QUIC_SEND_DATA_SENT,
    QUIC_SEND_DATA_RECVD,
    QUIC_SEND_RESET_SENT,
    QUIC_SEND_RESET_RECVD,
} quic_send_state;

/* RFC 9000 §3.2 receiving part states; NONE for a send-only stream. */
typedef enum quic_recv_state {
    QUIC_RECV_NONE = 0,
    QUIC_RECV_RECV,
    QUIC_RECV_SIZE_KNOWN,
    QUIC_RECV_DATA_RECVD,
    QUIC_RECV_DATA_READ,
    QUIC_RECV_RESET_RECVD,
    QUIC_RECV_RESET_READ,
} quic_recv_state;

/* Control frames a stream has pending (bits of quic_stream.pending). */
#define QUIC_STREAM_PEND_RESET 0x01u        /* RESET_STREAM */
#define QUIC_STREAM_PEND_STOP 0x02u         /* STOP_SENDING */
#define QUIC_STREAM_PEND_MAX_DATA 0x04u     /* MAX_STREAM_DATA */
#define QUIC_STREAM_PEND_DATA_BLOCKED 0x08u /* STREAM_DATA_BLOCKED */

typedef struct quic_stream quic_stream;

struct quic_stream {
    uint64_t id;
    quic_stream *hash_next;

    /* Sending part. */
    quic_send_state send_state;
    quic_sendbuf sb;
    quic_flowctl_tx tx;   /* the peer's MAX_STREAM_DATA; used = offset sent */
    uint64_t reset_error; /* our RESET_STREAM error code */
    uint64_t reset_size;  /* its final size */

    /* Receiving part. */
    quic_recv_state recv_state;
    quic_rob rob;
    quic_flowctl_rx rx;  /* our MAX_STREAM_DATA, auto-tuned */
    uint64_t stop_error; /* our STOP_SENDING error code */
    uint64_t peer_reset_error;

    uint8_t pending;      /* QUIC_STREAM_PEND_* */
    bool readable_queued; /* a readable mark is in the event queue */
    bool stop_received;   /* the peer's STOP_SENDING was processed */
    bool in_send_queue, in_ctrl_queue;
    bool freed_when_idle; /* both parts terminal: free when unreferenced */
    quic_stream *send_next, *ctrl_next;
};

/* Per-type index: 0 bidirectional, 1 unidirectional. */
#define QUIC_STREAM_IS_UNI(id) (((id)&2u) != 0)
#define QUIC_STREAM_TYPE(id) ((int)(((id) >> 1) & 1u))

typedef struct quic_stream_queue {
    quic_stream *head, *tail;
} quic_stream_queue;

/* The limits a stream table starts with: ours from the config, the peer's
 * from its transport parameters (set later with quic_streams_set_peer). */
typedef struct quic_streams_limits {
    uint64_t max_streams[2];    /* we allow the peer: bidi, uni */
    uint64_t stream_window;     /* our initial per-stream receive window */
    uint64_t stream_window_max; /* auto-tuning bound */
} quic_streams_limits;

typedef struct quic_streams {
    const quic_allocator *alloc;
    bool is_client;
    quic_stream **buckets;
    size_t nbuckets, count;
    quic_streams_limits limits;

    /* Our streams, per type: how many IDs were opened, the peer's limit, the
     * limit named by our last STREAMS_BLOCKED. */
    uint64_t local_opened[2], local_max[2], local_blocked_at[2];
    bool local_blocked_pending[2];
    /* The peer's streams: IDs opened (implicitly too), the limit we
     * advertised, streams closed since (each allows one more). A stream
     * opened implicitly (RFC 9000 §3.2) gets memory only when a frame names
     * it; |closed| tells a freed one (whose frames are ignored) from one
     * that was never used. */
    uint64_t remote_opened[2], remote_max[2], remote_closed[2];
    quic_ranges closed[2]; /* stream indices (ID >> 2) */
    bool max_streams_pending[2];

    /* The peer's initial_max_stream_data_* transport parameters, named
     * from the peer's side (RFC 9000 §18.2): bidi_local applies to streams
     * the peer opens, bidi_remote and uni to streams we open. */
    uint64_t peer_bidi_local, peer_bidi_remote, peer_uni;

    quic_stream_queue send_queue; /* streams with STREAM data or FIN */
    quic_stream_queue ctrl_queue; /* streams with pending control frames */
} quic_streams;

/* Starts an empty table. Errors: QUIC_ERR_NOMEM. */
int quic_streams_init(quic_streams *ss, const quic_allocator *alloc,
                      bool is_client, const quic_streams_limits *limits);
/* Frees every stream (releasing by-reference send data). */
void quic_streams_cleanup(quic_streams *ss);

/* Applies the peer's transport parameters: its limits on our streams and
 * its initial stream windows (also to streams already open). */
void quic_streams_set_peer(quic_streams *ss, uint64_t max_bidi,
                           uint64_t max_uni, uint64_t bidi_local,
                           uint64_t bidi_remote, uint64_t uni);

/* True if |id| is initiated by us. */
bool quic_streams_is_local(const quic_streams *ss, uint64_t id);

/* The stream with |id|, or NULL. */
quic_stream *quic_streams_find(const quic_streams *ss, uint64_t id);

/* The lowest stream ID of the type we have not opened; sets |*allowed| to
 * whether the peer's MAX_STREAMS lets us open it. */
uint64_t quic_streams_next_local(const quic_streams *ss, bool uni,
                                 bool *allowed);

/* Our stream |id| for sending, created when new. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (a peer's unidirectional stream, or an ID
 * beyond the peer's limit: then a STREAMS_BLOCKED is queued),
 * QUIC_ERR_INVALID_STATE (our stream already closed), QUIC_ERR_NOMEM. */
int quic_streams_get_for_send(quic_streams *ss, uint64_t id, quic_stream **out);

/* The stream a frame received from the peer names, created when it is the
 * peer's and new (the lower IDs it opens implicitly, RFC 9000 §3.2, are
 * created when a frame names them). |*out| is NULL for a stream already
 * closed (the frame is ignored). |need_send| /
 * |need_recv|: the frame concerns that part (RFC 9000 §19: e.g. STREAM
 * needs a receiving part). Errors: QUIC_ERR_STREAM_LIMIT (beyond our
 * MAX_STREAMS), QUIC_ERR_STREAM_STATE (our stream not yet opened, or a part
 * the stream lacks), QUIC_ERR_NOMEM. */
int quic_streams_get_for_frame(quic_streams *ss, uint64_t id, bool need_send,
                               bool need_recv, quic_stream **out);

/* Frees |st| if both parts are terminal and it is not in a queue: its
 * memory, its table slot, and for a peer's stream one more MAX_STREAMS
 * credit. Returns true when freed. */
bool quic_streams_release_if_done(quic_streams *ss, quic_stream *st);

/* Queue helpers (idempotent pushes). */
void quic_streams_want_send(quic_streams *ss, quic_stream *st);
void quic_streams_want_ctrl(quic_streams *ss, quic_stream *st,
                            uint8_t pending_bit);
/* Pops the head of the send / control queue (NULL when empty); the caller
 * pushes it back if it still has work, else tries
 * quic_streams_release_if_done. */
quic_stream *quic_streams_pop_send(quic_streams *ss);
quic_stream *quic_streams_pop_ctrl(quic_streams *ss);

/* Puts every stream that has data it may send back in the send queue
 * (after connection credit arrived). */
void quic_streams_requeue_sendable(quic_streams *ss);

/* Raises MAX_STREAMS credit for the peer's streams of |type| if half the
 * window was used; true when a MAX_STREAMS frame should be sent. */
bool quic_streams_update_max(quic_streams *ss, int type);

/* ---- Per-stream transitions -----------------------------------------------
 */

/* Data received at |offset| (STREAM frame). |*new_bytes| gets how far the
 * highest received offset grew (for connection flow control). Errors:
 * QUIC_ERR_FLOW_CONTROL (beyond our limit), QUIC_ERR_FINAL_SIZE,
 * QUIC_ERR_NOMEM. */
int quic_stream_on_data(quic_stream *st, uint64_t offset, const uint8_t *data,
                        size_t len, bool fin, uint64_t *new_bytes);

/* RESET_STREAM received. Returns 1 when the stream is newly reset (a
 * StreamReset event is due), 0 for a repeat or a stream whose data was all
 * read. |*new_bytes| as above. Errors: QUIC_ERR_FINAL_SIZE,
 * QUIC_ERR_FLOW_CONTROL. */
int quic_stream_on_reset(quic_stream *st, uint64_t error_code,
                         uint64_t final_size, uint64_t *new_bytes);

/* The readable prefix: |*data|/|*fin|; returns its length. */
size_t quic_stream_peek(const quic_stream *st, const uint8_t **data, bool *fin);

/* The application consumed |n| bytes (and saw the FIN when |fin|). When
 * half the window is used, raises our limit (flowctl auto-tuning against
 * |rtt| at |now|) and sets QUIC_STREAM_PEND_MAX_DATA; returns 1 then, else
 * 0. Errors: QUIC_ERR_INVALID_ARGUMENT (more than is readable). */
int quic_stream_consume(quic_stream *st, uint64_t n, bool fin, quic_time now,
                        quic_time rtt);

/* Ends our sending part with RESET_STREAM |error_code| (queued). Returns 1
 * if it was reset now, 0 if it already was or all data was acknowledged. */
int quic_stream_reset(quic_stream *st, uint64_t error_code);

/* Sending-part bookkeeping for a STREAM frame [offset, offset+len) (+FIN)
 * put in a packet, acknowledged, or lost; ignored once the part was reset.
 * Errors: QUIC_ERR_NOMEM, QUIC_ERR_INVALID_ARGUMENT (from the send buffer). */
int quic_stream_on_sent(quic_stream *st, uint64_t offset, size_t len, bool fin);
int quic_stream_on_acked(quic_stream *st, uint64_t offset, size_t len,
                         bool fin);
int quic_stream_on_lost(quic_stream *st, uint64_t offset, size_t len, bool fin);

/* STOP_SENDING received: resets the sending part with |error_code| as RFC
 * 9000 §3.5 asks. Returns 1 when a StopSendingReceived event is due (the
 * first time), 0 otherwise. */
int quic_stream_on_stop_sending(quic_stream *st, uint64_t error_code);

/* True when both parts are in a terminal state. */
bool quic_stream_is_done(const quic_stream *st);

/* True when the sending part has STREAM data or a FIN it may send under
 * its own limit (connection credit aside). */
bool quic_stream_has_send_data(const quic_stream *st);

#endif
