/* h3/conn_internal.h — the HTTP/3 connection object shared by conn.c
 * (lifecycle, event input, errors), conn_recv.c (request and push streams),
 * conn_control.c (control, QPACK and other unidirectional streams),
 * conn_send.c (the send API) and push.c (server push). Internal. */
#ifndef H3CLI_H3_CONN_INTERNAL_H
#define H3CLI_H3_CONN_INTERNAL_H

#include "h3/h3.h"

#include "core/quic.h"
#include "h3/events.h"
#include "h3/frame.h"
#include "h3/message.h"
#include "h3/stream.h"
#include "qpack/qpack.h"

/* Internal only (the connection range of h3.h): a 0-RTT client saw the
 * server change a non-zero remembered QPACK_MAX_TABLE_CAPACITY; closes with
 * QPACK_DECODER_STREAM_ERROR (RFC 9204 §3.2.3). */
#define H3_ERR_ZERO_RTT_TABLE_CAPACITY (-350)

/* "None" for the uint64_t IDs below. */
#define H3_ID_NONE UINT64_MAX

/* A client's 0-RTT as the HTTP/3 layer sees it (RFC 9114 §7.2.4.2). */
typedef enum h3_zero_rtt {
    H3_ZERO_RTT_NONE = 0, /* no remembered settings: nothing to check */
    H3_ZERO_RTT_PENDING,  /* remembered settings, handshake not done */
    H3_ZERO_RTT_ACCEPTED, /* the server's SETTINGS must be compatible */
    H3_ZERO_RTT_REJECTED, /* the defaults applied until SETTINGS */
} h3_zero_rtt;

/* One server push, as the client or the server knows it. */
typedef struct h3_push {
    uint64_t push_id;
    bool promised;   /* PUSH_PROMISE sent (server) or received (client) */
    bool cancelled;  /* CANCEL_PUSH sent or received */
    bool has_stream; /* push stream opened (server) or received (client) */
    uint64_t stream_id;
    bool head; /* the promised request is a HEAD */
    /* Client: the promised request, serialised, to compare repeated
     * promises (RFC 9114 §7.2.5). */
    uint8_t *promise;
    size_t promise_len;
} h3_push;

struct h3_conn {
    quic_conn *quic;
    quic_allocator alloc;
    h3_config cfg;     /* copy; cfg.allocator is not used after new */
    h3_settings local; /* the SETTINGS we send */
    h3_settings peer;  /* the RFC defaults until the peer's arrive */
    bool peer_settings_received;
    bool peer_qpack_applied; /* peer SETTINGS given to the encoder */
    /* Client with h3_config.remembered_settings (RFC 9114 §7.2.4.2): what
     * the server gave last time, and what became of 0-RTT. */
    h3_settings remembered;
    h3_zero_rtt zero_rtt;
    /* The largest field section we decode (and HEADERS frame we accept):
     * max_field_section_size, or a server's max_oversized_request_section
     * when that is larger (RFC 9114 §4.2.2, status 431). */
    uint64_t section_decode_limit;
    qpack_encoder *enc;
    qpack_decoder *dec;

    /* Our unidirectional streams, -1 until opened. */
    int64_t control_id, encoder_id, decoder_id;
    bool grease_stream_done;

    /* The peer's critical streams, H3_ID_NONE until seen. */
    uint64_t peer_control_id, peer_encoder_id, peer_decoder_id;

    h3_idmap streams; /* stream ID → h3_stream */
    h3_idmap pushes;  /* push ID → h3_push */

    /* Client: the MAX_PUSH_ID sent (or to send once the control stream
     * opens). Server: the client's. Unset means no push is allowed. */
    bool max_push_id_set;
    bool max_push_id_sent;
    uint64_t max_push_id;
    uint64_t next_push_id;      /* server: the next push ID to promise */
    uint64_t next_peer_push_id; /* client: one above the highest seen */

    uint64_t goaway_sent;     /* H3_ID_NONE until we send GOAWAY */
    uint64_t goaway_received; /* H3_ID_NONE until the peer's arrives */
    /* Server: one above the highest request stream ID received (in steps of
     * 4). Client: the next request stream ID not yet used. */
    uint64_t next_request_id;

    size_t blocked_bytes; /* input held back over all blocked streams */

    h3_evq events;

    /* Scratch space for encoding, reused. */
    uint8_t *scratch;
    size_t scratch_cap;
    uint8_t *scratch2;
    size_t scratch2_cap;
    qpack_field *fields;
    size_t fields_cap;

    bool closed;
};

/* ---- conn.c -------------------------------------------------------------- */

/* Turns an internal error into the connection's end at the input boundary:
 * a protocol error (H3 or QPACK) closes the QUIC connection with its wire
 * code, anything else with H3_INTERNAL_ERROR. Returns H3_ERR_NOMEM for an
 * allocation failure, else 0. */
int h3_conn_fail(h3_conn *h3, int err);

/* RFC 9114 §7.2.4.2: the peer's SETTINGS against the settings a 0-RTT
 * client remembered, once both are known and 0-RTT was accepted. Returns
 * 0, H3_ERR_SETTINGS or H3_ERR_ZERO_RTT_TABLE_CAPACITY. */
int h3_conn_check_zero_rtt_settings(h3_conn *h3);

/* Maps a QUIC_ERR_* from a quic_conn call to an H3_ERR_* code. */
int h3_from_quic_err(int err);

/* Queues bytes on a stream through the QUIC connection. Errors: mapped
 * QUIC errors (H3_ERR_NOMEM, H3_ERR_INVALID_STATE, ...). */
int h3_quic_send(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                 size_t len, bool fin);

