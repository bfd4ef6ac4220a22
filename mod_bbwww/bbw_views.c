/* One-call data for the waterfall, console and grid pages of the UI:
 * GET/HEAD views/waterfall.json, views/console.json, views/grid.json.
 *
 * Read-only, subject to the same read rules as REST: the request must pass
 * Buildbot's authz for GET /api/v2/builds (denied: 403 {"error": "you need
 * to have role '<role>'"}), and builders hidden by BuildbotViewBuilders are
 * left out together with their builds. Each answer takes a fixed handful of
 * SQL statements (never one per builder or per build), all parameterized,
 * and is bounded in size. Bodies are compact JSON (application/json); errors
 * are {"error": "<text>"} with 400 (bad parameter), 403, 404 (unknown view),
 * 405 (method other than GET/HEAD), 500/503 (database).
 *
 * Formats (htdocs/README.md, section "views", says the same for page
 * authors). A builder is {"builderid", "name", "description", "tags": [..]};
 * every list of builders holds every builder the user may see (ascending
 * id; the waterfall's `builders` parameter narrows it). Builds are columnar
 * (pages read 10^4..10^5 of them: parallel arrays of small integers parse
 * many times faster than one object per build):
 *   "builds": {"t0": T, "buildid": [..], "builderid": [..], "number": [..],
 *              ...one array per field, all of the same length}
 * where times (started_at, complete_at) are seconds relative to t0.
 * state_string (and the waterfall's workerid) only with details=1.
 *
 * views/waterfall.json?since=S&until=U&builders=1,2&limit=N&details=0|1
 *   since/until: unix seconds (0..2147483647). until defaults to the newest build activity
 *   (latest started_at or complete_at of a visible build; now when there is
 *   none), since to until - 86400. builders: comma list of builder ids
 *   (at most 1000). limit: at most N builds (1..100000, default 2000); the
 *   newest ones are kept.
 *   {"builders": [..],
 *    "builds": {"t0": since, "buildid", "builderid", "number", "started_at",
 *               "complete_at" (null: running), "results"
 *               [, "state_string", "workerid"]},
 *    "truncated": bool, "window": {"since", "until"}}
 *   builds: those overlapping [since, until] (started_at <= until and not
 *   completed before since), newest start first; started_at may be < 0.
 *
 * views/console.json?changes=N&details=0|1
 *   N most recent changes (1..200, default 25), changeid descending, and
 *   the builds made for them (build -> request -> buildset -> its
 *   sourcestamps -> the changes of those sourcestamps).
 *   {"changes": [{"changeid", "author", "comments" (first 400 bytes),
 *                 "revision", "branch", "when_timestamp", "repository",
 *                 "project"}],
 *    "builders": [..],
 *    "builds": {"t0": smallest started_at (0 without builds), "buildid",
 *               "builderid", "number", "results", "complete" (0/1),
 *               "started_at", "changeids" (a change id, or a list of them
 *               when the build is linked to several) [, "state_string"]},
 *    "truncated": bool}
 *   Changes that only hidden builders built are left out (as REST does).
 *
 * views/grid.json?branch=B&revisions=N&details=0|1
 *   One column per source stamp (revision): the N (1..100, default 10)
 *   whose latest buildset is newest and that a visible builder was asked
 *   to build, optionally only those on branch B.
 *   {"branch": B or null, "branches": [every non-empty branch name of a
 *    source stamp, sorted, at most 500],
 *    "revisions": [{"ssid", "branch", "revision", "repository", "codebase",
 *                   "project", "created_at",
 *                   "change": {"changeid", "author", "comments",
 *                              "when_timestamp"} or null}],
 *    "builders": [..],
 *    "builds": {as the console's, with "ssids" instead of "changeids"},
 *    "truncated": bool}
 *
 * Console and grid builds come newest first (build id descending); an
 * answer holds at most 50000 (then "truncated": the oldest are left out).
 * Answers are gzip-compressed (zlib) when the request's Accept-Encoding
 * allows it (Vary: Accept-Encoding). With the response cache on (SQLite),
 * answers (identity and gzip) are kept per URL and audience until the
 * database changes. */
#include "bbw_views.h"
#include "bbw_access.h"
#include "bbw_rest.h"
#include "bbw_session.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define WATERFALL_SPAN 86400
#define TIME_MAX APR_INT64_C(2147483647)
#define WATERFALL_LIMIT_DEFAULT 2000
#define WATERFALL_LIMIT_MAX 100000
#define WATERFALL_BUILDERS_MAX 1000
#define CONSOLE_CHANGES_DEFAULT 25
#define CONSOLE_CHANGES_MAX 200
#define GRID_REVISIONS_DEFAULT 10
#define GRID_REVISIONS_MAX 100
#define LINKED_BUILDS_MAX 50000
#define COMMENTS_MAX 400
#define BRANCH_MAX 256
#define BRANCHES_MAX 500
#define GZIP_MIN 1024              /* smaller answers go uncompressed */
#define GZIP_LEVEL 1              /* fast: ~4x smaller already (digits, commas) */

typedef struct view view;
typedef int (*view_fn)(view *v);

struct view {
    request_rec *r;
    apr_pool_t *p;
    bbw_db *db;
    apr_table_t *args;
    const apr_array_header_t *hidden;   /* NULL: nothing hidden */
    bbw_buf out;
    int details;                        /* details=1: state_string, workerid */
    int status;                         /* != OK: error to answer */
    const char *message;
};

/* ---- answers ---- */

static int send_json(request_rec *r, int status, const char *body, apr_size_t len)
{
    return bbw_send(r, status, "application/json; charset=utf-8", body, len);
}

static int send_error(request_rec *r, int status, const char *message)
{
    return bbw_send_error(r, status, "application/json; charset=utf-8", message);
}

static int fail(view *v, int status, const char *message)
{
    v->status = status;
    v->message = message;
    return 0;
}

