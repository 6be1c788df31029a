/* core/qlog.h — a qlog writer (draft-ietf-quic-qlog-main-schema,
 * draft-ietf-quic-qlog-quic-events-13) producing JSON Text Sequences
 * (RFC 7464) through the quic_config qlog sink, formatted into a fixed
 * buffer with no allocation, so the packet paths can log. Internal. */
#ifndef H3CLI_CORE_QLOG_H
#define H3CLI_CORE_QLOG_H

#include "core/frame.h"
#include "core/quic.h"
#include "core/tparams.h"

/* The largest record. A packet whose frames do not all fit is logged with
 * the frames that do (each frame whole or not at all); any other record
 * that does not fit is dropped. Both are counted in the writer. */
#define QUIC_QLOG_BUF_SIZE 8192
/* "Absent" for the optional numbers below. */
#define QUIC_QLOG_NONE UINT64_MAX

typedef void (*quic_qlog_sink)(void *user, const uint8_t *data, size_t len,
                               bool fin);

/* Embeddable writer. Every function below is a no-op when |q| is NULL or
 * has no sink, so callers need not test. Not thread-safe. */
typedef struct quic_qlog {
    quic_qlog_sink sink;
    void *user;
    quic_time start;   /* event times are milliseconds since this */
    size_t len;        /* bytes of the record being built */
    size_t frame_mark; /* end of the last whole frame of a packet */
    size_t frames;     /* frames in the open packet */
    bool in_packet;    /* between packet_begin and packet_end */
    bool overflow;     /* the open record or frame did not fit */
    bool closed;       /* quic_qlog_close was called */
    bool comma;        /* the data object has a member already */
    uint64_t dropped_records, dropped_frames;
    char buf[QUIC_QLOG_BUF_SIZE];
} quic_qlog;

/* Starts a trace: emits the header record (file_schema, serialization
 * format, vantage point client/server, common_fields with group_id = the
 * hex |group_cid| if not NULL, time_format relative_to_epoch and a
 * monotonic reference clock whose epoch is |now|). |sink| NULL disables
 * the writer. */
void quic_qlog_init(quic_qlog *q, quic_qlog_sink sink, void *user,
                    bool is_server, const quic_cid *group_cid, quic_time now);

/* The last call: hands the sink an empty record with fin = true. Later
 * calls are ignored. */
void quic_qlog_close(quic_qlog *q);

/* ---- Packets ------------------------------------------------------------ */

typedef enum quic_qlog_packet_type {
    QUIC_QLOG_PACKET_INITIAL = 0,
    QUIC_QLOG_PACKET_HANDSHAKE,
    QUIC_QLOG_PACKET_0RTT,
    QUIC_QLOG_PACKET_1RTT,
    QUIC_QLOG_PACKET_RETRY,
    QUIC_QLOG_PACKET_VERSION_NEGOTIATION,
    QUIC_QLOG_PACKET_STATELESS_RESET,
    QUIC_QLOG_PACKET_UNKNOWN,
} quic_qlog_packet_type;

/* Opens a quic:packet_sent (|sent|) or quic:packet_received record with
 * header {packet_type, packet_number} (|pn| is left out for Retry, Version
 * Negotiation and stateless resets, or when QUIC_QLOG_NONE) and raw
 * {length: |length|}, the packet's bytes on the wire. Frames follow with
 * quic_qlog_frame; quic_qlog_packet_end emits the record. A packet still
 * open is ended first. */
void quic_qlog_packet_begin(quic_qlog *q, bool sent, quic_time now,
                            quic_qlog_packet_type type, uint64_t pn,
                            size_t length);

/* Appends |f| (decoded or about to be encoded) to the open packet with the
 * draft's frame fields: stream {stream_id, offset, fin, raw.length}, ack
 * {ack_delay in ms (the wire value scaled by |ack_delay_exponent|),
 * acked_ranges [[low, high]…], ect0/ect1/ce}, crypto {offset, raw.length},
 * and so on for every RFC 9000 / RFC 9221 frame. Ignored outside a packet. */
void quic_qlog_frame(quic_qlog *q, const quic_frame *f,
                     uint64_t ack_delay_exponent);

/* Closes the frames and hands the packet record to the sink. */
void quic_qlog_packet_end(quic_qlog *q);

typedef enum quic_qlog_loss_trigger {
    QUIC_QLOG_LOSS_REORDERING = 0, /* "reordering_threshold" */
    QUIC_QLOG_LOSS_TIME,           /* "time_threshold" */
    QUIC_QLOG_LOSS_PTO,            /* "pto_expired" */
} quic_qlog_loss_trigger;

/* quic:packet_lost {header {packet_type, packet_number}, trigger}. */
void quic_qlog_packet_lost(quic_qlog *q, quic_time now,
                           quic_qlog_packet_type type, uint64_t pn,
                           quic_qlog_loss_trigger trigger);

/* ---- Recovery ----------------------------------------------------------- */

/* quic:recovery_metrics_updated. Times are nanoseconds (logged as ms);
 * any field equal to QUIC_QLOG_NONE is left out. */
