/* h3/err.c — names and wire codes for HTTP/3 library and wire error codes;
 * no logic beyond that. */
#include "h3/h3.h"

#include "h3/frame.h"

/* Protocol errors in the order -320, -321, …, with their wire codes. */
static const struct {
    uint64_t wire;
    const char *text;
} protocol_errors[] = {
    {H3_GENERAL_PROTOCOL_ERROR, "HTTP/3 protocol violation"},
    {H3_INTERNAL_ERROR, "internal HTTP/3 error"},
    {H3_STREAM_CREATION_ERROR, "peer created a stream that is not accepted"},
    {H3_CLOSED_CRITICAL_STREAM, "a critical stream was closed"},
    {H3_FRAME_UNEXPECTED, "frame not permitted here"},
    {H3_FRAME_ERROR, "frame layout or size is invalid"},
    {H3_EXCESSIVE_LOAD, "peer generates excessive load"},
    {H3_ID_ERROR, "stream ID or push ID used incorrectly"},
    {H3_SETTINGS_ERROR, "invalid SETTINGS"},
    {H3_MISSING_SETTINGS, "control stream does not start with SETTINGS"},
    {H3_REQUEST_REJECTED, "request rejected"},
    {H3_REQUEST_CANCELLED, "request cancelled"},
    {H3_REQUEST_INCOMPLETE, "request incomplete"},
    {H3_MESSAGE_ERROR, "malformed HTTP message"},
    {H3_CONNECT_ERROR, "CONNECT tunnel failed"},
    {H3_VERSION_FALLBACK, "retry over HTTP/1.1"},
    {H3_DATAGRAM_ERROR, "invalid HTTP datagram"},
    {H3_EXCESSIVE_LOAD, "field section larger than accepted"},
};

#define N_PROTOCOL_ERRORS (sizeof(protocol_errors) / sizeof(protocol_errors[0]))

bool h3_err_is_fatal(int err) {
    return err == H3_ERR_NOMEM;
}

bool h3_err_is_protocol(int err) {
    return err <= H3_ERR_GENERAL_PROTOCOL &&
           err > H3_ERR_GENERAL_PROTOCOL - (int)N_PROTOCOL_ERRORS;
}

uint64_t h3_err_to_wire(int err) {
    if (!h3_err_is_protocol(err))
        return H3_INTERNAL_ERROR;
    return protocol_errors[H3_ERR_GENERAL_PROTOCOL - err].wire;
}

const char *h3_strerror(int err) {
    if (h3_err_is_protocol(err))
        return protocol_errors[H3_ERR_GENERAL_PROTOCOL - err].text;
    switch (err) {
    case 0: return "success";
    case H3_ERR_NOMEM: return "out of memory";
    case H3_ERR_INVALID_ARGUMENT: return "invalid argument";
    case H3_ERR_INVALID_STATE: return "invalid state";
    case H3_ERR_NOBUF: return "buffer too small";
    case H3_ERR_NO_AVAILABLE_PUSH_ID: return "no push ID available";
    case H3_ERR_GOAWAY: return "excluded by the peer's GOAWAY";
    case H3_ERR_STREAM_LIMIT:
        return "no stream available under the peer's limit";
    default: return "unknown error";
    }
}

const char *h3_wire_error_name(uint64_t code) {
    static const char *const names[] = {
        "H3_NO_ERROR",
        "H3_GENERAL_PROTOCOL_ERROR",
        "H3_INTERNAL_ERROR",
        "H3_STREAM_CREATION_ERROR",
        "H3_CLOSED_CRITICAL_STREAM",
        "H3_FRAME_UNEXPECTED",
        "H3_FRAME_ERROR",
        "H3_EXCESSIVE_LOAD",
        "H3_ID_ERROR",
        "H3_SETTINGS_ERROR",
        "H3_MISSING_SETTINGS",
        "H3_REQUEST_REJECTED",
        "H3_REQUEST_CANCELLED",
        "H3_REQUEST_INCOMPLETE",
        "H3_MESSAGE_ERROR",
        "H3_CONNECT_ERROR",
        "H3_VERSION_FALLBACK",
    };
    if (code >= H3_NO_ERROR &&
        code - H3_NO_ERROR < sizeof(names) / sizeof(names[0]))
        return names[code - H3_NO_ERROR];
    if (code == H3_DATAGRAM_ERROR)
        return "H3_DATAGRAM_ERROR";
    /* RFC 9114 §8.1: 0x1f * N + 0x21 codes exercise "unknown code = no
     * error" and are never assigned. */
    if (h3_is_grease(code))
        return "reserved";
    return "unknown error code";
}
