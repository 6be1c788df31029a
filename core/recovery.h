/* core/recovery.h — loss detection and RTT estimation (RFC 9002 §5-§7 and
 * Appendix A): sent-packet records per packet-number space, ACK processing,
 * packet- and time-threshold loss, PTO with backoff and the client's
 * anti-deadlock probe, persistent congestion, bytes in flight. It drives a
 * quic_cc but builds no packets: the connection asks it what was acked or
 * lost and what to probe. Internal. */
#ifndef H3CLI_CORE_RECOVERY_H
#define H3CLI_CORE_RECOVERY_H

#include "core/cc.h"
#include "core/quic.h"

/* RFC 9002 Appendix A.2 constants. */
#define QUIC_PACKET_THRESHOLD 3
#define QUIC_TIME_THRESHOLD_8 9 /* kTimeThreshold = 9/8, in eighths */
#define QUIC_GRANULARITY QUIC_MS
/* Bounds of the reordering thresholds that spurious losses raise (RFC 9002
 * §6.1.1, §6.1.2): the time threshold stops at 2 RTTs, as RACK bounds its
 * reordering window by one SRTT (RFC 8985); the packet threshold, which only
 * ever detects a loss sooner than the time threshold would, at 1024. */
#define QUIC_MAX_PACKET_THRESHOLD 1024
#define QUIC_MAX_TIME_THRESHOLD_8 16
#define QUIC_INITIAL_RTT (333 * QUIC_MS)
#define QUIC_PERSISTENT_CONGESTION_THRESHOLD 3

typedef enum quic_pn_space {
    QUIC_PN_SPACE_INITIAL = 0,
    QUIC_PN_SPACE_HANDSHAKE = 1,
    QUIC_PN_SPACE_APPLICATION = 2, /* 0-RTT and 1-RTT */
} quic_pn_space;
#define QUIC_PN_SPACE_COUNT 3

/* ---- RTT estimator (RFC 9002 §5) ------------------------------------------
 */

typedef struct quic_rtt {
    quic_time latest_rtt;
    quic_time smoothed_rtt;
    quic_time rttvar;
    quic_time min_rtt;           /* 0 until the first sample */
    quic_time first_sample_time; /* when it was taken; valid if has_sample */
    bool has_sample;
} quic_rtt;

/* smoothed_rtt = |initial_rtt| (0: kInitialRtt, 333 ms), rttvar = half. */
void quic_rtt_init(quic_rtt *rtt, quic_time initial_rtt);

/* Feeds the sample |latest_rtt| taken at |now|, with the peer's ack delay
 * already limited as §5.3 asks (0 for Initial, min(delay, max_ack_delay)
 * once the handshake is confirmed). Follows Appendix A.7 UpdateRtt: the
 * first sample resets the estimator; the delay is subtracted only when the
 * result stays at or above min_rtt. */
void quic_rtt_update(quic_rtt *rtt, quic_time latest_rtt, quic_time ack_delay,
                     quic_time now);

/* ---- Per-packet frame records ----------------------------------------------
 */

#define QUIC_FRAME_REC_NONE UINT32_MAX

/* What one retransmittable frame of a sent packet carried, filled by the
 * connection and handed back to it when the packet is acknowledged or lost.
 * Recovery never interprets |type|, |flags| or the three values: e.g. a
 * STREAM frame keeps its stream ID, offset, length and FIN flag; a CRYPTO
 * frame its offset and length; MAX_DATA its limit in |offset|; a PING sent by
 * quic_conn_send_ping its uid. Records live in a pool inside quic_recovery
 * (no allocation per frame once the pool has grown). */
typedef struct quic_frame_rec {
    uint64_t stream_id;
    uint64_t offset;
    uint64_t length;
    uint32_t next;  /* the packet's next record, or QUIC_FRAME_REC_NONE */
    uint16_t type;  /* the connection's frame kind */
    uint16_t flags; /* the connection's flags */
} quic_frame_rec;

/* ---- Sent packets
 * ------------------------------------------------------------ */

