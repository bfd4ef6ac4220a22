/* Unit tests for mod_bbwww's httpd-free core: the Python-compatible JSON
 * writer, the query language and CORS origin matching. TAP output. */
#include "bbw_json.h"
#include "bbw_query.h"
#include "bbw_cors.h"
#include "bbw_router.h"

#include <apr_general.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"

static const char *real(apr_pool_t *p, double d)
{
    bbw_buf b;
    bbw_buf_init(&b, p, 16);
    bbw_json_write_real(&b, d);
    return b.data;
}

static void json_tests(apr_pool_t *p)
{
    /* Python's repr(float) */
    check_str(real(p, 2.5), "2.5", "float 2.5");
    check_str(real(p, 0.1), "0.1", "float 0.1 shortest round-trip");
    check_str(real(p, 1.0), "1.0", "integral float keeps .0");
    check_str(real(p, 1e16), "1e+16", "1e16 switches to exponent");
    check_str(real(p, 123456789012345.0), "123456789012345.0", "large fixed");
    check_str(real(p, 0.0001), "0.0001", "1e-4 stays fixed");
    check_str(real(p, 0.00001), "1e-05", "1e-5 uses exponent");
    check_str(real(p, -3.25), "-3.25", "negative");

    json_t *v = json_loads("{\"b\": [1, {\"z\": null, \"a\": true}], \"a\": \"Zo\\u00eb \\ud834\\udd1e \\u007f/\"}", 0, NULL);
    check_str(bbw_json_dumps(p, v, BBW_JSON_COMPACT, 1),
              "{\"a\":\"Zo\\u00eb \\ud834\\udd1e \\u007f/\",\"b\":[1,{\"a\":true,\"z\":null}]}",
              "compact, sorted, ASCII-escaped, surrogate pairs, DEL escaped, / kept");
    check_str(bbw_json_dumps(p, v, BBW_JSON_DEFAULT, 0),
              "{\"b\": [1, {\"z\": null, \"a\": true}], \"a\": \"Zo\\u00eb \\ud834\\udd1e \\u007f/\"}",
              "default separators keep insertion order");
    json_decref(v);
    v = json_loads("{\"k\": [], \"o\": {}, \"l\": [1, 2]}", 0, NULL);
    check_str(bbw_json_dumps(p, v, BBW_JSON_PRETTY, 1),
              "{\n  \"k\": [],\n  \"l\": [\n    1,\n    2\n  ],\n  \"o\": {}\n}",
              "pretty: indent 2, empty containers inline, no trailing newline");
    json_decref(v);
    bbw_buf b;
    bbw_buf_init(&b, p, 8);
    bbw_json_write_string(&b, "a\x01\n\"\\\xff", 6);
    check_str(b.data, "\"a\\u0001\\n\\\"\\\\\\ufffd\"", "control chars, quotes, invalid UTF-8");
    bbw_buf_init(&b, p, 8);
    bbw_json_write_string(&b, "\xc0\xaf\xed\xa0\x80", 5);
    check_str(b.data, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"", "overlong and surrogate bytes");
    v = json_object();
    json_object_setn_new_nocheck(v, "a\0b", 3, json_integer(1));
    json_object_set_new(v, "a", json_integer(2));
    check_str(bbw_json_dumps(p, v, BBW_JSON_COMPACT, 1), "{\"a\":2,\"a\\u0000b\":1}",
              "object keys holding NUL bytes");
    json_decref(v);
}

