/* core/conn_send.c — the send path: datagrams built straight into the
 * caller's buffer, one packet per space with something to say (Initial,
 * Handshake, then 1-RTT, coalesced, RFC 9000 §12.2), padded where §14.1
 * asks, each sealed in place and recorded for recovery. Congestion window,
 * pacing and the anti-amplification limit (§8.1) gate what is sent. Frame
 * contents come from conn_frames_out.c. */
#include "core/conn_internal.h"

#include "core/packet.h"
#include "core/pn.h"
#include "core/protect.h"

#include <string.h>

#define MIN_DATAGRAM 1200 /* RFC 9000 §14.1 */

/* The keys a packet of |space| is sealed with: a client without 1-RTT keys
 * yet sends application data with 0-RTT keys when it has them (RFC 9001
 * §4.6.1). */
static quic_level space_tx_level(const quic_conn *conn, quic_pn_space space) {
    if (space == QUIC_PN_SPACE_INITIAL)
        return QUIC_LEVEL_INITIAL;
    if (space == QUIC_PN_SPACE_HANDSHAKE)
        return QUIC_LEVEL_HANDSHAKE;
    if (!conn->tx_keys[QUIC_LEVEL_APPLICATION] &&
        conn->tx_keys[QUIC_LEVEL_EARLY_DATA])
        return QUIC_LEVEL_EARLY_DATA;
    return QUIC_LEVEL_APPLICATION;
}

static bool space_can_send(const quic_conn *conn, quic_pn_space space) {
    return !conn->spaces[space].discarded &&
           conn->tx_keys[space_tx_level(conn, space)] != NULL;
}

/* Writes the header of a new packet in |space| at ctx->pos. Returns false
 * when it does not fit. */
static bool open_packet(quic_conn *conn, conn_pkt_ctx *ctx,
                        quic_pn_space space) {
    conn_space *s = &conn->spaces[space];
    const quic_cid *dcid = quic_peer_cids_current(&conn->peer_cids);
    uint64_t pn = s->next_pn;
    size_t pn_len =
        quic_pn_encode_len(pn, conn->rec.spaces[space].largest_acked);
    int hdr;
    ctx->zero_rtt = space == QUIC_PN_SPACE_APPLICATION &&
                    space_tx_level(conn, space) == QUIC_LEVEL_EARLY_DATA;
    if (space == QUIC_PN_SPACE_APPLICATION && !ctx->zero_rtt) {
        hdr = quic_short_header_write(ctx->pos, ctx->end, dcid->data, dcid->len,
                                      false, conn->tx_phase, pn, pn_len);
    } else {
        quic_long_header_fields f;
        memset(&f, 0, sizeof(f));
        f.type = space == QUIC_PN_SPACE_INITIAL     ? QUIC_PACKET_INITIAL
                 : space == QUIC_PN_SPACE_HANDSHAKE ? QUIC_PACKET_HANDSHAKE
                                                    : QUIC_PACKET_ZERO_RTT;
        f.version = conn->version;
        f.dcid = dcid->data;
        f.dcid_len = dcid->len;
        f.scid = conn->local_cids.slots[0].cid.data;
        f.scid_len = conn->local_cids.slots[0].cid.len;
        if (space == QUIC_PN_SPACE_INITIAL && conn->is_client) {
            f.token = conn->token;
            f.token_len = conn->token_len;
        }
        hdr = quic_long_header_write(ctx->pos, ctx->end, &f, pn, pn_len);
    }
    /* Room for the header, a few frame bytes and the AEAD tag. */
    if (hdr < 0 || (size_t)(ctx->end - ctx->pos) < (size_t)hdr + 24)
        return false;
    ctx->pkt = ctx->pos;
    ctx->pn = pn;
    ctx->pn_len = pn_len;
    ctx->pn_offset = (size_t)hdr - pn_len;
    ctx->payload = ctx->p = ctx->pos + hdr;
    ctx->limit = ctx->end - QUIC_AEAD_TAG_LEN;
    ctx->space = space;
    ctx->eliciting = ctx->in_flight = false;
    ctx->open = true;
    return true;
}

