/* core/conn_recv.c — the receive path: a datagram is split into its
 * coalesced packets (RFC 9000 §12.2), each is unprotected, checked and
 * recorded for acknowledgement (§13.2), and its frames are checked against
 * the packet type (§12.4) and handed to conn_frames.c. Version Negotiation
 * and Retry are handled here too. It sends nothing itself. */
#include "core/conn_internal.h"

#include "core/mem.h"
#include "core/packet.h"
#include "core/pn.h"
#include "core/protect.h"

#include <string.h>

static quic_level level_of(quic_packet_type t) {
    switch (t) {
    case QUIC_PACKET_INITIAL: return QUIC_LEVEL_INITIAL;
    case QUIC_PACKET_HANDSHAKE: return QUIC_LEVEL_HANDSHAKE;
    case QUIC_PACKET_ZERO_RTT: return QUIC_LEVEL_EARLY_DATA;
    default: return QUIC_LEVEL_APPLICATION;
    }
}

static bool cid_is(const quic_cid *c, const uint8_t *data, size_t len) {
    return c->len == len && memcmp(c->data, data, len) == 0;
}

static bool vn_lists(const quic_packet_header *h, uint32_t version) {
    size_t n = quic_version_negotiation_count(h);
    for (size_t i = 0; i < n; i++)
        if (quic_version_negotiation_at(h, i) == version)
            return true;
    return false;
}

/* RFC 9000 §6.2, RFC 9368 §2.1 and §4: a client tries again with the
 * first of its versions the server lists, or abandons the attempt when
 * there is none. A list naming the version we used is ignored (downgrade
 * protection), and so is any VN packet after we reacted to one. */
static int on_version_negotiation(quic_conn *conn,
                                  const quic_packet_header *h) {
    if (!conn->is_client || conn->peer_scid_known || conn->vn_reacted ||
        !quic_local_cids_match(&conn->local_cids, h->dcid, h->dcid_len) ||
        !cid_is(&conn->original_dcid, h->scid, h->scid_len) ||
        vn_lists(h, conn->version))
        return 0;
    /* qlog version_information: the server's list (the first few), ours,
     * and the version of the next attempt (none: no overlap). */
    uint32_t listed[8];
    size_t n_listed = quic_version_negotiation_count(h);
    if (n_listed > sizeof(listed) / sizeof(listed[0]))
        n_listed = sizeof(listed) / sizeof(listed[0]);
    for (size_t i = 0; i < n_listed; i++)
        listed[i] = quic_version_negotiation_at(h, i);
    uint32_t next = 0;
    for (size_t i = 0; i < conn->cfg.version_count && !next; i++)
        if (vn_lists(h, conn->cfg.versions[i]))
            next = conn->cfg.versions[i];
    quic_conn_qlog_versions(conn, listed, n_listed, conn->cfg.versions,
                            conn->cfg.version_count, next);
    if (next) {
        int rc = quic_conn_restart_after_vn(conn, next);
        if (rc == QUIC_ERR_NOMEM)
            return rc;
        if (rc < 0)
            quic_conn_fail(conn, QUIC_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                           "cannot restart after version negotiation");
        return 0;
    }
    quic_conn_terminate(conn, CONN_STATE_CLOSED, CONN_END_PEER,
                        QUIC_VERSION_NEGOTIATION_ERROR, QUIC_FRAME_TYPE_NONE,
                        false, "version negotiation: no common version");
    return 0;
}

/* RFC 9000 §17.2.5.2: a client accepts one Retry, before any other server
 * packet, and only with a valid integrity tag; it then repeats its Initial
 * with the token towards the new connection ID. */
static int on_retry(quic_conn *conn, const quic_packet_header *h,
                    const uint8_t *pkt) {
    if (!conn->is_client || conn->retried || conn->peer_scid_known ||
        h->version != conn->version || h->scid_len == 0 ||
        cid_is(&conn->original_dcid, h->scid, h->scid_len))
        return 0;
    if (quic_retry_verify(conn->version, conn->original_dcid.data,
                          conn->original_dcid.len, pkt, h->packet_len) < 0)
        return 0;
    uint8_t *token = quic_mem_malloc(conn->alloc, h->token_len);
    if (!token)
        return QUIC_ERR_NOMEM;
    memcpy(token, h->token, h->token_len);
    quic_mem_free(conn->alloc, conn->token);
    conn->token = token;
    conn->token_len = h->token_len;
    quic_cid_from_bytes(&conn->retry_scid, h->scid, h->scid_len);
    conn->retried = true;
    conn->initial_dcid = conn->retry_scid;
    quic_peer_cids_set_initial(&conn->peer_cids, &conn->retry_scid);
    int rc = quic_conn_install_initial_keys(conn, &conn->initial_dcid);
    if (rc < 0)
        return rc;
    /* RFC 9002 §6.3: the Initial packets sent so far are gone; their CRYPTO
     * data goes again (packet numbers continue, RFC 9000 §17.2.5.3). */
    quic_recovery_discard_space(&conn->rec, QUIC_PN_SPACE_INITIAL, conn->now);
    return quic_sendbuf_requeue_unacked(
        &conn->spaces[QUIC_PN_SPACE_INITIAL].crypto_send);
}

