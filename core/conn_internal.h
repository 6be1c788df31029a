/* core/conn_internal.h — the connection object shared by conn.c (lifecycle
 * and public calls), conn_recv.c (datagrams → packets → frames),
 * conn_send.c (packetisation) and conn_crypto.c (TLS, keys, transport
 * parameters). Internal: nothing outside those files touches quic_conn. */
#ifndef H3CLI_CORE_CONN_INTERNAL_H
#define H3CLI_CORE_CONN_INTERNAL_H

#include "core/quic.h"

#include "core/aead.h"
#include "core/cc.h"
#include "core/cid.h"
#include "core/events.h"
#include "core/flowctl.h"
#include "core/frame.h"
#include "core/level.h"
#include "core/pacer.h"
#include "core/qlog.h"
#include "core/ranges.h"
#include "core/recovery.h"
#include "core/rob.h"
#include "core/sendbuf.h"
#include "core/stream.h"
#include "core/token.h"
#include "core/tparams.h"

typedef struct quic_tls quic_tls;

typedef enum conn_state {
    CONN_STATE_IDLE = 0,    /* client before quic_conn_connect */
    CONN_STATE_HANDSHAKE,   /* keys being negotiated */
    CONN_STATE_ESTABLISHED, /* TLS handshake complete on our side */
    CONN_STATE_CLOSING,     /* we sent CONNECTION_CLOSE (RFC 9000 §10.2.1) */
    CONN_STATE_DRAINING,    /* the peer did (§10.2.2), or stateless reset */
    CONN_STATE_CLOSED,      /* nothing more happens */
} conn_state;

/* Kinds of frame records (quic_frame_rec.type): what a sent packet carried
 * that matters when it is acknowledged or lost. */
enum conn_frame_kind {
    CONN_FR_CRYPTO = 1,          /* offset, length */
    CONN_FR_STREAM,              /* stream_id, offset, length, flags FIN */
    CONN_FR_PING,                /* stream_id = uid (quic_conn_send_ping) */
    CONN_FR_MAX_DATA,            /* offset = the limit */
    CONN_FR_MAX_STREAM_DATA,     /* stream_id, offset = the limit */
    CONN_FR_MAX_STREAMS,         /* offset = the limit, flags = uni */
    CONN_FR_DATA_BLOCKED,        /* offset = the limit */
    CONN_FR_STREAM_DATA_BLOCKED, /* stream_id, offset */
    CONN_FR_STREAMS_BLOCKED,     /* offset, flags = uni */
    CONN_FR_RESET_STREAM,        /* stream_id */
    CONN_FR_STOP_SENDING,        /* stream_id */
    CONN_FR_HANDSHAKE_DONE,
    CONN_FR_NEW_CONNECTION_ID,    /* offset = sequence number */
    CONN_FR_RETIRE_CONNECTION_ID, /* offset = sequence number */
    CONN_FR_NEW_TOKEN,
    CONN_FR_PATH_CHALLENGE, /* a PATH_CHALLENGE (conn_path.c) */
};
#define CONN_FR_FLAG_FIN 0x01u
#define CONN_FR_FLAG_UNI 0x02u

/* One packet-number space (RFC 9000 §12.3). */
typedef struct conn_space {
    uint64_t next_pn;
    quic_ranges received; /* packet numbers received, for ACKs and dups */
    uint64_t largest_rx;  /* QUIC_PN_NONE before any */
    quic_time largest_rx_time;
    unsigned eliciting_unacked; /* ack-eliciting packets since our ACK */
    bool ack_pending;           /* an ACK goes in the next packet */
    bool ack_immediate;         /* ... without waiting for max_ack_delay */
    quic_time ack_deadline;     /* QUIC_TIME_NONE */
    quic_ecn_counts ecn;
    bool ecn_seen;
    quic_sendbuf crypto_send;
    quic_rob crypto_recv;
    unsigned probes; /* PTO probe packets owed (RFC 9002 §6.2.4) */
    bool discarded;  /* keys dropped (RFC 9001 §4.9) */
} conn_space;

