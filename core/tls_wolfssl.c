/* core/tls_wolfssl.c — the TLS 1.3 handshake of a QUIC connection through
 * wolfSSL's QUIC API (RFC 9001 §4): the per-connection object of
 * core/tls.h. The WOLFSSL_QUIC_METHOD callbacks only record what wolfSSL
 * hands out (bytes per level, secrets, the alert); the connection pulls it
 * afterwards. The shared context is built in tls_certs.c; packet protection
 * is not here (aead.c). */
#include "core/tls.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/quic.h>

/* RFC 9001 §8.2: the quic_transport_parameters extension codepoint, used by
 * QUIC v1 and v2 alike (wolfSSL's TLSX_KEY_QUIC_TP_PARAMS is not public). */
#define TP_EXTENSION_V1 0x39
/* Our own handshake output is small (a certificate chain at most); a
 * bound keeps a wolfSSL surprise from growing a buffer without end. */
#define MAX_PENDING_PER_LEVEL (256 * 1024)
#define SECRET_QUEUE 8

/* quic_level and wolfSSL's levels convert by value. */
_Static_assert(
    (int)QUIC_LEVEL_INITIAL == (int)wolfssl_encryption_initial &&
        (int)QUIC_LEVEL_EARLY_DATA == (int)wolfssl_encryption_early_data &&
        (int)QUIC_LEVEL_HANDSHAKE == (int)wolfssl_encryption_handshake &&
        (int)QUIC_LEVEL_APPLICATION == (int)wolfssl_encryption_application,
    "quic_level must match WOLFSSL_ENCRYPTION_LEVEL");

/* Where the received CRYPTO stream of one level stands. */
typedef struct rx_state {
    uint8_t hdr[4];   /* a handshake header being collected */
    size_t hdr_len;   /* bytes in |hdr| */
    size_t body_left; /* body bytes still to come of the current message */
} rx_state;

typedef struct pending {
    uint8_t *data;
    size_t start, len, cap; /* bytes [start, start+len) are pending */
} pending;

struct quic_tls {
    quic_tls_context *ctx;
    WOLFSSL *ssl;
    const quic_allocator *alloc;
    pending out[QUIC_LEVEL_COUNT];
    rx_state rx[QUIC_LEVEL_COUNT];
    quic_tls_secret secrets[SECRET_QUEUE];
    size_t secret_head, secret_count;
    int alert;       /* -1: none */
    int wolfssl_err; /* last wolfSSL error, for quic_tls_error_string */
    bool failed, nomem, complete, resumed;
    bool ticket_arrived; /* set by the NewSessionTicket callback */
    bool try_early_data; /* client: resume with 0-RTT on the first advance */
    uint8_t *ticket;
    size_t ticket_len;
    bool ticket_new;
    quic_tls_early_data early;
    char alpn[256];
    char *server_name; /* client: what the certificate must name */
    char sni[256];     /* server: what the client asked for */
    /* Server: a copy of the ClientHello until ALPN and SNI are read. */
    uint8_t *hello;
    size_t hello_len;
    bool hello_done;
    uint8_t server_ip[16]; /* client: server_name as an address, if one */
    size_t server_ip_len;
    quic_tls_verify_error verify_error;
};

/* ---- WOLFSSL_QUIC_METHOD and other wolfSSL callbacks ----------------------
 * They run inside wolfSSL calls made by quic_tls_advance and only record. */

static quic_tls *tls_of(const WOLFSSL *ssl) {
    return wolfSSL_get_app_data(ssl);
}

static uint16_t current_suite(WOLFSSL *ssl) {
    WOLFSSL_CIPHER *c = wolfSSL_get_current_cipher(ssl);
    return c ? (uint16_t)(wolfSSL_CIPHER_get_id(c) & 0xffff) : 0;
}

static bool push_secret(quic_tls *t, quic_level level, bool is_write,
                        uint16_t suite, const uint8_t *secret, size_t len) {
    if (t->secret_count == SECRET_QUEUE || len > QUIC_TLS_MAX_SECRET_LEN)
        return false;
    quic_tls_secret *s =
        &t->secrets[(t->secret_head + t->secret_count) % SECRET_QUEUE];
    s->level = level;
    s->is_write = is_write;
    s->cipher_suite = suite;
    s->len = len;
    memcpy(s->secret, secret, len);
    t->secret_count++;
    return true;
}

