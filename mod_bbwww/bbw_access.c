/* Request-time authz glue: the request as bbw_authz sees it, the matchers'
 * lookups (database for builds and build requests, the master for force
 * schedulers) and per-request builder visibility. */
#include "bbw_access.h"
#include "bbw_authz.h"
#include "bbw_control.h"
#include "bbw_rest.h"

#include <apr_hash.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <stdlib.h>

#define HIDDEN_KEY "bbw_access.hidden"
#define MAX_FORCE_BUILDERS 10000    /* builder names read from a master answer */

typedef struct {
    request_rec *r;
    bbw_db *db;
    const bbw_route *route;
    bbw_authz_ep kind;
    int loaded;
    const char *builder;            /* the object's builder name, NULL = none */
    int has_buildset;
    apr_int64_t buildsetid;
    int failed;                     /* a lookup could not be answered */
} access_baton;

static const bbw_authz *conf_authz(request_rec *r)
{
    const bbw_dir_conf *c = bbw_conf(r);
    return c ? c->authz : NULL;
}

/* ---- the addressed build or build request ---- */

typedef struct {
    apr_pool_t *p;
    int found;
    const char *builder;
    int has_buildset;
    apr_int64_t buildsetid;
} object_row;

static int read_object(void *baton, const bbw_row *row)
{
    object_row *o = baton;
    o->found = 1;
    o->builder = row->val[0] ? apr_pstrdup(o->p, row->val[0]) : NULL;
    o->has_buildset = !bbw_cell_null(row, 1);
    o->buildsetid = o->has_buildset ? bbw_cell_int(row, 1) : 0;
    return 1;
}

static const bbw_arg *arg(const access_baton *b, const char *name)
{
    return bbw_route_arg(b->route, name);
}

/* SELECT of (builder name, buildset id) for the route's object; NULL when
 * the route does not name one. */
static const char *object_sql(access_baton *b, apr_array_header_t *params)
{
    const bbw_arg *a;
    if (b->kind == BBW_AUTHZ_EP_BUILDREQUEST && (a = arg(b, "buildrequestid"))) {
        bbw_param_int(params, a->num);
        return "SELECT builders.name, buildrequests.buildsetid FROM buildrequests"
               " LEFT JOIN builders ON builders.id = buildrequests.builderid"
               " WHERE buildrequests.id = ?";
    }
#define BUILD_SELECT "SELECT builders.name, buildrequests.buildsetid FROM builds" \
        " LEFT JOIN builders ON builders.id = builds.builderid" \
        " LEFT JOIN buildrequests ON buildrequests.id = builds.buildrequestid"
    if ((a = arg(b, "buildid"))) {
        bbw_param_int(params, a->num);
        return BUILD_SELECT " WHERE builds.id = ?";
    }
    const bbw_arg *number = arg(b, "number");
    if (!number)
        return NULL;
    if ((a = arg(b, "builderid"))) {
        bbw_param_int(params, a->num);
        bbw_param_int(params, number->num);
        return BUILD_SELECT " WHERE builds.builderid = ? AND builds.number = ?";
    }
    if ((a = arg(b, "buildername"))) {
        bbw_param_str(params, bbw_name_hash(b->r->pool, a->str));
        bbw_param_int(params, number->num);
        return BUILD_SELECT " WHERE builders.name_hash = ? AND builds.number = ?";
    }
#undef BUILD_SELECT
    return NULL;
}

static void load_object(access_baton *b)
{
    if (b->loaded)
        return;
    b->loaded = 1;
    apr_array_header_t *params = bbw_params(b->r->pool);
    const char *sql = object_sql(b, params);
    object_row o = { b->r->pool, 0, NULL, 0, 0 };
    if (!sql)
        return;
    /* A failure (logged by bbw_db) is not "no such object": a rule that
     * did not match because of it could let a later, wider rule allow. */
    if (!b->db || bbw_db_each(b->db, sql, params, read_object, &o) != APR_SUCCESS) {
        b->failed = 1;
        return;
    }
    b->builder = o.builder;
    b->has_buildset = o.has_buildset;
    b->buildsetid = o.buildsetid;
}

static const char *lookup_builder(void *baton, apr_pool_t *p)
{
    access_baton *b = baton;
    load_object(b);
    return b->builder;
}

typedef struct {
    apr_pool_t *p;
    const char *owner;
} owner_row;

/* property_value is JSON [value, source]; the owner is a string value.
 * Several rows: the last wins, as in Buildbot's property dict. */
static int read_owner(void *baton, const bbw_row *row)
{
    owner_row *o = baton;
    json_t *v = row->val[0] ? bbw_jparse(row->val[0], row->len[0]) : NULL;
    const char *s = json_string_value(json_array_get(v, 0));
    o->owner = s ? apr_pstrdup(o->p, s) : NULL;
    json_decref(v);
    return 0;
}

