/* Badges (ui-assets.md §3): GET <mount>plugins/badges/<builder>.svg|png and
 * <mount>badges/<builder>.svg|png. The builder's last build (highest
 * number; optionally only builds of a branch) gives the right half; the
 * options come from BuildbotBadges, then from the query. Like Buildbot's
 * plugin there is no authz and no session, except that builders hidden by
 * BuildbotViewBuilders answer 404 like builders that do not exist. */
#include "bbw_query.h"
#include "bbw_badges.h"
#include "bbw_access.h"
#include "bbw_badge_svg.h"
#include "bbw_db.h"
#include "bbw_rest.h"
#include "bbw_session.h"

#include <apr_sha1.h>
#include <apr_strings.h>
#include <string.h>

struct bbw_badges_conf {
    int enabled;                /* -1 = unset (on) */
    bbw_badge_opts opts;
};

#define BRANCH_MAX 1024         /* bytes of the branch filter */

/* A <Location> that sets any badge option gets its own option set (the
 * defaults plus what it says); On/Off is inherited on its own, so a
 * server-wide Off stays off below. */
bbw_badges_conf *bbw_badges_merge_conf(apr_pool_t *p, const bbw_badges_conf *base,
                                       const bbw_badges_conf *add)
{
    if (!add || !base)
        return (bbw_badges_conf *)(add ? add : base);
    bbw_badges_conf *m = apr_pmemdup(p, add, sizeof *m);
    if (m->enabled < 0)
        m->enabled = base->enabled;
    return m;
}

/* ----------------------------------------------------------- directives */

static bbw_badges_conf *badges_conf(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *c = cfg;
    if (!c->badges) {
        c->badges = apr_pcalloc(cmd->pool, sizeof *c->badges);
        c->badges->enabled = -1;
        bbw_badge_opts_init(&c->badges->opts);
    }
    return c->badges;
}

const char *bbw_badges_cmd(cmd_parms *cmd, void *cfg, const char *key, const char *value)
{
    const char *directive = cmd->directive->directive;
    bbw_badges_conf *bc = badges_conf(cmd, cfg);
    if (!value) {
        if (strcasecmp(key, "on") != 0 && strcasecmp(key, "off") != 0)
            return apr_psprintf(cmd->pool, "%s: expected KEY VALUE, On or Off, not '%s' alone",
                                directive, key);
        bc->enabled = strcasecmp(key, "on") == 0;
        return NULL;
    }
    if (strcmp(key, "template_name") == 0)
        return apr_psprintf(cmd->pool, "%s: template_name is not supported; the styles "
                            "plastic, flat, flat-square and badgeio are built in", directive);
    int known = 0;
    const char *error = bbw_badge_opts_set(cmd->pool, &bc->opts, key, value, &known);
    if (!known)
        return apr_psprintf(cmd->pool, "%s: unknown option '%s' (expected left_pad, left_text, "
                            "left_color, right_pad, border_radius, style, font_face, "
                            "font_size or color_scheme.<success|warnings|failure|skipped|"
                            "exception|retry|cancelled|running|unknown>)", directive, key);
    return error ? apr_psprintf(cmd->pool, "%s %s", directive, error) : NULL;
}

/* ------------------------------------------------------------ responses */

static int send_body(request_rec *r, const char *ctype, const char *body, apr_size_t len)
{
    return bbw_send(r, 0, ctype, body, len);
}

static int send_error(request_rec *r, int status, const char *message)
{
    return bbw_send_error(r, status, "application/json", message);
}

/* ----------------------------------------------------------------- input */

/* %XX decoded (a bad escape stays as written), '+' → ' ' when plus is set.
 * *len = the decoded length (it may hold NULs). */
static char *unescape(apr_pool_t *p, const char *s, size_t n, int plus, size_t *len)
{
    return bbw_form_decode(p, s, n, plus, len);
}

typedef struct {
    const char *builder;        /* decoded segment before the extension */
    int png;
    bbw_badge_opts opts;        /* from the query; unset = configured */
    const char *branch;         /* NULL = any */
} badge_request;

