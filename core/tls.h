/* core/tls.h — the TLS boundary of the transport (RFC 9001): a shared TLS
 * context and a per-connection handshake object over wolfSSL's QUIC API, plus
 * certificate helpers (SPKI pins, self-signed certificates). It carries no
 * packets: the connection feeds it CRYPTO bytes per level and pulls out
 * handshake bytes, secrets, the alert and the negotiated facts. Nothing here
 * calls back into the connection; the only outward calls are the keylog sink
 * and the allocator. No wolfSSL type appears in this header. */
#ifndef H3CLI_CORE_TLS_H
#define H3CLI_CORE_TLS_H

#include "core/quic.h"
#include "core/crypto.h" /* QUIC_TLS_* cipher suite ids */
#include "core/level.h"

/* ---- Shared context -------------------------------------------------------
 * One per server, shared by all its connections (the caller keeps it alive
 * until the last quic_tls using it is freed); a client usually has one per
 * connection. It holds the certificate, the CA set, ALPN, cipher suites, the
 * session-ticket key (server) and the keylog sink. Not thread-safe. */

/* Longest traffic secret: SHA-384 for TLS_AES_256_GCM_SHA384. */
#define QUIC_TLS_MAX_SECRET_LEN 48
/* A base64 SHA-256 SPKI pin plus its NUL ("rRp/9+1B…5M="). */
#define QUIC_TLS_PIN_LEN 45

/* Alerts this layer names (RFC 8446 §6); the connection closes with
 * QUIC_CRYPTO_ERROR(alert). */
#define QUIC_TLS_ALERT_HANDSHAKE_FAILURE 40
#define QUIC_TLS_ALERT_BAD_CERTIFICATE 42
#define QUIC_TLS_ALERT_CERTIFICATE_EXPIRED 45
#define QUIC_TLS_ALERT_UNKNOWN_CA 48
#define QUIC_TLS_ALERT_INTERNAL_ERROR 80
#define QUIC_TLS_ALERT_NO_APPLICATION_PROTOCOL 120

typedef struct quic_tls_context_config {
    bool is_client;
    /* ALPN protocols in preference order (each 1…255 bytes). A server
     * selects the first of its own list that the client offers; with no
     * overlap it fails with no_application_protocol (120). */
    const char *const *alpn;
    size_t alpn_count;
    /* Certificate chain (leaf first) and private key, PEM, from buffers or
     * files (buffers win). Required for a server, optional for a client. */
    const uint8_t *cert_pem, *key_pem;
    size_t cert_pem_len, key_pem_len;
    const char *cert_file, *key_file;
    /* Trust anchors for verifying the peer: any combination. */
    const uint8_t *ca_pem;
    size_t ca_pem_len;
    const char *ca_file, *ca_dir;
    bool use_system_ca; /* also load the system store */
    /* Verify the peer's chain against the anchors (client default). */
    bool verify_peer;
    /* Client: also check that the certificate names the server_name given
     * to quic_tls_new (DNS name or IP literal). Ignored without verify_peer. */
    bool verify_host;
    /* "sha256//BASE64[;sha256//BASE64…]": the leaf's SPKI must match one;
     * checked even when verify_peer is false (curl's --pinnedpubkey). */
    const char *pinned_pubkey;
    /* wolfSSL cipher list ("TLS13-CHACHA20-POLY1305-SHA256:…"), NULL for
     * AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. Only TLS 1.3 suites. */
    const char *cipher_suites;
    /* Server: issue tickets that allow 0-RTT (max_early_data_size
     * 0xffffffff, RFC 9001 §4.6.1) and accept 0-RTT. Client: attempt 0-RTT
     * when resuming a session that allows it. */
    bool early_data;
    /* NSS key-log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>",
     * no newline), called synchronously from quic_tls_advance. NULL: none. */
    void (*keylog)(void *user, const char *line);
    void *keylog_user;
    const quic_allocator *allocator; /* NULL = libc */
} quic_tls_context_config;

/* Fills |cfg| with defaults: no ALPN, no certificate, verify_peer and
 * verify_host for a client, the system store for a client, no early data. */
void quic_tls_context_config_init(quic_tls_context_config *cfg, bool is_client);

/* Fills |cfg| from the TLS fields of a connection config: is_client, alpn,
 * certificate/key, ca_file/ca_dir (both NULL: the system store),
 * verify_peer (also the host check), pinned_pubkey, cipher_suites,
 * enable_early_data, keylog + sink_user, allocator. |cfg| borrows the
 * strings of |config|. */
void quic_tls_context_config_from(quic_tls_context_config *cfg,
                                  const quic_config *config);

