/* h3/settings.h — the SETTINGS frame payload (RFC 9114 §7.2.4): decoding with
 * the RFC's validity rules, and encoding with one reserved setting. Not the
 * rules of when SETTINGS may arrive, which belong to the connection.
 * Internal. */
#ifndef H3CLI_H3_SETTINGS_H
#define H3CLI_H3_SETTINGS_H

#include "h3/h3.h"

/* Setting identifiers. */
#define H3_SETTINGS_QPACK_MAX_TABLE_CAPACITY 0x01u /* RFC 9204 §5 */
#define H3_SETTINGS_MAX_FIELD_SECTION_SIZE 0x06u   /* RFC 9114 §7.2.4.1 */
#define H3_SETTINGS_QPACK_BLOCKED_STREAMS 0x07u    /* RFC 9204 §5 */
#define H3_SETTINGS_ENABLE_CONNECT_PROTOCOL 0x08u  /* RFC 9220 §5 */
#define H3_SETTINGS_H3_DATAGRAM 0x33u              /* RFC 9297 §2.1.1 */

/* One reserved setting (identifier h3_grease_value(|n|)) to send, so peers
 * keep ignoring identifiers they do not know (§7.2.4.1 SHOULD). */
typedef struct h3_settings_grease {
    uint64_t n;     /* at most H3_GREASE_MAX_N */
    uint64_t value; /* any varint value */
} h3_settings_grease;

/* Decodes a SETTINGS payload (as an H3_FRAME_EV_FRAME event gives it) into
 * |out|, starting from the defaults. Unknown and reserved identifiers are
 * ignored (§7.2.4). Returns 0, or:
 *   H3_ERR_FRAME     the payload ends inside an identifier/value pair (§7.1)
 *   H3_ERR_SETTINGS  a known identifier twice (§7.2.4 allows this choice;
 *                    repeats of unknown identifiers are not tracked), an
 *                    HTTP/2 identifier 0x02…0x05 (§7.2.4.1), or a boolean
 *                    setting with a value other than 0 or 1 (RFC 9220 §5,
 *                    RFC 9297 §2.1.1)
 * |out| is unspecified after an error. */
int h3_settings_decode(h3_settings *out, const uint8_t *payload, size_t len);

/* Size of the whole SETTINGS frame (header included) that
 * h3_settings_write_frame() writes for |s| and |grease| (NULL: none); 0 if
 * |grease| is out of range. */
size_t h3_settings_frame_len(const h3_settings *s,
                             const h3_settings_grease *grease);
/* Writes a SETTINGS frame holding every setting of |s| that differs from its
 * default (§7.2.4.2: "MUST include all settings that differ from their
 * default values"), in identifier order, then the reserved setting if
 * |grease| is not NULL. Returns the bytes written, H3_ERR_NOBUF or
 * H3_ERR_INVALID_ARGUMENT (a value over 2^62-1, or |grease| out of range). */
int h3_settings_write_frame(uint8_t *out, size_t cap, const h3_settings *s,
                            const h3_settings_grease *grease);

#endif
