/* cmd/output.c — --events / --json line formatting for QUIC and HTTP/3
 * events; it prints what it is given and keeps no state. */
#include "cmd/output.h"

#include <inttypes.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

static void key(h3cli_evline *l, const char *k) {
    if (l->json)
        fprintf(l->out, ",\"%s\":", k);
    else
        fprintf(l->out, " %s=", k);
}

void h3cli_evline_begin(h3cli_evline *l, FILE *out, bool json,
                        const char *layer, const char *event) {
    l->out = out;
    l->json = json;
    if (json)
        fprintf(out, "{\"layer\":\"%s\",\"event\":\"%s\"", layer, event);
    else
        fprintf(out, "%s %s", layer, event);
}

void h3cli_evline_end(h3cli_evline *l) {
    fputs(l->json ? "}\n" : "\n", l->out);
}

void h3cli_evline_u64(h3cli_evline *l, const char *k, uint64_t v) {
    key(l, k);
    fprintf(l->out, "%" PRIu64, v);
}

void h3cli_evline_code(h3cli_evline *l, const char *k, uint64_t v,
                       const char *name) {
    key(l, k);
    fprintf(l->out, l->json ? "%" PRIu64 : "0x%" PRIx64, v);
    if (name) {
        char nk[64];
        snprintf(nk, sizeof(nk), "%s_name", k);
        h3cli_evline_str(l, nk, name);
    }
}

void h3cli_evline_bool(h3cli_evline *l, const char *k, bool v) {
    key(l, k);
    fputs(v ? "true" : "false", l->out);
}

void h3cli_evline_fixed(h3cli_evline *l, const char *k, double v,
                        int decimals) {
    key(l, k);
    fprintf(l->out, "%.*f", decimals, v);
}

static bool is_bare(const uint8_t *p, size_t len) {
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\')
            return false;
    return true;
}

static void put_json_string(FILE *out, const uint8_t *p, size_t len) {
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}