static int fail_db(view *v)
{
    return fail(v, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
}

/* ---- parameters ---- */

/* The query string as a table; 0 (v->status set) on a malformed or
 * repeated parameter. */
static int parse_args(view *v, const char *const *known)
{
    v->args = apr_table_make(v->p, 4);
    char *rest = apr_pstrdup(v->p, v->r->args ? v->r->args : ""), *state = NULL;
    for (char *pair = apr_strtok(rest, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        char *value = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        if (ap_unescape_urlencoded(pair) != OK || ap_unescape_urlencoded(value) != OK)
            return fail(v, HTTP_BAD_REQUEST, "invalid query string");
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, pair) == 0;
        if (!ok)
            return fail(v, HTTP_BAD_REQUEST,
                        apr_psprintf(v->p, "unknown parameter '%s'", pair));
        if (apr_table_get(v->args, pair))
            return fail(v, HTTP_BAD_REQUEST,
                        apr_psprintf(v->p, "parameter '%s' given twice", pair));
        apr_table_setn(v->args, pair, value);
    }
    return 1;
}

static int parse_decimal(const char *s, apr_int64_t *out)
{
    apr_int64_t n = 0;
    if (!*s || strlen(s) > 15)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        n = n * 10 + (*s - '0');
    }
    *out = n;
    return 1;
}

/* An integer parameter in [lo, hi]: 1 = given, 0 = absent (*out = dflt),
 * -1 = invalid (v->status set). */
static int int_arg(view *v, const char *name, apr_int64_t lo, apr_int64_t hi,
                   apr_int64_t dflt, apr_int64_t *out)
{
    const char *s = apr_table_get(v->args, name);
    *out = dflt;
    if (!s)
        return 0;
    if (!parse_decimal(s, out) || *out < lo || *out > hi) {
        fail(v, HTTP_BAD_REQUEST,
             apr_psprintf(v->p, "invalid %s: expected an integer from %" APR_INT64_T_FMT
                          " to %" APR_INT64_T_FMT, name, lo, hi));
        return -1;
    }
    return 1;
}

/* builders=1,2,3 → ids; NULL when absent; 0 (v->status set) when bad. */
static int ids_arg(view *v, const char *name, apr_array_header_t **ids)
{
    const char *s = apr_table_get(v->args, name);
    *ids = NULL;
    if (!s)
        return 1;
    apr_array_header_t *list = apr_array_make(v->p, 8, sizeof(apr_int64_t));
    char *copy = apr_pstrdup(v->p, s);
    const char *bad = apr_psprintf(v->p, "invalid %s: expected a comma-separated list of"
                                   " at most %d builder ids", name, WATERFALL_BUILDERS_MAX);
    for (char *item = copy, *comma; item; item = comma ? comma + 1 : NULL) {
        comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        apr_int64_t id;
        if (!parse_decimal(item, &id) || list->nelts >= WATERFALL_BUILDERS_MAX)
            return fail(v, HTTP_BAD_REQUEST, bad);
        APR_ARRAY_PUSH(list, apr_int64_t) = id;
    }
    *ids = list;
    return 1;
}

/* details=0|1 (every view): 0 (v->status set) when bad. */
static int details_arg(view *v)
{
    apr_int64_t d;
    if (int_arg(v, "details", 0, 1, 0, &d) < 0)
        return 0;
    v->details = (int)d;
    return 1;
}

/* ---- SQL pieces ---- */

static int hides_all(const apr_array_header_t *hidden)
{
    return hidden && hidden->nelts == 1
           && APR_ARRAY_IDX(hidden, 0, apr_int64_t) == BBW_ACCESS_HIDE_ALL;
}

/* " AND col NOT IN (hidden ids)"; nothing when nothing is hidden. */
static void visible_only(view *v, bbw_buf *sql, apr_array_header_t *params, const char *col)
{
    if (!v->hidden || v->hidden->nelts == 0)
        return;
    if (hides_all(v->hidden)) {
        bbw_buf_adds(sql, " AND 1=0");
        return;
    }
    bbw_buf_adds(sql, apr_pstrcat(v->p, " AND ", col, " NOT IN ", NULL));
    bbw_sql_in_ints(sql, params, (const apr_int64_t *)v->hidden->elts, v->hidden->nelts);
}

/* ---- JSON writing straight from rows (answers reach 10^5 objects) ---- */

static void put(view *v, const char *s)
{
    bbw_buf_adds(&v->out, s);
}

static void put_int64(view *v, apr_int64_t n)
{
    char tmp[24];
    apr_snprintf(tmp, sizeof tmp, "%" APR_INT64_T_FMT, n);
    bbw_buf_adds(&v->out, tmp);
}

static void put_int(view *v, const bbw_row *row, int i)
{
    if (bbw_cell_null(row, i))
        put(v, "null");
    else
        put_int64(v, bbw_cell_int(row, i));
}

static void put_str(view *v, const bbw_row *row, int i)
{
    if (bbw_cell_null(row, i))
        put(v, "null");
    else
        bbw_json_write_string(&v->out, row->val[i], row->len[i]);
}

/* At most max bytes, cut before a UTF-8 continuation byte. */
static void put_str_cut(view *v, const bbw_row *row, int i, apr_size_t max)
{
    if (bbw_cell_null(row, i) || row->len[i] <= max) {
        put_str(v, row, i);
        return;
    }
    const unsigned char *s = (const unsigned char *)row->val[i];
    apr_size_t n = max;
    while (n > 0 && (s[n] & 0xC0) == 0x80)
        n--;
    bbw_json_write_string(&v->out, row->val[i], n);
}

static void put_bool(view *v, int b)
{
    put(v, b ? "true" : "false");
}

/* ---- columns: "builds" as parallel arrays ---- */

typedef struct {
    const char *name;
    bbw_buf buf;
} column;

static void col_init(view *v, column *c, const char *name, apr_size_t initial)
{
    c->name = name;
    bbw_buf_init(&c->buf, v->p, initial);
}

