/* core/tls_public.c — the public face of core/tls.h's certificate helpers
 * for programs that may include only core/quic.h: the context pin and the
 * self-signed generator. No TLS logic of its own. */
#include "core/quic.h"

#include "core/tls.h"

#include "core/conn_internal.h"

#include <string.h>

int quic_tls_context_get_pin(const quic_tls_context *ctx, char *out,
                             size_t cap) {
    if (!ctx || !out)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (cap < QUIC_SPKI_PIN_SIZE)
        return QUIC_ERR_NOBUF;
    char pin[QUIC_TLS_PIN_LEN];
    int rc = quic_tls_context_spki_pin(ctx, pin);
    if (rc < 0)
        return rc;
    memcpy(out, pin, QUIC_TLS_PIN_LEN);
    return 0;
}

int quic_generate_self_signed(const char *const *names, size_t name_count,
                              int64_t not_before, uint32_t days,
                              char **cert_pem, size_t *cert_len, char **key_pem,
                              size_t *key_len) {
    quic_tls_selfsigned_params p = {
        .names = names,
        .name_count = name_count,
        .not_before = not_before,
        .days = days,
    };
    /* A NULL allocator is libc, so the caller frees with free(). */
    return quic_tls_generate_self_signed(&p, NULL, cert_pem, cert_len, key_pem,
                                         key_len);
}

quic_verify_result quic_conn_verify_result(const quic_conn *conn) {
    if (!conn || !conn->tls)
        return QUIC_VERIFY_OK;
    switch (quic_tls_verify_result(conn->tls)) {
    case QUIC_TLS_VERIFY_OK: break;
    case QUIC_TLS_VERIFY_CHAIN: return QUIC_VERIFY_CHAIN;
    case QUIC_TLS_VERIFY_NAME: return QUIC_VERIFY_NAME;
    case QUIC_TLS_VERIFY_PIN: return QUIC_VERIFY_PIN;
    }
    return QUIC_VERIFY_OK;
}
