/*
 * h3/h3.h — the public API of h3cli's HTTP/3 layer (RFC 9114), a sans-I/O
 * layer over a core QUIC connection that uses qpack/ for field compression.
 * It performs no I/O of its own.
 *
 * Conventions (see STYLE.md): functions that can fail return a negative
 * H3_ERR_* code (-300…-399) and 0 on success, or a documented non-negative
 * count; wire error codes (the values carried in CONNECTION_CLOSE,
 * RESET_STREAM and STOP_SENDING) are uint64_t macros named as RFC 9114 §8.1
 * names them.
 *
 * This file is in sections: the base types (errors, wire codes, header
 * fields, SETTINGS values) come first; the connection API (h3_conn_*,
 * events, configuration) follows in its own section at the end.
 */
#ifndef H3CLI_H3_H3_H
#define H3CLI_H3_H3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Base types ========================================================= */

/* ---- Library error codes (returned by calls) ----------------------------- */

/* Caller-side and resource errors. */
#define H3_ERR_NOMEM (-300)            /* allocation failed (fatal) */
#define H3_ERR_INVALID_ARGUMENT (-301) /* caller misuse: bad parameter */
#define H3_ERR_INVALID_STATE (-302)    /* caller misuse: wrong state */
#define H3_ERR_NOBUF (-303)            /* output buffer too small */
/* The peer's MAX_PUSH_ID allows no further push (the seed's
 * NoAvailablePushIDError). */
#define H3_ERR_NO_AVAILABLE_PUSH_ID (-304)
/* The peer's GOAWAY excludes the request this call would start. */
#define H3_ERR_GOAWAY (-305)
/* The peer's MAX_STREAMS allows no new stream of that kind yet: retry once
 * it grants more. */
#define H3_ERR_STREAM_LIMIT (-306)
/* -307 … -319: reserved for caller-side errors of the connection API */

/* Protocol errors: the peer (or this layer, for H3_ERR_INTERNAL) broke a rule
 * of RFC 9114. Each maps to exactly one wire code, see h3_err_to_wire(); the
 * connection turns them into a stream or connection error at one place. */
#define H3_ERR_GENERAL_PROTOCOL (-320)       /* H3_GENERAL_PROTOCOL_ERROR */
#define H3_ERR_INTERNAL (-321)               /* H3_INTERNAL_ERROR */
#define H3_ERR_STREAM_CREATION (-322)        /* H3_STREAM_CREATION_ERROR */
#define H3_ERR_CLOSED_CRITICAL_STREAM (-323) /* H3_CLOSED_CRITICAL_STREAM */
#define H3_ERR_FRAME_UNEXPECTED (-324)       /* H3_FRAME_UNEXPECTED */
#define H3_ERR_FRAME (-325)                  /* H3_FRAME_ERROR */
#define H3_ERR_EXCESSIVE_LOAD (-326)         /* H3_EXCESSIVE_LOAD */
#define H3_ERR_ID (-327)                     /* H3_ID_ERROR */
#define H3_ERR_SETTINGS (-328)               /* H3_SETTINGS_ERROR */
#define H3_ERR_MISSING_SETTINGS (-329)       /* H3_MISSING_SETTINGS */
#define H3_ERR_REQUEST_REJECTED (-330)       /* H3_REQUEST_REJECTED */
#define H3_ERR_REQUEST_CANCELLED (-331)      /* H3_REQUEST_CANCELLED */
#define H3_ERR_REQUEST_INCOMPLETE (-332)     /* H3_REQUEST_INCOMPLETE */
#define H3_ERR_MESSAGE (-333)                /* H3_MESSAGE_ERROR */
#define H3_ERR_CONNECT (-334)                /* H3_CONNECT_ERROR */
#define H3_ERR_VERSION_FALLBACK (-335)       /* H3_VERSION_FALLBACK */
#define H3_ERR_DATAGRAM (-336)               /* H3_DATAGRAM_ERROR (RFC 9297) */
/* A HEADERS or PUSH_PROMISE frame larger than this endpoint accepts
 * (RFC 9114 §4.2.2). Maps to H3_EXCESSIVE_LOAD; the connection resets only
 * that stream. (A request section over SETTINGS_MAX_FIELD_SECTION_SIZE but
 * within h3_config.max_oversized_request_section is no error: it arrives
 * with HeadersReceived.too_large, for a 431 answer.) */