static int on_secrets(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level,
                      const uint8_t *read, const uint8_t *write, size_t len) {
    quic_tls *t = tls_of(ssl);
    uint16_t suite = current_suite(ssl);
    /* RFC 9001 §8.1: no agreed application protocol ends the handshake with
     * no_application_protocol, on either side. The first moment both sides
     * know is the installation of the 1-RTT keys. */
    if (level == wolfssl_encryption_application && t->ctx->alpn_wire_len &&
        !quic_tls_alpn(t)) {
        if (t->alert < 0)
            t->alert = QUIC_TLS_ALERT_NO_APPLICATION_PROTOCOL;
        return 0;
    }
    if (read && !push_secret(t, (quic_level)level, false, suite, read, len))
        return 0;
    if (write && !push_secret(t, (quic_level)level, true, suite, write, len))
        return 0;
    if (level == wolfssl_encryption_early_data)
        t->early = t->ctx->is_client ? QUIC_TLS_EARLY_DATA_ATTEMPTED
                                     : QUIC_TLS_EARLY_DATA_ACCEPTED;
    return 1;
}

static int on_handshake_data(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level,
                             const uint8_t *data, size_t len) {
    quic_tls *t = tls_of(ssl);
    pending *p = &t->out[level];
    if (len > MAX_PENDING_PER_LEVEL - p->len)
        return 0;
    if (p->start + p->len + len > p->cap) {
        if (p->start) { /* compact before growing */
            memmove(p->data, p->data + p->start, p->len);
            p->start = 0;
        }
        if (p->len + len > p->cap) {
            size_t cap = p->cap ? p->cap : 1024;
            while (cap < p->len + len)
                cap *= 2;
            uint8_t *n = quic_mem_realloc(t->alloc, p->data, cap);
            if (!n) {
                t->nomem = true;
                return 0;
            }
            p->data = n;
            p->cap = cap;
        }
    }
    memcpy(p->data + p->start + p->len, data, len);
    p->len += len;
    return 1;
}

static int on_flush(WOLFSSL *ssl) {
    (void)ssl; /* the connection decides when to send */
    return 1;
}

static int on_alert(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level,
                    uint8_t alert) {
    quic_tls *t = tls_of(ssl);
    (void)level; /* RFC 9001 §4.8: the alert becomes CONNECTION_CLOSE */
    if (t->alert < 0)
        t->alert = alert;
    return 1;
}

static const WOLFSSL_QUIC_METHOD quic_method = {
    on_secrets,
    on_handshake_data,
    on_flush,
    on_alert,
};

static const char *keylog_label(int id) {
    switch (id) {
    case CLIENT_EARLY_TRAFFIC_SECRET: return "CLIENT_EARLY_TRAFFIC_SECRET";
    case CLIENT_HANDSHAKE_TRAFFIC_SECRET:
        return "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    case SERVER_HANDSHAKE_TRAFFIC_SECRET:
        return "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    case CLIENT_TRAFFIC_SECRET: return "CLIENT_TRAFFIC_SECRET_0";
    case SERVER_TRAFFIC_SECRET: return "SERVER_TRAFFIC_SECRET_0";
    case EARLY_EXPORTER_SECRET: return "EARLY_EXPORTER_SECRET";
    case EXPORTER_SECRET: return "EXPORTER_SECRET";
    default: return NULL;
    }
}