/* One sent packet (RFC 9002 Appendix A.1.1), as reported back. */
typedef struct quic_sent_packet {
    uint64_t pn;
    quic_time time_sent;
    uint32_t size;   /* sent_bytes: QUIC header, payload and AEAD tag */
    uint32_t frames; /* first frame record, or QUIC_FRAME_REC_NONE */
    uint8_t space;   /* quic_pn_space */
    bool ack_eliciting;
    bool in_flight;
    uint8_t state;    /* internal */
    uint32_t episode; /* internal: the loss episode that declared it lost */
} quic_sent_packet;

/* The sent packets of one space in packet-number order, including
 * tombstones of packets acknowledged or declared lost until the oldest
 * outstanding one moves past them. A lost tombstone stays at least two PTO
 * periods after its packet was sent, so that a late acknowledgement shows
 * the loss was spurious (RFC 9002 §A.1: "the endpoint can still maintain
 * state for it for an amount of time to allow for packet reordering").
 * Internal. */
typedef struct quic_recovery_space {
    quic_sent_packet *ring;
    size_t cap, head, count; /* cap is a power of two (or 0) */
    uint64_t largest_sent;   /* QUIC_PN_NONE (UINT64_MAX) before any */
    uint64_t largest_acked;  /* QUIC_PN_NONE before any */
    quic_time last_ack_eliciting_time; /* QUIC_TIME_NONE if none */
    quic_time loss_time;               /* QUIC_TIME_NONE if none */
    size_t outstanding;                /* records neither acked nor lost */
    size_t ack_eliciting_in_flight;
    uint64_t ecn_ce; /* the largest ECN-CE count the peer reported */
} quic_recovery_space;

/* What the connection must do after quic_recovery_on_timeout. */
typedef struct quic_recovery_probe {
    /* Ack-eliciting packets to send in |space| now, regardless of the
     * congestion window (RFC 9002 §7.5): 0 when the timer was time-threshold
     * loss detection (lost packets are in quic_recovery_lost), 1 or 2 on a
     * PTO. */
    unsigned count;
    quic_pn_space space;
    /* The client's anti-deadlock probe (§6.2.2.1): nothing is in flight;
     * send a Handshake packet if |space| is Handshake, else an Initial
     * padded to 1200 bytes. */
    bool anti_deadlock;
} quic_recovery_probe;

/* Embeddable; quic_recovery_init, then quic_recovery_cleanup. Fields are
 * read-only for the owner (rtt, bytes_in_flight, pto_count,
 * packets_lost). */
typedef struct quic_recovery {
    const quic_allocator *alloc;
    quic_cc *cc;
    quic_rtt rtt;
    quic_recovery_space spaces[QUIC_PN_SPACE_COUNT];
    quic_time max_ack_delay; /* the peer's transport parameter */
    uint64_t bytes_in_flight;
    unsigned pto_count;
    uint64_t packets_lost; /* statistics */
    /* Statistics: in-flight packets declared lost whose acknowledgement
     * came later (RFC 9002 §6.1: spurious losses). */
    uint64_t packets_spurious;
    /* Reordering thresholds (RFC 9002 §6.1.1 kPacketThreshold, §6.1.2
     * kTimeThreshold in eighths of an RTT): they start at 3 and 9/8 and only
     * grow, each time a spurious loss shows how far packets were reordered,
     * up to QUIC_MAX_PACKET_THRESHOLD and QUIC_MAX_TIME_THRESHOLD_8. */
    uint64_t packet_threshold;
    unsigned time_threshold_8;
    /* The loss episode: recovery's mirror of the controller's recovery
     * period (RFC 9002 B.8: one window reduction per period, which a loss
     * of a packet sent after it started begins anew). When every in-flight
     * packet declared lost in it turns out spurious, the controller undoes
     * the reduction (on_spurious_congestion). |episode| numbers episodes
     * (0: none yet); an ECN-CE or persistent congestion makes one final. */
    uint32_t episode;
    quic_time episode_start;
    bool episode_open, episode_undoable;
    size_t episode_lost, episode_spurious;
    quic_time timer; /* loss detection deadline, QUIC_TIME_NONE */
    bool is_server;
    bool handshake_confirmed;
    bool has_handshake_keys;
    bool handshake_ack_received;
    bool amplification_limited;
    bool app_limited;
    /* Frame record pool: a free list and the current packet's list. */
    quic_frame_rec *frames;
    uint32_t frames_cap, frames_free;
    uint32_t pending_head, pending_tail;
    /* Results of the last ACK or timeout. */
    quic_sent_packet *acked, *lost;
    size_t n_acked, n_lost, results_cap;
    /* The ACK frame being processed. */
    bool ack_open;
    quic_pn_space ack_space;
    uint64_t ack_largest, ack_next_below;
    quic_time ack_delay, ack_now;
} quic_recovery;

