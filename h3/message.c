/* h3/message.c — RFC 9114 §4 rules for decoded field sections and for the
 * sequence of HEADERS and DATA on one stream; not frame parsing, not QPACK. */
#include "h3/message.h"

#include <string.h>

/* ---- Byte-string helpers ------------------------------------------------- */

static bool bytes_eq(const uint8_t *p, size_t len, const char *lit) {
    size_t n = strlen(lit);
    return len == n && (n == 0 || memcmp(p, lit, n) == 0);
}

static uint8_t ascii_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool bytes_eq_nocase(const uint8_t *p, size_t len, const char *lit) {
    size_t n = strlen(lit);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(p[i]) != (uint8_t)lit[i])
            return false;
    return true;
}

/* RFC 9110 §5.6.2 tchar, minus uppercase letters: RFC 9114 §4.2 makes
 * uppercase field names malformed. */
static bool is_name_char(uint8_t c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token_char(uint8_t c) {
    return (c >= 'A' && c <= 'Z') || is_name_char(c);
}

static bool is_token(const uint8_t *p, size_t len) {
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char(p[i]))
            return false;
    return true;
}

/* RFC 9114 §4.2 "invalid characters in field ... values": as HTTP/2
 * (RFC 9113 §8.2.1), no NUL, CR or LF, and no leading or trailing SP/HTAB
 * (RFC 9110 §5.5). */
