/*
 * core/quic.h — the public API of h3cli's QUIC transport (RFC 9000, 9001,
 * 9002), a sans-I/O engine: the caller feeds datagrams and the time, and takes
 * back datagrams to send, a timer deadline and events. Nothing here opens a
 * socket, reads a clock or touches a file.
 *
 * Conventions (see STYLE.md): functions that can fail return a negative
 * QUIC_ERR_* code (-100…-199) and 0 on success, or a documented non-negative
 * count; wire error codes (the values carried in CONNECTION_CLOSE) are
 * uint64_t macros named as RFC 9000 §20 names them.
 */
#ifndef H3CLI_CORE_QUIC_H
#define H3CLI_CORE_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Time ---------------------------------------------------------------- */

/* Nanoseconds from the caller's monotonic clock. Must not decrease between
 * calls on one connection. */
typedef uint64_t quic_time;
#define QUIC_TIME_NONE UINT64_MAX /* "no deadline" */
#define QUIC_NS ((quic_time)1)
#define QUIC_US ((quic_time)1000)
#define QUIC_MS ((quic_time)1000000)
#define QUIC_S ((quic_time)1000000000)

/* ---- Memory -------------------------------------------------------------- */

/* Every object allocates only through this. A NULL allocator pointer, or NULL
 * members, mean libc. The layout is the same as qpack_allocator. */
typedef struct quic_allocator {
    void *user_data;
    void *(*malloc)(size_t size, void *user_data);
    void *(*calloc)(size_t nmemb, size_t size, void *user_data);
    void *(*realloc)(void *ptr, size_t size, void *user_data);
    void (*free)(void *ptr, void *user_data);
} quic_allocator;

/* A scatter/gather element. */
typedef struct quic_vec {
    uint8_t *base;
    size_t len;
} quic_vec;

/* ---- Versions ------------------------------------------------------------ */

#define QUIC_VERSION_NEGOTIATION 0x00000000u
#define QUIC_VERSION_1 0x00000001u
#define QUIC_VERSION_2 0x6b3343cfu /* RFC 9369 */

/* Connection IDs are at most 20 bytes in QUIC v1 and v2 (RFC 9000 §17.2). */
#define QUIC_MAX_CID_LEN 20
typedef struct quic_cid {
    uint8_t len;
    uint8_t data[QUIC_MAX_CID_LEN];
} quic_cid;

/* ---- Library error codes (returned by calls) ----------------------------- */

#define QUIC_ERR_NOMEM (-100)            /* allocation failed (fatal) */
#define QUIC_ERR_INVALID_ARGUMENT (-101) /* caller misuse: bad parameter */
#define QUIC_ERR_INVALID_STATE (-102)    /* caller misuse: wrong state */
#define QUIC_ERR_NOBUF (-103)            /* output buffer too small */
#define QUIC_ERR_TRUNCATED (-104)        /* input ends before the item does */
#define QUIC_ERR_MALFORMED (-105)        /* input is not a valid encoding */
#define QUIC_ERR_FRAME_ENCODING (-106)   /* frame cannot be decoded */
#define QUIC_ERR_TRANSPORT_PARAMETER (-107) /* invalid transport parameters */
#define QUIC_ERR_PROTOCOL_VIOLATION (-108)  /* e.g. frame not allowed here */
#define QUIC_ERR_UNKNOWN_VERSION (-109)     /* version this code cannot parse */
#define QUIC_ERR_VARINT_RANGE (-110)        /* value over 2^62-1 */
/* -111 … -129: reserved for wire primitives (varint, packet, frame, TPs) */
#define QUIC_ERR_FIXED_BIT (-111)      /* packet with the fixed bit cleared */
#define QUIC_ERR_CID_TOO_LONG (-112)   /* connection ID over 20 bytes (v1/v2) */
#define QUIC_ERR_PACKET_LENGTH (-113)  /* Length runs past the datagram */
#define QUIC_ERR_VN_LIST (-114)        /* VN packet version list empty/ragged */
#define QUIC_ERR_RETRY_NO_TOKEN (-115) /* Retry with no token (§17.2.5.2) */
#define QUIC_ERR_CRYPTO (-130)         /* a wolfCrypt primitive failed */
#define QUIC_ERR_DECRYPT (-131)        /* AEAD authentication failed */
#define QUIC_ERR_UNSUPPORTED_CIPHER (-132)
#define QUIC_ERR_SHORT_PACKET (-133) /* too short for header protection/tag */
/* -134 … -149: reserved for packet protection */
#define QUIC_ERR_TLS (-150)               /* the TLS handshake failed */
#define QUIC_ERR_TLS_CERTIFICATE (-151)   /* certificate or key unusable */
#define QUIC_ERR_TLS_CA (-152)            /* CA file/dir/store not loadable */
#define QUIC_ERR_TLS_CIPHER_SUITES (-153) /* no usable TLS 1.3 suite */
#define QUIC_ERR_TLS_SESSION (-154)       /* session ticket not decodable */
#define QUIC_ERR_TLS_PINNED_PUBKEY (-155) /* malformed sha256// pin list */
#define QUIC_ERR_TLS_CRYPTO_LEVEL (-156)  /* CRYPTO data at a stale level */
/* -157 … -169: reserved for the TLS glue */
/* -170 … -179: address validation and stateless reset (issue 5) */
#define QUIC_ERR_TOKEN_TYPE (-170)      /* not a token of the expected kind */
#define QUIC_ERR_TOKEN_KEY (-171)       /* minted with an unknown key id */
#define QUIC_ERR_TOKEN_INVALID (-172)   /* authentication failed: forged */
#define QUIC_ERR_TOKEN_EXPIRED (-173)   /* past its expiry time */
#define QUIC_ERR_TOKEN_ADDRESS (-174)   /* bound to another client address */
#define QUIC_ERR_RESET_TOO_SMALL (-175) /* too short to answer with a reset */
/* -176 … -179: reserved */
/* -180 … -199: the connection. The first ones name a peer's violation of
 * RFC 9000 that internal handlers report before it becomes a
 * CONNECTION_CLOSE with the wire code in the comment; no public call returns
 * them. */