/* Pads the open packet so that the datagram reaches |pad_to| bytes. */
static void pad_packet(conn_pkt_ctx *ctx, size_t pad_to) {
    size_t have = (size_t)(ctx->p - ctx->start) + QUIC_AEAD_TAG_LEN;
    size_t room = (size_t)(ctx->limit - ctx->p);
    if (have < pad_to) {
        size_t n = pad_to - have < room ? pad_to - have : room;
        memset(ctx->p, 0, n); /* PADDING frames */
        ctx->p += n;
        ctx->in_flight = true;
    }
}

static void after_sent(quic_conn *conn, const conn_pkt_ctx *ctx, size_t len,
                       quic_time now) {
    conn->stats.packets_sent++;
    conn->stats.bytes_sent += len;
    if (!conn->address_validated)
        conn->tx_bytes_unvalidated += len;
    if (ctx->in_flight && conn->cfg.pacing)
        quic_pacer_on_sent(&conn->pacer, len, now);
    if (ctx->eliciting && !conn->eliciting_sent_since_rx) {
        /* RFC 9000 §10.1: restart on the first ack-eliciting packet sent
         * after a packet was received. */
        quic_conn_restart_idle(conn, now);
        conn->eliciting_sent_since_rx = true;
    }
    /* RFC 9001 §4.9.1: a client drops its Initial keys once it sends a
     * Handshake packet. */
    if (conn->is_client && ctx->space == QUIC_PN_SPACE_HANDSHAKE)
        quic_conn_discard_space(conn, QUIC_PN_SPACE_INITIAL);
}

/* Seals the open packet (padding the datagram to |pad_to|) and records it.
 * Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
static int close_packet(quic_conn *conn, conn_pkt_ctx *ctx, size_t pad_to,
                        quic_time now) {
    /* RFC 9001 §5.4.2: the header-protection sample needs 4 bytes of
     * packet number and payload. */
    while (ctx->pn_len + (size_t)(ctx->p - ctx->payload) < 4)
        *ctx->p++ = 0;
    if (pad_to)
        pad_packet(ctx, pad_to);
    size_t payload_len = (size_t)(ctx->p - ctx->payload);
    if (ctx->space != QUIC_PN_SPACE_APPLICATION || ctx->zero_rtt)
        quic_long_header_set_length(ctx->pkt, ctx->pn_offset,
                                    ctx->pn_len + payload_len +
                                        QUIC_AEAD_TAG_LEN);
    quic_keys *keys = conn->tx_keys[space_tx_level(conn, ctx->space)];
    /* Logged from the plaintext; the sealed length is header, payload and
     * tag (the test spares a call per packet without a qlog sink). */
    if (conn->qlog)
        quic_conn_qlog_packet(
            conn, true,
            ctx->zero_rtt ? QUIC_QLOG_PACKET_0RTT
                          : quic_conn_qlog_space_type(ctx->space),
            ctx->pn,
            ctx->pn_offset + ctx->pn_len + payload_len + QUIC_AEAD_TAG_LEN,
            ctx->payload, payload_len);
    int len =
        quic_packet_seal(keys, ctx->pkt, (size_t)(ctx->end - ctx->pkt),
                         ctx->pn_offset, ctx->pn_len, payload_len, ctx->pn);
    ctx->open = false;
    if (len < 0) {
        quic_recovery_drop_pending_frames(&conn->rec);
        return len;
    }
    int rc = quic_recovery_on_packet_sent(&conn->rec, ctx->space, ctx->pn,
                                          (size_t)len, ctx->eliciting,
                                          ctx->in_flight, now);
    if (rc < 0) {
        quic_recovery_drop_pending_frames(&conn->rec);
        return rc;
    }
    conn->spaces[ctx->space].next_pn++;
    if (ctx->zero_rtt) {
        conn->zero_rtt_sent = true;
    } else if (ctx->space == QUIC_PN_SPACE_APPLICATION) {
        if (conn->first_1rtt_pn == QUIC_PN_NONE)
            conn->first_1rtt_pn = ctx->pn;
        quic_conn_key_update_on_sent(conn);
    }
    ctx->pos = ctx->pkt + len;
    ctx->packets++;
    if (ctx->space == QUIC_PN_SPACE_INITIAL)
        ctx->has_initial = true;
    if (ctx->eliciting && ctx->space == QUIC_PN_SPACE_INITIAL)
        ctx->initial_eliciting = true;
    after_sent(conn, ctx, (size_t)len, now);
    return 0;
}

