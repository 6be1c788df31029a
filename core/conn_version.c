/* core/conn_version.c — QUIC version negotiation inside one connection
 * (RFC 9368, RFC 9369 §4): our version_information transport parameter,
 * the server's choice of a compatible version when it reads the
 * ClientHello, the client following the server's Initial of that version,
 * and the downgrade checks on the peer's version_information. Versions 1
 * and 2 are the only ones this engine knows and are compatible with each
 * other in both directions (RFC 9369 §4), so "compatible" is "known" here.
 * Version Negotiation packets themselves are conn_recv.c's. */
#include "core/conn_internal.h"

#include "core/tls.h"

#include <string.h>

#define TLS_EXT_QUIC_TRANSPORT_PARAMETERS 0x39 /* RFC 9001 §8.2 */
#define TLS_EXT_PRE_SHARED_KEY 0x29            /* RFC 8446 §4.2.11 */
#define TLS_EXT_EARLY_DATA 0x2a                /* RFC 8446 §4.2.10 */
#define TPARAMS_MAX 512

static bool listed(const uint32_t *list, size_t n, uint32_t v) {
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

void quic_conn_version_info_fill(quic_conn *conn) {
    quic_version_information *vi = &conn->local_tp.version_info;
    memset(vi, 0, sizeof(*vi));
    vi->chosen = conn->version;
    for (size_t i = 0; i < conn->cfg.version_count; i++)
        vi->available[vi->available_count++] = conn->cfg.versions[i];
    quic_tparams_set_present(&conn->local_tp, QUIC_TP_VERSION_INFORMATION);
}

static void qlog_versions(quic_conn *conn, const uint32_t *client,
                          size_t n_client) {
    if (!conn->qlog)
        return;
    quic_conn_qlog_versions(conn, conn->is_client ? NULL : conn->cfg.versions,
                            conn->is_client ? 0 : conn->cfg.version_count,
                            client, n_client, conn->version);
}

/* RFC 9368 §2.3: the first version of ours, in our order of preference,
 * that the client says its first flight converts to. The client's Chosen
 * Version must be the one its Initial used (§4), or nothing is switched
 * (the transport-parameter check then closes the connection). */
static uint32_t pick(const quic_conn *conn,
                     const quic_version_information *vi) {
    if (vi->chosen != conn->version)
        return conn->version;
    for (size_t i = 0; i < conn->cfg.version_count; i++)
        if (listed(vi->available, vi->available_count, conn->cfg.versions[i]))
            return conn->cfg.versions[i];
    return conn->version;
}

/* Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
static int switch_to(quic_conn *conn, uint32_t version) {
    /* RFC 9369 §4: the client's Initials of the original version may still
     * come (retransmissions); their keys stay until the Initial space
     * goes. */
    quic_keys_free(conn->rx_initial_original);
    conn->rx_initial_original = conn->rx_keys[QUIC_LEVEL_INITIAL];
    conn->rx_keys[QUIC_LEVEL_INITIAL] = NULL;
    conn->version = version;
    return quic_conn_install_initial_keys(conn, &conn->initial_dcid);
}

