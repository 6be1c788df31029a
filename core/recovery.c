/* core/recovery.c — RFC 9002 loss detection following the pseudocode of its
 * Appendix A: sent-packet rings per space, ACK processing, threshold loss
 * detection, the PTO / time-threshold timer and persistent congestion. It
 * does not decide what to retransmit: frame records go back to the
 * connection. */
#include "core/recovery.h"

#include <string.h>

#include "core/mem.h"
#include "core/pn.h"

#define DEFAULT_MAX_ACK_DELAY (25 * QUIC_MS) /* RFC 9000 §18.2 */
#define MAX_BACKOFF_SHIFT 30

enum { SENT_OUTSTANDING = 0, SENT_ACKED = 1, SENT_LOST = 2 };

/* ---- RTT ----------------------------------------------------------------- */

void quic_rtt_init(quic_rtt *rtt, quic_time initial_rtt) {
    memset(rtt, 0, sizeof(*rtt));
    rtt->smoothed_rtt = initial_rtt ? initial_rtt : QUIC_INITIAL_RTT;
    rtt->rttvar = rtt->smoothed_rtt / 2;
}

void quic_rtt_update(quic_rtt *rtt, quic_time latest_rtt, quic_time ack_delay,
                     quic_time now) {
    rtt->latest_rtt = latest_rtt;
    if (!rtt->has_sample) {
        rtt->has_sample = true;
        rtt->first_sample_time = now;
        rtt->min_rtt = latest_rtt;
        rtt->smoothed_rtt = latest_rtt;
        rtt->rttvar = latest_rtt / 2;
        return;
    }
    if (latest_rtt < rtt->min_rtt)
        rtt->min_rtt = latest_rtt; /* min_rtt ignores the ack delay */
    quic_time adjusted = latest_rtt;
    if (latest_rtt >= rtt->min_rtt + ack_delay)
        adjusted = latest_rtt - ack_delay;
    quic_time diff = rtt->smoothed_rtt > adjusted
                         ? rtt->smoothed_rtt - adjusted
                         : adjusted - rtt->smoothed_rtt;
    /* Appendix A.7: rttvar uses the smoothed_rtt before this sample. */
    rtt->rttvar = (3 * rtt->rttvar + diff) / 4;
    rtt->smoothed_rtt = (7 * rtt->smoothed_rtt + adjusted) / 8;
}

/* ---- Helpers ------------------------------------------------------------- */

static quic_time sat_add(quic_time a, quic_time b) {
    return a > QUIC_TIME_NONE - 1 - b ? QUIC_TIME_NONE - 1 : a + b;
}

/* |t| × 2^pto_count, saturating. */
static quic_time backoff(const quic_recovery *rec, quic_time t) {
    unsigned n = rec->pto_count;
    if (n > MAX_BACKOFF_SHIFT || t > (QUIC_TIME_NONE - 1) >> n)
        return QUIC_TIME_NONE - 1;
    return t << n;
}

static quic_sent_packet *ring_at(const quic_recovery_space *sp, size_t i) {
    return &sp->ring[(sp->head + i) & (sp->cap - 1)];
}

