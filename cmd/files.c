/* cmd/files.c — request path to open file under the served root: strict
 * decoding and segment checks first, then openat2(RESOLVE_BENEATH) or a
 * component-by-component O_NOFOLLOW walk; it never reads file contents. */
#define _GNU_SOURCE
#include "cmd/files.h"

#include "cmd/listing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* The request path after validation. */
typedef struct req_path {
    char *rel;           /* decoded segments joined by '/', "" for the root */
    size_t plen;         /* bytes of the raw path before '?' */
    bool trailing_slash; /* the raw path ended in '/' */
} req_path;

static int openat2_beneath(int dirfd, const char *rel, int flags) {
    struct open_how how = {.flags = (uint64_t)flags,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
}

int h3cli_files_root_open(h3cli_files_root *root, const char *dir,
                          bool allow_dotfiles) {
    root->allow_dotfiles = allow_dotfiles;
    root->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root->dirfd < 0)
        return -errno;
    int fd = openat2_beneath(root->dirfd, ".", O_PATH | O_CLOEXEC);
    root->use_openat2 = fd >= 0;
    if (fd >= 0)
        close(fd);
    return 0;
}

void h3cli_files_root_close(h3cli_files_root *root) {
    if (root->dirfd >= 0)
        close(root->dirfd);
    root->dirfd = -1;
}

void h3cli_file_cleanup(h3cli_file *f) {
    if (f->fd >= 0)
        close(f->fd);
    free(f->name);
    free(f->body);
    free(f->location);
    f->fd = -1;
    f->name = f->body = f->location = NULL;
}