/* Abandons an open packet that got no frame. */
static void abort_packet(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_recovery_drop_pending_frames(&conn->rec);
    ctx->open = false;
}

/* RFC 9000 §14.1: a client pads every datagram with an Initial packet, a
 * server every one with an ack-eliciting Initial packet. */
static bool needs_padding(const quic_conn *conn, const conn_pkt_ctx *ctx) {
    if (ctx->path_probe) /* RFC 9000 §8.2.1, §8.2.2 */
        return true;
    bool open_initial = ctx->open && ctx->space == QUIC_PN_SPACE_INITIAL;
    if (conn->is_client)
        return ctx->has_initial || open_initial;
    return ctx->initial_eliciting || (open_initial && ctx->eliciting);
}

/* Builds one packet of |space| into the datagram. Returns 0 (possibly
 * having written nothing) or an error. */
static int build_packet(quic_conn *conn, conn_pkt_ctx *ctx, quic_pn_space space,
                        quic_time now) {
    if (!open_packet(conn, ctx, space))
        return 0;
    int rc = quic_conn_write_frames(conn, ctx, now);
    if (rc < 0) {
        abort_packet(conn, ctx);
        return rc;
    }
    if (ctx->p == ctx->payload) {
        abort_packet(conn, ctx);
        return 0;
    }
    return 0;
}

/* The bytes a server may still send before the client's address is
 * validated (RFC 9000 §8.1: three times what it received). */
static size_t amplification_allowance(const quic_conn *conn) {
    if (conn->address_validated)
        return SIZE_MAX;
    uint64_t budget = 3 * conn->rx_bytes_unvalidated;
    return budget > conn->tx_bytes_unvalidated
               ? (size_t)(budget - conn->tx_bytes_unvalidated)
               : 0;
}

/* Closes the last open packet with the padding the datagram needs; when
 * every packet is already sealed, a padding-only Initial does it. */
static int finish_datagram(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now) {
    size_t pad = needs_padding(conn, ctx) ? MIN_DATAGRAM : 0;
    if (ctx->open)
        return close_packet(conn, ctx, pad, now);
    size_t len = (size_t)(ctx->pos - ctx->start);
    if (!pad || len >= pad || !space_can_send(conn, QUIC_PN_SPACE_INITIAL))
        return 0;
    if (!open_packet(conn, ctx, QUIC_PN_SPACE_INITIAL))
        return 0;
    return close_packet(conn, ctx, pad, now);
}

/* Builds one datagram of at most |size| bytes at |start| (a probe
 * datagram of path frames when |path_probe|, which the congestion window
 * does not gate); returns its length (0: nothing to send) or an error. */