#define QUIC_ERR_FLOW_CONTROL (-180)        /* FLOW_CONTROL_ERROR */
#define QUIC_ERR_STREAM_LIMIT (-181)        /* STREAM_LIMIT_ERROR */
#define QUIC_ERR_STREAM_STATE (-182)        /* STREAM_STATE_ERROR */
#define QUIC_ERR_FINAL_SIZE (-183)          /* FINAL_SIZE_ERROR */
#define QUIC_ERR_CONNECTION_ID_LIMIT (-184) /* CONNECTION_ID_LIMIT_ERROR */
#define QUIC_ERR_CRYPTO_BUFFER (-185)       /* CRYPTO_BUFFER_EXCEEDED */
#define QUIC_ERR_NOT_IMPLEMENTED (-186)     /* feature not in this version */
#define QUIC_ERR_VERSION_NEGOTIATION (-188) /* VERSION_NEGOTIATION_ERROR */

/* True for errors after which the object must not be used further. */
bool quic_err_is_fatal(int err);
/* A static description of |err|; never NULL, "unknown error" if unknown. */
const char *quic_strerror(int err);

/* "wolfSSL/5.7.2": the TLS library this engine was built with. */
const char *quic_tls_library_version(void);

/* ---- Addresses ----------------------------------------------------------- */

/* A peer or local UDP address, kept as opaque bytes: the caller stores a
 * struct sockaddr_in or sockaddr_in6 verbatim (|len| = its size). The engine
 * only compares addresses and hashes them into address-validation tokens. */
typedef struct quic_addr {
    uint32_t len;
    uint8_t data[28];
} quic_addr;

/* ---- TLS context shared by connections ----------------------------------- */

/* A TLS context (certificate, key, CA set, ALPN, tickets). A server creates
 * one and shares it with all its connections; a client gets one made from its
 * config when it sets none. Opaque; see quic_tls_context_new(). */
typedef struct quic_tls_context quic_tls_context;

/* An address-validation token key (quic_retry_key_new). Opaque. */
typedef struct quic_token_key quic_token_key;

/* ---- Configuration (aioquic's QuicConfiguration) ------------------------- */

typedef enum quic_cc_algorithm {
    QUIC_CC_CUBIC = 0, /* RFC 9438 with HyStart++ (RFC 9406): the default */
    QUIC_CC_RENO = 1,  /* NewReno, RFC 9002 §7 */
} quic_cc_algorithm;

#define QUIC_MAX_ALPN 8
#define QUIC_STATELESS_RESET_KEY_LEN 32
#define QUIC_ADDRESS_TOKEN_MAX 512
#define QUIC_MAX_VERSIONS 4

/* Filled by quic_config_init() with defaults, then adjusted field by field.
 * quic_conn_new() copies what it keeps: the strings and arrays need only live
 * until it returns, except |tls_context| and the sink user pointers. */