/* Index of the first record with pn >= |pn|. */
static size_t ring_lower_bound(const quic_recovery_space *sp, uint64_t pn) {
    size_t lo = 0, hi = sp->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ring_at(sp, mid)->pn < pn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* How long a lost tombstone is kept for a late acknowledgement. */
static quic_time lost_keep(const quic_recovery *rec) {
    return 2 * quic_recovery_pto_period(rec);
}

/* Drops tombstones from the old end: acknowledged ones at once, lost ones
 * once they are too old to be acknowledged still. */
static void ring_pop_settled(const quic_recovery *rec, quic_recovery_space *sp,
                             quic_time now) {
    quic_time keep = lost_keep(rec);
    while (sp->count) {
        const quic_sent_packet *p = ring_at(sp, 0);
        if (p->state == SENT_OUTSTANDING ||
            (p->state == SENT_LOST && p->time_sent + keep > now))
            break;
        sp->head = (sp->head + 1) & (sp->cap - 1);
        sp->count--;
    }
    if (!sp->count)
        sp->head = 0;
}

/* Errors: QUIC_ERR_NOMEM. */
static int ring_reserve(quic_recovery *rec, quic_recovery_space *sp) {
    if (sp->count < sp->cap)
        return 0;
    size_t cap = sp->cap ? sp->cap * 2 : 16;
    quic_sent_packet *ring =
        quic_mem_reallocarray(rec->alloc, NULL, cap, sizeof(*ring));
    if (!ring)
        return QUIC_ERR_NOMEM;
    for (size_t i = 0; i < sp->count; i++)
        ring[i] = *ring_at(sp, i);
    quic_mem_free(rec->alloc, sp->ring);
    sp->ring = ring;
    sp->cap = cap;
    sp->head = 0;
    return 0;
}

static size_t total_outstanding(const quic_recovery *rec) {
    size_t n = 0;
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++)
        n += rec->spaces[s].outstanding;
    return n;
}

static size_t ack_eliciting_in_flight(const quic_recovery *rec) {
    size_t n = 0;
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++)
        n += rec->spaces[s].ack_eliciting_in_flight;
    return n;
}

/* Result arrays always have room for every outstanding packet, so ACK
 * processing never allocates. Errors: QUIC_ERR_NOMEM. */
static int results_reserve(quic_recovery *rec, size_t need) {
    if (need <= rec->results_cap)
        return 0;
    size_t cap = rec->results_cap ? rec->results_cap * 2 : 16;
    while (cap < need)
        cap *= 2;
    quic_sent_packet *a =
        quic_mem_reallocarray(rec->alloc, rec->acked, cap, sizeof(*a));
    if (!a)
        return QUIC_ERR_NOMEM;
    rec->acked = a;
    quic_sent_packet *l =
        quic_mem_reallocarray(rec->alloc, rec->lost, cap, sizeof(*l));
    if (!l)
        return QUIC_ERR_NOMEM;
    rec->lost = l;
    rec->results_cap = cap;
    return 0;
}

/* ---- Frame records ------------------------------------------------------- */

/* Errors: QUIC_ERR_NOMEM. */
static int pool_grow(quic_recovery *rec) {
    uint32_t cap = rec->frames_cap ? rec->frames_cap * 2 : 64;
    if (cap <= rec->frames_cap || cap >= QUIC_FRAME_REC_NONE)
        return QUIC_ERR_NOMEM;
    quic_frame_rec *f =
        quic_mem_reallocarray(rec->alloc, rec->frames, cap, sizeof(*f));
    if (!f)
        return QUIC_ERR_NOMEM;
    for (uint32_t i = rec->frames_cap; i < cap; i++)
        f[i].next = i + 1 < cap ? i + 1 : rec->frames_free;
    rec->frames_free = rec->frames_cap;
    rec->frames = f;
    rec->frames_cap = cap;
    return 0;
}

quic_frame_rec *quic_recovery_add_frame(quic_recovery *rec) {
    if (rec->frames_free == QUIC_FRAME_REC_NONE && pool_grow(rec))
        return NULL;
    uint32_t i = rec->frames_free;
    quic_frame_rec *f = &rec->frames[i];
    rec->frames_free = f->next;
    memset(f, 0, sizeof(*f));
    f->next = QUIC_FRAME_REC_NONE;
    if (rec->pending_tail != QUIC_FRAME_REC_NONE)
        rec->frames[rec->pending_tail].next = i;
    else
        rec->pending_head = i;
    rec->pending_tail = i;
    return f;
}

/* Returns the list starting at |head| to the free list. */
static void free_frames(quic_recovery *rec, uint32_t head) {
    if (head == QUIC_FRAME_REC_NONE)
        return;
    uint32_t tail = head;
    while (rec->frames[tail].next != QUIC_FRAME_REC_NONE)
        tail = rec->frames[tail].next;
    rec->frames[tail].next = rec->frames_free;
    rec->frames_free = head;
}