#define H3_ERR_FIELD_SECTION_TOO_LARGE (-337)
/* -338 … -349: reserved for further protocol errors */
/* -350 … -399: reserved for the connection */

/* True for errors after which the object must not be used further. */
bool h3_err_is_fatal(int err);
/* True for the protocol errors (-320 … -349), which carry a wire code. */
bool h3_err_is_protocol(int err);
/* The wire code a protocol error is signalled with (H3_FRAME_ERROR for
 * H3_ERR_FRAME, …); H3_INTERNAL_ERROR for any other code. */
uint64_t h3_err_to_wire(int err);
/* A static description of |err|; never NULL, "unknown error" if unknown. */
const char *h3_strerror(int err);

/* ---- Wire error codes (RFC 9114 §8.1, RFC 9297 §5.2) --------------------- */

#define H3_NO_ERROR 0x0100u
#define H3_GENERAL_PROTOCOL_ERROR 0x0101u
#define H3_INTERNAL_ERROR 0x0102u
#define H3_STREAM_CREATION_ERROR 0x0103u
#define H3_CLOSED_CRITICAL_STREAM 0x0104u
#define H3_FRAME_UNEXPECTED 0x0105u
#define H3_FRAME_ERROR 0x0106u
#define H3_EXCESSIVE_LOAD 0x0107u
#define H3_ID_ERROR 0x0108u
#define H3_SETTINGS_ERROR 0x0109u
#define H3_MISSING_SETTINGS 0x010au
#define H3_REQUEST_REJECTED 0x010bu
#define H3_REQUEST_CANCELLED 0x010cu
#define H3_REQUEST_INCOMPLETE 0x010du
#define H3_MESSAGE_ERROR 0x010eu
#define H3_CONNECT_ERROR 0x010fu
#define H3_VERSION_FALLBACK 0x0110u
#define H3_DATAGRAM_ERROR 0x33u

/* The RFC name of a wire error code ("H3_FRAME_ERROR", …); "reserved" for
 * the greasing codes 0x1f * N + 0x21, "unknown error code" otherwise. Never
 * NULL. */
const char *h3_wire_error_name(uint64_t code);

/* ---- Header fields ------------------------------------------------------- */

/* One field line as byte strings, not NUL-terminated (the seed's
 * (bytes, bytes) tuple). Names are lowercase on the wire (RFC 9114 §4.2);
 * pseudo-header names start with ':'. Whoever fills the array says how long
 * the bytes live. */
typedef struct h3_header {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} h3_header;

/* ---- SETTINGS values (RFC 9114 §7.2.4, RFC 9204 §5, RFC 9220, RFC 9297) ---
 */

/* MAX_FIELD_SECTION_SIZE's default: no limit. */
#define H3_SETTING_UNLIMITED UINT64_MAX

/* The settings one endpoint advertises. h3_settings_default() values are the
 * RFC defaults: a peer that sent nothing is assumed to have these. */
typedef struct h3_settings {
    uint64_t qpack_max_table_capacity; /* 0x01, default 0 */
    uint64_t max_field_section_size;   /* 0x06, default H3_SETTING_UNLIMITED */
    uint64_t qpack_blocked_streams;    /* 0x07, default 0 */
    bool enable_connect_protocol;      /* 0x08, default false (RFC 9220) */
    bool h3_datagram;                  /* 0x33, default false (RFC 9297) */
} h3_settings;

/* Fills |s| with the RFC default of every setting. */
void h3_settings_default(h3_settings *s);

