/* core/conn_reset.c — the stateless reset tokens of a connection's own
 * connection IDs, derived from the static key in its config (RFC 9000
 * §10.3.2), and the public helper a server's demultiplexer uses to answer
 * a short-header datagram for a connection it no longer has. */
#include "core/conn_internal.h"

#include "core/packet.h"
#include "core/reset_token.h"

#include <string.h>

void quic_conn_reset_token(quic_conn *conn, const quic_cid *cid,
                           uint8_t token[QUIC_RESET_TOKEN_LEN]) {
    if (quic_reset_token_derive(conn->cfg.stateless_reset_key,
                                sizeof(conn->cfg.stateless_reset_key), cid,
                                token) < 0)
        /* Still unpredictable, only not reproducible after a restart. */
        quic_conn_random(conn, token, QUIC_RESET_TOKEN_LEN);
}

int quic_stateless_reset_build(const uint8_t key[QUIC_STATELESS_RESET_KEY_LEN],
                               const uint8_t *datagram, size_t len,
                               size_t cid_len, uint8_t *out, size_t cap) {
    if (!key || !datagram || !out || cid_len == 0 || cid_len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    /* RFC 9000 §10.3: only short headers are answered (a long header
     * carries the version, and the peer would not look for a token). */
    if (len < 1 + cid_len || (datagram[0] & 0x80))
        return QUIC_ERR_MALFORMED;
    quic_cid cid;
    quic_cid_from_bytes(&cid, datagram + 1, cid_len);
    uint8_t token[QUIC_RESET_TOKEN_LEN];
    int rc =
        quic_reset_token_derive(key, QUIC_STATELESS_RESET_KEY_LEN, &cid, token);
    if (rc < 0)
        return rc;
    return quic_reset_build(token, len, NULL, NULL, out, cap);
}