void quic_recovery_drop_pending_frames(quic_recovery *rec) {
    free_frames(rec, rec->pending_head);
    rec->pending_head = rec->pending_tail = QUIC_FRAME_REC_NONE;
}

const quic_frame_rec *quic_recovery_frame(const quic_recovery *rec,
                                          uint32_t index) {
    return index < rec->frames_cap ? &rec->frames[index] : NULL;
}

void quic_recovery_clear_results(quic_recovery *rec) {
    for (size_t i = 0; i < rec->n_acked; i++)
        free_frames(rec, rec->acked[i].frames);
    for (size_t i = 0; i < rec->n_lost; i++)
        free_frames(rec, rec->lost[i].frames);
    rec->n_acked = rec->n_lost = 0;
}

const quic_sent_packet *quic_recovery_acked(const quic_recovery *rec,
                                            size_t *n) {
    *n = rec->n_acked;
    return rec->acked;
}

const quic_sent_packet *quic_recovery_lost(const quic_recovery *rec,
                                           size_t *n) {
    *n = rec->n_lost;
    return rec->lost;
}

/* ---- Lifecycle and state ------------------------------------------------- */

static void space_reset(quic_recovery_space *sp) {
    sp->ring = NULL;
    sp->cap = sp->head = sp->count = 0;
    sp->largest_acked = QUIC_PN_NONE;
    sp->last_ack_eliciting_time = QUIC_TIME_NONE;
    sp->loss_time = QUIC_TIME_NONE;
    sp->outstanding = sp->ack_eliciting_in_flight = 0;
    sp->ecn_ce = 0;
}

void quic_recovery_init(quic_recovery *rec, const quic_allocator *alloc,
                        quic_cc *cc, bool is_server, quic_time initial_rtt) {
    memset(rec, 0, sizeof(*rec));
    rec->alloc = alloc;
    rec->cc = cc;
    rec->is_server = is_server;
    quic_rtt_init(&rec->rtt, initial_rtt);
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++) {
        space_reset(&rec->spaces[s]);
        rec->spaces[s].largest_sent = QUIC_PN_NONE;
    }
    rec->max_ack_delay = DEFAULT_MAX_ACK_DELAY;
    rec->timer = QUIC_TIME_NONE;
    rec->packet_threshold = QUIC_PACKET_THRESHOLD;
    rec->time_threshold_8 = QUIC_TIME_THRESHOLD_8;
    rec->frames_free = QUIC_FRAME_REC_NONE;
    rec->pending_head = rec->pending_tail = QUIC_FRAME_REC_NONE;
}

void quic_recovery_cleanup(quic_recovery *rec) {
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++)
        quic_mem_free(rec->alloc, rec->spaces[s].ring);
    quic_mem_free(rec->alloc, rec->frames);
    quic_mem_free(rec->alloc, rec->acked);
    quic_mem_free(rec->alloc, rec->lost);
    quic_recovery_init(rec, rec->alloc, rec->cc, rec->is_server, 0);
}

/* RFC 9002 A.6 PeerCompletedAddressValidation. */
static bool peer_completed_address_validation(const quic_recovery *rec) {
    return rec->is_server || rec->handshake_ack_received ||
           rec->handshake_confirmed;
}

/* RFC 9002 A.8 GetPtoTimeAndSpace. */
static quic_time pto_time_and_space(const quic_recovery *rec, quic_time now,
                                    quic_pn_space *space) {
    quic_time var4 = 4 * rec->rtt.rttvar;
    quic_time duration =
        backoff(rec, rec->rtt.smoothed_rtt +
                         (var4 > QUIC_GRANULARITY ? var4 : QUIC_GRANULARITY));
    if (!ack_eliciting_in_flight(rec)) {
        /* Anti-deadlock: the PTO starts now (RFC 9002 §6.2.2.1). */
        *space = rec->has_handshake_keys ? QUIC_PN_SPACE_HANDSHAKE
                                         : QUIC_PN_SPACE_INITIAL;
        return sat_add(now, duration);
    }
    quic_time best = QUIC_TIME_NONE;
    *space = QUIC_PN_SPACE_INITIAL;
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++) {
        const quic_recovery_space *sp = &rec->spaces[s];
        if (!sp->ack_eliciting_in_flight)
            continue;
        if (s == QUIC_PN_SPACE_APPLICATION) {
            /* §6.2.1: no Application PTO before handshake confirmation;
             * max_ack_delay only counts for this space. */
            if (!rec->handshake_confirmed)
                break;
            duration = sat_add(duration, backoff(rec, rec->max_ack_delay));
        }
        quic_time t = sat_add(sp->last_ack_eliciting_time, duration);
        if (t < best) {
            best = t;
            *space = (quic_pn_space)s;
        }
    }
    return best;
}