/* Largest number of bytes h3_settings_export() writes. */
#define H3_SETTINGS_EXPORT_MAX 64

/* Serialises |s| for storage beside a QUIC session ticket, so that a later
 * 0-RTT connection can use the settings the server gave (RFC 9114
 * §7.2.4.2; see h3_config.remembered_settings): a format byte, then every
 * setting that differs from its default as identifier/value varint pairs,
 * as in a SETTINGS frame. Returns the bytes written (at most
 * H3_SETTINGS_EXPORT_MAX), or H3_ERR_INVALID_ARGUMENT (NULL, or a value
 * over 2^62-1), H3_ERR_NOBUF (|cap| too small). */
int h3_settings_export(const h3_settings *s, uint8_t *out, size_t cap);

/* Reads bytes of h3_settings_export() (kept by another run, maybe another
 * version of this library) into |out|. Identifiers it does not know are
 * skipped. Returns 0, or H3_ERR_INVALID_ARGUMENT (NULL, an unknown format
 * byte, truncated or repeated pairs, a boolean setting other than 0/1);
 * |out| then holds the defaults. */
int h3_settings_import(h3_settings *out, const uint8_t *in, size_t len);

/* RFC 9114 §7.2.4.2: may a server that accepted 0-RTT send |current| when
 * the client remembered |remembered|? "Remembered settings are compatible
 * if a client complying with those settings would not violate the server's
 * current settings": no limit lower (QPACK_MAX_TABLE_CAPACITY,
 * QPACK_BLOCKED_STREAMS, MAX_FIELD_SECTION_SIZE) and no feature withdrawn
 * (ENABLE_CONNECT_PROTOCOL, H3_DATAGRAM). A server uses it to decide
 * whether its settings allow 0-RTT; a client that resumed with 0-RTT checks
 * the server's SETTINGS with it (h3_conn does: H3_SETTINGS_ERROR when
 * false). RFC 9204 §3.2.3 adds one rule this does not check: a non-zero
 * remembered QPACK_MAX_TABLE_CAPACITY must come back unchanged, a larger
 * one being a QPACK_DECODER_STREAM_ERROR (h3_conn checks that too). */
bool h3_settings_compatible(const h3_settings *remembered,
                            const h3_settings *current);

/* The size RFC 9114 §4.2.2 gives a field section, the quantity that
 * SETTINGS_MAX_FIELD_SECTION_SIZE limits: the length of each name and value
 * plus 32 per field line (saturating at UINT64_MAX). */
uint64_t h3_field_section_size(const h3_header *headers, size_t n);

/* ==== Connection API (h3_conn_*) ========================================= */

/* The seed's H3Connection: an HTTP/3 endpoint (client or server) over one
 * QUIC connection. It owns the control stream, the QPACK encoder and decoder
 * streams, push streams and the protocol state; the application owns the
 * quic_conn, feeds each of its events to h3_conn_handle_event(), drains the
 * HTTP events with h3_conn_next_event(), and collects datagrams from the
 * quic_conn after any call here, as the seed says.
 *
 * A peer's protocol violation is never an error of a call: the connection
 * closes the QUIC connection with the RFC 9114 §8 (or RFC 9204 §6) wire code
 * itself — the application then sees QUIC's ConnectionTerminated event — or,
 * for a malformed message (§4.1.2), resets that one stream with
 * H3_MESSAGE_ERROR. h3 calls only these quic_conn functions:
 * send_stream_data(_ref), get_next_available_stream_id, reset_stream,
 * stop_stream, send_datagram_frame and close. No function here may be called
 * from a quic or qpack sink. */

struct quic_conn;  /* core/quic.h */
struct quic_event; /* core/quic.h */

typedef struct h3_conn h3_conn;

/* The allocator, same layout as quic_allocator and qpack_allocator; NULL
 * members mean libc. Copied by h3_conn_new(). */
