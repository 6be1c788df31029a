/* cmd/tls_files.c — CA selection from options and environment, the
 * server's certificate files or self-signed certificate, and the
 * SSLKEYLOGFILE sink. */
#include "cmd/tls_files.h"

#include "core/quic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A PEM file over this is not a certificate anyone meant to give us. */
#define MAX_PEM_BYTES (1024 * 1024)

static const char *env_nonempty(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void h3cli_tls_client_ca(const char *cacert, const char **ca_file,
                         const char **ca_dir) {
    *ca_file = cacert;
    if (!*ca_file)
        *ca_file = env_nonempty("CURL_CA_BUNDLE");
    if (!*ca_file)
        *ca_file = env_nonempty("SSL_CERT_FILE");
    /* A directory is read file by file (hundreds in /etc/ssl/certs): use
     * it only when no bundle file was named. */
    *ca_dir = *ca_file ? NULL : env_nonempty("SSL_CERT_DIR");
}

int h3cli_tls_check_readable(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? 0 : -errno;
    if (rc == 0 && S_ISDIR(st.st_mode))
        rc = -EISDIR;
    close(fd);
    return rc;
}

/* Reads a whole (small) file into a NUL-terminated heap string. */
static int read_file(const char *path, char **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int err = fstat(fd, &st) != 0                                  ? -errno
              : S_ISDIR(st.st_mode)                                ? -EISDIR
              : !S_ISREG(st.st_mode) || st.st_size > MAX_PEM_BYTES ? -EFBIG
                                                                   : 0;
    if (err < 0) {
        close(fd);
        return err;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? -errno : -EIO;
            free(buf);
            close(fd);
            return err;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

static int load_files(h3cli_server_identity *id, const char *cert_file,
                      const char *key_file, char *err, size_t errlen) {
    int rc = read_file(cert_file, &id->cert_pem, &id->cert_len);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read certificate %s: %s", cert_file,
                 strerror(-rc));
        return -1;
    }
    rc = read_file(key_file, &id->key_pem, &id->key_len);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read key %s: %s", key_file,
                 strerror(-rc));
        h3cli_server_identity_cleanup(id);
        return -1;
    }
    return 0;
}

int h3cli_server_identity_load(h3cli_server_identity *id, const char *cert_file,
                               const char *key_file,
                               const char *const *extra_names, size_t n_extra,
                               char *err, size_t errlen) {
    memset(id, 0, sizeof(*id));
    if (cert_file || key_file) {
        if (!cert_file || !key_file) {
            snprintf(err, errlen, "--cert and --key go together");
            return -1;
        }
        return load_files(id, cert_file, key_file, err, errlen);
    }
    const char *names[16] = {"localhost", "127.0.0.1", "::1"};
    size_t n = 3;
    for (size_t i = 0; i < n_extra && n < 16; i++) {
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || strcmp(names[j], extra_names[i]) == 0;
        if (!dup && extra_names[i][0] && strlen(extra_names[i]) < 256)
            names[n++] = extra_names[i];
    }
    int rc = quic_generate_self_signed(names, n, (int64_t)time(NULL) - 3600, 14,
                                       &id->cert_pem, &id->cert_len,
                                       &id->key_pem, &id->key_len);
    if (rc < 0) {
        snprintf(err, errlen, "cannot generate a certificate: %s",
                 quic_strerror(rc));
        return -1;
    }
    id->self_signed = true;
    return 0;
}

void h3cli_server_identity_cleanup(h3cli_server_identity *id) {
    if (id->key_pem)
        memset(id->key_pem, 0, id->key_len);
    free(id->cert_pem);
    free(id->key_pem);
    memset(id, 0, sizeof(*id));
}

FILE *h3cli_keylog_open(void) {
    const char *path = env_nonempty("SSLKEYLOGFILE");
    if (!path)
        return NULL;
    FILE *f = fopen(path, "ae");
    if (!f)
        fprintf(stderr, "h3cli: warning: cannot open SSLKEYLOGFILE %s: %s\n",
                path, strerror(errno));
    return f;
}

void h3cli_keylog_write(void *user, const char *line) {
    FILE *f = user;
    if (!f)
        return;
    fprintf(f, "%s\n", line);
    fflush(f);
}
