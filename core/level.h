/* core/level.h — the four QUIC encryption levels (RFC 9001 §2.1 and §4),
 * shared by the TLS glue, packet protection and the connection; no logic. */
#ifndef H3CLI_CORE_LEVEL_H
#define H3CLI_CORE_LEVEL_H

#include "core/quic.h"

/* The order is the order in which a handshake reaches them. 0-RTT has its
 * own keys but shares the application packet-number space (RFC 9000 §12.3);
 * mapping levels to packet-number spaces is the connection's business. */
typedef enum quic_level {
    QUIC_LEVEL_INITIAL = 0,
    QUIC_LEVEL_EARLY_DATA = 1, /* 0-RTT */
    QUIC_LEVEL_HANDSHAKE = 2,
    QUIC_LEVEL_APPLICATION = 3, /* 1-RTT */
} quic_level;

#define QUIC_LEVEL_COUNT 4

#endif