typedef struct h3_allocator {
    void *user_data;
    void *(*malloc)(size_t size, void *user_data);
    void *(*calloc)(size_t nmemb, size_t size, void *user_data);
    void *(*realloc)(void *ptr, size_t size, void *user_data);
    void (*free)(void *ptr, void *user_data);
} h3_allocator;

/* "No push": the push_id of events that do not belong to a server push. */
#define H3_PUSH_ID_NONE UINT64_MAX

/* Filled by h3_config_init(), then adjusted field by field; h3_conn_new()
 * copies it. */
typedef struct h3_config {
    /* The side this endpoint plays; must match the quic_conn's. */
    bool is_client;
    /* The SETTINGS we send (RFC 9114 §7.2.4, RFC 9204 §5). Defaults:
     * table capacity 4096, 100 blocked streams, field sections up to 64 KiB
     * (at least 1024, at most 64 MiB; it also bounds the encoded HEADERS
     * frames we accept, or max_oversized_request_section does when that is
     * larger), extended CONNECT and HTTP datagrams off. */
    uint64_t qpack_max_table_capacity;
    uint64_t qpack_blocked_streams;
    uint64_t max_field_section_size;
    bool enable_connect_protocol; /* RFC 9220 */
    bool h3_datagram;             /* RFC 9297 */
    /* Server: a request header section larger than max_field_section_size
     * but at most this large (decoded size, RFC 9114 §4.2.2; the HEADERS
     * frame is bounded by it too) is still decoded and validated, and
     * arrives as HeadersReceived with |too_large| set, so the application
     * can answer 431 (Request Header Fields Too Large) instead of the stream
     * reset with H3_EXCESSIVE_LOAD that larger ones get. Default 256 KiB; 0,
     * or a value not above max_field_section_size, turns it off; at most
     * 64 MiB. Ignored by clients (responses over the limit are reset). */
    uint64_t max_oversized_request_section;
    /* Send header sections larger than the peer's
     * SETTINGS_MAX_FIELD_SECTION_SIZE anyway (RFC 9114 §4.2.2 says SHOULD
     * NOT: "the peer will likely refuse to process it"), so that the peer
     * answers (a server with 431, say) instead of the send call failing.
     * Default false: such sends fail with H3_ERR_INVALID_ARGUMENT. */
    bool send_oversized_sections;
    /* Client resuming with 0-RTT: the server's SETTINGS remembered from the
     * connection that gave the session ticket (h3_conn_peer_settings() there,
     * kept with h3_settings_export()), or NULL (the default: nothing
     * remembered, the RFC defaults apply). RFC 9114 §7.2.4.2: "A client MUST
     * comply with stored settings -- or default values if no values are
     * stored -- when attempting 0-RTT. Once a server has provided new
     * settings, clients MUST comply with those values." Until the server's
     * SETTINGS arrive, sends are checked against these (field section size,
     * H3_DATAGRAM); the QPACK encoder uses no dynamic table meanwhile (RFC
     * 9204 §3.2.3 allows a lower capacity; rejected 0-RTT data is sent
     * again in 1-RTT as it was, so it must be valid whatever the server
     * now allows). The HandshakeCompleted event must reach
     * h3_conn_handle_event: if 0-RTT was rejected the defaults apply again;
     * if it was accepted, SETTINGS that are not h3_settings_compatible()
     * with these, or that omit a MAX_FIELD_SECTION_SIZE remembered, close
     * the connection with H3_SETTINGS_ERROR. Set it only
     * when 0-RTT is attempted. Copied by h3_conn_new(). */
    const h3_settings *remembered_settings;
    /* Client: how many server pushes to allow at first. 0 (the default)
     * sends no MAX_PUSH_ID, so the server cannot push; N sends
     * MAX_PUSH_ID N-1. Raise it later with h3_conn_set_max_push_id().
     * Ignored by servers. */
    uint64_t max_pushes;
    /* Bytes of one request or push stream kept while its header section
     * waits for QPACK inserts (RFC 9204 §2.1.2), and over all such streams;
     * a stream beyond either limit is reset with H3_EXCESSIVE_LOAD. Default
     * 4 MiB and 16 MiB. */
    size_t max_blocked_stream_bytes;
    size_t max_blocked_total_bytes;
    /* Send a reserved SETTINGS identifier, a reserved frame on the control
     * stream and one reserved unidirectional stream (RFC 9114 §7.2.4.1,
     * §7.2.8, §6.2.3), so peers keep ignoring what they do not know.
     * Default true. */
    bool send_grease;
    const h3_allocator *allocator; /* NULL = libc */
} h3_config;