static void put_hex(char *out, const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* wolfSSL's TLS 1.3 secret hook. Installing it on every connection matters
 * beyond the keylog: a wolfSSL built with keylog export (WOLFSSL_SSLKEYLOGFILE)
 * otherwise installs its own that appends every secret to ./sslkeylog.log. */
static int on_tls13_secret(WOLFSSL *ssl, int id, const unsigned char *secret,
                           int secret_len, void *arg) {
    quic_tls *t = arg;
    const char *label = keylog_label(id);
    uint8_t random[32];
    char line[32 + 1 + 64 + 1 + 2 * QUIC_TLS_MAX_SECRET_LEN + 1];
    (void)ssl;
    if (!t->ctx->keylog || !label || secret_len <= 0 ||
        secret_len > QUIC_TLS_MAX_SECRET_LEN ||
        wolfSSL_get_client_random(t->ssl, random, sizeof(random)) !=
            sizeof(random))
        return 0;
    size_t off = (size_t)snprintf(line, sizeof(line), "%s ", label);
    put_hex(line + off, random, sizeof(random));
    off += 2 * sizeof(random);
    line[off++] = ' ';
    put_hex(line + off, secret, (size_t)secret_len);
    t->ctx->keylog(t->ctx->keylog_user, line);
    return 0;
}

/* Called for every certificate of the peer's chain (wolfSSL's OPENSSL_EXTRA
 * build calls it even when wolfSSL's own checks passed). The leaf (depth 0)
 * also gets the host-name and pin checks; |preverify| is wolfSSL's verdict,
 * overridden when verification is off. */
static int on_verify(int preverify, WOLFSSL_X509_STORE_CTX *store) {
    WOLFSSL *ssl = wolfSSL_X509_STORE_CTX_get_ex_data(
        store, wolfSSL_get_ex_data_X509_STORE_CTX_idx());
    quic_tls *t = ssl ? tls_of(ssl) : NULL;
    if (!t)
        return 0;
    const quic_tls_context *c = t->ctx;
    if (!preverify && c->verify_peer) {
        t->verify_error = QUIC_TLS_VERIFY_CHAIN;
        return 0;
    }
    if (wolfSSL_X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    WOLFSSL_X509 *leaf = wolfSSL_X509_STORE_CTX_get_current_cert(store);
    int der_len = 0;
    const unsigned char *der =
        leaf ? wolfSSL_X509_get_der(leaf, &der_len) : NULL;
    if (!der || der_len <= 0)
        return 0;
    if (c->pinned_pubkey) {
        char pin[QUIC_TLS_PIN_LEN];
        if (quic_tls_spki_pin_der(der, (size_t)der_len, pin) != 0 ||
            !quic_tls_pin_list_matches(c->pinned_pubkey, pin)) {
            t->verify_error = QUIC_TLS_VERIFY_PIN;
            return 0;
        }
    }
    /* RFC 9110 §4.3.4 / RFC 6125 §6: an IP literal must be an iPAddress
     * SAN, a name a dNSName (wildcards as wolfSSL matches them). */
    if (c->verify_peer && c->verify_host && t->server_name &&
        !(t->server_ip_len
              ? quic_tls_cert_has_ip(der, (size_t)der_len, t->server_ip,
                                     t->server_ip_len)
              : wolfSSL_X509_check_host(leaf, t->server_name,
                                        strlen(t->server_name), 0,
                                        NULL) == 1)) {
        t->verify_error = QUIC_TLS_VERIFY_NAME;
        return 0;
    }
    return 1;
}

static int on_ticket(WOLFSSL *ssl, const unsigned char *ticket, int len,
                     void *arg) {
    quic_tls *t = arg;
    (void)ssl;
    (void)ticket;
    (void)len;
    /* Serialized by quic_tls_advance once wolfSSL has stored it. */
    t->ticket_arrived = true;
    return 0;
}

/* ---- Server ALPN choice -----------------------------------------------------
 * RFC 9001 §8.1 with the server's preference: the first of our protocols
 * that the client offers. wolfSSL 5.7.2 picks by the client's order and
 * ignores wolfSSL_CTX_set_alpn_select_cb unless built with OPENSSL_ALL;
 * changing the ALPN list from its SNI callback breaks resumption (PSK
 * errors). So the server reads the client's list from its own copy of the
 * ClientHello and offers wolfSSL only the chosen protocol before wolfSSL
 * parses the message. No overlap leaves our whole list, and wolfSSL fails
 * with no_application_protocol. */

#define MAX_HELLO (64 * 1024)

static bool skip(const uint8_t **p, const uint8_t *end, size_t n) {
    if ((size_t)(end - *p) < n)
        return false;
    *p += n;
    return true;
}

/* The body of extension |type| in a complete ClientHello message (RFC 8446
 * §4.1.2), or false when absent or malformed. Bounds-checked throughout:
 * these are the peer's bytes, read before wolfSSL has vetted them. */
static bool hello_extension(const uint8_t *m, size_t len, unsigned type,
                            const uint8_t **body, size_t *body_len) {
    if (len < 4 || m[0] != 1 ||
        len - 4 < ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]))
        return false;
    const uint8_t *p = m + 4;
    const uint8_t *end = p + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
    if (!skip(&p, end, 2 + 32) ||                       /* version, random */
        p == end || !skip(&p, end, 1 + (size_t)p[0]) || /* session id */
        end - p < 2 || !skip(&p, end, 2 + (size_t)(p[0] << 8 | p[1])) ||
        p == end || !skip(&p, end, 1 + (size_t)p[0]) || /* compression */
        end - p < 2)
        return false;
    size_t ext_len = (size_t)(p[0] << 8 | p[1]);
    p += 2;
    if (ext_len > (size_t)(end - p))
        return false;
    end = p + ext_len;
    while (end - p >= 4) {
        unsigned t = (unsigned)(p[0] << 8 | p[1]);
        size_t n = (size_t)(p[2] << 8 | p[3]);
        p += 4;
        if (n > (size_t)(end - p))
            return false;
        if (t == type) {
            *body = p;
            *body_len = n;
            return true;
        }
        p += n;
    }
    return false;
}