/* PATH_CHALLENGE data we keep waiting for an answer (resent ones too). */
#define CONN_PATH_CHALLENGES 8

/* Path validation and connection migration (RFC 9000 §8.2, §9):
 * conn_path.c. There is one path in use, conn->peer_addr; a server follows
 * its client to a new address, a client moves on quic_conn_migrate. */
typedef struct conn_path_state {
    /* The source of the datagram being processed, and its length. */
    quic_addr rx_peer;
    size_t rx_len;
    /* The largest packet number of a non-probing 1-RTT packet (§9.3: only
     * it moves the path); QUIC_PN_NONE before any. */
    uint64_t largest_non_probing;
    /* Validation of the path in use (peer_addr), when |validating|. */
    bool validating;
    bool challenge_pending; /* a PATH_CHALLENGE waits to be sent */
    uint8_t challenges[CONN_PATH_CHALLENGES][8]; /* sent, newest last */
    size_t n_challenges;
    quic_time deadline; /* validation is abandoned then (§8.2.4) */
    /* Without an answer a new PATH_CHALLENGE goes at |resend_at|, after a
     * PTO that doubles each time (§9.4: no more aggressive than that). */
    quic_time resend_at, resend_after;
    quic_time last_challenge; /* when the newest one was sent */
    /* Server: the last validated path, to go back to when validation fails
     * (§9.3.2), with the congestion and RTT state it had. */
    bool has_fallback;
    quic_addr fallback_addr;
    quic_rtt fallback_rtt;
    union {
        quic_cc_reno reno;
        quic_cc_cubic cubic;
    } fallback_cc;
    /* PATH_RESPONSE owed (§8.2.2): the data is conn->path_response; it
     * goes to the address the challenge came from. */
    quic_addr response_to;
    /* Bytes received from and sent to one address other than peer_addr,
     * the last that probed us: an off-path PATH_RESPONSE is limited to
     * three times what came from there (§8.2.1, §8.1). */
    quic_addr probe_addr;
    uint64_t probe_rx, probe_tx;
    /* The address the probe datagram being built goes to. */
    quic_addr probe_to;
} conn_path_state;

/* A PING whose acknowledgement the application waits for. */
typedef struct conn_ping {
    uint64_t uid;
} conn_ping;

/* A DATAGRAM frame waiting to be sent. */
typedef struct conn_dgram_out {
    uint8_t *data;
    size_t len;
} conn_dgram_out;

struct quic_conn {
    quic_allocator alloc_copy;
    const quic_allocator *alloc;
    bool is_client;
    conn_state state;
    quic_time now; /* the latest time a call passed in */
    uint32_t version;

    /* Version negotiation (RFC 9368, conn_version.c). |original_version|
     * is the version of the client's first Initial; |version| becomes the
     * negotiated one when a server switches to a compatible version. */
    uint32_t original_version;
    bool version_chosen; /* server: decided at the ClientHello */
    bool vn_reacted;     /* client: restarted after a VN packet */
    /* Server after a switch: the original version's Initial read keys,
     * kept until the Initial space goes (RFC 9369 §4). */
    quic_keys *rx_initial_original;

    /* From the config (its strings are used during quic_conn_new only, and
     * its pointers cleared). */
    quic_config cfg;

    /* TLS and keys. */
    quic_tls_context *tls_ctx;
    bool owns_tls_ctx;
    quic_tls *tls;
    quic_keys *rx_keys[QUIC_LEVEL_COUNT], *tx_keys[QUIC_LEVEL_COUNT];
    uint16_t cipher_suite;
    char alpn[256];
    bool has_alpn;
    bool handshake_complete, handshake_confirmed;
    bool handshake_done_pending; /* server: HANDSHAKE_DONE to (re)send */
    bool peer_tp_applied;
    quic_tparams local_tp, peer_tp;
    /* Client 0-RTT (RFC 9000 §7.4.1): the server parameters remembered in
     * the session ticket (conn_ticket.c), and whether 0-RTT packets went. */
    quic_tparams remembered_tp;
    bool has_remembered_tp;
    bool zero_rtt_sent;
    /* Our first 1-RTT packet number (QUIC_PN_NONE before): ACKs of 0-RTT
     * packets (in 1-RTT packets) do not confirm the handshake. */
    uint64_t first_1rtt_pn;

