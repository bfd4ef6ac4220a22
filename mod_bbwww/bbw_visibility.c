/* Read-level restriction (BuildbotViewBuilders): what a user may not see
 * is answered as if it did not exist. Single reads below a hidden builder
 * are "not found"; collections lose the entities of hidden builders through
 * an extra filter, so SQL paging and meta.total stay right. */
#include "bbw_rest.h"
#include "bbw_access.h"

#include <string.h>

static int hides_all(const apr_array_header_t *hidden)
{
    return hidden->nelts == 1 && APR_ARRAY_IDX(hidden, 0, apr_int64_t) == BBW_ACCESS_HIDE_ALL;
}

static int is_hidden(const apr_array_header_t *hidden, apr_int64_t builderid)
{
    if (hides_all(hidden))
        return 1;
    for (int i = 0; i < hidden->nelts; i++)
        if (APR_ARRAY_IDX(hidden, i, apr_int64_t) == builderid)
            return 1;
    return 0;
}

/* The builder of the entity a path argument names; 0 when unknown. */
static apr_int64_t builder_of(bbw_call *c, const char *sql, apr_int64_t id)
{
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_param_int(params, id);
    if (bbw_db_rows(c->db, sql, params, &rows) != APR_SUCCESS) {
        bbw_fail_db(c);
        return 0;
    }
    return rows->nelts && !bbw_cell_null(APR_ARRAY_IDX(rows, 0, bbw_row *), 0)
           ? bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0) : 0;
}

/* Changes that only hidden builders built: a change nobody built yet, or
 * that a visible builder built, stays visible. */
static apr_array_header_t *hidden_changes(bbw_call *c, const apr_array_header_t *hidden)
{
    apr_array_header_t *ids = apr_array_make(c->p, 16, sizeof(apr_int64_t));
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql, "SELECT DISTINCT ch.changeid FROM changes ch"
                 " JOIN buildset_sourcestamps bss ON bss.sourcestampid = ch.sourcestampid"
                 " JOIN buildrequests br ON br.buildsetid = bss.buildsetid"
                 " WHERE br.builderid IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)hidden->elts, hidden->nelts);
    bbw_buf_adds(&sql, " AND NOT EXISTS (SELECT 1 FROM buildset_sourcestamps b2"
                 " JOIN buildrequests r2 ON r2.buildsetid = b2.buildsetid"
                 " WHERE b2.sourcestampid = ch.sourcestampid AND r2.builderid NOT IN ");
    bbw_sql_in_ints(&sql, params, (const apr_int64_t *)hidden->elts, hidden->nelts);
    bbw_buf_adds(&sql, ")");
    if (bbw_db_rows(c->db, sql.data, params, &rows) != APR_SUCCESS) {
        bbw_fail_db(c);
        return ids;
    }
    for (int i = 0; i < rows->nelts; i++)
        APR_ARRAY_PUSH(ids, apr_int64_t) = bbw_cell_int(APR_ARRAY_IDX(rows, i, bbw_row *), 0);
    return ids;
}

int bbw_visibility_parent_hidden(bbw_call *c, const apr_array_header_t *hidden)
{
    static const struct {
        const char *arg, *sql;
    } owners[] = {
        { "buildid", "SELECT builderid FROM builds WHERE id = ?" },
        { "stepid", "SELECT b.builderid FROM steps s JOIN builds b ON b.id = s.buildid"
                    " WHERE s.id = ?" },
        { "logid", "SELECT b.builderid FROM logs l JOIN steps s ON s.id = l.stepid"
                   " JOIN builds b ON b.id = s.buildid WHERE l.id = ?" },
        { "buildrequestid", "SELECT builderid FROM buildrequests WHERE id = ?" },
        { "test_result_setid", "SELECT builderid FROM test_result_sets WHERE id = ?" },
    };
    if (!hidden || !hidden->nelts)
        return 0;
    if (bbw_has(c, "builderid") || bbw_has(c, "buildername")) {
        /* /builders/:builderid/forceschedulers takes the id untyped. */
        const bbw_arg *untyped = bbw_route_arg(c->route, "builderid");
        apr_int64_t b = 0;
        if (untyped && !untyped->is_num) {
            if (!bbw_parse_pyint(untyped->str, &b))
                b = 0;
        }
        else
            b = bbw_resolve_builder(c);
        if (b && is_hidden(hidden, b))
            return 1;
    }
    for (size_t i = 0; i < sizeof owners / sizeof *owners; i++) {
        if (!bbw_has(c, owners[i].arg))
            continue;
        apr_int64_t b = builder_of(c, owners[i].sql, bbw_num(c, owners[i].arg));
        if (b && is_hidden(hidden, b))
            return 1;
    }
    if (bbw_has(c, "changeid")) {
        if (hides_all(hidden))
            return 1;
        apr_array_header_t *changes = hidden_changes(c, hidden);
        apr_int64_t id = bbw_num(c, "changeid");
        for (int i = 0; i < changes->nelts; i++)
            if (APR_ARRAY_IDX(changes, i, apr_int64_t) == id)
                return 1;
    }
    return 0;
}

static apr_status_t release_json(void *v)
{
    json_decref(v);
    return APR_SUCCESS;
}

static void add_notin(bbw_call *c, const bbw_field *field, const apr_array_header_t *ids)
{
    bbw_filter *f = apr_array_push(c->spec->filters);
    f->field = field;
    f->op = BBW_OP_NOTIN;
    f->done = 0;
    f->values = apr_array_make(c->p, ids->nelts, sizeof(json_t *));
    for (int i = 0; i < ids->nelts; i++) {
        json_t *v = json_integer(APR_ARRAY_IDX(ids, i, apr_int64_t));
        apr_pool_cleanup_register(c->p, v, release_json,
                                  apr_pool_cleanup_null);
        APR_ARRAY_PUSH(f->values, json_t *) = v;
    }
}

int bbw_visibility_filter(bbw_call *c, const bbw_etype *type, const apr_array_header_t *hidden)
{
    if (!hidden || !hidden->nelts)
        return 1;
    const bbw_field *builderid = bbw_etype_field(type, "builderid");
    const bbw_field *changeid = strcmp(type->name, "change") == 0
                                ? bbw_etype_field(type, "changeid") : NULL;
    if ((builderid || changeid) && hides_all(hidden))
        return 0;                       /* nothing of this type is visible */
    if (builderid)
        add_notin(c, builderid, hidden);
    else if (changeid) {
        apr_array_header_t *changes = hidden_changes(c, hidden);
        if (changes->nelts)
            add_notin(c, changeid, changes);
    }
    return 1;
}
