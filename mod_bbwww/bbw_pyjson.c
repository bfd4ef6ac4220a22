/* Python 3.11's json.loads(bytes.decode('utf-8')) errors, re-derived from
 * the behaviour of CPython's strict UTF-8 decoder and its C json scanner
 * (_json), which is what json.loads uses, not decoder.py's py_scanstring
 * (the two differ: the C one reports "Invalid \escape" at the backslash and
 * "Invalid control character at" without the character).
 *
 * The body is first decoded to one byte per code point: ASCII kept, any
 * other code point replaced by 0x80. The scanner only ever looks for ASCII
 * characters, and Python counts positions in code points, so indexes into
 * that copy are Python's indexes. The scanner is iterative (an explicit
 * stack of open containers) so a deep body cannot exhaust the C stack. */
#include "bbw_pyjson.h"

#include <apr_strings.h>
#include <string.h>

#define NON_ASCII 0x80
/* sys.get_int_max_str_digits() by default. */
#define INT_MAX_DIGITS 4300

typedef struct {
    apr_pool_t *p;
    const unsigned char *c; /* one byte per code point */
    apr_size_t len;         /* in code points */
    const char *err;        /* the exception text once failed */
    char *open;             /* '[' or '{' of each open container */
    int depth;              /* how many are open */
} scanner;

/* --- UTF-8: CPython's strict decoder ------------------------------------ */

static int is_cont(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

/* Bytes in the sequence a lead byte starts; 0 for an invalid start byte
 * (continuation bytes, the overlong C0/C1, and F5..FF beyond U+10FFFF). */
static int seq_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xC2)
        return 0;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    return b < 0xF5 ? 4 : 0;
}

/* The second byte has a narrower range after E0 (overlong), ED
 * (surrogates), F0 (overlong) and F4 (beyond U+10FFFF). */
static int second_ok(unsigned char lead, unsigned char b)
{
    if (!is_cont(b))
        return 0;
    switch (lead) {
    case 0xE0: return b >= 0xA0;
    case 0xED: return b < 0xA0;
    case 0xF0: return b >= 0x90;
    case 0xF4: return b < 0x90;
    default:   return 1;
    }
}

/* UnicodeDecodeError's str(): one byte is named by value, a range by its
 * first and last positions. */
static const char *decode_error(apr_pool_t *p, const unsigned char *s, apr_size_t start,
                                apr_size_t end, const char *reason)
{
    if (end - start == 1)
        return apr_psprintf(p, "'utf-8' codec can't decode byte 0x%02x in position %"
                            APR_SIZE_T_FMT ": %s", s[start], start, reason);
    return apr_psprintf(p, "'utf-8' codec can't decode bytes in position %" APR_SIZE_T_FMT
                        "-%" APR_SIZE_T_FMT ": %s", start, end - 1, reason);
}

/* Checks the sequence at s[i]; returns its length, or 0 with *err set.
 * Like CPython, an invalid continuation byte ends the reported range before
 * it, and running out of input reports everything left. */
static apr_size_t decode_one(apr_pool_t *p, const unsigned char *s, apr_size_t n,
                             apr_size_t i, const char **err)
{
    int need = seq_len(s[i]);
    if (need == 0) {
        *err = decode_error(p, s, i, i + 1, "invalid start byte");
        return 0;
    }
    for (int k = 1; k < need; k++) {
        if (i + k >= n) {
            *err = decode_error(p, s, i, n, "unexpected end of data");
            return 0;
        }
        if (k == 1 ? !second_ok(s[i], s[i + 1]) : !is_cont(s[i + k])) {
            *err = decode_error(p, s, i, i + k, "invalid continuation byte");
            return 0;
        }
    }
    return need;
}

/* Fills sc->c and sc->len; returns the UnicodeDecodeError text or NULL. */
static const char *flatten(scanner *sc, const unsigned char *s, apr_size_t n)
{
    unsigned char *out = apr_palloc(sc->p, n + 1);
    apr_size_t o = 0;
    for (apr_size_t i = 0; i < n;) {
        const char *err = NULL;
        apr_size_t k = decode_one(sc->p, s, n, i, &err);
        if (!k)
            return err;
        out[o++] = k == 1 ? s[i] : NON_ASCII;
        i += k;
    }
    sc->c = out;
    sc->len = o;
    return NULL;
}

/* --- JSONDecodeError ------------------------------------------------------ */

/* JSONDecodeError's str(): lines split on \n only; the column counts from
 * the last newline before pos (or from -1 without one). */
static int fail_at(scanner *sc, const char *msg, apr_size_t pos)
{
    apr_size_t line = 1, col = pos + 1;
    for (apr_size_t i = 0; i < pos; i++) {
        if (sc->c[i] == '\n') {
            line++;
            col = pos - i;
        }
    }
    sc->err = apr_psprintf(sc->p, "%s: line %" APR_SIZE_T_FMT " column %" APR_SIZE_T_FMT
                           " (char %" APR_SIZE_T_FMT ")", msg, line, col, pos);
    return 0;
}