/* Creates a context. Everything in |cfg| is copied or loaded; nothing is
 * borrowed afterwards except the allocator and the keylog user pointer.
 * Errors: QUIC_ERR_INVALID_ARGUMENT (a server without certificate, an ALPN
 * name of 0 or over 255 bytes, more than QUIC_MAX_ALPN names),
 * QUIC_ERR_TLS_CERTIFICATE (certificate or key unusable or not matching),
 * QUIC_ERR_TLS_CA (a CA source cannot be loaded), QUIC_ERR_TLS_CIPHER_SUITES,
 * QUIC_ERR_TLS_PINNED_PUBKEY (malformed pin list), QUIC_ERR_NOMEM,
 * QUIC_ERR_TLS (wolfSSL refused the setup). */
int quic_tls_context_new_ex(quic_tls_context **out,
                            const quic_tls_context_config *cfg);

/* quic_tls_context_config_from + quic_tls_context_new_ex: the call a server
 * makes once for quic_config.tls_context. Errors as quic_tls_context_new_ex. */
int quic_tls_context_new(quic_tls_context **out, const quic_config *config);

/* Frees |ctx|; NULL is accepted. No quic_tls made from it may remain. */
void quic_tls_context_free(quic_tls_context *ctx);

bool quic_tls_context_is_client(const quic_tls_context *ctx);

/* The base64 SHA-256 SPKI pin of the context's own (leaf) certificate into
 * |out| (what `serve` prints). Errors: QUIC_ERR_INVALID_STATE (none). */
int quic_tls_context_spki_pin(const quic_tls_context *ctx,
                              char out[QUIC_TLS_PIN_LEN]);

/* ---- Per-connection handshake ---------------------------------------------
 */

typedef struct quic_tls quic_tls;

typedef struct quic_tls_params {
    /* Client: the name sent in SNI (not for IP literals, RFC 6066 §3) and
     * checked against the certificate. NULL: neither. Ignored by a server. */
    const char *server_name;
    /* Our encoded transport parameters (RFC 9000 §18), sent in the
     * quic_transport_parameters extension (codepoint 0x39). Required. */
    const uint8_t *transport_params;
    size_t transport_params_len;
    /* Client: a session from quic_tls_take_session_ticket of an earlier
     * connection to resume (and, with early data on in the context, to send
     * 0-RTT with). NULL: a full handshake. */
    const uint8_t *session;
    size_t session_len;
    /* Server: decline 0-RTT on this connection even though the context
     * accepts it (RFC 9001 §4.6.2), e.g. when the remembered transport
     * parameters or the ALPN no longer allow it. */
    bool refuse_early_data;
    const quic_allocator *allocator; /* NULL = libc */
} quic_tls_params;

/* Creates the handshake object of one connection; its role is the
 * context's. A client's first flight is produced by the first
 * quic_tls_advance. Errors: QUIC_ERR_INVALID_ARGUMENT (no transport
 * parameters, or over 65535 bytes), QUIC_ERR_TLS_SESSION (|session| cannot
 * be decoded), QUIC_ERR_NOMEM, QUIC_ERR_TLS. */
int quic_tls_new(quic_tls **out, quic_tls_context *ctx,
                 const quic_tls_params *params);

/* Frees |tls| and wipes its secrets; NULL is accepted. */
void quic_tls_free(quic_tls *tls);

/* Hands CRYPTO-frame bytes received at |level| to TLS, in stream order
 * and split anywhere (the connection reassembles). Nothing is processed
 * until quic_tls_advance. Errors: QUIC_ERR_TLS_CRYPTO_LEVEL — a level below
 * the one TLS reads at, a higher level while a message of a lower one is
 * incomplete, or bytes wolfSSL refuses (RFC 9001 §4.1.3: the connection
 * closes with PROTOCOL_VIOLATION); QUIC_ERR_INVALID_ARGUMENT (bad level,
 * including EARLY_DATA); QUIC_ERR_INVALID_STATE (the handshake failed);
 * QUIC_ERR_NOMEM; QUIC_ERR_TLS. */
int quic_tls_provide(quic_tls *tls, quic_level level, const uint8_t *data,
                     size_t len);

/* Runs the handshake (or, once complete, post-handshake messages such as
 * NewSessionTicket) as far as the provided bytes allow; afterwards pull the
 * outputs below. Returns 0 when it did what it could (including "needs more
 * data"). Errors: QUIC_ERR_TLS — the handshake failed; quic_tls_alert gives
 * the alert to close with (QUIC_CRYPTO_ERROR(alert)), and every later call
 * returns it again. QUIC_ERR_NOMEM. */
