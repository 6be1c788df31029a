/* core/qlog.c — qlog JSON-SEQ records (RS, one JSON object, LF) built in
 * the writer's fixed buffer: JSON string escaping, locale-free numbers,
 * and the QUIC events and frames of draft-ietf-quic-qlog-quic-events. */
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/qlog.h"
#include "core/varint.h"

/* Room kept back so a packet whose frames overflowed can still be closed:
 * "]}}\n" and then some. */
#define CLOSE_RESERVE 8
#define RS 0x1e

/* Draft event schemas must carry the draft number (quic-events §2.1). */
#define QUIC_EVENT_SCHEMA "urn:ietf:params:qlog:events:quic-13"

static bool enabled(const quic_qlog *q) {
    return q && q->sink && !q->closed;
}

/* ---- JSON primitives ------------------------------------------------------
 * Each writes nothing and sets |overflow| once the buffer (less the
 * reserve) is full; the record is then dropped or its frame rolled back. */

static void put_raw(quic_qlog *q, const char *s, size_t n) {
    if (q->overflow || n > QUIC_QLOG_BUF_SIZE - CLOSE_RESERVE - q->len) {
        q->overflow = true;
        return;
    }
    memcpy(q->buf + q->len, s, n);
    q->len += n;
}

static void put(quic_qlog *q, const char *s) {
    put_raw(q, s, strlen(s));
}

static void put_u64(quic_qlog *q, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_raw(q, tmp + sizeof(tmp) - n, n);
}

/* Nanoseconds as milliseconds with up to six decimals, trailing zeros
 * dropped; never printf, whose decimal point follows the locale. */
static void put_ms(quic_qlog *q, uint64_t ns) {
    put_u64(q, ns / 1000000);
    uint64_t frac = ns % 1000000;
    if (!frac)
        return;
    char tmp[7] = {'.'};
    size_t n = 7;
    for (int i = 6; i >= 1; i--, frac /= 10)
        tmp[i] = (char)('0' + frac % 10);
    while (tmp[n - 1] == '0')
        n--;
    put_raw(q, tmp, n);
}

static void put_hex_raw(quic_qlog *q, const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n && !q->overflow; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        put_raw(q, two, 2);
    }
}

static void put_hex(quic_qlog *q, const uint8_t *p, size_t n) {
    put(q, "\"");
    put_hex_raw(q, p, n);
    put(q, "\"");
}

/* Length of the valid UTF-8 sequence at |s| (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (c < 0xc2 || c > 0xf4 || n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

/* A JSON string (RFC 8259 §7): quote, backslash and control characters
 * escaped; bytes that are not UTF-8 become \u00XX (the byte as a code
 * point), so the output is always valid UTF-8 JSON. */
static void put_string(quic_qlog *q, const uint8_t *s, size_t n) {
    static const char digits[] = "0123456789abcdef";
    put(q, "\"");
    for (size_t i = 0; i < n && !q->overflow;) {
        uint8_t c = s[i];
        size_t run = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
        if (run) {
            put_raw(q, (const char *)s + i, run);
            i += run;
            continue;
        }
        i++;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put_raw(q, esc, 2);
        } else if (c == '\n') {
            put(q, "\\n");
        } else if (c == '\r') {
            put(q, "\\r");
        } else if (c == '\t') {
            put(q, "\\t");
        } else if (c < 0x20 || c >= 0x80) {
            char esc[6] = {'\\', 'u', '0', '0', digits[c >> 4], digits[c & 15]};
            put_raw(q, esc, 6);
        } else {
            put_raw(q, (const char *)&c, 1);
        }
    }
    put(q, "\"");
}

static void put_cstring(quic_qlog *q, const char *s) {
    put_string(q, (const uint8_t *)s, strlen(s));
}

/* ,"key":value helpers for objects whose first member is already out. */
static void field_u64(quic_qlog *q, const char *key, uint64_t v) {
    put(q, ",\"");
    put(q, key);
    put(q, "\":");
    put_u64(q, v);
}

