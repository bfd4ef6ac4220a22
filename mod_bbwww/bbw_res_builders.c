/* builders and masters. */
#include "bbw_rest.h"

#include <string.h>

static const bbw_field builder_fields[] = {
    { "builderid", BBW_F_INT, 0 },
    { "name", BBW_F_IDENT, 70 },
    { "masterids", BBW_F_LIST_INT, 0 },
    { "description", BBW_F_STRING, 0 },
    { "tags", BBW_F_LIST_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_builder = { "builder", "builders", builder_fields };

static const bbw_field master_fields[] = {
    { "masterid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "active", BBW_F_BOOL, 0 },
    { "last_active", BBW_F_DATETIME, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_master = { "master", "masters", master_fields };

/* Index of JSON objects by integer id, for attaching child rows. */
static json_t *find_by_id(json_t *items, const char *key, apr_int64_t id)
{
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
        if (json_integer_value(json_object_get(e, key)) == id)
            return e;
    return NULL;
}

/* Fetch builders matching an optional extra condition (" AND ..."). */
static json_t *fetch_builders(bbw_call *c, const char *cond, apr_array_header_t *params)
{
    apr_array_header_t *rows;
    const char *sql = apr_pstrcat(c->p, "SELECT id, name, description FROM builders"
                                  " WHERE 1=1", cond ? cond : "", " ORDER BY id", NULL);
    if (bbw_db_rows(c->db, sql, params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    json_t *items = json_array();
    if (rows->nelts == 0)
        return items;
    apr_int64_t *ids = apr_palloc(c->p, sizeof *ids * rows->nelts);
    for (int i = 0; i < rows->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(rows, i, bbw_row *);
        ids[i] = bbw_cell_int(row, 0);
        json_array_append_new(items, json_pack("{s:I,s:o,s:o,s:[],s:[]}",
            "builderid", (json_int_t)ids[i], "name", bbw_jstr(row, 1),
            "description", bbw_jstr(row, 2), "masterids", "tags"));
    }
    /* One query per child table, not one per builder. */
    bbw_buf sql2;
    apr_array_header_t *p2 = bbw_params(c->p);
    bbw_buf_init(&sql2, c->p, 256);
    bbw_buf_adds(&sql2, "SELECT builderid, masterid FROM builder_masters WHERE builderid IN ");
    bbw_sql_in_ints(&sql2, p2, ids, rows->nelts);
    bbw_buf_adds(&sql2, " ORDER BY builderid, masterid");
    apr_array_header_t *links;
    if (bbw_db_rows(c->db, sql2.data, p2, &links) != APR_SUCCESS) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    for (int i = 0; i < links->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(links, i, bbw_row *);
        if (bbw_cell_null(row, 1) || bbw_cell_int(row, 1) == 0)
            continue;
        json_t *b = find_by_id(items, "builderid", bbw_cell_int(row, 0));
        if (b)
            json_array_append_new(json_object_get(b, "masterids"), bbw_jint(row, 1));
    }
    bbw_buf_init(&sql2, c->p, 256);
    p2 = bbw_params(c->p);
    bbw_buf_adds(&sql2, "SELECT builders_tags.builderid, tags.name FROM builders_tags"
                 " JOIN tags ON tags.id = builders_tags.tagid WHERE builders_tags.builderid IN ");
    bbw_sql_in_ints(&sql2, p2, ids, rows->nelts);
    bbw_buf_adds(&sql2, " ORDER BY builders_tags.id");
    if (bbw_db_rows(c->db, sql2.data, p2, &links) != APR_SUCCESS) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    for (int i = 0; i < links->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(links, i, bbw_row *);
        json_t *b = find_by_id(items, "builderid", bbw_cell_int(row, 0));
        if (b)
            json_array_append_new(json_object_get(b, "tags"), bbw_jstr(row, 1));
    }
    return items;
}

json_t *bbw_ep_builders(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    const char *cond = NULL;
    if (bbw_has(c, "masterid")) {
        cond = " AND id IN (SELECT builderid FROM builder_masters WHERE masterid = ?)";
        bbw_param_int(params, bbw_num(c, "masterid"));
    }
    return fetch_builders(c, cond, params);
}

json_t *bbw_ep_builder(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    const char *cond;
    if (bbw_has(c, "buildername")) {
        cond = " AND name_hash = ?";
        bbw_param_str(params, bbw_name_hash(c->p, bbw_str(c, "buildername")));
    }
    else {
        cond = " AND id = ?";
        bbw_param_int(params, bbw_num(c, "builderid"));
    }
    if (bbw_has(c, "masterid")) {
        cond = apr_pstrcat(c->p, cond, " AND id IN (SELECT builderid FROM builder_masters"
                           " WHERE masterid = ?)", NULL);
        bbw_param_int(params, bbw_num(c, "masterid"));
    }
    json_t *items = fetch_builders(c, cond, params);
    return bbw_first_or_null(items);
}

apr_int64_t bbw_resolve_builder(bbw_call *c)
{
    if (bbw_has(c, "builderid"))
        return bbw_num(c, "builderid");
    if (!bbw_has(c, "buildername"))
        return 0;
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_param_str(params, bbw_name_hash(c->p, bbw_str(c, "buildername")));
    if (bbw_db_rows(c->db, "SELECT id FROM builders WHERE name_hash = ?", params, &rows)
        != APR_SUCCESS) {
        bbw_fail_db(c);     /* the caller's answer is replaced by a 500 */
        return 0;
    }
    if (rows->nelts == 0)
        return 0;
    return bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0);
}

/* ---- masters ---- */

static json_t *master_from_row(const bbw_row *row, int at)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "masterid", bbw_jint(row, at),
                     "name", bbw_jstr(row, at + 1), "active", bbw_jbool(row, at + 2),
                     "last_active", bbw_jint(row, at + 3));
}

static json_t *fetch_masters(bbw_call *c, const char *cond, apr_array_header_t *params)
{
    apr_array_header_t *rows;
    const char *sql = apr_pstrcat(c->p, "SELECT id, name, active, last_active FROM masters"
                                  " WHERE 1=1", cond ? cond : "", " ORDER BY id", NULL);
    if (bbw_db_rows(c->db, sql, params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    json_t *items = json_array();
    for (int i = 0; i < rows->nelts; i++)
        json_array_append_new(items, master_from_row(APR_ARRAY_IDX(rows, i, bbw_row *), 0));
    return items;
}

json_t *bbw_ep_masters(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    const char *cond = NULL;
    if (bbw_has(c, "builderid")) {
        cond = " AND id IN (SELECT masterid FROM builder_masters WHERE builderid = ?)";
        bbw_param_int(params, bbw_num(c, "builderid"));
    }
    return fetch_masters(c, cond, params);
}

json_t *bbw_ep_master(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    const char *cond = " AND id = ?";
    bbw_param_int(params, bbw_num(c, "masterid"));
    if (bbw_has(c, "builderid")) {
        cond = " AND id = ? AND id IN (SELECT masterid FROM builder_masters WHERE builderid = ?)";
        bbw_param_int(params, bbw_num(c, "builderid"));
    }
    json_t *items = fetch_masters(c, cond, params);
    return bbw_first_or_null(items);
}