static void buf_int64(bbw_buf *b, apr_int64_t n)
{
    char tmp[24], *end = tmp + sizeof tmp, *s = end;
    apr_uint64_t u = n < 0 ? (apr_uint64_t)0 - (apr_uint64_t)n : (apr_uint64_t)n;
    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        *--s = '-';
    bbw_buf_add(b, s, (apr_size_t)(end - s));
}

static void col_sep(column *c)
{
    if (c->buf.len)
        bbw_buf_add(&c->buf, ",", 1);
}

static void col_int64(column *c, apr_int64_t n)
{
    col_sep(c);
    buf_int64(&c->buf, n);
}

/* The cell as an integer minus base, or null. */
static void col_cell(column *c, const bbw_row *row, int i, apr_int64_t base)
{
    col_sep(c);
    if (bbw_cell_null(row, i))
        bbw_buf_add(&c->buf, "null", 4);
    else
        buf_int64(&c->buf, bbw_cell_int(row, i) - base);
}

static void col_str(column *c, const bbw_row *row, int i)
{
    col_sep(c);
    if (bbw_cell_null(row, i))
        bbw_buf_add(&c->buf, "null", 4);
    else
        bbw_json_write_string(&c->buf, row->val[i], row->len[i]);
}

/* "builds":{"t0":T,"name":[...],...} */
static void write_columns_of(view *v, apr_int64_t t0, const column *cols, int n)
{
    put(v, "\"builds\":{\"t0\":");
    buf_int64(&v->out, t0);
    for (int i = 0; i < n; i++) {
        put(v, ",\"");
        put(v, cols[i].name);
        put(v, "\":[");
        bbw_buf_add(&v->out, cols[i].buf.data ? cols[i].buf.data : "", cols[i].buf.len);
        put(v, "]");
    }
    put(v, "}");
}

/* ---- builders ---- */

typedef struct {
    view *v;
    apr_hash_t *tags;           /* builder id → apr_array of tag names */
    int n;
} builders_baton;

static int read_tag(void *baton, const bbw_row *row)
{
    builders_baton *b = baton;
    if (bbw_cell_null(row, 0) || bbw_cell_null(row, 1))
        return 0;
    apr_int64_t *id = apr_palloc(b->v->p, sizeof *id);
    *id = bbw_cell_int(row, 0);
    apr_array_header_t *list = apr_hash_get(b->tags, id, sizeof *id);
    if (!list) {
        list = apr_array_make(b->v->p, 2, sizeof(const char *));
        apr_hash_set(b->tags, id, sizeof *id, list);
    }
    APR_ARRAY_PUSH(list, const char *) = apr_pstrmemdup(b->v->p, row->val[1], row->len[1]);
    return 0;
}

static int write_builder(void *baton, const bbw_row *row)
{
    builders_baton *b = baton;
    view *v = b->v;
    apr_int64_t id = bbw_cell_int(row, 0);
    put(v, b->n++ ? ",{\"builderid\":" : "{\"builderid\":");
    put_int64(v, id);
    put(v, ",\"name\":");
    put_str(v, row, 1);
    put(v, ",\"description\":");
    put_str(v, row, 2);
    put(v, ",\"tags\":[");
    const apr_array_header_t *tags = apr_hash_get(b->tags, &id, sizeof id);
    for (int i = 0; tags && i < tags->nelts; i++) {
        const char *t = APR_ARRAY_IDX(tags, i, const char *);
        if (i)
            put(v, ",");
        bbw_json_write_string(&v->out, t, strlen(t));
    }
    put(v, "]}");
    return 0;
}

/* "builders":[...] of the visible builders (only those of `only` if set). */
static int write_builders(view *v, const apr_array_header_t *only)
{
    builders_baton b = { v, apr_hash_make(v->p), 0 };
    apr_array_header_t *params = bbw_params(v->p);
    bbw_buf sql;
    bbw_buf_init(&sql, v->p, 256);
    bbw_buf_adds(&sql, "SELECT builders_tags.builderid, tags.name FROM builders_tags"
                 " JOIN tags ON tags.id = builders_tags.tagid ORDER BY builders_tags.id");
    if (bbw_db_each(v->db, sql.data, params, read_tag, &b) != APR_SUCCESS)
        return fail_db(v);
    bbw_buf_init(&sql, v->p, 256);
    bbw_buf_adds(&sql, "SELECT id, name, description FROM builders WHERE 1=1");
    visible_only(v, &sql, params, "id");
    if (only) {
        bbw_buf_adds(&sql, " AND id IN ");
        bbw_sql_in_ints(&sql, params, (const apr_int64_t *)only->elts, only->nelts);
    }
    bbw_buf_adds(&sql, " ORDER BY id");
    put(v, "\"builders\":[");
    if (bbw_db_each(v->db, sql.data, params, write_builder, &b) != APR_SUCCESS)
        return fail_db(v);
    put(v, "]");
    return 1;
}

/* ---- waterfall ---- */

static int read_newest(void *baton, const bbw_row *row)
{
    apr_int64_t *newest = baton;
    for (int i = 0; i < 2; i++)
        if (!bbw_cell_null(row, i) && bbw_cell_int(row, i) > *newest)
            *newest = bbw_cell_int(row, i);
    return 1;
}

enum { WF_BUILDID, WF_BUILDERID, WF_NUMBER, WF_STARTED, WF_COMPLETE, WF_RESULTS,
       WF_STATE, WF_WORKER, WF_COLS };

typedef struct {
    view *v;
    apr_int64_t limit;
    apr_int64_t n;
    apr_int64_t t0;
    int truncated;
    column cols[WF_COLS];
} builds_baton;

/* Row: id, builderid, number, started_at, complete_at, results,
 * state_string, workerid. */