static bool is_valid_value(const uint8_t *p, size_t len) {
    if (len > 0 && (p[0] == ' ' || p[0] == '\t' || p[len - 1] == ' ' ||
                    p[len - 1] == '\t'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] == 0 || p[i] == '\r' || p[i] == '\n')
            return false;
    return true;
}

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static bool is_scheme(const uint8_t *p, size_t len) {
    if (len == 0 || !((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'))
        return false;
    for (size_t i = 1; i < len; i++) {
        uint8_t c = p[i];
        bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        if (!alpha && !(c >= '0' && c <= '9') && c != '+' && c != '-' &&
            c != '.')
            return false;
    }
    return true;
}

/* RFC 9110 §8.6: Content-Length = 1*DIGIT. Returns -1 if invalid. */
static int64_t parse_content_length(const uint8_t *p, size_t len) {
    if (len == 0)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        if (v > (INT64_MAX - (p[i] - '0')) / 10)
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* ---- Validation of one field section ------------------------------------- */

enum pseudo {
    PS_METHOD = 1 << 0,
    PS_SCHEME = 1 << 1,
    PS_AUTHORITY = 1 << 2,
    PS_PATH = 1 << 3,
    PS_PROTOCOL = 1 << 4,
    PS_STATUS = 1 << 5,
};

/* State while walking the fields. */
typedef struct walk {
    h3_message_kind kind;
    unsigned seen_pseudo;
    bool seen_regular;
    h3_bytes host;
    h3_bytes status;
    h3_message_info *out;
} walk;

static int malformed(h3_message_info *out, const char *why) {
    out->error = why;
    return H3_ERR_MESSAGE;
}

/* Which pseudo-header |name| is, for |kind|, and where its value goes;
 * 0 if it is not defined there (§4.3: undefined ones are malformed). */
static unsigned pseudo_slot(walk *w, const h3_header *h, h3_bytes **dst) {
    static const struct {
        const char *name;
        unsigned bit;
    } request_pseudo[] = {
        {":method", PS_METHOD},       {":scheme", PS_SCHEME},
        {":authority", PS_AUTHORITY}, {":path", PS_PATH},
        {":protocol", PS_PROTOCOL},
    };
    if (w->kind == H3_MESSAGE_RESPONSE) {
        *dst = &w->status;
        return bytes_eq(h->name, h->name_len, ":status") ? PS_STATUS : 0;
    }
    h3_bytes *slots[] = {&w->out->method, &w->out->scheme, &w->out->authority,
                         &w->out->path, &w->out->protocol};
    for (size_t i = 0; i < 5; i++)
        if (bytes_eq(h->name, h->name_len, request_pseudo[i].name)) {
            *dst = slots[i];
            return request_pseudo[i].bit;
        }
    return 0;
}

static int check_pseudo(walk *w, const h3_header *h) {
    /* §4.3: "Pseudo-header fields MUST NOT appear in trailer sections." */
    if (w->kind == H3_MESSAGE_TRAILERS)
        return malformed(w->out, "pseudo-header field in trailers");
    /* §4.3: "All pseudo-header fields MUST appear in the header section
     * before regular header fields." */
    if (w->seen_regular)
        return malformed(w->out, "pseudo-header field after a regular field");
    h3_bytes *dst;
    unsigned bit = pseudo_slot(w, h, &dst);
    if (bit == 0)
        return malformed(w->out, "undefined pseudo-header field");
    if (w->seen_pseudo & bit)
        return malformed(w->out, "duplicate pseudo-header field");
    w->seen_pseudo |= bit;
    *dst = (h3_bytes){h->value ? h->value : (const uint8_t *)"", h->value_len};
    return 0;
}

/* §4.2: connection-specific fields make a message malformed; TE is allowed
 * in requests with the value "trailers" only. */
static int check_connection_specific(walk *w, const h3_header *h) {
    static const char *const forbidden[] = {
        "connection",        "keep-alive", "proxy-connection",
        "transfer-encoding", "upgrade",
    };
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (bytes_eq(h->name, h->name_len, forbidden[i]))
            return malformed(w->out, "connection-specific field");
    if (bytes_eq(h->name, h->name_len, "te") &&
        (w->kind != H3_MESSAGE_REQUEST ||
         !bytes_eq_nocase(h->value, h->value_len, "trailers")))
        return malformed(w->out, "te other than \"trailers\" in a request");
    return 0;
}

static int check_content_length(walk *w, const h3_header *h) {
    /* RFC 9110 §6.5.1: framing fields do not belong in trailers. */
    if (w->kind == H3_MESSAGE_TRAILERS)
        return malformed(w->out, "content-length in trailers");
    int64_t v = parse_content_length(h->value, h->value_len);
    if (v < 0)
        return malformed(w->out, "content-length is not a number");
    /* RFC 9110 §8.6: repeated values must all be the same. */
    if (w->out->content_length >= 0 && w->out->content_length != v)
        return malformed(w->out, "content-length values differ");
    w->out->content_length = v;
    return 0;
}

static int check_regular(walk *w, const h3_header *h) {
    w->seen_regular = true;
    for (size_t i = 0; i < h->name_len; i++)
        if (!is_name_char(h->name[i]))
            return malformed(w->out, h->name[i] >= 'A' && h->name[i] <= 'Z'
                                         ? "uppercase field name"
                                         : "invalid character in field name");
    int rc = check_connection_specific(w, h);
    if (rc < 0)
        return rc;
    if (bytes_eq(h->name, h->name_len, "content-length"))
        return check_content_length(w, h);
    if (w->kind == H3_MESSAGE_REQUEST &&
        bytes_eq(h->name, h->name_len, "host")) {
        if (w->host.base)
            return malformed(w->out, "more than one host field");
        w->host =
            (h3_bytes){h->value ? h->value : (const uint8_t *)"", h->value_len};
    }
    return 0;
}

static int check_field(walk *w, const h3_header *h) {
    if (h->name_len == 0 || !h->name)
        return malformed(w->out, "empty field name");
    if (h->value_len > 0 && !h->value)
        return malformed(w->out, "missing field value");
    if (!is_valid_value(h->value, h->value_len))
        return malformed(w->out, "invalid character in field value");
    return h->name[0] == ':' ? check_pseudo(w, h) : check_regular(w, h);
}

/* §4.3.1: authority and Host for schemes with a mandatory authority. */
static int check_authority(walk *w) {
    h3_message_info *out = w->out;
    if (!out->authority.base && !w->host.base)
        return malformed(out, "neither :authority nor host");
    if ((out->authority.base && out->authority.len == 0) ||
        (w->host.base && w->host.len == 0))
        return malformed(out, "empty :authority or host");
    if (out->authority.base && w->host.base &&
        (out->authority.len != w->host.len ||
         memcmp(out->authority.base, w->host.base, w->host.len) != 0))
        return malformed(out, ":authority and host differ");
    /* §4.3.1: no deprecated userinfo for http and https. */
    if (out->authority.base &&
        memchr(out->authority.base, '@', out->authority.len))
        return malformed(out, "userinfo in :authority");
    return 0;
}

/* §4.3.1, §4.4 and RFC 9220 §3: which pseudo-headers a request needs. */
static int check_request(walk *w, unsigned flags) {
    h3_message_info *out = w->out;
    if (!(w->seen_pseudo & PS_METHOD))
        return malformed(out, "missing :method");
    if (!is_token(out->method.base, out->method.len))
        return malformed(out, "invalid :method");
    bool connect = bytes_eq(out->method.base, out->method.len, "CONNECT");
    if (w->seen_pseudo & PS_PROTOCOL) {
        if (!(flags & H3_MESSAGE_ALLOW_EXTENDED_CONNECT))
            return malformed(out, ":protocol without extended CONNECT");
        if (!connect)
            return malformed(out, ":protocol in a request other than CONNECT");
        if (out->protocol.len == 0)
            return malformed(out, "empty :protocol");
    } else if (connect) {
        /* §4.4: ":scheme and :path pseudo-header fields are omitted" and
         * :authority carries the host and port. */
        if (w->seen_pseudo & (PS_SCHEME | PS_PATH))
            return malformed(out, ":scheme or :path in CONNECT");
        if (!out->authority.base || out->authority.len == 0)
            return malformed(out, "CONNECT without :authority");
        return 0;
    }
    if (!(w->seen_pseudo & PS_SCHEME) || !(w->seen_pseudo & PS_PATH))
        return malformed(out, "missing :scheme or :path");
    if (!is_scheme(out->scheme.base, out->scheme.len))
        return malformed(out, "invalid :scheme");
    /* Other schemes may lack an authority (§4.3.1); their rules are the
     * application's. */
    if (!bytes_eq_nocase(out->scheme.base, out->scheme.len, "http") &&
        !bytes_eq_nocase(out->scheme.base, out->scheme.len, "https"))
        return 0;
    /* §4.3.1: for http and https, ":path" is "/..." or "*" (OPTIONS). */
    if (out->path.len == 0)
        return malformed(out, "empty :path");
    bool asterisk = bytes_eq(out->path.base, out->path.len, "*");
    if (asterisk && !bytes_eq(out->method.base, out->method.len, "OPTIONS"))
        return malformed(out, ":path \"*\" in a request other than OPTIONS");
    if (!asterisk && out->path.base[0] != '/')
        return malformed(out, ":path does not start with \"/\"");
    return check_authority(w);
}

/* §4.3.2 and RFC 9110 §15: ":status" is three digits, 100 to 599; §4.5:
 * HTTP/3 has no 101 (Switching Protocols). */
static int check_response(walk *w) {
    const h3_bytes *s = &w->status;
    if (!s->base)
        return malformed(w->out, "missing :status");
    if (s->len != 3 || s->base[0] < '1' || s->base[0] > '5' ||
        s->base[1] < '0' || s->base[1] > '9' || s->base[2] < '0' ||
        s->base[2] > '9')
        return malformed(w->out, "invalid :status");
    int status =
        (s->base[0] - '0') * 100 + (s->base[1] - '0') * 10 + (s->base[2] - '0');
    if (status == 101)
        return malformed(w->out, "101 (Switching Protocols) in HTTP/3");
    w->out->status = status;
    return 0;
}

int h3_message_validate(h3_message_kind kind, const h3_header *headers,
                        size_t n, unsigned flags, h3_message_info *out) {
    *out = (h3_message_info){.kind = kind, .status = -1, .content_length = -1};
    walk w = {.kind = kind, .out = out};
    if (n > 0 && !headers)
        return malformed(out, "no fields");
    for (size_t i = 0; i < n; i++) {
        int rc = check_field(&w, &headers[i]);
        if (rc < 0)
            return rc;
    }
    switch (kind) {
    case H3_MESSAGE_REQUEST: return check_request(&w, flags);
    case H3_MESSAGE_RESPONSE: return check_response(&w);
    default: return 0;
    }
}

/* ---- Tracker ------------------------------------------------------------- */

enum tracker_state {
    TS_HEADERS = 0, /* waiting for the request or (final) response */
    TS_INTERIM,     /* after a 1xx: waiting for the final response */
    TS_BODY,        /* after the final header section */
    TS_TRAILERS,    /* after the trailers: nothing more may come */
};

void h3_message_tracker_init(h3_message_tracker *t, bool is_request,
                             unsigned flags) {
    *t = (h3_message_tracker){
        .is_request = is_request, .flags = flags, .content_length = -1};
}

bool h3_message_tracker_has_final_headers(const h3_message_tracker *t) {
    return t->state == TS_BODY || t->state == TS_TRAILERS;
}

/* The final header section arrived: note what the content must look like. */
static void enter_body(h3_message_tracker *t, const h3_message_info *info) {
    t->state = TS_BODY;
    t->content_length = info->content_length;
    if (t->is_request) {
        /* §4.4: a CONNECT stream carries tunnel bytes, not content. */
        t->tunnel = bytes_eq(info->method.base, info->method.len, "CONNECT");
        return;
    }
    /* §4.1.2: "A response that is defined as never having content, even when
     * a Content-Length is present, can have a non-zero Content-Length". */
    t->no_content = (t->flags & H3_MESSAGE_HEAD_REQUEST) ||
                    info->status == 204 || info->status == 304;
    t->tunnel = (t->flags & H3_MESSAGE_CONNECT_REQUEST) &&
                info->status >= 200 && info->status < 300;
}

int h3_message_tracker_on_headers(h3_message_tracker *t,
                                  const h3_header *headers, size_t n,
                                  h3_message_info *out) {
    if (t->state == TS_TRAILERS) {
        /* §4.1: "a HEADERS or DATA frame after the trailing HEADERS frame"
         * is an invalid frame sequence. */
        *out = (h3_message_info){.kind = H3_MESSAGE_TRAILERS,
                                 .status = -1,
                                 .content_length = -1,
                                 .error = "HEADERS after trailers"};
        return H3_ERR_FRAME_UNEXPECTED;
    }
    if (t->state == TS_BODY) {
        int rc =
            h3_message_validate(H3_MESSAGE_TRAILERS, headers, n, t->flags, out);
        if (rc == 0)
            t->state = TS_TRAILERS;
        return rc;
    }
    h3_message_kind kind =
        t->is_request ? H3_MESSAGE_REQUEST : H3_MESSAGE_RESPONSE;
    int rc = h3_message_validate(kind, headers, n, t->flags, out);
    if (rc < 0)
        return rc;
    if (kind == H3_MESSAGE_RESPONSE && out->status < 200)
        t->state = TS_INTERIM; /* §4.1: interim responses precede the final */
    else
        enter_body(t, out);
    return 0;
}

int h3_message_tracker_on_data(h3_message_tracker *t, uint64_t len) {
    switch (t->state) {
    case TS_HEADERS:
        /* §4.1: "a DATA frame before any HEADERS frame" is invalid. */
        return H3_ERR_FRAME_UNEXPECTED;
    case TS_INTERIM:
        /* §4.1: "Interim responses do not contain content". */
        return len ? H3_ERR_MESSAGE : 0;
    case TS_TRAILERS: return H3_ERR_FRAME_UNEXPECTED;
    default: break;
    }
    if (t->tunnel)
        return 0;
    if (t->no_content && len > 0)
        return H3_ERR_MESSAGE;
    if (len > UINT64_MAX - t->received)
        return H3_ERR_MESSAGE;
    t->received += len;
    /* §4.1.2: malformed as soon as the DATA exceeds Content-Length. */
    if (t->content_length >= 0 && !t->no_content &&
        t->received > (uint64_t)t->content_length)
        return H3_ERR_MESSAGE;
    return 0;
}

int h3_message_tracker_on_end(const h3_message_tracker *t) {
    if (t->state == TS_HEADERS || t->state == TS_INTERIM)
        return t->is_request ? H3_ERR_REQUEST_INCOMPLETE : H3_ERR_MESSAGE;
    if (t->tunnel || t->no_content || t->content_length < 0)
        return 0;
    /* §4.1.2: Content-Length must equal the sum of the DATA frame lengths. */
    return t->received == (uint64_t)t->content_length ? 0 : H3_ERR_MESSAGE;
}
