/* tests/unit/h3_settings_test.c — SETTINGS payloads (RFC 9114 §7.2.4): the
 * defaults, every validity rule with its error, unknown and reserved
 * identifiers ignored, and the encoder's exact bytes and round trip; the
 * export/import of remembered settings and their compatibility rule
 * (§7.2.4.2), and the §4.2.2 field section size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "h3/frame.h"
#include "h3/settings.h"

static void test_h3_settings_default_rfc_values(void **state) {
    (void)state;
    h3_settings s;
    memset(&s, 0xa5, sizeof(s));
    h3_settings_default(&s);
    assert_int_equal(s.qpack_max_table_capacity, 0);
    assert_int_equal(s.max_field_section_size, H3_SETTING_UNLIMITED);
    assert_int_equal(s.qpack_blocked_streams, 0);
    assert_false(s.enable_connect_protocol);
    assert_false(s.h3_datagram);
}

/* Expected fields after a successful decode. */
typedef struct want_settings {
    uint64_t cap, field_section, blocked;
    bool connect, datagram;
} want_settings;

#define DEFAULTS                                                               \
    { 0, H3_SETTING_UNLIMITED, 0, false, false }

static const struct decode_case {
    int line;
    const char *what;
    uint8_t in[24];
    size_t len;
    int err;
    want_settings want;
} decode_cases[] = {
    {__LINE__, "empty", {0}, 0, 0, DEFAULTS},
    {__LINE__,
     "table capacity",
     {0x01, 0x44, 0x00},
     3,
     0,
     {1024, H3_SETTING_UNLIMITED, 0, false, false}},
    {__LINE__,
     "field section size",
     {0x06, 0x80, 0x01, 0x00, 0x00},
     5,
     0,
     {0, 65536, 0, false, false}},
    {__LINE__,
     "blocked streams",
     {0x07, 0x10},
     2,
     0,
     {0, H3_SETTING_UNLIMITED, 16, false, false}},
    {__LINE__,
     "connect protocol",
     {0x08, 0x01},
     2,
     0,
     {0, H3_SETTING_UNLIMITED, 0, true, false}},
    {__LINE__, "connect protocol 0", {0x08, 0x00}, 2, 0, DEFAULTS},
    {__LINE__,
     "h3 datagram",
     {0x33, 0x01},
     2,
     0,
     {0, H3_SETTING_UNLIMITED, 0, false, true}},
    {__LINE__,
     "h3 datagram, 2-byte id",
     {0x40, 0x33, 0x01},
     3,
     0,
     {0, H3_SETTING_UNLIMITED, 0, false, true}},
    {__LINE__,
     "all five",
     {0x01, 0x0a, 0x06, 0x3f, 0x07, 0x02, 0x08, 0x01, 0x33, 0x01},
     10,
     0,
     {10, 63, 2, true, true}},
    {__LINE__,
     "grease ignored",
     {0x21, 0x3f, 0x40, 0x40, 0x00},
     5,
     0,
     DEFAULTS},
    {__LINE__,
     "repeated grease ignored",
     {0x21, 0x01, 0x21, 0x02},
     4,
     0,
     DEFAULTS},
    {__LINE__,
     "unknown ignored",
     {0x80, 0x0f, 0x07, 0x00, 0x05},
     5,
     0,
     DEFAULTS},
    {__LINE__, "reserved 0x00 ignored", {0x00, 0x01}, 2, 0, DEFAULTS},
    {__LINE__,
     "max varint value",
     {0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     9,
     0,
     {UINT64_C(0x3fffffffffffffff), H3_SETTING_UNLIMITED, 0, false, false}},
    /* §7.2.4: duplicates (we track the known identifiers). */
    {__LINE__,
     "dup capacity",
     {0x01, 0x01, 0x01, 0x01},
     4,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "dup field section",
     {0x06, 0x01, 0x07, 0x01, 0x06, 0x02},
     6,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "dup blocked, other encoding",
     {0x07, 0x01, 0x40, 0x07, 0x01},
     5,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "dup connect",
     {0x08, 0x00, 0x08, 0x00},
     4,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "dup datagram",
     {0x33, 0x01, 0x33, 0x01},
     4,
     H3_ERR_SETTINGS,
     DEFAULTS},
    /* §7.2.4.1: HTTP/2 identifiers. */
    {__LINE__, "h2 ENABLE_PUSH", {0x02, 0x00}, 2, H3_ERR_SETTINGS, DEFAULTS},
    {__LINE__,
     "h2 MAX_CONCURRENT_STREAMS",
     {0x03, 0x3f},
     2,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "h2 INITIAL_WINDOW_SIZE",
     {0x04, 0x01},
     2,
     H3_ERR_SETTINGS,
     DEFAULTS},
    {__LINE__,
     "h2 MAX_FRAME_SIZE",
     {0x40, 0x05, 0x01},
     3,
     H3_ERR_SETTINGS,
     DEFAULTS},
    /* RFC 9220 §5, RFC 9297 §2.1.1: booleans are 0 or 1. */
    {__LINE__, "connect 2", {0x08, 0x02}, 2, H3_ERR_SETTINGS, DEFAULTS},
    {__LINE__, "datagram 2", {0x33, 0x02}, 2, H3_ERR_SETTINGS, DEFAULTS},
    {__LINE__,
     "datagram huge",
     {0x33, 0x80, 0x01, 0x00, 0x00},
     5,
     H3_ERR_SETTINGS,
     DEFAULTS},
    /* §7.1: the payload ends inside a pair. */
    {__LINE__,
     "id without value",
     {0x01, 0x0a, 0x06},
     3,
     H3_ERR_FRAME,
     DEFAULTS},
    {__LINE__,
     "value truncated",
     {0x06, 0x80, 0x01},
     3,
     H3_ERR_FRAME,
     DEFAULTS},
    {__LINE__, "id truncated", {0x40}, 1, H3_ERR_FRAME, DEFAULTS},
};

static void test_h3_settings_decode_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]);
         i++) {
        const struct decode_case *c = &decode_cases[i];
        h3_settings s;
        int rc = h3_settings_decode(&s, c->in, c->len);
        if (rc != c->err)
            fail_msg("line %d (%s): got %d, want %d", c->line, c->what, rc,
                     c->err);
        if (rc != 0)
            continue;
        if (s.qpack_max_table_capacity != c->want.cap ||
            s.max_field_section_size != c->want.field_section ||
            s.qpack_blocked_streams != c->want.blocked ||
            s.enable_connect_protocol != c->want.connect ||
            s.h3_datagram != c->want.datagram)
            fail_msg("line %d (%s): wrong values", c->line, c->what);
    }
}