static void field_ms(quic_qlog *q, const char *key, uint64_t ns) {
    put(q, ",\"");
    put(q, key);
    put(q, "\":");
    put_ms(q, ns);
}

static void field_name(quic_qlog *q, const char *key, const char *value) {
    put(q, ",\"");
    put(q, key);
    put(q, "\":\"");
    put(q, value);
    put(q, "\"");
}

static void field_hex(quic_qlog *q, const char *key, const uint8_t *p,
                      size_t n) {
    put(q, ",\"");
    put(q, key);
    put(q, "\":");
    put_hex(q, p, n);
}

/* A member of the event's data object, with a comma unless it is the
 * first: for events whose members are all optional. */
static void member(quic_qlog *q, const char *key) {
    put(q, q->comma ? ",\"" : "\"");
    put(q, key);
    put(q, "\":");
    q->comma = true;
}

/* ---- Records ------------------------------------------------------------- */

static void record_start(quic_qlog *q) {
    q->len = 0;
    q->overflow = false;
    char rs = RS;
    put_raw(q, &rs, 1);
}

/* Hands the record to the sink, or counts it dropped if it overflowed. */
static void record_emit(quic_qlog *q) {
    if (q->overflow) {
        q->dropped_records++;
    } else {
        q->buf[q->len++] = '\n'; /* the reserve always has room */
        q->sink(q->user, (const uint8_t *)q->buf, q->len, false);
    }
    q->len = 0;
    q->overflow = false;
}

/* RS{"time":T,"name":"quic:NAME","data":{ — the caller writes the data
 * members, the first without a leading comma, then event_end. */
static bool event_begin(quic_qlog *q, quic_time now, const char *name) {
    if (!enabled(q))
        return false;
    if (q->in_packet)
        quic_qlog_packet_end(q);
    record_start(q);
    put(q, "{\"time\":");
    put_ms(q, now > q->start ? now - q->start : 0);
    put(q, ",\"name\":\"quic:");
    put(q, name);
    put(q, "\",\"data\":{");
    q->comma = false;
    return true;
}

static void event_end(quic_qlog *q) {
    put(q, "}}");
    record_emit(q);
}

void quic_qlog_init(quic_qlog *q, quic_qlog_sink sink, void *user,
                    bool is_server, const quic_cid *group_cid, quic_time now) {
    memset(q, 0, offsetof(quic_qlog, buf));
    q->sink = sink;
    q->user = user;
    q->start = now;
    if (!sink)
        return;
    record_start(q);
    put(q, "{\"file_schema\":\"urn:ietf:params:qlog:file:sequential\","
           "\"serialization_format\":\"application/qlog+json-seq\","
           "\"title\":\"h3cli\",\"trace\":{\"common_fields\":{");
    if (group_cid) {
        put(q, "\"group_id\":");
        put_hex(q, group_cid->data, group_cid->len);
        put(q, ",");
    }
    put(q, "\"time_format\":\"relative_to_epoch\",\"reference_time\":{"
           "\"clock_type\":\"monotonic\",\"epoch\":\"unknown\"}},"
           "\"vantage_point\":{\"name\":\"h3cli\",\"type\":\"");
    put(q, is_server ? "server" : "client");
    put(q, "\"},\"event_schemas\":[\"" QUIC_EVENT_SCHEMA "\"]}}");
    record_emit(q);
}

void quic_qlog_close(quic_qlog *q) {
    if (!enabled(q))
        return;
    if (q->in_packet)
        quic_qlog_packet_end(q);
    q->closed = true;
    q->sink(q->user, (const uint8_t *)q->buf, 0, true);
}

/* ---- Packets ------------------------------------------------------------- */

