/* cmd/pingstats.h — ping(8)-style numbers for `h3cli ping`: per-reply time
 * with iputils' adaptive precision, and the closing statistics; no
 * networking and no clock reading (the caller passes durations). */
#ifndef H3CLI_CMD_PINGSTATS_H
#define H3CLI_CMD_PINGSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Counters and round-trip sums, kept in microseconds as iputils does so the
 * printed figures match ping(8)'s arithmetic. Zero-initialise or init. */
typedef struct h3cli_pingstats {
    uint64_t transmitted;
    uint64_t received;
    uint64_t min_us, max_us, sum_us;
    long double sum2_us; /* sum of squares: exact to 2^64, no overflow */
} h3cli_pingstats;

void h3cli_pingstats_init(h3cli_pingstats *s);

/* Counts one PING sent. */
void h3cli_pingstats_sent(h3cli_pingstats *s);

/* Counts one acknowledged PING with round-trip time |rtt_ns|. */
void h3cli_pingstats_received(h3cli_pingstats *s, uint64_t rtt_ns);

/* Writes |rtt_ns| as ping prints "time=X": 3 decimals below 1 ms
 * ("0.045"), 2 below 10 ms ("1.23"), 1 below 100 ms ("12.3"), none above
 * ("123"), rounding at the same edges as iputils. Returns the length, or 0
 * when |cap| is too small (32 always suffices). */
size_t h3cli_ping_format_time(uint64_t rtt_ns, char *buf, size_t cap);

/* Writes "seq=N time=X ms" for one reply. Returns the length or 0 when
 * |cap| is too small (64 always suffices). */
size_t h3cli_ping_reply_line(uint64_t seq, uint64_t rtt_ns, char *buf,
                             size_t cap);

/* Prints the closing block, as ping(8) does after a blank line:
 *   --- HOST ping statistics ---
 *   N pings transmitted, M received, X% loss, time Tms
 *   rtt min/avg/max/mdev = a/b/c/d ms
 * X is printed with %g, T is |elapsed_ns| rounded to ms; the loss and time
 * are left out when nothing was sent, the rtt line when nothing came back.
 * avg truncates and mdev = sqrt(mean(t^2) - mean(t)^2), all in whole
 * microseconds printed as ms with 3 decimals. */
void h3cli_pingstats_print(const h3cli_pingstats *s, const char *host,
                           uint64_t elapsed_ns, FILE *out);

#endif