static void test_h3_settings_write_frame_exact_bytes(void **state) {
    (void)state;
    h3_settings s;
    h3_settings_default(&s);
    uint8_t out[64];
    /* All defaults: an empty SETTINGS frame. */
    assert_int_equal(h3_settings_frame_len(&s, NULL), 2);
    assert_int_equal(h3_settings_write_frame(out, sizeof(out), &s, NULL), 2);
    assert_memory_equal(out, "\x04\x00", 2);

    s.qpack_max_table_capacity = 4096;
    s.max_field_section_size = 16384;
    s.qpack_blocked_streams = 100;
    s.enable_connect_protocol = true;
    s.h3_datagram = true;
    h3_settings_grease g = {.n = 1, .value = 7};
    static const uint8_t want[] = {
        0x04, 0x12,                   /* SETTINGS, 18 bytes */
        0x01, 0x50, 0x00,             /* QPACK_MAX_TABLE_CAPACITY 4096 */
        0x06, 0x80, 0x00, 0x40, 0x00, /* MAX_FIELD_SECTION_SIZE 16384 */
        0x07, 0x40, 0x64,             /* QPACK_BLOCKED_STREAMS 100 */
        0x08, 0x01,                   /* ENABLE_CONNECT_PROTOCOL */
        0x33, 0x01,                   /* H3_DATAGRAM */
        0x40, 0x40, 0x07,             /* reserved 0x40 = 7 */
    };
    assert_int_equal(h3_settings_frame_len(&s, &g), sizeof(want));
    assert_int_equal(h3_settings_write_frame(out, sizeof(out), &s, &g),
                     (int)sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    for (size_t cap = 0; cap < sizeof(want); cap++)
        assert_int_equal(h3_settings_write_frame(out, cap, &s, &g),
                         H3_ERR_NOBUF);
}

/* Encode, parse the frame, decode: the values come back, the reserved
 * setting is ignored. */
static void test_h3_settings_write_frame_round_trip(void **state) {
    (void)state;
    static const uint64_t values[] = {
        0, 1, 63, 64, 16383, 16384, UINT64_C(1) << 30, (UINT64_C(1) << 62) - 1};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        h3_settings s, back;
        h3_settings_default(&s);
        s.qpack_max_table_capacity = values[i];
        s.max_field_section_size = values[(i + 3) % 8];
        s.qpack_blocked_streams = values[(i + 5) % 8];
        s.enable_connect_protocol = i & 1;
        s.h3_datagram = i & 2;
        h3_settings_grease g = {.n = values[i] % H3_GREASE_MAX_N,
                                .value = values[7 - i]};
        uint8_t out[128];
        int n = h3_settings_write_frame(out, sizeof(out), &s, &g);
        assert_true(n > 0);
        assert_int_equal((size_t)n, h3_settings_frame_len(&s, &g));

        h3_frame_parser p;
        h3_frame_parser_init(&p, NULL, 128, 128);
        h3_frame_event ev;
        size_t used;
        assert_int_equal(
            h3_frame_parser_next(&p, out, (size_t)n, true, &used, &ev), 0);
        assert_int_equal(ev.type, H3_FRAME_EV_FRAME);
        assert_int_equal(ev.frame_type, H3_FRAME_SETTINGS);
        assert_int_equal(h3_settings_decode(&back, ev.data, ev.len), 0);
        h3_frame_parser_free(&p);
        assert_int_equal(back.qpack_max_table_capacity,
                         s.qpack_max_table_capacity);
        assert_int_equal(back.max_field_section_size, s.max_field_section_size);
        assert_int_equal(back.qpack_blocked_streams, s.qpack_blocked_streams);
        assert_int_equal(back.enable_connect_protocol,
                         s.enable_connect_protocol);
        assert_int_equal(back.h3_datagram, s.h3_datagram);
    }
}

