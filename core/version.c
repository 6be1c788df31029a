/* core/version.c — the versions of the engine and of the TLS library it was
 * built with, for `h3cli --version`; includes only wolfSSL's version header. */
#include "core/quic.h"

#include <wolfssl/options.h>
#include <wolfssl/version.h>

const char *quic_tls_library_version(void) {
    return "wolfSSL/" LIBWOLFSSL_VERSION_STRING;
}
