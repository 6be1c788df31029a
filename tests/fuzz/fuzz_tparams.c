/* tests/fuzz/fuzz_tparams.c — libFuzzer target for the transport parameter
 * decoder (core/tparams.c), as sent by a client and by a server: whatever
 * decodes must re-encode and decode again to the same struct. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tparams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

static void check_role(const uint8_t *data, size_t size, bool from_server) {
    quic_tparams tp, back;
    if (quic_tparams_decode(&tp, data, data + size, from_server) != 0)
        return;
    static uint8_t buf[4096];
    static const uint8_t grease_value[3] = {1, 2, 3};
    quic_tparams_grease g = {size, grease_value, size % 4};
    int n = quic_tparams_encode_len(&tp, &g);
    CHECK(n >= 0 && (size_t)n <= sizeof(buf));
    CHECK(quic_tparams_encode(buf, buf + sizeof(buf), &tp, &g) == n);
    /* Decoded as a server's: a client's Chosen Version may have been past
     * the kept part of its Available Versions list. */
    CHECK(quic_tparams_decode(&back, buf, buf + n, true) == 0);
    CHECK(memcmp(&tp, &back, sizeof(tp)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_role(data, size, false);
    check_role(data, size, true);
    return 0;
}