/* A vector with a 2-byte length that fills |body| exactly (RFC 7301 §3.1's
 * protocol_name_list, RFC 6066 §3's server_name_list). */
static bool inner_vector(const uint8_t *body, size_t len, const uint8_t **v,
                         size_t *v_len) {
    if (len < 2 || (size_t)(body[0] << 8 | body[1]) != len - 2)
        return false;
    *v = body + 2;
    *v_len = len - 2;
    return true;
}

/* RFC 6066 §3: the host_name entry of server_name, kept for
 * quic_tls_server_name (wolfSSL records it only when the server itself is
 * configured with names). */
static void keep_sni(quic_tls *t, const uint8_t *m, size_t len) {
    const uint8_t *body, *list;
    size_t body_len, list_len;
    if (!hello_extension(m, len, 0, &body, &body_len) ||
        !inner_vector(body, body_len, &list, &list_len) || list_len < 3 ||
        list[0] != 0) /* host_name */
        return;
    size_t n = (size_t)(list[1] << 8 | list[2]);
    if (n == 0 || n > list_len - 3 || n >= sizeof(t->sni) ||
        memchr(list + 3, 0, n))
        return;
    memcpy(t->sni, list + 3, n);
    t->sni[n] = '\0';
}

static bool wire_has(const uint8_t *list, size_t len, const uint8_t *name,
                     size_t n) {
    for (size_t i = 0; i < len; i += 1u + list[i]) {
        if (list[i] > len - i - 1)
            return false;
        if (list[i] == n && memcmp(list + i + 1, name, n) == 0)
            return true;
    }
    return false;
}

static void drop_hello(quic_tls *t) {
    quic_mem_free(t->alloc, t->hello);
    t->hello = NULL;
    t->hello_len = 0;
    t->hello_done = true;
}

/* Keeps a copy of the first ClientHello bytes (server, Initial level). One
 * over MAX_HELLO is left to wolfSSL alone, with our whole ALPN list. */
static int keep_hello(quic_tls *t, const uint8_t *data, size_t len) {
    if (len > MAX_HELLO - t->hello_len) {
        drop_hello(t);
        char *csv = t->ctx->alpn_csv;
        return !csv || wolfSSL_UseALPN(
                           t->ssl, (char *)csv, (unsigned int)strlen(csv),
                           WOLFSSL_ALPN_FAILED_ON_MISMATCH) == WOLFSSL_SUCCESS
                   ? 0
                   : QUIC_ERR_TLS;
    }
    uint8_t *n = quic_mem_realloc(t->alloc, t->hello, t->hello_len + len);
    if (!n)
        return QUIC_ERR_NOMEM;
    memcpy(n + t->hello_len, data, len);
    t->hello = n;
    t->hello_len += len;
    return 0;
}

/* Whether |t| holds a whole ClientHello message (RFC 8446 §4). */
static bool hello_complete(const quic_tls *t) {
    return t->hello && t->hello_len >= 4 &&
           t->hello_len - 4 >= ((size_t)t->hello[1] << 16 |
                                (size_t)t->hello[2] << 8 | t->hello[3]);
}

int quic_tls_client_hello_extension(const quic_tls *t, unsigned type,
                                    const uint8_t **body, size_t *len) {
    if (!hello_complete(t))
        return -1;
    return hello_extension(t->hello, t->hello_len, type, body, len) ? 1 : 0;
}