int quic_conn_server_choose_version(quic_conn *conn) {
    const uint8_t *body;
    size_t len;
    if (conn->is_client || conn->version_chosen ||
        quic_tls_client_hello_extension(
            conn->tls, TLS_EXT_QUIC_TRANSPORT_PARAMETERS, &body, &len) < 0)
        return 0;
    conn->version_chosen = true;
    quic_tparams tp;
    const uint8_t *ignored;
    size_t ignored_len;
    bool has_vi = len > 0 &&
                  quic_tparams_decode(&tp, body, body + len, false) == 0 &&
                  quic_tparams_has(&tp, QUIC_TP_VERSION_INFORMATION);
    /* A resumption stays in the version it was sent in: its ticket is
     * bound to the version that issued it (RFC 9369 §5), which wolfSSL's
     * opaque tickets do not tell us, and 0-RTT packets of the original
     * version would need that version's keys beside the negotiated one's
     * (RFC 9368 §7.3 lets a server decline; RFC 9369 §4 allows either). */
    bool resuming =
        quic_tls_client_hello_extension(conn->tls, TLS_EXT_PRE_SHARED_KEY,
                                        &ignored, &ignored_len) > 0 ||
        quic_tls_client_hello_extension(conn->tls, TLS_EXT_EARLY_DATA, &ignored,
                                        &ignored_len) > 0;
    uint32_t chosen =
        has_vi && !resuming ? pick(conn, &tp.version_info) : conn->version;
    int rc = 0;
    if (chosen != conn->version)
        rc = switch_to(conn, chosen);
    if (rc < 0)
        return rc;
    qlog_versions(conn, has_vi ? tp.version_info.available : NULL,
                  has_vi ? tp.version_info.available_count : 0);
    return quic_conn_version_refresh_params(conn);
}

int quic_conn_version_refresh_params(quic_conn *conn) {
    /* Our Chosen Version is the one in use (§3), also when the client's
     * Initial picked another version of our list than our first. */
    quic_conn_version_info_fill(conn);
    uint8_t buf[TPARAMS_MAX];
    int rc = quic_tparams_encode(buf, buf + sizeof(buf), &conn->local_tp, NULL);
    if (rc < 0)
        return rc == QUIC_ERR_NOMEM ? rc : QUIC_ERR_CRYPTO;
    return quic_tls_set_transport_params(conn->tls, buf, (size_t)rc);
}

/* RFC 9368 §4, the client's side of the server's Version Information. */
static int check_server_info(const quic_conn *conn, const quic_tparams *tp) {
    if (!quic_tparams_has(tp, QUIC_TP_VERSION_INFORMATION)) {
        /* A client that reacted to a VN packet needs the server's list
         * (§6: a v1 server without one counts as listing only v1). */
        if (conn->vn_reacted && conn->version != QUIC_VERSION_1)
            return QUIC_ERR_VERSION_NEGOTIATION;
        return 0;
    }
    const quic_version_information *vi = &tp->version_info;
    /* The server's Chosen Version is the one its long headers showed, and
     * one we offered. */
    if (vi->chosen != conn->version ||
        !listed(conn->cfg.versions, conn->cfg.version_count, vi->chosen))
        return QUIC_ERR_VERSION_NEGOTIATION;
    if (!conn->vn_reacted)
        return 0;
    /* After a VN packet: we must have picked the same version from the
     * server's Available Versions plus its Chosen Version. */
    for (size_t i = 0; i < conn->cfg.version_count; i++) {
        uint32_t v = conn->cfg.versions[i];
        if (v == vi->chosen || listed(vi->available, vi->available_count, v))
            return v == conn->version ? 0 : QUIC_ERR_VERSION_NEGOTIATION;
    }
    return QUIC_ERR_VERSION_NEGOTIATION;
}

int quic_conn_check_peer_version_info(const quic_conn *conn,
                                      const quic_tparams *tp) {
    if (conn->is_client)
        return check_server_info(conn, tp);
    /* A server may complete without it (§4); with it, the client's Chosen
     * Version must be the version of the Initials that carried it. */
    if (quic_tparams_has(tp, QUIC_TP_VERSION_INFORMATION) &&
        tp->version_info.chosen != conn->original_version)
        return QUIC_ERR_VERSION_NEGOTIATION;
    return 0;
}

bool quic_conn_client_may_follow(const quic_conn *conn, uint32_t version) {
    /* RFC 9369 §4: the first long header of another version tells the
     * negotiated version; the server's first CRYPTO data (which gives us
     * Handshake keys) settles it. A Retry comes in the original version
     * and the switch may follow it. */
    return conn->is_client && version != conn->version &&
           conn->version == conn->original_version &&
           conn->rx_keys[QUIC_LEVEL_HANDSHAKE] == NULL &&
           !conn->spaces[QUIC_PN_SPACE_HANDSHAKE].discarded &&
           listed(conn->cfg.versions, conn->cfg.version_count, version);
}

