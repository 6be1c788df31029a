/* core/peek_public.c — what a server's demultiplexer uses before any
 * connection exists: the public header peek, Version Negotiation, and
 * Retry packets with their address-validation tokens; thin wrappers over
 * core/packet.c, core/token.c and core/protect.c. */
#include "core/quic.h"

#include "core/packet.h"
#include "core/protect.h"
#include "core/token.h"

#include <string.h>
#include <sys/random.h>

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

/* ---- Retry ----------------------------------------------------------------
 */

#define RETRY_SCID_LEN 8
#define RETRY_KEY_ID 1

int quic_retry_key_new(quic_token_key **out, const uint8_t *secret) {
    return quic_token_key_new(out, NULL, RETRY_KEY_ID, secret);
}

void quic_retry_key_free(quic_token_key *key) {
    quic_token_key_free(key);
}

int quic_retry_build(uint8_t *buf, size_t cap, quic_token_key *key,
                     const quic_header_info *client, const quic_addr *peer,
                     quic_time now) {
    if (!buf || !key || !client || !peer || !client->is_long ||
        !client->version_known || client->type != QUIC_HEADER_INITIAL ||
        client->dcid_len > QUIC_MAX_CID_LEN ||
        client->scid_len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    quic_cid odcid, scid;
    quic_cid_from_bytes(&odcid, client->dcid, client->dcid_len);
    scid.len = RETRY_SCID_LEN;
    if (getrandom(scid.data, RETRY_SCID_LEN, 0) != RETRY_SCID_LEN)
        return QUIC_ERR_CRYPTO;
    uint8_t token[QUIC_TOKEN_MAX_LEN];
    /* RFC 9369 §4: the Retry and the Initial that repeats its token are of
     * the client's original version; the token holds to it. */
    int tlen = quic_token_mint_retry(key, peer, &odcid, &scid, now, token,
                                     sizeof(token), client->version);
    if (tlen < 0)
        return tlen;
    uint8_t unused = 0;
    if (getrandom(&unused, 1, 0) != 1)
        unused = 0;
    /* RFC 9000 §17.2.5: DCID = the client's SCID, SCID = our new CID. */
    int n = quic_retry_write(buf, buf + cap, client->version, client->scid,
                             client->scid_len, scid.data, scid.len, token,
                             (size_t)tlen, NULL, unused);
    if (n < 0)
        return n;
    int rc = quic_retry_integrity_tag(client->version, odcid.data, odcid.len,
                                      buf, (size_t)n - QUIC_RETRY_TAG_LEN,
                                      buf + n - QUIC_RETRY_TAG_LEN);
    return rc < 0 ? rc : n;
}

int quic_retry_validate(quic_token_key *key, const quic_header_info *client,
                        const quic_addr *peer, quic_time now,
                        quic_server_params *out) {
    if (!key || !client || !peer || !out)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (client->token_len == 0)
        return QUIC_ERR_TRUNCATED;
    quic_token_info info;
    quic_token_key *keys[1] = {key};
    int rc = quic_token_validate(keys, 1, client->token, client->token_len,
                                 QUIC_TOKEN_RETRY, peer, now, &info,
                                 client->version);
    if (rc < 0)
        return rc;
    /* RFC 9000 §7.3: the client's Initial after a Retry goes to the Retry
     * SCID; a token replayed towards another CID is not ours to accept. */
    if (info.retry_scid.len != client->dcid_len ||
        memcmp(info.retry_scid.data, client->dcid, client->dcid_len) != 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof(*out));
    out->original_dcid = info.original_dcid;
    out->retry_scid = info.retry_scid;
    out->address_validated = true;
    return 0;
}
