/* cmd/output_qlog.c — qlog files for get and serve: naming, directory
 * creation, holding the first records until the connection ID is known. */
#include "cmd/output_qlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *h3cli_qlog_dir(const char *option) {
    if (option)
        return option;
    const char *env = getenv("QLOGDIR");
    return env && *env ? env : NULL;
}

/* mkdir -p: every missing component of |dir|; failures show at fopen. */
static void make_dirs(const char *dir) {
    char *p = strdup(dir);
    if (!p)
        return;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
    free(p);
}

int h3cli_qlog_open(h3cli_qlog *q, const char *dir, const quic_cid *odcid,
                    bool is_client) {
    if (q->failed || q->f)
        return q->failed ? -1 : 0;
    char hex[2 * QUIC_MAX_CID_LEN + 1];
    for (size_t i = 0; i < odcid->len && i < QUIC_MAX_CID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", odcid->data[i]);
    hex[2 * (odcid->len < QUIC_MAX_CID_LEN ? odcid->len : QUIC_MAX_CID_LEN)] =
        '\0';
    size_t len = strlen(dir) + strlen(hex) + 32;
    char *path = malloc(len);
    if (path) {
        snprintf(path, len, "%s/%s_%s.sqlog", dir, hex,
                 is_client ? "client" : "server");
        make_dirs(dir);
        q->f = fopen(path, "wbe");
    }
    if (!q->f) {
        fprintf(stderr, "h3cli: warning: cannot write qlog %s: %s\n",
                path ? path : dir, strerror(path ? errno : ENOMEM));
        q->failed = true;
        free(path);
        free(q->pending);
        q->pending = NULL;
        q->pending_len = 0;
        return -1;
    }
    free(path);
    if (q->pending_len)
        fwrite(q->pending, 1, q->pending_len, q->f);
    free(q->pending);
    q->pending = NULL;
    q->pending_len = 0;
    if (q->finished)
        h3cli_qlog_cleanup(q);
    return 0;
}

static void hold(h3cli_qlog *q, const uint8_t *data, size_t len) {
    if (q->pending_len + len > H3CLI_QLOG_MAX_PENDING) {
        fprintf(stderr, "h3cli: warning: qlog trace cut: too many records "
                        "before the connection ID was known\n");
        q->failed = true;
        return;
    }
    uint8_t *p = realloc(q->pending, q->pending_len + len + 1);
    if (!p) {
        q->failed = true;
        return;
    }
    memcpy(p + q->pending_len, data, len);
    q->pending = p;
    q->pending_len += len;
}

void h3cli_qlog_write(h3cli_qlog *q, const uint8_t *data, size_t len,
                      bool fin) {
    if (q->failed)
        return;
    if (q->f) {
        if (len)
            fwrite(data, 1, len, q->f);
    } else if (len) {
        hold(q, data, len);
    }
    if (fin) {
        q->finished = true;
        if (q->f) {
            fclose(q->f);
            q->f = NULL;
        }
    }
}

void h3cli_qlog_cleanup(h3cli_qlog *q) {
    if (q->f)
        fclose(q->f);
    q->f = NULL;
    free(q->pending);
    q->pending = NULL;
    q->pending_len = 0;
}
