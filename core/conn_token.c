/* core/conn_token.c — NEW_TOKEN address validation (RFC 9000 §8.1.3): a
 * server mints a token bound to the client's address once the handshake is
 * confirmed and sends it in a NEW_TOKEN frame; the client hands it to its
 * sink and repeats it in the Initials of a later connection; a server that
 * finds a valid one there treats the address as validated. Tokens are
 * core/token.c's; this file only wires them into the connection. */
#include "core/conn_internal.h"

#include "core/frame.h"
#include "core/packet.h"

#include <string.h>

void quic_conn_mint_new_token(quic_conn *conn) {
    if (conn->is_client || !conn->cfg.new_token_key)
        return;
    int n = quic_token_mint_new_token(conn->cfg.new_token_key, &conn->peer_addr,
                                      conn->now, conn->new_token,
                                      sizeof(conn->new_token), conn->version);
    if (n <= 0)
        return; /* no token: the next connection is validated otherwise */
    conn->new_token_len = (size_t)n;
    conn->new_token_pending = true;
}

void quic_conn_write_new_token(quic_conn *conn, conn_pkt_ctx *ctx) {
    if (!conn->new_token_pending)
        return;
    quic_frame f;
    memset(&f, 0, sizeof(f));
    f.type = QUIC_FRAME_NEW_TOKEN;
    f.u.new_token.token = conn->new_token;
    f.u.new_token.len = conn->new_token_len;
    int n = quic_frame_encode(ctx->p, ctx->limit, &f);
    if (n < 0)
        return; /* the next packet */
    ctx->p += n;
    ctx->eliciting = ctx->in_flight = true;
    conn->new_token_pending = false;
    quic_frame_rec *r = quic_recovery_add_frame(&conn->rec);
    if (r) { /* |next| belongs to recovery */
        r->type = CONN_FR_NEW_TOKEN;
        r->stream_id = r->offset = r->length = 0;
        r->flags = 0;
    }
}

void quic_conn_on_new_token(quic_conn *conn, const uint8_t *token, size_t len) {
    if (conn->cfg.new_token_sink)
        conn->cfg.new_token_sink(conn->cfg.sink_user, token, len);
}

void quic_conn_check_initial_token(quic_conn *conn, const uint8_t *token,
                                   size_t len, uint32_t version) {
    if (conn->is_client || conn->address_validated || len == 0 ||
        !conn->cfg.new_token_key)
        return;
    quic_token_key *keys[1] = {conn->cfg.new_token_key};
    quic_token_info info;
    if (quic_token_validate(keys, 1, token, len, QUIC_TOKEN_NEW_TOKEN,
                            &conn->peer_addr, conn->now, &info, version) < 0)
        return;
    conn->address_validated = true;
    quic_recovery_set_amplification_limited(&conn->rec, false, conn->now);
}

int quic_new_token_validate(quic_token_key *key, const quic_header_info *client,
                            const quic_addr *peer, quic_time now,
                            quic_server_params *out) {
    if (!key || !client || !peer || !out)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (client->token_len == 0)
        return QUIC_ERR_TRUNCATED;
    quic_token_key *keys[1] = {key};
    quic_token_info info;
    int rc = quic_token_validate(keys, 1, client->token, client->token_len,
                                 QUIC_TOKEN_NEW_TOKEN, peer, now, &info,
                                 client->version);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    if (quic_cid_from_bytes(&out->original_dcid, client->dcid,
                            client->dcid_len) < 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    out->address_validated = true;
    return 0;
}
