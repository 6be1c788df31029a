/* cmd/output_progress.h — curl's progress meter for `get`: the two heading
 * lines and the one status line rewritten in place on stderr, with curl's
 * 5-character sizes and 8-character times. Formatting and pacing only; the
 * caller says when it applies (stderr a terminal, the body not on it, no
 * -s or -v) and passes the byte counts. */
#ifndef H3CLI_CMD_OUTPUT_PROGRESS_H
#define H3CLI_CMD_OUTPUT_PROGRESS_H

#include "core/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The meter appears only for transfers that last longer than this. */
#define H3CLI_PROGRESS_DELAY QUIC_S

typedef struct h3cli_progress {
    FILE *out;
    quic_time start;
    bool shown; /* the heading was printed */
    /* For the "Current Speed" column: bytes at the previous update. */
    uint64_t last_bytes;
    quic_time last_time;
    uint64_t current_speed;
} h3cli_progress;

/* The counters of one update. |dl_total| / |ul_total| are 0 when
 * unknown. */
typedef struct h3cli_progress_counts {
    uint64_t dl_total, dl_now, ul_total, ul_now;
} h3cli_progress_counts;

void h3cli_progress_init(h3cli_progress *p, FILE *out, quic_time now);

/* Rewrites the status line for |c| at |now| (printing the heading first
 * the first time), unless less than H3CLI_PROGRESS_DELAY has passed since
 * the start; |final| ends the line with a newline when it was shown. */
void h3cli_progress_update(h3cli_progress *p, quic_time now,
                           const h3cli_progress_counts *c, bool final);

/* |bytes| in at most 5 characters as curl writes sizes: "  999", "9999k",
 * "99.9M", "9999M", "99.9G", "9999G", "9999T", "9999P". */
void h3cli_progress_size(uint64_t bytes, char out[6]);

/* |seconds| as "HH:MM:SS" ("--:--:--" when 0 or less, "NNNd NNh" past
 * 99 hours), 8 characters. */
void h3cli_progress_time(int64_t seconds, char out[9]);

/* The status line (no "\r", no newline) for the given numbers, as
 * h3cli_progress_update prints it; |line| has room for 80 characters. */
void h3cli_progress_line(char *line, size_t cap, const h3cli_progress_counts *c,
                         quic_time elapsed, uint64_t current_speed);

#endif
