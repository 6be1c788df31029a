/* core/peek_public.c — the public header peek and Version Negotiation
 * builder a server's demultiplexer uses before any connection exists; thin
 * wrappers over core/packet.c that copy nothing. */
#include "core/quic.h"

#include "core/packet.h"

#include <string.h>

static quic_header_type public_type(quic_packet_type t) {
    switch (t) {
    case QUIC_PACKET_INITIAL: return QUIC_HEADER_INITIAL;
    case QUIC_PACKET_ZERO_RTT: return QUIC_HEADER_ZERO_RTT;
    case QUIC_PACKET_HANDSHAKE: return QUIC_HEADER_HANDSHAKE;
    case QUIC_PACKET_RETRY: return QUIC_HEADER_RETRY;
    case QUIC_PACKET_VERSION_NEGOTIATION:
        return QUIC_HEADER_VERSION_NEGOTIATION;
    case QUIC_PACKET_ONE_RTT: break;
    }
    return QUIC_HEADER_ONE_RTT;
}

int quic_header_peek(quic_header_info *out, const uint8_t *data, size_t len,
                     size_t short_dcid_len) {
    if (!out || (!data && len > 0))
        return QUIC_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof(*out));
    quic_packet_header h;
    int rc = quic_packet_peek(&h, data, data + len, short_dcid_len);
    if (rc < 0)
        return rc;
    out->type = public_type(h.type);
    out->is_long = h.is_long;
    /* Version Negotiation (version 0) is understood too: a server must
     * never answer it (RFC 9000 §6.1). */
    out->version_known = !h.is_long || h.version_known ||
                         h.type == QUIC_PACKET_VERSION_NEGOTIATION;
    out->version = h.version;
    out->dcid = h.dcid;
    out->dcid_len = h.dcid_len;
    out->scid = h.scid;
    out->scid_len = h.scid_len;
    out->token = h.token;
    out->token_len = h.token_len;
    return 0;
}

int quic_version_negotiation_build(uint8_t *buf, size_t cap,
                                   const quic_header_info *client,
                                   const uint32_t *versions, size_t n,
                                   uint8_t random_bits) {
    if (!buf || !client || !client->is_long || !versions || n == 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (client->version_known &&
        client->type == QUIC_HEADER_VERSION_NEGOTIATION)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (client->version == QUIC_VERSION_NEGOTIATION)
        return QUIC_ERR_INVALID_ARGUMENT;
    return quic_version_negotiation_write(
        buf, buf + cap, client->scid, client->scid_len, client->dcid,
        client->dcid_len, versions, n, random_bits);
}
