/* core/tls_certs.c — the certificate side of the TLS boundary: the shared
 * context (certificate, key, trust anchors, ALPN, suites), SHA-256 SPKI pins
 * (curl's --pinnedpubkey form) and self-signed ECDSA P-256 certificates for
 * `serve` without --cert. No handshake here (tls_wolfssl.c). wolfCrypt does
 * the key, hash and signature; the TBSCertificate is assembled here because
 * this wolfSSL build lacks WOLFSSL_ALT_NAMES, without which wc_MakeCert
 * cannot write subjectAltName. */
#include "core/tls.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>

#define PIN_PREFIX "sha256//"
#define PIN_B64_LEN 44 /* base64 of 32 bytes */
#define MAX_NAMES 16
#define MAX_SPKI_LEN 256 /* a P-256 SPKI is 91 bytes */
#define DEFAULT_SUITES                                                         \
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"                         \
    "TLS13-CHACHA20-POLY1305-SHA256"

/* ---- SPKI pins ----------------------------------------------------------- */

int quic_tls_spki_pin_der(const uint8_t *der, size_t len,
                          char out[QUIC_TLS_PIN_LEN]) {
    DecodedCert cert;
    uint8_t spki[1024], hash[WC_SHA256_DIGEST_SIZE];
    word32 spki_len = sizeof(spki), b64_len = QUIC_TLS_PIN_LEN;
    if (len == 0 || len > UINT32_MAX)
        return QUIC_ERR_MALFORMED;
    wc_InitDecodedCert(&cert, der, (word32)len, NULL);
    int ret = wc_ParseCert(&cert, CERT_TYPE, NO_VERIFY, NULL);
    if (ret == 0)
        ret = wc_GetPubKeyDerFromCert(&cert, spki, &spki_len);
    wc_FreeDecodedCert(&cert);
    if (ret != 0)
        return QUIC_ERR_MALFORMED;
    if (wc_Sha256Hash(spki, spki_len, hash) != 0 ||
        Base64_Encode_NoNl(hash, sizeof(hash), (byte *)out, &b64_len) != 0 ||
        b64_len < PIN_B64_LEN)
        return QUIC_ERR_CRYPTO;
    out[PIN_B64_LEN] = '\0';
    return 0;
}

int quic_tls_spki_pin_pem(const uint8_t *pem, size_t len,
                          char out[QUIC_TLS_PIN_LEN]) {
    if (len == 0 || len > INT32_MAX)
        return QUIC_ERR_MALFORMED;
    /* DER is shorter than its base64 PEM armour. */
    uint8_t *der = quic_mem_malloc(NULL, len);
    if (!der)
        return QUIC_ERR_NOMEM;
    int n = wc_CertPemToDer(pem, (int)len, der, (int)len, CERT_TYPE);
    int ret =
        n > 0 ? quic_tls_spki_pin_der(der, (size_t)n, out) : QUIC_ERR_MALFORMED;
    quic_mem_free(NULL, der);
    return ret;
}

static bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Walks "sha256//B64[;sha256//B64…]": false when malformed; otherwise
 * true, with |*found| telling whether |want| (if any) is listed. */
static bool each_pin(const char *list, const char *want, bool *found) {
    const char *p = list;
    *found = false;
    if (!p || !*p)
        return false;
    for (;;) {
        size_t plen = strlen(PIN_PREFIX);
        if (strncmp(p, PIN_PREFIX, plen) != 0)
            return false;
        p += plen;
        for (size_t i = 0; i < PIN_B64_LEN; i++)
            if (!is_base64_char(p[i]))
                return false;
        if (p[PIN_B64_LEN] != ';' && p[PIN_B64_LEN] != '\0')
            return false;
        if (want && memcmp(p, want, PIN_B64_LEN) == 0)
            *found = true;
        p += PIN_B64_LEN;
        if (*p == '\0')
            return true;
        p++; /* ';' */
    }
}

bool quic_tls_pin_list_valid(const char *pin_list) {
    bool found;
    return each_pin(pin_list, NULL, &found);
}

bool quic_tls_pin_list_matches(const char *pin_list, const char *spki_pin) {
    bool found;
    if (strlen(spki_pin) != PIN_B64_LEN)
        return false;
    return each_pin(pin_list, spki_pin, &found) && found;
}

