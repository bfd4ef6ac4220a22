/* Log chunks (the logchunks table): decoding the stored content and the line
 * arithmetic of log reconstruction. Pure: APR only (plus zlib, bzip2, lz4).
 *
 * A chunk holds the UTF-8 lines first_line..last_line joined by '\n' without
 * a final newline, stored raw or compressed per chunk (codes below). A log's
 * text for lines F..L is its overlapping chunks, each trimmed to F..L, each
 * followed by '\n'. */
#ifndef BBW_LOGCHUNK_H
#define BBW_LOGCHUNK_H

#include <apr_pools.h>

#include "bbw_json.h"   /* bbw_buf */

/* logchunks.compressed values. 4 and 5 are Buildbot 4.x additions that this
 * build cannot decode (reported as an error, never guessed at). */
enum {
    BBW_LC_RAW = 0, BBW_LC_ZLIB = 1, BBW_LC_BZ2 = 2, BBW_LC_LZ4 = 3,
    BBW_LC_ZSTD = 4, BBW_LC_BROTLI = 5
};

/* Largest decoded chunk accepted (decompression-bomb guard). Buildbot writes
 * chunks of < 64 KiB and merges finished logs into chunks of <= 1001 lines,
 * so real data stays far below this. */
#define BBW_LOGCHUNK_MAX_DECODED ((apr_size_t)16 * 1024 * 1024)

/* Decode one chunk. On success returns NULL and sets *out and *outlen (a raw
 * chunk is returned in place, anything else is allocated in p); on failure
 * returns a message ("cannot decode log chunk: ..."). max caps the decoded
 * size (0 = BBW_LOGCHUNK_MAX_DECODED). A NULL content counts as empty. */
const char *bbw_logchunk_decode(apr_pool_t *p, int compressed,
                                const char *in, apr_size_t inlen,
                                apr_size_t max,
                                const char **out, apr_size_t *outlen);

/* Trim the text of a chunk covering lines [cfirst, clast] to the lines
 * within [first, last], as Buildbot does: drop (first - cfirst) leading
 * lines, then (clast - last) trailing lines, counting '\n' separators.
 * Returns 0 and sets *out and *outlen, or -1 when the text holds fewer
 * separators than the line numbers promise (Buildbot raises ValueError). */
int bbw_logchunk_slice(const char *text, apr_size_t len,
                       apr_int64_t cfirst, apr_int64_t clast,
                       apr_int64_t first, apr_int64_t last,
                       const char **out, apr_size_t *outlen);

/* The raw download of a stdio log is Python's
 *     "\n".join(line[1:] for line in text.splitlines())
 * over the whole reconstructed text. Feed it piecewise: each call takes the
 * (trimmed) text of one chunk, which the full text follows with '\n', and
 * appends its share of the result to out. *started must be 0 before the
 * first call and is kept between calls (it says whether a line was already
 * written, i.e. whether the next one needs a '\n' before it). Line breaks
 * are splitlines()' set: \n \r \r\n \v \f \x1c \x1d \x1e U+0085 U+2028
 * U+2029; the first character removed is a whole UTF-8 sequence. */
void bbw_logchunk_stdio_raw(bbw_buf *out, const char *text, apr_size_t len,
                            int *started);

#endif