/* The C scanner raises JSONDecodeError by calling the Python class, which
 * takes three more recursion levels (the call, __init__'s frame, its call
 * of ValueError.__init__): near the nesting limit the RecursionError of the
 * one that no longer fits replaces it. "Expecting value" is not concerned:
 * the scanner signals it with StopIteration, turned into JSONDecodeError
 * only at the top. */
static int raise_errmsg(scanner *sc, const char *msg, apr_size_t pos)
{
    switch (BBW_PYJSON_MAX_DEPTH - sc->depth) {
    case 0:
    case 2:
        sc->err = "maximum recursion depth exceeded while calling a Python object";
        return 0;
    case 1:
        sc->err = "maximum recursion depth exceeded";
        return 0;
    default:
        return fail_at(sc, msg, pos);
    }
}

/* --- the scanner ---------------------------------------------------------- */

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static apr_size_t skip_ws(const scanner *sc, apr_size_t i)
{
    while (i < sc->len && is_ws(sc->c[i]))
        i++;
    return i;
}

static int is_digit(const scanner *sc, apr_size_t i)
{
    return i < sc->len && sc->c[i] >= '0' && sc->c[i] <= '9';
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at i; -1 if any is not one. */
static long hex4(const scanner *sc, apr_size_t i)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int d = hex_val(sc->c[i + k]);
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* A \uXXXX escape whose 'u' is at u; returns the index after it. The C
 * scanner wants a character after the four digits (so an unterminated
 * string ending in one is an escape error), and reads a following \uXXXX as
 * a low surrogate only with more than six characters after the first. */
static int scan_uescape(scanner *sc, apr_size_t u, apr_size_t *end)
{
    apr_size_t e = u + 5;
    if (e >= sc->len)
        return raise_errmsg(sc, "Invalid \\uXXXX escape", u);
    long cp = hex4(sc, u + 1);
    if (cp < 0)
        return raise_errmsg(sc, "Invalid \\uXXXX escape", u);
    if (cp >= 0xD800 && cp <= 0xDBFF && e + 6 < sc->len
        && sc->c[e] == '\\' && sc->c[e + 1] == 'u') {
        long lo = hex4(sc, e + 2);
        if (lo < 0)
            return raise_errmsg(sc, "Invalid \\uXXXX escape", e + 1);
        if (lo >= 0xDC00 && lo <= 0xDFFF)
            e += 6;
    }
    *end = e;
    return 1;
}

static int is_simple_escape(unsigned char c)
{
    switch (c) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return 1;
    default:
        return 0;
    }
}

/* The string whose opening quote is at begin; *end gets the index after
 * the closing one. */
static int scan_string(scanner *sc, apr_size_t begin, apr_size_t *end)
{
    apr_size_t i = begin + 1;
    for (;;) {
        while (i < sc->len && sc->c[i] != '"' && sc->c[i] != '\\') {
            if (sc->c[i] <= 0x1f)
                return raise_errmsg(sc, "Invalid control character at", i);
            i++;
        }
        if (i >= sc->len)
            return raise_errmsg(sc, "Unterminated string starting at", begin);
        if (sc->c[i] == '"') {
            *end = i + 1;
            return 1;
        }
        if (i + 1 >= sc->len)
            return raise_errmsg(sc, "Unterminated string starting at", begin);
        if (sc->c[i + 1] == 'u') {
            if (!scan_uescape(sc, i + 1, &i))
                return 0;
        }
        else if (is_simple_escape(sc->c[i + 1]))
            i += 2;
        else
            return raise_errmsg(sc, "Invalid \\escape", i);
    }
}

/* -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? with the optional parts given up
 * when incomplete ("1." is 1 then extra data). Python fails an integer of
 * more than 4300 digits while converting it. */
static int scan_number(scanner *sc, apr_size_t start, apr_size_t *end)
{
    apr_size_t i = start;
    int is_float = 0;
    if (i < sc->len && sc->c[i] == '-')
        i++;
    apr_size_t digits = i;
    if (!is_digit(sc, i))
        return fail_at(sc, "Expecting value", start);
    if (sc->c[i++] != '0')
        while (is_digit(sc, i))
            i++;
    apr_size_t ndigits = i - digits;
    if (i < sc->len && sc->c[i] == '.' && is_digit(sc, i + 1)) {
        is_float = 1;
        for (i += 2; is_digit(sc, i); i++)
            ;
    }
    if (i < sc->len && (sc->c[i] == 'e' || sc->c[i] == 'E')) {
        apr_size_t j = i + 1;
        if (j < sc->len && (sc->c[j] == '-' || sc->c[j] == '+'))
            j++;
        if (is_digit(sc, j)) {
            is_float = 1;
            for (i = j; is_digit(sc, i); i++)
                ;
        }
    }
    if (!is_float && ndigits > INT_MAX_DIGITS) {
        sc->err = apr_psprintf(sc->p, "Exceeds the limit (%d digits) for integer string "
                               "conversion: value has %" APR_SIZE_T_FMT " digits; use "
                               "sys.set_int_max_str_digits() to increase the limit",
                               INT_MAX_DIGITS, ndigits);
        return 0;
    }
    *end = i;
    return 1;
}