/* RFC 9000 §7.2: the client adopts the SCID of the server's first
 * packet, the server the client's; later packets must repeat it. */
static bool check_peer_scid(quic_conn *conn, const quic_packet_header *h) {
    if (!h->is_long)
        return true;
    if (conn->peer_scid_known)
        return cid_is(&conn->peer_first_scid, h->scid, h->scid_len);
    if (h->type != QUIC_PACKET_INITIAL)
        return false;
    quic_cid_from_bytes(&conn->peer_first_scid, h->scid, h->scid_len);
    quic_peer_cids_set_initial(&conn->peer_cids, &conn->peer_first_scid);
    conn->peer_scid_known = true;
    return true;
}

static void schedule_ack(quic_conn *conn, conn_space *s, quic_pn_space space,
                         uint64_t pn, bool eliciting, quic_time now) {
    bool in_order = s->largest_rx == QUIC_PN_NONE || pn == s->largest_rx + 1;
    if (s->largest_rx == QUIC_PN_NONE || pn > s->largest_rx) {
        s->largest_rx = pn;
        s->largest_rx_time = now;
    }
    if (!eliciting)
        return;
    s->ack_pending = true;
    s->eliciting_unacked++;
    /* RFC 9000 §13.2.1: Initial and Handshake at once; application data
     * every second packet, at once when out of order, else within
     * max_ack_delay. */
    if (space != QUIC_PN_SPACE_APPLICATION || !in_order ||
        s->eliciting_unacked >= 2) {
        s->ack_immediate = true;
    } else if (s->ack_deadline == QUIC_TIME_NONE) {
        s->ack_deadline = now + conn->local_tp.max_ack_delay * QUIC_MS;
    }
}

static void count_ecn(conn_space *s, uint8_t ecn) {
    switch (ecn & 3) {
    case 1:
        s->ecn.ect1++;
        s->ecn_seen = true;
        break;
    case 2:
        s->ecn.ect0++;
        s->ecn_seen = true;
        break;
    case 3:
        s->ecn.ce++;
        s->ecn_seen = true;
        break;
    default: break;
    }
}

/* After a packet was processed: address validation and key discard on the
 * server side (RFC 9000 §8.1, RFC 9001 §4.9.1). */
static void after_packet(quic_conn *conn, quic_packet_type type,
                         quic_time now) {
    conn->stats.packets_received++;
    quic_conn_restart_idle(conn, now);
    conn->eliciting_sent_since_rx = false;
    if (!conn->is_client && type == QUIC_PACKET_HANDSHAKE) {
        if (!conn->address_validated) {
            conn->address_validated = true;
            quic_recovery_set_amplification_limited(&conn->rec, false, now);
        }
        quic_conn_discard_space(conn, QUIC_PN_SPACE_INITIAL);
    }
}

/* Unprotects, decrypts and processes one packet. Returns 0 when it was
 * processed, 1 when dropped, or QUIC_ERR_NOMEM. */
