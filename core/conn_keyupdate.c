/* core/conn_keyupdate.c — 1-RTT key phases (RFC 9001 §6): choosing the
 * read keys from a packet's key phase bit (current, next, or the previous
 * phase for reordered packets), following a peer's update, initiating one,
 * and the rules that pace updates (an ACK in the current phase first; old
 * read keys kept for three PTOs). Key derivation itself is core/aead's. */
#include "core/conn_internal.h"

quic_keys *quic_conn_keys_for_phase(quic_conn *conn, bool phase, uint64_t pn,
                                    bool *is_next) {
    *is_next = false;
    if (phase == conn->rx_phase)
        return conn->rx_keys[QUIC_LEVEL_APPLICATION];
    /* RFC 9001 §6.5: a packet of the previous phase arrived late. */
    if (conn->rx_prev && pn < conn->rx_phase_first_pn)
        return conn->rx_prev;
    if (!conn->rx_next &&
        quic_keys_new_next(&conn->rx_next,
                           conn->rx_keys[QUIC_LEVEL_APPLICATION]) < 0)
        return NULL;
    *is_next = true;
    return conn->rx_next;
}

/* Moves the sending side to the next phase. Errors: those of
 * quic_keys_new_next. */
static int next_tx_phase(quic_conn *conn) {
    quic_keys *next;
    int rc = quic_keys_new_next(&next, conn->tx_keys[QUIC_LEVEL_APPLICATION]);
    if (rc < 0)
        return rc;
    quic_keys_free(conn->tx_keys[QUIC_LEVEL_APPLICATION]);
    conn->tx_keys[QUIC_LEVEL_APPLICATION] = next;
    conn->tx_phase = !conn->tx_phase;
    conn->tx_phase_first_pn = conn->spaces[QUIC_PN_SPACE_APPLICATION].next_pn;
    conn->tx_phase_packets = 0;
    conn->key_update_unacked = true;
    conn->key_updates++;
    quic_conn_qlog_key(conn, QUIC_LEVEL_APPLICATION, true, conn->key_updates,
                       conn->tx_phase == conn->rx_phase
                           ? QUIC_QLOG_KEY_REMOTE_UPDATE
                           : QUIC_QLOG_KEY_LOCAL_UPDATE);
    return 0;
}

int quic_conn_key_phase_changed(quic_conn *conn, uint64_t pn, quic_time now) {
    quic_keys_free(conn->rx_prev);
    conn->rx_prev = conn->rx_keys[QUIC_LEVEL_APPLICATION];
    conn->rx_keys[QUIC_LEVEL_APPLICATION] = conn->rx_next;
    conn->rx_next = NULL;
    conn->rx_phase = !conn->rx_phase;
    conn->rx_phase_first_pn = pn;
    conn->rx_prev_discard = now + quic_conn_close_period(conn);
    conn->rx_key_updates++;
    quic_conn_qlog_key(conn, QUIC_LEVEL_APPLICATION, false,
                       conn->rx_key_updates, QUIC_QLOG_KEY_REMOTE_UPDATE);
    /* RFC 9001 §6.2: the peer initiated; we answer in the same phase. */
    if (conn->tx_phase != conn->rx_phase)
        return next_tx_phase(conn);
    return 0;
}

void quic_conn_key_update_acked(quic_conn *conn, uint64_t largest_acked) {
    if (conn->key_update_unacked && largest_acked >= conn->tx_phase_first_pn)
        conn->key_update_unacked = false;
}

int quic_conn_initiate_key_update(quic_conn *conn) {
    /* RFC 9001 §6.1: not before the handshake is confirmed, and not again
     * before a packet of the current phase was acknowledged (nor while the
     * peer has not answered the last one). */
    if (!conn->handshake_confirmed || conn->key_update_unacked ||
        conn->tx_phase != conn->rx_phase ||
        !conn->tx_keys[QUIC_LEVEL_APPLICATION])
        return QUIC_ERR_INVALID_STATE;
    return next_tx_phase(conn);
}

void quic_conn_key_update_on_sent(quic_conn *conn) {
    uint64_t every = conn->cfg.key_update_interval;
    if (++conn->tx_phase_packets >= every && every &&
        quic_conn_initiate_key_update(conn) == QUIC_ERR_NOMEM)
        return; /* the next packet tries again */
}

quic_time quic_conn_key_update_timer(const quic_conn *conn) {
    return conn->rx_prev ? conn->rx_prev_discard : QUIC_TIME_NONE;
}

void quic_conn_key_update_handle_timer(quic_conn *conn, quic_time now) {
    if (conn->rx_prev && now >= conn->rx_prev_discard) {
        quic_keys_free(conn->rx_prev);
        conn->rx_prev = NULL;
    }
}

void quic_conn_key_update_cleanup(quic_conn *conn) {
    quic_keys_free(conn->rx_next);
    quic_keys_free(conn->rx_prev);
    conn->rx_next = conn->rx_prev = NULL;
}