    /* 1-RTT key phases (RFC 9001 §6); rx_keys/tx_keys[APPLICATION] hold the
     * current ones. */
    quic_keys *rx_next, *rx_prev;
    bool rx_phase, tx_phase;
    uint64_t rx_phase_first_pn, tx_phase_first_pn;
    uint64_t tx_phase_packets;
    bool key_update_unacked; /* no ACK yet for a packet of tx_phase */
    uint64_t key_updates;    /* phases we moved to (statistics) */
    quic_time rx_prev_discard;

    /* Connection IDs (RFC 9000 §5.1, §7.3). */
    quic_cid original_dcid; /* the client's first DCID */
    quic_cid initial_dcid;  /* the DCID Initial keys come from */
    quic_cid retry_scid;
    bool retried;
    bool peer_scid_known; /* client: the server's SCID was taken */
    quic_cid peer_first_scid;
    uint8_t *token; /* Retry token a client repeats in its Initials */
    size_t token_len;
    quic_local_cids local_cids;
    quic_peer_cids peer_cids;
    size_t local_cid_len;

    /* Path and address validation (RFC 9000 §8.1). */
    quic_addr peer_addr;
    bool address_validated;
    /* Server: the NEW_TOKEN token for the client's next connection
     * (§8.1.3), minted once the handshake is confirmed. */
    uint8_t new_token[QUIC_TOKEN_MAX_LEN];
    size_t new_token_len;
    bool new_token_pending;
    uint64_t rx_bytes_unvalidated, tx_bytes_unvalidated;

    conn_space spaces[QUIC_PN_SPACE_COUNT];
    union { /* the congestion controller chosen by the config */
        quic_cc_reno reno;
        quic_cc_cubic cubic;
    } cc_state;
    quic_cc *cc;
    quic_recovery rec;
    size_t max_dgram; /* datagram size we send */

    quic_pacer pacer;
    bool pacing_blocked; /* data waits for the pacer (get_timer) */
    bool conn_blocked;   /* a stream had new data but no MAX_DATA credit */

    quic_streams streams;
    /* Connection flow control (RFC 9000 §4.1). */
    quic_flowctl_tx tx_fc; /* the peer's MAX_DATA; new stream bytes sent */
    quic_flowctl_rx rx_fc; /* our MAX_DATA over all streams */
    bool max_data_pending;

    /* PINGs the application asked for, not yet sent (uids). */
    uint64_t *pings;
    size_t n_pings, cap_pings;
    bool ping_probe; /* a PING to elicit an ACK (probe) */

    /* PATH_RESPONSE owed for the latest PATH_CHALLENGE (RFC 9000 §8.2.2). */
    uint8_t path_response[8];
    bool path_response_pending;
    conn_path_state path;

    /* DATAGRAM frames to send, oldest first. */
    conn_dgram_out *dgrams;
    size_t n_dgrams, cap_dgrams, dgram_bytes;

    /* Closing (RFC 9000 §10.2). */
    uint64_t close_error, close_frame_type;
    bool close_is_app, close_pending;
    char *close_reason; /* ours or the peer's, NUL-terminated */
    quic_time close_deadline;
    uint64_t close_rx_packets; /* packets received while closing */
    quic_time idle_deadline;
    bool eliciting_sent_since_rx; /* restart idle timer only once (§10.1) */

    /* Events and the stream data borrowed by the last one. */
    quic_evq events;
    quic_stream *borrowed;
    size_t borrowed_len;
    bool borrowed_fin;

