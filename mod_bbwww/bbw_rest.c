/* REST API: /api versions document, /api/v2 dispatch, envelopes, errors and
 * the shared helpers endpoint files use. */
#include "bbw_rest.h"
#include "bbw_cors.h"
#include "bbw_access.h"
#include "bbw_control.h"
#include "bbw_session.h"

#include <apr_hash.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <string.h>

typedef struct {
    const bbw_etype *type;
    bbw_entities_fn entities;
    bbw_raw_fn raw;
} endpoint_def;

/* Every endpoint class: its entity type and the function that answers. */
static const endpoint_def endpoints[EP__COUNT] = {
    [EP_BUILD_DATA] = { &bbw_t_build_data, NULL, bbw_raw_build_data },
    [EP_BUILD_DATA_NOVALUE] = { &bbw_t_build_data, bbw_ep_build_data, NULL },
    [EP_BUILD_DATAS] = { &bbw_t_build_data, bbw_ep_build_datas, NULL },
    [EP_BUILDER] = { &bbw_t_builder, bbw_ep_builder, NULL },
    [EP_BUILDERS] = { &bbw_t_builder, bbw_ep_builders, NULL },
    [EP_BUILD] = { &bbw_t_build, bbw_ep_build, NULL },
    [EP_BUILDS] = { &bbw_t_build, bbw_ep_builds, NULL },
    [EP_BUILDREQUEST] = { &bbw_t_buildrequest, bbw_ep_buildrequest, NULL },
    [EP_BUILDREQUESTS] = { &bbw_t_buildrequest, bbw_ep_buildrequests, NULL },
    [EP_WORKER] = { &bbw_t_worker, bbw_ep_worker, NULL },
    [EP_WORKERS] = { &bbw_t_worker, bbw_ep_workers, NULL },
    [EP_STEP] = { &bbw_t_step, bbw_ep_step, NULL },
    [EP_STEPS] = { &bbw_t_step, bbw_ep_steps, NULL },
    [EP_LOG] = { &bbw_t_log, bbw_ep_log, NULL },
    [EP_LOGS] = { &bbw_t_log, bbw_ep_logs, NULL },
    [EP_LOGCHUNK] = { &bbw_t_logchunk, bbw_ep_logchunk, NULL },
    [EP_RAWLOG] = { &bbw_t_logchunk, NULL, bbw_raw_log },
    [EP_BUILDSET] = { &bbw_t_buildset, bbw_ep_buildset, NULL },
    [EP_BUILDSETS] = { &bbw_t_buildset, bbw_ep_buildsets, NULL },
    [EP_CHANGE] = { &bbw_t_change, bbw_ep_change, NULL },
    [EP_CHANGES] = { &bbw_t_change, bbw_ep_changes, NULL },
    [EP_CHANGESOURCE] = { &bbw_t_changesource, bbw_ep_changesource, NULL },
    [EP_CHANGESOURCES] = { &bbw_t_changesource, bbw_ep_changesources, NULL },
    [EP_MASTER] = { &bbw_t_master, bbw_ep_master, NULL },
    [EP_MASTERS] = { &bbw_t_master, bbw_ep_masters, NULL },
    [EP_SOURCESTAMP] = { &bbw_t_sourcestamp, bbw_ep_sourcestamp, NULL },
    [EP_SOURCESTAMPS] = { &bbw_t_sourcestamp, bbw_ep_sourcestamps, NULL },
    [EP_SCHEDULER] = { &bbw_t_scheduler, bbw_ep_scheduler, NULL },
    [EP_SCHEDULERS] = { &bbw_t_scheduler, bbw_ep_schedulers, NULL },
    [EP_FORCESCHEDULER] = { &bbw_t_forcescheduler, bbw_ep_forcescheduler, NULL },
    [EP_FORCESCHEDULERS] = { &bbw_t_forcescheduler, bbw_ep_forceschedulers, NULL },
    [EP_ROOT] = { &bbw_t_rootlink, bbw_ep_root, NULL },
    [EP_SPEC] = { &bbw_t_spec, bbw_ep_spec, NULL },
    [EP_BUILD_PROPERTIES] = { &bbw_t_properties, bbw_ep_build_properties, NULL },
    [EP_BUILDSET_PROPERTIES] = { &bbw_t_properties, bbw_ep_buildset_properties, NULL },
    [EP_PROPERTIES_LIST] = { &bbw_t_property, bbw_ep_properties_list, NULL },
    [EP_TEST_RESULTS] = { &bbw_t_test_result, bbw_ep_test_results, NULL },
    [EP_TEST_RESULT_SET] = { &bbw_t_test_result_set, bbw_ep_test_result_set, NULL },
    [EP_TEST_RESULT_SETS] = { &bbw_t_test_result_set, bbw_ep_test_result_sets, NULL },
};

