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
/* -111 … -129: reserved for wire primitives (varint, packet, frame, tparams) */
#define QUIC_ERR_CRYPTO (-130)          /* a wolfCrypt primitive failed */
#define QUIC_ERR_DECRYPT (-131)         /* AEAD authentication failed */
#define QUIC_ERR_UNSUPPORTED_CIPHER (-132)
/* -133 … -149: reserved for packet protection */
#define QUIC_ERR_TLS (-150) /* the TLS handshake failed */
/* -151 … -169: reserved for the TLS glue */
/* -170 … -199: reserved for the connection */

/* True for errors after which the object must not be used further. */
bool quic_err_is_fatal(int err);
/* A static description of |err|; never NULL, "unknown error" if unknown. */
const char *quic_strerror(int err);

/* "wolfSSL/5.7.2": the TLS library this engine was built with. */
const char *quic_tls_library_version(void);

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

#ifdef __cplusplus
}
#endif
#endif /* H3CLI_CORE_QUIC_H */
