/* core/err.c — names for library and wire error codes; no logic beyond that. */
#include "core/quic.h"

bool quic_err_is_fatal(int err) {
    return err == QUIC_ERR_NOMEM;
}

const char *quic_strerror(int err) {
    switch (err) {
    case 0: return "success";
    case QUIC_ERR_NOMEM: return "out of memory";
    case QUIC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case QUIC_ERR_INVALID_STATE: return "invalid state";
    case QUIC_ERR_NOBUF: return "buffer too small";
    case QUIC_ERR_TRUNCATED: return "input truncated";
    case QUIC_ERR_MALFORMED: return "malformed input";
    case QUIC_ERR_FRAME_ENCODING: return "frame encoding error";
    case QUIC_ERR_TRANSPORT_PARAMETER: return "invalid transport parameter";
    case QUIC_ERR_PROTOCOL_VIOLATION: return "protocol violation";
    case QUIC_ERR_UNKNOWN_VERSION: return "unknown QUIC version";
    case QUIC_ERR_VARINT_RANGE: return "integer too large for a varint";
    case QUIC_ERR_FIXED_BIT: return "packet fixed bit is zero";
    case QUIC_ERR_CID_TOO_LONG: return "connection ID longer than 20 bytes";
    case QUIC_ERR_PACKET_LENGTH: return "packet Length exceeds the datagram";
    case QUIC_ERR_VN_LIST: return "bad Version Negotiation version list";
    case QUIC_ERR_RETRY_NO_TOKEN: return "Retry packet without a token";
    case QUIC_ERR_CRYPTO: return "cryptographic operation failed";
    case QUIC_ERR_DECRYPT: return "packet authentication failed";
    case QUIC_ERR_UNSUPPORTED_CIPHER: return "unsupported cipher";
    case QUIC_ERR_SHORT_PACKET: return "packet too short to unprotect";
    case QUIC_ERR_TLS: return "TLS handshake failed";
    case QUIC_ERR_TLS_CERTIFICATE: return "certificate or key unusable";
    case QUIC_ERR_TLS_CA: return "CA certificates cannot be loaded";
    case QUIC_ERR_TLS_CIPHER_SUITES: return "no usable TLS 1.3 cipher suite";
    case QUIC_ERR_TLS_SESSION: return "session ticket cannot be decoded";
    case QUIC_ERR_TLS_PINNED_PUBKEY: return "malformed pinned public key";
    case QUIC_ERR_TLS_CRYPTO_LEVEL: return "CRYPTO data at a stale level";
    case QUIC_ERR_TOKEN_TYPE: return "not a token of the expected kind";
    case QUIC_ERR_TOKEN_KEY: return "token minted with an unknown key";
    case QUIC_ERR_TOKEN_INVALID: return "token failed authentication";
    case QUIC_ERR_TOKEN_EXPIRED: return "token expired";
    case QUIC_ERR_TOKEN_ADDRESS: return "token bound to another address";
    case QUIC_ERR_RESET_TOO_SMALL:
        return "packet too short to answer with a stateless reset";
    case QUIC_ERR_FLOW_CONTROL: return "peer exceeded flow-control credit";
    case QUIC_ERR_STREAM_LIMIT: return "peer exceeded the stream limit";
    case QUIC_ERR_STREAM_STATE: return "frame invalid in the stream's state";
    case QUIC_ERR_FINAL_SIZE: return "final size violated";
    case QUIC_ERR_CONNECTION_ID_LIMIT: return "too many connection IDs";
    case QUIC_ERR_CRYPTO_BUFFER: return "CRYPTO data beyond the buffer";
    case QUIC_ERR_NOT_IMPLEMENTED: return "not implemented in this version";
    case QUIC_ERR_VERSION_NEGOTIATION:
        return "version negotiation failed (RFC 9368)";
    default: return "unknown error";
    }
}

const char *quic_wire_error_name(uint64_t code) {
    static const char *const names[] = {
        "NO_ERROR",
        "INTERNAL_ERROR",
        "CONNECTION_REFUSED",
        "FLOW_CONTROL_ERROR",
        "STREAM_LIMIT_ERROR",
        "STREAM_STATE_ERROR",
        "FINAL_SIZE_ERROR",
        "FRAME_ENCODING_ERROR",
        "TRANSPORT_PARAMETER_ERROR",
        "CONNECTION_ID_LIMIT_ERROR",
        "PROTOCOL_VIOLATION",
        "INVALID_TOKEN",
        "APPLICATION_ERROR",
        "CRYPTO_BUFFER_EXCEEDED",
        "KEY_UPDATE_ERROR",
        "AEAD_LIMIT_REACHED",
        "NO_VIABLE_PATH",
        "VERSION_NEGOTIATION_ERROR",
    };
    if (code < sizeof(names) / sizeof(names[0]))
        return names[code];
    if (code >= 0x0100 && code <= 0x01ff)
        return "CRYPTO_ERROR";
    return "unknown error code";
}