typedef struct quic_config {
    bool is_client;
    /* ALPN protocols in preference order, e.g. {"h3"}. */
    const char *alpn[QUIC_MAX_ALPN];
    size_t alpn_count;
    /* Client: the name sent in SNI and checked against the certificate
     * (a DNS name or an IP address literal). */
    const char *server_name;
    /* Certificate chain and private key, PEM, as files or as buffers (the
     * buffers win when set). Required for a server without |tls_context|. */
    const char *cert_file, *key_file;
    const uint8_t *cert_pem, *key_pem;
    size_t cert_pem_len, key_pem_len;
    /* Client verification: CA bundle file and/or directory; both NULL means
     * the system store. |verify_peer| false disables all checks (-k). */
    const char *ca_file, *ca_dir;
    bool verify_peer;
    /* "sha256//BASE64[;sha256//BASE64…]": accepted SPKI pins, or NULL. */
    const char *pinned_pubkey;
    /* Cipher suites in TLS syntax ("TLS13-CHACHA20-POLY1305-SHA256:…"), or
     * NULL for the default (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305).
     * A client lists them in preference order; a server takes the first of
     * the client's list that it offers too, so a client that puts ChaCha20
     * first gets it. quic_conn_get_stats reports the outcome. */
    const char *cipher_suites;
    /* A TLS context to share (servers); NULL to build one from the fields
     * above. The caller keeps it alive until the last connection is freed. */
    quic_tls_context *tls_context;

    /* Transport parameters we announce (RFC 9000 §18.2). */
    quic_time idle_timeout;   /* 0 = none; default 30 s */
    uint64_t max_data;        /* connection receive window */
    uint64_t max_stream_data; /* per-stream receive window */
    uint64_t max_streams_bidi, max_streams_uni;
    uint64_t max_datagram_frame_size; /* 0 = DATAGRAM frames not accepted */
    size_t max_udp_payload_size;      /* what we accept; default 1452 */
    uint64_t active_connection_id_limit;
    /* Upper bounds for receive-window auto-tuning (>= the windows above). */
    uint64_t max_data_window, max_stream_data_window;

    /* Versions (QUIC_VERSION_1, QUIC_VERSION_2), default {QUIC_VERSION_1}.
     * Both sides send them in the version_information transport parameter
     * (RFC 9368 §3) and check the peer's (a mismatch that betrays a
     * downgrade closes with VERSION_NEGOTIATION_ERROR, §4).
     * Client: its first Initial uses the first; the others are offered for
     * compatible version negotiation, and the client follows a server
     * that answers in one of them (RFC 9369 §4). A Version Negotiation
     * packet makes it start again with the first of its versions the
     * packet lists (a new ClientHello, without resumption; 0-RTT data is
     * sent again in 1-RTT), or end with VERSION_NEGOTIATION_ERROR when
     * none is; one listing the version it used is ignored (RFC 9368 §4).
     * Server: in preference order. It answers a client's Initial of any
     * listed version and switches to the first listed version the client
     * offers (v1 and v2 are compatible both ways), except when the client
     * resumes a session (with or without 0-RTT), which stays in the
     * client's version: tickets are bound to a version (RFC 9369 §5).
     * quic_conn_get_stats().version tells the outcome. */
    uint32_t versions[QUIC_MAX_VERSIONS];
    size_t version_count;

    quic_cc_algorithm cc;
    bool pacing; /* default true */
    /* Initiate a key update after this many packets sent with one key
     * phase; 0 = only on request. */
    uint64_t key_update_interval;

    /* Client resumption: a ticket from a previous session_ticket sink call
     * (session + remembered transport parameters), and whether to send 0-RTT
     * data with it. Bytes of another format make quic_conn_new fail with
     * QUIC_ERR_TLS_SESSION (retry without them).
     * 0-RTT (RFC 9001 §4.6): with |enable_early_data| and a ticket whose
     * server allowed early data, stream data queued after quic_conn_connect
     * goes in 0-RTT packets, within the limits the ticket remembered
     * (RFC 9000 §7.4.1: initial_max_data, the stream-data and stream-count
     * limits, active_connection_id_limit, max_datagram_frame_size).
     * HandshakeCompleted.early_data_accepted tells whether the server took
     * it; when it did not, the same bytes are sent again in 1-RTT, so the
     * application sees no difference but latency. A server accepts 0-RTT
     * when its TLS context was made with |enable_early_data|.
     * A ticket belongs to the QUIC version its connection ended up with
     * (RFC 9369 §5): one of another version than versions[0] is not used,
     * and the connection makes a full handshake. */
    const uint8_t *session_ticket;
    size_t session_ticket_len;
    bool enable_early_data;

    /* Address validation tokens (RFC 9000 §8.1.3). Server: a key (from
     * quic_retry_key_new; the caller keeps it alive until the last
     * connection using it is freed, and uses it from one thread at a time)
     * to mint a NEW_TOKEN token for the client's address once the handshake
     * is confirmed, and to accept such tokens in a client's first Initial
     * as address validation (no 3x amplification limit). NULL: neither.
     * Client: a token from an earlier new_token_sink call for this server,
     * repeated in this connection's Initials (copied by quic_conn_new). */
    quic_token_key *new_token_key;
    const uint8_t *address_token;
    size_t address_token_len; /* at most QUIC_ADDRESS_TOKEN_MAX */

    /* Stateless reset (RFC 9000 §10.3): the static key the reset tokens of
     * our connection IDs are derived from (HMAC-SHA256 of the CID, §10.3.2).
     * A server's processes share it, so that one that lost a connection's
     * state can still end it with quic_stateless_reset_build. Without
     * |has_stateless_reset_key|, each connection draws a random key. */
    uint8_t stateless_reset_key[QUIC_STATELESS_RESET_KEY_LEN];
    bool has_stateless_reset_key;

    /* Sinks, all optional, called synchronously from inside engine calls.
     * They must not call back into the connection. */
    void *sink_user;
    /* A new session ticket (client): store the bytes to resume later. They
     * are opaque: a format version, the server's transport parameters to
     * remember (RFC 9000 §7.4.1), and the serialized TLS session. */
    void (*session_ticket_sink)(void *user, const uint8_t *ticket, size_t len);
    /* A NEW_TOKEN token (client): store it with the server's name and pass
     * it as |address_token| to a later connection to that server. */
    void (*new_token_sink)(void *user, const uint8_t *token, size_t len);
    /* NSS key-log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <cr> <secret>"),
     * without a newline. */
    void (*keylog)(void *user, const char *line);
    /* qlog JSON-SEQ records (RS, JSON text, LF; draft-ietf-quic-qlog-
     * quic-events): a header record, then packet_sent/packet_received with
     * their frames, recovery_metrics_updated after ACKs, packet_lost,
     * key_updated, connection_state_updated, parameters_set and
     * connection_closed. The trace starts at the first call that passes a
     * time; quic_conn_free hands an empty record with |fin| = true. Each
     * record is at most 8 KB (a packet with more frames is logged with the
     * frames that fit). */
    void (*qlog)(void *user, const uint8_t *data, size_t len, bool fin);
    /* Debug log lines; |level| 0 = error … 3 = debug. */
    void (*log)(void *user, int level, const char *line);

    const quic_allocator *allocator; /* NULL = libc */
} quic_config;

/* Fills |config| with the defaults for a client or a server. */
void quic_config_init(quic_config *config, bool is_client);

/* ---- Events (aioquic's events) ------------------------------------------- */

typedef enum quic_event_type {
    QUIC_EVENT_NONE = 0,
    QUIC_EVENT_CONNECTION_TERMINATED,
    QUIC_EVENT_HANDSHAKE_COMPLETED,
    QUIC_EVENT_PING_ACKNOWLEDGED,
    QUIC_EVENT_STOP_SENDING_RECEIVED,
    QUIC_EVENT_STREAM_DATA_RECEIVED,
    QUIC_EVENT_STREAM_RESET,
    QUIC_EVENT_PROTOCOL_NEGOTIATED,
    QUIC_EVENT_CONNECTION_ID_ISSUED,
    QUIC_EVENT_CONNECTION_ID_RETIRED,
    QUIC_EVENT_DATAGRAM_FRAME_RECEIVED,
} quic_event_type;

#define QUIC_FRAME_TYPE_NONE UINT64_MAX

