/* core/flowctl.c — flow-control arithmetic for one stream or the
 * connection: credit checks, update timing and window auto-tuning; frames are
 * the connection's. */
#include "core/flowctl.h"

#define OFFSET_MAX ((UINT64_C(1) << 62) - 1)

void quic_flowctl_rx_init(quic_flowctl_rx *rx, uint64_t window,
                          uint64_t max_window) {
    if (window > OFFSET_MAX)
        window = OFFSET_MAX;
    rx->window = window;
    rx->max_window = max_window < window ? window : max_window;
    if (rx->max_window > OFFSET_MAX)
        rx->max_window = OFFSET_MAX;
    rx->limit = window;
    rx->received = 0;
    rx->consumed = 0;
    rx->last_update = QUIC_TIME_NONE;
}

int quic_flowctl_rx_on_received(quic_flowctl_rx *rx, uint64_t end) {
    if (end > rx->limit)
        return QUIC_ERR_FLOW_CONTROL; /* RFC 9000 §4.1 */
    if (end > rx->received)
        rx->received = end;
    return 0;
}

int quic_flowctl_rx_add_received(quic_flowctl_rx *rx, uint64_t bytes) {
    if (bytes > rx->limit - rx->received)
        return QUIC_ERR_FLOW_CONTROL;
    rx->received += bytes;
    return 0;
}

int quic_flowctl_rx_on_consumed(quic_flowctl_rx *rx, uint64_t bytes) {
    if (bytes > rx->received - rx->consumed)
        return QUIC_ERR_INVALID_ARGUMENT;
    rx->consumed += bytes;
    return 0;
}

bool quic_flowctl_rx_should_update(const quic_flowctl_rx *rx) {
    return rx->limit - rx->consumed <= rx->window / 2 && rx->limit < OFFSET_MAX;
}

uint64_t quic_flowctl_rx_update(quic_flowctl_rx *rx, quic_time now,
                                quic_time smoothed_rtt) {
    if (rx->last_update != QUIC_TIME_NONE && now >= rx->last_update &&
        now - rx->last_update < 2 * smoothed_rtt &&
        rx->window < rx->max_window) {
        rx->window =
            rx->window > rx->max_window / 2 ? rx->max_window : rx->window * 2;
    }
    rx->last_update = now;
    uint64_t limit = rx->window > OFFSET_MAX - rx->consumed
                         ? OFFSET_MAX
                         : rx->consumed + rx->window;
    if (limit > rx->limit)
        rx->limit = limit;
    return rx->limit;
}

void quic_flowctl_tx_init(quic_flowctl_tx *tx, uint64_t limit) {
    tx->limit = limit;
    tx->used = 0;
    tx->blocked_at = UINT64_MAX;
}

bool quic_flowctl_tx_raise(quic_flowctl_tx *tx, uint64_t limit) {
    if (limit <= tx->limit)
        return false;
    tx->limit = limit;
    return true;
}

int quic_flowctl_tx_on_sent(quic_flowctl_tx *tx, uint64_t bytes) {
    if (bytes > quic_flowctl_tx_credit(tx))
        return QUIC_ERR_INVALID_ARGUMENT;
    tx->used += bytes;
    return 0;
}

bool quic_flowctl_tx_should_send_blocked(const quic_flowctl_tx *tx) {
    return tx->used == tx->limit && tx->blocked_at != tx->limit;
}

void quic_flowctl_tx_on_blocked_sent(quic_flowctl_tx *tx) {
    tx->blocked_at = tx->limit;
}

void quic_flowctl_tx_on_blocked_lost(quic_flowctl_tx *tx, uint64_t limit) {
    if (tx->blocked_at == limit && tx->limit == limit)
        tx->blocked_at = UINT64_MAX;
}