static const endpoint_def *endpoint_for(bbw_ep ep)
{
    return &endpoints[ep];
}

const bbw_etype *bbw_ep_etype(bbw_ep ep)
{
    return endpoint_for(ep)->type;
}

/* ---- helpers for endpoint files ---- */

json_t *bbw_fail(bbw_call *c, int status, const char *message)
{
    bbw_error *e = apr_palloc(c->p, sizeof *e);
    e->status = status;
    e->message = message;
    c->error = e;
    return NULL;
}

json_t *bbw_fail_db(bbw_call *c)
{
    return bbw_fail(c, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
}

int bbw_has(const bbw_call *c, const char *arg)
{
    return bbw_route_arg(c->route, arg) != NULL;
}

apr_int64_t bbw_num(const bbw_call *c, const char *arg)
{
    const bbw_arg *a = bbw_route_arg(c->route, arg);
    return a ? a->num : 0;
}

const char *bbw_str(const bbw_call *c, const char *arg)
{
    const bbw_arg *a = bbw_route_arg(c->route, arg);
    return a ? a->str : NULL;
}

json_t *bbw_first_or_null(json_t *items)
{
    if (!items)
        return NULL;
    json_t *one = json_array_size(items) ? json_incref(json_array_get(items, 0)) : NULL;
    json_decref(items);
    return one;
}

json_t *bbw_jint(const bbw_row *row, int i)
{
    return row->val[i] ? json_integer(apr_atoi64(row->val[i])) : json_null();
}

json_t *bbw_jstr(const bbw_row *row, int i)
{
    return row->val[i] ? json_stringn_nocheck(row->val[i], row->len[i]) : json_null();
}

json_t *bbw_jbool(const bbw_row *row, int i)
{
    return json_boolean(row->val[i] && apr_atoi64(row->val[i]) != 0);
}

json_t *bbw_jparse(const char *text, apr_size_t len)
{
    if (!text)
        return NULL;
    return json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

void bbw_sql_in_ints(bbw_buf *sql, apr_array_header_t *params,
                     const apr_int64_t *ids, int n)
{
    bbw_buf_adds(sql, "(");
    for (int i = 0; i < n; i++) {
        bbw_buf_adds(sql, i ? ",?" : "?");
        bbw_param_int(params, ids[i]);
    }
    if (n == 0)
        bbw_buf_adds(sql, "NULL");
    bbw_buf_adds(sql, ")");
}

const char *bbw_name_hash(apr_pool_t *p, const char *name)
{
    apr_sha1_ctx_t ctx;
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, (const unsigned char *)name, (unsigned)strlen(name));
    apr_sha1_final(digest, &ctx);
    char *hex = apr_palloc(p, 2 * APR_SHA1_DIGESTSIZE + 1);
    for (int i = 0; i < APR_SHA1_DIGESTSIZE; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return hex;
}

static void bind_value(apr_array_header_t *params, const json_t *v)
{
    if (json_is_integer(v))
        bbw_param_int(params, json_integer_value(v));
    else if (json_is_boolean(v))
        bbw_param_int(params, json_is_true(v));
    else
        bbw_param_str(params, json_string_value(v));
}

static void add_condition(bbw_call *c, bbw_buf *sql, apr_array_header_t *params,
                          const char *col, const bbw_filter *f)
{
    int n = f->values->nelts;
    json_t **v = (json_t **)f->values->elts;
    static const char *cmp[] = { "=", "!=", "<", "<=", ">", ">=" };
    bbw_buf_adds(sql, " AND ");
    switch (f->op) {
    case BBW_OP_EQ: case BBW_OP_NE: case BBW_OP_IN: case BBW_OP_NOTIN:
        if (n == 1 && (f->op == BBW_OP_EQ || f->op == BBW_OP_NE)) {
            bbw_buf_adds(sql, apr_pstrcat(c->p, col, " ", cmp[f->op], " ?", NULL));
            bind_value(params, v[0]);
            return;
        }
        bbw_buf_adds(sql, col);
        bbw_buf_adds(sql, f->op == BBW_OP_EQ || f->op == BBW_OP_IN ? " IN (" : " NOT IN (");
        for (int i = 0; i < n; i++) {
            bbw_buf_adds(sql, i ? ",?" : "?");
            bind_value(params, v[i]);
        }
        bbw_buf_adds(sql, ")");
        return;
    case BBW_OP_LT: case BBW_OP_LE: case BBW_OP_GT: case BBW_OP_GE:
        bbw_buf_adds(sql, apr_pstrcat(c->p, col, " ", cmp[f->op], " ?", NULL));
        bind_value(params, v[0]);
        return;
    case BBW_OP_CONTAINS:
        bbw_buf_adds(sql, "(");
        for (int i = 0; i < n; i++) {
            const char *text = json_is_integer(v[i])
                ? apr_psprintf(c->p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v[i]))
                : json_string_value(v[i]);
            bbw_buf_adds(sql, apr_pstrcat(c->p, i ? " OR " : "", col, " LIKE ?", NULL));
            bbw_param_str(params, apr_pstrcat(c->p, "%", text, "%", NULL));
        }
        bbw_buf_adds(sql, ")");
        return;
    }
}

static const char *mapped_column(const bbw_colmap *map, const char *field)
{
    for (; map && map->field; map++)
        if (strcmp(map->field, field) == 0)
            return map->column;
    return NULL;
}

void bbw_sql_pushdown(bbw_call *c, bbw_buf *sql, apr_array_header_t *params,
                      const bbw_colmap *map, const char *tiebreak)
{
    bbw_spec *s = c->spec;
    int leftover = 0;
    for (int i = 0; i < s->filters->nelts; i++) {
        bbw_filter *f = &APR_ARRAY_IDX(s->filters, i, bbw_filter);
        if (f->done)
            continue;
        const char *col = mapped_column(map, f->field->name);
        bbw_ftype t = f->field->type;
        /* "contains" on a mapped number is a text match in Buildbot (SQL
         * LIKE on the digits); on booleans it has no meaning in SQL. */
        if (!col || (f->op == BBW_OP_CONTAINS && t == BBW_F_BOOL)) {
            leftover = 1;
            continue;
        }
        if (f->op == BBW_OP_CONTAINS && (t == BBW_F_INT || t == BBW_F_DATETIME))
            col = apr_pstrcat(c->p, "CAST(", col, " AS TEXT)", NULL);
        add_condition(c, sql, params, col, f);
        f->done = 1;
    }
    int ordered = 0;
    for (int i = 0; i < s->order->nelts; i++) {
        bbw_order *o = &APR_ARRAY_IDX(s->order, i, bbw_order);
        const char *col = mapped_column(map, o->field->name);
        if (!col) {
            leftover = 1;
            continue;
        }
        bbw_buf_adds(sql, ordered++ ? ", " : " ORDER BY ");
        bbw_buf_adds(sql, col);
        if (o->desc)
            bbw_buf_adds(sql, " DESC");
        o->done = 1;
    }
    if (ordered && tiebreak) {
        bbw_buf_adds(sql, ", ");
        bbw_buf_adds(sql, tiebreak);
    }
    if (leftover)
        return;
    if (s->has_limit || s->has_offset) {
        /* As Buildbot on SQLite: a negative limit means none, a negative
         * offset means 0 (PostgreSQL would refuse them; we answer the same
         * on both engines). SQLite needs a LIMIT before OFFSET. */
        int no_limit = !s->has_limit || s->limit < 0;
        bbw_buf_adds(sql, " LIMIT ?");
        bbw_param_int(params, !no_limit ? s->limit
                      : bbw_db_dialect(c->db) == BBW_DB_SQLITE ? -1 : APR_INT64_MAX);
        if (s->has_offset && s->offset > 0) {
            bbw_buf_adds(sql, " OFFSET ?");
            bbw_param_int(params, s->offset);
        }
        s->paging_done = 1;
    }
}

static int pop_filter(bbw_call *c, const char *field, bbw_op op, bbw_filter **out)
{
    bbw_filter *f = bbw_spec_filter(c->spec, field, op);
    *out = f;
    return f != NULL;
}

int bbw_pop_bool(bbw_call *c, const char *field)
{
    bbw_filter *f;
    int result = -1;
    if (pop_filter(c, field, BBW_OP_EQ, &f) || pop_filter(c, field, BBW_OP_IN, &f)) {
        f->done = 1;
        int saw_true = 0, saw_false = 0;
        for (int i = 0; i < f->values->nelts; i++) {
            if (json_is_true(APR_ARRAY_IDX(f->values, i, json_t *)))
                saw_true = 1;
            else
                saw_false = 1;
        }
        result = saw_true && saw_false ? -1 : saw_true;
    }
    else if (pop_filter(c, field, BBW_OP_NE, &f) || pop_filter(c, field, BBW_OP_NOTIN, &f)) {
        f->done = 1;
        int saw_true = 0, saw_false = 0;
        for (int i = 0; i < f->values->nelts; i++) {
            if (json_is_true(APR_ARRAY_IDX(f->values, i, json_t *)))
                saw_true = 1;
            else
                saw_false = 1;
        }
        /* "not any of {true,false}" matches nothing: keep it in memory. */
        if (saw_true && saw_false) {
            f->done = 0;
            return -1;
        }
        result = !saw_true;
    }
    return result;
}

int bbw_pop_int_eq(bbw_call *c, const char *field, apr_int64_t *out)
{
    bbw_filter *f = bbw_spec_filter(c->spec, field, BBW_OP_EQ);
    if (!f || f->values->nelts != 1)
        return 0;
    f->done = 1;
    *out = json_integer_value(APR_ARRAY_IDX(f->values, 0, json_t *));
    return 1;
}

/* ---- responses ---- */

static int wants_compact(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    return accept && strstr(accept, "application/json") != NULL;
}

static int send_body(request_rec *r, const char *ctype, const char *body,
                     apr_size_t len)
{
    return bbw_send(r, 0, ctype, body, len);
}

/* REST errors are text/plain, as Buildbot sends them. */
static int send_error(request_rec *r, int status, const char *message)
{
    return bbw_send_error(r, status, "text/plain; charset=utf-8", message);
}

static void py_repr_str(bbw_buf *b, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    bbw_buf_add(b, &q, 1);
    for (const char *c = s; *c; c++) {
        if (*c == '\\' || *c == q) {
            bbw_buf_add(b, "\\", 1);
            bbw_buf_add(b, c, 1);
        }
        else if ((unsigned char)*c < 0x20) {
            char tmp[8];
            apr_snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned char)*c);
            bbw_buf_adds(b, tmp);
        }
        else {
            bbw_buf_add(b, c, 1);
        }
    }
    bbw_buf_add(b, &q, 1);
}