/* Fills |config| with the defaults above for a client or a server. */
void h3_config_init(h3_config *config, bool is_client);

/* Creates the HTTP/3 layer over |quic| (which must outlive it and be driven
 * by the caller) and queues on it, as soon as the peer's stream limits
 * allow, the control stream with SETTINGS (plus MAX_PUSH_ID for a client
 * with max_pushes > 0), the QPACK encoder and decoder streams, and a
 * reserved stream. Create it once the handshake has completed (or, for
 * 0-RTT, once the client may send); if the peer does not yet allow three
 * unidirectional streams, opening them is retried on every later call.
 * Errors: H3_ERR_INVALID_ARGUMENT (NULL, or a setting out of range),
 * H3_ERR_NOMEM. */
int h3_conn_new(h3_conn **out, struct quic_conn *quic, const h3_config *config);

/* Frees |h3| and everything it owns (not the quic_conn); NULL is accepted.
 * Pending h3 events and their pointers die with it. */
void h3_conn_free(h3_conn *h3);

/* ---- Events ---------------------------------------------------------------
 * Ownership: every pointer in an h3_event is borrowed. It stays valid until
 * the next h3_conn_next_event, h3_conn_handle_event or h3_conn_free on the
 * same connection, and — for data and datagram payloads, which point into
 * the QUIC event's bytes without a copy — only as long as the quic_event
 * passed to h3_conn_handle_event is valid (until the next
 * quic_conn_next_event, receive_datagram, handle_timer or free). So: pop a
 * quic_event, hand it to h3_conn_handle_event, drain h3_conn_next_event
 * until it returns false, then pop the next quic_event. Sending (including
 * from inside that loop) does not invalidate anything. */

typedef enum h3_event_type {
    H3_EVENT_NONE = 0,
    /* A header section on a request or push stream: the request (server),
     * an interim or final response (client), or trailers (both: the second
     * HeadersReceived of a message). Already validated (RFC 9114 §4.1.2). */
    H3_EVENT_HEADERS_RECEIVED,
    /* Content bytes (the payload of DATA frames, possibly a piece of one).
     * An event with |len| 0 and |stream_ended| set only says the stream
     * ended. */
    H3_EVENT_DATA_RECEIVED,
    /* Client: the server promised a push (PUSH_PROMISE on a request
     * stream). The response follows on a push stream, as HeadersReceived
     * and DataReceived events carrying this push_id. */
    H3_EVENT_PUSH_PROMISE_RECEIVED,
    /* An HTTP/3 datagram (RFC 9297) for request stream |stream_id|. */
    H3_EVENT_DATAGRAM_RECEIVED,
    /* The peer sent GOAWAY: a server's |id| is the first request stream ID
     * it will not process (a client may retry requests on streams >= |id|
     * elsewhere and must open no new ones here); a client's |id| is the
     * first push ID it will not accept. Repeated GOAWAYs only lower it. */
    H3_EVENT_GOAWAY_RECEIVED,
    /* A request or push stream was reset: by the peer (RESET_STREAM,
     * |local| false), or by this layer because the peer's message on it was
     * malformed or too large (|local| true, |error_code| the code sent, e.g.
     * H3_MESSAGE_ERROR). Only for streams the application has seen an event
     * on, or its own; nothing more arrives on the stream. */
    H3_EVENT_STREAM_RESET,
    /* The peer's SETTINGS arrived (the values are also available from
     * h3_conn_peer_settings()). */
    H3_EVENT_SETTINGS_RECEIVED,
    /* CANCEL_PUSH from the peer: a server will not fulfil |push_id|, or a
     * client does not want it (its push stream, if open, is reset with
     * H3_REQUEST_CANCELLED and further sends on it fail). */
    H3_EVENT_PUSH_CANCELLED,
} h3_event_type;

