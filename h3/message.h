/* h3/message.h — HTTP message rules of RFC 9114 §4 over decoded field
 * sections: validation of request, response and trailer field sections
 * (§4.1.2, §4.2, §4.3, §4.4), and a per-stream tracker of the message
 * sequence and of Content-Length against the DATA received. Not frame
 * parsing, not QPACK. Internal. */
#ifndef H3CLI_H3_MESSAGE_H
#define H3CLI_H3_MESSAGE_H

#include "h3/h3.h"

typedef enum h3_message_kind {
    H3_MESSAGE_REQUEST = 0,
    H3_MESSAGE_RESPONSE, /* interim (1xx) or final */
    H3_MESSAGE_TRAILERS,
} h3_message_kind;

/* Options for validation and tracking. */
/* This endpoint sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so requests may
 * carry :protocol (extended CONNECT, RFC 9220 §3). */
#define H3_MESSAGE_ALLOW_EXTENDED_CONNECT 0x1u
/* Tracking a response to a HEAD request: it has no content (RFC 9110 §9.3.2)
 * whatever its Content-Length says. */
#define H3_MESSAGE_HEAD_REQUEST 0x2u
/* Tracking a response to a CONNECT request: a 2xx opens a tunnel whose DATA
 * is not content, so Content-Length is not checked (RFC 9110 §8.6). */
#define H3_MESSAGE_CONNECT_REQUEST 0x4u

/* A byte string inside a field value; |base| is NULL when absent. */
typedef struct h3_bytes {
    const uint8_t *base;
    size_t len;
} h3_bytes;

/* What validation found. Pointers point into the validated h3_header values
 * and live as long as those do. */
typedef struct h3_message_info {
    h3_message_kind kind;
    h3_bytes method;        /* request :method */
    h3_bytes scheme;        /* request :scheme */
    h3_bytes authority;     /* request :authority */
    h3_bytes path;          /* request :path */
    h3_bytes protocol;      /* request :protocol (extended CONNECT) */
    int status;             /* response :status, -1 for other kinds */
    int64_t content_length; /* -1 when there is no Content-Length */
    /* On failure, a static description of the first rule broken (for logs);
     * NULL on success. */
    const char *error;
} h3_message_info;

/* Validates the field section |headers|[0..|n|) as a message of |kind| with
 * the |flags| above (only H3_MESSAGE_ALLOW_EXTENDED_CONNECT matters here).
 * Fills |out| (which must not be NULL) and returns 0, or H3_ERR_MESSAGE for
 * a malformed section (§4.1.2), with |out->error| set. */
int h3_message_validate(h3_message_kind kind, const h3_header *headers,
                        size_t n, unsigned flags, h3_message_info *out);

/* The receive side of one request or push stream's message: which HEADERS
 * is which, and whether the DATA matches Content-Length. Plain struct; use
 * the functions. */
typedef struct h3_message_tracker {
    int state;
    bool is_request;
    unsigned flags;
    bool no_content; /* HEAD response, 204, 304 */
    bool tunnel;     /* 2xx response to CONNECT, or a CONNECT request */
    int64_t content_length;
    uint64_t received;
} h3_message_tracker;

/* Starts tracking a request (|is_request|: this is a server reading a
 * request stream) or a response (a client reading a request stream, or a
 * push stream), with the |flags| above. */
void h3_message_tracker_init(h3_message_tracker *t, bool is_request,
                             unsigned flags);

/* A decoded HEADERS frame arrived. Validates it as the request or response
 * (a 1xx response is interim and another follows, §4.1) or, after the final
 * one, as trailers, and fills |out|. Returns 0, H3_ERR_MESSAGE (malformed,
 * §4.1.2: a stream error), or H3_ERR_FRAME_UNEXPECTED for a HEADERS frame
 * after the trailers (§4.1: a connection error). */
int h3_message_tracker_on_headers(h3_message_tracker *t,
                                  const h3_header *headers, size_t n,
                                  h3_message_info *out);

/* |len| bytes of DATA payload arrived (call per piece or per frame; zero is
 * allowed). Returns 0; H3_ERR_FRAME_UNEXPECTED for DATA before any HEADERS
 * or after the trailers (§4.1); H3_ERR_MESSAGE for content in an interim or
 * no-content response, or beyond Content-Length (§4.1.2). */
int h3_message_tracker_on_data(h3_message_tracker *t, uint64_t len);

/* The stream ended (FIN). Returns 0; H3_ERR_MESSAGE when the DATA received
 * differs from Content-Length (§4.1.2) or a response ended without a final
 * response; H3_ERR_REQUEST_INCOMPLETE when a request stream ended without
 * its header section (§4.1). */
int h3_message_tracker_on_end(const h3_message_tracker *t);

/* True once the final header section (request, or final response) arrived. */
bool h3_message_tracker_has_final_headers(const h3_message_tracker *t);

#endif