static const char *const packet_type_names[] = {"initial",
                                                "handshake",
                                                "0RTT",
                                                "1RTT",
                                                "retry",
                                                "version_negotiation",
                                                "stateless_reset",
                                                "unknown"};

static bool has_packet_number(quic_qlog_packet_type type) {
    return type <= QUIC_QLOG_PACKET_1RTT;
}

static void put_header(quic_qlog *q, quic_qlog_packet_type type, uint64_t pn) {
    if ((unsigned)type > QUIC_QLOG_PACKET_UNKNOWN)
        type = QUIC_QLOG_PACKET_UNKNOWN;
    put(q, "\"header\":{\"packet_type\":\"");
    put(q, packet_type_names[type]);
    put(q, "\"");
    if (has_packet_number(type) && pn != QUIC_QLOG_NONE)
        field_u64(q, "packet_number", pn);
    put(q, "}");
}

void quic_qlog_packet_begin(quic_qlog *q, bool sent, quic_time now,
                            quic_qlog_packet_type type, uint64_t pn,
                            size_t length) {
    if (!event_begin(q, now, sent ? "packet_sent" : "packet_received"))
        return;
    put_header(q, type, pn);
    put(q, ",\"raw\":{\"length\":");
    put_u64(q, length);
    put(q, "},\"frames\":[");
    q->in_packet = true;
    q->frames = 0;
    q->frame_mark = q->len;
}

void quic_qlog_packet_end(quic_qlog *q) {
    if (!q || !q->in_packet)
        return;
    q->in_packet = false;
    if (q->overflow) { /* the header itself did not fit */
        q->dropped_records++;
        q->len = 0;
        q->overflow = false;
        return;
    }
    /* Written into the reserve: "]}}" and the LF of record_emit. */
    memcpy(q->buf + q->len, "]}}", 3);
    q->len += 3;
    record_emit(q);
}

void quic_qlog_packet_lost(quic_qlog *q, quic_time now,
                           quic_qlog_packet_type type, uint64_t pn,
                           quic_qlog_loss_trigger trigger) {
    static const char *const names[] = {"reordering_threshold",
                                        "time_threshold", "pto_expired"};
    if (!event_begin(q, now, "packet_lost"))
        return;
    put_header(q, type, pn);
    if ((unsigned)trigger <= QUIC_QLOG_LOSS_PTO)
        field_name(q, "trigger", names[trigger]);
    event_end(q);
}

/* ---- Frames -------------------------------------------------------------- */

static void frame_ack(quic_qlog *q, const quic_frame_ack *ack,
                      uint64_t exponent, bool ecn) {
    /* §19.3: the wire value is in microseconds shifted right by the
     * exponent (at most 20, as the transport parameters enforce); a
     * delay past 2^64 ns is clamped. */
    uint64_t e = exponent < 20 ? exponent : 20;
    uint64_t max_us = UINT64_MAX / 1000;
    uint64_t us = ack->ack_delay > (max_us >> e) ? max_us : ack->ack_delay << e;
    field_ms(q, "ack_delay", us * 1000);
    put(q, ",\"acked_ranges\":[");
    quic_ack_iter it;
    quic_ack_iter_init(&it, ack);
    quic_ack_range r;
    for (bool first = true; quic_ack_iter_next(&it, &r); first = false) {
        put(q, first ? "[" : ",[");
        put_u64(q, r.smallest);
        if (r.largest != r.smallest) { /* the draft prefers [n] to [n,n] */
            put(q, ",");
            put_u64(q, r.largest);
        }
        put(q, "]");
    }
    put(q, "]");
    if (ecn) {
        field_u64(q, "ect1", ack->ecn.ect1);
        field_u64(q, "ect0", ack->ecn.ect0);
        field_u64(q, "ce", ack->ecn.ce);
    }
}

static void put_raw_length(quic_qlog *q, uint64_t len) {
    put(q, ",\"raw\":{\"length\":");
    put_u64(q, len);
    put(q, "}");
}