int quic_tls_set_transport_params(quic_tls *t, const uint8_t *params,
                                  size_t len) {
    if (!params || len == 0 || len > 65535)
        return QUIC_ERR_INVALID_ARGUMENT;
    return wolfSSL_set_quic_transport_params(t->ssl, params, len) ==
                   WOLFSSL_SUCCESS
               ? 0
               : QUIC_ERR_NOMEM;
}

/* Once the whole ClientHello is there: notes the SNI and hands wolfSSL the
 * protocol to select. False when wolfSSL refused it. */
static bool choose_alpn(quic_tls *t) {
    const quic_tls_context *c = t->ctx;
    if (!hello_complete(t))
        return true; /* incomplete: wolfSSL cannot parse it yet either */
    const uint8_t *offered = NULL;
    size_t offered_len = 0;
    char pick[256];
    size_t pick_len = 0;
    const uint8_t *body;
    size_t body_len;
    keep_sni(t, t->hello, t->hello_len);
    if (!c->alpn_wire_len) {
        drop_hello(t);
        return true;
    }
    if (hello_extension(t->hello, t->hello_len, 16, &body, &body_len) &&
        inner_vector(body, body_len, &offered, &offered_len)) {
        for (size_t i = 0; i < c->alpn_wire_len && !pick_len;
             i += 1u + c->alpn_wire[i]) {
            if (wire_has(offered, offered_len, c->alpn_wire + i + 1,
                         c->alpn_wire[i])) {
                pick_len = c->alpn_wire[i];
                memcpy(pick, c->alpn_wire + i + 1, pick_len);
            }
        }
    }
    pick[pick_len] = '\0';
    drop_hello(t);
    char *list = pick_len ? pick : c->alpn_csv;
    return wolfSSL_UseALPN(t->ssl, list, (unsigned int)strlen(list),
                           WOLFSSL_ALPN_FAILED_ON_MISMATCH) == WOLFSSL_SUCCESS;
}

/* ---- Connection ------------------------------------------------------------
 */

/* Errors: QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_TLS_SESSION, QUIC_ERR_NOMEM,
 * QUIC_ERR_TLS. */