/* One event. Pointers inside stay valid until the next call of
 * quic_conn_next_event, quic_conn_receive_datagram, quic_conn_handle_timer
 * or quic_conn_free on the same connection (not until sends); ALPN strings
 * until quic_conn_free. Order: ProtocolNegotiated then HandshakeCompleted
 * (with ConnectionIdIssued for the spare IDs we hand out); stream data in
 * stream order; ConnectionTerminated once, last of what caused it. */
typedef struct quic_event {
    quic_event_type type;
    union {
        struct {
            uint64_t error_code;
            /* The frame type a transport close names (0: unknown);
             * QUIC_FRAME_TYPE_NONE for an application close and when no
             * CONNECTION_CLOSE was involved (idle timeout, stateless reset,
             * version negotiation). */
            uint64_t frame_type;
            /* NUL-terminated, may be ""; a peer's reason is cut at 255
             * bytes. */
            const char *reason_phrase;
            bool is_application; /* application close (0x1d) */
            bool by_peer;        /* closed by the peer, not by us */
            bool idle_timeout;   /* ended by the idle timeout */
            bool stateless_reset;
        } connection_terminated;
        struct {
            const char *alpn_protocol; /* NULL if none was negotiated */
            bool early_data_accepted;
            bool session_resumed;
        } handshake_completed;
        struct {
            uint64_t uid;
        } ping_acknowledged;
        struct {
            uint64_t error_code;
            uint64_t stream_id;
        } stop_sending_received;
        struct {
            /* The next in-order bytes, pointing into the stream's buffer
             * (no copy); |len| may be 0 with |end_stream| when the FIN
             * comes alone. The bytes count as read, and their flow-control
             * credit goes back to the peer, when the borrow ends. */
            const uint8_t *data;
            size_t len;
            bool end_stream;
            uint64_t stream_id;
        } stream_data_received;
        struct {
            uint64_t error_code;
            uint64_t stream_id;
        } stream_reset;
        struct {
            const char *alpn_protocol;
        } protocol_negotiated;
        struct {
            quic_cid connection_id;
        } connection_id_issued, connection_id_retired;
        struct {
            const uint8_t *data;
            size_t len;
        } datagram_frame_received;
    } u;
} quic_event;

/* ---- The connection (aioquic's QuicConnection) --------------------------- */

typedef struct quic_conn quic_conn;

/* A datagram written by quic_conn_datagrams_to_send: bytes [offset,
 * offset+len) of the caller's buffer, to send to |peer| with the ECN
 * codepoint |ecn| (0 = not-ECT, 2 = ECT(0)). */
typedef struct quic_datagram {
    size_t offset;
    size_t len;
    quic_addr peer;
    uint8_t ecn;
} quic_datagram;

/* Server-side facts about the client's first Initial, known to the
 * demultiplexer before a connection exists. */
typedef struct quic_server_params {
    quic_cid original_dcid; /* DCID of the client's first Initial */
    quic_cid retry_scid;    /* SCID of our Retry, len 0 if none was sent */
    bool address_validated; /* a valid Retry/NEW_TOKEN token was presented */
} quic_server_params;

/* Creates a connection. |server| is NULL for a client and required for a
 * server. Errors: QUIC_ERR_NOMEM, QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_TLS
 * (the certificate, key or CA files cannot be used). */
int quic_conn_new(quic_conn **out, const quic_config *config,
                  const quic_server_params *server);
/* Frees |conn| and everything it owns; NULL is accepted. */
void quic_conn_free(quic_conn *conn);

/* ---- Wire error codes (RFC 9000 §20.1) ----------------------------------- */

#define QUIC_NO_ERROR 0x00u
#define QUIC_INTERNAL_ERROR 0x01u
#define QUIC_CONNECTION_REFUSED 0x02u
#define QUIC_FLOW_CONTROL_ERROR 0x03u
#define QUIC_STREAM_LIMIT_ERROR 0x04u
#define QUIC_STREAM_STATE_ERROR 0x05u
#define QUIC_FINAL_SIZE_ERROR 0x06u
#define QUIC_FRAME_ENCODING_ERROR 0x07u
#define QUIC_TRANSPORT_PARAMETER_ERROR 0x08u
#define QUIC_CONNECTION_ID_LIMIT_ERROR 0x09u
#define QUIC_PROTOCOL_VIOLATION 0x0au
#define QUIC_INVALID_TOKEN 0x0bu
#define QUIC_APPLICATION_ERROR 0x0cu
#define QUIC_CRYPTO_BUFFER_EXCEEDED 0x0du
#define QUIC_KEY_UPDATE_ERROR 0x0eu
#define QUIC_AEAD_LIMIT_REACHED 0x0fu
#define QUIC_NO_VIABLE_PATH 0x10u
#define QUIC_CRYPTO_ERROR(alert) (0x0100u + (uint64_t)(alert))
#define QUIC_VERSION_NEGOTIATION_ERROR 0x11u /* RFC 9368 §10.2 */

/* A name for a wire error code ("FLOW_CONTROL_ERROR", "CRYPTO_ERROR", …);
 * never NULL. */
const char *quic_wire_error_name(uint64_t code);

/* ---- Driving a connection ------------------------------------------------ */

/* Client: starts the handshake towards |peer|; the first Initial is then
 * collected with quic_conn_datagrams_to_send. Errors: QUIC_ERR_INVALID_STATE
 * (a server, or called twice), QUIC_ERR_TLS, QUIC_ERR_NOMEM. */
int quic_conn_connect(quic_conn *conn, const quic_addr *peer, quic_time now);

