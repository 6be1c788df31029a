/* qpack/err.c — names of the QPACK_ERR_* codes and their RFC 9204 §6 wire
 * codes. */
#include "qpack/qpack.h"

const char *qpack_strerror(int err) {
    switch (err) {
    case 0: return "success";
    case QPACK_ERR_NOMEM: return "out of memory";
    case QPACK_ERR_INVALID_ARGUMENT: return "invalid argument";
    case QPACK_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case QPACK_ERR_FIELD_SECTION_TOO_LARGE:
        return "field section larger than the configured maximum";
    case QPACK_ERR_DECOMPRESSION_TRUNCATED:
        return "field section ends inside a field line";
    case QPACK_ERR_DECOMPRESSION_INTEGER:
        return "integer too large in a field section";
    case QPACK_ERR_DECOMPRESSION_HUFFMAN:
        return "invalid Huffman string in a field section";
    case QPACK_ERR_DECOMPRESSION_STATIC_INDEX:
        return "static table index out of range in a field section";
    case QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX:
        return "invalid dynamic table reference in a field section";
    case QPACK_ERR_DECOMPRESSION_INSERT_COUNT:
        return "invalid Required Insert Count";
    case QPACK_ERR_DECOMPRESSION_BASE: return "negative Base";
    case QPACK_ERR_DECOMPRESSION_BLOCKED:
        return "more blocked streams than allowed";
    case QPACK_ERR_ENCODER_STREAM_INTEGER:
        return "integer too large on the encoder stream";
    case QPACK_ERR_ENCODER_STREAM_HUFFMAN:
        return "invalid Huffman string on the encoder stream";
    case QPACK_ERR_ENCODER_STREAM_STATIC_INDEX:
        return "static table index out of range on the encoder stream";
    case QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX:
        return "invalid dynamic table reference on the encoder stream";
    case QPACK_ERR_ENCODER_STREAM_CAPACITY:
        return "dynamic table capacity above the maximum";
    case QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE:
        return "inserted entry larger than the table capacity";
    case QPACK_ERR_DECODER_STREAM_INTEGER:
        return "integer too large on the decoder stream";
    case QPACK_ERR_DECODER_STREAM_UNKNOWN_SECTION:
        return "Section Acknowledgment for no outstanding field section";
    case QPACK_ERR_DECODER_STREAM_INCREMENT:
        return "invalid Insert Count Increment";
    default: return "unknown qpack error";
    }
}

uint64_t qpack_err_wire_code(int err) {
    if (err <= -210 && err > -230)
        return QPACK_DECOMPRESSION_FAILED;
    if (err <= -230 && err > -250)
        return QPACK_ENCODER_STREAM_ERROR;
    if (err <= -250 && err > -270)
        return QPACK_DECODER_STREAM_ERROR;
    return 0;
}