/* ---- A minimal DER writer -------------------------------------------------
 * Content is appended, then wrapped in place by der_close, which inserts the
 * tag and length before it. Overflow is sticky and checked once at the end. */

typedef struct der_writer {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
} der_writer;

static void der_raw(der_writer *d, const void *src, size_t n) {
    if (d->overflow || n > d->cap - d->len) {
        d->overflow = true;
        return;
    }
    memcpy(d->p + d->len, src, n);
    d->len += n;
}

static size_t der_open(const der_writer *d) {
    return d->len;
}

/* X.690 §8.1.3: definite length, short form below 128. */
static void der_close(der_writer *d, uint8_t tag, size_t start) {
    if (d->overflow)
        return;
    size_t n = d->len - start;
    uint8_t hdr[4] = {tag};
    size_t h = 1;
    if (n < 0x80) {
        hdr[h++] = (uint8_t)n;
    } else if (n < 0x100) {
        hdr[h++] = 0x81;
        hdr[h++] = (uint8_t)n;
    } else {
        hdr[h++] = 0x82;
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    }
    if (n > 0xffff || h > d->cap - d->len) {
        d->overflow = true;
        return;
    }
    memmove(d->p + start + h, d->p + start, n);
    memcpy(d->p + start, hdr, h);
    d->len += h;
}

static void der_prim(der_writer *d, uint8_t tag, const void *src, size_t n) {
    size_t s = der_open(d);
    der_raw(d, src, n);
    der_close(d, tag, s);
}

#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_UTF8 0x0c
#define DER_UTC_TIME 0x17
#define DER_GEN_TIME 0x18
#define DER_BOOLEAN 0x01