    quic_conn_stats stats;

    /* qlog (conn_qlog.c): the writer exists only with a sink; it starts at
     * the first event. */
    quic_qlog *qlog;
    bool qlog_started;
    quic_qlog_conn_state qlog_state;
    uint64_t rx_key_updates; /* peer phases we followed (qlog key_phase) */
};

/* The datagram being built and its open packet (conn_send.c). */
typedef struct conn_pkt_ctx {
    uint8_t *start, *end, *pos; /* datagram; the next packet starts at pos */
    size_t packets;
    bool has_initial, initial_eliciting;
    bool cwnd_ok;      /* window and pacer allow ack-eliciting packets */
    bool pace_limited; /* only the pacer says no */
    bool open;         /* a packet is being written */
    uint8_t *pkt, *payload, *p, *limit; /* its start, payload, cursor, end */
    size_t pn_offset, pn_len;
    uint64_t pn;
    quic_pn_space space;
    bool zero_rtt; /* an application-space packet with 0-RTT keys */
    bool eliciting, in_flight;
    /* A probe datagram (conn_path.c): PATH_CHALLENGE/PATH_RESPONSE and
     * PADDING only, to conn->path.probe_to, padded to 1200 bytes. */
    bool path_probe;
} conn_pkt_ctx;

/* ---- conn.c ---------------------------------------------------------------
 */

/* Why a connection ends, for the ConnectionTerminated flags. */
typedef enum conn_end_cause {
    CONN_END_LOCAL, /* we closed (the application, or an error we found) */
    CONN_END_PEER,  /* the peer's CONNECTION_CLOSE */
    CONN_END_IDLE,  /* the idle timeout */
    CONN_END_RESET, /* a stateless reset */
} conn_end_cause;

/* Enters the closing state because of an error we detected: a transport
 * CONNECTION_CLOSE with |wire_code| naming |frame_type| and |reason|, and a
 * ConnectionTerminated event. No-op when already closing. */
void quic_conn_fail(quic_conn *conn, uint64_t wire_code, uint64_t frame_type,
                    const char *reason);

/* The wire code for an internal error returned by a frame handler
 * (QUIC_ERR_FLOW_CONTROL → FLOW_CONTROL_ERROR, …; INTERNAL_ERROR for others).
 */
uint64_t quic_conn_wire_code(int err);

/* Queues a ConnectionTerminated event and moves to |state| (CLOSING,
 * DRAINING or CLOSED); the closing/draining period starts at conn->now.
 * No-op when already closing. */
void quic_conn_terminate(quic_conn *conn, conn_state state,
                         conn_end_cause cause, uint64_t code,
                         uint64_t frame_type, bool is_app, const char *reason);

/* Sets up conn->cc as quic_config.cc names it, in its initial state: for
 * a new connection and for a new path (conn_path.c). */
void quic_conn_cc_init(quic_conn *conn);

/* The larger of 3 × PTO and the idle floor, for closing and draining. */
quic_time quic_conn_close_period(const quic_conn *conn);

/* Restarts the idle timer (RFC 9000 §10.1) at |now|. */
void quic_conn_restart_idle(quic_conn *conn, quic_time now);

/* Ends the borrow of the last event's data (quic_conn_stream_consumed for
 * stream data). */
void quic_conn_end_borrow(quic_conn *conn);

/* ---- conn_api.c ------------------------------------------------------------
 */

/* The application consumed |n| bytes of |st| (and its FIN when |fin|):
 * returns flow-control credit, queues the next readable mark, frees the
 * stream when it is done. */
void quic_conn_stream_consumed(quic_conn *conn, quic_stream *st, size_t n,
                               bool fin);
/* Queues a readable mark for |st| unless one is queued. */
int quic_conn_mark_readable(quic_conn *conn, quic_stream *st);

