/* core/cid.c — tables of our and the peer's connection IDs with the
 * NEW_CONNECTION_ID / RETIRE_CONNECTION_ID rules of RFC 9000 §5.1; it does
 * not encode frames nor choose IDs (see cid.h). */
#include "core/cid.h"

#include <string.h>

static bool cid_equal(const quic_cid *a, const uint8_t *data, size_t len) {
    return a->len == len && memcmp(a->data, data, len) == 0;
}

void quic_local_cids_init(quic_local_cids *set, const quic_cid *cid) {
    memset(set, 0, sizeof(*set));
    set->slots[0].seq = 0;
    set->slots[0].cid = *cid;
    set->slots[0].active = true;
    set->next_seq = 1;
}

int64_t quic_local_cids_issue(quic_local_cids *set, const quic_cid *cid,
                              const uint8_t *token) {
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++) {
        quic_local_cid *s = &set->slots[i];
        if (s->active)
            continue;
        s->seq = set->next_seq++;
        s->cid = *cid;
        memcpy(s->reset_token, token, QUIC_RESET_TOKEN_LEN);
        s->active = true;
        s->send_pending = true;
        return (int64_t)s->seq;
    }
    return QUIC_ERR_INVALID_STATE;
}

size_t quic_local_cids_active(const quic_local_cids *set) {
    size_t n = 0;
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++)
        n += set->slots[i].active;
    return n;
}

bool quic_local_cids_match(const quic_local_cids *set, const uint8_t *cid,
                           size_t len) {
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++)
        if (set->slots[i].active && cid_equal(&set->slots[i].cid, cid, len))
            return true;
    return false;
}

quic_local_cid *quic_local_cids_find_seq(quic_local_cids *set, uint64_t seq) {
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++)
        if (set->slots[i].active && set->slots[i].seq == seq)
            return &set->slots[i];
    return NULL;
}

int quic_local_cids_retire(quic_local_cids *set, uint64_t seq,
                           const quic_cid *packet_dcid, quic_cid *retired) {
    /* RFC 9000 §19.16: a sequence number never sent is a violation. */
    if (seq >= set->next_seq)
        return QUIC_ERR_PROTOCOL_VIOLATION;
    quic_local_cid *s = quic_local_cids_find_seq(set, seq);
    if (!s)
        return 0;
    /* ... and so is retiring the ID that carries the frame. */
    if (cid_equal(&s->cid, packet_dcid->data, packet_dcid->len))
        return QUIC_ERR_PROTOCOL_VIOLATION;
    *retired = s->cid;
    s->active = false;
    s->send_pending = false;
    return 1;
}

quic_local_cid *quic_local_cids_next_pending(quic_local_cids *set) {
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++)
        if (set->slots[i].active && set->slots[i].send_pending)
            return &set->slots[i];
    return NULL;
}

void quic_peer_cids_init(quic_peer_cids *set, const quic_cid *cid,
                         size_t limit) {
    memset(set, 0, sizeof(*set));
    set->limit = limit < QUIC_CID_PEER_MAX ? limit : QUIC_CID_PEER_MAX;
    if (set->limit < 2)
        set->limit = 2;
    set->slots[0].cid = *cid;
    set->slots[0].occupied = true;
    set->current = 0;
}

void quic_peer_cids_set_initial(quic_peer_cids *set, const quic_cid *cid) {
    set->slots[set->current].cid = *cid;
}

void quic_peer_cids_set_token0(quic_peer_cids *set, const uint8_t *token) {
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++) {
        quic_peer_cid *s = &set->slots[i];
        if (s->occupied && s->seq == 0) {
            memcpy(s->reset_token, token, QUIC_RESET_TOKEN_LEN);
            s->has_token = true;
        }
    }
}

static int queue_retire(quic_peer_cids *set, uint64_t seq) {
    if (set->n_retire == QUIC_CID_RETIRE_MAX)
        return QUIC_ERR_CONNECTION_ID_LIMIT;
    set->retire[set->n_retire++] = seq;
    return 0;
}

int quic_peer_cids_requeue_retire(quic_peer_cids *set, uint64_t seq) {
    return queue_retire(set, seq);
}

static size_t occupied_count(const quic_peer_cids *set) {
    size_t n = 0;
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++)
        n += set->slots[i].occupied;
    return n;
}

/* Moves the ID in use to the unused occupied slot with the lowest sequence
 * number; false if there is none. */