/* Feeds one received UDP datagram (it may hold coalesced packets), which
 * came from |peer|. |data| is decrypted in place and is garbage afterwards.
 * |ecn| is the codepoint read from the IP header (0-3). Packets that cannot
 * be used are dropped as RFC 9000 says; a protocol violation closes the
 * connection (a ConnectionTerminated event follows), neither is an error of
 * the call. Ignored after the connection is closed.
 * Addresses and migration (RFC 9000 §8.2, §9): a server connection takes
 * its peer address from its first datagram. Once the handshake is
 * confirmed, a server follows its client: the highest-numbered packet
 * with a non-probing frame (§9.1) from another address moves it there —
 * every later datagram from quic_conn_datagrams_to_send names the new
 * address in quic_datagram.peer, so the caller must send to that field,
 * never to an address it remembers. Until the new address answers a
 * PATH_CHALLENGE, at most three times the bytes received from it are sent
 * there (§9.3.1); after three PTOs without an answer the connection goes
 * back to the last validated address (§9.3.2). Congestion and RTT state
 * are reset unless only the port changed (a NAT rebinding, §9.4), and a
 * spare connection ID of the peer's is used on the new path (§9.5).
 * Probing packets (only PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID,
 * PADDING) do not move the path; their PATH_CHALLENGE is answered to the
 * address it came from, within three times what that address sent. No
 * event is raised: quic_conn_get_stats counts path changes and
 * validations. A client never follows a change of its server's address
 * (no preferred address, §9.6). Errors: QUIC_ERR_NOMEM (fatal),
 * QUIC_ERR_INVALID_ARGUMENT (NULL |conn|, |peer| or |data|, or a |peer|
 * length over its array). */
int quic_conn_receive_datagram(quic_conn *conn, uint8_t *data, size_t len,
                               const quic_addr *peer, uint8_t ecn,
                               quic_time now);

/* Writes the datagrams the connection wants to send now into |buf|
 * (capacity |cap|), back to back, encrypting in place, and describes each in
 * |out| (capacity |max|). Datagrams of one call go to one peer and all but
 * the last have the same length, so the caller can send them with UDP GSO:
 * a batch therefore ends early after a shorter datagram — call again until
 * it returns 0. A datagram carrying PATH_CHALLENGE or PATH_RESPONSE comes
 * alone in its batch (padded to 1200 bytes, RFC 9000 §8.2.1) and may name
 * another |peer| than the others (an answer to a peer probing a new path):
 * always send each batch to its own quic_datagram.peer. Returns the number of
 * datagrams (0 when nothing is due: congestion, pacing — quic_conn_get_timer
 * then says when — or nothing to send). Datagrams are at most 1200 bytes until
 * the handshake is confirmed, then the smaller of the config's and the peer's
 * max_udp_payload_size (no path MTU discovery). Errors: QUIC_ERR_NOBUF (|cap|
 * below one max-size datagram: keep 1500 bytes or more),
 * QUIC_ERR_INVALID_ARGUMENT, and the fatal QUIC_ERR_NOMEM. */
int quic_conn_datagrams_to_send(quic_conn *conn, quic_time now, uint8_t *buf,
                                size_t cap, quic_datagram *out, size_t max);

/* The next instant quic_conn_handle_timer must be called, or
 * QUIC_TIME_NONE. Valid after any other call on the connection. */
quic_time quic_conn_get_timer(const quic_conn *conn);

/* Runs what is due at |now| (loss detection, PTO probes, ACK delay, idle
 * timeout, pacing). Errors: QUIC_ERR_NOMEM. */
int quic_conn_handle_timer(quic_conn *conn, quic_time now);

/* Pops the next event into |out|; false when there is none. */
bool quic_conn_next_event(quic_conn *conn, quic_event *out);

/* True once the connection has ended (after its ConnectionTerminated event
 * and the closing/draining period): the caller may free it. */
bool quic_conn_is_closed(const quic_conn *conn);

/* ---- Streams, pings, datagrams, close ------------------------------------ */

/* Queues |len| bytes (copied) on |stream_id|, opening the stream if it is
 * ours and new; |end_stream| sends FIN after them (|len| may be 0 for a lone
 * FIN). Streams can be opened once the peer's transport parameters arrived
 * (during the handshake, or from HandshakeCompleted on). Errors:
 * QUIC_ERR_INVALID_ARGUMENT (a peer's unidirectional stream, a peer's stream
 * it has not opened, or an ID beyond what the peer allows — check
 * quic_conn_get_next_available_stream_id; a STREAMS_BLOCKED frame tells the
 * peer), QUIC_ERR_INVALID_STATE (FIN already queued, stream reset or already
 * closed, connection not open), QUIC_ERR_NOMEM. */
int quic_conn_send_stream_data(quic_conn *conn, uint64_t stream_id,
                               const uint8_t *data, size_t len,
                               bool end_stream);

/* Like quic_conn_send_stream_data but without a copy: |data| must stay valid
 * until |release|(|release_arg|) is called, which happens once the bytes are
 * acknowledged, the stream is reset, or the connection is freed; it is called
 * from inside the connection call that acknowledges/resets/frees and must
 * not call back into the connection. Errors as quic_conn_send_stream_data,
 * and QUIC_ERR_INVALID_ARGUMENT for a NULL |release|; after an error
 * |release| is not called and the caller keeps |data|. */
int quic_conn_send_stream_data_ref(quic_conn *conn, uint64_t stream_id,
                                   const uint8_t *data, size_t len,
                                   bool end_stream,
                                   void (*release)(void *release_arg),
                                   void *release_arg);

/* Bytes queued on |stream_id| and not yet acknowledged (0 for an unknown
 * stream): a sender keeps this bounded instead of queuing a whole file. */
size_t quic_conn_stream_send_buffered(const quic_conn *conn,
                                      uint64_t stream_id);

/* The lowest stream ID of the given kind that we have not opened, or
 * QUIC_ERR_INVALID_STATE (as a negative value) when the peer's MAX_STREAMS
 * does not allow one more yet. */
