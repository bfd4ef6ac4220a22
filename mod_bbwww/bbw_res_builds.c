/* builds, build properties, properties lists, build data, test result sets
 * and test results (rest-api.md §3.3, §3.4, §3.5, §3.15; resource-types.md
 * build, properties, _property, build_data, test_result_set, test_result). */
#include "bbw_rest.h"

#include <apr_hash.h>
#include <string.h>

/* ---- entity types (fields in Buildbot's declaration order) ---- */

static const bbw_field build_fields[] = {
    { "buildid", BBW_F_INT, 0 },
    { "number", BBW_F_INT, 0 },
    { "builderid", BBW_F_INT, 0 },
    { "buildrequestid", BBW_F_INT, 0 },
    { "workerid", BBW_F_INT, 0 },
    { "masterid", BBW_F_INT, 0 },
    { "started_at", BBW_F_DATETIME, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { "complete_at", BBW_F_DATETIME, 0 },
    { "results", BBW_F_INT, 0 },
    { "state_string", BBW_F_STRING, 0 },
    { "properties", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_build = { "build", "builds", build_fields };

static const bbw_field no_fields[] = { { NULL, 0, 0 } };
const bbw_etype bbw_t_properties = { "sourcedproperties", "properties", no_fields };

/* `value` is declared jsonobject (the entity holds the value JSON-encoded
 * again as a string): Buildbot cannot parse a filter value for it and answers
 * 400 "invalid filter value for value", so the SQL mapping of `value` on
 * /builds/{id}/property_list only ever serves `order=value`. */
static const bbw_field property_fields[] = {
    { "name", BBW_F_STRING, 0 },
    { "source", BBW_F_STRING, 0 },
    { "value", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_property = { "_property", "_properties", property_fields };

/* `value` is declared binary and always null in REST output. Buildbot takes
 * filter values for it as they are (so `value=x` matches nothing and
 * `value__ne=x` everything): a string field behaves the same. */
static const bbw_field build_data_fields[] = {
    { "buildid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "length", BBW_F_INT, 0 },
    { "value", BBW_F_STRING, 0 },
    { "source", BBW_F_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_build_data = { "build_data", "build_data", build_data_fields };

static const bbw_field test_result_set_fields[] = {
    { "test_result_setid", BBW_F_INT, 0 },
    { "builderid", BBW_F_INT, 0 },
    { "buildid", BBW_F_INT, 0 },
    { "stepid", BBW_F_INT, 0 },
    { "description", BBW_F_STRING, 0 },
    { "category", BBW_F_STRING, 0 },
    { "value_unit", BBW_F_STRING, 0 },
    { "tests_passed", BBW_F_INT, 0 },
    { "tests_failed", BBW_F_INT, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_test_result_set = { "test_result_set", "test_result_sets",
                                          test_result_set_fields };

static const bbw_field test_result_fields[] = {
    { "test_resultid", BBW_F_INT, 0 },
    { "builderid", BBW_F_INT, 0 },
    { "test_result_setid", BBW_F_INT, 0 },
    { "test_name", BBW_F_STRING, 0 },
    { "test_code_path", BBW_F_STRING, 0 },
    { "line", BBW_F_INT, 0 },
    { "duration_ns", BBW_F_INT, 0 },
    { "value", BBW_F_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_test_result = { "test_result", "test_results", test_result_fields };

/* ---- small helpers ---- */

/* Run a query whose rows become entities through fn; NULL (c->error set) on
 * a database failure. */
typedef json_t *(*row_entity_fn)(const bbw_row *row);

typedef struct {
    json_t *items;
    row_entity_fn fn;
} collect_baton;

static int collect_row(void *baton, const bbw_row *row)
{
    collect_baton *b = baton;
    json_array_append_new(b->items, b->fn(row));
    return 0;
}

static json_t *collect(bbw_call *c, const char *sql, const apr_array_header_t *params,
                       row_entity_fn fn)
{
    collect_baton b = { json_array(), fn };
    if (bbw_db_each(c->db, sql, params, collect_row, &b) != APR_SUCCESS) {
        json_decref(b.items);
        return bbw_fail_db(c);
    }
    return b.items;
}

/* First column of the first row as an integer; 0 when no row (or NULL).
 * A database failure also gives 0, with c->error set (answered as 500). */
static apr_int64_t query_int(bbw_call *c, const char *sql, apr_array_header_t *params,
                             int col)
{
    apr_array_header_t *rows;
    if (bbw_db_rows(c->db, sql, params, &rows) != APR_SUCCESS) {
        bbw_fail_db(c);
        return 0;
    }
    if (rows->nelts == 0)
        return 0;
    const bbw_row *row = APR_ARRAY_IDX(rows, 0, bbw_row *);
    return bbw_cell_null(row, col) ? 0 : bbw_cell_int(row, col);
}

/* ---- builds ---- */

#define BUILD_COLS "builds.id, builds.number, builds.builderid, builds.buildrequestid," \
    " builds.workerid, builds.masterid, builds.started_at, builds.complete_at," \
    " builds.state_string, builds.results"

static json_t *build_from_row(const bbw_row *row)
{
    json_t *b = json_object();
    json_object_set_new(b, "buildid", bbw_jint(row, 0));
    json_object_set_new(b, "number", bbw_jint(row, 1));
    json_object_set_new(b, "builderid", bbw_jint(row, 2));
    json_object_set_new(b, "buildrequestid", bbw_jint(row, 3));
    json_object_set_new(b, "workerid", bbw_jint(row, 4));
    json_object_set_new(b, "masterid", bbw_jint(row, 5));
    json_object_set_new(b, "started_at", bbw_jint(row, 6));
    json_object_set_new(b, "complete_at", bbw_jint(row, 7));
    json_object_set_new(b, "complete", json_boolean(row->val[7] != NULL));
    json_object_set_new(b, "state_string", bbw_jstr(row, 8));
    json_object_set_new(b, "results", bbw_jint(row, 9));
    json_object_set_new(b, "properties", json_object());
    return b;
}

typedef struct {
    bbw_call *c;
    apr_hash_t *by_id;          /* buildid → json_t* properties object */
} embed_baton;

static int embed_row(void *baton, const bbw_row *row)
{
    embed_baton *b = baton;
    if (bbw_cell_null(row, 0) || !row->val[1] || !row->val[2])
        return 0;
    apr_int64_t id = bbw_cell_int(row, 0);
    json_t *props = apr_hash_get(b->by_id, &id, sizeof id);
    if (!props || !bbw_spec_wants_property(b->c->spec, row->val[1]))
        return 0;
    json_t *value = bbw_jparse(row->val[2], row->len[2]);
    if (!value)
        return 0;       /* Buildbot would fail the whole request; skip the row */
    json_object_set_new(props, row->val[1], json_pack("[o,o]", value, bbw_jstr(row, 3)));
    return 0;
}

/* Fill the `properties` field of builds when `property=` was given (all of
 * them for `*`): one query per 500 builds. Returns 0 on a DB failure. */
static int embed_properties(bbw_call *c, json_t *builds)
{
    bbw_spec *s = c->spec;
    size_t n = json_array_size(builds);
    if (!s->properties->nelts || n == 0 || !bbw_spec_wants(s, "properties"))
        return 1;
    embed_baton b = { c, apr_hash_make(c->p) };
    apr_int64_t *ids = apr_palloc(c->p, sizeof *ids * n);
    int nids = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *build = json_array_get(builds, i);
        apr_int64_t *key = &ids[nids];
        *key = json_integer_value(json_object_get(build, "buildid"));
        if (apr_hash_get(b.by_id, key, sizeof *key))
            continue;
        apr_hash_set(b.by_id, key, sizeof *key, json_object_get(build, "properties"));
        nids++;
    }
    for (int start = 0; start < nids; start += 500) {
        int chunk = nids - start < 500 ? nids - start : 500;
        bbw_buf sql;
        apr_array_header_t *params = bbw_params(c->p);
        bbw_buf_init(&sql, c->p, 128 + 2 * (apr_size_t)chunk);
        bbw_buf_adds(&sql, "SELECT buildid, name, value, source FROM build_properties"
                     " WHERE buildid IN ");
        bbw_sql_in_ints(&sql, params, ids + start, chunk);
        if (bbw_db_each(c->db, sql.data, params, embed_row, &b) != APR_SUCCESS)
            return 0;
    }
    return 1;
}

static json_t *finish_builds(bbw_call *c, json_t *items)
{
    if (items && !embed_properties(c, items)) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    return items;
}

static const bbw_colmap build_map[] = {
    { "buildid", "builds.id" },
    { "number", "builds.number" },
    { "builderid", "builds.builderid" },
    { "buildrequestid", "builds.buildrequestid" },
    { "workerid", "builds.workerid" },
    { "masterid", "builds.masterid" },
    { "started_at", "builds.started_at" },
    { "complete_at", "builds.complete_at" },
    { "state_string", "builds.state_string" },
    { "results", "builds.results" },
    { NULL, NULL }
};

json_t *bbw_ep_builds(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    if (bbw_has(c, "changeid")) {
        /* Not SQL-backed: everything stays for the generic stage. Buildbot
         * asserts changeid > 0 (500); we answer as for an unknown change. */
        apr_int64_t changeid = bbw_num(c, "changeid");
        if (changeid <= 0)
            return json_array();
        bbw_param_int(params, changeid);
        return finish_builds(c, collect(c,
            "SELECT " BUILD_COLS " FROM changes"
            " JOIN buildset_sourcestamps"
            " ON changes.sourcestampid = buildset_sourcestamps.sourcestampid"
            " JOIN buildsets ON buildset_sourcestamps.buildsetid = buildsets.id"
            " JOIN buildrequests ON buildsets.id = buildrequests.buildsetid"
            " JOIN builds ON buildrequests.id = builds.buildrequestid"
            " WHERE changes.changeid = ?", params, build_from_row));
    }

    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql, "SELECT " BUILD_COLS " FROM builds WHERE 1=1");
    if (bbw_has(c, "builderid") || bbw_has(c, "buildername")) {
        apr_int64_t builderid = bbw_resolve_builder(c);
        if (bbw_has(c, "buildername") && builderid == 0)
            return json_array();
        bbw_buf_adds(&sql, " AND builds.builderid = ?");
        bbw_param_int(params, builderid);
    }
    int complete = bbw_pop_bool(c, "complete");
    apr_int64_t brid = 0;
    int has_brid = bbw_pop_int_eq(c, "buildrequestid", &brid);
    if (bbw_has(c, "buildrequestid")) {     /* the path argument wins */
        brid = bbw_num(c, "buildrequestid");
        has_brid = 1;
    }
    if (has_brid) {
        bbw_buf_adds(&sql, " AND builds.buildrequestid = ?");
        bbw_param_int(params, brid);
    }
    if (bbw_has(c, "workerid")) {
        bbw_buf_adds(&sql, " AND builds.workerid = ?");
        bbw_param_int(params, bbw_num(c, "workerid"));
    }
    if (complete == 1)
        bbw_buf_adds(&sql, " AND builds.complete_at IS NOT NULL");
    else if (complete == 0)
        bbw_buf_adds(&sql, " AND builds.complete_at IS NULL");
    bbw_sql_pushdown(c, &sql, params, build_map, NULL);
    return finish_builds(c, collect(c, sql.data, params, build_from_row));
}

json_t *bbw_ep_build(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    const char *sql;
    if (bbw_has(c, "buildid")) {
        sql = "SELECT " BUILD_COLS " FROM builds WHERE builds.id = ?";
        bbw_param_int(params, bbw_num(c, "buildid"));
    }
    else {
        apr_int64_t builderid = bbw_resolve_builder(c);
        if (builderid == 0 && bbw_has(c, "buildername"))
            return NULL;
        sql = "SELECT " BUILD_COLS " FROM builds"
              " WHERE builds.builderid = ? AND builds.number = ?";
        bbw_param_int(params, builderid);
        bbw_param_int(params, bbw_num(c, "number"));
    }
    json_t *items = finish_builds(c, collect(c, sql, params, build_from_row));
    return bbw_first_or_null(items);
}

apr_int64_t bbw_resolve_build(bbw_call *c)
{
    if (bbw_has(c, "buildid"))
        return bbw_num(c, "buildid");
    const char *numarg = bbw_has(c, "build_number") ? "build_number"
                       : bbw_has(c, "number") ? "number" : NULL;
    if (!numarg)
        return 0;
    apr_array_header_t *params = bbw_params(c->p);
    if (bbw_has(c, "builderid")) {
        bbw_param_int(params, bbw_num(c, "builderid"));
        bbw_param_int(params, bbw_num(c, numarg));
        return query_int(c, "SELECT id FROM builds WHERE builderid = ? AND number = ?",
                         params, 0);
    }
    if (bbw_has(c, "buildername")) {
        bbw_param_str(params, bbw_name_hash(c->p, bbw_str(c, "buildername")));
        bbw_param_int(params, bbw_num(c, numarg));
        return query_int(c, "SELECT builds.id FROM builds"
                         " JOIN builders ON builders.id = builds.builderid"
                         " WHERE builders.name_hash = ? AND builds.number = ?", params, 0);
    }
    return 0;
}

/* ---- properties ---- */

typedef struct {
    json_t *obj;                /* name → [value, source] */
} props_baton;

static int build_prop_row(void *baton, const bbw_row *row)
{
    props_baton *b = baton;
    if (!row->val[0])
        return 0;
    json_t *value = bbw_jparse(row->val[1], row->len[1]);
    if (!value)
        return 0;
    json_object_set_new(b->obj, row->val[0], json_pack("[o,o]", value, bbw_jstr(row, 2)));
    return 0;
}

/* Buildbot stores buildset properties as JSON [value, source]; it returns
 * tuple(decoded), skipping rows that do not decode. Non-list JSON is skipped
 * here too (Buildbot would turn a string into a tuple of characters, and fail
 * on a number). */
static json_t *buildset_prop_pair(const bbw_row *row, int col)
{
    json_t *v = bbw_jparse(row->val[col], row->len[col]);
    if (v && !json_is_array(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static int buildset_prop_row(void *baton, const bbw_row *row)
{
    props_baton *b = baton;
    json_t *pair;
    if (!row->val[0] || !(pair = buildset_prop_pair(row, 1)))
        return 0;
    json_object_set_new(b->obj, row->val[0], pair);
    return 0;
}

json_t *bbw_ep_build_properties(bbw_call *c)
{
    /* Buildbot takes {build_number} for a build id in the nested form; we
     * resolve the build by builder and number (documented difference D03). */
    apr_int64_t buildid = bbw_resolve_build(c);
    props_baton b = { json_object() };
    if (buildid == 0 && !bbw_has(c, "buildid"))
        return b.obj;
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    if (bbw_db_each(c->db, "SELECT name, value, source FROM build_properties"
                    " WHERE buildid = ?", params, build_prop_row, &b) != APR_SUCCESS) {
        json_decref(b.obj);
        return bbw_fail_db(c);
    }
    return b.obj;
}

json_t *bbw_ep_buildset_properties(bbw_call *c)
{
    props_baton b = { json_object() };
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, bbw_num(c, "bsid"));
    if (bbw_db_each(c->db, "SELECT property_name, property_value FROM buildset_properties"
                    " WHERE buildsetid = ?", params, buildset_prop_row, &b) != APR_SUCCESS) {
        json_decref(b.obj);
        return bbw_fail_db(c);
    }
    return b.obj;
}

/* A _property entity; value re-encoded as Python's json.dumps would. */
static json_t *property_entity(bbw_call *c, const char *name, json_t *source,
                               const json_t *value)
{
    json_t *e = json_object();
    json_object_set_new(e, "name", json_stringn_nocheck(name, strlen(name)));
    json_object_set_new(e, "source", source);
    json_object_set_new(e, "value",
                        json_string(bbw_json_dumps(c->p, value, BBW_JSON_DEFAULT, 0)));
    return e;
}

typedef struct {
    bbw_call *c;
    json_t *by_name;            /* ordered: name → entity (Python dict semantics) */
    json_t *list;               /* or one entity per row */
} plist_baton;

static int plist_build_row(void *baton, const bbw_row *row)
{
    plist_baton *b = baton;
    if (!row->val[0])
        return 0;
    json_t *value = bbw_jparse(row->val[1], row->len[1]);
    if (!value)
        return 0;
    json_object_set_new(b->by_name, row->val[0],
                        property_entity(b->c, row->val[0], bbw_jstr(row, 2), value));
    json_decref(value);
    return 0;
}

static int plist_buildset_row(void *baton, const bbw_row *row)
{
    plist_baton *b = baton;
    json_t *pair;
    if (!row->val[0] || !(pair = buildset_prop_pair(row, 1)))
        return 0;
    if (json_array_size(pair) >= 2)
        json_object_set_new(b->by_name, row->val[0],
                            property_entity(b->c, row->val[0],
                                            json_incref(json_array_get(pair, 1)),
                                            json_array_get(pair, 0)));
    json_decref(pair);
    return 0;
}

/* Change properties: a decoded [value, "Change"] pair yields value, anything
 * else is the value itself (Buildbot's split_vs); the source is "Change". */
static int plist_change_row(void *baton, const bbw_row *row)
{
    plist_baton *b = baton;
    if (!row->val[0])
        return 0;
    json_t *vs = bbw_jparse(row->val[1], row->len[1]);
    if (!vs)
        return 0;
    json_t *value = bbw_change_property_value(vs);
    json_array_append_new(b->list, property_entity(b->c, row->val[0],
                                                   json_string("Change"), value));
    json_decref(value);
    json_decref(vs);
    return 0;
}

static const bbw_colmap property_map[] = {
    { "name", "build_properties.name" },
    { "source", "build_properties.source" },
    { "value", "build_properties.value" },
    { NULL, NULL }
};

json_t *bbw_ep_properties_list(bbw_call *c)
{
    plist_baton b = { c, json_object(), json_array() };
    apr_array_header_t *params = bbw_params(c->p);
    apr_status_t rv;
    if (bbw_has(c, "buildid")) {
        bbw_buf sql;
        bbw_buf_init(&sql, c->p, 256);
        bbw_buf_adds(&sql, "SELECT name, value, source FROM build_properties"
                     " WHERE buildid = ?");
        bbw_param_int(params, bbw_num(c, "buildid"));
        bbw_sql_pushdown(c, &sql, params, property_map, NULL);
        rv = bbw_db_each(c->db, sql.data, params, plist_build_row, &b);
    }
    else if (bbw_has(c, "bsid")) {
        bbw_param_int(params, bbw_num(c, "bsid"));
        rv = bbw_db_each(c->db, "SELECT property_name, property_value"
                         " FROM buildset_properties WHERE buildsetid = ?",
                         params, plist_buildset_row, &b);
    }
    else {
        /* Buildbot 3.7 always fails here (D02); answer from change_properties. */
        bbw_param_int(params, bbw_num(c, "changeid"));
        rv = bbw_db_each(c->db, "SELECT property_name, property_value"
                         " FROM change_properties WHERE changeid = ?",
                         params, plist_change_row, &b);
    }
    if (rv != APR_SUCCESS) {
        json_decref(b.by_name);
        json_decref(b.list);
        return bbw_fail_db(c);
    }
    const char *key;
    json_t *e;
    json_object_foreach(b.by_name, key, e)
        json_array_append(b.list, e);
    json_decref(b.by_name);
    return b.list;
}

/* ---- build data ---- */

static json_t *build_data_from_row(const bbw_row *row)
{
    json_t *d = json_object();
    json_object_set_new(d, "buildid", bbw_jint(row, 0));
    json_object_set_new(d, "name", bbw_jstr(row, 1));
    json_object_set_new(d, "length", bbw_jint(row, 2));
    json_object_set_new(d, "value", json_null());
    json_object_set_new(d, "source", bbw_jstr(row, 3));
    return d;
}

json_t *bbw_ep_build_datas(bbw_call *c)
{
    apr_int64_t buildid = bbw_resolve_build(c);
    if (buildid == 0 && !bbw_has(c, "buildid"))
        return json_array();
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    return collect(c, "SELECT buildid, name, length, source FROM build_data"
                   " WHERE buildid = ?", params, build_data_from_row);
}

json_t *bbw_ep_build_data(bbw_call *c)
{
    apr_int64_t buildid = bbw_resolve_build(c);
    if (buildid == 0 && !bbw_has(c, "buildid"))
        return NULL;
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    bbw_param_str(params, bbw_str(c, "name"));
    return bbw_first_or_null(collect(c, "SELECT buildid, name, length, source FROM build_data"
                                 " WHERE buildid = ? AND name = ?", params,
                                 build_data_from_row));
}

typedef struct {
    request_rec *r;
    int found;
} raw_baton;

static int raw_row(void *baton, const bbw_row *row)
{
    raw_baton *b = baton;
    request_rec *r = b->r;
    b->found = 1;
    ap_set_content_type(r, "application/octet-stream; charset=utf-8");
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_pstrcat(r->pool, "attachment; filename=",
                               row->val[1] ? row->val[1] : "", NULL));
    if (!r->header_only && row->val[0] && row->len[0])
        ap_rwrite(row->val[0], (int)row->len[0], r);
    return 1;
}

int bbw_raw_build_data(bbw_call *c)
{
    apr_int64_t buildid = bbw_resolve_build(c);
    if (buildid == 0 && !bbw_has(c, "buildid")) {
        bbw_fail(c, HTTP_NOT_FOUND, NULL);
        return OK;
    }
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    bbw_param_str(params, bbw_str(c, "name"));
    raw_baton b = { c->r, 0 };
    if (bbw_db_each(c->db, "SELECT value, name FROM build_data"
                    " WHERE buildid = ? AND name = ?", params, raw_row, &b) != APR_SUCCESS) {
        if (!b.found)
            bbw_fail_db(c);
        return OK;
    }
    if (!b.found)
        bbw_fail(c, HTTP_NOT_FOUND, NULL);
    return OK;
}

/* ---- test result sets and results ---- */

#define TRS_COLS "id, builderid, buildid, stepid, description, category, value_unit," \
    " tests_passed, tests_failed, complete"

static json_t *test_result_set_from_row(const bbw_row *row)
{
    json_t *s = json_object();
    json_object_set_new(s, "test_result_setid", bbw_jint(row, 0));
    json_object_set_new(s, "builderid", bbw_jint(row, 1));
    json_object_set_new(s, "buildid", bbw_jint(row, 2));
    json_object_set_new(s, "stepid", bbw_jint(row, 3));
    json_object_set_new(s, "description", bbw_jstr(row, 4));
    json_object_set_new(s, "category", bbw_jstr(row, 5));
    json_object_set_new(s, "value_unit", bbw_jstr(row, 6));
    json_object_set_new(s, "tests_passed", bbw_jint(row, 7));
    json_object_set_new(s, "tests_failed", bbw_jint(row, 8));
    json_object_set_new(s, "complete", bbw_jbool(row, 9));
    return s;
}

json_t *bbw_ep_test_result_sets(bbw_call *c)
{
    int complete = bbw_pop_bool(c, "complete");
    apr_array_header_t *params = bbw_params(c->p);
    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 256);
    bbw_buf_adds(&sql, "SELECT " TRS_COLS " FROM test_result_sets WHERE builderid = ?");
    if (bbw_has(c, "stepid")) {
        /* Buildbot 500s for an unknown step (D12); we answer []. */
        apr_array_header_t *p2 = bbw_params(c->p), *rows;
        bbw_param_int(p2, bbw_num(c, "stepid"));
        if (bbw_db_rows(c->db, "SELECT builds.builderid, steps.buildid FROM steps"
                        " JOIN builds ON builds.id = steps.buildid WHERE steps.id = ?",
                        p2, &rows) != APR_SUCCESS)
            return bbw_fail_db(c);
        if (rows->nelts == 0)
            return json_array();
        const bbw_row *row = APR_ARRAY_IDX(rows, 0, bbw_row *);
        bbw_param_int(params, bbw_cell_int(row, 0));
        bbw_buf_adds(&sql, " AND buildid = ? AND stepid = ?");
        bbw_param_int(params, bbw_cell_int(row, 1));
        bbw_param_int(params, bbw_num(c, "stepid"));
    }
    else if (bbw_has(c, "buildid")) {
        /* Buildbot 500s for an unknown build (D12); we answer []. */
        apr_array_header_t *p2 = bbw_params(c->p), *rows;
        bbw_param_int(p2, bbw_num(c, "buildid"));
        if (bbw_db_rows(c->db, "SELECT builderid FROM builds WHERE id = ?", p2, &rows)
            != APR_SUCCESS)
            return bbw_fail_db(c);
        if (rows->nelts == 0)
            return json_array();
        bbw_param_int(params, bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0));
        bbw_buf_adds(&sql, " AND buildid = ?");
        bbw_param_int(params, bbw_num(c, "buildid"));
    }
    else {
        apr_int64_t builderid = bbw_resolve_builder(c);
        if (builderid == 0 && bbw_has(c, "buildername"))
            return json_array();
        bbw_param_int(params, builderid);
    }
    if (complete >= 0) {
        bbw_buf_adds(&sql, " AND complete = ?");
        bbw_param_int(params, complete);
    }
    bbw_sql_pushdown(c, &sql, params, NULL, NULL);
    return collect(c, sql.data, params, test_result_set_from_row);
}

json_t *bbw_ep_test_result_set(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, bbw_num(c, "test_result_setid"));
    return bbw_first_or_null(collect(c, "SELECT " TRS_COLS " FROM test_result_sets WHERE id = ?",
                                 params, test_result_set_from_row));
}

static json_t *test_result_from_row(const bbw_row *row)
{
    json_t *t = json_object();
    json_object_set_new(t, "test_resultid", bbw_jint(row, 0));
    json_object_set_new(t, "builderid", bbw_jint(row, 1));
    json_object_set_new(t, "test_result_setid", bbw_jint(row, 2));
    json_object_set_new(t, "test_name", bbw_jstr(row, 3));
    json_object_set_new(t, "test_code_path", bbw_jstr(row, 4));
    json_object_set_new(t, "line", bbw_jint(row, 5));
    json_object_set_new(t, "duration_ns", bbw_jint(row, 6));
    json_object_set_new(t, "value", bbw_jstr(row, 7));
    return t;
}

json_t *bbw_ep_test_results(bbw_call *c)
{
    apr_int64_t setid = bbw_num(c, "test_result_setid");
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_param_int(params, setid);
    if (bbw_db_rows(c->db, "SELECT builderid FROM test_result_sets WHERE id = ?",
                    params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    if (rows->nelts == 0)
        return json_array();
    apr_int64_t builderid = bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0);
    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql,
        "SELECT test_results.id, test_results.builderid, test_results.test_result_setid,"
        " test_names.name, test_code_paths.path, test_results.line,"
        " test_results.duration_ns, test_results.value"
        " FROM test_results"
        " LEFT OUTER JOIN test_code_paths"
        " ON test_results.test_code_pathid = test_code_paths.id"
        " AND test_code_paths.builderid = ?"
        " LEFT OUTER JOIN test_names"
        " ON test_results.test_nameid = test_names.id AND test_names.builderid = ?"
        " WHERE test_results.builderid = ? AND test_results.test_result_setid = ?");
    params = bbw_params(c->p);
    bbw_param_int(params, builderid);
    bbw_param_int(params, builderid);
    bbw_param_int(params, builderid);
    bbw_param_int(params, setid);
    bbw_sql_pushdown(c, &sql, params, NULL, NULL);
    return collect(c, sql.data, params, test_result_from_row);
}