static int process_protected(quic_conn *conn, const quic_packet_header *h,
                             uint8_t *pkt, uint8_t ecn, quic_time now) {
    quic_level level = level_of(h->type);
    quic_pn_space space = quic_conn_level_space(level);
    conn_space *s = &conn->spaces[space];
    quic_keys *keys = conn->rx_keys[level];
    /* RFC 9369 §4: packets of another version are dropped, except a
     * client's Initials of the original version after a server switched. */
    if (h->is_long && h->version != conn->version)
        keys = h->type == QUIC_PACKET_INITIAL
                   ? quic_conn_initial_rx_keys(conn, h->version)
                   : NULL;
    if (!keys || s->discarded)
        return 1;
    /* RFC 9001 §5.7: a server has 1-RTT keys after the ClientHello but must
     * not process 1-RTT packets before the handshake completes (the client
     * would take their ACKs as confirmation while its Finished is lost). */
    if (!conn->is_client && !h->is_long && !conn->handshake_complete)
        return 1;
    uint64_t trunc;
    int pn_len = quic_packet_unprotect_header(keys, pkt, h->packet_len,
                                              h->pn_offset, &trunc);
    if (pn_len < 0)
        return 1;
    uint64_t pn = quic_pn_decode(s->largest_rx, trunc, (size_t)pn_len);
    size_t hdr_len = h->pn_offset + (size_t)pn_len;
    bool next_phase = false;
    if (!h->is_long) {
        /* RFC 9001 §6: the key phase bit picks the keys; the header
         * protection key is the same in every phase. */
        keys = quic_conn_keys_for_phase(conn, (pkt[0] & 0x04) != 0, pn,
                                        &next_phase);
        if (!keys)
            return 1;
    }
    int n = quic_packet_open(keys, pkt, h->packet_len, hdr_len, pn);
    if (n < 0)
        return 1; /* failed authentication: dropped (RFC 9001 §5.3) */
    if (pn < s->received.floor || quic_ranges_contains(&s->received, pn))
        return 1; /* a duplicate (RFC 9000 §12.3) */
    if (next_phase) {
        int rc = quic_conn_key_phase_changed(conn, pn, now);
        if (rc == QUIC_ERR_NOMEM)
            return rc;
    }
    if (!check_peer_scid(conn, h))
        return 1;
    quic_conn_qlog_packet(conn, false,
                          h->type == QUIC_PACKET_ZERO_RTT
                              ? QUIC_QLOG_PACKET_0RTT
                              : quic_conn_qlog_space_type(space),
                          pn, h->packet_len, pkt + hdr_len, (size_t)n);
    /* RFC 9000 §17.2, §17.3.1: reserved bits must be zero once unprotected;
     * a packet without frames is a violation too (§12.4). */
    uint8_t reserved = h->is_long ? (pkt[0] & 0x0c) : (pkt[0] & 0x18);
    if (reserved || n == 0) {
        quic_conn_fail(conn, QUIC_PROTOCOL_VIOLATION, 0,
                       reserved ? "reserved bits set"
                                : "packet without frames");
        return 0;
    }
    bool eliciting = false, non_probing = false;
    quic_cid dcid;
    quic_cid_from_bytes(&dcid, h->dcid, h->dcid_len);
    int rc =
        quic_conn_process_frames(conn, h->type, space, &dcid, pkt + hdr_len,
                                 (size_t)n, &eliciting, &non_probing);
    if (rc == QUIC_ERR_NOMEM)
        return rc;
    if (quic_ranges_add(&s->received, pn, pn + 1) == QUIC_ERR_NOMEM)
        return QUIC_ERR_NOMEM;
    schedule_ack(conn, s, space, pn, eliciting, now);
    if (!h->is_long && conn->state < CONN_STATE_CLOSING)
        quic_conn_path_on_packet(conn, pn, non_probing);
    count_ecn(s, ecn);
    after_packet(conn, h->type, now);
    return 0;
}

/* A server takes the version of the client's first Initial when it is one
 * of its own (compatible versions with their own Initial salts). */
static int adopt_version(quic_conn *conn, const quic_packet_header *h) {
    if (conn->is_client || conn->peer_scid_known || conn->version_chosen ||
        h->type != QUIC_PACKET_INITIAL || h->version == conn->version)
        return 0;
    for (size_t i = 0; i < conn->cfg.version_count; i++) {
        if (conn->cfg.versions[i] == h->version) {
            conn->version = conn->original_version = h->version;
            int rc = quic_conn_install_initial_keys(conn, &conn->initial_dcid);
            return rc < 0 ? rc : quic_conn_version_refresh_params(conn);
        }
    }
    return 0;
}

/* Client: a server Initial of another version we offered is the server's
 * compatible version negotiation (RFC 9369 §4); the switch holds only if
 * the packet opens with that version's keys. */
static int follow_version(quic_conn *conn, const quic_packet_header *h,
                          uint8_t *pkt, uint8_t ecn, quic_time now);

/* A server looks at the token of an Initial it could decrypt: a NEW_TOKEN
 * token of ours validates the address (RFC 9000 §8.1.3). */
static int process_initial(quic_conn *conn, const quic_packet_header *h,
                           uint8_t *pkt, uint8_t ecn, quic_time now) {
    uint8_t token[QUIC_TOKEN_MAX_LEN]; /* the packet is decrypted in place */
    size_t token_len = h->token_len <= sizeof(token) ? h->token_len : 0;
    if (token_len)
        memcpy(token, h->token, token_len);
    int rc = process_protected(conn, h, pkt, ecn, now);
    if (rc == 0 && token_len)
        quic_conn_check_initial_token(conn, token, token_len, h->version);
    return rc;
}