/* Opens our control, QPACK and reserved streams as far as the peer's
 * stream limit allows; a no-op once done. Errors: H3_ERR_NOMEM and mapped
 * QUIC errors. */
int h3_conn_open_local_streams(h3_conn *h3);

/* Gives the peer's QPACK settings to our encoder, once both the SETTINGS
 * and our encoder stream exist (so the instructions it then produces always
 * have a stream to go on). Errors: H3_ERR_SETTINGS, H3_ERR_NOMEM. */
int h3_conn_apply_peer_qpack(h3_conn *h3);

/* Sends the QPACK decoder's pending instructions on our decoder stream
 * (kept until that stream is open). Errors as h3_quic_send. */
int h3_conn_flush_decoder(h3_conn *h3);

/* Grows a scratch buffer to at least |size| bytes. Errors: H3_ERR_NOMEM. */
int h3_reserve(h3_conn *h3, uint8_t **buf, size_t *cap, size_t size);

/* The stream for |id|, or NULL. */
h3_stream *h3_conn_stream(const h3_conn *h3, uint64_t id);

/* Creates and registers a stream. Returns NULL when out of memory. */
h3_stream *h3_conn_add_stream(h3_conn *h3, uint64_t id, h3_stream_kind kind);

/* Frees |st| once neither direction has anything left to do. Returns true
 * if it was freed (the pointer is then dead). */
bool h3_conn_release_stream(h3_conn *h3, h3_stream *st);

/* Stops processing the receive side of |st| and drops what it holds:
 * pending input and any blocked QPACK section (Stream Cancellation). */
int h3_conn_abandon_recv(h3_conn *h3, h3_stream *st);

/* A stream error (RFC 9114 §8): STOP_SENDING and RESET_STREAM (for the
 * directions still open) with |wire|, the receive side abandoned, and a
 * local StreamReset event if the application knows the stream. Errors:
 * H3_ERR_NOMEM. */
int h3_conn_stream_error(h3_conn *h3, h3_stream *st, uint64_t wire);

/* ---- conn_recv.c (request and push streams) ------------------------------ */

/* Input on a request or push stream: frames, messages, events. Stream
 * errors are handled inside; returns 0 or a connection error. */
int h3_recv_message_input(h3_conn *h3, h3_stream *st, const uint8_t *data,
                          size_t len, bool fin);

/* Decodes the sections QPACK unblocked after encoder-stream input and
 * resumes their streams. Returns 0 or a connection error. */
int h3_recv_resume_unblocked(h3_conn *h3);

/* The peer reset a request or push stream. Errors: H3_ERR_NOMEM. */
int h3_recv_message_reset(h3_conn *h3, h3_stream *st, uint64_t code);

/* Starts the receive trackers of a new request stream. */
void h3_recv_init_request(h3_conn *h3, h3_stream *st);

/* ---- conn_control.c (the QUIC input dispatch) ---------------------------- */

int h3_recv_stream_data(h3_conn *h3, uint64_t id, const uint8_t *data,
                        size_t len, bool fin);
int h3_recv_stream_reset(h3_conn *h3, uint64_t id, uint64_t code);
int h3_recv_stop_sending(h3_conn *h3, uint64_t id, uint64_t code);
int h3_recv_datagram(h3_conn *h3, const uint8_t *data, size_t len);

/* ---- conn_send.c --------------------------------------------------------- */

/* Encodes |headers| as a field section for |stream_id| into h3->scratch,
 * leaving |headroom| bytes free before it for the frame header, and sends
 * the encoder-stream instructions it needs first. Sets |*block| and
 * |*block_len|. Errors: H3_ERR_INVALID_ARGUMENT (larger than the peer's
 * SETTINGS_MAX_FIELD_SECTION_SIZE), H3_ERR_NOMEM, mapped QUIC errors. */
int h3_send_encode(h3_conn *h3, uint64_t stream_id, const h3_header *headers,
                   size_t n, size_t headroom, uint8_t **block,
                   size_t *block_len);

/* Sends a frame on our control stream. Errors: H3_ERR_INVALID_STATE (not
 * open yet), mapped QUIC errors. */
int h3_send_control(h3_conn *h3, const uint8_t *frame, size_t len);

/* The checks every send call starts with. Errors: H3_ERR_INVALID_ARGUMENT
 * (NULL), H3_ERR_INVALID_STATE (closed), and what opening our streams
 * returns. */
int h3_send_begin(h3_conn *h3);

/* Ends a send call: an allocation failure closes the connection. */
int h3_send_end(h3_conn *h3, int rc);

/* ---- push.c -------------------------------------------------------------- */

/* The push entry for |push_id|, created if |create|; NULL if absent (or
 * out of memory when creating: check |*err|). */
h3_push *h3_push_get(h3_conn *h3, uint64_t push_id, bool create, int *err);
void h3_push_free_all(h3_conn *h3);

/* Client: a push stream header arrived on |st|. Returns 0 or a connection
 * error (H3_ERR_ID). */
int h3_push_on_stream(h3_conn *h3, h3_stream *st);

/* Client: a decoded PUSH_PROMISE for |push_id| on request stream |st|;
 * |rec| holds its fields and is queued or taken back. Returns 0 or a
 * connection error. */
int h3_push_on_promise(h3_conn *h3, h3_stream *st, uint64_t push_id,
                       h3_evrec *rec);

/* CANCEL_PUSH received. Returns 0 or a connection error. */
int h3_push_on_cancel(h3_conn *h3, uint64_t push_id);

/* Client: a PUSH_PROMISE frame names |push_id|: is it allowed? Returns 0
 * or H3_ERR_ID. */
int h3_push_check_id(const h3_conn *h3, uint64_t push_id);

#endif