static void put_text_string(FILE *out, const uint8_t *p, size_t len) {
    if (is_bare(p, len)) {
        fwrite(p, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(out, "\\x%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}

void h3cli_evline_bytes(h3cli_evline *l, const char *k, const uint8_t *p,
                        size_t len) {
    key(l, k);
    if (l->json)
        put_json_string(l->out, p, len);
    else
        put_text_string(l->out, p, len);
}

void h3cli_evline_str(h3cli_evline *l, const char *k, const char *s) {
    if (!s) {
        if (l->json) {
            key(l, k);
            fputs("null", l->out);
        }
        return;
    }
    h3cli_evline_bytes(l, k, (const uint8_t *)s, strlen(s));
}

void h3cli_evline_cid(h3cli_evline *l, const char *k, const quic_cid *cid) {
    char text[2 * QUIC_MAX_CID_LEN + 1];
    size_t n = cid->len <= QUIC_MAX_CID_LEN ? cid->len : QUIC_MAX_CID_LEN;
    for (size_t i = 0; i < n; i++) {
        text[2 * i] = hex[cid->data[i] >> 4];
        text[2 * i + 1] = hex[cid->data[i] & 15];
    }
    text[2 * n] = '\0';
    key(l, k);
    fprintf(l->out, l->json ? "\"%s\"" : "%s", text);
}

const char *h3cli_quic_event_name(quic_event_type t) {
    switch (t) {
    case QUIC_EVENT_NONE: break;
    case QUIC_EVENT_CONNECTION_TERMINATED: return "connection_terminated";
    case QUIC_EVENT_HANDSHAKE_COMPLETED: return "handshake_completed";
    case QUIC_EVENT_PING_ACKNOWLEDGED: return "ping_acknowledged";
    case QUIC_EVENT_STOP_SENDING_RECEIVED: return "stop_sending_received";
    case QUIC_EVENT_STREAM_DATA_RECEIVED: return "stream_data_received";
    case QUIC_EVENT_STREAM_RESET: return "stream_reset";
    case QUIC_EVENT_PROTOCOL_NEGOTIATED: return "protocol_negotiated";
    case QUIC_EVENT_CONNECTION_ID_ISSUED: return "connection_id_issued";
    case QUIC_EVENT_CONNECTION_ID_RETIRED: return "connection_id_retired";
    case QUIC_EVENT_DATAGRAM_FRAME_RECEIVED: return "datagram_frame_received";
    }
    return "unknown";
}

const char *h3cli_h3_event_name(h3_event_type t) {
    switch (t) {
    case H3_EVENT_NONE: break;
    case H3_EVENT_HEADERS_RECEIVED: return "headers_received";
    case H3_EVENT_DATA_RECEIVED: return "data_received";
    case H3_EVENT_PUSH_PROMISE_RECEIVED: return "push_promise_received";
    case H3_EVENT_DATAGRAM_RECEIVED: return "datagram_received";
    case H3_EVENT_GOAWAY_RECEIVED: return "goaway_received";
    case H3_EVENT_STREAM_RESET: return "stream_reset";
    case H3_EVENT_SETTINGS_RECEIVED: return "settings_received";
    case H3_EVENT_PUSH_CANCELLED: return "push_cancelled";
    }
    return "unknown";
}

static void terminated_fields(h3cli_evline *l, const quic_event *ev) {
    uint64_t code = ev->u.connection_terminated.error_code;
    uint64_t frame_type = ev->u.connection_terminated.frame_type;
    const char *reason = ev->u.connection_terminated.reason_phrase;
    bool app = ev->u.connection_terminated.is_application;
    h3cli_evline_code(l, "error_code", code,
                      app ? h3_wire_error_name(code)
                          : quic_wire_error_name(code));
    if (frame_type == QUIC_FRAME_TYPE_NONE)
        h3cli_evline_str(l, "frame_type", l->json ? NULL : "none");
    else
        h3cli_evline_code(l, "frame_type", frame_type, NULL);
    h3cli_evline_str(l, "reason", reason ? reason : "");
    h3cli_evline_bool(l, "application", app);
    h3cli_evline_bool(l, "by_peer", ev->u.connection_terminated.by_peer);
    h3cli_evline_bool(l, "idle_timeout",
                      ev->u.connection_terminated.idle_timeout);
    h3cli_evline_bool(l, "stateless_reset",
                      ev->u.connection_terminated.stateless_reset);
}

static void quic_fields(h3cli_evline *l, const quic_event *ev) {
    switch (ev->type) {
    case QUIC_EVENT_CONNECTION_TERMINATED: terminated_fields(l, ev); break;
    case QUIC_EVENT_HANDSHAKE_COMPLETED:
        h3cli_evline_str(l, "alpn", ev->u.handshake_completed.alpn_protocol);
        h3cli_evline_bool(l, "early_data_accepted",
                          ev->u.handshake_completed.early_data_accepted);
        h3cli_evline_bool(l, "session_resumed",
                          ev->u.handshake_completed.session_resumed);
        break;
    case QUIC_EVENT_PING_ACKNOWLEDGED:
        h3cli_evline_u64(l, "uid", ev->u.ping_acknowledged.uid);
        break;
    case QUIC_EVENT_STOP_SENDING_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.stop_sending_received.stream_id);
        h3cli_evline_code(
            l, "error_code", ev->u.stop_sending_received.error_code,
            h3_wire_error_name(ev->u.stop_sending_received.error_code));
        break;
    case QUIC_EVENT_STREAM_DATA_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.stream_data_received.stream_id);
        h3cli_evline_u64(l, "length", ev->u.stream_data_received.len);
        h3cli_evline_bool(l, "end_stream",
                          ev->u.stream_data_received.end_stream);
        break;
    case QUIC_EVENT_STREAM_RESET:
        h3cli_evline_u64(l, "stream_id", ev->u.stream_reset.stream_id);
        h3cli_evline_code(l, "error_code", ev->u.stream_reset.error_code,
                          h3_wire_error_name(ev->u.stream_reset.error_code));
        break;
    case QUIC_EVENT_PROTOCOL_NEGOTIATED:
        h3cli_evline_str(l, "alpn", ev->u.protocol_negotiated.alpn_protocol);
        break;
    case QUIC_EVENT_CONNECTION_ID_ISSUED:
        h3cli_evline_cid(l, "connection_id",
                         &ev->u.connection_id_issued.connection_id);
        break;
    case QUIC_EVENT_CONNECTION_ID_RETIRED:
        h3cli_evline_cid(l, "connection_id",
                         &ev->u.connection_id_retired.connection_id);
        break;
    case QUIC_EVENT_DATAGRAM_FRAME_RECEIVED:
        h3cli_evline_u64(l, "length", ev->u.datagram_frame_received.len);
        break;
    case QUIC_EVENT_NONE: break;
    }
}

void h3cli_output_quic_event(FILE *out, bool json, uint64_t conn,
                             const quic_event *ev) {
    h3cli_evline l;
    h3cli_evline_begin(&l, out, json, "quic", h3cli_quic_event_name(ev->type));
    if (conn)
        h3cli_evline_u64(&l, "conn", conn);
    quic_fields(&l, ev);
    h3cli_evline_end(&l);
}

static void push_id_field(h3cli_evline *l, uint64_t push_id) {
    if (push_id != H3_PUSH_ID_NONE)
        h3cli_evline_u64(l, "push_id", push_id);
}

static void header_lines(FILE *out, bool json, uint64_t conn,
                         uint64_t stream_id, const h3_header *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h3cli_evline l;
        h3cli_evline_begin(&l, out, json, "h3", "header");
        if (conn)
            h3cli_evline_u64(&l, "conn", conn);
        h3cli_evline_u64(&l, "stream_id", stream_id);
        h3cli_evline_bytes(&l, "name", h[i].name, h[i].name_len);
        h3cli_evline_bytes(&l, "value", h[i].value, h[i].value_len);
        h3cli_evline_end(&l);
    }
}

static void settings_fields(h3cli_evline *l, const h3_settings *s) {
    h3cli_evline_u64(l, "qpack_max_table_capacity",
                     s->qpack_max_table_capacity);
    if (s->max_field_section_size == H3_SETTING_UNLIMITED)
        h3cli_evline_str(l, "max_field_section_size",
                         l->json ? NULL : "unlimited");
    else
        h3cli_evline_u64(l, "max_field_section_size",
                         s->max_field_section_size);
    h3cli_evline_u64(l, "qpack_blocked_streams", s->qpack_blocked_streams);
    h3cli_evline_bool(l, "enable_connect_protocol", s->enable_connect_protocol);
    h3cli_evline_bool(l, "h3_datagram", s->h3_datagram);
}

static void h3_fields(h3cli_evline *l, const h3_event *ev) {
    switch (ev->type) {
    case H3_EVENT_HEADERS_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.headers_received.stream_id);
        h3cli_evline_u64(l, "count", ev->u.headers_received.count);
        h3cli_evline_bool(l, "stream_ended",
                          ev->u.headers_received.stream_ended);
        push_id_field(l, ev->u.headers_received.push_id);
        break;
    case H3_EVENT_DATA_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.data_received.stream_id);
        h3cli_evline_u64(l, "length", ev->u.data_received.len);
        h3cli_evline_bool(l, "stream_ended", ev->u.data_received.stream_ended);
        push_id_field(l, ev->u.data_received.push_id);
        break;
    case H3_EVENT_PUSH_PROMISE_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.push_promise_received.stream_id);
        h3cli_evline_u64(l, "push_id", ev->u.push_promise_received.push_id);
        h3cli_evline_u64(l, "count", ev->u.push_promise_received.count);
        break;
    case H3_EVENT_DATAGRAM_RECEIVED:
        h3cli_evline_u64(l, "stream_id", ev->u.datagram_received.stream_id);
        h3cli_evline_u64(l, "length", ev->u.datagram_received.len);
        break;
    case H3_EVENT_GOAWAY_RECEIVED:
        h3cli_evline_u64(l, "id", ev->u.goaway_received.id);
        break;
    case H3_EVENT_STREAM_RESET:
        h3cli_evline_u64(l, "stream_id", ev->u.stream_reset.stream_id);
        h3cli_evline_code(l, "error_code", ev->u.stream_reset.error_code,
                          h3_wire_error_name(ev->u.stream_reset.error_code));
        h3cli_evline_bool(l, "local", ev->u.stream_reset.local);
        push_id_field(l, ev->u.stream_reset.push_id);
        break;
    case H3_EVENT_SETTINGS_RECEIVED:
        settings_fields(l, ev->u.settings_received.settings);
        break;
    case H3_EVENT_PUSH_CANCELLED:
        h3cli_evline_u64(l, "push_id", ev->u.push_cancelled.push_id);
        break;
    case H3_EVENT_NONE: break;
    }
}