/* Buildbot's "not found" text: endpoint patterns, the ResultSpec repr and
 * the path arguments, as its Python reprs print them. */
static const char *not_found_message(bbw_call *c, bbw_ep ep)
{
    bbw_buf b;
    bbw_spec *s = c->spec;
    int contents = ep == EP_LOGCHUNK && s->paging_done;
    bbw_buf_init(&b, c->p, 512);
    bbw_buf_adds(&b, "not found while getting from endpoint for ");
    bbw_buf_adds(&b, bbw_ep_patterns(c->p, ep));
    bbw_buf_adds(&b, " with arguments ResultSpec(**{'filters': [], 'fields': ");
    if (s->fields->nelts) {
        bbw_buf_adds(&b, "[");
        for (int i = 0; i < s->fields->nelts; i++) {
            if (i)
                bbw_buf_adds(&b, ", ");
            py_repr_str(&b, APR_ARRAY_IDX(s->fields, i, const bbw_field *)->name);
        }
        bbw_buf_adds(&b, "]");
    }
    else {
        bbw_buf_adds(&b, "None");
    }
    bbw_buf_adds(&b, ", 'properties': [");
    if (s->properties->nelts) {
        /* One Property holding every requested name, as Buildbot prints it. */
        bbw_buf_adds(&b, "resultspec.Property('b'property'','eq',[");
        for (int i = 0; i < s->properties->nelts; i++) {
            bbw_buf_adds(&b, i ? ", " : "");
            py_repr_str(&b, APR_ARRAY_IDX(s->properties, i, const char *));
        }
        bbw_buf_adds(&b, "])");
    }
    bbw_buf_adds(&b, "], 'order': ");
    if (s->order->nelts) {
        bbw_buf_adds(&b, "(");
        for (int i = 0; i < s->order->nelts; i++) {
            const bbw_order *o = &APR_ARRAY_IDX(s->order, i, bbw_order);
            if (i)
                bbw_buf_adds(&b, ", ");
            py_repr_str(&b, apr_pstrcat(c->p, o->desc ? "-" : "", o->field->name, NULL));
        }
        bbw_buf_adds(&b, s->order->nelts == 1 ? ",)" : ")");
    }
    else {
        bbw_buf_adds(&b, "None");
    }
    bbw_buf_adds(&b, ", 'limit': ");
    bbw_buf_adds(&b, s->has_limit && !contents
                 ? apr_psprintf(c->p, "%" APR_INT64_T_FMT, s->limit) : "None");
    bbw_buf_adds(&b, ", 'offset': ");
    bbw_buf_adds(&b, s->has_offset && !contents
                 ? apr_psprintf(c->p, "%" APR_INT64_T_FMT, s->offset) : "None");
    bbw_buf_adds(&b, "}) and {");
    for (int i = 0; i < c->route->args->nelts; i++) {
        const bbw_arg *a = &APR_ARRAY_IDX(c->route->args, i, bbw_arg);
        if (i)
            bbw_buf_adds(&b, ", ");
        py_repr_str(&b, a->name);
        bbw_buf_adds(&b, ": ");
        if (a->is_num)
            bbw_buf_adds(&b, apr_psprintf(c->p, "%" APR_INT64_T_FMT, a->num));
        else
            py_repr_str(&b, a->str);
    }
    bbw_buf_adds(&b, "}");
    return b.data;
}