int quic_tls_advance(quic_tls *tls);

/* Server, before the quic_tls_advance that answers the ClientHello: once
 * the whole ClientHello has been provided (and until that advance), finds
 * its extension |type| (RFC 8446 §4.2: 0x39 the transport parameters, 0x2a
 * early_data) in a bounds-checked copy that wolfSSL has not vetted yet.
 * Returns 1 and points |*body| (|*len| bytes, valid until the next
 * quic_tls_provide or quic_tls_advance) at it, 0 when the ClientHello has
 * no such extension, -1 when no complete ClientHello is held (a client,
 * an incomplete one, one past 64 KB, or after that advance). */
int quic_tls_client_hello_extension(const quic_tls *tls, unsigned type,
                                    const uint8_t **body, size_t *len);

/* Replaces our transport parameters before TLS has sent them (a server
 * fixing its version_information once it has read the ClientHello, RFC
 * 9368 §3). Errors: QUIC_ERR_INVALID_ARGUMENT (empty or over 65535 bytes),
 * QUIC_ERR_NOMEM. */
int quic_tls_set_transport_params(quic_tls *tls, const uint8_t *params,
                                  size_t len);

/* Handshake bytes to send at |level| (in CRYPTO frames, in order): a view of
 * the |*len| pending bytes, valid until the next call on |tls| other than
 * the getters. NULL with *len 0 when there are none. */
const uint8_t *quic_tls_peek_handshake(const quic_tls *tls, quic_level level,
                                       size_t *len);
/* Drops the first |n| pending bytes of |level| (clamped to what is pending):
 * the connection has copied them into its CRYPTO send buffer. */
void quic_tls_consume_handshake(quic_tls *tls, quic_level level, size_t n);

/* One newly installed traffic secret. For a client the 0-RTT secret is a
 * write secret, for a server a read secret; the other levels come as a
 * read and a write secret, possibly from one wolfSSL call. The Initial
 * secrets are not here: the connection derives them from the DCID. */
typedef struct quic_tls_secret {
    quic_level level;
    bool is_write;         /* ours to send with; false: to receive with */
    uint16_t cipher_suite; /* 0x1301, 0x1302 or 0x1303 */
    size_t len;            /* 32 or 48 */
    uint8_t secret[QUIC_TLS_MAX_SECRET_LEN];
} quic_tls_secret;

/* Pops the oldest secret not yet taken into |out|; false when none. The
 * caller wipes its copy when done with it. */
bool quic_tls_next_secret(quic_tls *tls, quic_tls_secret *out);

/* The TLS alert (0…255) the handshake failed with, or -1. When wolfSSL
 * fails without naming an alert this is internal_error (80). */
int quic_tls_alert(const quic_tls *tls);

/* wolfSSL's description of the failure for logs ("" before any). */
const char *quic_tls_error_string(const quic_tls *tls);

/* Why certificate verification failed (client), to tell the user more than
 * the alert does (curl's exit codes 60 and 90, "no alternative certificate
 * subject name matches"). */
typedef enum quic_tls_verify_error {
    QUIC_TLS_VERIFY_OK = 0,
    QUIC_TLS_VERIFY_CHAIN, /* untrusted, expired, badly signed … */
    QUIC_TLS_VERIFY_NAME,  /* the certificate does not name server_name */
    QUIC_TLS_VERIFY_PIN,   /* the SPKI is not among the pinned ones */
} quic_tls_verify_error;

quic_tls_verify_error quic_tls_verify_result(const quic_tls *tls);

/* True once the handshake is complete on this side (client: it has sent
 * Finished; server: it has received the client's Finished). */
bool quic_tls_handshake_complete(const quic_tls *tls);

/* The peer's transport parameters as received (client: from
 * EncryptedExtensions; server: from the ClientHello). False until they
 * arrive. The view is valid until quic_tls_free. */
bool quic_tls_peer_transport_params(const quic_tls *tls, const uint8_t **data,
                                    size_t *len);

/* The negotiated ALPN protocol (NUL-terminated, valid until quic_tls_free),
 * or NULL before negotiation or without one. */
const char *quic_tls_alpn(quic_tls *tls);

/* Server: the SNI host name the client sent, or NULL. Client: NULL. */
const char *quic_tls_server_name(const quic_tls *tls);

/* True when the completed handshake resumed a session (a PSK was used). */
bool quic_tls_session_resumed(const quic_tls *tls);

/* The negotiated cipher suite id, 0 before ServerHello. */
uint16_t quic_tls_cipher_suite(const quic_tls *tls);

