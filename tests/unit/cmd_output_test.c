/* tests/unit/cmd_output_test.c — exact --events and --json lines for QUIC
 * and HTTP/3 events, escaping of hostile bytes, termination summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/output.h"

static char text[4096];

/* Runs |fn| into a memory stream and leaves the output in |text|. */
#define CAPTURE(stmt)                                                          \
    do {                                                                       \
        FILE *out = fmemopen(text, sizeof(text), "w");                         \
        assert_non_null(out);                                                  \
        stmt;                                                                  \
        fclose(out);                                                           \
    } while (0)

static void test_h3cli_output_quic_event_handshake(void **state) {
    (void)state;
    quic_event ev = {.type = QUIC_EVENT_HANDSHAKE_COMPLETED};
    ev.u.handshake_completed.alpn_protocol = "h3";
    CAPTURE(h3cli_output_quic_event(out, false, 0, &ev));
    assert_string_equal(text, "quic handshake_completed alpn=h3 "
                              "early_data_accepted=false "
                              "session_resumed=false\n");
    CAPTURE(h3cli_output_quic_event(out, true, 0, &ev));
    assert_string_equal(text,
                        "{\"layer\":\"quic\",\"event\":\"handshake_completed\","
                        "\"alpn\":\"h3\",\"early_data_accepted\":false,"
                        "\"session_resumed\":false}\n");
    ev.u.handshake_completed.alpn_protocol = NULL;
    CAPTURE(h3cli_output_quic_event(out, true, 0, &ev));
    assert_non_null(strstr(text, "\"alpn\":null"));
}

static void test_h3cli_output_quic_event_terminated(void **state) {
    (void)state;
    quic_event ev = {.type = QUIC_EVENT_CONNECTION_TERMINATED};
    ev.u.connection_terminated.error_code = 0x10c;
    ev.u.connection_terminated.frame_type = QUIC_FRAME_TYPE_NONE;
    ev.u.connection_terminated.reason_phrase = "bye \"now\"";
    ev.u.connection_terminated.is_application = true;
    ev.u.connection_terminated.by_peer = true;
    CAPTURE(h3cli_output_quic_event(out, false, 0, &ev));
    assert_string_equal(text,
                        "quic connection_terminated error_code=0x10c "
                        "error_code_name=H3_REQUEST_CANCELLED frame_type=none "
                        "reason=\"bye \\\"now\\\"\" application=true "
                        "by_peer=true idle_timeout=false "
                        "stateless_reset=false\n");
    CAPTURE(h3cli_output_quic_event(out, true, 0, &ev));
    assert_string_equal(
        text, "{\"layer\":\"quic\",\"event\":\"connection_terminated\","
              "\"error_code\":268,\"error_code_name\":\"H3_REQUEST_CANCELLED\","
              "\"frame_type\":null,\"reason\":\"bye \\\"now\\\"\","
              "\"application\":true,\"by_peer\":true,\"idle_timeout\":false,"
              "\"stateless_reset\":false}\n");
    char why[128];
    assert_string_equal(
        h3cli_describe_termination(&ev, why, sizeof(why)),
        "closed by the peer with H3_REQUEST_CANCELLED (0x10c): bye \"now\"");
    ev.u.connection_terminated.is_application = false;
    ev.u.connection_terminated.error_code = QUIC_CRYPTO_ERROR(48);
    assert_string_equal(h3cli_describe_termination(&ev, why, sizeof(why)),
                        "TLS alert 48 (unknown_ca) from the peer");
    ev.u.connection_terminated.idle_timeout = true;
    assert_string_equal(h3cli_describe_termination(&ev, why, sizeof(why)),
                        "idle timeout");
}

static void test_h3cli_output_h3_event_headers_escaped(void **state) {
    (void)state;
    h3_header h[2] = {
        {(const uint8_t *)":status", 7, (const uint8_t *)"200", 3},
        {(const uint8_t *)"x-odd", 5, (const uint8_t *)"a b\x01\xff\"", 6},
    };
    h3_event ev = {.type = H3_EVENT_HEADERS_RECEIVED};
    ev.u.headers_received.headers = h;
    ev.u.headers_received.count = 2;
    ev.u.headers_received.stream_id = 0;
    ev.u.headers_received.push_id = H3_PUSH_ID_NONE;
    CAPTURE(h3cli_output_h3_event(out, false, 0, &ev));
    assert_string_equal(text, "h3 headers_received stream_id=0 count=2 "
                              "stream_ended=false\n"
                              "h3 header stream_id=0 name=:status value=200\n"
                              "h3 header stream_id=0 name=x-odd "
                              "value=\"a b\\x01\\xff\\\"\"\n");
    CAPTURE(h3cli_output_h3_event(out, true, 0, &ev));
    assert_string_equal(
        text, "{\"layer\":\"h3\",\"event\":\"headers_received\","
              "\"stream_id\":0,\"count\":2,\"stream_ended\":false}\n"
              "{\"layer\":\"h3\",\"event\":\"header\",\"stream_id\":0,"
              "\"name\":\":status\",\"value\":\"200\"}\n"
              "{\"layer\":\"h3\",\"event\":\"header\",\"stream_id\":0,"
              "\"name\":\"x-odd\",\"value\":\"a b\\u0001\\u00ff\\\"\"}\n");
}

static void test_h3cli_output_h3_event_data_and_reset(void **state) {
    (void)state;
    h3_event ev = {.type = H3_EVENT_DATA_RECEIVED};
    ev.u.data_received.len = 1234;
    ev.u.data_received.stream_id = 4;
    ev.u.data_received.stream_ended = true;
    ev.u.data_received.push_id = 7;
    CAPTURE(h3cli_output_h3_event(out, false, 0, &ev));
    assert_string_equal(text, "h3 data_received stream_id=4 length=1234 "
                              "stream_ended=true push_id=7\n");
    h3_event rs = {.type = H3_EVENT_STREAM_RESET};
    rs.u.stream_reset.stream_id = 8;
    rs.u.stream_reset.error_code = H3_MESSAGE_ERROR;
    rs.u.stream_reset.push_id = H3_PUSH_ID_NONE;
    rs.u.stream_reset.local = true;
    CAPTURE(h3cli_output_h3_event(out, true, 0, &rs));
    assert_string_equal(text, "{\"layer\":\"h3\",\"event\":\"stream_reset\","
                              "\"stream_id\":8,\"error_code\":270,"
                              "\"error_code_name\":\"H3_MESSAGE_ERROR\","
                              "\"local\":true}\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_output_quic_event_handshake),
        cmocka_unit_test(test_h3cli_output_quic_event_terminated),
        cmocka_unit_test(test_h3cli_output_h3_event_headers_escaped),
        cmocka_unit_test(test_h3cli_output_h3_event_data_and_reset),
    };
    return cmocka_run_group_tests_name("cmd_output", tests, NULL, NULL);
}