typedef struct quic_qlog_metrics {
    uint64_t min_rtt, smoothed_rtt, latest_rtt, rtt_variance;
    uint64_t pto_count;
    uint64_t congestion_window, bytes_in_flight, ssthresh;
    uint64_t pacing_rate; /* bits per second */
} quic_qlog_metrics;

/* All fields QUIC_QLOG_NONE. */
void quic_qlog_metrics_init(quic_qlog_metrics *m);
void quic_qlog_metrics_updated(quic_qlog *q, quic_time now,
                               const quic_qlog_metrics *m);

/* ---- Security and connectivity ------------------------------------------ */

typedef enum quic_qlog_key_type {
    QUIC_QLOG_KEY_SERVER_INITIAL = 0,
    QUIC_QLOG_KEY_CLIENT_INITIAL,
    QUIC_QLOG_KEY_SERVER_HANDSHAKE,
    QUIC_QLOG_KEY_CLIENT_HANDSHAKE,
    QUIC_QLOG_KEY_SERVER_0RTT,
    QUIC_QLOG_KEY_CLIENT_0RTT,
    QUIC_QLOG_KEY_SERVER_1RTT,
    QUIC_QLOG_KEY_CLIENT_1RTT,
} quic_qlog_key_type;

typedef enum quic_qlog_key_trigger {
    QUIC_QLOG_KEY_TLS = 0,
    QUIC_QLOG_KEY_REMOTE_UPDATE,
    QUIC_QLOG_KEY_LOCAL_UPDATE,
} quic_qlog_key_trigger;

/* quic:key_updated {key_type, key_phase (omitted if QUIC_QLOG_NONE),
 * trigger}. Key material is never logged. */
void quic_qlog_key_updated(quic_qlog *q, quic_time now, quic_qlog_key_type type,
                           uint64_t key_phase, quic_qlog_key_trigger trigger);

typedef enum quic_qlog_conn_state {
    QUIC_QLOG_STATE_NONE = 0, /* only as |old|: left out */
    QUIC_QLOG_STATE_ATTEMPTED,
    QUIC_QLOG_STATE_HANDSHAKE_STARTED,
    QUIC_QLOG_STATE_PEER_VALIDATED,
    QUIC_QLOG_STATE_EARLY_WRITE,
    QUIC_QLOG_STATE_HANDSHAKE_COMPLETE,
    QUIC_QLOG_STATE_HANDSHAKE_CONFIRMED,
    QUIC_QLOG_STATE_CLOSING,
    QUIC_QLOG_STATE_DRAINING,
    QUIC_QLOG_STATE_CLOSED,
} quic_qlog_conn_state;

/* quic:connection_state_updated {old, new}. */
void quic_qlog_state(quic_qlog *q, quic_time now, quic_qlog_conn_state old,
                     quic_qlog_conn_state new_state);

/* quic:parameters_set {initiator local|remote, and each transport
 * parameter present in |tp| under the draft's name}. */
void quic_qlog_parameters_set(quic_qlog *q, quic_time now, bool local,
                              const quic_tparams *tp);

/* quic:connection_started {local, remote}: ip_v4/port_v4 or ip_v6/port_v6
 * read from the sockaddr_in/sockaddr_in6 in each quic_addr (an address of
 * another layout is logged as an empty object). */
void quic_qlog_connection_started(quic_qlog *q, quic_time now,
                                  const quic_addr *local,
                                  const quic_addr *remote);

typedef enum quic_qlog_close_trigger {
    QUIC_QLOG_CLOSE_ERROR = 0,
    QUIC_QLOG_CLOSE_IDLE_TIMEOUT,
    QUIC_QLOG_CLOSE_APPLICATION,
    QUIC_QLOG_CLOSE_VERSION_MISMATCH,
    QUIC_QLOG_CLOSE_STATELESS_RESET,
    QUIC_QLOG_CLOSE_ABORTED,
    QUIC_QLOG_CLOSE_UNSPECIFIED,
} quic_qlog_close_trigger;

/* quic:connection_closed {initiator, connection_error or
 * application_error (+ error_code when not a known name), reason,
 * trigger}. |reason| may be NULL. */
void quic_qlog_connection_closed(quic_qlog *q, quic_time now, bool local,
                                 bool application, uint64_t error_code,
                                 const char *reason,
                                 quic_qlog_close_trigger trigger);

/* quic:version_information; empty lists and a |chosen| of 0 are left
 * out. Versions are logged as 8 hex digits. */
void quic_qlog_version_information(quic_qlog *q, quic_time now,
                                   const uint32_t *server, size_t n_server,
                                   const uint32_t *client, size_t n_client,
                                   uint32_t chosen);

/* quic:alpn_information with each ALPN as {byte_value, string_value};
 * empty lists and a NULL |chosen| are left out. */
void quic_qlog_alpn_information(quic_qlog *q, quic_time now,
                                const char *const *server, size_t n_server,
                                const char *const *client, size_t n_client,
                                const char *chosen);

#endif