int64_t quic_conn_get_next_available_stream_id(const quic_conn *conn,
                                               bool is_unidirectional);

/* Abruptly ends our sending side with RESET_STREAM; queued data is dropped
 * (references released). Errors: QUIC_ERR_INVALID_ARGUMENT (no sending
 * side: a peer's unidirectional stream; or an error code over 2^62-1),
 * QUIC_ERR_INVALID_STATE (unknown or closed stream, already reset, all data
 * acknowledged, connection not open). */
int quic_conn_reset_stream(quic_conn *conn, uint64_t stream_id,
                           uint64_t error_code);

/* Asks the peer to stop sending with STOP_SENDING (it answers with
 * RESET_STREAM, a StreamReset event follows). Errors:
 * QUIC_ERR_INVALID_ARGUMENT (no receiving side: our unidirectional stream;
 * or a code over 2^62-1), QUIC_ERR_INVALID_STATE (unknown or closed stream,
 * all data already received, connection not open). */
int quic_conn_stop_stream(quic_conn *conn, uint64_t stream_id,
                          uint64_t error_code);

/* Sends a PING in a 1-RTT packet; a PingAcknowledged(|uid|) event follows
 * when the packet carrying it is acknowledged (a lost PING is sent again).
 * Errors: QUIC_ERR_INVALID_STATE (connection not open),
 * QUIC_ERR_NOMEM. */
int quic_conn_send_ping(quic_conn *conn, uint64_t uid);

/* Sends a DATAGRAM frame (RFC 9221), unreliable: copied and queued (up to
 * 1 MB; older ones are dropped beyond), never retransmitted. Errors:
 * QUIC_ERR_INVALID_STATE (the peer's transport parameters are not known
 * yet or do not accept them), QUIC_ERR_INVALID_ARGUMENT (frame larger than
 * the peer's limit or than one packet), QUIC_ERR_NOMEM. Received ones
 * beyond 4 MB not yet taken by the application are dropped. */
int quic_conn_send_datagram_frame(quic_conn *conn, const uint8_t *data,
                                  size_t len);

/* Closes the connection: CONNECTION_CLOSE with |error_code|; |frame_type|
 * QUIC_FRAME_TYPE_NONE makes it an application close (0x1d), anything else a
 * transport close (0x1c) naming that frame type. |reason| may be NULL. A
 * ConnectionTerminated event follows; the connection stays in the closing
 * state (answering the peer with CONNECTION_CLOSE) for three PTOs, then
 * quic_conn_is_closed. Before the handshake is confirmed an application
 * close goes out as APPLICATION_ERROR in Initial/Handshake packets (RFC 9000
 * §10.2.3). No-op once closing; before quic_conn_connect it ends the
 * connection at once. */
void quic_conn_close(quic_conn *conn, uint64_t error_code, uint64_t frame_type,
                     const char *reason);

/* Initiates a key update (RFC 9001 §6): packets sent from now on use the
 * next key phase. The peer's updates are followed whether or not this is
 * called; quic_config.key_update_interval starts them periodically. Errors:
 * QUIC_ERR_INVALID_STATE (the handshake is not confirmed, or no packet of
 * the current phase was acknowledged yet, or the peer has not answered the
 * previous update — RFC 9001 §6.1; or the connection is not open),
 * QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_conn_request_key_update(quic_conn *conn);

/* Switches our destination to an unused connection ID of the peer's (from
 * its NEW_CONNECTION_ID frames) and retires the current one with
 * RETIRE_CONNECTION_ID. Errors: QUIC_ERR_INVALID_STATE (handshake not
 * confirmed, no unused ID, the peer uses zero-length IDs, or the connection
 * is not open). */
int quic_conn_change_connection_id(quic_conn *conn);

/* Client connection migration (RFC 9000 §9.2): the caller has moved the
 * connection to a new local address — typically it opened a new UDP
 * socket, and from now on sends this connection's datagrams from it and
 * reads the server's answers there (the engine never sees local
 * addresses; the server's address stays the same). The engine switches to
 * an unused connection ID of the server's (§9.5: never the same ID from
 * two local addresses) and retires the old one, resets the congestion
 * controller and RTT estimator (§9.4), and validates the new path: a
 * PATH_CHALLENGE in a probe datagram padded to 1200 bytes, followed at
 * once by the pending data (non-probing packets make the server follow,
 * §9.3). quic_conn_get_stats counts the validation as succeeded or, after
 * three PTOs without an answer (§8.2.4), failed; a failed validation does
 * not close the connection (the old address is gone: the connection
 * carries on, and the idle timeout ends it if the new path is dead).
 * Errors: QUIC_ERR_INVALID_ARGUMENT (NULL |conn|), QUIC_ERR_INVALID_STATE
 * (a server, the handshake not confirmed, the connection not open, the
 * server sent disable_active_migration, or no unused connection ID of the
 * server's is left — it issues them with NEW_CONNECTION_ID, up to our
 * quic_config.active_connection_id_limit). */
int quic_conn_migrate(quic_conn *conn, quic_time now);

/* Figures for -v output, ping and benchmarks. */
typedef struct quic_conn_stats {
    quic_time smoothed_rtt, rtt_variance, min_rtt, latest_rtt;
    uint64_t cwnd, bytes_in_flight;
    uint64_t bytes_sent, bytes_received;
    uint64_t packets_sent, packets_received, packets_lost;
    /* Of packets_lost, those acknowledged later (reordered, not lost: RFC
     * 9002 §6.1); each raised the reordering thresholds. */
    uint64_t packets_spuriously_lost;
    uint32_t version;      /* in use: the negotiated one (RFC 9368) */
    uint16_t cipher_suite; /* TLS id, e.g. 0x1301 */
    quic_cid local_cid, peer_cid;
    /* Connection migration (RFC 9000 §9; see quic_conn_migrate): how many
     * times the path in use changed (a server following its client to a
     * new address or back to the last validated one, a client's
     * quic_conn_migrate), how many path validations succeeded (a
     * PATH_RESPONSE echoed our PATH_CHALLENGE) and how many were
     * abandoned after three PTOs (§8.2.4). */
    uint64_t path_changes, paths_validated, path_validations_failed;
    /* The peer address datagrams go to now (a server's changes when it
     * follows its client; zero length before the first datagram). */
    quic_addr peer_addr;
} quic_conn_stats;

