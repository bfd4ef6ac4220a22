/* Python-compatible JSON serialiser. Buildbot clients compare bytes (ETags,
 * caches) and humans diff pretty output, so we reproduce json.dumps exactly:
 * ensure_ascii escaping, float repr, sort_keys and both separator styles. */
#include "bbw_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bbw_buf_init(bbw_buf *b, apr_pool_t *pool, apr_size_t initial)
{
    b->pool = pool;
    b->cap = initial ? initial : 256;
    b->data = apr_palloc(pool, b->cap);
    b->len = 0;
}

static void buf_reserve(bbw_buf *b, apr_size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    apr_size_t cap = b->cap * 2;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = apr_palloc(b->pool, cap);
    memcpy(d, b->data, b->len);
    b->data = d;
    b->cap = cap;
}

void bbw_buf_add(bbw_buf *b, const char *s, apr_size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void bbw_buf_adds(bbw_buf *b, const char *s)
{
    bbw_buf_add(b, s, strlen(s));
}

static void add_u16(bbw_buf *b, unsigned cp)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, "\\u%04x", cp & 0xffff);
    bbw_buf_add(b, tmp, 6);
}

/* Decode one UTF-8 sequence; invalid bytes come back as U+FFFD so the output
 * stays valid JSON whatever the database holds. */
static unsigned utf8_next(const unsigned char *s, apr_size_t n, apr_size_t *used)
{
    unsigned c = s[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
            : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || (apr_size_t)len > n) {
        *used = 1;
        return 0xfffd;
    }
    unsigned cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f)
                : (c & 0x07);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *used = 1;
            return 0xfffd;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF are not
     * UTF-8 either. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        *used = 1;
        return 0xfffd;
    }
    *used = len;
    return cp;
}

void bbw_json_write_string(bbw_buf *out, const char *str, apr_size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    buf_reserve(out, n + 2);
    bbw_buf_add(out, "\"", 1);
    apr_size_t i = 0;
    while (i < n) {
        apr_size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"'
               && s[run] != '\\')
            run++;
        if (run > i) {
            bbw_buf_add(out, str + i, run - i);
            i = run;
            continue;
        }
        unsigned c = s[i];
        switch (c) {
        case '"': bbw_buf_add(out, "\\\"", 2); i++; continue;
        case '\\': bbw_buf_add(out, "\\\\", 2); i++; continue;
        case '\n': bbw_buf_add(out, "\\n", 2); i++; continue;
        case '\r': bbw_buf_add(out, "\\r", 2); i++; continue;
        case '\t': bbw_buf_add(out, "\\t", 2); i++; continue;
        case '\b': bbw_buf_add(out, "\\b", 2); i++; continue;
        case '\f': bbw_buf_add(out, "\\f", 2); i++; continue;
        default: break;
        }
        if (c < 0x80) {
            add_u16(out, c);
            i++;
            continue;
        }
        apr_size_t used;
        unsigned cp = utf8_next(s + i, n - i, &used);
        i += used;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            add_u16(out, 0xd800 | (cp >> 10));
            add_u16(out, 0xdc00 | (cp & 0x3ff));
        }
        else {
            add_u16(out, cp);
        }
    }
    bbw_buf_add(out, "\"", 1);
}

/* Python's float repr: the shortest digits that round-trip, fixed notation
 * for exponents in [-4, 16), scientific otherwise, always a '.' or 'e'. */
void bbw_json_write_real(bbw_buf *out, double d)
{
    char digits[40], res[48];
    if (isnan(d)) { bbw_buf_adds(out, "NaN"); return; }
    if (isinf(d)) { bbw_buf_adds(out, d < 0 ? "-Infinity" : "Infinity"); return; }
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(digits, sizeof digits, "%.*e", prec - 1, d);
        if (strtod(digits, NULL) == d)
            break;
    }
    /* digits is like "-1.2345e+05": split mantissa digits and exponent. */
    char *e = strchr(digits, 'e');
    int exp10 = atoi(e + 1);
    *e = '\0';
    char mant[24];
    int m = 0, neg = digits[0] == '-';
    for (char *p = digits + neg; *p; p++)
        if (*p != '.')
            mant[m++] = *p;
    mant[m] = '\0';
    char *o = res;
    if (neg)
        *o++ = '-';
    if (exp10 >= -4 && exp10 < 16) {   /* repr switches at 1e16 and 1e-5 */
        if (exp10 < 0) {
            o += sprintf(o, "0.");
            for (int k = 0; k < -exp10 - 1; k++)
                *o++ = '0';
            o += sprintf(o, "%s", mant);
        }
        else {
            for (int k = 0; k <= exp10; k++)
                *o++ = k < m ? mant[k] : '0';
            *o++ = '.';
            if (m > exp10 + 1)
                o += sprintf(o, "%s", mant + exp10 + 1);
            else
                *o++ = '0';
        }
        *o = '\0';
    }
    else {
        *o++ = mant[0];
        if (m > 1) {
            *o++ = '.';
            o += sprintf(o, "%s", mant + 1);
        }
        sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    }
    bbw_buf_adds(out, res);
}

