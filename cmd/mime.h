/* cmd/mime.h — Content-Type for `serve` from a file name's extension; it
 * never looks inside the file. */
#ifndef H3CLI_CMD_MIME_H
#define H3CLI_CMD_MIME_H

/* The media type for |name| (a path or a file name), chosen by the text
 * after the last '.' of its last segment, case-insensitively; text types
 * carry "; charset=utf-8". Names without a known extension (and dotfiles
 * like ".profile") get "application/octet-stream". Never NULL; a static
 * string. */
const char *h3cli_mime_type(const char *name);

#endif