static const char *const transport_error_names[] = {
    "no_error",
    "internal_error",
    "connection_refused",
    "flow_control_error",
    "stream_limit_error",
    "stream_state_error",
    "final_size_error",
    "frame_encoding_error",
    "transport_parameter_error",
    "connection_id_limit_error",
    "protocol_violation",
    "invalid_token",
    "application_error",
    "crypto_buffer_exceeded",
    "key_update_error",
    "aead_limit_reached",
    "no_viable_path",
};

/* The draft's $TransportError / CryptoError / $ApplicationError value for
 * |code|, followed by error_code when it has no name. */
static void put_error(quic_qlog *q, const char *key, bool application,
                      uint64_t code) {
    size_t n_names =
        sizeof(transport_error_names) / sizeof(transport_error_names[0]);
    if (!application && code < n_names) {
        field_name(q, key, transport_error_names[code]);
    } else if (!application && code >= 0x100 && code <= 0x1ff) {
        static const char digits[] = "0123456789abcdef";
        char name[] = "crypto_error_0x1XX";
        name[16] = digits[(code >> 4) & 15];
        name[17] = digits[code & 15];
        field_name(q, key, name);
    } else {
        field_name(q, key, "unknown");
        field_u64(q, "error_code", code);
    }
}

static void frame_close(quic_qlog *q, const quic_frame *f) {
    bool app = f->type == QUIC_FRAME_CONNECTION_CLOSE_APP;
    field_name(q, "error_space", app ? "application" : "transport");
    put_error(q, "error", app, f->u.connection_close.error_code);
    put(q, ",\"reason\":");
    put_string(q, f->u.connection_close.reason,
               f->u.connection_close.reason_len);
    if (!app)
        field_u64(q, "trigger_frame_type", f->u.connection_close.frame_type);
}

static void frame_new_connection_id(quic_qlog *q, const quic_frame *f) {
    field_u64(q, "sequence_number", f->u.new_connection_id.seq);
    field_u64(q, "retire_prior_to", f->u.new_connection_id.retire_prior_to);
    field_u64(q, "connection_id_length", f->u.new_connection_id.cid.len);
    field_hex(q, "connection_id", f->u.new_connection_id.cid.data,
              f->u.new_connection_id.cid.len);
    if (f->u.new_connection_id.reset_token)
        field_hex(q, "stateless_reset_token",
                  f->u.new_connection_id.reset_token,
                  QUIC_STATELESS_RESET_TOKEN_LEN);
}

/* The members after frame_type for the frames with one or two numbers. */
static bool frame_simple(quic_qlog *q, const quic_frame *f) {
    switch (f->type) {
    case QUIC_FRAME_MAX_DATA:
        field_u64(q, "maximum", f->u.max_data.max);
        return true;
    case QUIC_FRAME_MAX_STREAM_DATA:
        field_u64(q, "stream_id", f->u.max_stream_data.stream_id);
        field_u64(q, "maximum", f->u.max_stream_data.max);
        return true;
    case QUIC_FRAME_MAX_STREAMS_BIDI:
    case QUIC_FRAME_MAX_STREAMS_UNI:
        field_name(q, "stream_type",
                   f->type == QUIC_FRAME_MAX_STREAMS_BIDI ? "bidirectional"
                                                          : "unidirectional");
        field_u64(q, "maximum", f->u.max_streams.max);
        return true;
    case QUIC_FRAME_DATA_BLOCKED:
        field_u64(q, "limit", f->u.data_blocked.limit);
        return true;
    case QUIC_FRAME_STREAM_DATA_BLOCKED:
        field_u64(q, "stream_id", f->u.stream_data_blocked.stream_id);
        field_u64(q, "limit", f->u.stream_data_blocked.limit);
        return true;
    case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case QUIC_FRAME_STREAMS_BLOCKED_UNI:
        field_name(q, "stream_type",
                   f->type == QUIC_FRAME_STREAMS_BLOCKED_BIDI
                       ? "bidirectional"
                       : "unidirectional");
        field_u64(q, "limit", f->u.streams_blocked.limit);
        return true;
    case QUIC_FRAME_RETIRE_CONNECTION_ID:
        field_u64(q, "sequence_number", f->u.retire_connection_id.seq);
        return true;
    default: return false;
    }
}

