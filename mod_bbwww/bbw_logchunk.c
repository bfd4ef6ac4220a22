/* Log chunk decoding and line arithmetic (see bbw_logchunk.h). */
#include "bbw_logchunk.h"

#include <apr_strings.h>
#include <bzlib.h>
#include <limits.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- decoding ---- */

/* Output buffers grow with realloc (usually in place) and are released by
 * a cleanup of the caller's pool, so nothing is copied twice. */
typedef struct {
    char *data;
    apr_size_t len, cap, max;
} outbuf;

static apr_status_t free_buffer(void *data)
{
    free(data);
    return APR_SUCCESS;
}

/* Make room for at least one more byte; 0 on success, -1 when the cap would
 * be exceeded, -2 when out of memory. */
static int grow(outbuf *o)
{
    if (o->len < o->cap)
        return 0;
    if (o->cap > o->max)
        return -1;
    apr_size_t cap = o->cap ? o->cap * 2 : 16384;
    if (cap > o->max + 1)
        cap = o->max + 1;           /* one byte past the cap detects overflow */
    char *d = realloc(o->data, cap);
    if (!d)
        return -2;
    o->data = d;
    o->cap = cap;
    return 0;
}

static const char *finish(apr_pool_t *p, outbuf *o, const char **out,
                          apr_size_t *outlen)
{
    if (o->len > o->max) {
        free(o->data);
        return apr_psprintf(p, "cannot decode log chunk: decoded size exceeds %"
                            APR_SIZE_T_FMT " bytes", o->max);
    }
    if (!o->data)
        o->data = malloc(1);
    if (!o->data)
        return "cannot decode log chunk: out of memory";
    apr_pool_cleanup_register(p, o->data, free_buffer, apr_pool_cleanup_null);
    *out = o->data;
    *outlen = o->len;
    return NULL;
}

static const char *fail(apr_pool_t *p, outbuf *o, const char *what, int rc)
{
    free(o->data);
    o->data = NULL;
    if (rc == -1)
        return apr_psprintf(p, "cannot decode log chunk: decoded size exceeds %"
                            APR_SIZE_T_FMT " bytes", o->max);
    if (rc == -2)
        return "cannot decode log chunk: out of memory";
    return apr_pstrcat(p, "cannot decode log chunk: ", what, NULL);
}

static const char *decode_zlib(apr_pool_t *p, const char *in, apr_size_t inlen,
                               outbuf *o, const char **out, apr_size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inlen > UINT_MAX)
        return fail(p, o, "zlib data too large", 0);
    if (inflateInit(&z) != Z_OK)
        return fail(p, o, "zlib initialisation failed", 0);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)inlen;
    int zrc;
    for (;;) {
        int g = grow(o);
        if (g) {
            inflateEnd(&z);
            return fail(p, o, NULL, g);
        }
        z.next_out = (Bytef *)o->data + o->len;
        z.avail_out = (uInt)(o->cap - o->len);
        zrc = inflate(&z, Z_NO_FLUSH);
        o->len = o->cap - z.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc == Z_BUF_ERROR && z.avail_in == 0 && z.avail_out != 0)
            zrc = Z_DATA_ERROR;     /* input ended before the stream did */
        if (zrc != Z_OK && !(zrc == Z_BUF_ERROR && z.avail_out == 0)) {
            const char *why = apr_pstrcat(p, "invalid zlib data (",
                                          z.msg ? z.msg : "truncated stream", ")", NULL);
            inflateEnd(&z);
            return fail(p, o, why, 0);
        }
    }
    inflateEnd(&z);
    return finish(p, o, out, outlen);
}

/* Like Python's bz2.decompress: concatenated streams are all decoded. */
static const char *decode_bz2(apr_pool_t *p, const char *in, apr_size_t inlen,
                              outbuf *o, const char **out, apr_size_t *outlen)
{
    bz_stream b;
    if (inlen > UINT_MAX)
        return fail(p, o, "bz2 data too large", 0);
    while (inlen > 0) {
        memset(&b, 0, sizeof b);
        if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
            return fail(p, o, "bz2 initialisation failed", 0);
        b.next_in = (char *)in;
        b.avail_in = (unsigned)inlen;
        int brc;
        for (;;) {
            int g = grow(o);
            if (g) {
                BZ2_bzDecompressEnd(&b);
                return fail(p, o, NULL, g);
            }
            b.next_out = o->data + o->len;
            b.avail_out = (unsigned)(o->cap - o->len);
            brc = BZ2_bzDecompress(&b);
            o->len = o->cap - b.avail_out;
            if (brc == BZ_STREAM_END)
                break;
            if (brc != BZ_OK || (b.avail_in == 0 && b.avail_out != 0)) {
                BZ2_bzDecompressEnd(&b);
                return fail(p, o, brc == BZ_OK ? "truncated bz2 stream"
                                               : "invalid bz2 data", 0);
            }
        }
        in = b.next_in;
        inlen = b.avail_in;
        BZ2_bzDecompressEnd(&b);
    }
    return finish(p, o, out, outlen);
}

/* python-lz4's lz4.block format: 4-byte little-endian decoded size, then an
 * LZ4 block that must decode to exactly that size. */
