/* cmd/output_progress.c — curl's progress meter layout (sizes in 5
 * characters, times in 8) for `get`; it reads no clock and knows no
 * transfer. */
#include "cmd/output_progress.h"

#include <inttypes.h>
#include <string.h>

#define KB ((uint64_t)1024)
#define MB (1024 * KB)
#define GB (1024 * MB)
#define TB (1024 * GB)

/* snprintf into a roomy buffer, then keep |width| characters: the ranges
 * above guarantee the fit, the compiler cannot see it. */
#define FIT(out, width, ...)                                                   \
    do {                                                                       \
        char tmp_[48];                                                         \
        snprintf(tmp_, sizeof(tmp_), __VA_ARGS__);                             \
        memcpy(out, tmp_, (width));                                            \
        (out)[(width)] = '\0';                                                 \
    } while (0)

void h3cli_progress_size(uint64_t b, char out[6]) {
    if (b < 100000)
        FIT(out, 5, "%5" PRIu64, b);
    else if (b < 10000 * KB)
        FIT(out, 5, "%4" PRIu64 "k", b / KB);
    else if (b < 100 * MB) /* "XX.XM" while under 100 megabytes */
        FIT(out, 5, "%2" PRIu64 ".%" PRIu64 "M", b / MB, (b % MB) * 10 / MB);
    else if (b < 10000 * MB)
        FIT(out, 5, "%4" PRIu64 "M", b / MB);
    else if (b < 100 * GB)
        FIT(out, 5, "%2" PRIu64 ".%" PRIu64 "G", b / GB, (b % GB) * 10 / GB);
    else if (b < 10000 * GB)
        FIT(out, 5, "%4" PRIu64 "G", b / GB);
    else if (b < 10000 * TB)
        FIT(out, 5, "%4" PRIu64 "T", b / TB);
    else
        FIT(out, 5, "%4" PRIu64 "P", (b / TB / 1024) % 10000);
}

void h3cli_progress_time(int64_t seconds, char out[9]) {
    if (seconds <= 0) {
        memcpy(out, "--:--:--", 9);
        return;
    }
    int64_t h = seconds / 3600;
    if (h <= 99) {
        int64_t m = (seconds - h * 3600) / 60;
        int64_t s = seconds - h * 3600 - m * 60;
        FIT(out, 8, "%2" PRId64 ":%02" PRId64 ":%02" PRId64, h, m, s);
        return;
    }
    int64_t d = seconds / 86400;
    h = (seconds - d * 86400) / 3600;
    if (d <= 999)
        FIT(out, 8, "%3" PRId64 "d %02" PRId64 "h", d, h);
    else
        FIT(out, 8, "%7" PRId64 "d", d % 10000000);
}

static unsigned percent(uint64_t now, uint64_t total) {
    if (total == 0)
        return 0;
    if (now >= total)
        return 100;
    return (unsigned)(now * 100 / total);
}

void h3cli_progress_line(char *line, size_t cap, const h3cli_progress_counts *c,
                         quic_time elapsed, uint64_t current_speed) {
    uint64_t secs_us = elapsed / QUIC_US;
    uint64_t dl_speed = secs_us ? c->dl_now * 1000000 / secs_us : 0;
    uint64_t ul_speed = secs_us ? c->ul_now * 1000000 / secs_us : 0;
    uint64_t total = c->dl_total + c->ul_total;
    uint64_t done = c->dl_now + c->ul_now;
    uint64_t speed = dl_speed + ul_speed;
    int64_t spent = (int64_t)(elapsed / QUIC_S);
    int64_t est = total && speed ? (int64_t)(total / speed) : 0;
    char s_total[6], s_dl[6], s_ul[6], s_dls[6], s_uls[6], s_cur[6];
    char t_total[9], t_spent[9], t_left[9];
    h3cli_progress_size(total, s_total);
    h3cli_progress_size(c->dl_now, s_dl);
    h3cli_progress_size(c->ul_now, s_ul);
    h3cli_progress_size(dl_speed, s_dls);
    h3cli_progress_size(ul_speed, s_uls);
    h3cli_progress_size(current_speed, s_cur);
    h3cli_progress_time(est, t_total);
    h3cli_progress_time(spent, t_spent);
    h3cli_progress_time(est ? est - spent : 0, t_left);
    snprintf(line, cap, "%3u %s  %3u %s  %3u %s  %s  %s %s %s %s %s",
             percent(done, total), s_total, percent(c->dl_now, c->dl_total),
             s_dl, percent(c->ul_now, c->ul_total), s_ul, s_dls, s_uls, t_total,
             t_spent, t_left, s_cur);
}

void h3cli_progress_init(h3cli_progress *p, FILE *out, quic_time now) {
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->start = p->last_time = now;
}

void h3cli_progress_update(h3cli_progress *p, quic_time now,
                           const h3cli_progress_counts *c, bool final) {
    if (now - p->start < H3CLI_PROGRESS_DELAY && !p->shown)
        return;
    uint64_t bytes = c->dl_now + c->ul_now;
    if (now - p->last_time >= QUIC_S / 2) {
        p->current_speed =
            (bytes - p->last_bytes) * QUIC_S / (now - p->last_time);
        p->last_bytes = bytes;
        p->last_time = now;
    }
    if (!p->shown) {
        fprintf(p->out, "  %% Total    %% Received %% Xferd  Average Speed  "
                        " Time    Time     Time  Current\n"
                        "                                 Dload  Upload   "
                        "Total   Spent    Left  Speed\n");
        p->shown = true;
    }
    char line[128];
    h3cli_progress_line(line, sizeof(line), c, now - p->start,
                        p->current_speed);
    fprintf(p->out, "\r%s%s", line, final ? "\n" : "");
    fflush(p->out);
}