/* Fills |out| (zeros for a NULL |conn|). */
void quic_conn_get_stats(const quic_conn *conn, quic_conn_stats *out);

/* ==== Helpers for servers and tools (core/tls_public.c,
 * core/peek_public.c) =====================================================
 * What a program driving the engine needs before or beside connections:
 * one TLS context shared by a server's connections, a self-signed
 * certificate and its SPKI pin, and a header peek plus Version Negotiation
 * for a server's demultiplexer. They keep no state between calls. */

/* Creates a TLS context from the TLS fields of |config| (is_client, alpn,
 * cert/key files or buffers, ca_file/ca_dir or the system store,
 * verify_peer, pinned_pubkey, cipher_suites, enable_early_data, keylog +
 * sink_user, allocator), for quic_config.tls_context: a server makes one and
 * shares it with every connection, and frees it after the last one.
 * Errors: QUIC_ERR_INVALID_ARGUMENT (a server without certificate, a bad
 * ALPN list), QUIC_ERR_TLS_CERTIFICATE (certificate or key unusable or not
 * matching), QUIC_ERR_TLS_CA, QUIC_ERR_TLS_CIPHER_SUITES,
 * QUIC_ERR_TLS_PINNED_PUBKEY, QUIC_ERR_NOMEM, QUIC_ERR_TLS. */
int quic_tls_context_new(quic_tls_context **out, const quic_config *config);
/* Frees |ctx|; NULL is accepted. No connection using it may remain. */
void quic_tls_context_free(quic_tls_context *ctx);

/* A base64 SHA-256 SPKI pin plus its NUL (44 + 1 characters). */
#define QUIC_SPKI_PIN_SIZE 45

/* Writes the base64 SHA-256 of the SubjectPublicKeyInfo of |ctx|'s own leaf
 * certificate into |out| (capacity |cap|, NUL-terminated): the value of
 * curl's --pinnedpubkey "sha256//<pin>" and of Chromium's
 * --ignore-certificate-errors-spki-list. Errors: QUIC_ERR_NOBUF (|cap| <
 * QUIC_SPKI_PIN_SIZE), QUIC_ERR_INVALID_STATE (no certificate). */
int quic_tls_context_get_pin(const quic_tls_context *ctx, char *out,
                             size_t cap);

/* Generates an ECDSA P-256 key and a self-signed certificate valid for the
 * DNS names and IP literals |names| (1…16; the first is also the CN), from
 * |not_before| (Unix seconds, the caller's clock) for |days| days, as
 * NUL-terminated PEM strings ("CERTIFICATE", "EC PRIVATE KEY") the caller
 * releases with free(). Errors: QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_NOMEM,
 * QUIC_ERR_CRYPTO. */
int quic_generate_self_signed(const char *const *names, size_t name_count,
                              int64_t not_before, uint32_t days,
                              char **cert_pem, size_t *cert_len, char **key_pem,
                              size_t *key_len);

/* Why a client's certificate check failed, to tell the user more than the
 * TLS alert does (curl's exit codes 60 and 90). */
typedef enum quic_verify_result {
    QUIC_VERIFY_OK = 0,
    QUIC_VERIFY_CHAIN, /* untrusted, expired, badly signed ... */
    QUIC_VERIFY_NAME,  /* the certificate does not name server_name */
    QUIC_VERIFY_PIN,   /* the SPKI is not among pinned_pubkey */
} quic_verify_result;

/* The certificate verification outcome of a client connection so far
 * (QUIC_VERIFY_OK before the check and for servers). Read it when a
 * ConnectionTerminated event with a CRYPTO_ERROR arrives. */
quic_verify_result quic_conn_verify_result(const quic_conn *conn);

/* Packet types a header peek reports. */
typedef enum quic_header_type {
    QUIC_HEADER_INITIAL = 0,
    QUIC_HEADER_ZERO_RTT,
    QUIC_HEADER_HANDSHAKE,
    QUIC_HEADER_RETRY,
    QUIC_HEADER_VERSION_NEGOTIATION,
    QUIC_HEADER_ONE_RTT, /* short header */
} quic_header_type;

/* The unprotected fields of the first packet of a datagram. Pointers point
 * into the datagram and live as long as it does. */
typedef struct quic_header_info {
    quic_header_type type; /* meaningless when !version_known */
    bool is_long;
    /* False for a long header of a version other than v1/v2 (and 0,
     * Version Negotiation, which is reported as such): only
     * |version|, the DCID and the SCID are set (RFC 8999 invariants; CIDs
     * may then be up to 255 bytes) and the server answers with Version
     * Negotiation. */
    bool version_known;
    uint32_t version; /* 0 for short headers */
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid; /* long headers only */
    size_t scid_len;
    const uint8_t *token; /* Initial: the token (may be empty) */
    size_t token_len;
} quic_header_info;