/* RFC 9002 A.8 GetLossTimeAndSpace: QUIC_TIME_NONE if no loss time. */
static quic_time earliest_loss_time(const quic_recovery *rec,
                                    quic_pn_space *space) {
    quic_time t = QUIC_TIME_NONE;
    for (int s = 0; s < QUIC_PN_SPACE_COUNT; s++)
        if (rec->spaces[s].loss_time < t) {
            t = rec->spaces[s].loss_time;
            *space = (quic_pn_space)s;
        }
    return t;
}

/* RFC 9002 A.8 SetLossDetectionTimer. */
static void set_timer(quic_recovery *rec, quic_time now) {
    quic_pn_space space;
    quic_time loss = earliest_loss_time(rec, &space);
    if (loss != QUIC_TIME_NONE) {
        rec->timer = loss;
        return;
    }
    if (rec->amplification_limited ||
        (!ack_eliciting_in_flight(rec) &&
         peer_completed_address_validation(rec))) {
        rec->timer = QUIC_TIME_NONE;
        return;
    }
    rec->timer = pto_time_and_space(rec, now, &space);
}

void quic_recovery_set_max_ack_delay(quic_recovery *rec, quic_time delay) {
    rec->max_ack_delay = delay;
}

void quic_recovery_set_handshake_confirmed(quic_recovery *rec, quic_time now) {
    rec->handshake_confirmed = true;
    set_timer(rec, now);
}

void quic_recovery_set_has_handshake_keys(quic_recovery *rec, quic_time now) {
    rec->has_handshake_keys = true;
    set_timer(rec, now);
}

void quic_recovery_set_amplification_limited(quic_recovery *rec, bool limited,
                                             quic_time now) {
    rec->amplification_limited = limited;
    set_timer(rec, now);
}

void quic_recovery_set_app_limited(quic_recovery *rec, bool limited) {
    rec->app_limited = limited;
}

quic_time quic_recovery_pto_period(const quic_recovery *rec) {
    quic_time var4 = 4 * rec->rtt.rttvar;
    return rec->rtt.smoothed_rtt +
           (var4 > QUIC_GRANULARITY ? var4 : QUIC_GRANULARITY) +
           rec->max_ack_delay;
}

uint64_t quic_recovery_cwnd_available(const quic_recovery *rec) {
    uint64_t cwnd = quic_cc_cwnd(rec->cc);
    return cwnd > rec->bytes_in_flight ? cwnd - rec->bytes_in_flight : 0;
}

/* ---- Sending ------------------------------------------------------------- */