/* One segment ending in .svg or .png; 0 when rest names no badge. */
static int parse_path(request_rec *r, const char *rest, badge_request *req)
{
    size_t n = strlen(rest), len;
    if (strchr(rest, '/') || n < 5)
        return 0;
    if (strcmp(rest + n - 4, ".svg") == 0)
        req->png = 0;
    else if (strcmp(rest + n - 4, ".png") == 0)
        req->png = 1;
    else
        return 0;
    req->builder = unescape(r->pool, rest, n - 4, 0, &len);
    return len == strlen(req->builder) && !strchr(req->builder, '/');
}

/* The query's options (the first value of each counts) and branch. NULL,
 * or the message of the first invalid value. Unknown keys are ignored. */
static const char *parse_query(request_rec *r, badge_request *req)
{
    apr_table_t *seen = apr_table_make(r->pool, 8);
    const char *q = r->args ? r->args : "";
    bbw_badge_opts_init(&req->opts);
    req->branch = NULL;
    while (*q) {
        size_t n = strcspn(q, "&"), klen, vlen;
        const char *eq = memchr(q, '=', n);
        size_t kn = eq ? (size_t)(eq - q) : n;
        const char *key = unescape(r->pool, q, kn, 1, &klen);
        const char *value = eq ? unescape(r->pool, eq + 1, n - kn - 1, 1, &vlen) : "";
        if (!eq)
            vlen = 0;
        q += n + (q[n] == '&');
        if (klen == 0 || klen != strlen(key) || apr_table_get(seen, key))
            continue;
        apr_table_setn(seen, key, "");
        if (vlen != strlen(value))
            return apr_psprintf(r->pool, "%s: NUL in the value", key);
        if (strcmp(key, "branch") == 0) {
            if (vlen > BRANCH_MAX)
                return apr_psprintf(r->pool, "branch: longer than %d bytes", BRANCH_MAX);
            req->branch = vlen ? value : NULL;
            continue;
        }
        const char *error = bbw_badge_opts_set(r->pool, &req->opts, key, value, NULL);
        if (error)
            return error;
    }
    return NULL;
}

/* A builder id (all digits) or a name Buildbot 3.7's path matcher takes. */
static int builder_is_id(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

static int builder_is_name(const char *s)
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
    return s[0] && strchr(first, s[0]) &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
               == strlen(s);
}

/* -------------------------------------------------------------- database */

static int read_id(void *baton, const bbw_row *row)
{
    *(apr_int64_t *)baton = bbw_cell_int(row, 0);
    return 1;
}

/* The builder's id, 0 when there is none, -1 on a database failure. */
static apr_int64_t find_builder(request_rec *r, bbw_db *db, const char *builder)
{
    apr_array_header_t *params = bbw_params(r->pool);
    apr_int64_t id = 0;
    const char *sql;
    if (builder_is_id(builder)) {
        bbw_param_int(params, apr_atoi64(builder));
        sql = "SELECT id FROM builders WHERE id = ?";
    }
    else {
        bbw_param_str(params, bbw_name_hash(r->pool, builder));
        sql = "SELECT id FROM builders WHERE name_hash = ?";
    }
    return bbw_db_each(db, sql, params, read_id, &id) == APR_SUCCESS ? id : -1;
}

typedef struct {
    int found, complete, has_results;
    apr_int64_t results;
} last_build;

static int read_build(void *baton, const bbw_row *row)
{
    last_build *b = baton;
    b->found = 1;
    b->complete = !bbw_cell_null(row, 0);
    b->has_results = !bbw_cell_null(row, 1);
    b->results = b->has_results ? bbw_cell_int(row, 1) : 0;
    return 1;
}

/* The highest-numbered build of the builder, of the branch when given:
 * a build whose request's buildset has a sourcestamp on that branch. */