static const char *frame_type_name(uint64_t type) {
    static const char *const names[] = {
        "padding",
        "ping",
        "ack",
        "ack",
        "reset_stream",
        "stop_sending",
        "crypto",
        "new_token",
        [0x10] = "max_data",
        "max_stream_data",
        "max_streams",
        "max_streams",
        "data_blocked",
        "stream_data_blocked",
        "streams_blocked",
        "streams_blocked",
        "new_connection_id",
        "retire_connection_id",
        "path_challenge",
        "path_response",
        "connection_close",
        "connection_close",
        "handshake_done",
    };
    if (QUIC_FRAME_IS_STREAM(type))
        return "stream";
    if (type == QUIC_FRAME_DATAGRAM || type == QUIC_FRAME_DATAGRAM_LEN)
        return "datagram";
    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    return NULL;
}

/* The members after frame_type for the frames with their own layout. */
static void frame_body(quic_qlog *q, const quic_frame *f, uint64_t exponent) {
    if (QUIC_FRAME_IS_STREAM(f->type)) {
        field_u64(q, "stream_id", f->u.stream.stream_id);
        field_u64(q, "offset", f->u.stream.offset);
        put(q, (f->type & QUIC_FRAME_STREAM_FIN) ? ",\"fin\":true"
                                                 : ",\"fin\":false");
        put_raw_length(q, f->u.stream.len);
        return;
    }
    if (frame_simple(q, f))
        return;
    switch (f->type) {
    case QUIC_FRAME_PADDING:
        put(q, ",\"raw\":{\"payload_length\":");
        put_u64(q, f->u.padding.len);
        put(q, "}");
        break;
    case QUIC_FRAME_ACK:
    case QUIC_FRAME_ACK_ECN:
        frame_ack(q, &f->u.ack, exponent, f->type == QUIC_FRAME_ACK_ECN);
        break;
    case QUIC_FRAME_RESET_STREAM:
        field_u64(q, "stream_id", f->u.reset_stream.stream_id);
        put_error(q, "error", true, f->u.reset_stream.error_code);
        field_u64(q, "final_size", f->u.reset_stream.final_size);
        break;
    case QUIC_FRAME_STOP_SENDING:
        field_u64(q, "stream_id", f->u.stop_sending.stream_id);
        put_error(q, "error", true, f->u.stop_sending.error_code);
        break;
    case QUIC_FRAME_CRYPTO:
        field_u64(q, "offset", f->u.crypto.offset);
        put_raw_length(q, f->u.crypto.len);
        break;
    case QUIC_FRAME_NEW_TOKEN: /* the token's length only: it is a secret */
        put(q, ",\"token\":{\"raw\":{\"length\":");
        put_u64(q, f->u.new_token.len);
        put(q, "}}");
        break;
    case QUIC_FRAME_NEW_CONNECTION_ID: frame_new_connection_id(q, f); break;
    case QUIC_FRAME_PATH_CHALLENGE:
    case QUIC_FRAME_PATH_RESPONSE:
        field_hex(q, "data", f->u.path_challenge.data, QUIC_PATH_DATA_LEN);
        break;
    case QUIC_FRAME_CONNECTION_CLOSE:
    case QUIC_FRAME_CONNECTION_CLOSE_APP: frame_close(q, f); break;
    case QUIC_FRAME_DATAGRAM:
    case QUIC_FRAME_DATAGRAM_LEN: put_raw_length(q, f->u.datagram.len); break;
    default: /* PING, HANDSHAKE_DONE: the type says it all */ break;
    }
}