static bool switch_to_unused(quic_peer_cids *set) {
    size_t best = QUIC_CID_PEER_MAX;
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++) {
        if (i == set->current || !set->slots[i].occupied)
            continue;
        if (best == QUIC_CID_PEER_MAX ||
            set->slots[i].seq < set->slots[best].seq)
            best = i;
    }
    if (best == QUIC_CID_PEER_MAX)
        return false;
    set->current = best;
    return true;
}

/* Retires every stored ID below |set->retire_prior_to| (RFC 9000 §5.1.2:
 * before adding the new one). */
static int retire_below(quic_peer_cids *set) {
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++) {
        quic_peer_cid *s = &set->slots[i];
        if (!s->occupied || s->seq >= set->retire_prior_to)
            continue;
        int rc = queue_retire(set, s->seq);
        if (rc < 0)
            return rc;
        s->occupied = false;
    }
    if (!set->slots[set->current].occupied && !switch_to_unused(set))
        set->current = QUIC_CID_PEER_MAX; /* the new ID will take over */
    return 0;
}

static int store_new(quic_peer_cids *set, uint64_t seq, const quic_cid *cid,
                     const uint8_t *token) {
    if (occupied_count(set) >= set->limit)
        return QUIC_ERR_CONNECTION_ID_LIMIT;
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++) {
        quic_peer_cid *s = &set->slots[i];
        if (s->occupied)
            continue;
        s->seq = seq;
        s->cid = *cid;
        memcpy(s->reset_token, token, QUIC_RESET_TOKEN_LEN);
        s->has_token = true;
        s->occupied = true;
        if (set->current == QUIC_CID_PEER_MAX)
            set->current = i;
        return 0;
    }
    return QUIC_ERR_CONNECTION_ID_LIMIT;
}

int quic_peer_cids_on_new(quic_peer_cids *set, uint64_t seq,
                          uint64_t retire_prior_to, const quic_cid *cid,
                          const uint8_t *token) {
    if (retire_prior_to > seq)
        return QUIC_ERR_FRAME_ENCODING;
    bool repeated = false;
    for (size_t i = 0; i < QUIC_CID_PEER_MAX && !repeated; i++) {
        const quic_peer_cid *s = &set->slots[i];
        if (!s->occupied)
            continue;
        bool same_seq = s->seq == seq;
        bool same_cid = cid_equal(&s->cid, cid->data, cid->len);
        repeated = same_seq && same_cid;
        if (!repeated && (same_seq || same_cid))
            return QUIC_ERR_PROTOCOL_VIOLATION;
    }
    /* RFC 9000 §5.1.2: an increased Retire Prior To applies even when it
     * comes with an ID we already have (a repeat is no error, §19.15). */
    if (retire_prior_to > set->retire_prior_to) {
        set->retire_prior_to = retire_prior_to;
        int rc = retire_below(set);
        if (rc < 0)
            return rc;
    }
    if (repeated)
        return 0;
    /* An ID already below the retirement point is retired at once. */
    if (seq < set->retire_prior_to)
        return queue_retire(set, seq);
    return store_new(set, seq, cid, token);
}

const quic_cid *quic_peer_cids_current(const quic_peer_cids *set) {
    return &set->slots[set->current].cid;
}

int quic_peer_cids_switch(quic_peer_cids *set) {
    size_t old = set->current;
    if (set->slots[old].cid.len == 0)
        return QUIC_ERR_INVALID_STATE;
    if (!switch_to_unused(set))
        return QUIC_ERR_INVALID_STATE;
    int rc = queue_retire(set, set->slots[old].seq);
    if (rc < 0) {
        set->current = old;
        return QUIC_ERR_INVALID_STATE;
    }
    set->slots[old].occupied = false;
    return 0;
}

bool quic_peer_cids_is_reset_token(const quic_peer_cids *set,
                                   const uint8_t *token) {
    bool found = false;
    for (size_t i = 0; i < QUIC_CID_PEER_MAX; i++) {
        const quic_peer_cid *s = &set->slots[i];
        uint8_t diff = 0;
        for (size_t j = 0; j < QUIC_RESET_TOKEN_LEN; j++)
            diff |= (uint8_t)(s->reset_token[j] ^ token[j]);
        found |= s->occupied && s->has_token && diff == 0;
    }
    return found;
}