static int process_packet(quic_conn *conn, const quic_packet_header *h,
                          uint8_t *pkt, uint8_t ecn, quic_time now) {
    int rc = adopt_version(conn, h);
    if (rc < 0)
        return rc;
    switch (h->type) {
    case QUIC_PACKET_VERSION_NEGOTIATION:
        return on_version_negotiation(conn, h);
    case QUIC_PACKET_RETRY: return on_retry(conn, h, pkt);
    case QUIC_PACKET_ZERO_RTT:
        if (conn->is_client)
            return 1;
        return process_protected(conn, h, pkt, ecn, now);
    case QUIC_PACKET_INITIAL:
        /* RFC 9000 §17.2.2: a server's Initial carries no token. */
        if (conn->is_client && h->token_len > 0)
            return 1;
        if (quic_conn_client_may_follow(conn, h->version))
            return follow_version(conn, h, pkt, ecn, now);
        return process_initial(conn, h, pkt, ecn, now);
    default:
        if (!h->is_long &&
            !quic_local_cids_match(&conn->local_cids, h->dcid, h->dcid_len))
            return 1;
        return process_protected(conn, h, pkt, ecn, now);
    }
}

static int follow_version(quic_conn *conn, const quic_packet_header *h,
                          uint8_t *pkt, uint8_t ecn, quic_time now) {
    conn_version_undo undo;
    int rc = quic_conn_follow_version(conn, h->version, &undo);
    if (rc < 0)
        return rc == QUIC_ERR_NOMEM ? rc : 1;
    rc = process_protected(conn, h, pkt, ecn, now);
    if (rc == 0)
        quic_conn_version_commit(conn, &undo);
    else
        quic_conn_version_undo(conn, &undo);
    return rc;
}

/* RFC 9000 §10.3.1: a datagram nothing of which could be used, ending in a
 * token of the peer's, is a stateless reset. */
static void check_stateless_reset(quic_conn *conn, bool short_header,
                                  size_t len, const uint8_t *tail) {
    if (len < 21 || !short_header ||
        !quic_peer_cids_is_reset_token(&conn->peer_cids, tail))
        return;
    quic_conn_terminate(conn, CONN_STATE_DRAINING, CONN_END_RESET,
                        QUIC_NO_ERROR, QUIC_FRAME_TYPE_NONE, false,
                        "stateless reset");
}

/* In the closing state every datagram is answered with CONNECTION_CLOSE,
 * but less and less often (RFC 9000 §10.2.1). */
static void closing_rx(quic_conn *conn) {
    uint64_t n = ++conn->close_rx_packets;
    if ((n & (n - 1)) == 0)
        conn->close_pending = true;
}

int quic_conn_process_datagram(quic_conn *conn, uint8_t *data, size_t len,
                               uint8_t ecn, quic_time now) {
    conn->stats.bytes_received += len;
    if (conn->state == CONN_STATE_CLOSING) {
        closing_rx(conn);
        return 0;
    }
    if (conn->state != CONN_STATE_HANDSHAKE &&
        conn->state != CONN_STATE_ESTABLISHED)
        return 0;
    /* Decryption works in place: keep what a stateless reset check needs. */
    uint8_t tail[16];
    bool short_header = len >= 21 && !(data[0] & 0x80);
    if (short_header)
        memcpy(tail, data + len - 16, 16);
    uint8_t *p = data, *end = data + len;
    const uint8_t *first_dcid = NULL;
    size_t first_dcid_len = 0;
    bool any = false;
    while (p < end && conn->state < CONN_STATE_CLOSING) {
        quic_packet_header h;
        if (quic_packet_parse(&h, p, end, conn->local_cid_len) < 0)
            break; /* the rest cannot be delimited */
        /* RFC 9000 §14.1: a server drops a datagram below 1200 bytes that
         * carries an Initial (coalesced packets start with it). */
        if (!conn->is_client && h.type == QUIC_PACKET_INITIAL && len < 1200)
            return 0;
        /* RFC 9000 §12.2: coalesced packets share one DCID. */
        if (!first_dcid) {
            first_dcid = h.dcid;
            first_dcid_len = h.dcid_len;
        }
        if (h.dcid_len == first_dcid_len &&
            memcmp(h.dcid, first_dcid, first_dcid_len) == 0) {
            int rc = process_packet(conn, &h, p, ecn, now);
            if (rc == QUIC_ERR_NOMEM)
                return rc;
            any |= rc == 0;
        }
        p += h.packet_len;
    }
    if (!any && conn->state < CONN_STATE_CLOSING)
        check_stateless_reset(conn, short_header, len, tail);
    return 0;
}