static const char *lookup_owner(void *baton, apr_pool_t *p)
{
    access_baton *b = baton;
    load_object(b);
    if (!b->has_buildset)
        return NULL;
    apr_array_header_t *params = bbw_params(b->r->pool);
    bbw_param_int(params, b->buildsetid);
    bbw_param_str(params, "owner");
    owner_row o = { p, NULL };
    if (!b->db || bbw_db_each(b->db, "SELECT property_value FROM buildset_properties"
                              " WHERE buildsetid = ? AND property_name = ?", params,
                              read_owner, &o) != APR_SUCCESS) {
        b->failed = 1;
        return NULL;
    }
    return o.owner;
}

/* ---- force schedulers ---- */

typedef struct {
    apr_pool_t *p;
    const char *name;
} name_row;

static int read_builder_name(void *baton, const bbw_row *row)
{
    name_row *n = baton;
    n->name = row->val[0] ? apr_pstrdup(n->p, row->val[0]) : NULL;
    return 1;
}

static const char *builder_name_by_id(void *baton, apr_pool_t *p, apr_int64_t builderid)
{
    access_baton *b = baton;
    apr_array_header_t *params = bbw_params(b->r->pool);
    bbw_param_int(params, builderid);
    name_row n = { p, NULL };
    if (!b->db || bbw_db_each(b->db, "SELECT name FROM builders WHERE id = ?", params,
                              read_builder_name, &n) != APR_SUCCESS) {
        b->failed = 1;
        return NULL;
    }
    return n.name;
}

/* builder_names of the master's /forceschedulers/<name>; NULL = unknown. */
static apr_array_header_t *scheduler_builders(request_rec *r, const char *scheduler)
{
    const char *path = apr_pstrcat(r->pool, "forceschedulers/",
                                   ap_escape_path_segment(r->pool, scheduler), NULL);
    json_t *doc = bbw_master_get_json(r, path);
    json_t *sched = json_array_get(json_object_get(doc, "forceschedulers"), 0);
    json_t *names = json_object_get(sched, "builder_names"), *v;
    apr_array_header_t *out = NULL;
    size_t i;
    if (json_is_array(names)) {
        out = apr_array_make(r->pool, (int)json_array_size(names) + 1, sizeof(const char *));
        json_array_foreach(names, i, v) {
            if (json_is_string(v) && i < MAX_FORCE_BUILDERS)
                APR_ARRAY_PUSH(out, const char *) = apr_pstrdup(r->pool, json_string_value(v));
        }
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00101)
                      "authz: force scheduler '%s' unknown to the master", scheduler);
    }
    json_decref(doc);
    return out;
}

static apr_array_header_t *lookup_force_builders(void *baton, apr_pool_t *p,
                                                 const char *scheduler, json_t *params)
{
    access_baton *b = baton;
    apr_array_header_t *sched = scheduler_builders(b->r, scheduler);
    if (!sched) {
        /* Unknown to the master, or the master did not answer: either way
         * the call cannot succeed, and guessing could allow it. */
        b->failed = 1;
        return NULL;
    }
    return bbw_authz_force_targets(p, sched, params, builder_name_by_id, b);
}

/* ---- the check ---- */

static bbw_authz_ep route_kind(const bbw_route *route)
{
    if (!route)
        return BBW_AUTHZ_EP_INVALID;
    switch (route->ep) {
    case EP_BUILD:
        return BBW_AUTHZ_EP_BUILD;
    case EP_BUILDREQUEST:
        return BBW_AUTHZ_EP_BUILDREQUEST;
    case EP_FORCESCHEDULER:
        return BBW_AUTHZ_EP_FORCESCHEDULER;
    case EP_SCHEDULER:
        return BBW_AUTHZ_EP_SCHEDULER;
    default:
        return BBW_AUTHZ_EP_OTHER;
    }
}

int bbw_access_check(request_rec *r, bbw_db *db, const bbw_route *route,
                     const char *action, json_t *params, json_t *user_info,
                     const char **deny_role)
{
    const bbw_authz *authz = conf_authz(r);
    if (!authz)
        return 1;
    access_baton b = { r, db, route, route_kind(route), 0, NULL, 0, 0, 0 };
    const bbw_arg *sched = route ? bbw_route_arg(route, "schedulername") : NULL;
    bbw_authz_request req = {
        b.kind, sched ? sched->str : NULL, action, params, user_info,
        { lookup_builder, lookup_owner, lookup_force_builders, &b }
    };
    const char *role = NULL;
    int allowed = bbw_authz_decide(authz, r->pool, &req, &role);
    if (allowed && b.failed) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00103)
                      "authz: %s on %s not decided: a lookup failed (see above)",
                      action ? action : "-", r->uri);
        return -1;
    }
    if (!allowed) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00100)
                      "authz: %s on %s denied: role '%s' needed", action ? action : "-",
                      r->uri, role);
        if (deny_role)
            *deny_role = role;
    }
    return allowed;
}