/* Random bytes for connection IDs and tokens. */
void quic_conn_random(quic_conn *conn, uint8_t *out, size_t len);

/* ---- conn_crypto.c --------------------------------------------------------
 */

/* Creates the TLS context (unless the config shares one) and the TLS
 * object with our transport parameters. Errors: QUIC_ERR_*. */
int quic_conn_tls_start(quic_conn *conn);
/* Creates the TLS object from the context and conn->local_tp, resuming
 * cfg.session_ticket when |with_session| (only during quic_conn_new: the
 * config's pointers are gone afterwards). Errors: as quic_tls_new. */
int quic_conn_tls_new(quic_conn *conn, bool with_session);
/* Frees keys, the TLS object and an owned context. */
void quic_conn_teardown_crypto(quic_conn *conn);
/* Installs Initial keys from |dcid|. Errors: QUIC_ERR_NOMEM, _CRYPTO. */
int quic_conn_install_initial_keys(quic_conn *conn, const quic_cid *dcid);
/* Hands the readable CRYPTO bytes of |space| to TLS. */
int quic_conn_crypto_deliver(quic_conn *conn, quic_pn_space space);
/* Runs TLS and takes its outputs (secrets, handshake bytes, transport
 * parameters, completion, tickets); closes the connection on failure. */
void quic_conn_tls_advance(quic_conn *conn);
/* Issues new connection IDs up to the peer's active_connection_id_limit
 * (RFC 9000 §5.1.1), with ConnectionIdIssued events. */
void quic_conn_issue_cids(quic_conn *conn);
/* Drops the keys and state of |space| (RFC 9001 §4.9). */
void quic_conn_discard_space(quic_conn *conn, quic_pn_space space);
/* Handshake confirmed (RFC 9001 §4.1.2): discard Handshake keys etc. */
void quic_conn_confirm_handshake(quic_conn *conn);
/* The packet-number space of |level|. */
quic_pn_space quic_conn_level_space(quic_level level);

/* ---- conn_reset.c ---------------------------------------------------------
 */

/* The stateless reset token of our connection ID |cid|, derived from
 * cfg.stateless_reset_key (RFC 9000 §10.3.2). */
void quic_conn_reset_token(quic_conn *conn, const quic_cid *cid,
                           uint8_t token[QUIC_RESET_TOKEN_LEN]);

/* ---- conn_token.c ---------------------------------------------------------
 */

/* Server with cfg.new_token_key: mints the NEW_TOKEN token for the peer's
 * address and queues it (RFC 9000 §8.1.3). */
void quic_conn_mint_new_token(quic_conn *conn);
/* Writes the pending NEW_TOKEN frame into a 1-RTT packet. */
void quic_conn_write_new_token(quic_conn *conn, conn_pkt_ctx *ctx);
/* Client: a NEW_TOKEN frame arrived: hands the token to the sink. */
void quic_conn_on_new_token(quic_conn *conn, const uint8_t *token, size_t len);
/* Server: the token of a client Initial of |version|; a valid NEW_TOKEN
 * token of ours for the peer's address, minted in that version (RFC 9369
 * §5), validates it (no amplification limit). An invalid one is ignored
 * (§8.1.3). */
void quic_conn_check_initial_token(quic_conn *conn, const uint8_t *token,
                                   size_t len, uint32_t version);

/* ---- conn_ticket.c --------------------------------------------------------
 */

/* Client: hands a TLS |session| to the session_ticket sink as ticket bytes
 * (format version, the server's remembered transport parameters, the
 * session). Nothing without a sink or before the peer's parameters. */
void quic_conn_ticket_emit(quic_conn *conn, const uint8_t *session, size_t len);
/* Client: splits quic_config.session_ticket bytes into the remembered
 * parameters (kept in conn->remembered_tp) and the TLS session (a view into
 * |ticket|). Returns 0, or 1 for a ticket of another QUIC version than the
 * connection's (not to be used, RFC 9369 §5). Errors: QUIC_ERR_TLS_SESSION
 * (unknown format or truncated). */
