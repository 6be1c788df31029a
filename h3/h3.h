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
/* -305 … -319: reserved for caller-side errors of the connection API */

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
 * (RFC 9114 §4.2.2). Maps to H3_EXCESSIVE_LOAD; the connection may instead
 * answer a request with status 431 and reset only that stream. */
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

/* ==== Connection API (h3_conn_*) ========================================= */

#ifdef __cplusplus
}
#endif
#endif /* H3CLI_H3_H3_H */