int quic_conn_follow_version(quic_conn *conn, uint32_t version,
                             conn_version_undo *undo) {
    quic_keys *client, *server;
    int rc =
        quic_keys_new_initial(&client, &server, conn->alloc, version,
                              conn->initial_dcid.data, conn->initial_dcid.len);
    if (rc < 0)
        return rc;
    undo->version = conn->version;
    undo->rx = conn->rx_keys[QUIC_LEVEL_INITIAL];
    undo->tx = conn->tx_keys[QUIC_LEVEL_INITIAL];
    conn->rx_keys[QUIC_LEVEL_INITIAL] = server;
    conn->tx_keys[QUIC_LEVEL_INITIAL] = client;
    conn->version = version;
    return 0;
}

void quic_conn_version_undo(quic_conn *conn, conn_version_undo *undo) {
    quic_keys_free(conn->rx_keys[QUIC_LEVEL_INITIAL]);
    quic_keys_free(conn->tx_keys[QUIC_LEVEL_INITIAL]);
    conn->rx_keys[QUIC_LEVEL_INITIAL] = undo->rx;
    conn->tx_keys[QUIC_LEVEL_INITIAL] = undo->tx;
    conn->version = undo->version;
}

void quic_conn_version_commit(quic_conn *conn, conn_version_undo *undo) {
    quic_keys_free(undo->rx);
    quic_keys_free(undo->tx);
    /* RFC 9369 §4: no 0-RTT in the negotiated version; what was sent in
     * 0-RTT is repeated in 1-RTT if it is lost. */
    quic_keys_free(conn->tx_keys[QUIC_LEVEL_EARLY_DATA]);
    conn->tx_keys[QUIC_LEVEL_EARLY_DATA] = NULL;
    qlog_versions(conn, conn->cfg.versions, conn->cfg.version_count);
}

quic_keys *quic_conn_initial_rx_keys(quic_conn *conn, uint32_t version) {
    if (version == conn->version)
        return conn->rx_keys[QUIC_LEVEL_INITIAL];
    if (!conn->is_client && version == conn->original_version)
        return conn->rx_initial_original;
    return NULL;
}

int quic_conn_restart_after_vn(quic_conn *conn, uint32_t version) {
    conn->vn_reacted = true;
    conn->version = conn->original_version = version;
    /* The first attempt's Initial packets are gone; their CRYPTO data was
     * a ClientHello naming the old version and is replaced, from offset 0
     * (RFC 9368 §2.1: conceptually a new connection). 0-RTT packets that
     * left are as good as rejected. */
    quic_recovery_discard_space(&conn->rec, QUIC_PN_SPACE_INITIAL, conn->now);
    conn_space *s = &conn->spaces[QUIC_PN_SPACE_INITIAL];
    quic_sendbuf_cleanup(&s->crypto_send);
    quic_sendbuf_init(&s->crypto_send, conn->alloc);
    quic_keys_free(conn->tx_keys[QUIC_LEVEL_EARLY_DATA]);
    conn->tx_keys[QUIC_LEVEL_EARLY_DATA] = NULL;
    if (conn->zero_rtt_sent) {
        int rc = quic_conn_requeue_zero_rtt(conn);
        if (rc < 0)
            return rc;
        conn->zero_rtt_sent = false;
    }
    quic_tls_free(conn->tls);
    conn->tls = NULL;
    quic_conn_version_info_fill(conn);
    int rc = quic_conn_tls_new(conn, false);
    if (rc == 0)
        rc = quic_conn_install_initial_keys(conn, &conn->initial_dcid);
    if (rc < 0)
        return rc;
    quic_conn_tls_advance(conn);
    return 0;
}
