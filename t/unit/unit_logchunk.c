/* Unit tests for bbw_logchunk (chunk decoding, line ranges, stdio raw
 * transform). TAP output. Expected values were produced with Python 3.11's
 * zlib/bz2/python-lz4 and str.splitlines(), i.e. what Buildbot 3.7 does.
 * Build: see apxs.mk (needs -lz -lbz2 -llz4). */
#include "bbw_logchunk.h"

#include <apr_general.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "tap.h"

static int prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static const struct { const char *chunks[4]; int n; const char *want; size_t wantlen; } stdio_cases[] = {
    { {"oa\012ob"}, 1, "a\012b", 3 },
    { {"ha", "ob\015", "oc"}, 3, "a\012b\012c", 5 },
    { {"o\015", "e\014"}, 2, "\012\012", 2 },
    { {"", "ox", ""}, 3, "\012x\012", 3 },
    { {"oa\015ob", "oc\013od"}, 2, "a\012b\012c\012d", 7 },
    { {"o\303\251t\303\251", "\303\251x", "\360\237\230\200y"}, 3, "\303\251t\303\251\012x\012y", 9 },
    { {"ox\342\200\250oy\342\200\251oz\302\205ow"}, 1, "x\012y\012z\012w", 7 },
    { {"o\034p\035q\036r"}, 1, "\012\012\012", 3 },
    { {"ox\014"}, 1, "x\012", 2 },
    { {"o"}, 1, "", 0 },
    { {NULL}, 0, "", 0 },
    { {"o a\011b\177", "e\037"}, 2, " a\011b\177\012\037", 7 },
    { {"hcmd\015", "", "o\015"}, 3, "cmd\012\012", 5 },
};
static const char plain[] = "hello\012world\012\303\251t\303\251";
static const char zlib_blob[] = "x\332\313H\315\311\311\347*\317/\312I\341:\274\262\344\360J\000=k\007\235";
static const char bz2_blob[] = "BZh91AY&SYm\376[\215\000\000\002A\224\000\020\006D\224\200\000 \010\000 \000!\240i\240 \032i\240\301:\225\015G8tx\273\222)\302\204\203o\362\334h";
static const char bz2_two[] = "BZh91AY&SYd\214\273s\000\000\000\001\0008\000 \000!\230\031\204aw$S\205\011\006H\313\2670BZh91AY&SY\301\251\240\337\000\000\000\004\000\007\000 \000!\230\031\204aw$S\205\011\014\032\232\015\360";
static const char lz4_blob[] = "\021\000\000\000\360\002hello\012world\012\303\251t\303\251";

#define BLOB(b) (b), sizeof(b) - 1