int quic_conn_ticket_open(quic_conn *conn, const uint8_t *ticket, size_t len,
                          const uint8_t **session, size_t *session_len);
/* Client with 0-RTT keys: the remembered limits bound what it sends until
 * the server's parameters arrive. */
void quic_conn_apply_remembered_tparams(quic_conn *conn);

/* ---- conn_keyupdate.c ---------------------------------------------------- */

/* The read keys for a 1-RTT packet with key phase bit |phase| and packet
 * number |pn|; |*is_next| when they are the next phase's (a successful open
 * then means the peer updated: call quic_conn_key_phase_changed). NULL when
 * the next keys cannot be derived. */
quic_keys *quic_conn_keys_for_phase(quic_conn *conn, bool phase, uint64_t pn,
                                    bool *is_next);
/* The peer's packet |pn| opened with the next phase's keys: rotate, and
 * follow with our sending keys. Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_conn_key_phase_changed(quic_conn *conn, uint64_t pn, quic_time now);
/* An ACK in the application space acknowledged up to |largest_acked|. */
void quic_conn_key_update_acked(quic_conn *conn, uint64_t largest_acked);
/* Starts a key update. Errors: QUIC_ERR_INVALID_STATE (RFC 9001 §6.1:
 * handshake not confirmed, previous update not acknowledged or answered),
 * QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_conn_initiate_key_update(quic_conn *conn);
/* A 1-RTT packet was sent: counts towards key_update_interval. */
void quic_conn_key_update_on_sent(quic_conn *conn);
/* When the previous phase's read keys go, and dropping them. */
quic_time quic_conn_key_update_timer(const quic_conn *conn);
void quic_conn_key_update_handle_timer(quic_conn *conn, quic_time now);
void quic_conn_key_update_cleanup(quic_conn *conn);

/* ---- conn_version.c -------------------------------------------------------
 */

/* Our version_information (RFC 9368 §3) into conn->local_tp: the version in
 * use and, from a client, the versions this first flight is compatible with
 * (the config's list), from a server the versions it supports. */
void quic_conn_version_info_fill(quic_conn *conn);
/* Server, before TLS answers the ClientHello: picks the negotiated version
 * from the client's version_information (compatible negotiation, RFC 9368
 * §2.3), switches the Initial keys when it differs, and gives TLS the
 * transport parameters with the final Chosen Version. Errors:
 * QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_conn_server_choose_version(quic_conn *conn);
/* Server: our version_information names conn->version again, and TLS
 * gets the transport parameters (before it answers the ClientHello).
 * Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_conn_version_refresh_params(quic_conn *conn);
/* The peer's version_information against what we know (RFC 9368 §4).
 * Errors: QUIC_ERR_VERSION_NEGOTIATION. */
int quic_conn_check_peer_version_info(const quic_conn *conn,
                                      const quic_tparams *tp);
/* Client: whether a server Initial of |version| may still switch the
 * connection to it (a version we offered, before the server's first
 * handshake message). */
bool quic_conn_client_may_follow(const quic_conn *conn, uint32_t version);
/* Client: installs the Initial keys of |version| and makes it current,
 * keeping the previous ones in |undo| for quic_conn_version_undo when the
 * packet that asked for it does not open. Errors: QUIC_ERR_NOMEM,
 * QUIC_ERR_CRYPTO (nothing changed). */
typedef struct conn_version_undo {
    uint32_t version;
    quic_keys *rx, *tx;
} conn_version_undo;
int quic_conn_follow_version(quic_conn *conn, uint32_t version,
                             conn_version_undo *undo);
void quic_conn_version_undo(quic_conn *conn, conn_version_undo *undo);
void quic_conn_version_commit(quic_conn *conn, conn_version_undo *undo);
/* Client: a Version Negotiation packet lists |version| (one of ours) but
 * not the one we used: starts a new attempt in |version| (RFC 9000 §6.2,
 * RFC 9368 §2.1) — a new ClientHello, without resumption, and any 0-RTT
 * data queued again. Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO, QUIC_ERR_TLS
 * (the connection is then unusable: the caller closes it). */