/* ---- visibility ---- */

int bbw_access_restricts_view(request_rec *r)
{
    return bbw_authz_restricts_view(conf_authz(r));
}

typedef struct {
    apr_pool_t *p;
    apr_hash_t *tags;               /* builder id → apr_array of const char * */
} tags_baton;

static int read_tag(void *baton, const bbw_row *row)
{
    tags_baton *t = baton;
    if (bbw_cell_null(row, 0) || !row->val[1])
        return 0;
    apr_int64_t *id = apr_palloc(t->p, sizeof *id);
    *id = bbw_cell_int(row, 0);
    apr_array_header_t *list = apr_hash_get(t->tags, id, sizeof *id);
    if (!list) {
        list = apr_array_make(t->p, 2, sizeof(const char *));
        apr_hash_set(t->tags, id, sizeof *id, list);
    }
    APR_ARRAY_PUSH(list, const char *) = apr_pstrdup(t->p, row->val[1]);
    return 0;
}

typedef struct {
    const bbw_authz *authz;
    const apr_array_header_t *roles;
    apr_hash_t *tags;
    apr_array_header_t *hidden;
} builders_baton;

static int read_builder(void *baton, const bbw_row *row)
{
    builders_baton *bb = baton;
    apr_int64_t id = bbw_cell_int(row, 0);
    const apr_array_header_t *tags = apr_hash_get(bb->tags, &id, sizeof id);
    if (!bbw_authz_builder_visible(bb->authz, bb->roles, row->val[1] ? row->val[1] : "", tags))
        APR_ARRAY_PUSH(bb->hidden, apr_int64_t) = id;
    return 0;
}

static apr_array_header_t *hide_all(request_rec *r)
{
    apr_array_header_t *all = apr_array_make(r->pool, 1, sizeof(apr_int64_t));
    APR_ARRAY_PUSH(all, apr_int64_t) = BBW_ACCESS_HIDE_ALL;
    return all;
}

static apr_array_header_t *compute_hidden(request_rec *r, bbw_db *db, json_t *user_info)
{
    const bbw_authz *authz = conf_authz(r);
    tags_baton t = { r->pool, apr_hash_make(r->pool) };
    builders_baton bb = { authz, bbw_authz_roles(authz, r->pool, user_info), t.tags,
                          apr_array_make(r->pool, 8, sizeof(apr_int64_t)) };
    if (!db
        || bbw_db_each(db, "SELECT builders_tags.builderid, tags.name FROM builders_tags"
                       " JOIN tags ON tags.id = builders_tags.tagid", bbw_params(r->pool),
                       read_tag, &t) != APR_SUCCESS
        || bbw_db_each(db, "SELECT id, name FROM builders ORDER BY id", bbw_params(r->pool),
                       read_builder, &bb) != APR_SUCCESS) {
        /* Failing closed: a user must not see builders by accident. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00102)
                      "authz: cannot read builders and tags; hiding every builder");
        return hide_all(r);
    }
    return bb.hidden;
}

apr_array_header_t *bbw_access_hidden_builders(request_rec *r, bbw_db *db, json_t *user_info)
{
    if (!bbw_access_restricts_view(r))
        return NULL;
    void *cached = NULL;
    apr_pool_userdata_get(&cached, HIDDEN_KEY, r->pool);
    if (cached)
        return cached;
    apr_array_header_t *hidden = compute_hidden(r, db, user_info);
    apr_pool_userdata_setn(hidden, HIDDEN_KEY, NULL, r->pool);
    return hidden;
}

const char *bbw_access_view_key(request_rec *r, bbw_db *db, json_t *user_info)
{
    apr_array_header_t *hidden = bbw_access_hidden_builders(r, db, user_info);
    if (!hidden || hidden->nelts == 0)
        return "";
    /* Hidden ids are ascending, so equal sets give equal keys. */
    apr_sha1_ctx_t ctx;
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_init(&ctx);
    for (int i = 0; i < hidden->nelts; i++) {
        const char *id = apr_psprintf(r->pool, "%" APR_INT64_T_FMT ",",
                                      APR_ARRAY_IDX(hidden, i, apr_int64_t));
        apr_sha1_update(&ctx, id, (unsigned int)strlen(id));
    }
    apr_sha1_final(digest, &ctx);
    char *key = apr_palloc(r->pool, 2 * APR_SHA1_DIGESTSIZE + 2);
    key[0] = 'v';
    for (int i = 0; i < APR_SHA1_DIGESTSIZE; i++)
        apr_snprintf(key + 1 + 2 * i, 3, "%02x", digest[i]);
    return key;
}