typedef struct {
    const char *key;
    size_t len;
    const json_t *value;
} obj_member;

static int member_cmp(const void *a, const void *b)
{
    /* UTF-8 byte order equals code point order. */
    const obj_member *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

static void newline_indent(bbw_buf *out, int depth)
{
    buf_reserve(out, 1 + 2 * depth);
    out->data[out->len++] = '\n';
    for (int i = 0; i < 2 * depth; i++)
        out->data[out->len++] = ' ';
    out->data[out->len] = '\0';
}

static void write_value(bbw_buf *out, const json_t *v, bbw_json_style st,
                        int sort_keys, int depth)
{
    const char *item_sep = st == BBW_JSON_DEFAULT ? ", " : ",";
    const char *key_sep = st == BBW_JSON_COMPACT ? ":" : ": ";
    char num[32];

    if (!v) {   /* never expected; print null rather than crash */
        bbw_buf_add(out, "null", 4);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_NULL: bbw_buf_add(out, "null", 4); return;
    case JSON_TRUE: bbw_buf_add(out, "true", 4); return;
    case JSON_FALSE: bbw_buf_add(out, "false", 5); return;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        bbw_buf_adds(out, num);
        return;
    case JSON_REAL:
        bbw_json_write_real(out, json_real_value(v));
        return;
    case JSON_STRING:
        bbw_json_write_string(out, json_string_value(v), json_string_length(v));
        return;
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) { bbw_buf_add(out, "[]", 2); return; }
        bbw_buf_add(out, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                bbw_buf_adds(out, item_sep);
            if (st == BBW_JSON_PRETTY)
                newline_indent(out, depth + 1);
            write_value(out, json_array_get(v, i), st, sort_keys, depth + 1);
        }
        if (st == BBW_JSON_PRETTY)
            newline_indent(out, depth);
        bbw_buf_add(out, "]", 1);
        return;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        if (n == 0) { bbw_buf_add(out, "{}", 2); return; }
        /* Entities have a few dozen keys at most: no allocation for those.
         * Keys are taken with their length (a key may hold a NUL byte) and
         * written from the iterator, never looked up again by C string. */
        obj_member small[32];
        obj_member *m = n <= 32 ? small : malloc(n * sizeof *m);
        if (!m)
            return;
        size_t k = 0;
        for (void *it = json_object_iter((json_t *)v); it && k < n;
             it = json_object_iter_next((json_t *)v, it)) {
            m[k].key = json_object_iter_key(it);
            m[k].len = json_object_iter_key_len(it);
            m[k].value = json_object_iter_value(it);
            k++;
        }
        if (sort_keys)
            qsort(m, k, sizeof *m, member_cmp);
        bbw_buf_add(out, "{", 1);
        for (size_t i = 0; i < k; i++) {
            if (i)
                bbw_buf_adds(out, item_sep);
            if (st == BBW_JSON_PRETTY)
                newline_indent(out, depth + 1);
            bbw_json_write_string(out, m[i].key, m[i].len);
            bbw_buf_adds(out, key_sep);
            write_value(out, m[i].value, st, sort_keys, depth + 1);
        }
        if (m != small)
            free(m);
        if (st == BBW_JSON_PRETTY)
            newline_indent(out, depth);
        bbw_buf_add(out, "}", 1);
        return;
    }
    }
}

void bbw_json_write(bbw_buf *out, const json_t *v, bbw_json_style style,
                    int sort_keys)
{
    write_value(out, v, style, sort_keys, 0);
}

const char *bbw_json_dumps(apr_pool_t *p, const json_t *v,
                           bbw_json_style style, int sort_keys)
{
    bbw_buf b;
    bbw_buf_init(&b, p, 256);
    bbw_json_write(&b, v, style, sort_keys);
    return b.data;
}