typedef struct h3_event {
    h3_event_type type;
    union {
        struct {
            const h3_header *headers;
            size_t count;
            uint64_t stream_id;
            bool stream_ended; /* nothing follows on the stream */
            uint64_t push_id;  /* H3_PUSH_ID_NONE unless a push stream */
            /* Server: this request's header section is larger than our
             * SETTINGS_MAX_FIELD_SECTION_SIZE (but within
             * h3_config.max_oversized_request_section). The rest of the
             * request is not read (STOP_SENDING with H3_NO_ERROR, RFC 9114
             * §4.1), so |stream_ended| is set; answer with status 431 (or
             * reset the stream). Always false for clients. */
            bool too_large;
        } headers_received;
        struct {
            const uint8_t *data;
            size_t len;
            uint64_t stream_id;
            bool stream_ended;
            uint64_t push_id; /* H3_PUSH_ID_NONE unless a push stream */
        } data_received;
        struct {
            const h3_header *headers; /* the promised request */
            size_t count;
            uint64_t push_id;
            uint64_t stream_id; /* the request stream that carried it */
        } push_promise_received;
        struct {
            const uint8_t *data;
            size_t len;
            uint64_t stream_id;
        } datagram_received;
        struct {
            uint64_t id;
        } goaway_received;
        struct {
            uint64_t stream_id;
            uint64_t error_code;
            uint64_t push_id; /* H3_PUSH_ID_NONE unless a push stream */
            bool local;
        } stream_reset;
        struct {
            const h3_settings *settings;
        } settings_received;
        struct {
            uint64_t push_id;
        } push_cancelled;
    } u;
} h3_event;

/* Feeds one event of the QUIC connection (every type may be passed; the
 * ones h3 has no use for are ignored). Stream data of the control, QPACK and
 * push streams is consumed here; HTTP events are queued for
 * h3_conn_next_event. The events of the previous call must have been
 * drained first. After the connection was closed (by either side) events are
 * ignored. Errors: H3_ERR_INVALID_ARGUMENT (NULL), H3_ERR_INVALID_STATE
 * (events of the previous call not drained; nothing is done),
 * H3_ERR_NOMEM (fatal: the connection is closed with H3_INTERNAL_ERROR). */
int h3_conn_handle_event(h3_conn *h3, const struct quic_event *ev);

/* Pops the next HTTP event into |out|; false when there is none. */
bool h3_conn_next_event(h3_conn *h3, h3_event *out);

/* ---- Sending ----------------------------------------------------------------
 * Send calls queue bytes on the QUIC connection (copied unless noted); the
 * caller then collects datagrams from it. Common errors:
 * H3_ERR_INVALID_ARGUMENT (NULL, a stream that is not a request or push
 * stream of the right side, a header section that is malformed for what is
 * being sent, or larger than the peer's SETTINGS_MAX_FIELD_SECTION_SIZE),
 * H3_ERR_INVALID_STATE (out of order for the message — DATA before HEADERS,
 * anything after end_stream, content beyond Content-Length — the stream was
 * reset or stopped, or the connection is closed), H3_ERR_NOMEM (fatal: the
 * connection is closed with H3_INTERNAL_ERROR). Nothing is sent on error. */

/* Client: the stream ID the next new request will use (the lowest client
 * bidirectional stream not yet opened; it opens with its HEADERS).
 * Errors: H3_ERR_INVALID_STATE (a server, or closed), H3_ERR_STREAM_LIMIT
 * (the server's MAX_STREAMS allows no more now: retry after it grants more),
 * H3_ERR_GOAWAY (the server's GOAWAY excludes that stream). */