/* Reads the header of the first packet in |data| (|len| bytes) without
 * removing protection, for a server's demultiplexer. |short_dcid_len| is
 * the length of the server's own connection IDs (short headers do not carry
 * it). Never reads outside the datagram. Errors: QUIC_ERR_TRUNCATED,
 * QUIC_ERR_PACKET_LENGTH, QUIC_ERR_FIXED_BIT, QUIC_ERR_CID_TOO_LONG,
 * QUIC_ERR_VN_LIST, QUIC_ERR_RETRY_NO_TOKEN, QUIC_ERR_INVALID_ARGUMENT
 * (|short_dcid_len| over 20): the datagram is dropped. */
int quic_header_peek(quic_header_info *out, const uint8_t *data, size_t len,
                     size_t short_dcid_len);

/* Writes into |buf| (capacity |cap|) the Version Negotiation packet that
 * answers the long header |client| (RFC 9000 §6.1, §17.2.1): its SCID as
 * DCID and its DCID as SCID, listing |versions| (|n| of them), with the
 * unused bits from |random_bits|. Returns the length, QUIC_ERR_NOBUF or
 * QUIC_ERR_INVALID_ARGUMENT (a short header, a Version Negotiation packet,
 * no versions). A server answers only datagrams of at least 1200 bytes
 * (§6.1 and §14.1 keep it from amplifying). */
int quic_version_negotiation_build(uint8_t *buf, size_t cap,
                                   const quic_header_info *client,
                                   const uint32_t *versions, size_t n,
                                   uint8_t random_bits);

/* ---- Retry (RFC 9000 §8.1.2, §17.2.5) for a validating server ------------ */

/* A key that seals Retry tokens (AES-256-GCM; core/token.c). Opaque. */
typedef struct quic_token_key quic_token_key;

/* Creates a Retry token key from |secret| (32 bytes; processes that share
 * it accept each other's tokens), or a random one when |secret| is NULL.
 * Each process makes its own object (each has its own nonce generator).
 * Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_retry_key_new(quic_token_key **out, const uint8_t *secret);
void quic_retry_key_free(quic_token_key *key);

/* Writes into |buf| (capacity |cap|) the Retry packet that answers the
 * client Initial |client| (from quic_header_peek) sent from |peer|: a new
 * random server CID of 8 bytes, a token bound to the client's address,
 * both CIDs and the Initial's QUIC version (valid 10 s from |now|; RFC 9369
 * §4: the client repeats it in that version), and the integrity tag (RFC
 * 9001 §5.8). Returns the length, or QUIC_ERR_INVALID_ARGUMENT (not an Initial
 * of a known version), QUIC_ERR_NOBUF, QUIC_ERR_CRYPTO. */
int quic_retry_build(uint8_t *buf, size_t cap, quic_token_key *key,
                     const quic_header_info *client, const quic_addr *peer,
                     quic_time now);

/* Checks the token of the Initial |client| from |peer| against |key|:
 * on success fills |out| for quic_conn_new (original_dcid and retry_scid
 * from the token, address_validated) and returns 0. Errors:
 * QUIC_ERR_TRUNCATED (no token), QUIC_ERR_TOKEN_TYPE, QUIC_ERR_TOKEN_KEY,
 * QUIC_ERR_TOKEN_INVALID, QUIC_ERR_TOKEN_EXPIRED, QUIC_ERR_TOKEN_ADDRESS,
 * QUIC_ERR_MALFORMED (a token that is no Retry token of ours) and
 * QUIC_ERR_INVALID_ARGUMENT (the token's Retry CID is not the DCID the
 * client now uses): the datagram is dropped (RFC 9000 §8.1.2). */
int quic_retry_validate(quic_token_key *key, const quic_header_info *client,
                        const quic_addr *peer, quic_time now,
                        quic_server_params *out);

/* Checks the token of the Initial |client| from |peer| as a NEW_TOKEN
 * token minted with |key| (quic_config.new_token_key) in a connection of
 * the Initial's QUIC version (RFC 9369 §5; after compatible negotiation
 * the negotiated one — another version's token is QUIC_ERR_TOKEN_INVALID):
 * on success fills |out| for quic_conn_new (original_dcid = the Initial's DCID,
 * no Retry, address_validated) and returns 0. Errors: QUIC_ERR_TRUNCATED (no
 * token), QUIC_ERR_TOKEN_TYPE (e.g. a Retry token: use quic_retry_validate),
 * QUIC_ERR_TOKEN_KEY, QUIC_ERR_TOKEN_INVALID, QUIC_ERR_TOKEN_EXPIRED,
 * QUIC_ERR_TOKEN_ADDRESS, QUIC_ERR_MALFORMED, QUIC_ERR_INVALID_ARGUMENT.
 * RFC 9000 §8.1.3: on error the server proceeds as if there were no token
 * (a connection with a new_token_key also checks it itself). */
int quic_new_token_validate(quic_token_key *key, const quic_header_info *client,
                            const quic_addr *peer, quic_time now,
                            quic_server_params *out);

/* A server's answer to a short-header datagram (|len| bytes) whose DCID
 * (the first |cid_len| bytes after the first byte) names no connection it
 * has: a stateless reset (RFC 9000 §10.3) with the token derived from |key|
 * (quic_config.stateless_reset_key of the connection that issued the CID),
 * one byte shorter than the datagram and at most |cap| bytes (pass e.g. 64
 * to bound what an attacker can make us send), written to |out|. Returns
 * its length. Errors: QUIC_ERR_INVALID_ARGUMENT (NULL pointers, |cid_len|
 * 0 or over 20), QUIC_ERR_MALFORMED (a long header, or no room for the
 * DCID), QUIC_ERR_RESET_TOO_SMALL (under 22 bytes: answer nothing),
 * QUIC_ERR_NOBUF (|cap| under 21), QUIC_ERR_CRYPTO. */
int quic_stateless_reset_build(const uint8_t key[QUIC_STATELESS_RESET_KEY_LEN],
                               const uint8_t *datagram, size_t len,
                               size_t cid_len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* H3CLI_CORE_QUIC_H */
