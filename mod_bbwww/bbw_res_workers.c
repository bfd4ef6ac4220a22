/* workers, schedulers, change sources, force schedulers and root links. */
#include "bbw_rest.h"

#include <string.h>

static const bbw_field worker_fields[] = {
    { "workerid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "connected_to", BBW_F_OPAQUE, 0 },
    { "configured_on", BBW_F_OPAQUE, 0 },
    { "workerinfo", BBW_F_OPAQUE, 0 },
    { "paused", BBW_F_BOOL, 0 },
    { "graceful", BBW_F_BOOL, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_worker = { "worker", "workers", worker_fields };

static const bbw_field scheduler_fields[] = {
    { "schedulerid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "enabled", BBW_F_BOOL, 0 },
    { "master", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_scheduler = { "scheduler", "schedulers", scheduler_fields };

static const bbw_field changesource_fields[] = {
    { "changesourceid", BBW_F_INT, 0 },
    { "name", BBW_F_STRING, 0 },
    { "master", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_changesource = { "changesource", "changesources", changesource_fields };

static const bbw_field forcescheduler_fields[] = {
    { "name", BBW_F_IDENT, 50 },
    { "button_name", BBW_F_STRING, 0 },
    { "label", BBW_F_STRING, 0 },
    { "builder_names", BBW_F_LIST_IDENT, 50 },
    { "enabled", BBW_F_BOOL, 0 },
    { "all_fields", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_forcescheduler = { "forcescheduler", "forceschedulers",
                                         forcescheduler_fields };

static const bbw_field rootlink_fields[] = {
    { "name", BBW_F_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_rootlink = { "rootlink", "rootlinks", rootlink_fields };

static const bbw_field spec_fields[] = {
    { "path", BBW_F_STRING, 0 },
    { "type", BBW_F_STRING, 0 },
    { "plural", BBW_F_STRING, 0 },
    { "type_spec", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_spec = { "spec", "specs", spec_fields };

/* ---- workers ---- */

static json_t *find_worker(json_t *items, apr_int64_t id)
{
    size_t i;
    json_t *w;
    json_array_foreach(items, i, w)
        if (json_integer_value(json_object_get(w, "workerid")) == id)
            return w;
    return NULL;
}

/* Workers with their configuration; a master or builder in the path
 * restricts both which workers appear and their configured_on lists. */
static json_t *fetch_workers(bbw_call *c, apr_int64_t workerid, const char *name)
{
    int by_master = bbw_has(c, "masterid"), by_builder = bbw_has(c, "builderid");
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql, "SELECT workers.id, workers.name, workers.info, workers.paused,"
                 " workers.graceful, builder_masters.builderid, builder_masters.masterid"
                 " FROM workers LEFT JOIN configured_workers"
                 " ON configured_workers.workerid = workers.id"
                 " LEFT JOIN builder_masters"
                 " ON builder_masters.id = configured_workers.buildermasterid WHERE 1=1");
    if (workerid) {
        bbw_buf_adds(&sql, " AND workers.id = ?");
        bbw_param_int(params, workerid);
    }
    if (name) {
        bbw_buf_adds(&sql, " AND workers.name = ?");
        bbw_param_str(params, name);
    }
    if (by_master) {
        bbw_buf_adds(&sql, " AND builder_masters.masterid = ?");
        bbw_param_int(params, bbw_num(c, "masterid"));
    }
    if (by_builder) {
        bbw_buf_adds(&sql, " AND builder_masters.builderid = ?");
        bbw_param_int(params, bbw_num(c, "builderid"));
    }
    int paused = bbw_pop_bool(c, "paused"), graceful = bbw_pop_bool(c, "graceful");
    if (paused >= 0)
        bbw_buf_adds(&sql, paused ? " AND workers.paused != 0" : " AND workers.paused = 0");
    if (graceful >= 0)
        bbw_buf_adds(&sql, graceful ? " AND workers.graceful != 0" : " AND workers.graceful = 0");
    bbw_buf_adds(&sql, " ORDER BY workers.id, configured_workers.id");
    if (bbw_db_rows(c->db, sql.data, params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);

    json_t *items = json_array(), *cur = NULL;
    apr_int64_t last = 0;
    for (int i = 0; i < rows->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(rows, i, bbw_row *);
        apr_int64_t id = bbw_cell_int(row, 0);
        if (!cur || id != last) {
            json_t *info = bbw_jparse(row->val[2], row->len[2]);
            if (!info || !json_is_object(info)) {
                json_decref(info);
                info = json_object();
            }
            cur = json_pack("{s:I,s:o,s:o,s:o,s:o,s:[],s:[]}", "workerid", (json_int_t)id,
                            "name", bbw_jstr(row, 1), "workerinfo", info,
                            "paused", bbw_jbool(row, 3), "graceful", bbw_jbool(row, 4),
                            "configured_on", "connected_to");
            json_array_append_new(items, cur);
            last = id;
        }
        if (bbw_cell_int(row, 5) && bbw_cell_int(row, 6))
            json_array_append_new(json_object_get(cur, "configured_on"),
                                  json_pack("{s:o,s:o}", "builderid", bbw_jint(row, 5),
                                            "masterid", bbw_jint(row, 6)));
    }
    if (json_array_size(items) == 0)
        return items;

    params = bbw_params(c->p);
    bbw_buf_init(&sql, c->p, 256);
    bbw_buf_adds(&sql, "SELECT workerid, masterid FROM connected_workers WHERE 1=1");
    if (workerid || name) {
        bbw_buf_adds(&sql, " AND workerid = ?");
        bbw_param_int(params, json_integer_value(json_object_get(json_array_get(items, 0),
                                                                 "workerid")));
    }
    if (by_master) {
        bbw_buf_adds(&sql, " AND masterid = ?");
        bbw_param_int(params, bbw_num(c, "masterid"));
    }
    bbw_buf_adds(&sql, " ORDER BY workerid, id");
    if (bbw_db_rows(c->db, sql.data, params, &rows) != APR_SUCCESS) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    for (int i = 0; i < rows->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(rows, i, bbw_row *);
        json_t *w = find_worker(items, bbw_cell_int(row, 0));
        if (w)
            json_array_append_new(json_object_get(w, "connected_to"),
                                  json_pack("{s:o}", "masterid", bbw_jint(row, 1)));
    }
    return items;
}

json_t *bbw_ep_workers(bbw_call *c)
{
    return fetch_workers(c, 0, NULL);
}

json_t *bbw_ep_worker(bbw_call *c)
{
    if (bbw_has(c, "workerid"))
        return bbw_first_or_null(fetch_workers(c, bbw_num(c, "workerid"), NULL));
    return bbw_first_or_null(fetch_workers(c, 0, bbw_str(c, "name")));
}

/* ---- schedulers and change sources: the same shape ---- */

typedef struct {
    const char *table, *link_table, *link_column, *id_field, *id_arg;
} owned_kind;

static const owned_kind scheduler_kind = {
    "schedulers", "scheduler_masters", "schedulerid", "schedulerid", "schedulerid"
};
static const owned_kind changesource_kind = {
    "changesources", "changesource_masters", "changesourceid", "changesourceid",
    "changesourceid"
};

static json_t *fetch_owned(bbw_call *c, const owned_kind *k, int single)
{
    int is_sched = k == &scheduler_kind;
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_buf sql;
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql, apr_pstrcat(c->p, "SELECT t.id, t.name, ",
                 is_sched ? "t.enabled" : "NULL",
                 ", m.id, m.name, m.active, m.last_active FROM ", k->table, " t"
                 " LEFT JOIN ", k->link_table, " l ON l.", k->link_column, " = t.id"
                 " LEFT JOIN masters m ON m.id = l.masterid WHERE 1=1", NULL));
    if (single) {
        bbw_buf_adds(&sql, " AND t.id = ?");
        bbw_param_int(params, bbw_num(c, k->id_arg));
    }
    if (bbw_has(c, "masterid")) {
        bbw_buf_adds(&sql, " AND l.masterid = ?");
        bbw_param_int(params, bbw_num(c, "masterid"));
    }
    bbw_buf_adds(&sql, " ORDER BY t.id");
    if (bbw_db_rows(c->db, sql.data, params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    json_t *items = json_array();
    for (int i = 0; i < rows->nelts; i++) {
        const bbw_row *row = APR_ARRAY_IDX(rows, i, bbw_row *);
        json_t *master = bbw_cell_null(row, 3) ? json_null()
            : json_pack("{s:o,s:o,s:o,s:o}", "masterid", bbw_jint(row, 3),
                        "name", bbw_jstr(row, 4), "active", bbw_jbool(row, 5),
                        "last_active", bbw_jint(row, 6));
        json_t *e = json_pack("{s:o,s:o,s:o}", k->id_field, bbw_jint(row, 0),
                              "name", bbw_jstr(row, 1), "master", master);
        if (is_sched)
            json_object_set_new(e, "enabled", bbw_jbool(row, 2));
        json_array_append_new(items, e);
    }
    return items;
}

json_t *bbw_ep_schedulers(bbw_call *c)
{
    return fetch_owned(c, &scheduler_kind, 0);
}

json_t *bbw_ep_scheduler(bbw_call *c)
{
    return bbw_first_or_null(fetch_owned(c, &scheduler_kind, 1));
}

json_t *bbw_ep_changesources(bbw_call *c)
{
    return fetch_owned(c, &changesource_kind, 0);
}

json_t *bbw_ep_changesource(bbw_call *c)
{
    return bbw_first_or_null(fetch_owned(c, &changesource_kind, 1));
}

/* Force schedulers live in the master's configuration, not in the
 * database: read-only mod_bbwww knows none. */
json_t *bbw_ep_forceschedulers(bbw_call *c)
{
    return json_array();
}

json_t *bbw_ep_forcescheduler(bbw_call *c)
{
    return NULL;
}

/* ---- root and spec ---- */

json_t *bbw_ep_root(bbw_call *c)
{
    static const char *names[] = {
        "builders", "builds", "buildrequests", "workers", "logchunks", "buildsets",
        "changes", "changesources", "masters", "sourcestamps", "schedulers",
        "forceschedulers"
    };
    json_t *items = json_array();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        json_array_append_new(items, json_pack("{s:s}", "name", names[i]));
    return items;
}