static void decode_tests(apr_pool_t *p)
{
    const char *out, *err;
    apr_size_t len;
    err = bbw_logchunk_decode(p, BBW_LC_RAW, BLOB(plain), 0, &out, &len);
    check(!err && len == sizeof plain - 1 && memcmp(out, plain, len) == 0, "raw");
    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, BLOB(zlib_blob), 0, &out, &len);
    check(!err && len == sizeof plain - 1 && memcmp(out, plain, len) == 0, "zlib");
    err = bbw_logchunk_decode(p, BBW_LC_BZ2, BLOB(bz2_blob), 0, &out, &len);
    check(!err && len == sizeof plain - 1 && memcmp(out, plain, len) == 0, "bz2");
    err = bbw_logchunk_decode(p, BBW_LC_BZ2, BLOB(bz2_two), 0, &out, &len);
    check(!err && len == 6 && memcmp(out, "abcDEF", 6) == 0, "bz2: concatenated streams");
    err = bbw_logchunk_decode(p, BBW_LC_LZ4, BLOB(lz4_blob), 0, &out, &len);
    check(!err && len == sizeof plain - 1 && memcmp(out, plain, len) == 0, "lz4 block + size");
    err = bbw_logchunk_decode(p, BBW_LC_RAW, NULL, 0, 0, &out, &len);
    check(!err && len == 0, "NULL content is empty");

    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, zlib_blob, sizeof zlib_blob - 5, 0, &out, &len);
    check(prefix(err, "cannot decode log chunk"), "zlib: truncated");
    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, BLOB("garbage"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk"), "zlib: garbage");
    err = bbw_logchunk_decode(p, BBW_LC_BZ2, bz2_blob, sizeof bz2_blob - 5, 0, &out, &len);
    check(prefix(err, "cannot decode log chunk"), "bz2: truncated");
    err = bbw_logchunk_decode(p, BBW_LC_LZ4, BLOB("\001\000"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk"), "lz4: shorter than its header");
    err = bbw_logchunk_decode(p, BBW_LC_LZ4, BLOB("\377\377\377\377\000"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk: decoded size exceeds"), "lz4: huge size header");
    char lie[sizeof lz4_blob];
    memcpy(lie, lz4_blob, sizeof lz4_blob);
    lie[0] = 30;
    err = bbw_logchunk_decode(p, BBW_LC_LZ4, lie, sizeof lie - 1, 0, &out, &len);
    check(prefix(err, "cannot decode log chunk"), "lz4: size header disagrees");
    err = bbw_logchunk_decode(p, BBW_LC_ZSTD, BLOB("x"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk: compression 4 (zstd"), "zstd (4.x): clean error");
    err = bbw_logchunk_decode(p, BBW_LC_BROTLI, BLOB("x"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk: compression 5 (brotli"), "brotli (4.x): clean error");
    err = bbw_logchunk_decode(p, 42, BLOB("x"), 0, &out, &len);
    check(prefix(err, "cannot decode log chunk: unknown compression 42"), "unknown code");

    /* Bombs: 32 MiB of zeros, over the default 16 MiB cap; a small cap. */
    apr_size_t big = 32u << 20;
    unsigned char *zeros = calloc(1, big);
    uLongf zlen = compressBound(big);
    unsigned char *z = malloc(zlen);
    compress2(z, &zlen, zeros, big, 9);
    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, (const char *)z, zlen, 0, &out, &len);
    check(prefix(err, "cannot decode log chunk: decoded size exceeds 16777216"), "zlib bomb refused");
    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, BLOB(zlib_blob), 10, &out, &len);
    check(prefix(err, "cannot decode log chunk: decoded size exceeds 10"), "cap argument");
    err = bbw_logchunk_decode(p, BBW_LC_ZLIB, BLOB(zlib_blob), sizeof plain - 1, &out, &len);
    check(!err && len == sizeof plain - 1, "exactly the cap is fine");
    free(z);
    free(zeros);
}

static int sliced(const char *text, apr_int64_t cf, apr_int64_t cl, apr_int64_t f,
                  apr_int64_t l, const char *want)
{
    const char *out;
    apr_size_t len;
    if (bbw_logchunk_slice(text, strlen(text), cf, cl, f, l, &out, &len) != 0)
        return want == NULL;
    return want && len == strlen(want) && memcmp(out, want, len) == 0;
}

static void slice_tests(void)
{
    check(sliced("a\nb\nc\nd", 10, 13, 0, 100, "a\nb\nc\nd"), "slice: whole chunk");
    check(sliced("a\nb\nc\nd", 10, 13, 11, 100, "b\nc\nd"), "slice: leading lines");
    check(sliced("a\nb\nc\nd", 10, 13, 0, 11, "a\nb"), "slice: trailing lines");
    check(sliced("a\nb\nc\nd", 10, 13, 12, 12, "c"), "slice: one line");
    check(sliced("a\n\n\nd", 0, 3, 1, 2, "\n"), "slice: empty lines");
    check(sliced("a\nb", 0, 9, 5, 9, NULL), "slice: fewer lines than promised (ValueError)");
    check(sliced("a\nb", 0, 9, 0, 1, NULL), "slice: trailing, too few lines (ValueError)");
}

static void stdio_tests(apr_pool_t *p)
{
    char name[64];
    for (size_t i = 0; i < sizeof stdio_cases / sizeof stdio_cases[0]; i++) {
        bbw_buf out;
        bbw_buf_init(&out, p, 16);
        int started = 0;
        for (int k = 0; k < stdio_cases[i].n; k++)
            bbw_logchunk_stdio_raw(&out, stdio_cases[i].chunks[k],
                                   strlen(stdio_cases[i].chunks[k]), &started);
        snprintf(name, sizeof name, "stdio raw, case %zu", i);
        check(out.len == stdio_cases[i].wantlen
              && memcmp(out.data, stdio_cases[i].want, out.len) == 0, name);
    }
}

int main(void)
{
    apr_pool_t *p;
    apr_initialize();
    apr_pool_create(&p, NULL);
    decode_tests(p);
    slice_tests();
    stdio_tests(p);
    apr_pool_destroy(p);
    apr_terminate();
    printf("1..%d\n", tests);
    return failures != 0;
}