void quic_qlog_frame(quic_qlog *q, const quic_frame *f,
                     uint64_t ack_delay_exponent) {
    if (!enabled(q) || !q->in_packet || q->overflow)
        return;
    put(q, q->frames ? ",{\"frame_type\":\"" : "{\"frame_type\":\"");
    const char *name = frame_type_name(f->type);
    if (name) {
        put(q, name);
        put(q, "\"");
        frame_body(q, f, ack_delay_exponent);
    } else {
        put(q, "unknown\"");
        field_u64(q, "frame_type_bytes", f->type);
    }
    put(q, "}");
    if (q->overflow) { /* drop this frame whole, keep the packet */
        q->len = q->frame_mark;
        q->dropped_frames++;
        q->overflow = false;
        return;
    }
    q->frames++;
    q->frame_mark = q->len;
}

/* ---- Recovery ------------------------------------------------------------ */

void quic_qlog_metrics_init(quic_qlog_metrics *m) {
    m->min_rtt = m->smoothed_rtt = m->latest_rtt = m->rtt_variance =
        QUIC_QLOG_NONE;
    m->pto_count = m->congestion_window = m->bytes_in_flight = m->ssthresh =
        m->pacing_rate = QUIC_QLOG_NONE;
}

void quic_qlog_metrics_updated(quic_qlog *q, quic_time now,
                               const quic_qlog_metrics *m) {
    if (!event_begin(q, now, "recovery_metrics_updated"))
        return;
    const struct {
        const char *key;
        uint64_t value;
        bool ms;
    } fields[] = {
        {"min_rtt", m->min_rtt, true},
        {"smoothed_rtt", m->smoothed_rtt, true},
        {"latest_rtt", m->latest_rtt, true},
        {"rtt_variance", m->rtt_variance, true},
        {"pto_count", m->pto_count, false},
        {"congestion_window", m->congestion_window, false},
        {"bytes_in_flight", m->bytes_in_flight, false},
        {"ssthresh", m->ssthresh, false},
        {"pacing_rate", m->pacing_rate, false},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].value == QUIC_QLOG_NONE)
            continue;
        member(q, fields[i].key);
        if (fields[i].ms)
            put_ms(q, fields[i].value);
        else
            put_u64(q, fields[i].value);
    }
    event_end(q);
}

/* ---- Security and connectivity ------------------------------------------- */

void quic_qlog_key_updated(quic_qlog *q, quic_time now, quic_qlog_key_type type,
                           uint64_t key_phase, quic_qlog_key_trigger trigger) {
    static const char *const types[] = {
        "server_initial_secret",   "client_initial_secret",
        "server_handshake_secret", "client_handshake_secret",
        "server_0rtt_secret",      "client_0rtt_secret",
        "server_1rtt_secret",      "client_1rtt_secret"};
    static const char *const triggers[] = {"tls", "remote_update",
                                           "local_update"};
    if ((unsigned)type > QUIC_QLOG_KEY_CLIENT_1RTT ||
        (unsigned)trigger > QUIC_QLOG_KEY_LOCAL_UPDATE ||
        !event_begin(q, now, "key_updated"))
        return;
    put(q, "\"key_type\":\"");
    put(q, types[type]);
    put(q, "\"");
    if (key_phase != QUIC_QLOG_NONE)
        field_u64(q, "key_phase", key_phase);
    field_name(q, "trigger", triggers[trigger]);
    event_end(q);
}