static void test_h3_settings_write_frame_invalid(void **state) {
    (void)state;
    h3_settings s;
    uint8_t out[64];
    h3_settings_default(&s);
    s.qpack_blocked_streams = UINT64_C(1) << 62;
    assert_int_equal(h3_settings_frame_len(&s, NULL), 0);
    assert_int_equal(h3_settings_write_frame(out, sizeof(out), &s, NULL),
                     H3_ERR_INVALID_ARGUMENT);
    h3_settings_default(&s);
    h3_settings_grease g = {.n = H3_GREASE_MAX_N + 1, .value = 0};
    assert_int_equal(h3_settings_frame_len(&s, &g), 0);
    assert_int_equal(h3_settings_write_frame(out, sizeof(out), &s, &g),
                     H3_ERR_INVALID_ARGUMENT);
    g = (h3_settings_grease){.n = 0, .value = UINT64_C(1) << 62};
    assert_int_equal(h3_settings_write_frame(out, sizeof(out), &s, &g),
                     H3_ERR_INVALID_ARGUMENT);
}

/* ---- Remembered settings (§7.2.4.2) -------------------------------------- */

static void test_h3_settings_export_exact_bytes(void **state) {
    (void)state;
    uint8_t out[H3_SETTINGS_EXPORT_MAX];
    h3_settings s;
    h3_settings_default(&s);
    assert_int_equal(h3_settings_export(&s, out, sizeof(out)), 1);
    assert_int_equal(out[0], 1);
    s.qpack_max_table_capacity = 4096;
    s.max_field_section_size = 65536;
    s.qpack_blocked_streams = 100;
    s.h3_datagram = true;
    static const uint8_t want[] = {
        0x01,                         /* format */
        0x01, 0x50, 0x00,             /* QPACK_MAX_TABLE_CAPACITY 4096 */
        0x06, 0x80, 0x01, 0x00, 0x00, /* MAX_FIELD_SECTION_SIZE 65536 */
        0x07, 0x40, 0x64,             /* QPACK_BLOCKED_STREAMS 100 */
        0x33, 0x01,                   /* H3_DATAGRAM */
    };
    assert_int_equal(h3_settings_export(&s, out, sizeof(out)), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    assert_int_equal(h3_settings_export(&s, out, sizeof(want) - 1),
                     H3_ERR_NOBUF);
    assert_int_equal(h3_settings_export(NULL, out, sizeof(out)),
                     H3_ERR_INVALID_ARGUMENT);
    s.qpack_blocked_streams = UINT64_C(1) << 62;
    assert_int_equal(h3_settings_export(&s, out, sizeof(out)),
                     H3_ERR_INVALID_ARGUMENT);
    /* Every setting at its largest still fits the documented maximum. */
    s = (h3_settings){UINT64_C(1) << 61, (UINT64_C(1) << 62) - 2,
                      (UINT64_C(1) << 62) - 1, true, true};
    int n = h3_settings_export(&s, out, sizeof(out));
    assert_true(n > 0 && n <= H3_SETTINGS_EXPORT_MAX);
    h3_settings back;
    assert_int_equal(h3_settings_import(&back, out, (size_t)n), 0);
    assert_memory_equal(&back, &s, sizeof(s));
}

static void test_h3_settings_import_table(void **state) {
    (void)state;
    static const struct {
        int line;
        const char *bytes;
        size_t len;
        int rc;
        uint64_t field_section;
    } cases[] = {
        {__LINE__, "\x01", 1, 0, H3_SETTING_UNLIMITED},
        {__LINE__, "\x01\x06\x44\x00", 4, 0, 1024},
        /* an identifier a newer version may add: skipped */
        {__LINE__, "\x01\x21\x05\x06\x44\x00", 6, 0, 1024},
        {__LINE__, "", 0, H3_ERR_INVALID_ARGUMENT, H3_SETTING_UNLIMITED},
        {__LINE__, "\x02\x06\x44\x00", 4, H3_ERR_INVALID_ARGUMENT,
         H3_SETTING_UNLIMITED}, /* unknown format */
        {__LINE__, "\x01\x06", 2, H3_ERR_INVALID_ARGUMENT,
         H3_SETTING_UNLIMITED}, /* truncated */
        {__LINE__, "\x01\x06\x01\x06\x02", 5, H3_ERR_INVALID_ARGUMENT,
         H3_SETTING_UNLIMITED}, /* repeated */
        {__LINE__, "\x01\x06\x44\x00\x33\x02", 6, H3_ERR_INVALID_ARGUMENT,
         H3_SETTING_UNLIMITED}, /* boolean 2 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h3_settings s;
        int rc = h3_settings_import(&s, (const uint8_t *)cases[i].bytes,
                                    cases[i].len);
        if (rc != cases[i].rc ||
            s.max_field_section_size != cases[i].field_section)
            fail_msg("case at line %d: rc %d", cases[i].line, rc);
    }
    assert_int_equal(h3_settings_import(NULL, (const uint8_t *)"\x01", 1),
                     H3_ERR_INVALID_ARGUMENT);
}

static void test_h3_settings_compatible_table(void **state) {
    (void)state;
    const h3_settings r = {4096, 2048, 100, true, true};
    static const struct {
        int line;
        h3_settings current;
        bool ok;
    } cases[] = {
        {__LINE__, {4096, 2048, 100, true, true}, true},
        {__LINE__, {8192, H3_SETTING_UNLIMITED, 200, true, true}, true},
        {__LINE__, {4095, 2048, 100, true, true}, false},
        {__LINE__, {4096, 2047, 100, true, true}, false},
        {__LINE__, {4096, 2048, 99, true, true}, false},
        {__LINE__, {4096, 2048, 100, false, true}, false},
        {__LINE__, {4096, 2048, 100, true, false}, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (h3_settings_compatible(&r, &cases[i].current) != cases[i].ok)
            fail_msg("case at line %d", cases[i].line);
    /* Nothing remembered means the defaults: a client complying with them
     * may send any field section size, so a server limit is not
     * compatible (a server then must not accept 0-RTT). */
    h3_settings d, limited = {0, 1024, 0, false, false};
    h3_settings_default(&d);
    assert_false(h3_settings_compatible(&d, &limited));
    limited.max_field_section_size = H3_SETTING_UNLIMITED;
    assert_true(h3_settings_compatible(&d, &limited));
}

static void test_h3_field_section_size_rfc_rule(void **state) {
    (void)state;
    const h3_header h[] = {
        {(const uint8_t *)":path", 5, (const uint8_t *)"/", 1},
        {(const uint8_t *)"x", 1, (const uint8_t *)"", 0},
    };
    assert_int_equal(h3_field_section_size(h, 0), 0);
    assert_int_equal(h3_field_section_size(h, 2), (5 + 1 + 32) + (1 + 32));
    const h3_header huge[] = {
        {(const uint8_t *)"a", SIZE_MAX - 10, (const uint8_t *)"b", 20},
    };
    assert_true(h3_field_section_size(huge, 1) == UINT64_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_settings_export_exact_bytes),
        cmocka_unit_test(test_h3_settings_import_table),
        cmocka_unit_test(test_h3_settings_compatible_table),
        cmocka_unit_test(test_h3_field_section_size_rfc_rule),
        cmocka_unit_test(test_h3_settings_default_rfc_values),
        cmocka_unit_test(test_h3_settings_decode_table),
        cmocka_unit_test(test_h3_settings_write_frame_exact_bytes),
        cmocka_unit_test(test_h3_settings_write_frame_round_trip),
        cmocka_unit_test(test_h3_settings_write_frame_invalid),
    };
    return cmocka_run_group_tests_name("h3_settings", tests, NULL, NULL);
}
