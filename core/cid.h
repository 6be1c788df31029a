/* core/cid.h — the connection IDs of one connection (RFC 9000 §5.1): those we
 * issued (the peer's DCIDs, announced with NEW_CONNECTION_ID) and those the
 * peer issued (ours to use, retired with RETIRE_CONNECTION_ID). Fixed-size
 * tables, no allocation, no randomness: the caller supplies new IDs and
 * tokens. Internal. */
#ifndef H3CLI_CORE_CID_H
#define H3CLI_CORE_CID_H

#include "core/quic.h"

#define QUIC_RESET_TOKEN_LEN 16
/* How many of our IDs may be active at once (we issue at most this many,
 * whatever the peer's active_connection_id_limit). */
#define QUIC_CID_LOCAL_MAX 8
/* How many of the peer's IDs we store: our active_connection_id_limit is
 * capped at this. */
#define QUIC_CID_PEER_MAX 8
/* RETIRE_CONNECTION_ID frames we keep pending; RFC 9000 §5.1.2 asks for at
 * least twice the active_connection_id_limit. */
#define QUIC_CID_RETIRE_MAX (2 * QUIC_CID_PEER_MAX)

/* One connection ID we issued. */
typedef struct quic_local_cid {
    uint64_t seq;
    quic_cid cid;
    uint8_t reset_token[QUIC_RESET_TOKEN_LEN];
    bool active;       /* issued and not retired by the peer */
    bool send_pending; /* its NEW_CONNECTION_ID must be (re)sent */
} quic_local_cid;

typedef struct quic_local_cids {
    quic_local_cid slots[QUIC_CID_LOCAL_MAX];
    uint64_t next_seq;
} quic_local_cids;

/* Starts the table with |cid|, sequence 0 (the SCID of our long headers),
 * which has no NEW_CONNECTION_ID frame to send. */
void quic_local_cids_init(quic_local_cids *set, const quic_cid *cid);

/* Issues |cid| with |token| under the next sequence number and marks its
 * NEW_CONNECTION_ID for sending. Returns the sequence number (>= 0) or
 * QUIC_ERR_INVALID_STATE when QUIC_CID_LOCAL_MAX are active. */
int64_t quic_local_cids_issue(quic_local_cids *set, const quic_cid *cid,
                              const uint8_t *token);

/* Number of active IDs. */
size_t quic_local_cids_active(const quic_local_cids *set);

/* True if |cid| is one of our active IDs (a packet may carry any of them). */
bool quic_local_cids_match(const quic_local_cids *set, const uint8_t *cid,
                           size_t len);

/* The peer retires sequence |seq| (RETIRE_CONNECTION_ID) in a packet whose
 * DCID is |packet_dcid|. Copies the retired ID to |*retired| and returns 1,
 * or 0 when it was already retired. Errors: QUIC_ERR_PROTOCOL_VIOLATION
 * (|seq| never issued, or it names |packet_dcid|, RFC 9000 §19.16). */
int quic_local_cids_retire(quic_local_cids *set, uint64_t seq,
                           const quic_cid *packet_dcid, quic_cid *retired);

/* The next ID whose NEW_CONNECTION_ID is pending, or NULL. */
quic_local_cid *quic_local_cids_next_pending(quic_local_cids *set);

/* Finds the active ID with sequence |seq|, or NULL. */
quic_local_cid *quic_local_cids_find_seq(quic_local_cids *set, uint64_t seq);

/* One connection ID the peer issued. */
typedef struct quic_peer_cid {
    uint64_t seq;
    quic_cid cid;
    uint8_t reset_token[QUIC_RESET_TOKEN_LEN];
    bool has_token;
    bool occupied;
} quic_peer_cid;

typedef struct quic_peer_cids {
    quic_peer_cid slots[QUIC_CID_PEER_MAX];
    size_t limit;                         /* our active_connection_id_limit */
    size_t current;                       /* slot in use as DCID */
    uint64_t retire_prior_to;             /* largest received */
    uint64_t retire[QUIC_CID_RETIRE_MAX]; /* RETIRE_CONNECTION_ID to send */
    size_t n_retire;
} quic_peer_cids;

/* Starts the table with |cid| (the peer's SCID, sequence 0) in use; |limit|
 * is our active_connection_id_limit (capped at QUIC_CID_PEER_MAX). */
void quic_peer_cids_init(quic_peer_cids *set, const quic_cid *cid,
                         size_t limit);

/* Replaces the ID in use before any sequence number is known (a client
 * learning the server's SCID from its first packet, or from a Retry). */
void quic_peer_cids_set_initial(quic_peer_cids *set, const quic_cid *cid);

/* Records the stateless reset token of sequence 0 (the server's
 * stateless_reset_token transport parameter). */
void quic_peer_cids_set_token0(quic_peer_cids *set, const uint8_t *token);

/* Handles a NEW_CONNECTION_ID frame (RFC 9000 §19.15, §5.1.2): stores the
 * ID, retires those below |retire_prior_to| (queuing RETIRE_CONNECTION_ID
 * and switching away from the one in use). Errors:
 * QUIC_ERR_FRAME_ENCODING (retire_prior_to > seq),
 * QUIC_ERR_PROTOCOL_VIOLATION (a sequence number reused for another ID),
 * QUIC_ERR_CONNECTION_ID_LIMIT (more active IDs than our limit, or too many
 * retirements pending). */
int quic_peer_cids_on_new(quic_peer_cids *set, uint64_t seq,
                          uint64_t retire_prior_to, const quic_cid *cid,
                          const uint8_t *token);

/* The ID to put in the DCID of our packets. */
const quic_cid *quic_peer_cids_current(const quic_peer_cids *set);

/* Switches to an unused ID and queues the retirement of the current one.
 * Errors: QUIC_ERR_INVALID_STATE (no unused ID, or a zero-length DCID). */
int quic_peer_cids_switch(quic_peer_cids *set);

/* Queues RETIRE_CONNECTION_ID for |seq| again (its packet was lost).
 * Errors: QUIC_ERR_CONNECTION_ID_LIMIT (queue full). */
int quic_peer_cids_requeue_retire(quic_peer_cids *set, uint64_t seq);

/* True if |token| is the stateless reset token of a stored ID (RFC 9000
 * §10.3.1; compared without early exit). */
bool quic_peer_cids_is_reset_token(const quic_peer_cids *set,
                                   const uint8_t *token);

#endif
