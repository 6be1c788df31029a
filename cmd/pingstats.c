/* cmd/pingstats.c — the arithmetic and text of ping(8)'s reply times and
 * statistics for QUIC PING round trips. */
#include "cmd/pingstats.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void h3cli_pingstats_init(h3cli_pingstats *s) {
    memset(s, 0, sizeof(*s));
}

void h3cli_pingstats_sent(h3cli_pingstats *s) {
    s->transmitted++;
}

void h3cli_pingstats_received(h3cli_pingstats *s, uint64_t rtt_ns) {
    uint64_t us = rtt_ns / 1000;
    if (s->received == 0 || us < s->min_us)
        s->min_us = us;
    if (us > s->max_us)
        s->max_us = us;
    s->received++;
    s->sum_us += us;
    s->sum2_us += (long double)us * (long double)us;
}

size_t h3cli_ping_format_time(uint64_t rtt_ns, char *buf, size_t cap) {
    uint64_t t = rtt_ns / 1000; /* ping works in microseconds */
    int n;
    /* iputils' thresholds: each switches precision where rounding to the
     * shorter form would show the next decade (9.995 ms prints "10.0"). */
    if (t >= 100000 - 50)
        n = snprintf(buf, cap, "%" PRIu64, (t + 500) / 1000);
    else if (t >= 10000 - 5)
        n = snprintf(buf, cap, "%" PRIu64 ".%01" PRIu64, (t + 50) / 1000,
                     (t + 50) % 1000 / 100);
    else if (t >= 1000)
        n = snprintf(buf, cap, "%" PRIu64 ".%02" PRIu64, (t + 5) / 1000,
                     (t + 5) % 1000 / 10);
    else
        n = snprintf(buf, cap, "%" PRIu64 ".%03" PRIu64, t / 1000, t % 1000);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t h3cli_ping_reply_line(uint64_t seq, uint64_t rtt_ns, char *buf,
                             size_t cap) {
    char t[32];
    h3cli_ping_format_time(rtt_ns, t, sizeof(t));
    int n = snprintf(buf, cap, "seq=%" PRIu64 " time=%s ms", seq, t);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void print_ms(FILE *out, uint64_t us) {
    fprintf(out, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

void h3cli_pingstats_print(const h3cli_pingstats *s, const char *host,
                           uint64_t elapsed_ns, FILE *out) {
    fprintf(out, "\n--- %s ping statistics ---\n", host);
    fprintf(out, "%" PRIu64 " pings transmitted, %" PRIu64 " received",
            s->transmitted, s->received);
    if (s->transmitted > 0) {
        uint64_t lost =
            s->received < s->transmitted ? s->transmitted - s->received : 0;
        fprintf(out, ", %g%% loss, time %" PRIu64 "ms",
                (double)(float)((double)lost * 100.0 / (double)s->transmitted),
                (elapsed_ns / 1000 + 500) / 1000);
    }
    fputc('\n', out);
    if (s->received == 0)
        return;
    long double n = (long double)s->received;
    long double mean = (long double)s->sum_us / n;
    long double var = s->sum2_us / n - mean * mean;
    uint64_t mdev = var > 0 ? (uint64_t)sqrtl(var) : 0;
    fputs("rtt min/avg/max/mdev = ", out);
    print_ms(out, s->min_us);
    fputc('/', out);
    print_ms(out, s->sum_us / s->received);
    fputc('/', out);
    print_ms(out, s->max_us);
    fputc('/', out);
    print_ms(out, mdev);
    fputs(" ms\n", out);
}