void quic_qlog_state(quic_qlog *q, quic_time now, quic_qlog_conn_state old,
                     quic_qlog_conn_state new_state) {
    static const char *const names[] = {NULL,
                                        "attempted",
                                        "handshake_started",
                                        "peer_validated",
                                        "early_write",
                                        "handshake_complete",
                                        "handshake_confirmed",
                                        "closing",
                                        "draining",
                                        "closed"};
    if ((unsigned)old > QUIC_QLOG_STATE_CLOSED || new_state == 0 ||
        (unsigned)new_state > QUIC_QLOG_STATE_CLOSED ||
        !event_begin(q, now, "connection_state_updated"))
        return;
    put(q, "\"new\":\"");
    put(q, names[new_state]);
    put(q, "\"");
    if (old != QUIC_QLOG_STATE_NONE)
        field_name(q, "old", names[old]);
    event_end(q);
}

static void tparam_cids(quic_qlog *q, const quic_tparams *tp) {
    if (quic_tparams_has(tp, QUIC_TP_ORIGINAL_DCID))
        field_hex(q, "original_destination_connection_id",
                  tp->original_dcid.data, tp->original_dcid.len);
    if (quic_tparams_has(tp, QUIC_TP_INITIAL_SCID))
        field_hex(q, "initial_source_connection_id", tp->initial_scid.data,
                  tp->initial_scid.len);
    if (quic_tparams_has(tp, QUIC_TP_RETRY_SCID))
        field_hex(q, "retry_source_connection_id", tp->retry_scid.data,
                  tp->retry_scid.len);
    if (quic_tparams_has(tp, QUIC_TP_STATELESS_RESET_TOKEN))
        field_hex(q, "stateless_reset_token", tp->stateless_reset_token, 16);
}

void quic_qlog_parameters_set(quic_qlog *q, quic_time now, bool local,
                              const quic_tparams *tp) {
    if (!event_begin(q, now, "parameters_set"))
        return;
    put(q, local ? "\"initiator\":\"local\"" : "\"initiator\":\"remote\"");
    tparam_cids(q, tp);
    if (quic_tparams_has(tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION))
        put(q, ",\"disable_active_migration\":true");
    const struct {
        uint64_t id;
        const char *key;
        uint64_t value;
    } numbers[] = {
        {QUIC_TP_MAX_IDLE_TIMEOUT, "max_idle_timeout", tp->max_idle_timeout},
        {QUIC_TP_MAX_UDP_PAYLOAD_SIZE, "max_udp_payload_size",
         tp->max_udp_payload_size},
        {QUIC_TP_ACK_DELAY_EXPONENT, "ack_delay_exponent",
         tp->ack_delay_exponent},
        {QUIC_TP_MAX_ACK_DELAY, "max_ack_delay", tp->max_ack_delay},
        {QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, "active_connection_id_limit",
         tp->active_connection_id_limit},
        {QUIC_TP_INITIAL_MAX_DATA, "initial_max_data", tp->initial_max_data},
        {QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
         "initial_max_stream_data_bidi_local",
         tp->initial_max_stream_data_bidi_local},
        {QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE,
         "initial_max_stream_data_bidi_remote",
         tp->initial_max_stream_data_bidi_remote},
        {QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI, "initial_max_stream_data_uni",
         tp->initial_max_stream_data_uni},
        {QUIC_TP_INITIAL_MAX_STREAMS_BIDI, "initial_max_streams_bidi",
         tp->initial_max_streams_bidi},
        {QUIC_TP_INITIAL_MAX_STREAMS_UNI, "initial_max_streams_uni",
         tp->initial_max_streams_uni},
        {QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, "max_datagram_frame_size",
         tp->max_datagram_frame_size},
    };
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
        if (quic_tparams_has(tp, numbers[i].id))
            field_u64(q, numbers[i].key, numbers[i].value);
    event_end(q);
}