int64_t h3_conn_get_next_request_stream_id(h3_conn *h3);

/* Sends a header section as one HEADERS frame on |stream_id|: a client's
 * request on a new request stream (the ID
 * h3_conn_get_next_request_stream_id() gives), then optionally trailers; a
 * server's interim (1xx) responses, final response, then optionally
 * trailers, on a request stream whose request it received or on a push
 * stream from h3_conn_send_push_promise(). |headers| (|n| fields, names in
 * lowercase) are validated as RFC 9114 §4 requires and are not kept.
 * |end_stream| ends the stream after them. Errors: the common ones (a
 * client's new stream other than the next one is INVALID_ARGUMENT, a used
 * one INVALID_STATE), H3_ERR_GOAWAY (client: a new request on a stream the
 * server's GOAWAY excludes), H3_ERR_STREAM_LIMIT (client: the server allows
 * no new stream now). */
int h3_conn_send_headers(h3_conn *h3, uint64_t stream_id,
                         const h3_header *headers, size_t n, bool end_stream);

/* Sends |len| bytes of content (one DATA frame; |len| 0 with |end_stream|
 * just ends the stream) after the header section. Errors: the common
 * ones. */
int h3_conn_send_data(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                      size_t len, bool end_stream);

/* Like h3_conn_send_data but without copying |data|: it must stay valid
 * until |release|(|release_arg|) is called, once the bytes are acknowledged,
 * the stream is reset or the QUIC connection is freed
 * (quic_conn_send_stream_data_ref). On an error return |release| is never
 * called and the caller keeps |data|. |release| may be NULL. */
int h3_conn_send_data_ref(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                          size_t len, bool end_stream,
                          void (*release)(void *release_arg),
                          void *release_arg);

/* Server: promises a push on request stream |stream_id| (before it ends):
 * sends PUSH_PROMISE with the next push ID and the promised request
 * |headers|, and opens the push stream. Returns that push stream's ID; the
 * pushed response is sent on it with h3_conn_send_headers/_data. The push
 * ID is h3_conn_push_id(h3, returned ID). Errors: the common ones,
 * H3_ERR_NO_AVAILABLE_PUSH_ID (the client's MAX_PUSH_ID is used up, or its
 * GOAWAY excludes the next push ID), H3_ERR_STREAM_LIMIT (no unidirectional
 * stream available now). */
int64_t h3_conn_send_push_promise(h3_conn *h3, uint64_t stream_id,
                                  const h3_header *headers, size_t n);

/* The push ID of push stream |stream_id| (sent or received), or
 * H3_PUSH_ID_NONE. */
uint64_t h3_conn_push_id(const h3_conn *h3, uint64_t stream_id);

/* Cancels push |push_id| with CANCEL_PUSH. A client refuses a promised or
 * still unannounced push (its push stream, if open, is stopped with
 * H3_REQUEST_CANCELLED); a server withdraws a promise (its push stream, if
 * open, is reset with H3_REQUEST_CANCELLED). Errors: H3_ERR_INVALID_ARGUMENT
 * (client: beyond the MAX_PUSH_ID sent; server: never promised),
 * H3_ERR_INVALID_STATE (already cancelled, or closed), H3_ERR_NOMEM. */
int h3_conn_cancel_push(h3_conn *h3, uint64_t push_id);

/* Client: allows pushes up to |max_push_id| with MAX_PUSH_ID (RFC 9114
 * §7.2.7). Errors: H3_ERR_INVALID_STATE (a server, or closed),
 * H3_ERR_INVALID_ARGUMENT (lower than a value already sent, or over
 * 2^62-1), H3_ERR_NOMEM. Sending the same value again is a no-op. */
int h3_conn_set_max_push_id(h3_conn *h3, uint64_t max_push_id);