static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce,
                                           0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_key_usage[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_ext_key_usage[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_server_auth[] = {0x2b, 0x06, 0x01, 0x05,
                                          0x05, 0x07, 0x03, 0x01};

/* Name ::= SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } } */
static void der_name(der_writer *d, const char *cn) {
    size_t seq = der_open(d), set, atv;
    set = der_open(d);
    atv = der_open(d);
    der_prim(d, DER_OID, oid_cn, sizeof(oid_cn));
    der_prim(d, DER_UTF8, cn, strlen(cn) > 64 ? 64 : strlen(cn));
    der_close(d, DER_SEQUENCE, atv);
    der_close(d, DER_SET, set);
    der_close(d, DER_SEQUENCE, seq);
}

/* RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
static bool der_time(der_writer *d, int64_t unix_time) {
    time_t t = (time_t)unix_time;
    struct tm tm;
    char s[20];
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1950 ||
        tm.tm_year + 1900 > 9999)
        return false;
    bool utc = tm.tm_year + 1900 < 2050;
    strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
    /* UTCTime drops the century: YYMMDDHHMMSSZ. */
    const char *text = utc ? s + 2 : s;
    der_prim(d, utc ? DER_UTC_TIME : DER_GEN_TIME, text, strlen(text));
    return true;
}

static void der_extension(der_writer *d, const uint8_t *oid, size_t oid_len,
                          bool critical, const uint8_t *val, size_t val_len) {
    static const uint8_t yes = 0xff;
    size_t ext = der_open(d);
    der_prim(d, DER_OID, oid, oid_len);
    if (critical)
        der_prim(d, DER_BOOLEAN, &yes, 1);
    der_prim(d, DER_OCTET_STRING, val, val_len);
    der_close(d, DER_SEQUENCE, ext);
}

/* GeneralNames: [2] dNSName (IA5) or [7] iPAddress (4 or 16 octets). */
static bool der_san(der_writer *d, const char *const *names, size_t n) {
    uint8_t buf[MAX_NAMES * 260];
    der_writer v = {buf, 0, sizeof(buf), false};
    size_t seq = der_open(&v);
    for (size_t i = 0; i < n; i++) {
        uint8_t ip[16];
        if (inet_pton(AF_INET, names[i], ip) == 1)
            der_prim(&v, 0x87, ip, 4);
        else if (inet_pton(AF_INET6, names[i], ip) == 1)
            der_prim(&v, 0x87, ip, 16);
        else
            der_prim(&v, 0x82, names[i], strlen(names[i]));
    }
    der_close(&v, DER_SEQUENCE, seq);
    if (v.overflow)
        return false;
    der_extension(d, oid_san, sizeof(oid_san), false, v.p, v.len);
    return true;
}

static void der_extensions(der_writer *d) {
    static const uint8_t ca_false[] = {0x30, 0x00};
    static const uint8_t digital_signature[] = {0x03, 0x02, 0x07, 0x80};
    uint8_t eku[2 + 2 + sizeof(oid_server_auth)] = {
        0x30, 2 + sizeof(oid_server_auth), DER_OID, sizeof(oid_server_auth)};
    memcpy(eku + 4, oid_server_auth, sizeof(oid_server_auth));
    der_extension(d, oid_basic_constraints, sizeof(oid_basic_constraints), true,
                  ca_false, sizeof(ca_false));
    der_extension(d, oid_key_usage, sizeof(oid_key_usage), true,
                  digital_signature, sizeof(digital_signature));
    der_extension(d, oid_ext_key_usage, sizeof(oid_ext_key_usage), false, eku,
                  sizeof(eku));
}

/* RFC 5280 §4.1: the TBSCertificate of a self-signed v3 certificate. */
static bool der_tbs(der_writer *d, const quic_tls_selfsigned_params *p,
                    const uint8_t serial[16], const uint8_t *spki,
                    size_t spki_len) {
    static const uint8_t v3[] = {DER_INTEGER, 1, 2};
    size_t tbs = der_open(d), s;
    s = der_open(d);
    der_raw(d, v3, sizeof(v3));
    der_close(d, 0xa0, s); /* [0] EXPLICIT version */
    der_prim(d, DER_INTEGER, serial, 16);
    s = der_open(d);
    der_prim(d, DER_OID, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
    der_close(d, DER_SEQUENCE, s);
    der_name(d, p->names[0]);
    s = der_open(d);
    if (!der_time(d, p->not_before) ||
        !der_time(d, p->not_before + (int64_t)p->days * 86400))
        return false;
    der_close(d, DER_SEQUENCE, s);
    der_name(d, p->names[0]);
    der_raw(d, spki, spki_len);
    s = der_open(d);
    size_t exts = der_open(d);
    der_extensions(d);
    if (!der_san(d, p->names, p->name_count))
        return false;
    der_close(d, DER_SEQUENCE, exts);
    der_close(d, 0xa3, s); /* [3] EXPLICIT extensions */
    der_close(d, DER_SEQUENCE, tbs);
    return !d->overflow;
}

/* ---- Reading a certificate's iPAddress names -------------------------------
 * This wolfSSL build (no WOLFSSL_IP_ALT_NAME) drops iPAddress entries when
 * it parses subjectAltName, so wolfSSL_X509_check_ip_asc never matches; the
 * client's IP-literal check reads them here instead. */

/* One DER TLV at *p (definite length of at most 3 length bytes). */
static bool der_read(const uint8_t **p, const uint8_t *end, uint8_t *tag,
                     const uint8_t **val, size_t *len) {
    const uint8_t *q = *p;
    if (end - q < 2)
        return false;
    *tag = q[0];
    size_t l = q[1];
    q += 2;
    if (l & 0x80) {
        size_t nb = l & 0x7f;
        if (nb == 0 || nb > 3 || (size_t)(end - q) < nb)
            return false;
        for (l = 0; nb > 0; nb--)
            l = l << 8 | *q++;
    }
    if (l > (size_t)(end - q))
        return false;
    *val = q;
    *len = l;
    *p = q + l;
    return true;
}

/* Enters the SEQUENCE at *p: [*p, *end) becomes its contents. */
static bool der_enter(const uint8_t **p, const uint8_t **end, uint8_t want) {
    uint8_t tag;
    const uint8_t *v;
    size_t n;
    if (!der_read(p, *end, &tag, &v, &n) || tag != want)
        return false;
    *p = v;
    *end = v + n;
    return true;
}

/* GeneralNames (RFC 5280 §4.2.1.6): [7] iPAddress is 4 or 16 octets. */
static bool san_has_ip(const uint8_t *p, size_t len, const uint8_t *ip,
                       size_t ip_len) {
    const uint8_t *end = p + len, *v;
    uint8_t tag;
    size_t n;
    if (!der_enter(&p, &end, DER_SEQUENCE))
        return false;
    while (der_read(&p, end, &tag, &v, &n))
        if (tag == 0x87 && n == ip_len && memcmp(v, ip, ip_len) == 0)
            return true;
    return false;
}

bool quic_tls_cert_has_ip(const uint8_t *der, size_t len, const uint8_t *ip,
                          size_t ip_len) {
    const uint8_t *p = der, *end = der + len, *v;
    uint8_t tag;
    size_t n;
    if (!der_enter(&p, &end, DER_SEQUENCE) || /* Certificate */
        !der_enter(&p, &end, DER_SEQUENCE))   /* TBSCertificate */
        return false;
    while (der_read(&p, end, &tag, &v, &n)) {
        if (tag != 0xa3) /* [3] extensions */
            continue;
        const uint8_t *e = v, *e_end = v + n;
        if (!der_enter(&e, &e_end, DER_SEQUENCE))
            return false;
        while (der_read(&e, e_end, &tag, &v, &n)) {
            const uint8_t *x = v, *x_end = v + n, *oid, *val;
            size_t oid_len, val_len;
            if (tag != DER_SEQUENCE ||
                !der_read(&x, x_end, &tag, &oid, &oid_len) || tag != DER_OID ||
                !der_read(&x, x_end, &tag, &val, &val_len) ||
                (tag == DER_BOOLEAN &&
                 !der_read(&x, x_end, &tag, &val, &val_len)))
                return false;
            if (tag == DER_OCTET_STRING && oid_len == sizeof(oid_san) &&
                memcmp(oid, oid_san, oid_len) == 0)
                return san_has_ip(val, val_len, ip, ip_len);
        }
        return false;
    }
    return false;
}

/* ---- Self-signed certificates ---------------------------------------------
 */

static bool valid_params(const quic_tls_selfsigned_params *p) {
    if (!p->names || p->name_count == 0 || p->name_count > MAX_NAMES ||
        p->days == 0)
        return false;
    for (size_t i = 0; i < p->name_count; i++)
        if (!p->names[i] || !p->names[i][0] || strlen(p->names[i]) > 255)
            return false;
    return true;
}

/* DER → freshly allocated NUL-terminated PEM. Errors: QUIC_ERR_NOMEM,
 * QUIC_ERR_CRYPTO. */
static int to_pem(const quic_allocator *a, const uint8_t *der, size_t len,
                  int type, char **out, size_t *out_len) {
    size_t cap = len * 4 / 3 + len / 64 + 128;
    char *pem = quic_mem_malloc(a, cap);
    if (!pem)
        return QUIC_ERR_NOMEM;
    int n = wc_DerToPem(der, (word32)len, (byte *)pem, (word32)cap - 1, type);
    if (n <= 0) {
        quic_mem_free(a, pem);
        return QUIC_ERR_CRYPTO;
    }
    pem[n] = '\0';
    *out = pem;
    *out_len = (size_t)n;
    return 0;
}

/* Signs the TBS for |key| into |cert| (capacity |cap|); returns the DER
 * length or a negative error. */
static int make_cert_der(const quic_tls_selfsigned_params *p, ecc_key *key,
                         WC_RNG *rng, uint8_t *cert, size_t cap) {
    uint8_t spki[MAX_SPKI_LEN], serial[16];
    int spki_len = wc_EccPublicKeyToDer(key, spki, sizeof(spki), 1);
    if (spki_len <= 0 || wc_RNG_GenerateBlock(rng, serial, sizeof(serial)))
        return QUIC_ERR_CRYPTO;
    /* RFC 5280 §4.1.2.2: positive, at most 20 octets, minimally encoded. */
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
    der_writer d = {cert, 0, cap, false};
    if (!der_tbs(&d, p, serial, spki, (size_t)spki_len))
        return QUIC_ERR_INVALID_ARGUMENT;
    int n = wc_SignCert_ex((int)d.len, CTC_SHA256wECDSA, cert, (word32)cap,
                           ECC_TYPE, key, rng);
    return n > 0 ? n : QUIC_ERR_CRYPTO;
}

int quic_tls_generate_self_signed(const quic_tls_selfsigned_params *p,
                                  const quic_allocator *a, char **cert_pem,
                                  size_t *cert_len, char **key_pem,
                                  size_t *key_len) {
    *cert_pem = *key_pem = NULL;
    *cert_len = *key_len = 0;
    if (!valid_params(p))
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t cap = 2048 + MAX_NAMES * 260;
    uint8_t *der = quic_mem_malloc(a, cap);
    if (!der)
        return QUIC_ERR_NOMEM;
    WC_RNG rng;
    ecc_key key;
    int ret = QUIC_ERR_CRYPTO;
    if (wc_InitRng(&rng) != 0) {
        quic_mem_free(a, der);
        return QUIC_ERR_CRYPTO;
    }
    if (wc_ecc_init(&key) == 0) {
        if (wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1) == 0) {
            int n = make_cert_der(p, &key, &rng, der, cap);
            ret = n > 0
                      ? to_pem(a, der, (size_t)n, CERT_TYPE, cert_pem, cert_len)
                      : n;
        }
        if (ret == 0) {
            int n = wc_EccKeyToDer(&key, der, (word32)cap);
            ret = n > 0 ? to_pem(a, der, (size_t)n, ECC_PRIVATEKEY_TYPE,
                                 key_pem, key_len)
                        : QUIC_ERR_CRYPTO;
        }
        wc_ecc_free(&key);
    }
    wc_FreeRng(&rng);
    explicit_bzero(der, cap); /* it last held the private key */
    quic_mem_free(a, der);
    if (ret != 0) {
        quic_mem_free(a, *cert_pem);
        *cert_pem = NULL;
        *cert_len = 0;
    }
    return ret;
}

/* ---- Context ------------------------------------------------------------- */

void quic_tls_context_config_init(quic_tls_context_config *cfg,
                                  bool is_client) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->is_client = is_client;
    cfg->verify_peer = is_client;
    cfg->verify_host = is_client;
    cfg->use_system_ca = is_client;
}

