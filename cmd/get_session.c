/* cmd/get_session.c — `get --session-file`: a TLS session ticket (with the
 * transport parameters the engine remembers in it) kept between runs for
 * one origin, so the next connection to it resumes. File I/O only. */
#include "cmd/get.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "h3cli-session 1\n"
#define MAX_FILE_BYTES (64 * 1024)

/* The file: MAGIC, "origin host:port\n", then the ticket's bytes. */

int get_session_load(get_run *g) {
    const char *path = g->o.session_file;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0; /* the first run makes it */
    uint8_t *buf = malloc(MAX_FILE_BYTES);
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
    size_t magic = strlen(MAGIC);
    const uint8_t *origin = buf + magic;
    const uint8_t *nl =
        (size_t)n > magic ? memchr(origin, '\n', (size_t)n - magic) : NULL;
    if ((size_t)n <= magic || memcmp(buf, MAGIC, magic) != 0 || !nl ||
        nl - origin < 8 || memcmp(origin, "origin ", 7) != 0 ||
        (size_t)(nl - origin) - 7 >= sizeof(g->session_origin) ||
        nl + 1 >= buf + n) {
        free(buf);
        return 0; /* not ours or damaged: a full handshake, then rewritten */
    }
    memcpy(g->session_origin, origin + 7, (size_t)(nl - origin) - 7);
    g->session_origin[nl - origin - 7] = '\0';
    g->session_len = (size_t)(buf + n - (nl + 1));
    memmove(buf, nl + 1, g->session_len);
    g->session = buf;
    return 0;
}

int get_session_save(get_run *g) {
    if (!g->o.session_file || !g->new_session)
        return 0;
    size_t len = strlen(g->o.session_file) + 8;
    char *tmp = malloc(len);
    if (!tmp)
        return GET_OUT_OF_MEMORY;
    snprintf(tmp, len, "%s.tmp", g->o.session_file);
    /* A ticket is a secret: readable by its owner only. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    bool ok =
        f && fprintf(f, "%sorigin %s\n", MAGIC, g->new_session_origin) > 0 &&
        fwrite(g->new_session, 1, g->new_session_len, f) == g->new_session_len;
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
