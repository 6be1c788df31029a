/* cmd/get_session.c — `get --session-file`: what the next connection to
 * the same origin needs to be faster, kept between runs: the TLS session
 * ticket (with the transport parameters the engine remembers in it, for
 * resumption and 0-RTT), the server's HTTP/3 SETTINGS of the connection
 * that gave it (a 0-RTT client starts with them, RFC 9114 §7.2.4.2) and
 * the server's NEW_TOKEN address token. File I/O only. */
#include "cmd/get.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "h3cli-session 3\n"
#define MAGIC_2 "h3cli-session 2\n" /* still read: no settings */
#define MAX_FILE_BYTES (64 * 1024)

/* The file: MAGIC, "origin host:port\n", "ticket N\n", "token M\n",
 * "settings K\n", then the N bytes of the ticket, the M bytes of the token
 * and the K bytes of the settings (h3_settings_export; 0 when the server's
 * SETTINGS were not known). Format 2 files lack the settings line and
 * bytes. */

bool get_blob_set(get_blob *b, const uint8_t *data, size_t len) {
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    if (len)
        memcpy(copy, data, len);
    free(b->data);
    b->data = copy;
    b->len = len;
    return true;
}

void get_blob_free(get_blob *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* Reads "|key| <value>\n" at *p (before |end|) into |out|. */
static bool read_line(const char **p, const char *end, const char *key,
                      char *out, size_t cap) {
    size_t klen = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl || (size_t)(nl - *p) <= klen + 1 || memcmp(*p, key, klen) != 0 ||
        (*p)[klen] != ' ' || (size_t)(nl - *p) - klen - 1 >= cap)
        return false;
    size_t n = (size_t)(nl - *p) - klen - 1;
    memcpy(out, *p + klen + 1, n);
    out[n] = '\0';
    *p = nl + 1;
    return true;
}

static bool read_size(const char **p, const char *end, const char *key,
                      size_t *out) {
    char num[24], *stop;
    if (!read_line(p, end, key, num, sizeof(num)))
        return false;
    unsigned long long v = strtoull(num, &stop, 10);
    if (*stop || v > MAX_FILE_BYTES)
        return false;
    *out = (size_t)v;
    return true;
}

static bool starts_with(const char *buf, size_t n, const char *magic) {
    return n >= strlen(magic) && memcmp(buf, magic, strlen(magic)) == 0;
}

/* Parses the file's |n| bytes; false when it is not ours or damaged. */
static bool parse(get_run *g, const char *buf, size_t n) {
    const char *p = buf, *end = buf + n;
    size_t tlen, klen, slen = 0;
    bool v2 = starts_with(buf, n, MAGIC_2);
    if (!v2 && !starts_with(buf, n, MAGIC))
        return false;
    p += strlen(MAGIC);
    if (!read_line(&p, end, "origin", g->session_origin,
                   sizeof(g->session_origin)) ||
        !read_size(&p, end, "ticket", &tlen) ||
        !read_size(&p, end, "token", &klen) ||
        (!v2 && !read_size(&p, end, "settings", &slen)) ||
        (size_t)(end - p) != tlen + klen + slen)
        return false;
    const uint8_t *b = (const uint8_t *)p;
    return (tlen == 0 || get_blob_set(&g->session, b, tlen)) &&
           (klen == 0 || get_blob_set(&g->token, b + tlen, klen)) &&
           (slen == 0 || get_blob_set(&g->settings, b + tlen + klen, slen));
}

int get_session_load(get_run *g) {
    const char *path = g->o.session_file;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0; /* the first run makes it */
    char *buf = malloc(MAX_FILE_BYTES);
    ssize_t n = fd < 0 || !buf ? -1 : read(fd, buf, MAX_FILE_BYTES);
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (n < 0) {
        free(buf);
        fprintf(stderr, "h3cli: (26) cannot read the session file %s: %s\n",
                path, strerror(err));
        return GET_READ_ERROR;
    }
    if (!parse(g, buf, (size_t)n)) { /* a full handshake, then rewritten */
        get_blob_free(&g->session);
        get_blob_free(&g->settings);
        get_blob_free(&g->token);
        g->session_origin[0] = '\0';
    }
    free(buf);
    return 0;
}

int get_session_save(get_run *g) {
    if (!g->o.session_file || (!g->new_session.data && !g->new_token.data))
        return 0;
    /* What did not come again is kept if it was for the same origin. */
    bool same = strcmp(g->new_origin, g->session_origin) == 0;
    const get_blob *ticket = g->new_session.data ? &g->new_session
                             : same              ? &g->session
                                                 : NULL;
    /* The settings go with the ticket they came with. */
    const get_blob *settings = g->new_session.data ? &g->new_settings
                               : same              ? &g->settings
                                                   : NULL;
    const get_blob *token = g->new_token.data ? &g->new_token
                            : same            ? &g->token
                                              : NULL;
    size_t len = strlen(g->o.session_file) + 8;
    char *tmp = malloc(len);
    if (!tmp)
        return GET_OUT_OF_MEMORY;
    snprintf(tmp, len, "%s.tmp", g->o.session_file);
    /* Tickets are secrets: readable by their owner only. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    size_t tl = ticket ? ticket->len : 0, kl = token ? token->len : 0;
    size_t sl = settings && settings->data ? settings->len : 0;
    bool ok = f &&
              fprintf(f, "%sorigin %s\nticket %zu\ntoken %zu\nsettings %zu\n",
                      MAGIC, g->new_origin, tl, kl, sl) > 0 &&
              (!tl || fwrite(ticket->data, 1, tl, f) == tl) &&
              (!kl || fwrite(token->data, 1, kl, f) == kl) &&
              (!sl || fwrite(settings->data, 1, sl, f) == sl);
    if (f)
        ok = fclose(f) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    if (ok)
        ok = rename(tmp, g->o.session_file) == 0;
    int err = errno;
    if (!ok) {
        unlink(tmp);
        fprintf(stderr, "h3cli: (23) cannot write the session file %s: %s\n",
                g->o.session_file, strerror(err));
    }
    free(tmp);
    return ok ? 0 : GET_WRITE_ERROR;
}