/* TupleEndpointInfo from a stored sockaddr_in / sockaddr_in6. */
static void put_endpoint(quic_qlog *q, const quic_addr *a) {
    char text[INET6_ADDRSTRLEN];
    sa_family_t family = AF_UNSPEC;
    if (a->len >= sizeof(family) && a->len <= sizeof(a->data))
        memcpy(&family, a->data + offsetof(struct sockaddr, sa_family),
               sizeof(family));
    if (family == AF_INET && a->len == sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, a->data, sizeof(sin));
        inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
        put(q, "{\"ip_v4\":");
        put_cstring(q, text);
        field_u64(q, "port_v4", ntohs(sin.sin_port));
        put(q, "}");
    } else if (family == AF_INET6 && a->len == sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, a->data, sizeof(sin6));
        inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof(text));
        put(q, "{\"ip_v6\":");
        put_cstring(q, text);
        field_u64(q, "port_v6", ntohs(sin6.sin6_port));
        put(q, "}");
    } else {
        put(q, "{}");
    }
}

void quic_qlog_connection_started(quic_qlog *q, quic_time now,
                                  const quic_addr *local,
                                  const quic_addr *remote) {
    if (!event_begin(q, now, "connection_started"))
        return;
    put(q, "\"local\":");
    put_endpoint(q, local);
    put(q, ",\"remote\":");
    put_endpoint(q, remote);
    event_end(q);
}

void quic_qlog_connection_closed(quic_qlog *q, quic_time now, bool local,
                                 bool application, uint64_t error_code,
                                 const char *reason,
                                 quic_qlog_close_trigger trigger) {
    static const char *const triggers[] = {
        "error",           "idle_timeout", "application", "version_mismatch",
        "stateless_reset", "aborted",      "unspecified"};
    if ((unsigned)trigger > QUIC_QLOG_CLOSE_UNSPECIFIED ||
        !event_begin(q, now, "connection_closed"))
        return;
    put(q, local ? "\"initiator\":\"local\"" : "\"initiator\":\"remote\"");
    put_error(q, application ? "application_error" : "connection_error",
              application, error_code);
    if (reason) {
        put(q, ",\"reason\":");
        put_cstring(q, reason);
    }
    field_name(q, "trigger", triggers[trigger]);
    event_end(q);
}

/* A QuicVersion: the four bytes as one hexstring. */
static void put_version(quic_qlog *q, uint32_t v) {
    uint8_t be[4];
    quic_put_u32(be, v);
    put_hex(q, be, 4);
}

static void put_versions(quic_qlog *q, const char *key, const uint32_t *v,
                         size_t n) {
    if (!n)
        return;
    member(q, key);
    put(q, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(q, ",");
        put_version(q, v[i]);
    }
    put(q, "]");
}

void quic_qlog_version_information(quic_qlog *q, quic_time now,
                                   const uint32_t *server, size_t n_server,
                                   const uint32_t *client, size_t n_client,
                                   uint32_t chosen) {
    if (!event_begin(q, now, "version_information"))
        return;
    put_versions(q, "server_versions", server, n_server);
    put_versions(q, "client_versions", client, n_client);
    if (chosen) { /* one QuicVersion, not a list */
        member(q, "chosen_version");
        put_version(q, chosen);
    }
    event_end(q);
}

static void put_alpn(quic_qlog *q, const char *alpn) {
    put(q, "{\"byte_value\":");
    put_hex(q, (const uint8_t *)alpn, strlen(alpn));
    put(q, ",\"string_value\":");
    put_cstring(q, alpn);
    put(q, "}");
}

static void put_alpns(quic_qlog *q, const char *key, const char *const *v,
                      size_t n) {
    if (!n)
        return;
    member(q, key);
    put(q, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(q, ",");
        put_alpn(q, v[i]);
    }
    put(q, "]");
}

void quic_qlog_alpn_information(quic_qlog *q, quic_time now,
                                const char *const *server, size_t n_server,
                                const char *const *client, size_t n_client,
                                const char *chosen) {
    if (!event_begin(q, now, "alpn_information"))
        return;
    put_alpns(q, "server_alpns", server, n_server);
    put_alpns(q, "client_alpns", client, n_client);
    if (chosen) {
        member(q, "chosen_alpn");
        put_alpn(q, chosen);
    }
    event_end(q);
}
