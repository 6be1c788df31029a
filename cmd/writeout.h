/* cmd/writeout.h — curl's -w/--write-out format engine for `get`: the
 * transfer results a format can name, loading the format (@file, @-) and
 * printing it; no network state, only the struct below. */
#ifndef H3CLI_CMD_WRITEOUT_H
#define H3CLI_CMD_WRITEOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A response header as received (name in any case). */
typedef struct h3cli_header_field {
    const char *name;
    const char *value;
} h3cli_header_field;

/* What `get` knows after one transfer. Strings are borrowed for the call;
 * NULL means unknown (printed empty, JSON null). Times are microseconds
 * from the start of the transfer (curl's clock), printed as seconds with
 * six decimals. */
typedef struct h3cli_transfer_info {
    int http_code;         /* 0 when there was no response (prints 000) */
    int exitcode;          /* the exit code of this transfer */
    const char *errormsg;  /* the "(N) message" text, NULL on success */
    const char *remote_ip; /* "192.0.2.1" / "2001:db8::1" */
    unsigned remote_port;
    const char *local_ip;
    unsigned local_port;
    uint64_t size_download;         /* body bytes received */
    uint64_t size_header;           /* header bytes as -i prints them */
    uint64_t time_connect_us;       /* QUIC: handshake done, like curl */
    uint64_t time_appconnect_us;    /* handshake done */
    uint64_t time_starttransfer_us; /* first response byte */
    uint64_t time_total_us;
    const char *url_effective;         /* the last URL fetched (after -L) */
    const h3cli_header_field *headers; /* response headers, in order */
    size_t n_headers;
} h3cli_transfer_info;

/* Errors are negated curl exit codes. */
#define H3CLI_WRITEOUT_ERR_READ (-26)
#define H3CLI_WRITEOUT_ERR_NOMEM (-27)

/* The format for a -w argument: "@file" reads the file, "@-" standard
 * input, anything else is the format itself. *format is a new string
 * (bytes after a NUL in a file are ignored). Returns 0,
 * H3CLI_WRITEOUT_ERR_READ (cannot open or read) or
 * H3CLI_WRITEOUT_ERR_NOMEM. */
int h3cli_writeout_load(const char *arg, char **format);

/* Prints |format| for |info| to |out| as curl does: %{variable} (the
 * variables of STYLE.md, plus json: all of them as one JSON object),
 * %header{name} (case-insensitive; repeated headers joined with ", "),
 * %{stdout}/%{stderr} switch the stream to |out|/|err|, %% is '%', \n \r
 * \t are escapes, other '%' and '\' sequences print as they are. An
 * unknown variable prints nothing and the warning
 * "h3cli: unknown --write-out variable: 'name'" on |err|. */
void h3cli_writeout_print(const char *format, const h3cli_transfer_info *info,
                          FILE *out, FILE *err);

#endif
