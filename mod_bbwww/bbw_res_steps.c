/* steps, logs, log contents (line ranges) and raw log downloads. */
#include "bbw_rest.h"
#include "bbw_logchunk.h"

#include <apr_buckets.h>
#include <apr_strings.h>
#include <http_request.h>
#include <util_filter.h>
#include <string.h>

static const bbw_field step_fields[] = {
    { "stepid", BBW_F_INT, 0 },
    { "number", BBW_F_INT, 0 },
    { "name", BBW_F_IDENT, 50 },
    { "buildid", BBW_F_INT, 0 },
    { "started_at", BBW_F_DATETIME, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { "complete_at", BBW_F_DATETIME, 0 },
    { "results", BBW_F_INT, 0 },
    { "state_string", BBW_F_STRING, 0 },
    { "urls", BBW_F_OPAQUE, 0 },
    { "hidden", BBW_F_BOOL, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_step = { "step", "steps", step_fields };

static const bbw_field log_fields[] = {
    { "logid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "slug", BBW_F_IDENT, 50 },
    { "stepid", BBW_F_INT, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { "num_lines", BBW_F_INT, 0 },
    { "type", BBW_F_IDENT, 1 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_log = { "log", "logs", log_fields };

static const bbw_field logchunk_fields[] = {
    { "logid", BBW_F_INT, 0 },
    { "firstline", BBW_F_INT, 0 },
    { "content", BBW_F_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_logchunk = { "logchunk", "logchunks", logchunk_fields };

/* Chunks per query of a raw download, and how much output is gathered
 * before it is passed down the filter chain. */
#define RAW_BATCH_CHUNKS 32
#define RAW_SEND_BYTES (256 * 1024)

/* ---- steps ---- */

#define STEP_COLS "id, number, name, buildid, started_at, complete_at," \
                  " state_string, results, urls_json, hidden"

static json_t *step_from_row(const bbw_row *row)
{
    /* urls_json is always a JSON list when Buildbot wrote it; anything
     * else is shown as no URLs rather than failing the whole response. */
    json_t *urls = bbw_jparse(row->val[8], row->len[8]);
    if (!json_is_array(urls)) {
        json_decref(urls);
        urls = json_array();
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:o}",
                     "stepid", bbw_jint(row, 0), "number", bbw_jint(row, 1),
                     "name", bbw_jstr(row, 2), "buildid", bbw_jint(row, 3),
                     "started_at", bbw_jint(row, 4),
                     "complete", row->val[5] != NULL,
                     "complete_at", bbw_jint(row, 5),
                     "state_string", bbw_jstr(row, 6), "results", bbw_jint(row, 7),
                     "urls", urls, "hidden", bbw_jbool(row, 9));
}

/* Steps matching cond (a WHERE body), by number; NULL after bbw_fail_db. */
static json_t *fetch_steps(bbw_call *c, const char *cond, apr_array_header_t *params)
{
    apr_array_header_t *rows;
    const char *sql = apr_pstrcat(c->p, "SELECT " STEP_COLS " FROM steps WHERE ",
                                  cond, " ORDER BY number", NULL);
    if (bbw_db_rows(c->db, sql, params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    json_t *items = json_array();
    for (int i = 0; i < rows->nelts; i++)
        json_array_append_new(items, step_from_row(APR_ARRAY_IDX(rows, i, bbw_row *)));
    return items;
}

/* The step condition below a resolved build: by number or by name. */
static const char *step_in_build(bbw_call *c, apr_int64_t buildid,
                                 apr_array_header_t *params)
{
    bbw_param_int(params, buildid);
    if (bbw_has(c, "step_number")) {
        bbw_param_int(params, bbw_num(c, "step_number"));
        return "buildid = ? AND number = ?";
    }
    bbw_param_str(params, bbw_str(c, "step_name"));
    return "buildid = ? AND name = ?";
}

json_t *bbw_ep_steps(bbw_call *c)
{
    apr_int64_t buildid;
    if (bbw_has(c, "buildid")) {
        buildid = bbw_num(c, "buildid");        /* unknown build: [] */
    }
    else {
        buildid = bbw_resolve_build(c);
        if (c->error)
            return NULL;
        if (!buildid)                           /* builder forms: 404 */
            return bbw_fail(c, HTTP_NOT_FOUND, NULL);
    }
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    return fetch_steps(c, "buildid = ?", params);
}

json_t *bbw_ep_step(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    if (bbw_has(c, "stepid")) {
        bbw_param_int(params, bbw_num(c, "stepid"));
        return bbw_first_or_null(fetch_steps(c, "id = ?", params));
    }
    apr_int64_t buildid = bbw_resolve_build(c);
    if (c->error || !buildid)
        return NULL;
    return bbw_first_or_null(fetch_steps(c, step_in_build(c, buildid, params), params));
}

apr_int64_t bbw_resolve_step(bbw_call *c)
{
    if (bbw_has(c, "stepid"))
        return bbw_num(c, "stepid");
    if (!bbw_has(c, "step_number") && !bbw_has(c, "step_name"))
        return 0;
    apr_int64_t buildid = bbw_resolve_build(c);
    if (c->error || !buildid)
        return 0;
    apr_array_header_t *params = bbw_params(c->p), *rows;
    const char *cond = step_in_build(c, buildid, params);
    if (bbw_db_rows(c->db, apr_pstrcat(c->p, "SELECT id FROM steps WHERE ", cond, NULL),
                    params, &rows) != APR_SUCCESS) {
        bbw_fail_db(c);
        return 0;
    }
    return rows->nelts ? bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0) : 0;
}

/* ---- logs ---- */

#define LOG_COLS "id, name, slug, stepid, complete, num_lines, type"

static json_t *log_from_row(const bbw_row *row)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "logid", bbw_jint(row, 0), "name", bbw_jstr(row, 1),
                     "slug", bbw_jstr(row, 2), "stepid", bbw_jint(row, 3),
                     "complete", bbw_jbool(row, 4), "num_lines", bbw_jint(row, 5),
                     "type", bbw_jstr(row, 6));
}

/* One log row by id or by (stepid, slug); NULL if none (or DB failure,
 * then c->error is set). */
static const bbw_row *log_row(bbw_call *c, const char *cond, apr_array_header_t *params)
{
    apr_array_header_t *rows;
    if (bbw_db_rows(c->db, apr_pstrcat(c->p, "SELECT " LOG_COLS " FROM logs WHERE ",
                                       cond, NULL), params, &rows) != APR_SUCCESS) {
        bbw_fail_db(c);
        return NULL;
    }
    return rows->nelts ? APR_ARRAY_IDX(rows, 0, bbw_row *) : NULL;
}

static const bbw_row *log_by_id(bbw_call *c, apr_int64_t logid)
{
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, logid);
    return log_row(c, "id = ?", params);
}

/* The log a path names through its step and slug; NULL if unresolvable. */
static const bbw_row *log_by_slug(bbw_call *c)
{
    apr_int64_t stepid = bbw_resolve_step(c);
    if (c->error || !stepid)
        return NULL;
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, stepid);
    bbw_param_str(params, bbw_str(c, "log_slug"));
    return log_row(c, "stepid = ? AND slug = ?", params);
}

json_t *bbw_ep_logs(bbw_call *c)
{
    apr_int64_t stepid = bbw_resolve_step(c);
    if (c->error)
        return NULL;
    json_t *items = json_array();
    if (!stepid)
        return items;
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_param_int(params, stepid);
    if (bbw_db_rows(c->db, "SELECT " LOG_COLS " FROM logs WHERE stepid = ? ORDER BY id",
                    params, &rows) != APR_SUCCESS) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    for (int i = 0; i < rows->nelts; i++)
        json_array_append_new(items, log_from_row(APR_ARRAY_IDX(rows, i, bbw_row *)));
    return items;
}

json_t *bbw_ep_log(bbw_call *c)
{
    const bbw_row *row = bbw_has(c, "logid") ? log_by_id(c, bbw_num(c, "logid"))
                                             : log_by_slug(c);
    return row ? log_from_row(row) : NULL;
}

/* ---- log contents ---- */

/* One JSON answer holds the whole range in memory (twice, once escaped):
 * a whole multi-gigabyte log in one request would take the server down.
 * Bigger ranges are read in pieces, or downloaded raw (streamed). */
#define CONTENTS_MAX_BYTES (64 * 1024 * 1024)

typedef struct {
    bbw_call *c;
    apr_pool_t *scratch;        /* decoded chunk, cleared per row */
    apr_int64_t first, last;
    bbw_buf *out;
    const char *error;          /* set: stop, answer 500 with it */
    int too_large;              /* the range exceeds CONTENTS_MAX_BYTES */
} contents_baton;

static int contents_row(void *baton, const bbw_row *row)
{
    contents_baton *b = baton;
    const char *text;
    apr_size_t len;
    apr_pool_clear(b->scratch);
    b->error = bbw_logchunk_decode(b->scratch, (int)bbw_cell_int(row, 3),
                                   row->val[2], row->len[2], 0, &text, &len);
    if (b->error) {
        /* The message may live in b->scratch, destroyed before it is used. */
        b->error = apr_pstrdup(b->c->p, b->error);
        return 1;
    }
    if (bbw_logchunk_slice(text, len, bbw_cell_int(row, 0), bbw_cell_int(row, 1),
                           b->first, b->last, &text, &len) != 0) {
        b->error = "ValueError('substring not found')";    /* Buildbot's text */
        return 1;
    }
    if (b->out->len + len + 1 > CONTENTS_MAX_BYTES) {
        b->too_large = 1;
        return 1;
    }
    bbw_buf_add(b->out, text, len);
    bbw_buf_add(b->out, "\n", 1);
    return 0;
}

json_t *bbw_ep_logchunk(bbw_call *c)
{
    /* /logchunks names no log: not found (Buildbot 3.7 500s, DIFFERENCES D01).
     * An unknown log is not found even with a limit (Buildbot 3.7 answers
     * 200 with empty content then, D16), so the log row is always read. */
    if (c->route->args->nelts == 0)
        return NULL;
    /* Buildbot consumes offset/limit once it has a log id, so its not-found
     * text shows them only when the log's step or slug did not resolve;
     * paging_done marks the point (see the framework note in the report). */
    bbw_spec *s = c->spec;
    const bbw_row *log;
    if (bbw_has(c, "logid")) {
        s->paging_done = 1;
        log = log_by_id(c, bbw_num(c, "logid"));
    }
    else {
        log = log_by_slug(c);
        if (log)
            s->paging_done = 1;
    }
    if (!log)
        return NULL;
    apr_int64_t logid = bbw_cell_int(log, 0);
    apr_int64_t first = s->has_offset ? s->offset : 0, last;
    if (s->has_limit) {
        if (first < 0 || s->limit <= 0)
            return NULL;
        last = s->limit - 1 > APR_INT64_MAX - first ? APR_INT64_MAX
                                                     : first + s->limit - 1;
    }
    else {
        apr_int64_t n = bbw_cell_int(log, 5);
        last = n > 0 ? n - 1 : 0;
    }
    if (first < 0 || last < 0 || first > last)
        return NULL;

    bbw_buf out;
    bbw_buf_init(&out, c->p, 4096);
    contents_baton b = { c, NULL, first, last, &out, NULL, 0 };
    apr_pool_create(&b.scratch, c->p);
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, logid);
    bbw_param_int(params, last);
    bbw_param_int(params, first);
    apr_status_t rv = bbw_db_each(c->db,
        "SELECT first_line, last_line, content, compressed FROM logchunks"
        " WHERE logid = ? AND first_line <= ? AND last_line >= ? ORDER BY first_line",
        params, contents_row, &b);
    apr_pool_destroy(b.scratch);
    if (rv != APR_SUCCESS)
        return bbw_fail_db(c);
    if (b.too_large)
        return bbw_fail(c, HTTP_BAD_REQUEST, "log range too large for one answer: "
                        "read it in pieces with offset and limit, or download .../raw");
    if (b.error) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, c->r, BBWLOGNO(00030)
                      "bbwww: log %" APR_INT64_T_FMT ": %s", logid, b.error);
        return bbw_fail(c, HTTP_INTERNAL_SERVER_ERROR, b.error);
    }
    return json_pack("{s:I,s:I,s:o}", "logid", (json_int_t)logid,
                     "firstline", (json_int_t)first,
                     "content", json_stringn_nocheck(out.data, out.len));
}

/* ---- raw download ----
 * Streamed: chunks are read RAW_BATCH_CHUNKS at a time (by line number, so
 * a chunk merge by the master between two queries loses nothing), decoded
 * one by one and passed down the filters in pieces of ~RAW_SEND_BYTES, all
 * in pools cleared as we go, so memory stays flat whatever the log size.
 * Headers go out with the first piece: an error found before that (e.g. a
 * chunk written with 4.x zstd) still gets a proper error response; later
 * errors can only cut the body short. HEAD does the work up to that first
 * piece, so that it answers with the status GET would. */

typedef struct {
    apr_int64_t first_line, last_line;
    int compressed;
    const char *content;
    apr_size_t len;
} raw_chunk;

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *chunks;     /* raw_chunk */
} batch_baton;

static int collect_chunk(void *baton, const bbw_row *row)
{
    batch_baton *b = baton;
    raw_chunk *ch = apr_array_push(b->chunks);
    ch->first_line = bbw_cell_int(row, 0);
    ch->last_line = bbw_cell_int(row, 1);
    ch->len = row->len[2];
    ch->content = row->val[2] ? apr_pmemdup(b->pool, row->val[2], row->len[2] ? row->len[2] : 1)
                              : NULL;
    ch->compressed = (int)bbw_cell_int(row, 3);
    return 0;
}

typedef struct {
    request_rec *r;
    const char *ctype, *disposition;
    int sent;                       /* headers are out */
    apr_bucket_brigade *bb;
    apr_pool_t *opool;
    bbw_buf out;
} raw_stream;

/* Pass what is gathered (with a FLUSH, so the transient data is written
 * before the pool holding it is cleared). Also the first pass sends the
 * headers; on HEAD it carries no data. Returns non-zero if the client
 * went away. */
static int raw_send(raw_stream *st)
{
    request_rec *r = st->r;
    if (!st->sent) {
        ap_set_content_type(r, st->ctype);
        apr_table_setn(r->headers_out, "Content-Disposition", st->disposition);
        st->sent = 1;
    }
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    if (st->out.len && !r->header_only)
        APR_BRIGADE_INSERT_TAIL(st->bb, apr_bucket_transient_create(st->out.data,
                                                                    st->out.len, ba));
    APR_BRIGADE_INSERT_TAIL(st->bb, apr_bucket_flush_create(ba));
    apr_status_t rv = ap_pass_brigade(r->output_filters, st->bb);
    apr_brigade_cleanup(st->bb);
    apr_pool_clear(st->opool);
    bbw_buf_init(&st->out, st->opool, RAW_SEND_BYTES + 65536);
    return rv != APR_SUCCESS || r->connection->aborted;
}

/* The response has started: all we can do is cut it short so the client
 * sees an incomplete body (no last chunk, connection closed). */
static void raw_abort(raw_stream *st, const char *why, apr_int64_t logid)
{
    request_rec *r = st->r;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00031)
                  "bbwww: raw log %" APR_INT64_T_FMT " cut short: %s", logid, why);
    r->connection->keepalive = AP_CONN_CLOSE;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    APR_BRIGADE_INSERT_TAIL(st->bb, ap_bucket_error_create(HTTP_BAD_GATEWAY, NULL,
                                                           r->pool, ba));
    APR_BRIGADE_INSERT_TAIL(st->bb, apr_bucket_eos_create(ba));
    ap_pass_brigade(r->output_filters, st->bb);
    apr_brigade_cleanup(st->bb);
}