static int setup_client(quic_tls *t, const quic_tls_params *p) {
    WOLFSSL *ssl = t->ssl;
    wolfSSL_set_verify(ssl, WOLFSSL_VERIFY_PEER, on_verify);
    if (t->ctx->alpn_csv &&
        wolfSSL_UseALPN(ssl, t->ctx->alpn_csv,
                        (unsigned int)strlen(t->ctx->alpn_csv),
                        WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS;
    if (p->server_name) {
        size_t n = strlen(p->server_name);
        uint8_t addr[16];
        if (n == 0 || n > 255)
            return QUIC_ERR_INVALID_ARGUMENT;
        if (!(t->server_name = quic_tls_strdup(t->alloc, p->server_name)))
            return QUIC_ERR_NOMEM;
        if (inet_pton(AF_INET, p->server_name, addr) == 1)
            t->server_ip_len = 4;
        else if (inet_pton(AF_INET6, p->server_name, addr) == 1)
            t->server_ip_len = 16;
        memcpy(t->server_ip, addr, t->server_ip_len);
        /* RFC 6066 §3: literal IP addresses are not sent in SNI. */
        if (!t->server_ip_len &&
            wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, p->server_name,
                           (unsigned short)n) != WOLFSSL_SUCCESS)
            return QUIC_ERR_TLS;
    }
    wolfSSL_set_SessionTicket_cb(ssl, on_ticket, t);
    if (p->session) {
        const unsigned char *cur = p->session;
        WOLFSSL_SESSION *s =
            wolfSSL_d2i_SSL_SESSION(NULL, &cur, (long)p->session_len);
        if (!s)
            return QUIC_ERR_TLS_SESSION;
        int ok = wolfSSL_set_session(ssl, s);
        /* RFC 9001 §4.6.1: 0-RTT only with max_early_data_size 0xffffffff. */
        t->try_early_data = t->ctx->early_data &&
                            wolfSSL_SESSION_get_max_early_data(s) == UINT32_MAX;
        wolfSSL_SESSION_free(s); /* wolfSSL_set_session keeps a copy */
        if (ok != WOLFSSL_SUCCESS)
            return QUIC_ERR_TLS_SESSION;
    }
    return 0;
}

/* Errors: those of quic_tls_new. */
static int setup_ssl(quic_tls *t, const quic_tls_params *p) {
    WOLFSSL *ssl = t->ssl;
    wolfSSL_set_app_data(ssl, t);
    if (wolfSSL_set_quic_method(ssl, &quic_method) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS;
    wolfSSL_set_tls13_secret_cb(ssl, on_tls13_secret, t);
    wolfSSL_set_quic_transport_version(ssl, TP_EXTENSION_V1);
    if (wolfSSL_set_quic_transport_params(ssl, p->transport_params,
                                          p->transport_params_len) !=
        WOLFSSL_SUCCESS)
        return QUIC_ERR_NOMEM;
    if (t->ctx->is_client)
        return setup_client(t, p);
    wolfSSL_set_quic_early_data_enabled(ssl, t->ctx->early_data &&
                                                 !p->refuse_early_data);
    if (t->ctx->verify_peer)
        wolfSSL_set_verify(
            ssl, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
            on_verify);
    else
        wolfSSL_set_verify(ssl, WOLFSSL_VERIFY_NONE, NULL);
    return 0;
}

int quic_tls_new(quic_tls **out, quic_tls_context *ctx,
                 const quic_tls_params *p) {
    *out = NULL;
    /* The extension length is a uint16 (RFC 8446 §4.2). */
    if (!p->transport_params || p->transport_params_len == 0 ||
        p->transport_params_len > 65535)
        return QUIC_ERR_INVALID_ARGUMENT;
    quic_tls *t = quic_mem_calloc(p->allocator, 1, sizeof(*t));
    if (!t)
        return QUIC_ERR_NOMEM;
    t->ctx = ctx;
    t->alloc = p->allocator;
    t->alert = -1;
    t->ssl = wolfSSL_new(ctx->ctx);
    int err = t->ssl ? setup_ssl(t, p) : QUIC_ERR_NOMEM;
    if (err) {
        quic_tls_free(t);
        return err;
    }
    *out = t;
    return 0;
}

static void drop_ticket(quic_tls *t) {
    if (t->ticket) {
        explicit_bzero(t->ticket, t->ticket_len);
        quic_mem_free(t->alloc, t->ticket);
    }
    t->ticket = NULL;
    t->ticket_len = 0;
    t->ticket_new = false;
}

void quic_tls_free(quic_tls *t) {
    if (!t)
        return;
    wolfSSL_free(t->ssl);
    for (size_t i = 0; i < QUIC_LEVEL_COUNT; i++)
        quic_mem_free(t->alloc, t->out[i].data);
    explicit_bzero(t->secrets, sizeof(t->secrets));
    drop_ticket(t);
    quic_mem_free(t->alloc, t->server_name);
    quic_mem_free(t->alloc, t->hello);
    quic_mem_free(t->alloc, t);
}

/* Hands wolfSSL whole handshake headers. wolfSSL 5.7.2's
 * wolfSSL_provide_quic_data fails when a message's 4-byte header (type,
 * uint24 length) arrives split across calls, which QUIC allows (CRYPTO
 * frames split anywhere), so up to 3 header bytes wait here. Errors:
 * QUIC_ERR_TLS_CRYPTO_LEVEL. */
static int feed(quic_tls *t, quic_level level, const uint8_t *data,
                size_t len) {
    rx_state *r = &t->rx[level];
    while (len > 0) {
        size_t n;
        if (r->body_left == 0) { /* at a message boundary */
            n = 4 - r->hdr_len < len ? 4 - r->hdr_len : len;
            memcpy(r->hdr + r->hdr_len, data, n);
            r->hdr_len += n;
            data += n;
            len -= n;
            if (r->hdr_len < 4)
                return 0;
            r->hdr_len = 0;
            r->body_left =
                (size_t)r->hdr[1] << 16 | (size_t)r->hdr[2] << 8 | r->hdr[3];
            if (wolfSSL_provide_quic_data(t->ssl,
                                          (WOLFSSL_ENCRYPTION_LEVEL)level,
                                          r->hdr, 4) != WOLFSSL_SUCCESS)
                return QUIC_ERR_TLS_CRYPTO_LEVEL;
            continue;
        }
        n = r->body_left < len ? r->body_left : len;
        if (wolfSSL_provide_quic_data(t->ssl, (WOLFSSL_ENCRYPTION_LEVEL)level,
                                      data, n) != WOLFSSL_SUCCESS)
            return QUIC_ERR_TLS_CRYPTO_LEVEL;
        r->body_left -= n;
        data += n;
        len -= n;
    }
    return 0;
}

int quic_tls_provide(quic_tls *t, quic_level level, const uint8_t *data,
                     size_t len) {
    /* RFC 9000 §12.4: 0-RTT packets carry no CRYPTO frames. */
    if ((unsigned)level >= QUIC_LEVEL_COUNT || level == QUIC_LEVEL_EARLY_DATA ||
        (!data && len))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (t->failed)
        return QUIC_ERR_INVALID_STATE;
    if (len == 0)
        return 0;
    /* RFC 9001 §4.1.3: handshake messages at a level TLS has moved past are
     * a PROTOCOL_VIOLATION, and a message may not span a key change, so a
     * higher level may not begin while one below is mid-message. wolfSSL
     * refuses both too; these checks name them apart from other failures. */
    if ((int)level < (int)wolfSSL_quic_read_level(t->ssl))
        return QUIC_ERR_TLS_CRYPTO_LEVEL;
    for (int l = 0; l < (int)level; l++)
        if (t->rx[l].hdr_len || t->rx[l].body_left)
            return QUIC_ERR_TLS_CRYPTO_LEVEL;
    if (!t->ctx->is_client && !t->hello_done && level == QUIC_LEVEL_INITIAL) {
        int err = keep_hello(t, data, len);
        if (err)
            return err;
    }
    return feed(t, level, data, len);
}

static bool wants_input(quic_tls *t, int ret) {
    int e = wolfSSL_get_error(t->ssl, ret);
    return e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE;
}

static int fail(quic_tls *t, int ret) {
    t->failed = true;
    t->wolfssl_err = wolfSSL_get_error(t->ssl, ret);
    /* wolfSSL's QUIC path raises no alert when no cipher suite matches;
     * RFC 8446 §4.1.1 names handshake_failure for it. */
    if (t->alert < 0 && (t->wolfssl_err == MATCH_SUITE_ERROR ||
                         t->wolfssl_err == UNSUPPORTED_SUITE))
        t->alert = QUIC_TLS_ALERT_HANDSHAKE_FAILURE;
    if (t->alert < 0)
        t->alert = QUIC_TLS_ALERT_INTERNAL_ERROR;
    return t->nomem ? QUIC_ERR_NOMEM : QUIC_ERR_TLS;
}

static void on_complete(quic_tls *t) {
    t->complete = true;
    t->resumed = wolfSSL_session_reused(t->ssl) == 1;
    (void)quic_tls_alpn(t);
    if (t->early == QUIC_TLS_EARLY_DATA_ATTEMPTED)
        t->early =
            wolfSSL_get_early_data_status(t->ssl) == WOLFSSL_EARLY_DATA_ACCEPTED
                ? QUIC_TLS_EARLY_DATA_ACCEPTED
                : QUIC_TLS_EARLY_DATA_REJECTED;
}

/* Serializes the session wolfSSL holds after a NewSessionTicket. A failure
 * only loses the ticket. */
static void store_ticket(quic_tls *t) {
    t->ticket_arrived = false;
    WOLFSSL_SESSION *s = wolfSSL_get1_session(t->ssl);
    int n = s ? wolfSSL_i2d_SSL_SESSION(s, NULL) : 0;
    uint8_t *buf = n > 0 ? quic_mem_malloc(t->alloc, (size_t)n) : NULL;
    unsigned char *cur = buf;
    if (buf && wolfSSL_i2d_SSL_SESSION(s, &cur) == n) {
        drop_ticket(t);
        t->ticket = buf;
        t->ticket_len = (size_t)n;
        t->ticket_new = true;
    } else {
        quic_mem_free(t->alloc, buf);
    }
    wolfSSL_SESSION_free(s);
}

/* A client resuming a session that allows 0-RTT: wolfSSL only offers
 * early_data (and derives the 0-RTT secret) from wolfSSL_write_early_data,
 * and wolfSSL_quic_do_handshake calls that only when the client's own
 * max_early_data is set, which wolfSSL refuses on a client. A zero-length
 * write sends the ClientHello; the 0-RTT data itself travels in QUIC
 * STREAM frames, never through TLS. False on a real failure. */
static bool start_early_data(quic_tls *t) {
    uint8_t none[1] = {0};
    int written = 0;
    int ret = wolfSSL_write_early_data(t->ssl, none, 0, &written);
    return ret >= 0 || wants_input(t, ret);
}

int quic_tls_advance(quic_tls *t) {
    if (t->failed)
        return t->nomem ? QUIC_ERR_NOMEM : QUIC_ERR_TLS;
    if (t->try_early_data) {
        t->try_early_data = false;
        if (!start_early_data(t))
            return fail(t, WOLFSSL_FATAL_ERROR);
    }
    if (t->hello && !choose_alpn(t))
        return fail(t, WOLFSSL_FATAL_ERROR);
    if (!t->complete) {
        int ret = wolfSSL_quic_do_handshake(t->ssl);
        if (ret == WOLFSSL_SUCCESS)
            on_complete(t);
        else if (!wants_input(t, ret) || t->nomem)
            return fail(t, ret);
    }
    if (t->complete) {
        int ret = wolfSSL_process_quic_post_handshake(t->ssl);
        if ((ret != WOLFSSL_SUCCESS && !wants_input(t, ret)) || t->nomem)
            return fail(t, ret);
    }
    if (t->ticket_arrived)
        store_ticket(t);
    return 0;
}

const uint8_t *quic_tls_peek_handshake(const quic_tls *t, quic_level level,
                                       size_t *len) {
    *len = 0;
    if ((unsigned)level >= QUIC_LEVEL_COUNT || t->out[level].len == 0)
        return NULL;
    *len = t->out[level].len;
    return t->out[level].data + t->out[level].start;
}

void quic_tls_consume_handshake(quic_tls *t, quic_level level, size_t n) {
    if ((unsigned)level >= QUIC_LEVEL_COUNT)
        return;
    pending *p = &t->out[level];
    if (n > p->len)
        n = p->len;
    p->start += n;
    p->len -= n;
    if (p->len == 0)
        p->start = 0;
}

bool quic_tls_next_secret(quic_tls *t, quic_tls_secret *out) {
    if (t->secret_count == 0)
        return false;
    quic_tls_secret *s = &t->secrets[t->secret_head];
    *out = *s;
    explicit_bzero(s, sizeof(*s));
    t->secret_head = (t->secret_head + 1) % SECRET_QUEUE;
    t->secret_count--;
    return true;
}

int quic_tls_alert(const quic_tls *t) {
    return t->alert;
}

const char *quic_tls_error_string(const quic_tls *t) {
    return t->wolfssl_err
               ? wolfSSL_ERR_reason_error_string((unsigned long)t->wolfssl_err)
               : "";
}

bool quic_tls_handshake_complete(const quic_tls *t) {
    return t->complete;
}

bool quic_tls_peer_transport_params(const quic_tls *t, const uint8_t **data,
                                    size_t *len) {
    wolfSSL_get_peer_quic_transport_params(t->ssl, data, len);
    return *data != NULL && *len > 0;
}

const char *quic_tls_alpn(quic_tls *t) {
    char *name = NULL;
    unsigned short n = 0;
    if (t->alpn[0])
        return t->alpn;
    if (wolfSSL_ALPN_GetProtocol(t->ssl, &name, &n) != WOLFSSL_SUCCESS ||
        !name || n == 0 || n >= sizeof(t->alpn))
        return NULL;
    memcpy(t->alpn, name, n);
    t->alpn[n] = '\0';
    return t->alpn;
}

const char *quic_tls_server_name(const quic_tls *t) {
    return t->sni[0] ? t->sni : NULL;
}

bool quic_tls_session_resumed(const quic_tls *t) {
    return t->resumed;
}

uint16_t quic_tls_cipher_suite(const quic_tls *t) {
    return current_suite(t->ssl);
}

quic_tls_verify_error quic_tls_verify_result(const quic_tls *t) {
    return t->verify_error;
}

quic_tls_early_data quic_tls_early_data_status(const quic_tls *t) {
    return t->early;
}

bool quic_tls_take_session_ticket(quic_tls *t, const uint8_t **data,
                                  size_t *len) {
    if (!t->ticket_new)
        return false;
    *data = t->ticket;
    *len = t->ticket_len;
    t->ticket_new = false;
    return true;
}