static int write_waterfall_build(void *baton, const bbw_row *row)
{
    builds_baton *b = baton;
    if (b->n >= b->limit) {
        b->truncated = 1;
        return 1;
    }
    b->n++;
    col_cell(&b->cols[WF_BUILDID], row, 0, 0);
    col_cell(&b->cols[WF_BUILDERID], row, 1, 0);
    col_cell(&b->cols[WF_NUMBER], row, 2, 0);
    col_cell(&b->cols[WF_STARTED], row, 3, b->t0);
    col_cell(&b->cols[WF_COMPLETE], row, 4, b->t0);
    col_cell(&b->cols[WF_RESULTS], row, 5, 0);
    if (b->v->details) {
        col_str(&b->cols[WF_STATE], row, 6);
        col_cell(&b->cols[WF_WORKER], row, 7, 0);
    }
    return 0;
}

static int waterfall(view *v)
{
    static const char *const known[] = { "since", "until", "builders", "limit", "details", NULL };
    apr_int64_t since, until, limit;
    apr_array_header_t *only;
    if (!parse_args(v, known))
        return 0;
    /* The columns are 32-bit INTEGERs (PostgreSQL refuses larger values). */
    int has_since = int_arg(v, "since", 0, TIME_MAX, 0, &since);
    int has_until = int_arg(v, "until", 0, TIME_MAX, 0, &until);
    if (has_since < 0 || has_until < 0
        || int_arg(v, "limit", 1, WATERFALL_LIMIT_MAX, WATERFALL_LIMIT_DEFAULT, &limit) < 0
        || !ids_arg(v, "builders", &only) || !details_arg(v))
        return 0;
    apr_array_header_t *params = bbw_params(v->p);
    bbw_buf sql;
    if (!has_until) {
        apr_int64_t newest = -1;
        bbw_buf_init(&sql, v->p, 128);
        bbw_buf_adds(&sql, "SELECT MAX(started_at), MAX(complete_at) FROM builds WHERE 1=1");
        visible_only(v, &sql, params, "builderid");
        if (bbw_db_each(v->db, sql.data, params, read_newest, &newest) != APR_SUCCESS)
            return fail_db(v);
        until = newest >= 0 ? newest : apr_time_sec(apr_time_now());
        if (has_since && until < since)
            until = since <= TIME_MAX - WATERFALL_SPAN ? since + WATERFALL_SPAN : TIME_MAX;
    }
    if (!has_since)
        since = until >= WATERFALL_SPAN ? until - WATERFALL_SPAN : 0;
    if (since > until)
        return fail(v, HTTP_BAD_REQUEST, "invalid window: since is after until");

    put(v, "{");
    if (!write_builders(v, only))
        return 0;
    params = bbw_params(v->p);
    bbw_buf_init(&sql, v->p, 512);
    bbw_buf_adds(&sql, "SELECT id, builderid, number, started_at, complete_at, results, ");
    bbw_buf_adds(&sql, v->details ? "state_string, workerid" : "NULL, NULL");
    bbw_buf_adds(&sql, " FROM builds WHERE started_at <= ? AND (complete_at IS NULL OR complete_at >= ?)");
    bbw_param_int(params, until);
    bbw_param_int(params, since);
    visible_only(v, &sql, params, "builderid");
    if (only) {
        bbw_buf_adds(&sql, " AND builderid IN ");
        bbw_sql_in_ints(&sql, params, (const apr_int64_t *)only->elts, only->nelts);
    }
    bbw_buf_adds(&sql, " ORDER BY started_at DESC, id DESC LIMIT ?");
    bbw_param_int(params, limit + 1);
    static const char *const names[WF_COLS] = {
        "buildid", "builderid", "number", "started_at", "complete_at", "results",
        "state_string", "workerid"
    };
    builds_baton b = { v, limit, 0, since, 0, { { 0 } } };
    /* ~7 bytes a cell; the real count is known only at the end */
    apr_size_t guess = (apr_size_t)(limit < 20000 ? limit : 20000) * 8 + 64;
    for (int i = 0; i < WF_COLS; i++)
        col_init(v, &b.cols[i], names[i], guess);
    if (bbw_db_each(v->db, sql.data, params, write_waterfall_build, &b) != APR_SUCCESS)
        return fail_db(v);
    put(v, ",");
    write_columns_of(v, since, b.cols, v->details ? WF_COLS : WF_STATE);
    put(v, ",\"truncated\":");
    put_bool(v, b.truncated);
    put(v, ",\"window\":{\"since\":");
    put_int64(v, since);
    put(v, ",\"until\":");
    put_int64(v, until);
    put(v, "}}");
    return 1;
}

/* ---- builds linked to changes (console) or source stamps (grid) ---- */

/* Rows: build columns 0..6 (id, builderid, number, results, complete_at,
 * started_at, state_string), then the linked id; grouped by build id
 * (links ascending within a build). */
enum { LB_BUILDID, LB_BUILDERID, LB_NUMBER, LB_RESULTS, LB_COMPLETE, LB_STARTED,
       LB_LINKS, LB_STATE, LB_COLS };

typedef struct {
    view *v;
    apr_int64_t current;        /* build being written, 0 = none */
    apr_int64_t n;
    int truncated;
    column cols[LB_COLS];
    apr_array_header_t *started;    /* started_at per build (INT64_MIN: null) */
    apr_array_header_t *links;      /* the current build's linked ids */
} linked_baton;

#define NO_TIME APR_INT64_C(-9223372036854775807)

/* The current build's links: one id, or [ids] when several. */
static void flush_links(linked_baton *b)
{
    column *c = &b->cols[LB_LINKS];
    const apr_int64_t *l = (const apr_int64_t *)b->links->elts;
    if (!b->links->nelts)
        return;
    col_sep(c);
    if (b->links->nelts == 1) {
        buf_int64(&c->buf, l[0]);
    }
    else {
        bbw_buf_add(&c->buf, "[", 1);
        for (int i = 0; i < b->links->nelts; i++) {
            if (i)
                bbw_buf_add(&c->buf, ",", 1);
            buf_int64(&c->buf, l[i]);
        }
        bbw_buf_add(&c->buf, "]", 1);
    }
    b->links->nelts = 0;
}