/* Starts recovery with no packets, RTT from |initial_rtt| (0 = 333 ms),
 * driving |cc| (which must outlive it). |alloc| (NULL = libc) must outlive
 * it too. */
void quic_recovery_init(quic_recovery *rec, const quic_allocator *alloc,
                        quic_cc *cc, bool is_server, quic_time initial_rtt);

/* Frees records, frame records and results. */
void quic_recovery_cleanup(quic_recovery *rec);

/* ---- State the connection tells recovery ------------------------------------
 */

/* The peer's max_ack_delay transport parameter (default 25 ms until set). */
void quic_recovery_set_max_ack_delay(quic_recovery *rec, quic_time delay);
/* The handshake is confirmed (RFC 9001 §4.1.2): Application PTO is armed
 * from now on and ack delays are capped by max_ack_delay. Re-arms the timer
 * at |now|. */
void quic_recovery_set_handshake_confirmed(quic_recovery *rec, quic_time now);
/* Client: Handshake keys are installed (anti-deadlock probes move from
 * Initial to Handshake). Re-arms the timer. */
void quic_recovery_set_has_handshake_keys(quic_recovery *rec, quic_time now);
/* Server: whether it is blocked by the anti-amplification limit (then no
 * timer is armed, §6.2.2.1). After unblocking, if quic_recovery_timer is at
 * or before |now|, call quic_recovery_on_timeout at once (Appendix A.6). */
void quic_recovery_set_amplification_limited(quic_recovery *rec, bool limited,
                                             quic_time now);
/* Whether the sender is application- or flow-control-limited; acks then do
 * not grow the window (§7.8). */
void quic_recovery_set_app_limited(quic_recovery *rec, bool limited);

/* ---- Sending ----------------------------------------------------------------
 */

/* Adds a frame record to the packet being built and returns it zeroed for
 * the caller to fill (|next| is recovery's). The pointer is valid until the
 * next call of this function. Returns NULL when out of memory. */
quic_frame_rec *quic_recovery_add_frame(quic_recovery *rec);

/* Drops the records added for a packet that will not be sent. */
void quic_recovery_drop_pending_frames(quic_recovery *rec);

/* Records packet |pn| of |space| sent at |now| with |size| bytes, carrying
 * the frame records added since the last packet (RFC 9002 A.5). Every
 * packet, ACK-only ones too, must be recorded, in increasing pn order per
 * space. In-flight packets count towards bytes in flight and the
 * controller. Errors: QUIC_ERR_INVALID_ARGUMENT (pn not above the last one,
 * or |size| over 4 GB), QUIC_ERR_NOMEM (nothing recorded; the pending frame
 * records stay for a retry or quic_recovery_drop_pending_frames). */
int quic_recovery_on_packet_sent(quic_recovery *rec, quic_pn_space space,
                                 uint64_t pn, size_t size, bool ack_eliciting,
                                 bool in_flight, quic_time now);

/* Bytes that may be sent now under the congestion window. */
uint64_t quic_recovery_cwnd_available(const quic_recovery *rec);

/* ---- ACK frames -------------------------------------------------------------
 */

/* Processing one ACK frame received in |space| at |now|:
 *   quic_recovery_ack_begin(rec, space, largest, delay, now);
 *   for each range, largest first: quic_recovery_ack_range(rec, lo, hi);
 *   quic_recovery_ack_end(rec, ecn, now);
 * then read quic_recovery_acked / quic_recovery_lost. |ack_delay| is the
 * decoded delay in ns (ACK Delay × 2^ack_delay_exponent µs).
 * ack_begin clears the previous results. Errors:
 * QUIC_ERR_PROTOCOL_VIOLATION (|largest_acked| was never sent in |space|:
 * the caller closes with PROTOCOL_VIOLATION, RFC 9000 §13.1),
 * QUIC_ERR_INVALID_STATE (an ACK already open). */