/* Graceful shutdown (RFC 9114 §5.2): sends GOAWAY on the control stream.
 * A server announces |id|, a client request stream ID: requests on streams
 * >= |id| are rejected from now on (reset with H3_REQUEST_REJECTED when
 * they arrive) while those below continue. A client announces |id|, a push
 * ID: pushes >= |id| are refused. |id| H3_GOAWAY_AUTO means "what has been
 * seen so far": the lowest request stream ID (server) or push ID (client)
 * not yet received. Use 2^62-4 (server) / 2^62-1 (client) first to stop new
 * requests without rejecting those in flight, then H3_GOAWAY_AUTO. When
 * h3_conn_open_request_count() drops to 0 the application closes the QUIC
 * connection with H3_NO_ERROR. Errors: H3_ERR_INVALID_ARGUMENT (higher than
 * an id already sent, or a server |id| that is not a client bidirectional
 * stream ID), H3_ERR_INVALID_STATE (closed, or the control stream is not
 * open yet), H3_ERR_NOMEM. */
#define H3_GOAWAY_AUTO UINT64_MAX
int h3_conn_send_goaway(h3_conn *h3, uint64_t id);

/* Request and push streams still in progress: not yet ended, reset or
 * cancelled in both directions (for graceful shutdown). */
size_t h3_conn_open_request_count(const h3_conn *h3);

/* Sends an HTTP/3 datagram (RFC 9297 §2.1) for request stream |stream_id|:
 * a QUIC DATAGRAM frame holding the quarter stream ID and |data| (copied).
 * Errors: H3_ERR_INVALID_STATE (H3_DATAGRAM not enabled on both sides yet,
 * the stream's sending side closed, or QUIC refuses DATAGRAM frames),
 * H3_ERR_INVALID_ARGUMENT (not a request stream, or too large for the
 * peer's max_datagram_frame_size), H3_ERR_NOMEM. */
int h3_conn_send_datagram(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                          size_t len);

/* Cancels a request or push stream in both directions (RFC 9114 §4.1.1):
 * RESET_STREAM on the sending side and STOP_SENDING on the receiving side
 * (whichever are still open), with |error_code| (H3_REQUEST_CANCELLED
 * normally; a server that did not process the request may use
 * H3_REQUEST_REJECTED). Pending header blocks of the stream are dropped
 * and QPACK is told (Stream Cancellation). No further events come for it.
 * Errors: H3_ERR_INVALID_ARGUMENT (not a request or push stream, or
 * unknown), H3_ERR_INVALID_STATE (closed), H3_ERR_NOMEM. */
int h3_conn_reset_stream(h3_conn *h3, uint64_t stream_id, uint64_t error_code);

/* Stops receiving on a request or push stream with STOP_SENDING
 * |error_code|, keeping the sending side: a server that sent a complete
 * response before the whole request arrived uses H3_NO_ERROR (§4.1).
 * Errors as h3_conn_reset_stream. */
int h3_conn_stop_stream(h3_conn *h3, uint64_t stream_id, uint64_t error_code);

/* The peer's SETTINGS, or NULL before they arrived (the RFC defaults, or
 * a 0-RTT client's h3_config.remembered_settings, are assumed meanwhile).
 * Valid while |h3| lives. A client keeps them with its session ticket
 * (h3_settings_export) for the next 0-RTT connection. */
const h3_settings *h3_conn_peer_settings(const h3_conn *h3);

/* The SETTINGS this endpoint sends (from its h3_config), or NULL for a
 * NULL |h3|. Valid while |h3| lives. */
const h3_settings *h3_conn_local_settings(const h3_conn *h3);

/* True once the connection is closed: by this layer after a peer's
 * violation, or when a ConnectionTerminated event was handled. */
bool h3_conn_is_closed(const h3_conn *h3);

#ifdef __cplusplus
}
#endif
#endif /* H3CLI_H3_H3_H */