int quic_conn_restart_after_vn(quic_conn *conn, uint32_t version);
/* Server: the read keys for an Initial of |version| (the current ones, or
 * the original version's after a switch); NULL when none. */
quic_keys *quic_conn_initial_rx_keys(quic_conn *conn, uint32_t version);

/* ---- conn_recv.c ----------------------------------------------------------
 */

/* Processes every packet of a datagram. Errors: QUIC_ERR_NOMEM only
 * (protocol errors close the connection). */
int quic_conn_process_datagram(quic_conn *conn, uint8_t *data, size_t len,
                               uint8_t ecn, quic_time now);

/* ---- conn_frames.c ---------------------------------------------------------
 */

/* Processes the frames of one decrypted packet of |pkt_type| in |space|,
 * whose DCID was |dcid|; sets |*eliciting| if one was ack-eliciting and
 * |*non_probing| if one was not a probing frame (RFC 9000 §9.1). A
 * violation closes the connection (the return value is then its internal
 * code); QUIC_ERR_NOMEM is fatal. */
int quic_conn_process_frames(quic_conn *conn, int pkt_type, quic_pn_space space,
                             const quic_cid *dcid, const uint8_t *p, size_t len,
                             bool *eliciting, bool *non_probing);
/* Acts on the acknowledged and lost packets recovery reported. */
int quic_conn_process_recovery_results(quic_conn *conn);
/* Client, 0-RTT rejected (RFC 9001 §4.6.2): the frames of every packet
 * sent so far in the application space (all 0-RTT) go again in 1-RTT.
 * Errors: QUIC_ERR_NOMEM. */
int quic_conn_requeue_zero_rtt(quic_conn *conn);
/* Returns |n| bytes of connection credit (read or reset stream data). */
void quic_conn_return_credit(quic_conn *conn, uint64_t n);

/* ---- conn_send.c ----------------------------------------------------------
 */

/* ---- conn_frames_out.c ------------------------------------------------------
 */

/* Sets ctx->cwnd_ok / pace_limited for the next datagram. */
void quic_conn_send_budget(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now);
/* True when |space| has something to send now (an ACK due, a probe, or
 * data the budget allows). */
bool quic_conn_space_wants_send(quic_conn *conn, const conn_pkt_ctx *ctx,
                                quic_pn_space space);
/* Writes the frames of the open packet. Errors: QUIC_ERR_NOMEM. */
int quic_conn_write_frames(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now);

/* ---- conn_app_out.c ---------------------------------------------------------
 */

/* Writes the 1-RTT-only frames (control, PINGs, DATAGRAM, STREAM). */
int quic_conn_write_app_frames(quic_conn *conn, conn_pkt_ctx *ctx);

int quic_conn_build_datagrams(quic_conn *conn, quic_time now, uint8_t *buf,
                              size_t cap, quic_datagram *out, size_t max);
/* The earliest time pacing allows the next packet, QUIC_TIME_NONE when
 * nothing waits for it. */
quic_time quic_conn_pacing_timer(const quic_conn *conn);
/* The ACK delay timer of the application space. */
quic_time quic_conn_ack_timer(const quic_conn *conn);

/* ---- conn_path.c ------------------------------------------------------------
 */

/* Sets up the path state of a new connection. */
void quic_conn_path_init(quic_conn *conn);
/* A datagram of |len| bytes arrived from |peer|: remembered as the source
 * of the packets about to be processed. */
void quic_conn_path_on_datagram(quic_conn *conn, const quic_addr *peer,
                                size_t len);
/* A 1-RTT packet |pn| from the current datagram was processed; it carried
 * a non-probing frame when |non_probing| (RFC 9000 §9.1). A server moves
 * to the datagram's source when it is the highest-numbered non-probing
 * packet (§9.3). */