void quic_tls_context_config_from(quic_tls_context_config *cfg,
                                  const quic_config *config) {
    quic_tls_context_config_init(cfg, config->is_client);
    cfg->alpn = config->alpn;
    cfg->alpn_count = config->alpn_count;
    cfg->cert_file = config->cert_file;
    cfg->key_file = config->key_file;
    cfg->cert_pem = config->cert_pem;
    cfg->cert_pem_len = config->cert_pem_len;
    cfg->key_pem = config->key_pem;
    cfg->key_pem_len = config->key_pem_len;
    cfg->ca_file = config->ca_file;
    cfg->ca_dir = config->ca_dir;
    cfg->use_system_ca = !config->ca_file && !config->ca_dir;
    cfg->verify_peer = config->verify_peer;
    cfg->verify_host = config->verify_peer;
    cfg->pinned_pubkey = config->pinned_pubkey;
    cfg->cipher_suites = config->cipher_suites;
    cfg->early_data = config->enable_early_data;
    cfg->keylog = config->keylog;
    cfg->keylog_user = config->sink_user;
    cfg->allocator = config->allocator;
}

char *quic_tls_strdup(const quic_allocator *a, const char *str) {
    size_t n = strlen(str) + 1;
    char *p = quic_mem_malloc(a, n);
    if (p)
        memcpy(p, str, n);
    return p;
}