typedef enum quic_tls_early_data {
    QUIC_TLS_EARLY_DATA_NONE = 0,  /* not offered (client) / none (server) */
    QUIC_TLS_EARLY_DATA_ATTEMPTED, /* client: 0-RTT sent, answer unknown */
    QUIC_TLS_EARLY_DATA_ACCEPTED,
    QUIC_TLS_EARLY_DATA_REJECTED, /* client: the server declined it */
} quic_tls_early_data;

quic_tls_early_data quic_tls_early_data_status(const quic_tls *tls);

/* Client: once per NewSessionTicket received, a serialized session to pass
 * as quic_tls_params.session to a later connection with the same server. The
 * bytes stay owned by |tls|, valid until a newer ticket replaces them (in a
 * later quic_tls_advance) or quic_tls_free; false when no ticket arrived
 * since the last call. */
bool quic_tls_take_session_ticket(quic_tls *tls, const uint8_t **data,
                                  size_t *len);

/* ---- Certificates (core/tls_certs.c) ------------------------------------- */

/* The base64 SHA-256 of the SubjectPublicKeyInfo of the first certificate
 * in |pem| into |out| (NUL-terminated), as `openssl x509 -pubkey | openssl
 * pkey -pubin -outform der | openssl dgst -sha256 -binary | base64` prints.
 * Errors: QUIC_ERR_MALFORMED (no parsable certificate), QUIC_ERR_NOMEM,
 * QUIC_ERR_CRYPTO. */
int quic_tls_spki_pin_pem(const uint8_t *pem, size_t len,
                          char out[QUIC_TLS_PIN_LEN]);
/* The same for one DER certificate. */
int quic_tls_spki_pin_der(const uint8_t *der, size_t len,
                          char out[QUIC_TLS_PIN_LEN]);

/* True when |pin| ("sha256//B64[;sha256//B64…]") lists |spki_pin|. */
bool quic_tls_pin_list_matches(const char *pin_list, const char *spki_pin);
/* True when |pin_list| is well formed (at least one sha256// entry, each
 * exactly 44 base64 characters). */
bool quic_tls_pin_list_valid(const char *pin_list);

/* What a self-signed certificate is made for. */
typedef struct quic_tls_selfsigned_params {
    /* DNS names and IP-address literals ("localhost", "127.0.0.1", "::1")
     * for subjectAltName; the first is also the subject CN. At least one,
     * at most 16, each under 256 bytes. */
    const char *const *names;
    size_t name_count;
    /* Validity: from |not_before| (Unix seconds, UTC) for |days| days. The
     * engine reads no clock: the caller passes the time. */
    int64_t not_before;
    uint32_t days;
} quic_tls_selfsigned_params;

/* Generates an ECDSA P-256 key and a self-signed X.509 v3 certificate for
 * the names (basicConstraints CA:FALSE, keyUsage digitalSignature, EKU
 * serverAuth), as NUL-terminated PEM ("CERTIFICATE", "EC PRIVATE KEY")
 * allocated through |a|; the caller frees both with quic_mem_free(a, ·).
 * Errors: QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. */
int quic_tls_generate_self_signed(const quic_tls_selfsigned_params *params,
                                  const quic_allocator *a, char **cert_pem,
                                  size_t *cert_len, char **key_pem,
                                  size_t *key_len);

/* ---- Internal to core/tls_*.c ---------------------------------------------
 */

/* A copy of |str| through |a|, or NULL. */
char *quic_tls_strdup(const quic_allocator *a, const char *str);

/* True when the DER certificate names |ip| (4 or 16 bytes) in an iPAddress
 * subjectAltName (RFC 5280 §4.2.1.6). */
bool quic_tls_cert_has_ip(const uint8_t *der, size_t len, const uint8_t *ip,
                          size_t ip_len);

/* ----
 * The context's fields, shared by tls_certs.c (which builds it) and
 * tls_wolfssl.c (which makes connections from it). Nobody else touches them.
 */
struct WOLFSSL_CTX;
struct quic_tls_context {
    struct WOLFSSL_CTX *ctx;
    const quic_allocator *alloc;
    bool is_client, verify_peer, verify_host, early_data;
    char *pinned_pubkey;
    /* ALPN as wolfSSL_UseALPN wants it (comma-separated) and as the wire
     * has it (length-prefixed), for the server's own selection. */
    char *alpn_csv;
    uint8_t *alpn_wire;
    size_t alpn_wire_len;
    void (*keylog)(void *user, const char *line);
    void *keylog_user;
    char own_pin[QUIC_TLS_PIN_LEN]; /* of our leaf; "" without one */
};

#endif