int quic_recovery_on_packet_sent(quic_recovery *rec, quic_pn_space space,
                                 uint64_t pn, size_t size, bool ack_eliciting,
                                 bool in_flight, quic_time now) {
    if ((unsigned)space >= QUIC_PN_SPACE_COUNT || size > UINT32_MAX ||
        pn > QUIC_PN_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    quic_recovery_space *sp = &rec->spaces[space];
    if (sp->largest_sent != QUIC_PN_NONE && pn <= sp->largest_sent)
        return QUIC_ERR_INVALID_ARGUMENT;
    int err = ring_reserve(rec, sp);
    if (!err)
        err = results_reserve(rec, total_outstanding(rec) + 1);
    if (err)
        return err;
    quic_sent_packet *p = ring_at(sp, sp->count++);
    memset(p, 0, sizeof(*p));
    p->pn = pn;
    p->time_sent = now;
    p->size = (uint32_t)size;
    p->frames = rec->pending_head;
    p->space = (uint8_t)space;
    p->ack_eliciting = ack_eliciting;
    p->in_flight = in_flight;
    p->state = SENT_OUTSTANDING;
    rec->pending_head = rec->pending_tail = QUIC_FRAME_REC_NONE;
    sp->largest_sent = pn;
    sp->outstanding++;
    if (in_flight) {
        rec->bytes_in_flight += size;
        quic_cc_on_packet_sent(rec->cc, size, now);
        if (ack_eliciting) {
            sp->last_ack_eliciting_time = now;
            sp->ack_eliciting_in_flight++;
        }
        set_timer(rec, now);
    }
    return 0;
}

/* Takes |p| out of flight as acknowledged or lost and copies it to |out|;
 * the frame records move with the copy. */
static void settle(quic_recovery *rec, quic_recovery_space *sp,
                   quic_sent_packet *p, uint8_t state, quic_sent_packet *out) {
    *out = *p;
    p->state = state;
    p->frames = QUIC_FRAME_REC_NONE;
    sp->outstanding--;
    if (p->in_flight) {
        rec->bytes_in_flight -= p->size;
        if (p->ack_eliciting)
            sp->ack_eliciting_in_flight--;
    }
}

const quic_sent_packet *quic_recovery_next_outstanding(const quic_recovery *rec,
                                                       quic_pn_space space,
                                                       size_t *cursor) {
    const quic_recovery_space *sp = &rec->spaces[space];
    while (*cursor < sp->count) {
        const quic_sent_packet *p = ring_at(sp, (*cursor)++);
        if (p->state == SENT_OUTSTANDING)
            return p;
    }
    return NULL;
}

/* ---- Loss detection ------------------------------------------------------ */

/* Tracks RFC 9002 §7.6.2 within one pass over a space: two ack-eliciting
 * lost packets, both sent after the first RTT sample, further apart than
 * the persistent congestion duration, with no acknowledged packet between
 * them. An acknowledged record (tombstone) between them restarts the run.
 * Only this space is considered, which §7.6.2 allows. */
typedef struct pc_run {
    quic_time duration;
    quic_time start; /* QUIC_TIME_NONE: no run */
    bool established;
} pc_run;

static void pc_see_lost(pc_run *run, const quic_rtt *rtt,
                        const quic_sent_packet *p) {
    if (!p->ack_eliciting || !rtt->has_sample ||
        p->time_sent <= rtt->first_sample_time)
        return;
    if (run->start == QUIC_TIME_NONE)
        run->start = p->time_sent;
    else if (p->time_sent - run->start > run->duration)
        run->established = true;
}

/* Reports in-flight losses (and persistent congestion) to the controller. */
static void on_packets_lost(quic_recovery *rec, size_t first, const pc_run *run,
                            quic_time now) {
    uint64_t bytes = 0;
    quic_time largest_time_sent = 0;
    bool any = false;
    for (size_t i = first; i < rec->n_lost; i++) {
        const quic_sent_packet *p = &rec->lost[i];
        if (!p->in_flight)
            continue;
        any = true;
        bytes += p->size;
        if (p->time_sent > largest_time_sent)
            largest_time_sent = p->time_sent;
    }
    if (any)
        rec->cc->ops->on_packets_lost(rec->cc, bytes, largest_time_sent, now);
    if (run->established) {
        rec->cc->ops->on_persistent_congestion(rec->cc, now);
        rec->episode_open = false; /* a real collapse: nothing to undo */
        /* §5.2: restart min_rtt from the newest sample. */
        rec->rtt.min_rtt = rec->rtt.latest_rtt;
    }
}

/* Puts the in-flight packet |p|, about to be declared lost, in the loss
 * episode, starting a new one when it was sent after the current one
 * began: exactly when the controller starts a new recovery period (RFC 9002
 * B.8, InCongestionRecovery on the newest lost packet's send time; the
 * packets of one pass are in send order). */
static void count_episode_loss(quic_recovery *rec, quic_sent_packet *p,
                               quic_time now) {
    if (!rec->episode_open || p->time_sent > rec->episode_start) {
        rec->episode++;
        rec->episode_start = now;
        rec->episode_open = rec->episode_undoable = true;
        rec->episode_lost = rec->episode_spurious = 0;
    }
    rec->episode_lost++;
    p->episode = rec->episode;
}

/* RFC 9002 A.10 DetectAndRemoveLostPackets, then OnPacketsLost. */
static void detect_lost(quic_recovery *rec, quic_pn_space space,
                        quic_time now) {
    quic_recovery_space *sp = &rec->spaces[space];
    sp->loss_time = QUIC_TIME_NONE;
    if (sp->largest_acked == QUIC_PN_NONE)
        return;
    quic_time delay = rec->rtt.latest_rtt > rec->rtt.smoothed_rtt
                          ? rec->rtt.latest_rtt
                          : rec->rtt.smoothed_rtt;
    delay = delay / 8 * rec->time_threshold_8 +
            delay % 8 * rec->time_threshold_8 / 8; /* kTimeThreshold */
    if (delay < QUIC_GRANULARITY)
        delay = QUIC_GRANULARITY;
    pc_run run = {QUIC_PERSISTENT_CONGESTION_THRESHOLD *
                      quic_recovery_pto_period(rec),
                  QUIC_TIME_NONE, false};
    size_t first = rec->n_lost;
    for (size_t i = 0; i < sp->count; i++) {
        quic_sent_packet *p = ring_at(sp, i);
        if (p->pn > sp->largest_acked)
            break;
        if (p->state == SENT_ACKED)
            run.start = QUIC_TIME_NONE;
        if (p->state != SENT_OUTSTANDING)
            continue;
        bool by_time = now >= delay && p->time_sent <= now - delay;
        if (by_time || sp->largest_acked >= p->pn + rec->packet_threshold) {
            if (p->in_flight)
                count_episode_loss(rec, p, now);
            settle(rec, sp, p, SENT_LOST, &rec->lost[rec->n_lost++]);
            rec->packets_lost++;
            pc_see_lost(&run, &rec->rtt, p);
        } else {
            /* Send times grow with packet numbers: no later packet is lost
             * either, and this one is the next to reach the threshold. */
            sp->loss_time = p->time_sent + delay;
            break;
        }
    }
    ring_pop_settled(rec, sp, now);
    on_packets_lost(rec, first, &run, now);
}

/* ---- ACK processing ------------------------------------------------------ */

int quic_recovery_ack_begin(quic_recovery *rec, quic_pn_space space,
                            uint64_t largest_acked, quic_time ack_delay,
                            quic_time now) {
    if (rec->ack_open)
        return QUIC_ERR_INVALID_STATE;
    if ((unsigned)space >= QUIC_PN_SPACE_COUNT)
        return QUIC_ERR_INVALID_ARGUMENT;
    quic_recovery_space *sp = &rec->spaces[space];
    /* RFC 9000 §13.1: acknowledging a packet never sent is a violation. */
    if (sp->largest_sent == QUIC_PN_NONE || largest_acked > sp->largest_sent)
        return QUIC_ERR_PROTOCOL_VIOLATION;
    quic_recovery_clear_results(rec);
    rec->ack_open = true;
    rec->ack_space = space;
    rec->ack_largest = largest_acked;
    rec->ack_next_below = largest_acked + 1;
    rec->ack_delay = ack_delay;
    rec->ack_now = now;
    if (space == QUIC_PN_SPACE_HANDSHAKE)
        rec->handshake_ack_received = true;
    if (sp->largest_acked == QUIC_PN_NONE || largest_acked > sp->largest_acked)
        sp->largest_acked = largest_acked;
    return 0;
}

/* A packet declared lost was acknowledged after all (RFC 9002 §6.1):
 * "Implementations can detect spurious retransmissions and increase the
 * packet or time reordering threshold to reduce future spurious
 * retransmissions and loss events." Both thresholds grow to what would
 * have kept this packet from being declared lost: the packet threshold
 * past its distance from the largest acknowledged, the time threshold past
 * the time it took to be acknowledged, in RTTs (as RACK's reordering window
 * grows, RFC 8985). Its frames were retransmitted already; the
 * tombstone turns into an acknowledged one so it counts once. */
static void on_spurious_loss(quic_recovery *rec, quic_recovery_space *sp,
                             quic_sent_packet *p) {
    p->state = SENT_ACKED;
    if (!p->in_flight)
        return;
    rec->packets_spurious++;
    uint64_t distance = sp->largest_acked - p->pn + 1;
    if (distance > rec->packet_threshold)
        rec->packet_threshold = distance < QUIC_MAX_PACKET_THRESHOLD
                                    ? distance
                                    : QUIC_MAX_PACKET_THRESHOLD;
    quic_time rtt = rec->rtt.latest_rtt > rec->rtt.smoothed_rtt
                        ? rec->rtt.latest_rtt
                        : rec->rtt.smoothed_rtt;
    quic_time took =
        rec->ack_now > p->time_sent ? rec->ack_now - p->time_sent : 0;
    if (rtt) {
        uint64_t eighths = took / rtt * 8 + took % rtt * 8 / rtt + 1;
        if (eighths > QUIC_MAX_TIME_THRESHOLD_8)
            eighths = QUIC_MAX_TIME_THRESHOLD_8;
        if (eighths > rec->time_threshold_8)
            rec->time_threshold_8 = (unsigned)eighths;
    }
    if (rec->episode_open && p->episode == rec->episode)
        rec->episode_spurious++;
}

int quic_recovery_ack_range(quic_recovery *rec, uint64_t smallest,
                            uint64_t largest) {
    if (!rec->ack_open)
        return QUIC_ERR_INVALID_STATE;
    bool first = rec->ack_next_below == rec->ack_largest + 1;
    if (smallest > largest || largest >= rec->ack_next_below ||
        (first && largest != rec->ack_largest))
        return QUIC_ERR_INVALID_ARGUMENT;
    rec->ack_next_below = smallest;
    quic_recovery_space *sp = &rec->spaces[rec->ack_space];
    for (size_t i = ring_lower_bound(sp, smallest); i < sp->count; i++) {
        quic_sent_packet *p = ring_at(sp, i);
        if (p->pn > largest)
            break;
        if (p->state == SENT_OUTSTANDING)
            settle(rec, sp, p, SENT_ACKED, &rec->acked[rec->n_acked++]);
        else if (p->state == SENT_LOST)
            on_spurious_loss(rec, sp, p);
    }
    return 0;
}

/* RTT sample (§5.1) and ECN-CE (A.7 ProcessECN) from the newly acked. */
static void sample_rtt_and_ecn(quic_recovery *rec, uint64_t ecn_ce,
                               quic_time now) {
    const quic_sent_packet *largest = NULL;
    bool any_eliciting = false;
    for (size_t i = 0; i < rec->n_acked; i++) {
        const quic_sent_packet *p = &rec->acked[i];
        any_eliciting |= p->ack_eliciting;
        if (!largest || p->pn > largest->pn)
            largest = p;
    }
    if (largest->pn == rec->ack_largest && any_eliciting) {
        quic_time delay = rec->ack_delay;
        /* §5.3: Initial acks are not delayed; cap by max_ack_delay only
         * once the handshake is confirmed. */
        if (rec->ack_space == QUIC_PN_SPACE_INITIAL)
            delay = 0;
        else if (rec->handshake_confirmed && delay > rec->max_ack_delay)
            delay = rec->max_ack_delay;
        quic_time latest =
            now > largest->time_sent ? now - largest->time_sent : 0;
        quic_rtt_update(&rec->rtt, latest, delay, now);
    }
    quic_recovery_space *sp = &rec->spaces[rec->ack_space];
    if (ecn_ce != UINT64_MAX && ecn_ce > sp->ecn_ce) {
        sp->ecn_ce = ecn_ce;
        rec->cc->ops->on_ecn_ce(rec->cc, largest->time_sent, now);
        /* The controller's period (new or not) now holds a reduction that
         * no acknowledgement can prove spurious. */
        if (!rec->episode_open || largest->time_sent > rec->episode_start) {
            rec->episode++;
            rec->episode_start = now;
            rec->episode_open = true;
            rec->episode_lost = rec->episode_spurious = 0;
        }
        rec->episode_undoable = false;
    }
}

/* Every in-flight packet the current episode declared lost has been
 * acknowledged: the window reduction was caused by reordering alone, and the
 * controller restores what it had before (RFC 9438 §4.9 for CUBIC). The
 * episode closes, so the next loss starts a new one, as the controller's
 * next loss starts a new recovery period. */
static void undo_if_spurious(quic_recovery *rec, quic_time now) {
    if (!rec->episode_open || !rec->episode_undoable || !rec->episode_lost ||
        rec->episode_spurious < rec->episode_lost)
        return;
    rec->cc->ops->on_spurious_congestion(rec->cc, now);
    rec->episode_open = false;
}

int quic_recovery_ack_end(quic_recovery *rec, uint64_t ecn_ce, quic_time now) {
    if (!rec->ack_open)
        return QUIC_ERR_INVALID_STATE;
    rec->ack_open = false;
    quic_pn_space space = rec->ack_space;
    undo_if_spurious(rec, now);
    if (rec->n_acked) {
        sample_rtt_and_ecn(rec, ecn_ce, now);
        detect_lost(rec, space, now);
        /* The pseudocode's order: losses first, then the acks. */
        for (size_t i = 0; i < rec->n_acked; i++) {
            const quic_sent_packet *p = &rec->acked[i];
            if (p->in_flight)
                rec->cc->ops->on_packet_acked(rec->cc, p->size, p->time_sent,
                                              rec->app_limited, now);
        }
        /* §6.2.1: a client unsure of its address validation keeps the
         * backoff. */
        if (peer_completed_address_validation(rec))
            rec->pto_count = 0;
        ring_pop_settled(rec, &rec->spaces[space], now);
    }
    set_timer(rec, now);
    return 0;
}

/* ---- Timer --------------------------------------------------------------- */

int quic_recovery_on_timeout(quic_recovery *rec, quic_time now,
                             quic_recovery_probe *probe) {
    memset(probe, 0, sizeof(*probe));
    if (rec->timer == QUIC_TIME_NONE || now < rec->timer)
        return 0;
    quic_recovery_clear_results(rec);
    quic_pn_space space = QUIC_PN_SPACE_INITIAL;
    if (earliest_loss_time(rec, &space) != QUIC_TIME_NONE) {
        detect_lost(rec, space, now); /* time threshold */
        set_timer(rec, now);
        return 0;
    }
    if (!ack_eliciting_in_flight(rec)) {
        /* Client anti-deadlock: a Handshake packet proves the address, a
         * padded Initial earns amplification credit. */
        probe->anti_deadlock = true;
        probe->count = 1;
        probe->space = rec->has_handshake_keys ? QUIC_PN_SPACE_HANDSHAKE
                                               : QUIC_PN_SPACE_INITIAL;
    } else {
        pto_time_and_space(rec, now, &probe->space);
        probe->count = 2;
    }
    rec->pto_count++;
    set_timer(rec, now);
    return 0;
}

void quic_recovery_discard_space(quic_recovery *rec, quic_pn_space space,
                                 quic_time now) {
    quic_recovery_space *sp = &rec->spaces[space];
    for (size_t i = 0; i < sp->count; i++) {
        quic_sent_packet *p = ring_at(sp, i);
        if (p->state != SENT_OUTSTANDING)
            continue;
        if (p->in_flight)
            rec->bytes_in_flight -= p->size;
        free_frames(rec, p->frames);
    }
    quic_mem_free(rec->alloc, sp->ring);
    uint64_t largest_sent = sp->largest_sent;
    space_reset(sp);
    sp->largest_sent = largest_sent; /* packet numbers keep growing */
    rec->pto_count = 0;
    set_timer(rec, now);
}
