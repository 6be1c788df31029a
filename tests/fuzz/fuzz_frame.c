/* tests/fuzz/fuzz_frame.c — libFuzzer target for the frame decoder
 * (core/frame.c): decodes every frame of the input until the end or an
 * error, re-encodes each one and checks that the encoding decodes to the
 * same frame, is stable, and equals the input bytes whenever it has the
 * same length (then every varint was minimal). ACK ranges are walked and
 * rewritten with quic_ack_frame_write. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

#define MAX_RANGES 64

static uint8_t enc1[65536], enc2[65536];

/* Walks the ranges: descending, disjoint, ending at the decoded smallest;
 * then the writer must produce a frame with the same ranges. */
static void check_ack(const quic_frame *f) {
    static quic_ack_range ranges[MAX_RANGES];
    quic_ack_iter it;
    quic_ack_range r;
    size_t n = 0;
    uint64_t prev_smallest = 0;
    quic_ack_iter_init(&it, &f->u.ack);
    while (quic_ack_iter_next(&it, &r)) {
        CHECK(r.smallest <= r.largest);
        CHECK(n == 0 || r.largest + 2 <= prev_smallest);
        prev_smallest = r.smallest;
        if (n < MAX_RANGES)
            ranges[n] = r;
        n++;
    }
    CHECK(n == f->u.ack.range_count + 1);
    CHECK(prev_smallest == f->u.ack.smallest);
    size_t kept = n < MAX_RANGES ? n : MAX_RANGES, written;
    const quic_ecn_counts *ecn =
        f->type == QUIC_FRAME_ACK_ECN ? &f->u.ack.ecn : NULL;
    int len = quic_ack_frame_write(enc2, enc2 + sizeof(enc2), ranges, kept,
                                   f->u.ack.ack_delay, ecn, &written);
    CHECK(len > 0 && written == kept);
    quic_frame back;
    CHECK(quic_frame_decode(&back, enc2, enc2 + len) == len);
    CHECK(back.type == f->type && back.u.ack.largest == f->u.ack.largest);
    CHECK(back.u.ack.range_count == kept - 1);
    CHECK(kept < n || back.u.ack.smallest == f->u.ack.smallest);
}

static void check_round_trip(const quic_frame *f, const uint8_t *in,
                             size_t in_len) {
    size_t n = quic_frame_encode_len(f);
    CHECK(n > 0 && n <= in_len);
    CHECK(quic_frame_encode(enc1, enc1 + sizeof(enc1), f) == (int)n);
    /* Same length means every field was minimally encoded: identical. */
    if (n == in_len)
        CHECK(memcmp(enc1, in, n) == 0);
    quic_frame back;
    CHECK(quic_frame_decode(&back, enc1, enc1 + n) == (int)n);
    CHECK(back.type == f->type);
    CHECK(quic_frame_encode(enc2, enc2 + sizeof(enc2), &back) == (int)n);
    CHECK(memcmp(enc1, enc2, n) == 0);
    /* The per-type rules are total functions. */
    for (int t = QUIC_PACKET_INITIAL; t <= QUIC_PACKET_ONE_RTT; t++)
        (void)quic_frame_allowed(f->type, (quic_packet_type)t);
    CHECK(!quic_frame_is_ack_eliciting(f->type) ||
          quic_frame_counts_in_flight(f->type));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > sizeof(enc1))
        return 0;
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        quic_frame f;
        int rc = quic_frame_decode(&f, p, end);
        if (rc < 0) {
            CHECK(rc == QUIC_ERR_FRAME_ENCODING ||
                  rc == QUIC_ERR_PROTOCOL_VIOLATION);
            break;
        }
        CHECK(rc > 0 && (size_t)rc <= (size_t)(end - p));
        check_round_trip(&f, p, (size_t)rc);
        if (f.type == QUIC_FRAME_ACK || f.type == QUIC_FRAME_ACK_ECN)
            check_ack(&f);
        p += rc;
    }
    return 0;
}
