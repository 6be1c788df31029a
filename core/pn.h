/* core/pn.h — packet number truncation and recovery (RFC 9000 §17.1,
 * Appendix A.2 and A.3). Internal. */
#ifndef H3CLI_CORE_PN_H
#define H3CLI_CORE_PN_H

#include "core/quic.h"

#define QUIC_PN_MAX ((UINT64_C(1) << 62) - 1)
#define QUIC_PN_NONE UINT64_MAX /* no packet acknowledged / received yet */

/* Bytes (1-4) to send |pn| so that a peer that has acknowledged
 * |largest_acked| (QUIC_PN_NONE if nothing) recovers it (Appendix A.2). */
size_t quic_pn_encode_len(uint64_t pn, uint64_t largest_acked);

/* The full packet number from a |pn_len|-byte truncated value |truncated|,
 * given the largest packet number received so far in the space
 * (QUIC_PN_NONE if none) (Appendix A.3). */
uint64_t quic_pn_decode(uint64_t largest_pn, uint64_t truncated, size_t pn_len);

#endif