static const char *decode_lz4(apr_pool_t *p, const char *in, apr_size_t inlen,
                              outbuf *o, const char **out, apr_size_t *outlen)
{
    if (inlen < 4)
        return fail(p, o, "lz4 data shorter than its size header", 0);
    const unsigned char *u = (const unsigned char *)in;
    apr_size_t size = (apr_size_t)u[0] | (apr_size_t)u[1] << 8
                      | (apr_size_t)u[2] << 16 | (apr_size_t)u[3] << 24;
    if (size > o->max || size > INT_MAX || inlen - 4 > INT_MAX) {
        o->len = o->max + 1;
        return finish(p, o, out, outlen);
    }
    o->data = malloc(size ? size : 1);
    if (!o->data)
        return fail(p, o, NULL, -2);
    int n = LZ4_decompress_safe(in + 4, o->data, (int)(inlen - 4), (int)size);
    if (n < 0 || (apr_size_t)n != size)
        return fail(p, o, "invalid lz4 data", 0);
    o->len = size;
    return finish(p, o, out, outlen);
}

const char *bbw_logchunk_decode(apr_pool_t *p, int compressed,
                                const char *in, apr_size_t inlen,
                                apr_size_t max,
                                const char **out, apr_size_t *outlen)
{
    outbuf o = { NULL, 0, 0, max ? max : BBW_LOGCHUNK_MAX_DECODED };
    if (!in) {
        in = "";
        inlen = 0;
    }
    switch (compressed) {
    case BBW_LC_RAW:
        if (inlen > o.max)
            return apr_psprintf(p, "cannot decode log chunk: size exceeds %"
                                APR_SIZE_T_FMT " bytes", o.max);
        *out = in;
        *outlen = inlen;
        return NULL;
    case BBW_LC_ZLIB:
        return decode_zlib(p, in, inlen, &o, out, outlen);
    case BBW_LC_BZ2:
        return decode_bz2(p, in, inlen, &o, out, outlen);
    case BBW_LC_LZ4:
        return decode_lz4(p, in, inlen, &o, out, outlen);
    case BBW_LC_ZSTD:
        return "cannot decode log chunk: compression 4 (zstd, written by"
               " Buildbot 4.x) is not supported";
    case BBW_LC_BROTLI:
        return "cannot decode log chunk: compression 5 (brotli, written by"
               " Buildbot 4.x) is not supported";
    default:
        return apr_psprintf(p, "cannot decode log chunk: unknown compression %d",
                            compressed);
    }
}

/* ---- line ranges ---- */

int bbw_logchunk_slice(const char *text, apr_size_t len,
                       apr_int64_t cfirst, apr_int64_t clast,
                       apr_int64_t first, apr_int64_t last,
                       const char **out, apr_size_t *outlen)
{
    if (cfirst < first) {
        for (apr_int64_t k = first - cfirst; k > 0; k--) {
            const char *nl = memchr(text, '\n', len);
            if (!nl)
                return -1;
            len -= (apr_size_t)(nl + 1 - text);
            text = nl + 1;
        }
    }
    if (clast > last) {
        for (apr_int64_t k = clast - last; k > 0; k--) {
            apr_size_t i = len;
            while (i > 0 && text[i - 1] != '\n')
                i--;
            if (i == 0)
                return -1;
            len = i - 1;
        }
    }
    *out = text;
    *outlen = len;
    return 0;
}

/* ---- raw download of stdio logs ---- */

/* Length of the splitlines() break starting at s (0 if none); n > 0. */
static apr_size_t break_len(const unsigned char *s, apr_size_t n)
{
    switch (s[0]) {
    case '\r': case '\v': case '\f': case 0x1c: case 0x1d: case 0x1e:
        return 1;
    case 0xc2:                                      /* U+0085 */
        return n >= 2 && s[1] == 0x85 ? 2 : 0;
    case 0xe2:                                      /* U+2028, U+2029 */
        return n >= 3 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9) ? 3 : 0;
    default:
        return 0;
    }
}

/* One line of the result: '\n' before all but the first, first char gone. */
static void emit_piece(bbw_buf *out, const unsigned char *s, apr_size_t n,
                       int *started)
{
    if (*started)
        bbw_buf_add(out, "\n", 1);
    *started = 1;
    if (n == 0)
        return;
    apr_size_t w = 1;
    if (s[0] >= 0xc0 && s[0] < 0xe0)
        w = 2;
    else if (s[0] >= 0xe0 && s[0] < 0xf0)
        w = 3;
    else if (s[0] >= 0xf0 && s[0] < 0xf8)
        w = 4;
    if (w > n)
        w = n;
    for (apr_size_t k = 1; k < w; k++)     /* stop at a malformed sequence */
        if ((s[k] & 0xc0) != 0x80) {
            w = k;
            break;
        }
    bbw_buf_add(out, (const char *)s + w, n - w);
}

/* One stored line (no '\n' inside) that the full text follows with '\n'. */
static void stdio_line(bbw_buf *out, const unsigned char *s, apr_size_t n,
                       int *started)
{
    apr_size_t pos = 0, i = 0;
    while (i < n) {
        /* Fast path: nothing below 0x1f except the breaks, nothing >= 0xc2
         * matters except two lead bytes. */
        unsigned char c = s[i];
        if (c > 0x1e && c != 0xc2 && c != 0xe2) {
            i++;
            continue;
        }
        apr_size_t k = break_len(s + i, n - i);
        if (k == 0) {
            i++;
            continue;
        }
        emit_piece(out, s + pos, i - pos, started);
        if (c == '\r' && i + 1 == n)
            return;                 /* "\r\n" is one break */
        i += k;
        pos = i;
    }
    emit_piece(out, s + pos, n - pos, started);
}

void bbw_logchunk_stdio_raw(bbw_buf *out, const char *text, apr_size_t len,
                            int *started)
{
    const unsigned char *s = (const unsigned char *)text;
    for (;;) {
        const unsigned char *nl = memchr(s, '\n', len);
        apr_size_t n = nl ? (apr_size_t)(nl - s) : len;
        stdio_line(out, s, n, started);
        if (!nl)
            return;
        len -= n + 1;
        s = nl + 1;
    }
}