/* Builds both ALPN encodings. Errors: QUIC_ERR_INVALID_ARGUMENT,
 * QUIC_ERR_NOMEM. */
static int set_alpn(quic_tls_context *c, const char *const *alpn, size_t n) {
    size_t total = 0;
    if (n > QUIC_MAX_ALPN)
        return QUIC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        size_t len = alpn[i] ? strlen(alpn[i]) : 0;
        /* RFC 7301 §3.1: 1…255 bytes; a comma would split the csv form. */
        if (len == 0 || len > 255 || strchr(alpn[i], ','))
            return QUIC_ERR_INVALID_ARGUMENT;
        total += len + 1;
    }
    if (n == 0)
        return 0;
    c->alpn_csv = quic_mem_malloc(c->alloc, total);
    c->alpn_wire = quic_mem_malloc(c->alloc, total);
    if (!c->alpn_csv || !c->alpn_wire)
        return QUIC_ERR_NOMEM;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(alpn[i]);
        c->alpn_wire[off] = (uint8_t)len;
        memcpy(c->alpn_wire + off + 1, alpn[i], len);
        memcpy(c->alpn_csv + off, alpn[i], len);
        c->alpn_csv[off + len] = i + 1 < n ? ',' : '\0';
        off += len + 1;
    }
    c->alpn_wire_len = total;
    return 0;
}