void h3cli_output_h3_event(FILE *out, bool json, uint64_t conn,
                           const h3_event *ev) {
    h3cli_evline l;
    h3cli_evline_begin(&l, out, json, "h3", h3cli_h3_event_name(ev->type));
    if (conn)
        h3cli_evline_u64(&l, "conn", conn);
    h3_fields(&l, ev);
    h3cli_evline_end(&l);
    if (ev->type == H3_EVENT_HEADERS_RECEIVED)
        header_lines(out, json, conn, ev->u.headers_received.stream_id,
                     ev->u.headers_received.headers,
                     ev->u.headers_received.count);
    else if (ev->type == H3_EVENT_PUSH_PROMISE_RECEIVED)
        header_lines(out, json, conn, ev->u.push_promise_received.stream_id,
                     ev->u.push_promise_received.headers,
                     ev->u.push_promise_received.count);
}

const char *h3cli_tls_alert_name(unsigned alert) {
    switch (alert) {
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    }
    return "alert";
}

const char *h3cli_describe_termination(const quic_event *ev, char *buf,
                                       size_t cap) {
    uint64_t code = ev->u.connection_terminated.error_code;
    const char *reason = ev->u.connection_terminated.reason_phrase;
    bool app = ev->u.connection_terminated.is_application;
    const char *who =
        ev->u.connection_terminated.by_peer ? "closed by the peer" : "closed";
    if (!reason)
        reason = "";
    if (ev->u.connection_terminated.idle_timeout)
        snprintf(buf, cap, "idle timeout");
    else if (ev->u.connection_terminated.stateless_reset)
        snprintf(buf, cap, "stateless reset from the peer");
    else if (!app && code >= 0x100 && code <= 0x1ff)
        snprintf(buf, cap, "TLS alert %u (%s)%s", (unsigned)(code - 0x100),
                 h3cli_tls_alert_name((unsigned)(code - 0x100)),
                 ev->u.connection_terminated.by_peer ? " from the peer" : "");
    else
        snprintf(buf, cap, "%s with %s (0x%" PRIx64 ")%s%s", who,
                 app ? h3_wire_error_name(code) : quic_wire_error_name(code),
                 code, *reason ? ": " : "", reason);
    return buf;
}