static int has_word(const scanner *sc, apr_size_t i, const char *w)
{
    apr_size_t n = strlen(w);
    return sc->len - i >= n && memcmp(sc->c + i, w, n) == 0;
}

/* A constant (null, true, false, NaN, Infinity, -Infinity) at i. */
static int scan_constant(const scanner *sc, apr_size_t i, apr_size_t *end)
{
    static const char *const words[] = { "null", "true", "false", "NaN", "Infinity", "-Infinity" };
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        if (has_word(sc, i, words[k])) {
            *end = i + strlen(words[k]);
            return 1;
        }
    }
    return 0;
}

/* What the scanner wants next. */
enum { WANT_VALUE, WANT_KEY, AFTER_VALUE, DONE };

/* Enters the container at i; its content starts after the white space. */
static int open_container(scanner *sc, apr_size_t *i, int *state)
{
    char kind = sc->c[*i];
    if (sc->depth == BBW_PYJSON_MAX_DEPTH) {
        sc->err = apr_pstrcat(sc->p, "maximum recursion depth exceeded while decoding a JSON ",
                              kind == '[' ? "array" : "object", " from a unicode string", NULL);
        return 0;
    }
    sc->open[sc->depth++] = kind;
    *i = skip_ws(sc, *i + 1);
    if (*i < sc->len && sc->c[*i] == (kind == '[' ? ']' : '}')) {
        sc->depth--;
        (*i)++;
        *state = AFTER_VALUE;
    }
    else
        *state = kind == '[' ? WANT_VALUE : WANT_KEY;
    return 1;
}

/* A value at i: no white space is skipped first (the caller did). */
static int scan_value(scanner *sc, apr_size_t *i, int *state)
{
    if (*i < sc->len && (sc->c[*i] == '[' || sc->c[*i] == '{'))
        return open_container(sc, i, state);
    *state = AFTER_VALUE;
    if (*i < sc->len && sc->c[*i] == '"')
        return scan_string(sc, *i, i);
    if (*i < sc->len && scan_constant(sc, *i, i))
        return 1;
    return scan_number(sc, *i, i);
}

/* A key and its ':' at i; the value follows after white space. */
static int scan_key(scanner *sc, apr_size_t *i, int *state)
{
    if (*i >= sc->len || sc->c[*i] != '"')
        return raise_errmsg(sc, "Expecting property name enclosed in double quotes", *i);
    if (!scan_string(sc, *i, i))
        return 0;
    *i = skip_ws(sc, *i);
    if (*i >= sc->len || sc->c[*i] != ':')
        return raise_errmsg(sc, "Expecting ':' delimiter", *i);
    *i = skip_ws(sc, *i + 1);
    *state = WANT_VALUE;
    return 1;
}

/* After a value inside a container: its close, or ',' and the next item. */
static int after_value(scanner *sc, apr_size_t *i, int *state)
{
    if (sc->depth == 0) {
        *state = DONE;
        return 1;
    }
    char kind = sc->open[sc->depth - 1];
    *i = skip_ws(sc, *i);
    if (*i < sc->len && sc->c[*i] == (kind == '[' ? ']' : '}')) {
        sc->depth--;
        (*i)++;
        return 1;
    }
    if (*i >= sc->len || sc->c[*i] != ',')
        return raise_errmsg(sc, "Expecting ',' delimiter", *i);
    *i = skip_ws(sc, *i + 1);
    *state = kind == '[' ? WANT_VALUE : WANT_KEY;
    return 1;
}

/* The whole document: white space, one value, white space. */
static int scan_document(scanner *sc)
{
    sc->open = apr_palloc(sc->p, BBW_PYJSON_MAX_DEPTH);
    sc->depth = 0;
    apr_size_t i = skip_ws(sc, 0);
    int state = WANT_VALUE, ok = 1;
    while (ok && state != DONE) {
        switch (state) {
        case WANT_VALUE: ok = scan_value(sc, &i, &state); break;
        case WANT_KEY:   ok = scan_key(sc, &i, &state); break;
        default:         ok = after_value(sc, &i, &state); break;
        }
    }
    if (!ok)
        return 0;
    i = skip_ws(sc, i);
    if (i != sc->len)
        return fail_at(sc, "Extra data", i);
    return 1;
}

const char *bbw_pyjson_error(apr_pool_t *p, const char *s, apr_size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    scanner sc = { p, NULL, 0, NULL, NULL, 0 };
    const char *err = flatten(&sc, b, n);
    if (err)
        return err;
    /* json.loads refuses a str starting with U+FEFF before scanning. */
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        fail_at(&sc, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
        return sc.err;
    }
    return scan_document(&sc) ? NULL : sc.err;
}