static void query_tests(apr_pool_t *p)
{
    apr_int64_t v;
    check(bbw_parse_pyint(" +1_000 ", &v) && v == 1000, "int(): spaces, sign, underscore");
    check(bbw_parse_pyint("-1", &v) && v == -1, "int(): negative");
    check(!bbw_parse_pyint("1__0", &v), "int(): double underscore refused");
    check(bbw_parse_pyint("9223372036854775807", &v) && v == APR_INT64_MAX
          && bbw_parse_pyint("-9223372036854775808", &v) && v == APR_INT64_MIN
          && !bbw_parse_pyint("9223372036854775808", &v)
          && !bbw_parse_pyint("46116860184273879049", &v), "int(): the int64 range, no wrap-around");
    check(!bbw_parse_pyint("", &v) && !bbw_parse_pyint("ten", &v), "int(): empty and words refused");
    check(bbw_is_identifier("a-b.c_1", 50) && !bbw_is_identifier("1abc", 50)
          && !bbw_is_identifier("abc", 2), "identifiers");

    static const bbw_field fields[] = {
        { "id", BBW_F_INT, 0 }, { "name", BBW_F_IDENT, 10 }, { "done", BBW_F_BOOL, 0 },
        { "tags", BBW_F_LIST_STRING, 0 }, { "info", BBW_F_OPAQUE, 0 }, { NULL, 0, 0 }
    };
    const bbw_etype t = { "thing", "things", fields };
    bbw_spec *s;
    const bbw_error *e;
    e = bbw_spec_parse(p, "foo=1", &t, 1, &s);
    check(e && e->status == 400 && !strcmp(e->message, "unrecognized query parameter 'foo'"),
          "unknown parameter");
    e = bbw_spec_parse(p, "foo__eq=1&id__gt=1&id__gt=2", &t, 1, &s);
    check(!e && s->filters->nelts == 0, "unusable operator parameters are ignored");
    e = bbw_spec_parse(p, "done=maybe", &t, 1, &s);
    check(e && !strcmp(e->message, "invalid filter value for done"), "bad boolean");
    e = bbw_spec_parse(p, "info=x", &t, 1, &s);
    check(e && !strcmp(e->message, "invalid filter value for info"), "opaque field not filterable");
    e = bbw_spec_parse(p, "field=id&order=-name", &t, 1, &s);
    check(e && !strcmp(e->message, "cannot order on un-selected fields"), "order on unselected");
    e = bbw_spec_parse(p, "id=1", &t, 0, &s);
    check(e && !strcmp(e->message, "this is not a collection"), "filter on single");
    e = bbw_spec_parse(p, "limit=ten", &t, 1, &s);
    check(e && !strcmp(e->message, "invalid limit"), "bad limit");

    /* The pipeline projects entities in place: each case gets fresh ones. */
    static const char items_json[] = "[{\"id\":3,\"name\":\"c\",\"done\":true,\"tags\":[\"x\"]},"
                               "{\"id\":1,\"name\":\"a\",\"done\":false,\"tags\":[]},"
                               "{\"id\":2,\"name\":null,\"done\":true,\"tags\":[\"x\",\"y\"]}]";
    e = bbw_spec_parse(p, "tags__contains=x&order=-id&limit=1&field=id&field=tags", &t, 1, &s);
    apr_int64_t total;
    json_t *out = bbw_pipeline_collection(p, s, json_loads(items_json, 0, NULL), &total);
    check(!e && total == 2 && json_array_size(out) == 1
          && json_integer_value(json_object_get(json_array_get(out, 0), "id")) == 3
          && json_object_size(json_array_get(out, 0)) == 2,
          "contains on a list, desc order, total before limit, projection");
    json_decref(out);
    e = bbw_spec_parse(p, "name__gt=a&offset=-1", &t, 1, &s);
    out = bbw_pipeline_collection(p, s, json_loads(items_json, 0, NULL), &total);
    check(!e && total == 1 && json_array_size(out) == 1, "null never matches gt; negative offset");
    json_decref(out);
    e = bbw_spec_parse(p, "offset=9000000000000000000&limit=9000000000000000000", &t, 1, &s);
    out = bbw_pipeline_collection(p, s, json_loads(items_json, 0, NULL), &total);
    check(!e && total == 3 && json_array_size(out) == 0, "huge offset+limit: empty, no overflow");
    json_decref(out);
    e = bbw_spec_parse(p, "offset=-5&limit=-9223372036854775807", &t, 1, &s);
    out = bbw_pipeline_collection(p, s, json_loads(items_json, 0, NULL), &total);
    check(!e && json_array_size(out) == 0, "Python slice [-5:-5-huge] is empty");
    json_decref(out);
    e = bbw_spec_parse(p, "order=name", &t, 1, &s);
    out = bbw_pipeline_collection(p, s, json_loads(items_json, 0, NULL), &total);
    check(!e && json_is_null(json_object_get(json_array_get(out, 0), "name")),
          "null sorts first ascending");
    json_decref(out);
}

static void router_tests(apr_pool_t *p)
{
    apr_array_header_t *segs = apr_array_make(p, 4, sizeof(const char *));
    APR_ARRAY_PUSH(segs, const char *) = "builds";
    APR_ARRAY_PUSH(segs, const char *) = "5";
    APR_ARRAY_PUSH(segs, const char *) = "steps";
    APR_ARRAY_PUSH(segs, const char *) = "-1";
    const bbw_route *r = bbw_route_match(p, segs);
    check(r && r->ep == EP_STEP && bbw_route_arg(r, "step_name"),
          "a step segment '-1' is a name first");
    check(bbw_route_count() == 114, "114 patterns, as Buildbot 3.7");
}

static void cors_tests(apr_pool_t *p)
{
    apr_array_header_t *pats = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(pats, const char *) = "https://*.example.org";
    check(bbw_origin_allowed(pats, "https://Dash.Example.org"), "origin glob, case-insensitive");
    check(!bbw_origin_allowed(pats, "https://evil.example.com"), "foreign origin refused");
    check_str(bbw_url_origin(p, "http://ci.example.org:8010/sub/path"),
              "http://ci.example.org:8010", "origin of a URL");
}

int main(void)
{
    apr_pool_t *p;
    apr_initialize();
    apr_pool_create(&p, NULL);
    json_tests(p);
    query_tests(p);
    router_tests(p);
    cors_tests(p);
    printf("1..%d\n", tests);
    apr_pool_destroy(p);
    apr_terminate();
    return failures ? 1 : 0;
}