static int write_linked_build(void *baton, const bbw_row *row)
{
    linked_baton *b = baton;
    apr_int64_t id = bbw_cell_int(row, 0), link = bbw_cell_int(row, 7);
    if (id == b->current) {
        const apr_int64_t *l = (const apr_int64_t *)b->links->elts;
        if (link != l[b->links->nelts - 1])
            APR_ARRAY_PUSH(b->links, apr_int64_t) = link;
        return 0;
    }
    if (b->n >= LINKED_BUILDS_MAX) {
        b->truncated = 1;
        return 1;
    }
    flush_links(b);
    b->n++;
    b->current = id;
    APR_ARRAY_PUSH(b->links, apr_int64_t) = link;
    col_int64(&b->cols[LB_BUILDID], id);
    col_cell(&b->cols[LB_BUILDERID], row, 1, 0);
    col_cell(&b->cols[LB_NUMBER], row, 2, 0);
    col_cell(&b->cols[LB_RESULTS], row, 3, 0);
    col_int64(&b->cols[LB_COMPLETE], !bbw_cell_null(row, 4));
    APR_ARRAY_PUSH(b->started, apr_int64_t) = bbw_cell_null(row, 5) ? NO_TIME : bbw_cell_int(row, 5);
    if (b->v->details)
        col_str(&b->cols[LB_STATE], row, 6);
    return 0;
}

/* "builds":{...},"truncated":bool for the builds of sql; link_name names
 * the column of linked ids. */
static int write_linked_builds(view *v, const char *sql, apr_array_header_t *params,
                               const char *link_name)
{
    const char *names[LB_COLS] = {
        "buildid", "builderid", "number", "results", "complete", "started_at",
        link_name, "state_string"
    };
    linked_baton b = { v, 0, 0, 0, { { 0 } }, apr_array_make(v->p, 4096, sizeof(apr_int64_t)),
                       apr_array_make(v->p, 4, sizeof(apr_int64_t)) };
    for (int i = 0; i < LB_COLS; i++)
        col_init(v, &b.cols[i], names[i], 16 * 1024);
    if (bbw_db_each(v->db, sql, params, write_linked_build, &b) != APR_SUCCESS)
        return fail_db(v);
    flush_links(&b);
    /* started_at relative to the earliest start */
    const apr_int64_t *started = (const apr_int64_t *)b.started->elts;
    apr_int64_t t0 = 0;
    int any = 0;
    for (int i = 0; i < b.started->nelts; i++)
        if (started[i] != NO_TIME && (!any || started[i] < t0)) {
            t0 = started[i];
            any = 1;
        }
    column *c = &b.cols[LB_STARTED];
    for (int i = 0; i < b.started->nelts; i++) {
        col_sep(c);
        if (started[i] == NO_TIME)
            bbw_buf_add(&c->buf, "null", 4);
        else
            buf_int64(&c->buf, started[i] - t0);
    }
    write_columns_of(v, t0, b.cols, v->details ? LB_COLS : LB_STATE);
    put(v, ",\"truncated\":");
    put_bool(v, b.truncated);
    return 1;
}

#define LINKED_BUILD_COLS "b.id, b.builderid, b.number, b.results, b.complete_at," \
    " b.started_at, "

/* state_string is read only when asked for (details=1). */
static const char *state_col(const view *v)
{
    return v->details ? "b.state_string" : "NULL";
}

/* ---- console ---- */

typedef struct {
    view *v;
    apr_array_header_t *ids;
} changes_baton;

static int write_change(void *baton, const bbw_row *row)
{
    changes_baton *c = baton;
    view *v = c->v;
    static const char *const keys[] = {
        "{\"changeid\":", ",\"author\":", ",\"comments\":", ",\"revision\":",
        ",\"branch\":", ",\"when_timestamp\":", ",\"repository\":", ",\"project\":"
    };
    if (c->ids->nelts)
        put(v, ",");
    APR_ARRAY_PUSH(c->ids, apr_int64_t) = bbw_cell_int(row, 0);
    for (int i = 0; i < 8; i++) {
        put(v, keys[i]);
        if (i == 0 || i == 5)
            put_int(v, row, i);
        else if (i == 2)
            put_str_cut(v, row, i, COMMENTS_MAX);
        else
            put_str(v, row, i);
    }
    put(v, "}");
    return 0;
}

/* " AND <not a change that only hidden builders built>" (bbw_visibility.c's
 * rule, as one condition on changes.sourcestampid). */
static void visible_changes_only(view *v, bbw_buf *sql, apr_array_header_t *params)
{
    if (!v->hidden || v->hidden->nelts == 0)
        return;
    if (hides_all(v->hidden)) {
        bbw_buf_adds(sql, " AND 1=0");
        return;
    }
    const apr_int64_t *ids = (const apr_int64_t *)v->hidden->elts;
    bbw_buf_adds(sql, " AND NOT (EXISTS (SELECT 1 FROM buildset_sourcestamps bss"
                 " JOIN buildrequests br ON br.buildsetid = bss.buildsetid"
                 " WHERE bss.sourcestampid = changes.sourcestampid AND br.builderid IN ");
    bbw_sql_in_ints(sql, params, ids, v->hidden->nelts);
    bbw_buf_adds(sql, ") AND NOT EXISTS (SELECT 1 FROM buildset_sourcestamps b2"
                 " JOIN buildrequests r2 ON r2.buildsetid = b2.buildsetid"
                 " WHERE b2.sourcestampid = changes.sourcestampid AND r2.builderid NOT IN ");
    bbw_sql_in_ints(sql, params, ids, v->hidden->nelts);
    bbw_buf_adds(sql, "))");
}

