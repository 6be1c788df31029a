/* cmd/tls_files.h — the files and environment around TLS for the
 * subcommands: which CA bundle a client trusts (--cacert, CURL_CA_BUNDLE,
 * SSL_CERT_FILE, SSL_CERT_DIR), the server's certificate (PEM files or a
 * self-signed one made at start) and the SSLKEYLOGFILE sink. No TLS logic:
 * the engine loads and checks what is named here. */
#ifndef H3CLI_CMD_TLS_FILES_H
#define H3CLI_CMD_TLS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The trust anchors of a client: |cacert| (--cacert) when given, else
 * CURL_CA_BUNDLE, else SSL_CERT_FILE; without any of them the directory
 * SSL_CERT_DIR. Both NULL means the system store. Strings are borrowed
 * from |cacert| or the environment. */
void h3cli_tls_client_ca(const char *cacert, const char **ca_file,
                         const char **ca_dir);

/* 0 when |path| can be opened for reading, else a negative errno; the
 * engine reports unusable contents, this gives "No such file" clearly. */
int h3cli_tls_check_readable(const char *path);

/* A server's certificate and key as PEM in memory, from files or freshly
 * generated. */
typedef struct h3cli_server_identity {
    char *cert_pem, *key_pem; /* NUL-terminated, heap */
    size_t cert_len, key_len;
    bool self_signed;
} h3cli_server_identity;

/* Reads |cert_file| and |key_file| (both given), or generates an ECDSA
 * P-256 certificate for localhost, 127.0.0.1 and ::1 plus |extra_names|
 * (|n_extra|, e.g. the --listen hosts) valid from an hour ago for 14 days.
 * Returns 0, or -1 with a one-line reason in |err| ("cannot read
 * certificate x.pem: No such file or directory"). */
int h3cli_server_identity_load(h3cli_server_identity *id, const char *cert_file,
                               const char *key_file,
                               const char *const *extra_names, size_t n_extra,
                               char *err, size_t errlen);
void h3cli_server_identity_cleanup(h3cli_server_identity *id);

/* The key log: SSLKEYLOGFILE opened for appending, or NULL when unset or
 * unopenable (a warning is printed on stderr then). */
FILE *h3cli_keylog_open(void);

/* A quic_config.keylog sink: |user| is the FILE from h3cli_keylog_open;
 * writes |line| and a newline and flushes, so a crash loses nothing. */
void h3cli_keylog_write(void *user, const char *line);

#endif