static apr_status_t find_last_build(request_rec *r, bbw_db *db, apr_int64_t builderid,
                                    const char *branch, last_build *b)
{
    apr_array_header_t *params = bbw_params(r->pool);
    bbw_param_int(params, builderid);
    const char *sql = "SELECT complete_at, results FROM builds WHERE builderid = ?";
    if (branch) {
        sql = apr_pstrcat(r->pool, sql,
                          " AND EXISTS (SELECT 1 FROM buildrequests"
                          " JOIN buildset_sourcestamps"
                          " ON buildset_sourcestamps.buildsetid = buildrequests.buildsetid"
                          " JOIN sourcestamps"
                          " ON sourcestamps.id = buildset_sourcestamps.sourcestampid"
                          " WHERE buildrequests.id = builds.buildrequestid"
                          " AND sourcestamps.branch = ?)", NULL);
        bbw_param_str(params, branch);
    }
    sql = apr_pstrcat(r->pool, sql, " ORDER BY number DESC LIMIT 1", NULL);
    memset(b, 0, sizeof *b);
    return bbw_db_each(db, sql, params, read_build, b);
}

static int builder_hidden(request_rec *r, bbw_db *db, apr_int64_t builderid)
{
    if (!bbw_access_restricts_view(r))
        return 0;
    const apr_array_header_t *hidden = bbw_access_hidden_builders(r, db, bbw_session_user(r));
    for (int i = 0; hidden && i < hidden->nelts; i++) {
        apr_int64_t id = APR_ARRAY_IDX(hidden, i, apr_int64_t);
        if (id == builderid || id == BBW_ACCESS_HIDE_ALL)
            return 1;
    }
    return 0;
}

/* -------------------------------------------------------------- handler */

/* A strong validator of the SVG; the PNG is drawn from it and nothing else,
 * so the SVG's hash names the PNG too (with a suffix), and a 304 costs no
 * rasterising. */
static const char *etag_of(request_rec *r, const char *svg, apr_size_t len, int png)
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t ctx;
    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, (const unsigned char *)svg, (unsigned int)len);
    apr_sha1_final(digest, &ctx);
    char hex[2 * APR_SHA1_DIGESTSIZE + 1];
    for (int i = 0; i < APR_SHA1_DIGESTSIZE; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return apr_psprintf(r->pool, "\"%s%s\"", hex, png ? "-png" : "");
}

static int answer(request_rec *r, const badge_request *req, const bbw_badge_opts *opts,
                  bbw_badge_state state)
{
    bbw_buf svg;
    bbw_buf_init(&svg, r->pool, 2048);
    const char *error = bbw_badge_svg(&svg, opts, state);
    if (error) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00180)
                      "badge: cannot measure text: %s", error);
        return send_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "ETag", etag_of(r, svg.data, svg.len, req->png));
    int status = ap_meets_conditions(r);
    if (status != OK)
        return status;
    if (!req->png)
        return send_body(r, "image/svg+xml", svg.data, svg.len);
    const char *png = NULL;
    apr_size_t png_len = 0;
    error = bbw_badge_png(r->pool, svg.data, svg.len, &png, &png_len);
    if (error) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00181)
                      "badge: cannot draw the PNG: %s", error);
        apr_table_unset(r->headers_out, "ETag");
        return send_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
    }
    return send_body(r, "image/png", png, png_len);
}

int bbw_badges_handler(request_rec *r, const char *rest)
{
    const bbw_badges_conf *bc = bbw_conf(r)->badges;
    badge_request req;
    if (bc && bc->enabled == 0)
        return HTTP_NOT_FOUND;
    if (!parse_path(r, rest, &req))
        return send_error(r, HTTP_NOT_FOUND, "not found");
    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);    /* the 405's Allow */
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!builder_is_id(req.builder) && !builder_is_name(req.builder))
        return send_error(r, HTTP_NOT_FOUND, "invalid builder name or id");
    const char *error = parse_query(r, &req);
    if (error)
        return send_error(r, HTTP_BAD_REQUEST, error);

    bbw_db *db = bbw_db_open(r);
    if (!db)
        return send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable - see logs");
    apr_int64_t builderid = find_builder(r, db, req.builder);
    if (builderid < 0)
        return send_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
    if (builderid == 0 || builder_hidden(r, db, builderid))
        return send_error(r, HTTP_NOT_FOUND, "builder not found");
    last_build last;
    if (find_last_build(r, db, builderid, req.branch, &last) != APR_SUCCESS)
        return send_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");

    bbw_badge_opts_complete(&req.opts, bc ? &bc->opts : NULL);
    return answer(r, &req, &req.opts, bbw_badge_state_of(last.found, last.complete,
                                                          last.has_results, last.results));
}