void bbw_rest_cache_headers(request_rec *r)
{
    const bbw_dir_conf *conf = bbw_conf(r);
    /* Answers that depend on who asks must not be shared by caches. */
    if (conf->authz || conf->remote_user_header) {
        apr_table_setn(r->headers_out, "Cache-Control", "private");
        apr_table_mergen(r->headers_out, "Vary", "Cookie");
    }
    int secs = bbw_conf_json_cache_seconds(conf);
    if (secs <= 0)
        return;
    char date[APR_RFC822_DATE_LEN];
    apr_rfc822_date(date, apr_time_now() + apr_time_from_sec(secs));
    apr_table_setn(r->headers_out, "Expires", apr_pstrdup(r->pool, date));
    apr_table_setn(r->headers_out, "Pragma", "no-cache");
}

static int send_envelope(bbw_call *c, const char *plural, json_t *payload,
                         int collection, apr_int64_t total)
{
    request_rec *r = c->r;
    json_t *env = json_object();
    json_object_set_new(env, plural, payload);
    json_object_set_new(env, "meta", collection ? json_pack("{s:I}", "total", (json_int_t)total)
                                                : json_object());
    int compact = wants_compact(r);
    bbw_buf b;
    bbw_buf_init(&b, r->pool, 8192);
    bbw_json_write(&b, env, compact ? BBW_JSON_COMPACT : BBW_JSON_PRETTY, 1);
    json_decref(env);
    bbw_rest_cache_headers(r);
    const char *ctype = compact ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
    if (c->cache_key)
        bbw_db_cache_response(c->db, c->cache_key, b.data, b.len, ctype, NULL);
    return send_body(r, ctype, b.data, b.len);
}