/* The pin `serve` prints. This wolfSSL lacks KEEP_OUR_CERT, so the
 * WOLFSSL_CTX cannot give its certificate back: pin it while loading.
 * Errors: QUIC_ERR_TLS_CERTIFICATE. */
static int own_pin(char pin[QUIC_TLS_PIN_LEN],
                   const quic_tls_context_config *cfg) {
    if (cfg->cert_pem)
        return quic_tls_spki_pin_pem(cfg->cert_pem, cfg->cert_pem_len, pin)
                   ? QUIC_ERR_TLS_CERTIFICATE
                   : 0;
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_file(cfg->cert_file,
                                                         WOLFSSL_FILETYPE_PEM);
    int der_len = 0;
    const unsigned char *der = x ? wolfSSL_X509_get_der(x, &der_len) : NULL;
    int err = der && der_len > 0 &&
                      quic_tls_spki_pin_der(der, (size_t)der_len, pin) == 0
                  ? 0
                  : QUIC_ERR_TLS_CERTIFICATE;
    wolfSSL_X509_free(x);
    return err;
}

/* Errors: QUIC_ERR_TLS_CERTIFICATE. */
static int load_own_certificate(WOLFSSL_CTX *ctx, char pin[QUIC_TLS_PIN_LEN],
                                const quic_tls_context_config *cfg) {
    int ok;
    if (cfg->cert_pem)
        ok = wolfSSL_CTX_use_certificate_chain_buffer_format(
            ctx, cfg->cert_pem, (long)cfg->cert_pem_len, WOLFSSL_FILETYPE_PEM);
    else
        ok = wolfSSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file);
    if (ok != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CERTIFICATE;
    if (cfg->key_pem)
        ok = wolfSSL_CTX_use_PrivateKey_buffer(
            ctx, cfg->key_pem, (long)cfg->key_pem_len, WOLFSSL_FILETYPE_PEM);
    else if (cfg->key_file)
        ok = wolfSSL_CTX_use_PrivateKey_file(ctx, cfg->key_file,
                                             WOLFSSL_FILETYPE_PEM);
    else
        ok = WOLFSSL_FAILURE;
    if (ok != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CERTIFICATE;
    return own_pin(pin, cfg);
}

/* Errors: QUIC_ERR_TLS_CA. */
static int load_trust_anchors(WOLFSSL_CTX *ctx,
                              const quic_tls_context_config *cfg) {
    if (cfg->ca_pem &&
        wolfSSL_CTX_load_verify_buffer(ctx, cfg->ca_pem, (long)cfg->ca_pem_len,
                                       WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CA;
    if (cfg->ca_file && wolfSSL_CTX_load_verify_locations(
                            ctx, cfg->ca_file, NULL) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CA;
    /* A hashed directory such as /etc/ssl/certs also holds files that are
     * not certificates: skip those instead of failing on the first. */
    if (cfg->ca_dir && wolfSSL_CTX_load_verify_locations_ex(
                           ctx, NULL, cfg->ca_dir,
                           WOLFSSL_LOAD_FLAG_IGNORE_ERR) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CA;
    if (cfg->use_system_ca && cfg->verify_peer &&
        wolfSSL_CTX_load_system_CA_certs(ctx) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CA;
    return 0;
}

/* Everything of the config that goes into the WOLFSSL_CTX. Errors: those of
 * quic_tls_context_new_ex. */
static int configure_ctx(quic_tls_context *c,
                         const quic_tls_context_config *cfg) {
    WOLFSSL_CTX *ctx = c->ctx;
    const char *suites =
        cfg->cipher_suites ? cfg->cipher_suites : DEFAULT_SUITES;
    if (wolfSSL_CTX_set_cipher_list(ctx, suites) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS_CIPHER_SUITES;
    if (cfg->cert_pem || cfg->cert_file) {
        int err = load_own_certificate(ctx, c->own_pin, cfg);
        if (err)
            return err;
    } else if (!cfg->is_client) {
        return QUIC_ERR_INVALID_ARGUMENT;
    }
    int err = load_trust_anchors(ctx, cfg);
    if (err)
        return err;
    /* The client asks for tickets explicitly (wolfSSL's own QUIC 0-RTT test
     * does the same); the server sends them after the handshake. */
    if (cfg->is_client && wolfSSL_CTX_UseSessionTicket(ctx) != WOLFSSL_SUCCESS)
        return QUIC_ERR_TLS;
    if (!cfg->is_client) {
        /* The client's order decides among the suites both offer: a client
         * without AES instructions lists ChaCha20-Poly1305 first and gets
         * it (wolfSSL would otherwise follow the server's list). */
        if (wolfSSL_CTX_UseClientSuites(ctx) < 0) /* 0 on success */
            return QUIC_ERR_TLS;
        /* wolfSSL answers 0-RTT by default on a server; QUIC wants it only
         * when asked, and then with 0xffffffff (RFC 9001 §4.6.1). */
        if (wolfSSL_CTX_set_max_early_data(ctx, cfg->early_data ? UINT32_MAX
                                                                : 0) < 0)
            return QUIC_ERR_TLS;
    }
    return 0;
}

int quic_tls_context_new_ex(quic_tls_context **out,
                            const quic_tls_context_config *cfg) {
    *out = NULL;
    if (cfg->pinned_pubkey && !quic_tls_pin_list_valid(cfg->pinned_pubkey))
        return QUIC_ERR_TLS_PINNED_PUBKEY;
    quic_tls_context *c = quic_mem_calloc(cfg->allocator, 1, sizeof(*c));
    if (!c)
        return QUIC_ERR_NOMEM;
    c->alloc = cfg->allocator;
    c->is_client = cfg->is_client;
    c->verify_peer = cfg->verify_peer;
    c->verify_host = cfg->verify_host;
    c->early_data = cfg->early_data;
    c->keylog = cfg->keylog;
    c->keylog_user = cfg->keylog_user;
    int err = set_alpn(c, cfg->alpn, cfg->alpn_count);
    if (!err && cfg->pinned_pubkey &&
        !(c->pinned_pubkey = quic_tls_strdup(c->alloc, cfg->pinned_pubkey)))
        err = QUIC_ERR_NOMEM;
    if (!err) {
        c->ctx = wolfSSL_CTX_new(cfg->is_client ? wolfTLSv1_3_client_method()
                                                : wolfTLSv1_3_server_method());
        if (!c->ctx)
            err = QUIC_ERR_NOMEM;
    }
    if (!err)
        err = configure_ctx(c, cfg);
    if (err) {
        quic_tls_context_free(c);
        return err;
    }
    *out = c;
    return 0;
}

int quic_tls_context_new(quic_tls_context **out, const quic_config *config) {
    quic_tls_context_config cfg;
    quic_tls_context_config_from(&cfg, config);
    return quic_tls_context_new_ex(out, &cfg);
}

void quic_tls_context_free(quic_tls_context *c) {
    if (!c)
        return;
    wolfSSL_CTX_free(c->ctx);
    quic_mem_free(c->alloc, c->pinned_pubkey);
    quic_mem_free(c->alloc, c->alpn_csv);
    quic_mem_free(c->alloc, c->alpn_wire);
    quic_mem_free(c->alloc, c);
}

bool quic_tls_context_is_client(const quic_tls_context *c) {
    return c->is_client;
}

int quic_tls_context_spki_pin(const quic_tls_context *c,
                              char out[QUIC_TLS_PIN_LEN]) {
    if (!c->own_pin[0])
        return QUIC_ERR_INVALID_STATE;
    memcpy(out, c->own_pin, QUIC_TLS_PIN_LEN);
    return 0;
}
