/* Unit tests for bbw_pyjson_error: Python 3.11's json.loads error texts.
 * The table's answers were produced by /usr/bin/python3 (3.11) running
 * json.loads(body.decode('utf-8')). TAP output.
 *
 * `unit_pyjson --cases FILE` instead compares against a file written by
 * t/unit/pyjson_cases.py (a differential run; needs Python only then). */
#include "bbw_pyjson.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"

typedef struct {
    const char *in;
    size_t len;
    const char *want; /* NULL: Python parses it */
    const char *name;
} pycase;

#define T(in, want, name) { in, sizeof(in) - 1, want, name }

static const pycase table[] = {
    T("", "Expecting value: line 1 column 1 (char 0)", "empty body"),
    T(" ", "Expecting value: line 1 column 2 (char 1)", "blank body"),
    T("\n", "Expecting value: line 2 column 1 (char 1)", "newline only"),
    T("x", "Expecting value: line 1 column 1 (char 0)", "bare word"),
    T("{\"a\": 1} x", "Extra data: line 1 column 10 (char 9)", "trailing word"),
    T("{\"a\": 1}\n  x", "Extra data: line 2 column 3 (char 11)", "extra data on line 2"),
    T("{\"a\": 1}{}", "Extra data: line 1 column 9 (char 8)", "two objects"),
    T("1 2", "Extra data: line 1 column 3 (char 2)", "two numbers"),
    T("[1,]", "Expecting value: line 1 column 4 (char 3)", "trailing comma in a list"),
    T("{\"a\": -}", "Expecting value: line 1 column 7 (char 6)", "lone minus in an object"),
    T("\t\n {\"a\":\n x}", "Expecting value: line 3 column 2 (char 10)", "bad value on line 3"),
    T("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", "open brace"),
    T("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)", "missing colon"),
    T("{\"a\": 1,}", "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)", "trailing comma in an object"),
    T("{\"a\": 01}", "Expecting ',' delimiter: line 1 column 8 (char 7)", "leading zero"),
    T("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)", "unterminated string"),
    T("tru", "Expecting value: line 1 column 1 (char 0)", "truncated true"),
    T("\377", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte", "invalid start byte"),
    T("\357\273\277{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)", "UTF-8 BOM"),
    T("{\"a\":1}", NULL, "object"),
    T(" [1, 2.5, -0.5e+3, true, false, null] \r\n", NULL, "array with white space"),
    T("NaN", NULL, "NaN"),
    T("Infinity", NULL, "Infinity"),
    T("-Infinity", NULL, "-Infinity"),
    T("[-Inf]", "Expecting value: line 1 column 2 (char 1)", "-Inf"),
    T("nul", "Expecting value: line 1 column 1 (char 0)", "nul"),
    T("nullx", "Extra data: line 1 column 5 (char 4)", "null then x"),
    T("1.", "Extra data: line 1 column 2 (char 1)", "1."),
    T("1.e5", "Extra data: line 1 column 2 (char 1)", "1.e5"),
    T("1e", "Extra data: line 1 column 2 (char 1)", "1e"),
    T("1e+", "Extra data: line 1 column 2 (char 1)", "1e+"),
    T("1E-7", NULL, "1E-7"),
    T("-", "Expecting value: line 1 column 1 (char 0)", "lone minus"),
    T("-01", "Extra data: line 1 column 3 (char 2)", "-01"),
    T("+1", "Expecting value: line 1 column 1 (char 0)", "+1"),
    T(".5", "Expecting value: line 1 column 1 (char 0)", ".5"),
    T("0x10", "Extra data: line 1 column 2 (char 1)", "0x10"),
    T("\0141", "Expecting value: line 1 column 1 (char 0)", "form feed is no white space"),
    T("\302\2401", "Expecting value: line 1 column 1 (char 0)", "NBSP is no white space"),
    T("\"\\x\"", "Invalid \\escape: line 1 column 2 (char 1)", "invalid escape"),
    T("\"\\", "Unterminated string starting at: line 1 column 1 (char 0)", "backslash at end"),
    T("\"a\\", "Unterminated string starting at: line 1 column 1 (char 0)", "unterminated after backslash"),
    T("\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", "short uXXXX"),
    T("\"\\u0041", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", "uXXXX at end of input"),
    T("\"\\u0041\"", NULL, "uXXXX"),
    T("\"\\u00zz\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", "bad hex"),
    T("\"\\ud800\\uzzzz\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)", "bad hex in low surrogate"),
    T("\"\\ud800\\udc0", "Invalid \\uXXXX escape: line 1 column 9 (char 8)", "truncated low surrogate"),
    T("\"\\ud83d\\ude00\"", NULL, "surrogate pair"),
    T("\"\\ud800\"", NULL, "lone high surrogate"),
    T("\"\\udc00\\ud800\"", NULL, "reversed surrogates"),
    T("\"\\ud800\\u0041\"", NULL, "high surrogate then BMP"),
    T("\"a\001\"", "Invalid control character at: line 1 column 3 (char 2)", "control character"),
    T("\"a\000b\"", "Invalid control character at: line 1 column 3 (char 2)", "NUL in a string"),
    T("\"a\tb\"", "Invalid control character at: line 1 column 3 (char 2)", "tab in a string"),
    T("\"\177\"", NULL, "DEL in a string"),
    T("\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", NULL, "all simple escapes"),
    T("\"\\U0041\"", "Invalid \\escape: line 1 column 2 (char 1)", "capital U"),
    T("\"\303\251\\q\"", "Invalid \\escape: line 1 column 3 (char 2)", "escape error after non-ASCII"),
    T("[\"\360\237\230\200\", x]", "Expecting value: line 1 column 7 (char 6)", "position after astral"),
    T("\303\251\n\303\251x", "Expecting value: line 1 column 1 (char 0)", "non-ASCII at start, line 1"),
    T("[1,\n\"\342\202\254\342\202\254\",\n\342\202\254]", "Expecting value: line 3 column 1 (char 10)", "column in code points"),
    T("{1:2}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", "number key"),
    T("{'a':1}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", "single quotes"),
    T("{\"a\":1 \"b\":2}", "Expecting ',' delimiter: line 1 column 8 (char 7)", "missing comma in object"),
    T("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)", "missing comma in array"),
    T("[", "Expecting value: line 1 column 2 (char 1)", "open bracket"),
    T("[1", "Expecting ',' delimiter: line 1 column 3 (char 2)", "unclosed array"),
    T("{\"a\":1", "Expecting ',' delimiter: line 1 column 7 (char 6)", "unclosed object"),
    T("{\"a\"", "Expecting ':' delimiter: line 1 column 5 (char 4)", "key only"),
    T("{\"a\":", "Expecting value: line 1 column 6 (char 5)", "key and colon"),
    T("{ }", NULL, "empty object with space"),
    T("[ ]", NULL, "empty array with space"),
    T("[,1]", "Expecting value: line 1 column 2 (char 1)", "leading comma"),
    T("{\"a\":1,,\"b\":2}", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)", "double comma"),
    T("\r\n\r\n]", "Expecting value: line 3 column 1 (char 4)", "close bracket on line 3 after CRLF"),
    T("\342\202A", "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte", "invalid second continuation"),
    T("\342\202", "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data", "truncated 3-byte"),
    T("\355\240\200", "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte", "encoded surrogate"),
    T("\364\220\200\200", "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte", "beyond U+10FFFF"),
    T("\360\237\230", "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data", "truncated 4-byte"),
    T("a\303", "'utf-8' codec can't decode byte 0xc3 in position 1: unexpected end of data", "truncated 2-byte"),
    T("\300\257", "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte", "overlong C0"),
    T("\340\200\200", "'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte", "overlong E0"),
    T("\360\200\200\200", "'utf-8' codec can't decode byte 0xf0 in position 0: invalid continuation byte", "overlong F0"),
    T("\365\200", "'utf-8' codec can't decode byte 0xf5 in position 0: invalid start byte", "F5 lead"),
    T("\200", "'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte", "lone continuation"),
    T("\360\237\230A", "'utf-8' codec can't decode bytes in position 0-2: invalid continuation byte", "invalid third continuation"),
    T("\"ok\" \377", "'utf-8' codec can't decode byte 0xff in position 5: invalid start byte", "decode error wins over extra data"),
    T("{\"a\":\302A}", "'utf-8' codec can't decode byte 0xc2 in position 5: invalid continuation byte", "invalid 2-byte continuation"),
    T("\357\273\277", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)", "BOM only"),
    T(" \357\273\277{}", "Expecting value: line 1 column 2 (char 1)", "BOM after space"),
    T("1\000", "Extra data: line 1 column 2 (char 1)", "NUL after value"),
    T("truefalse", "Extra data: line 1 column 5 (char 4)", "true then false"),
    T("[true,false,null,NaN,Infinity,-Infinity]", NULL, "all constants"),
    T("-0", NULL, "-0"),
    T("0e0", NULL, "0e0"),
    T("123.456e-789", NULL, "tiny float"),
    T("1e99999", NULL, "huge float"),
};

static void check_py(apr_pool_t *p, const char *in, size_t len, const char *want,
                     const char *name)
{
    const char *got = bbw_pyjson_error(p, in, len);
    if (!want || !got) {
        check(!want && !got, name);
        if (want || got)
            printf("# got:  %s\n# want: %s\n", got ? got : "(parsed)", want ? want : "(parsed)");
    }
    else
        check_str(got, want, name);
}

static void table_tests(apr_pool_t *p)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        check_py(p, table[i].in, table[i].len, table[i].want, table[i].name);
}

/* n times the text a, then b, then n times c. */
static char *repeat3(apr_pool_t *p, const char *a, int n, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = apr_palloc(p, n * (la + lc) + lb + 1), *o = s;
    for (int i = 0; i < n; i++, o += la)
        memcpy(o, a, la);
    memcpy(o, b, lb);
    o += lb;
    for (int i = 0; i < n; i++, o += lc)
        memcpy(o, c, lc);
    *o = '\0';
    return s;
}

/* Inputs too long for the table; answers from python3 as well. */
static void bound_tests(apr_pool_t *p)
{
    char *s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH, "", "]");
    check_py(p, s, strlen(s), NULL, "995 nested arrays parse");
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH + 1, "", "]");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded while decoding a JSON array "
             "from a unicode string", "the 996th array is a RecursionError");
    s = repeat3(p, "{\"a\":", BBW_PYJSON_MAX_DEPTH + 1, "1", "}");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded while decoding a JSON object "
             "from a unicode string", "the 996th object is a RecursionError");
    s = repeat3(p, "[", 5000, "x", "");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded while decoding a JSON array "
             "from a unicode string", "the depth error comes before the bad value");
    /* A JSONDecodeError raised inside the scanner needs three spare
     * recursion levels (python3 at the calibrated call site of
     * pyjson_cases.py): 993 open arrays, then 994, then 995. */
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH - 3, "1 2", "");
    check_py(p, s, strlen(s), "Expecting ',' delimiter: line 1 column 995 (char 994)",
             "992 open arrays: the JSONDecodeError");
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH - 2, "1 2", "");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded while calling a Python object",
             "993 open: no room to call JSONDecodeError.__init__'s ValueError.__init__");
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH - 1, "\"\\x\"", "");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded", "994 open: no room for __init__'s frame");
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH - 1, "{\"a\" 1}", "");
    check_py(p, s, strlen(s), "maximum recursion depth exceeded while calling a Python object",
             "995 open: no room to call JSONDecodeError");
    s = repeat3(p, "[", BBW_PYJSON_MAX_DEPTH, "x", "");
    check_py(p, s, strlen(s), "Expecting value: line 1 column 996 (char 995)",
             "995 open: Expecting value is a StopIteration, unaffected");
    s = repeat3(p, "[", 10, "x", "");
    check_py(p, s, strlen(s), "Expecting value: line 1 column 11 (char 10)",
             "a bad value at a shallow depth");

    s = repeat3(p, "1", 4300, "", "");
    check_py(p, s, strlen(s), NULL, "an integer of 4300 digits");
    s = repeat3(p, "1", 4301, "", "");
    check_py(p, s, strlen(s), "Exceeds the limit (4300 digits) for integer string conversion: "
             "value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit",
             "an integer of 4301 digits");
    s = apr_pstrcat(p, "[-", repeat3(p, "1", 4301, "", ""), ", x]", NULL);
    check_py(p, s, strlen(s), "Exceeds the limit (4300 digits) for integer string conversion: "
             "value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit",
             "the sign is no digit, and the limit comes before a later error");
    s = apr_pstrcat(p, repeat3(p, "1", 5000, "", ""), ".0", NULL);
    check_py(p, s, strlen(s), NULL, "a float has no digit limit");

    /* 64 KiB: a long string, then a bad escape at its end. */
    s = apr_pstrcat(p, "\"", repeat3(p, "\303\251", 32760, "", ""), "\\x\"", NULL);
    check_py(p, s, strlen(s), "Invalid \\escape: line 1 column 32762 (char 32761)",
             "64 KiB, positions in code points");
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "h" and hex digits, decoded in place; returns the length or -1. */
static long unhex(char *s)
{
    if (*s != 'h')
        return -1;
    long n = 0;
    for (char *h = s + 1; h[0] && h[1]; h += 2) {
        int a = hexval(h[0]), b = hexval(h[1]);
        if (a < 0 || b < 0)
            return -1;
        s[n++] = (char)(a << 4 | b);
    }
    s[n] = '\0';
    return n;
}

/* One check per line of a pyjson_cases.py file. */
static void file_tests(apr_pool_t *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        check(0, apr_psprintf(p, "open %s", path));
        return;
    }
    static char line[1 << 20];
    int no = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        line[strcspn(line, "\r\n")] = '\0';
        char *want = strchr(line, ' ');
        if (!want) {
            check(0, apr_psprintf(p, "line %d is malformed", no));
            continue;
        }
        *want++ = '\0';
        long n = unhex(line);
        int parses = strcmp(want, "-") == 0;
        if (n < 0 || (!parses && unhex(want) < 0)) {
            check(0, apr_psprintf(p, "line %d is malformed", no));
            continue;
        }
        apr_pool_t *sub;
        apr_pool_create(&sub, p);
        check_py(sub, line, n, parses ? NULL : want, apr_psprintf(sub, "case line %d", no));
        apr_pool_destroy(sub);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    apr_initialize();
    apr_pool_create(&p, NULL);
    if (argc == 3 && strcmp(argv[1], "--cases") == 0)
        file_tests(p, argv[2]);
    else {
        table_tests(p);
        bound_tests(p);
    }
    printf("1..%d\n", tests);
    apr_pool_destroy(p);
    apr_terminate();
    return failures ? 1 : 0;
}