static int console(view *v)
{
    static const char *const known[] = { "changes", "details", NULL };
    apr_int64_t n;
    if (!parse_args(v, known)
        || int_arg(v, "changes", 1, CONSOLE_CHANGES_MAX, CONSOLE_CHANGES_DEFAULT, &n) < 0
        || !details_arg(v))
        return 0;
    apr_array_header_t *params = bbw_params(v->p);
    bbw_buf sql;
    bbw_buf_init(&sql, v->p, 1024);
    bbw_buf_adds(&sql, "SELECT changeid, author, comments, revision, branch, when_timestamp,"
                 " repository, project FROM changes WHERE 1=1");
    visible_changes_only(v, &sql, params);
    bbw_buf_adds(&sql, " ORDER BY changeid DESC LIMIT ?");
    bbw_param_int(params, n);
    changes_baton c = { v, apr_array_make(v->p, (int)n, sizeof(apr_int64_t)) };
    put(v, "{\"changes\":[");
    if (bbw_db_each(v->db, sql.data, params, write_change, &c) != APR_SUCCESS)
        return fail_db(v);
    put(v, "],");
    if (!write_builders(v, NULL))
        return 0;
    put(v, ",");
    params = bbw_params(v->p);
    bbw_buf_init(&sql, v->p, 1024);
    bbw_buf_adds(&sql, "SELECT " LINKED_BUILD_COLS);
    bbw_buf_adds(&sql, state_col(v));
    bbw_buf_adds(&sql, ", ch.changeid FROM changes ch"
                 " JOIN buildset_sourcestamps bss ON bss.sourcestampid = ch.sourcestampid"
                 " JOIN buildrequests br ON br.buildsetid = bss.buildsetid"
                 " JOIN builds b ON b.buildrequestid = br.id WHERE ch.changeid IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)c.ids->elts, c.ids->nelts);
    visible_only(v, &sql, params, "b.builderid");
    /* +b.id: SQLite would otherwise walk every build in id order (no sort)
     * instead of starting from the few changes. */
    bbw_buf_adds(&sql, " ORDER BY +b.id DESC, ch.changeid");
    if (!write_linked_builds(v, sql.data, params, "changeids"))
        return 0;
    put(v, "}");
    return 1;
}

/* ---- grid ---- */

typedef struct {
    apr_int64_t max;
    apr_array_header_t *ids;
    apr_hash_t *seen;
} columns_baton;

/* Rows: source stamp ids by newest buildset first; the first max distinct. */
static int read_column(void *baton, const bbw_row *row)
{
    columns_baton *c = baton;
    apr_int64_t id = bbw_cell_int(row, 0);
    if (apr_hash_get(c->seen, &id, sizeof id))
        return 0;
    apr_int64_t *key = apr_pmemdup(c->ids->pool, &id, sizeof id);
    apr_hash_set(c->seen, key, sizeof *key, key);
    APR_ARRAY_PUSH(c->ids, apr_int64_t) = id;
    return c->ids->nelts >= c->max;
}

typedef struct {
    view *v;
    apr_hash_t *json;           /* ssid → JSON text of its change */
} ss_changes_baton;

static int read_ss_change(void *baton, const bbw_row *row)
{
    ss_changes_baton *c = baton;
    view *v = c->v;
    bbw_buf saved = v->out;
    bbw_buf_init(&v->out, v->p, 256);
    put(v, "{\"changeid\":");
    put_int(v, row, 1);
    put(v, ",\"author\":");
    put_str(v, row, 2);
    put(v, ",\"comments\":");
    put_str_cut(v, row, 3, COMMENTS_MAX);
    put(v, ",\"when_timestamp\":");
    put_int(v, row, 4);
    put(v, "}");
    apr_int64_t *ss = apr_palloc(v->p, sizeof *ss);
    *ss = bbw_cell_int(row, 0);
    /* Rows come by ascending changeid: the last one is the stamp's change. */
    apr_hash_set(c->json, ss, sizeof *ss, apr_pstrmemdup(v->p, v->out.data, v->out.len));
    v->out = saved;
    return 0;
}

typedef struct {
    view *v;
    apr_hash_t *rows;           /* ssid → JSON text of the column */
    apr_hash_t *changes;
} ss_baton;

static int read_ss(void *baton, const bbw_row *row)
{
    ss_baton *s = baton;
    view *v = s->v;
    apr_int64_t *id = apr_palloc(v->p, sizeof *id);
    *id = bbw_cell_int(row, 0);
    static const char *const keys[] = {
        "{\"ssid\":", ",\"branch\":", ",\"revision\":", ",\"repository\":",
        ",\"codebase\":", ",\"project\":", ",\"created_at\":"
    };
    bbw_buf saved = v->out;
    bbw_buf_init(&v->out, v->p, 256);
    for (int i = 0; i < 7; i++) {
        put(v, keys[i]);
        if (i == 0 || i == 6)
            put_int(v, row, i);
        else
            put_str(v, row, i);
    }
    const char *change = apr_hash_get(s->changes, id, sizeof *id);
    put(v, ",\"change\":");
    put(v, change ? change : "null");
    put(v, "}");
    apr_hash_set(s->rows, id, sizeof *id, apr_pstrmemdup(v->p, v->out.data, v->out.len));
    v->out = saved;
    return 0;
}

static int write_branch(void *baton, const bbw_row *row)
{
    view *v = baton;
    if (v->out.data[v->out.len - 1] != '[')
        put(v, ",");
    put_str(v, row, 0);
    return 0;
}

/* The columns: "revisions":[...] in the order of ids. */
static int write_columns(view *v, const apr_array_header_t *ids)
{
    const apr_int64_t *id = (const apr_int64_t *)ids->elts;
    ss_changes_baton cb = { v, apr_hash_make(v->p) };
    ss_baton sb = { v, apr_hash_make(v->p), cb.json };
    apr_array_header_t *params = bbw_params(v->p);
    bbw_buf sql;
    bbw_buf_init(&sql, v->p, 512);
    bbw_buf_adds(&sql, "SELECT sourcestampid, changeid, author, comments, when_timestamp"
                 " FROM changes WHERE sourcestampid IN ");
    bbw_sql_in_ints(&sql, params, id, ids->nelts);
    bbw_buf_adds(&sql, " ORDER BY changeid");
    if (bbw_db_each(v->db, sql.data, params, read_ss_change, &cb) != APR_SUCCESS)
        return fail_db(v);
    params = bbw_params(v->p);
    bbw_buf_init(&sql, v->p, 512);
    bbw_buf_adds(&sql, "SELECT id, branch, revision, repository, codebase, project, created_at"
                 " FROM sourcestamps WHERE id IN ");
    bbw_sql_in_ints(&sql, params, id, ids->nelts);
    if (bbw_db_each(v->db, sql.data, params, read_ss, &sb) != APR_SUCCESS)
        return fail_db(v);
    put(v, "\"revisions\":[");
    for (int i = 0, n = 0; i < ids->nelts; i++) {
        const char *text = apr_hash_get(sb.rows, &id[i], sizeof id[i]);
        if (!text)
            continue;
        if (n++)
            put(v, ",");
        put(v, text);
    }
    put(v, "]");
    return 1;
}

static int grid(view *v)
{
    static const char *const known[] = { "branch", "revisions", "details", NULL };
    apr_int64_t n;
    if (!parse_args(v, known)
        || int_arg(v, "revisions", 1, GRID_REVISIONS_MAX, GRID_REVISIONS_DEFAULT, &n) < 0
        || !details_arg(v))
        return 0;
    const char *branch = apr_table_get(v->args, "branch");
    if (branch && (!*branch || strlen(branch) > BRANCH_MAX))
        return fail(v, HTTP_BAD_REQUEST, "invalid branch: expected 1 to 256 bytes");

    /* Newest buildsets first (buildset_sourcestamps_buildsetid index),
     * stopping at the n-th distinct source stamp. */
    columns_baton cols = { n, apr_array_make(v->p, (int)n, sizeof(apr_int64_t)),
                           apr_hash_make(v->p) };
    apr_array_header_t *params = bbw_params(v->p);
    bbw_buf sql;
    bbw_buf_init(&sql, v->p, 1024);
    bbw_buf_adds(&sql, "SELECT bss.sourcestampid FROM buildset_sourcestamps bss");
    if (branch)
        bbw_buf_adds(&sql, " JOIN sourcestamps ss ON ss.id = bss.sourcestampid");
    bbw_buf_adds(&sql, " WHERE EXISTS (SELECT 1 FROM buildrequests br"
                 " WHERE br.buildsetid = bss.buildsetid");
    visible_only(v, &sql, params, "br.builderid");
    bbw_buf_adds(&sql, ")");
    if (branch) {
        bbw_buf_adds(&sql, " AND ss.branch = ?");
        bbw_param_str(params, branch);
    }
    bbw_buf_adds(&sql, " ORDER BY bss.buildsetid DESC, bss.id DESC");
    if (bbw_db_each(v->db, sql.data, params, read_column, &cols) != APR_SUCCESS)
        return fail_db(v);

    put(v, "{\"branch\":");
    if (branch)
        bbw_json_write_string(&v->out, branch, strlen(branch));
    else
        put(v, "null");
    put(v, ",\"branches\":[");
    params = bbw_params(v->p);
    bbw_buf_init(&sql, v->p, 512);
    bbw_buf_adds(&sql, "SELECT DISTINCT ss.branch FROM sourcestamps ss"
                 " WHERE ss.branch IS NOT NULL AND ss.branch <> ''");
    if (v->hidden && v->hidden->nelts) {
        /* Only branches some visible builder built: names can be secret. */
        bbw_buf_adds(&sql, " AND EXISTS (SELECT 1 FROM buildset_sourcestamps b2"
                     " JOIN buildrequests r2 ON r2.buildsetid = b2.buildsetid"
                     " WHERE b2.sourcestampid = ss.id");
        visible_only(v, &sql, params, "r2.builderid");
        bbw_buf_adds(&sql, ")");
    }
    bbw_buf_adds(&sql, " ORDER BY ss.branch LIMIT " APR_STRINGIFY(BRANCHES_MAX));
    if (bbw_db_each(v->db, sql.data, params, write_branch, v) != APR_SUCCESS)
        return fail_db(v);
    put(v, "],");
    if (!write_columns(v, cols.ids))
        return 0;
    put(v, ",");
    if (!write_builders(v, NULL))
        return 0;
    put(v, ",");
    params = bbw_params(v->p);
    bbw_buf_init(&sql, v->p, 1024);
    bbw_buf_adds(&sql, "SELECT " LINKED_BUILD_COLS);
    bbw_buf_adds(&sql, state_col(v));
    bbw_buf_adds(&sql, ", bss.sourcestampid"
                 " FROM buildset_sourcestamps bss"
                 " JOIN buildrequests br ON br.buildsetid = bss.buildsetid"
                 " JOIN builds b ON b.buildrequestid = br.id WHERE bss.sourcestampid IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)cols.ids->elts, cols.ids->nelts);
    /* The same buildsets again, as a list SQLite can start from (there is
     * no index on bss.sourcestampid): else it walks every build. */
    bbw_buf_adds(&sql, " AND bss.buildsetid IN (SELECT buildsetid FROM buildset_sourcestamps"
                 " WHERE sourcestampid IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)cols.ids->elts, cols.ids->nelts);
    bbw_buf_adds(&sql, ")");
    visible_only(v, &sql, params, "b.builderid");
    bbw_buf_adds(&sql, " ORDER BY +b.id DESC, bss.sourcestampid");
    if (!write_linked_builds(v, sql.data, params, "ssids"))
        return 0;
    put(v, "}");
    return 1;
}

/* ---- gzip ---- */

/* Accept-Encoding names gzip (or x-gzip) without q=0. */
static int accepts_gzip(request_rec *r)
{
    const char *header = apr_table_get(r->headers_in, "Accept-Encoding");
    if (!header)
        return 0;
    char *copy = apr_pstrdup(r->pool, header), *state = NULL;
    for (char *tok = apr_strtok(copy, ",", &state); tok; tok = apr_strtok(NULL, ",", &state)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *semi = strchr(tok, ';');
        apr_size_t n = semi ? (apr_size_t)(semi - tok) : strlen(tok);
        while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            n--;
        if (!((n == 4 && strncasecmp(tok, "gzip", 4) == 0)
              || (n == 6 && strncasecmp(tok, "x-gzip", 6) == 0)))
            continue;
        for (char *prm = semi; prm; prm = strchr(prm + 1, ';')) {
            char *q = prm + 1;
            while (*q == ' ' || *q == '\t')
                q++;
            if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=' && strtod(q + 2, NULL) <= 0)
                return 0;
        }
        return 1;
    }
    return 0;
}

/* body as one gzip member; 0 when zlib fails. */
static int gzip_body(apr_pool_t *p, const char *body, apr_size_t len,
                     const char **out, apr_size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (len > 0x7fffffff
        || deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    uLong bound = deflateBound(&z, (uLong)len);
    Bytef *buf = apr_palloc(p, bound);
    z.next_in = (Bytef *)body;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return 0;
    *out = (const char *)buf;
    return 1;
}

static int send_gzip(request_rec *r, const char *body, apr_size_t len)
{
    r->content_encoding = "gzip";
    apr_table_setn(r->headers_out, "Content-Encoding", "gzip");
    return send_json(r, HTTP_OK, body, len);
}

/* ---- the handler ---- */

static const struct {
    const char *name;
    view_fn fn;
} views[] = {
    { "waterfall.json", waterfall },
    { "console.json", console },
    { "grid.json", grid },
};

/* Buildbot's read rule for the builds collection; DECLINED = allowed. */
static int check_read_access(request_rec *r, bbw_db *db, json_t *user)
{
    apr_array_header_t *segs = apr_array_make(r->pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(segs, const char *) = "builds";
    const bbw_route *route = bbw_route_match(r->pool, segs);
    const char *role = NULL;
    int decision = bbw_access_check(r, db, route, r->method, NULL, user, &role);
    if (decision > 0)
        return DECLINED;
    if (decision < 0)
        return send_error(r, HTTP_SERVICE_UNAVAILABLE, "authorization lookup failed - see logs");
    return send_error(r, HTTP_FORBIDDEN,
                      apr_psprintf(r->pool, "you need to have role '%s'", role ? role : ""));
}

int bbw_views_handler(request_rec *r, const char *rest)
{
    view_fn fn = NULL;
    if (strcmp(rest, "can.json") == 0 && r->method_number == M_GET)
        return bbw_can_handler(r);
    for (size_t i = 0; i < sizeof views / sizeof *views; i++)
        if (strcmp(rest, views[i].name) == 0)
            fn = views[i].fn;
    if (!fn)
        return send_error(r, HTTP_NOT_FOUND, apr_pstrcat(r->pool, "no such view: ", rest, NULL));
    if (r->method_number != M_GET) {     /* HEAD is M_GET with header_only */
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return send_error(r, HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET or HEAD");
    }

    const bbw_dir_conf *conf = bbw_conf(r);
    view v = { r, r->pool, bbw_db_open(r), NULL, NULL, { 0 }, 0, OK, NULL };
    if (!v.db)
        return send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable - see logs");
    json_t *user = conf->authz || conf->remote_user_header ? bbw_session_user(r) : NULL;
    if (conf->authz) {
        int denied = check_read_access(r, v.db, user);
        if (denied != DECLINED)
            return denied;
    }
    const char *audience = "";
    if (bbw_access_restricts_view(r)) {
        if (!user)
            user = bbw_session_user(r);
        v.hidden = bbw_access_hidden_builders(r, v.db, user);
        audience = bbw_access_view_key(r, v.db, user);
    }
    bbw_rest_cache_headers(r);     /* as REST answers */
    apr_table_mergen(r->headers_out, "Vary", "Accept-Encoding");
    int gzip = accepts_gzip(r);
    const char *key = NULL, *gzip_key = NULL;
    const char *body = NULL;
    apr_size_t len = 0;
    if (bbw_conf_response_cache(conf)) {
        const char *ctype, *disposition;
        key = apr_pstrcat(r->pool, "views/", rest, "|", audience, "?", r->args ? r->args : "", NULL);
        gzip_key = apr_pstrcat(r->pool, "gzip|", key, NULL);
        if (gzip && bbw_db_cached_response(v.db, gzip_key, &body, &len, &ctype, &disposition))
            return send_gzip(r, body, len);
        if (!bbw_db_cached_response(v.db, key, &body, &len, &ctype, &disposition))
            body = NULL;
    }

    if (!body) {
        bbw_buf_init(&v.out, r->pool, 64 * 1024);
        if (!fn(&v)) {
            if (v.status == HTTP_INTERNAL_SERVER_ERROR)
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00200)
                              "views: %s: a query failed (see above)", rest);
            return send_error(r, v.status, v.message);
        }
        body = v.out.data;
        len = v.out.len;
        if (key)
            bbw_db_cache_response(v.db, key, body, len, "application/json; charset=utf-8", NULL);
    }
    const char *packed;
    apr_size_t packed_len;
    if (gzip && len >= GZIP_MIN && gzip_body(r->pool, body, len, &packed, &packed_len)) {
        if (gzip_key)
            bbw_db_cache_response(v.db, gzip_key, packed, packed_len,
                                  "application/json; charset=utf-8", NULL);
        return send_gzip(r, packed, packed_len);
    }
    return send_json(r, HTTP_OK, body, len);
}
