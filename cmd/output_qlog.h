/* cmd/output_qlog.h — one qlog file per connection for --qlog-dir and
 * QLOGDIR: the engine's JSON-SEQ records go to DIR/<odcid>_<role>.sqlog
 * (the name ngtcp2 and quic-go use), held in memory until the file's name
 * is known. File handling only; the engine writes the records. */
#ifndef H3CLI_CMD_OUTPUT_QLOG_H
#define H3CLI_CMD_OUTPUT_QLOG_H

#include "core/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Records kept before the file opens (a client's first flight) are capped
 * here; beyond it the trace is cut and a warning printed. */
#define H3CLI_QLOG_MAX_PENDING (1024 * 1024)

typedef struct h3cli_qlog {
    FILE *f;
    uint8_t *pending;
    size_t pending_len;
    bool failed, finished;
} h3cli_qlog;

/* The directory for qlog files: |option| (--qlog-dir) when given, else
 * QLOGDIR, else NULL (no qlog). */
const char *h3cli_qlog_dir(const char *option);

/* Opens DIR/<odcid hex>_<client|server>.sqlog (creating DIR if needed)
 * and writes what was held so far. Returns 0, or -1 after printing a
 * warning (the connection goes on without qlog). */
int h3cli_qlog_open(h3cli_qlog *q, const char *dir, const quic_cid *odcid,
                    bool is_client);

/* Appends one record (to the file, or held until h3cli_qlog_open); |fin|
 * closes the file. For use inside a quic_config.qlog sink. */
void h3cli_qlog_write(h3cli_qlog *q, const uint8_t *data, size_t len, bool fin);

/* Closes the file and frees what is held; safe twice. */
void h3cli_qlog_cleanup(h3cli_qlog *q);

#endif
