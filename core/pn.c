/* core/pn.c — packet number truncation and recovery, nothing else. */
#include "core/pn.h"

size_t quic_pn_encode_len(uint64_t pn, uint64_t largest_acked) {
    /* RFC 9000 §17.1: at least twice the range of unacknowledged packets,
     * plus one bit. */
    if (largest_acked != QUIC_PN_NONE && pn <= largest_acked)
        return 4; /* caller misuse; the subtraction would wrap */
    uint64_t num_unacked =
        largest_acked == QUIC_PN_NONE ? pn + 1 : pn - largest_acked;
    uint64_t range = 2 * num_unacked;
    size_t len = 1;
    while (len < 4 && range >= (UINT64_C(1) << (8 * len)))
        len++;
    return len;
}

uint64_t quic_pn_decode(uint64_t largest_pn, uint64_t truncated,
                        size_t pn_len) {
    uint64_t expected = largest_pn == QUIC_PN_NONE ? 0 : largest_pn + 1;
    uint64_t win = UINT64_C(1) << (pn_len * 8);
    uint64_t hwin = win / 2;
    uint64_t mask = win - 1;
    /* Bits above the window would corrupt the result: keep only the
     * |pn_len| bytes that were on the wire. */
    uint64_t candidate = (expected & ~mask) | (truncated & mask);
    /* Appendix A.3, with the underflow and overflow guards it asks for. */
    if (candidate + hwin <= expected && candidate < (UINT64_C(1) << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}