/* Header-safe filename: a slug is an identifier, but do not trust the DB. */
static const char *header_safe(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s ? s : "");
    for (char *ch = copy; *ch; ch++)
        if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
            *ch = '_';
    return copy;
}

int bbw_raw_log(bbw_call *c)
{
    request_rec *r = c->r;
    const bbw_row *log = bbw_has(c, "logid") ? log_by_id(c, bbw_num(c, "logid"))
                                             : log_by_slug(c);
    if (!log) {
        if (!c->error)
            bbw_fail(c, HTTP_NOT_FOUND, NULL);
        return OK;
    }
    apr_int64_t logid = bbw_cell_int(log, 0), n = bbw_cell_int(log, 5);
    apr_int64_t last = n > 0 ? n - 1 : 0;
    const char *type = log->val[6] ? log->val[6] : "";
    int stdio = strcmp(type, "s") == 0;

    raw_stream st;
    memset(&st, 0, sizeof st);
    st.r = r;
    st.ctype = strcmp(type, "h") == 0 ? "text/html; charset=utf-8"
                                      : "text/plain; charset=utf-8";
    st.disposition = apr_pstrcat(r->pool, "attachment; filename=",
                                 header_safe(r->pool, log->val[2]), NULL);
    st.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_pool_create(&st.opool, r->pool);
    bbw_buf_init(&st.out, st.opool, 65536);

    apr_pool_t *bpool, *dpool;
    apr_pool_create(&bpool, r->pool);
    apr_pool_create(&dpool, r->pool);
    apr_int64_t next = 0;           /* first line not yet written */
    int started = 0;                /* stdio: a line was written */
    int done = 0, db_failed = 0;
    const char *error = NULL;
    while (!done && !error) {
        apr_pool_clear(bpool);
        batch_baton bb = { bpool, apr_array_make(bpool, RAW_BATCH_CHUNKS, sizeof(raw_chunk)) };
        apr_array_header_t *params = bbw_params(bpool);
        bbw_param_int(params, logid);
        bbw_param_int(params, next);
        bbw_param_int(params, last);
        bbw_param_int(params, RAW_BATCH_CHUNKS);
        /* Chunks never overlap, so last_line order is first_line order, and
         * the (logid, last_line) index serves both the range and the order. */
        if (bbw_db_each(c->db, "SELECT first_line, last_line, content, compressed"
                        " FROM logchunks WHERE logid = ? AND last_line >= ?"
                        " AND first_line <= ? ORDER BY last_line LIMIT ?",
                        params, collect_chunk, &bb) != APR_SUCCESS) {
            db_failed = 1;
            error = "database error (logged above)";
            break;
        }
        done = bb.chunks->nelts < RAW_BATCH_CHUNKS;
        for (int i = 0; i < bb.chunks->nelts; i++) {
            raw_chunk *ch = &APR_ARRAY_IDX(bb.chunks, i, raw_chunk);
            const char *text;
            apr_size_t len;
            apr_pool_clear(dpool);
            error = bbw_logchunk_decode(dpool, ch->compressed, ch->content, ch->len,
                                        0, &text, &len);
            if (error) {
                error = apr_pstrdup(r->pool, error);    /* dpool goes first */
                break;
            }
            if (bbw_logchunk_slice(text, len, ch->first_line, ch->last_line,
                                   next, last, &text, &len) != 0) {
                error = "ValueError('substring not found')";
                break;
            }
            if (stdio) {
                bbw_logchunk_stdio_raw(&st.out, text, len, &started);
            }
            else {
                bbw_buf_add(&st.out, text, len);
                bbw_buf_add(&st.out, "\n", 1);
            }
            if (ch->last_line >= last) {
                done = 1;
                break;
            }
            next = ch->last_line + 1;
            /* HEAD stops where GET commits to 200, so both get one status. */
            if (st.out.len >= RAW_SEND_BYTES && (raw_send(&st) || r->header_only))
                return OK;              /* client gone, or HEAD done */
        }
    }
    apr_pool_destroy(dpool);
    apr_pool_destroy(bpool);
    if (error) {
        if (!st.sent) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00032)
                          "bbwww: raw log %" APR_INT64_T_FMT ": %s", logid, error);
            if (db_failed)
                bbw_fail_db(c);
            else
                bbw_fail(c, HTTP_INTERNAL_SERVER_ERROR, error);
            return OK;
        }
        raw_abort(&st, error, logid);
        return OK;
    }
    /* A log that fit in one piece is kept for the next identical request. */
    if (!st.sent && c->cache_key)
        bbw_db_cache_response(c->db, c->cache_key, st.out.data, st.out.len, st.ctype,
                              st.disposition);
    raw_send(&st);
    return OK;
}