/* Split the path below /api/v2/ on '/', percent-decoding each segment. */
static apr_array_header_t *split_path(apr_pool_t *p, const char *path, int *bad)
{
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(const char *));
    if (path == NULL)
        return segs;
    for (;;) {
        const char *slash = strchr(path, '/');
        char *seg = slash ? apr_pstrmemdup(p, path, (apr_size_t)(slash - path))
                          : apr_pstrdup(p, path);
        /* A segment that does not decode (e.g. %00) matches no pattern. */
        if (ap_unescape_url_keep2f(seg, 1) != OK)
            *bad = 1;
        APR_ARRAY_PUSH(segs, const char *) = seg;
        if (!slash)
            break;
        path = slash + 1;
    }
    return segs;
}

static const char *join_segments(apr_pool_t *p, apr_array_header_t *segs)
{
    return apr_array_pstrcat(p, segs, '/');
}

/* CORS (Buildbot's allowed_origins), checked before anything else. Returns
 * DECLINED to go on, or the finished response. */
static int check_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    apr_table_mergen(r->headers_out, "Vary", "Origin");
    if (!origin || !*origin)            /* Buildbot tests the value's truth */
        return DECLINED;
    if (!bbw_origin_allowed(bbw_conf_allowed_origins(r, bbw_conf(r)), origin)) {
        if (r->method_number == M_POST) {
            static const char body[] = "{\"error\": {\"message\": \"invalid origin\"}}";
            r->status = HTTP_BAD_REQUEST;
            return send_body(r, "text/plain; charset=utf-8", body, sizeof body - 1);
        }
        return send_error(r, HTTP_BAD_REQUEST, "invalid origin");
    }
    char *lower = apr_pstrdup(r->pool, origin);
    ap_str_tolower(lower);
    apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", lower);
    apr_table_setn(r->headers_out, "Access-Control-Allow-Headers", "Content-Type");
    apr_table_setn(r->headers_out, "Access-Control-Max-Age", "3600");
    if (r->method_number == M_OPTIONS) {
        const char *m = apr_table_get(r->headers_in, "Access-Control-Request-Method");
        if (!m || (strcmp(m, "GET") && strcmp(m, "POST") && strcmp(m, "HEAD"))) {
            apr_table_unset(r->headers_out, "Access-Control-Allow-Origin");
            apr_table_unset(r->headers_out, "Access-Control-Allow-Headers");
            apr_table_unset(r->headers_out, "Access-Control-Max-Age");
            return send_error(r, HTTP_BAD_REQUEST, "invalid method");
        }
        ap_set_content_type(r, "text/html");
        ap_set_content_length(r, 0);
        return OK;
    }
    return DECLINED;
}

