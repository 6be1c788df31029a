/* core/conn_path.c — path validation (RFC 9000 §8.2) and connection
 * migration (§9). One path is in use at a time, conn->peer_addr:
 *  - a server follows its client to the source address of the
 *    highest-numbered non-probing packet (§9.3), sends to it at once under
 *    the anti-amplification limit (§8.1, §9.3.1) and validates it with
 *    PATH_CHALLENGE; when validation fails it goes back to the last
 *    validated address (§9.3.2);
 *  - a client moves when the application says its socket moved
 *    (quic_conn_migrate): a new connection ID (§9.5), a fresh congestion
 *    controller, and the same validation.
 * PATH_CHALLENGE and PATH_RESPONSE go in probe datagrams of their own,
 * padded to 1200 bytes (§8.2.1, §8.2.2), to the address they concern:
 * conn_send.c builds them first when one is due. */
#include "core/conn_internal.h"

#include "core/pn.h"

#include <string.h>

_Static_assert(sizeof(((quic_conn *)0)->cc_state) ==
                   sizeof(((quic_conn *)0)->path.fallback_cc),
               "the fallback keeps a whole congestion controller");

static bool addr_equal(const quic_addr *a, const quic_addr *b) {
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* quic_addr holds a sockaddr_in or sockaddr_in6 verbatim; both keep the
 * port in bytes 2-3 (after sa_family, or sin_len and sin_family on BSD).
 * True when the two differ in nothing else. */
static bool only_port_differs(const quic_addr *a, const quic_addr *b) {
    if (a->len != b->len || a->len < 4)
        return false;
    return memcmp(a->data, b->data, 2) == 0 &&
           memcmp(a->data + 4, b->data + 4, a->len - 4) == 0;
}

void quic_conn_path_init(quic_conn *conn) {
    memset(&conn->path, 0, sizeof(conn->path));
    conn->path.largest_non_probing = QUIC_PN_NONE;
    conn->path.deadline = QUIC_TIME_NONE;
    conn->path.resend_at = QUIC_TIME_NONE;
}

/* The shortest time between two PATH_CHALLENGE frames that a received
 * datagram triggers: the validated path's smoothed RTT. */
static quic_time challenge_interval(const quic_conn *conn) {
    const quic_rtt *rtt =
        conn->path.has_fallback ? &conn->path.fallback_rtt : &conn->rec.rtt;
    return rtt->smoothed_rtt > QUIC_MS ? rtt->smoothed_rtt : QUIC_MS;
}

void quic_conn_path_on_datagram(quic_conn *conn, const quic_addr *peer,
                                size_t len) {
    conn_path_state *ps = &conn->path;
    ps->rx_peer = *peer;
    ps->rx_len = len;
    if (conn->peer_addr.len == 0 || addr_equal(peer, &conn->peer_addr)) {
        /* §8.1: what the unvalidated peer address sent bounds what we
         * send it. */
        if (!conn->address_validated)
            conn->rx_bytes_unvalidated += len;
        /* A server validating its client's new address is held to 3x
         * what arrives from it: when a PATH_CHALLENGE or its answer is
         * lost, the budget may be gone before a timer could resend it, and
         * a client that only acknowledges goes quiet. A datagram from the
         * address therefore brings a new challenge (the budget it adds
         * pays for it) once a round trip of the old path has passed since
         * the last one: within the limit (§8.2.1, §9.3.1), and not more
         * often than answers can come back. */
        if (ps->validating && !conn->address_validated &&
            ps->n_challenges > 0 &&
            conn->now >= ps->last_challenge + challenge_interval(conn))
            ps->challenge_pending = true;
        return;
    }
    if (addr_equal(peer, &ps->probe_addr)) {
        ps->probe_rx += len;
    } else {
        ps->probe_addr = *peer;
        ps->probe_rx = len;
        ps->probe_tx = 0;
    }
}

/* RFC 9002 Appendix B.3 and A.4: the controller and the RTT estimator
 * as for a new connection. */
static void reset_congestion(quic_conn *conn) {
    quic_conn_cc_init(conn);
    quic_rtt_init(&conn->rec.rtt, 0);
}

/* §8.2.4: three times the larger of the current PTO and the PTO of a
 * new path (kInitialRtt, RFC 9002 §6.2.2). */
static quic_time validation_timeout(const quic_conn *conn) {
    quic_time pto = quic_recovery_pto_period(&conn->rec);
    quic_time fresh =
        QUIC_INITIAL_RTT + 4 * (QUIC_INITIAL_RTT / 2) + conn->rec.max_ack_delay;
    return 3 * (pto > fresh ? pto : fresh);
}

static void start_validation(quic_conn *conn) {
    conn_path_state *ps = &conn->path;
    ps->validating = true;
    ps->challenge_pending = true;
    ps->n_challenges = 0;
    ps->deadline = conn->now + validation_timeout(conn);
    ps->resend_at = QUIC_TIME_NONE;
    ps->resend_after = quic_recovery_pto_period(&conn->rec);
}

static void stop_validation(conn_path_state *ps) {
    ps->validating = false;
    ps->challenge_pending = false;
    ps->n_challenges = 0;
    ps->deadline = QUIC_TIME_NONE;
    ps->resend_at = QUIC_TIME_NONE;
}

/* §9.5: a new destination address gets a connection ID not used on
 * another path when the peer gave us a spare one. Without one the current
 * ID stays: allowed when the peer did not change its own (a NAT
 * rebinding), and the best we can do otherwise. */
static void fresh_peer_cid(quic_conn *conn) {
    (void)quic_peer_cids_switch(&conn->peer_cids);
}

/* Server: back to the last validated path with its congestion and RTT
 * state (§9.3: "skipping address validation and restoring loss detection
 * and congestion state"). */
static void restore_fallback(quic_conn *conn) {
    conn_path_state *ps = &conn->path;
    conn->peer_addr = ps->fallback_addr;
    memcpy(&conn->cc_state, &ps->fallback_cc, sizeof(conn->cc_state));
    conn->rec.rtt = ps->fallback_rtt;
    ps->has_fallback = false;
    stop_validation(ps);
    if (!conn->address_validated) {
        conn->address_validated = true;
        quic_recovery_set_amplification_limited(&conn->rec, false, conn->now);
    }
    fresh_peer_cid(conn);
}

/* Server: the client moved to ps->rx_peer (§9.3). */
static void follow_peer(quic_conn *conn) {
    conn_path_state *ps = &conn->path;
    conn->stats.path_changes++;
    if (ps->has_fallback && addr_equal(&ps->rx_peer, &ps->fallback_addr)) {
        /* A spurious migration ends: a higher-numbered packet came from
         * the validated address (§9.3.2, §9.3.3). */
        restore_fallback(conn);
        return;
    }
    quic_addr old = conn->peer_addr;
    if (conn->address_validated) {
        ps->has_fallback = true;
        ps->fallback_addr = old;
        memcpy(&ps->fallback_cc, &conn->cc_state, sizeof(conn->cc_state));
        ps->fallback_rtt = conn->rec.rtt;
    }
    conn->peer_addr = ps->rx_peer;
    /* §9.3.1: until validated, at most three times what the new address
     * sent (this datagram so far) goes there. */
    conn->address_validated = false;
    conn->rx_bytes_unvalidated = ps->rx_len;
    conn->tx_bytes_unvalidated = 0;
    /* §9.4: packets sent on the old path must not drive the new path's
     * controller. A port-only change is most likely a NAT rebinding on the
     * same network path, where §9.4 allows keeping the state: we keep it
     * (the new path is as fast as the old one) and reset it for any other
     * change. The reset is done at once rather than on validation so that
     * nothing is sent to the new address with the old path's window. */
    if (!only_port_differs(&old, &conn->peer_addr))
        reset_congestion(conn);
    fresh_peer_cid(conn);
    start_validation(conn);
}

void quic_conn_path_on_packet(quic_conn *conn, uint64_t pn, bool non_probing) {
    conn_path_state *ps = &conn->path;
    if (!non_probing)
        return;
    if (ps->largest_non_probing != QUIC_PN_NONE &&
        pn <= ps->largest_non_probing)
        return; /* §9.3: reordered packets do not move the path */
    ps->largest_non_probing = pn;
    /* §9: no migration before the handshake is confirmed. A client does
     * not follow its server (§9.6 preferred addresses are not supported:
     * the server address never changes). */
    if (conn->is_client || !conn->handshake_confirmed ||
        conn->state != CONN_STATE_ESTABLISHED ||
        addr_equal(&ps->rx_peer, &conn->peer_addr))
        return;
    follow_peer(conn);
}

void quic_conn_path_on_challenge(quic_conn *conn, const uint8_t data[8]) {
    /* §8.2.2: the response goes on the path the challenge came on; only
     * the latest challenge is answered. */
    memcpy(conn->path_response, data, sizeof(conn->path_response));
    conn->path_response_pending = true;
    conn->path.response_to = conn->path.rx_peer;
}

void quic_conn_path_on_response(quic_conn *conn, const uint8_t data[8]) {
    conn_path_state *ps = &conn->path;
    if (!ps->validating)
        return;
    bool match = false;
    for (size_t i = 0; i < ps->n_challenges; i++)
        match |= memcmp(ps->challenges[i], data, 8) == 0;
    if (!match)
        return; /* §8.2.3: only an echo of our data validates */
    stop_validation(ps);
    ps->has_fallback = false;
    conn->stats.paths_validated++;
    if (!conn->address_validated) {
        conn->address_validated = true;
        quic_recovery_set_amplification_limited(&conn->rec, false, conn->now);
        /* §9.3: "After verifying a new client address, the server SHOULD
         * send new address validation tokens". */
        if (!conn->is_client && conn->cfg.new_token_key)
            quic_conn_mint_new_token(conn);
    }
}

void quic_conn_path_on_challenge_lost(quic_conn *conn) {
    if (conn->path.validating)
        conn->path.challenge_pending = true;
}

quic_time quic_conn_path_timer(const quic_conn *conn) {
    const conn_path_state *ps = &conn->path;
    if (!ps->validating)
        return QUIC_TIME_NONE;
    return ps->resend_at < ps->deadline ? ps->resend_at : ps->deadline;
}

void quic_conn_path_handle_timer(quic_conn *conn, quic_time now) {
    conn_path_state *ps = &conn->path;
    if (!ps->validating)
        return;
    if (now >= ps->resend_at && now < ps->deadline) {
        /* §8.2.4: a lost PATH_CHALLENGE or PATH_RESPONSE must not fail
         * the validation; the packet may also have been acknowledged
         * while its answer was lost. */
        ps->resend_at = QUIC_TIME_NONE;
        ps->challenge_pending = true;
        return;
    }
    if (now < ps->deadline)
        return;
    stop_validation(ps);
    conn->stats.path_validations_failed++;
    if (conn->is_client)
        return; /* our old address is gone: keep trying this path; the
                   idle timeout ends the connection if it is dead */
    if (ps->has_fallback) {
        conn->stats.path_changes++;
        restore_fallback(conn); /* §9.3.2 */
        return;
    }
    /* §9.3.2: "If an endpoint has no state about the last validated peer
     * address, it MUST close the connection silently". */
    quic_conn_terminate(conn, CONN_STATE_CLOSED, CONN_END_LOCAL,
                        QUIC_NO_VIABLE_PATH, QUIC_FRAME_TYPE_NONE, false,
                        "path validation failed");
}

bool quic_conn_path_probe_due(quic_conn *conn, size_t *allowance) {
    conn_path_state *ps = &conn->path;
    if (conn->state != CONN_STATE_ESTABLISHED ||
        !conn->tx_keys[QUIC_LEVEL_APPLICATION])
        return false;
    if (conn->path_response_pending &&
        !addr_equal(&ps->response_to, &conn->peer_addr)) {
        /* Off the path in use: bounded by what that address sent. */
        uint64_t budget = addr_equal(&ps->response_to, &ps->probe_addr)
                              ? 3 * ps->probe_rx
                              : 0;
        uint64_t left = budget > ps->probe_tx ? budget - ps->probe_tx : 0;
        if (left < 64) {
            conn->path_response_pending = false; /* cannot answer */
            return false;
        }
        ps->probe_to = ps->response_to;
        *allowance = left < SIZE_MAX ? (size_t)left : SIZE_MAX;
        return true;
    }
    if (!conn->path_response_pending &&
        !(ps->validating && ps->challenge_pending))
        return false;
    ps->probe_to = conn->peer_addr;
    *allowance = SIZE_MAX; /* the connection's own limit applies */
    return true;
}

static bool put_path_frame(conn_pkt_ctx *ctx, uint64_t type,
                           const uint8_t data[8]) {
    quic_frame f;
    memset(&f, 0, sizeof(f));
    f.type = type;
    memcpy(f.u.path_challenge.data, data, 8);
    int n = quic_frame_encode(ctx->p, ctx->limit, &f);
    if (n < 0)
        return false;
    ctx->p += n;
    ctx->eliciting = ctx->in_flight = true;
    return true;
}

void quic_conn_write_path_frames(quic_conn *conn, conn_pkt_ctx *ctx) {
    conn_path_state *ps = &conn->path;
    if (conn->path_response_pending &&
        addr_equal(&ps->response_to, &ps->probe_to) &&
        put_path_frame(ctx, QUIC_FRAME_PATH_RESPONSE, conn->path_response))
        conn->path_response_pending = false;
    if (!ps->validating || !ps->challenge_pending ||
        !addr_equal(&ps->probe_to, &conn->peer_addr))
        return;
    /* §8.2.1: unpredictable data; a resent challenge has new data, and
     * an answer to any of the last few validates. */
    if (ps->n_challenges == CONN_PATH_CHALLENGES) {
        memmove(ps->challenges[0], ps->challenges[1],
                (CONN_PATH_CHALLENGES - 1) * sizeof(ps->challenges[0]));
        ps->n_challenges--;
    }
    uint8_t *data = ps->challenges[ps->n_challenges];
    quic_conn_random(conn, data, 8);
    if (!put_path_frame(ctx, QUIC_FRAME_PATH_CHALLENGE, data))
        return;
    ps->n_challenges++;
    ps->challenge_pending = false;
    ps->last_challenge = conn->now;
    ps->resend_at = conn->now + ps->resend_after;
    ps->resend_after *= 2;
    quic_frame_rec *r = quic_recovery_add_frame(&conn->rec);
    if (r) /* without a record a lost challenge is not resent */
        r->type = CONN_FR_PATH_CHALLENGE;
}

void quic_conn_path_probe_sent(quic_conn *conn, size_t len) {
    conn_path_state *ps = &conn->path;
    if (!addr_equal(&ps->probe_to, &conn->peer_addr))
        ps->probe_tx += len;
}

int quic_conn_path_migrate(quic_conn *conn) {
    /* §9: not before the handshake is confirmed, not against a server
     * that disabled it (§18.2 disable_active_migration); §9.5: a new
     * local address needs a connection ID never used before. */
    if (!conn->is_client || conn->state != CONN_STATE_ESTABLISHED ||
        !conn->handshake_confirmed ||
        quic_tparams_has(&conn->peer_tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION))
        return QUIC_ERR_INVALID_STATE;
    int rc = quic_peer_cids_switch(&conn->peer_cids);
    if (rc < 0)
        return rc;
    conn->stats.path_changes++;
    /* §9.4: a new local address is a new path; nothing tells us it is a
     * port-only change. */
    reset_congestion(conn);
    start_validation(conn);
    return 0;
}
