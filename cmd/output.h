/* cmd/output.h — the --events / --json lines every subcommand prints: one
 * line per QUIC event, HTTP/3 event and header field, as "layer event
 * key=value ..." text or as one JSON object per line with snake_case keys.
 * Formatting only: the callers decide what to print and where. */
#ifndef H3CLI_CMD_OUTPUT_H
#define H3CLI_CMD_OUTPUT_H

#include "core/quic.h"
#include "h3/h3.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One event line being written to |out|. Text form:
 *   quic handshake_completed alpn=h3 early_data_accepted=false
 * values are bare when they are made of printable ASCII without spaces,
 * quotes or backslashes, else double-quoted with C escapes (\" \\ \xHH).
 * JSON form:
 *   {"layer":"quic","event":"handshake_completed","alpn":"h3",...}
 * strings escaped per RFC 8259; bytes >= 0x80 as \u00XX, so every line is
 * valid JSON whatever the peer sent. */
typedef struct h3cli_evline {
    FILE *out;
    bool json;
} h3cli_evline;

void h3cli_evline_begin(h3cli_evline *l, FILE *out, bool json,
                        const char *layer, const char *event);
void h3cli_evline_u64(h3cli_evline *l, const char *key, uint64_t v);
/* A wire code as "0x10c" text / a number in JSON, with its RFC name under
 * "<key>_name" (e.g. error_code=0x100 error_code_name=H3_NO_ERROR). */
void h3cli_evline_code(h3cli_evline *l, const char *key, uint64_t v,
                       const char *name);
void h3cli_evline_bool(h3cli_evline *l, const char *key, bool v);
/* A number with |decimals| decimals (e.g. a time in ms). */
void h3cli_evline_fixed(h3cli_evline *l, const char *key, double v,
                        int decimals);
/* A string; NULL prints as null in JSON and is left out of text. */
void h3cli_evline_str(h3cli_evline *l, const char *key, const char *s);
void h3cli_evline_bytes(h3cli_evline *l, const char *key, const uint8_t *p,
                        size_t len);
/* A connection ID as lowercase hex. */
void h3cli_evline_cid(h3cli_evline *l, const char *key, const quic_cid *cid);
void h3cli_evline_end(h3cli_evline *l);

/* The snake_case name of a QUIC event type ("stream_data_received"). */
const char *h3cli_quic_event_name(quic_event_type t);
/* The snake_case name of an HTTP/3 event type ("headers_received"). */
const char *h3cli_h3_event_name(h3_event_type t);

/* Prints one line for a QUIC event (layer "quic"). Stream and datagram
 * payloads are summarised by their length, never printed. |conn| > 0 adds
 * a "conn" field first (a server's connection number). */
void h3cli_output_quic_event(FILE *out, bool json, uint64_t conn,
                             const quic_event *ev);

/* Prints one line for an HTTP/3 event (layer "h3"), then, for
 * headers_received and push_promise_received, one "header" line per
 * field with its stream_id, name and value. |conn| as above. */
void h3cli_output_h3_event(FILE *out, bool json, uint64_t conn,
                           const h3_event *ev);

/* The name of a TLS alert ("unknown_ca"), or "alert" when unknown. */
const char *h3cli_tls_alert_name(unsigned alert);

/* A one-line human account of a ConnectionTerminated event for error
 * messages: "idle timeout", "TLS alert 48 (unknown_ca)", "closed by the
 * peer with H3_GENERAL_PROTOCOL_ERROR (0x101): reason", ... Returns |buf|. */
const char *h3cli_describe_termination(const quic_event *ev, char *buf,
                                       size_t cap);

#endif