/* The longest REST pattern has 11 segments: more can only be an invalid
 * path, answered without splitting a huge request line any further. */
#define MAX_SEGMENTS 12

static const bbw_route *match_path(request_rec *r, const char *postpath,
                                   const char **invalid)
{
    int bad = 0, nseg = 1;
    for (const char *c = postpath; c && *c; c++)
        nseg += *c == '/';
    if (postpath && nseg > MAX_SEGMENTS) {
        *invalid = apr_pstrcat(r->pool, "Invalid path: ", postpath, NULL);
        return NULL;
    }
    apr_array_header_t *segs = split_path(r->pool, postpath, &bad);
    const bbw_route *route = bad ? NULL : bbw_route_match(r->pool, segs);
    if (!route)
        *invalid = apr_pstrcat(r->pool, "Invalid path: ", join_segments(r->pool, segs), NULL);
    return route;
}

/* Answer from the per-connection response cache if it holds this URL. */
static int answer_from_cache(bbw_call *c, const char *postpath, const char *view_key)
{
    request_rec *r = c->r;
    const char *body, *ctype, *disposition;
    apr_size_t len;
    /* "/api/v2" (no postpath) and "/api/v2/" (empty postpath) differ. */
    c->cache_key = apr_pstrcat(r->pool, view_key, wants_compact(r) ? "c" : "p",
                               postpath ? "/" : "", postpath ? postpath : "",
                               "?", r->args ? r->args : "", NULL);
    if (!bbw_db_cached_response(c->db, c->cache_key, &body, &len, &ctype, &disposition))
        return DECLINED;
    if (!disposition) {
        bbw_rest_cache_headers(r);
        return send_body(r, ctype, body, len);
    }
    /* A download: no Content-Length on HEAD, as when it is computed. */
    apr_table_setn(r->headers_out, "Content-Disposition", disposition);
    ap_set_content_type(r, ctype);
    if (!r->header_only) {
        ap_set_content_length(r, (apr_off_t)len);
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

static int run_endpoint(bbw_call *c, const endpoint_def *def, bbw_kind kind)
{
    request_rec *r = c->r;
    bbw_ep ep = c->route->ep;
    if (def->raw) {
        int status = def->raw(c);
        if (c->error)
            return send_error(r, c->error->status, c->error->message
                              ? c->error->message : not_found_message(c, ep));
        return status;
    }
    json_t *result = def->entities(c);
    if (c->error) {
        json_decref(result);
        return send_error(r, c->error->status, c->error->message
                          ? c->error->message : not_found_message(c, ep));
    }
    if (kind == BBW_KIND_COLLECTION) {
        apr_int64_t total = 0;
        json_t *items = bbw_pipeline_collection(r->pool, c->spec, result, &total);
        return send_envelope(c, def->type->plural, items, 1, total);
    }
    if (!result)
        return send_error(r, HTTP_NOT_FOUND, not_found_message(c, ep));
    bbw_project(c->spec, result);
    json_t *one = json_array();
    json_array_append_new(one, result);
    return send_envelope(c, def->type->plural, one, 0, 0);
}

/* Buildbot's authz for reads: GET and HEAD judged alike (Buildbot counts
 * HEAD as a control action). Before the path is resolved, so a forbidden
 * unknown path is 403 like a forbidden known one. DECLINED = allowed. */
static int check_read_access(bbw_call *c, json_t *user)
{
    const char *deny_role = NULL;
    int decision = bbw_access_check(c->r, c->db, c->route, c->r->method, NULL, user, &deny_role);
    if (decision > 0)
        return DECLINED;
    if (decision < 0)
        return send_error(c->r, HTTP_SERVICE_UNAVAILABLE, "authorization lookup failed - see logs");
    return send_error(c->r, HTTP_FORBIDDEN,
                      apr_psprintf(c->r->pool, "you need to have role '%s'",
                                   deny_role ? deny_role : ""));
}

static int is_forcescheduler_read(bbw_ep ep)
{
    return ep == EP_FORCESCHEDULER || ep == EP_FORCESCHEDULERS;
}

/* The master's force schedulers without the builders this user may not
 * see. DECLINED when no master answers (then the local answer stands). */
static int forcescheduler_filtered(bbw_call *c, const char *postpath,
                                   const apr_array_header_t *hidden)
{
    request_rec *r = c->r;
    json_t *doc = bbw_master_get_json(r, apr_pstrcat(r->pool, postpath ? postpath : "",
                                                     r->args ? "?" : "", r->args, NULL));
    if (!doc)
        return DECLINED;
    apr_hash_t *hidden_names = apr_hash_make(r->pool);
    apr_array_header_t *params = bbw_params(r->pool), *rows;
    bbw_buf sql;
    bbw_buf_init(&sql, r->pool, 128);
    bbw_buf_adds(&sql, "SELECT name FROM builders WHERE id IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)hidden->elts, hidden->nelts);
    int all = hidden->nelts == 1 && APR_ARRAY_IDX(hidden, 0, apr_int64_t) == BBW_ACCESS_HIDE_ALL;
    if (!all && bbw_db_rows(c->db, sql.data, params, &rows) != APR_SUCCESS) {
        json_decref(doc);
        return send_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
    }
    for (int i = 0; !all && i < rows->nelts; i++) {
        const char *name = APR_ARRAY_IDX(rows, i, bbw_row *)->val[0];
        if (name)
            apr_hash_set(hidden_names, name, APR_HASH_KEY_STRING, "");
    }
    json_t *list = json_object_get(doc, "forceschedulers"), *fs;
    size_t i;
    json_array_foreach(list, i, fs) {
        json_t *names = json_object_get(fs, "builder_names");
        for (size_t j = json_array_size(names); j-- > 0;) {
            const char *n = json_string_value(json_array_get(names, j));
            if (all || !n || apr_hash_get(hidden_names, n, APR_HASH_KEY_STRING))
                json_array_remove(names, j);
        }
    }
    int compact = wants_compact(r);
    const char *body = bbw_json_dumps(r->pool, doc, compact ? BBW_JSON_COMPACT : BBW_JSON_PRETTY, 1);
    json_decref(doc);
    return send_body(r, compact ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
                     body, strlen(body));
}

/* What a hidden parent looks like: an unknown one. */
static int answer_hidden(bbw_call *c, const endpoint_def *def, bbw_kind kind)
{
    if (kind != BBW_KIND_COLLECTION)
        return send_error(c->r, HTTP_NOT_FOUND, not_found_message(c, c->route->ep));
    return send_envelope(c, def->type->plural, json_array(), 1, 0);
}

/* Buildbot's order of checks: origin, method, authz, path, query, lookup. */
static int serve_v2(request_rec *r, const char *postpath)
{
    int cors = check_origin(r);
    if (cors != DECLINED)
        return cors;
    const char *invalid = NULL;
    if (r->method_number == M_POST) {
        const bbw_route *route = match_path(r, postpath, &invalid);
        return bbw_control_rpc(r, route, invalid, postpath);
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return send_error(r, HTTP_BAD_REQUEST, "invalid HTTP method");

    const bbw_dir_conf *conf = bbw_conf(r);
    bbw_call call = { r, r->pool, NULL, NULL, NULL, NULL, NULL };
    bbw_call *c = &call;
    c->route = match_path(r, postpath, &invalid);
    json_t *user = conf->authz || conf->remote_user_header ? bbw_session_user(r) : NULL;
    if (conf->authz) {
        c->db = bbw_db_open(r);
        if (!c->db)
            return send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable - see logs");
        int denied = check_read_access(c, user);
        if (denied != DECLINED)
            return denied;
    }
    if (!c->route)
        return send_error(r, HTTP_NOT_FOUND, invalid);
    if (!c->db)
        c->db = bbw_db_open(r);
    if (!c->db)
        return send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable - see logs");
    const endpoint_def *def = endpoint_for(c->route->ep);
    bbw_kind kind = bbw_ep_kind(c->route->ep);
    apr_array_header_t *hidden = NULL;
    const char *view_key = "";
    if (bbw_access_restricts_view(r)) {
        if (!user)
            user = bbw_session_user(r);
        hidden = bbw_access_hidden_builders(r, c->db, user);
        view_key = bbw_access_view_key(r, c->db, user);
        int parent_hidden = bbw_visibility_parent_hidden(c, hidden);
        if (c->error)
            return send_error(r, c->error->status, c->error->message);
        if (parent_hidden) {
            const bbw_error *qerr = bbw_spec_parse(r->pool, r->args, def->type,
                                                   kind == BBW_KIND_COLLECTION, &c->spec);
            return qerr ? send_error(r, qerr->status, qerr->message) : answer_hidden(c, def, kind);
        }
    }
    /* Force schedulers live in the master's configuration only. */
    if (is_forcescheduler_read(c->route->ep)) {
        int forwarded = hidden && hidden->nelts ? forcescheduler_filtered(c, postpath, hidden)
                               : bbw_control_forward_get(r, postpath);
        if (forwarded != DECLINED)
            return forwarded;
    }
    if (bbw_conf_response_cache(conf)) {
        int cached = answer_from_cache(c, postpath, view_key);
        if (cached != DECLINED)
            return cached;
    }

    const bbw_error *qerr = bbw_spec_parse(r->pool, r->args, def->type,
                                           kind == BBW_KIND_COLLECTION, &c->spec);
    if (qerr)
        return send_error(r, qerr->status, qerr->message);
    if (hidden && kind == BBW_KIND_COLLECTION && !bbw_visibility_filter(c, def->type, hidden))
        return answer_hidden(c, def, kind);
    if (c->error)
        return send_error(r, c->error->status, c->error->message);
    return run_endpoint(c, def, kind);
}

static int send_twisted_404(request_rec *r)
{
    static const char page[] =
        "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n"
        "  <body>\n    <h1>No Such Resource</h1>\n"
        "    <p>No such child resource.</p>\n  </body>\n</html>\n";
    r->status = HTTP_NOT_FOUND;
    return send_body(r, "text/html; charset=utf-8", page, sizeof page - 1);
}

static int serve_versions(request_rec *r)
{
    const bbw_dir_conf *conf = bbw_conf(r);
    int minv = bbw_conf_rest_minimum_version(conf);
    const char *base = bbw_conf_buildbot_url(r, conf);
    json_t *versions = json_object();
    for (int v = 2; v <= 3; v++)
        if (v > minv)
            json_object_set_new(versions, apr_psprintf(r->pool, "v%d", v),
                                json_string(apr_psprintf(r->pool, "%sapi/v%d", base, v)));
    json_t *doc = json_pack("{s:o}", "api_versions", versions);
    const char *body = bbw_json_dumps(r->pool, doc, BBW_JSON_DEFAULT, 0);
    json_decref(doc);
    return send_body(r, "application/json", body, strlen(body));
}

static int serve_graphql_disabled(request_rec *r)
{
    static const char body[] = "{\"data\": null, \"errors\": [{\"message\": \"graphql not enabled\"}]}";
    r->status = HTTP_NOT_IMPLEMENTED;
    return send_body(r, "application/json; charset=utf-8", body, sizeof body - 1);
}

/* Is relpath exactly "api/<ver>" or below it? Sets *rest to what follows. */
static int under(const char *relpath, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(relpath, prefix, n) != 0)
        return 0;
    if (relpath[n] == '\0') {
        *rest = NULL;
        return 1;
    }
    if (relpath[n] == '/') {
        *rest = relpath + n + 1;
        return 1;
    }
    return 0;
}

int bbw_rest_handler(request_rec *r, const char *relpath)
{
    const char *rest;
    int minv = bbw_conf_rest_minimum_version(bbw_conf(r));
    if (strcmp(relpath, "api") == 0)
        return serve_versions(r);
    if (under(relpath, "api/v2", &rest))
        return minv <= 2 ? serve_v2(r, rest) : send_twisted_404(r);
    if (under(relpath, "api/v3", &rest) || under(relpath, "api/latest", &rest))
        return minv <= 3 ? serve_graphql_disabled(r) : send_twisted_404(r);
    return send_twisted_404(r);
}