static int build_datagram(quic_conn *conn, uint8_t *start, size_t size,
                          bool path_probe, quic_time now) {
    conn_pkt_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.start = ctx.pos = start;
    ctx.end = start + size;
    ctx.path_probe = path_probe;
    quic_conn_send_budget(conn, &ctx, now);
    for (int sp = path_probe ? QUIC_PN_SPACE_APPLICATION : 0;
         sp < QUIC_PN_SPACE_COUNT; sp++) {
        quic_pn_space space = (quic_pn_space)sp;
        if (!space_can_send(conn, space) ||
            (!path_probe && !quic_conn_space_wants_send(conn, &ctx, space)))
            continue;
        int rc = ctx.open ? close_packet(conn, &ctx, 0, now) : 0;
        if (rc == 0)
            rc = build_packet(conn, &ctx, space, now);
        if (rc < 0)
            return rc;
    }
    int rc = finish_datagram(conn, &ctx, now);
    if (rc < 0)
        return rc;
    return (int)(ctx.pos - ctx.start);
}

/* RFC 9002 §7.8: nothing left to send while the window still had room
 * means the application, not the network, limits the sender: the window
 * must not grow on the acknowledgements of such a flight. */
static void note_app_limited(quic_conn *conn) {
    bool room = quic_cc_can_send(conn->cc, conn->rec.bytes_in_flight);
    quic_recovery_set_app_limited(&conn->rec, room && !conn->pacing_blocked);
}

/* A PATH_CHALLENGE/PATH_RESPONSE datagram when one is due (conn_path.c),
 * alone in its batch since it may go to another address. Returns 1 when
 * it was built into |buf|/|out|, 0 when none, or an error. */
static int build_path_probe(quic_conn *conn, uint8_t *buf, size_t size,
                            quic_datagram *out, quic_time now) {
    size_t allowed;
    if (!quic_conn_path_probe_due(conn, &allowed))
        return 0;
    if (allowed == SIZE_MAX)
        allowed = amplification_allowance(conn);
    size_t want = size < allowed ? size : allowed;
    if (want < 64)
        return 0;
    int len = build_datagram(conn, buf, want, true, now);
    if (len <= 0)
        return len;
    quic_conn_path_probe_sent(conn, (size_t)len);
    out->offset = 0;
    out->len = (size_t)len;
    out->peer = conn->path.probe_to;
    out->ecn = 0;
    return 1;
}

int quic_conn_build_datagrams(quic_conn *conn, quic_time now, uint8_t *buf,
                              size_t cap, quic_datagram *out, size_t max) {
    size_t off = 0, n = 0, size = conn->max_dgram;
    if (cap < size)
        return QUIC_ERR_NOBUF;
    if (conn->cfg.pacing)
        quic_pacer_update(&conn->pacer, quic_cc_cwnd(conn->cc),
                          conn->rec.rtt.smoothed_rtt, now);
    conn->pacing_blocked = false;
    int probe = max > 0 ? build_path_probe(conn, buf, size, out, now) : 0;
    if (probe != 0)
        return probe;
    while (n < max && cap - off >= size) {
        size_t allowed = amplification_allowance(conn);
        size_t want = size < allowed ? size : allowed;
        if (!conn->address_validated)
            quic_recovery_set_amplification_limited(&conn->rec, want < 64, now);
        if (want < 64)
            break;
        int len = build_datagram(conn, buf + off, want, false, now);
        if (len < 0)
            return len;
        if (len == 0) {
            note_app_limited(conn);
            break;
        }
        out[n].offset = off;
        out[n].len = (size_t)len;
        out[n].peer = conn->peer_addr;
        out[n].ecn = 0;
        n++;
        off += (size_t)len;
        /* Datagrams of one call share a length, except the last: a shorter
         * one ends the batch (quic.h: UDP GSO). */
        if ((size_t)len != size)
            break;
    }
    return (int)n;
}

quic_time quic_conn_pacing_timer(const quic_conn *conn) {
    if (!conn->pacing_blocked)
        return QUIC_TIME_NONE;
    return quic_pacer_next_send_time(&conn->pacer, conn->now);
}

quic_time quic_conn_ack_timer(const quic_conn *conn) {
    const conn_space *s = &conn->spaces[QUIC_PN_SPACE_APPLICATION];
    return s->ack_pending && !s->ack_immediate ? s->ack_deadline
                                               : QUIC_TIME_NONE;
}