int quic_recovery_ack_begin(quic_recovery *rec, quic_pn_space space,
                            uint64_t largest_acked, quic_time ack_delay,
                            quic_time now);

/* Acknowledges packet numbers [smallest, largest] (inclusive, as an ACK
 * frame states them). Ranges come in descending order; the first must end
 * at the largest acknowledged. Numbers never sent are ignored. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (out of order or above the largest),
 * QUIC_ERR_INVALID_STATE (no ACK open). */
int quic_recovery_ack_range(quic_recovery *rec, uint64_t smallest,
                            uint64_t largest);

/* Finishes the ACK (RFC 9002 A.7): RTT sample if the largest is newly
 * acknowledged and an ack-eliciting packet was newly acknowledged, ECN-CE
 * (|ecn_ce| is the ACK_ECN frame's CE count, or UINT64_MAX for a plain ACK),
 * loss detection, persistent congestion, controller updates, PTO backoff
 * reset, timer. Errors: QUIC_ERR_INVALID_STATE (no ACK open). */
int quic_recovery_ack_end(quic_recovery *rec, uint64_t ecn_ce, quic_time now);

/* ---- Results ----------------------------------------------------------------
 */

/* Packets newly acknowledged / declared lost by the last ack_end or
 * on_timeout (lost ones in packet-number order, acked ones range by range
 * as the ACK listed them). Valid (with their frame records) until
 * the next quic_recovery_ack_begin, quic_recovery_on_timeout,
 * quic_recovery_clear_results or cleanup. */
const quic_sent_packet *quic_recovery_acked(const quic_recovery *rec,
                                            size_t *n);
const quic_sent_packet *quic_recovery_lost(const quic_recovery *rec, size_t *n);

/* The frame record at |index| (a packet's |frames| or a record's |next|),
 * or NULL for QUIC_FRAME_REC_NONE. The pointer is invalidated by
 * quic_recovery_add_frame (the pool may move); indices stay valid, so a
 * caller that queues retransmissions while walking a list keeps the index
 * of the next record, not the pointer. */
const quic_frame_rec *quic_recovery_frame(const quic_recovery *rec,
                                          uint32_t index);

/* Returns the results' frame records to the pool early. */
void quic_recovery_clear_results(quic_recovery *rec);

/* Iterates the outstanding (neither acknowledged nor lost) packets of
 * |space| oldest first, e.g. to choose what a PTO probe repeats: start with
 * *cursor = 0; NULL at the end. Invalidated by any other call but
 * quic_recovery_frame. */
const quic_sent_packet *quic_recovery_next_outstanding(const quic_recovery *rec,
                                                       quic_pn_space space,
                                                       size_t *cursor);

/* ---- Timer ----------------------------------------------------------------
 */

/* The loss-detection deadline (time threshold or PTO), or QUIC_TIME_NONE. */
static inline quic_time quic_recovery_timer(const quic_recovery *rec) {
    return rec->timer;
}

/* Runs the loss-detection timer if it is due at |now| (Appendix A.9):
 * time-threshold losses go to quic_recovery_lost (probe->count 0), or a PTO
 * asks for probes in |probe| and backs off. Before the deadline it does
 * nothing (probe->count 0, no results). Errors: none yet (0). */
int quic_recovery_on_timeout(quic_recovery *rec, quic_time now,
                             quic_recovery_probe *probe);

/* The PTO period without backoff, including max_ack_delay: 3 × this is the
 * closing/draining period and the idle timeout floor (RFC 9000 §10). */
quic_time quic_recovery_pto_period(const quic_recovery *rec);

/* Discards a space whose keys were dropped (RFC 9002 §6.4, A.11): its
 * packets leave bytes in flight without being acked or lost, their frame
 * records are freed, PTO backoff resets, the timer re-arms. Also the Retry
 * path for Initial (§6.3). */
void quic_recovery_discard_space(quic_recovery *rec, quic_pn_space space,
                                 quic_time now);

#endif