void quic_conn_path_on_packet(quic_conn *conn, uint64_t pn, bool non_probing);
/* A PATH_CHALLENGE arrived: its PATH_RESPONSE goes to the datagram's
 * source. */
void quic_conn_path_on_challenge(quic_conn *conn, const uint8_t data[8]);
/* A PATH_RESPONSE arrived: validates the path when it answers one of our
 * challenges (§8.2.3). */
void quic_conn_path_on_response(quic_conn *conn, const uint8_t data[8]);
/* A packet with one of our PATH_CHALLENGE frames was lost: a new one goes
 * while the validation lasts. */
void quic_conn_path_on_challenge_lost(quic_conn *conn);
/* When validation is abandoned, or QUIC_TIME_NONE. */
quic_time quic_conn_path_timer(const quic_conn *conn);
void quic_conn_path_handle_timer(quic_conn *conn, quic_time now);
/* True when a probe datagram is due: sets conn->path.probe_to and the
 * bytes the amplification limit allows towards it in |*allowance|. */
bool quic_conn_path_probe_due(quic_conn *conn, size_t *allowance);
/* Writes the path frames for conn->path.probe_to into the open packet. */
void quic_conn_write_path_frames(quic_conn *conn, conn_pkt_ctx *ctx);
/* A probe datagram of |len| bytes went to conn->path.probe_to. */
void quic_conn_path_probe_sent(quic_conn *conn, size_t len);
/* Client: moves to a new local address (quic_conn_migrate). */
int quic_conn_path_migrate(quic_conn *conn);

/* ---- conn_qlog.c ------------------------------------------------------------
 * Each call is a no-op when the config has no qlog sink. */

/* quic:version_information: the server's and the client's lists as this
 * side knows them (NULL, 0 when not) and the version in use. */
void quic_conn_qlog_versions(quic_conn *conn, const uint32_t *server,
                             size_t n_server, const uint32_t *client,
                             size_t n_client, uint32_t chosen);
/* quic:alpn_information with the negotiated protocol (NULL: none). */
void quic_conn_qlog_alpn(quic_conn *conn, const char *chosen);
/* Allocates the writer when the config has a qlog sink. Errors:
 * QUIC_ERR_NOMEM. */
int quic_conn_qlog_open(quic_conn *conn);
/* Ends the trace (the sink's fin record) and frees the writer. */
void quic_conn_qlog_close(quic_conn *conn);
/* The qlog packet type of a packet of |space| (1-RTT for application). */
quic_qlog_packet_type quic_conn_qlog_space_type(quic_pn_space space);
/* packet_sent/packet_received of |length| wire bytes with the frames
 * decoded from the plaintext |payload|. */
void quic_conn_qlog_packet(quic_conn *conn, bool sent,
                           quic_qlog_packet_type type, uint64_t pn,
                           size_t length, const uint8_t *payload,
                           size_t payload_len);
/* recovery_metrics_updated from the RTT estimator, controller and pacer. */
void quic_conn_qlog_metrics(quic_conn *conn);
/* packet_lost for each of the |n| packets recovery declared lost. */
void quic_conn_qlog_lost(quic_conn *conn, const quic_sent_packet *lost,
                         size_t n);
/* key_updated for our read or write keys of |level|. */
void quic_conn_qlog_key(quic_conn *conn, quic_level level, bool is_write,
                        uint64_t key_phase, quic_qlog_key_trigger trigger);
/* connection_state_updated from the last logged state to |state|. */
void quic_conn_qlog_state(quic_conn *conn, quic_qlog_conn_state state);
/* parameters_set for the peer's transport parameters. */
void quic_conn_qlog_peer_params(quic_conn *conn);
/* connection_closed. */
void quic_conn_qlog_closed(quic_conn *conn, conn_end_cause cause, uint64_t code,
                           bool is_app, const char *reason);

#endif