static int hex(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes |len| bytes (escapes already validated) into |out|;
 * returns the decoded length. */
static size_t decode(const char *s, size_t len, char *out) {
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            out[w++] = (char)(hex((unsigned char)s[i + 1]) * 16 +
                              hex((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[w++] = s[i];
        }
    }
    return w;
}

/* The checks on one decoded segment; false means 404. */
static bool segment_ok(const char *seg, size_t len, bool allow_dotfiles) {
    if (len == 0 || len > NAME_MAX || memchr(seg, '\0', len) ||
        memchr(seg, '/', len) || memchr(seg, '\\', len))
        return false;
    if ((len == 1 && seg[0] == '.') || (len == 2 && !memcmp(seg, "..", 2)))
        return false;
    return seg[0] != '.' || allow_dotfiles;
}

/* Validates and decodes the raw path into |rp|. Returns 0 or a negated
 * status. */
static int parse_path(const char *path, size_t len, bool allow_dotfiles,
                      req_path *rp) {
    if (len == 0 || path[0] != '/')
        return H3CLI_FILES_ERR_BAD_REQUEST;
    const char *q = memchr(path, '?', len);
    size_t plen = q ? (size_t)(q - path) : len;
    for (size_t i = 0; i < plen; i++)
        if (path[i] == '%' &&
            (i + 2 >= plen || hex(path[i + 1]) < 0 || hex(path[i + 2]) < 0))
            return H3CLI_FILES_ERR_BAD_REQUEST;
    if (memchr(path, '\0', plen) || memchr(path, '\\', plen))
        return H3CLI_FILES_ERR_NOT_FOUND;
    rp->plen = plen;
    rp->trailing_slash = path[plen - 1] == '/';
    rp->rel = malloc(plen + 1);
    if (!rp->rel)
        return H3CLI_FILES_ERR_INTERNAL;
    const char *s = path + 1, *end = path + plen - rp->trailing_slash;
    size_t w = 0;
    while (s < end) {
        const char *slash = memchr(s, '/', (size_t)(end - s));
        const char *seg_end = slash ? slash : end;
        size_t n = decode(s, (size_t)(seg_end - s), rp->rel + w);
        if (!segment_ok(rp->rel + w, n, allow_dotfiles))
            return H3CLI_FILES_ERR_NOT_FOUND;
        w += n;
        if (slash)
            rp->rel[w++] = '/';
        s = slash ? slash + 1 : end;
    }
    if (w > 0 && rp->rel[w - 1] == '/') /* "a//" style: empty last segment */
        return H3CLI_FILES_ERR_NOT_FOUND;
    if (plen > 1 && path[1] == '/') /* "//x": an empty first segment */
        return H3CLI_FILES_ERR_NOT_FOUND;
    rp->rel[w] = '\0';
    return 0;
}

/* Opens |rel| below the root one component at a time, refusing every
 * symlink (O_NOFOLLOW): the fallback when openat2 is unavailable. */
static int walk_open(int rootfd, const char *rel, int flags) {
    int cur = rootfd;
    char seg[NAME_MAX + 1];
    for (;;) {
        size_t n = strcspn(rel, "/");
        memcpy(seg, rel, n); /* parse_path bounded each segment */
        seg[n] = '\0';
        bool last = rel[n] == '\0';
        int fd = openat(cur, seg,
                        last ? flags | O_NOFOLLOW
                             : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        if (cur != rootfd)
            close(cur);
        if (fd < 0 || last) {
            errno = saved;
            return fd;
        }
        cur = fd;
        rel += n + 1;
    }
}

/* Opens |rel| ("" = the root) beneath the root. Returns the descriptor or
 * a negated status. */
static int open_beneath(const h3cli_files_root *root, const char *rel) {
    int fd;
    if (rel[0] == '\0')
        fd = openat(root->dirfd, ".", OPEN_FLAGS | O_DIRECTORY);
    else if (root->use_openat2)
        fd = openat2_beneath(root->dirfd, rel, OPEN_FLAGS);
    else
        fd = walk_open(root->dirfd, rel, OPEN_FLAGS);
    if (fd >= 0)
        return fd;
    switch (errno) {
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EIO:
    case EINTR: return H3CLI_FILES_ERR_INTERNAL;
    default:
        /* ENOENT, ENOTDIR, ELOOP (a symlink), EXDEV (escaping the root),
         * EACCES, ENAMETOOLONG, ENXIO, ...: nothing to serve */
        return H3CLI_FILES_ERR_NOT_FOUND;
    }
}

/* Fills a REGULAR result from an open descriptor; consumes |fd|. */
static int regular(int fd, const struct stat *st, const char *name,
                   h3cli_file *out) {
    out->name = strdup(name);
    /* O_NONBLOCK only kept a FIFO from blocking the open. */
    if (!out->name || fcntl(fd, F_SETFL, 0) != 0) {
        close(fd);
        return H3CLI_FILES_ERR_INTERNAL;
    }
    out->kind = H3CLI_FILE_REGULAR;
    out->fd = fd;
    out->st = *st;
    return 0;
}

static int redirect(const char *path, size_t len, size_t plen,
                    h3cli_file *out) {
    out->location = malloc(len + 2);
    if (!out->location)
        return H3CLI_FILES_ERR_INTERNAL;
    memcpy(out->location, path, plen);
    out->location[plen] = '/';
    memcpy(out->location + plen + 1, path + plen, len - plen);
    out->location[len + 1] = '\0';
    out->kind = H3CLI_FILE_REDIRECT;
    return 0;
}

/* A directory: its index.html if that is a regular file, else a listing.
 * Consumes |dirfd|. */
static int directory(const h3cli_files_root *root, const char *rel, int dirfd,
                     const struct stat *st, h3cli_file *out) {
    size_t rlen = strlen(rel);
    char *name = malloc(rlen + sizeof("/index.html"));
    if (!name) {
        close(dirfd);
        return H3CLI_FILES_ERR_INTERNAL;
    }
    strcpy(name, rel);
    strcpy(name + rlen, rlen ? "/index.html" : "index.html");
    int fd = open_beneath(root, name);
    struct stat ist;
    if (fd >= 0 && fstat(fd, &ist) == 0 && S_ISREG(ist.st_mode)) {
        close(dirfd);
        int rc = regular(fd, &ist, name, out);
        free(name);
        return rc;
    }
    if (fd >= 0)
        close(fd);
    /* The title: "/" + rel + "/" */
    name[0] = '/';
    memcpy(name + 1, rel, rlen);
    strcpy(name + 1 + rlen, rlen ? "/" : "");
    int rc = h3cli_listing_build(dirfd, name, root->allow_dotfiles, &out->body,
                                 &out->body_len);
    free(name);
    close(dirfd);
    if (rc != 0)
        return H3CLI_FILES_ERR_INTERNAL;
    out->kind = H3CLI_FILE_LISTING;
    out->st = *st;
    return 0;
}

int h3cli_files_lookup(const h3cli_files_root *root, const char *path,
                       size_t len, h3cli_file *out) {
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    req_path rp = {NULL, 0, false};
    int rc = parse_path(path, len, root->allow_dotfiles, &rp);
    int fd = rc == 0 ? open_beneath(root, rp.rel) : rc;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) != 0) {
        close(fd);
        fd = H3CLI_FILES_ERR_INTERNAL;
    }
    if (fd < 0) {
        free(rp.rel);
        return fd;
    }
    if (S_ISREG(st.st_mode) && !rp.trailing_slash) {
        rc = regular(fd, &st, rp.rel, out);
    } else if (S_ISDIR(st.st_mode) && !rp.trailing_slash) {
        close(fd);
        rc = redirect(path, len, rp.plen, out);
    } else if (S_ISDIR(st.st_mode)) {
        rc = directory(root, rp.rel, fd, &st, out);
    } else {
        close(fd); /* a FIFO, socket or device, or "file/" */
        rc = H3CLI_FILES_ERR_NOT_FOUND;
    }
    free(rp.rel);
    if (rc != 0)
        h3cli_file_cleanup(out);
    return rc;
}
