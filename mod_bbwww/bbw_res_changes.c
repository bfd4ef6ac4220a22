/* changes, sourcestamps, buildsets and build requests.
 *
 * Entities that embed others (changes → sourcestamp, buildsets →
 * sourcestamps, sourcestamps → patch) are assembled with one query per
 * table over IN lists of ids, never one query per entity. */
#include "bbw_rest.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

static const bbw_field change_fields[] = {
    { "changeid", BBW_F_INT, 0 },
    { "parent_changeids", BBW_F_LIST_INT, 0 },
    { "author", BBW_F_STRING, 0 },
    { "committer", BBW_F_STRING, 0 },
    { "files", BBW_F_LIST_STRING, 0 },
    { "comments", BBW_F_STRING, 0 },
    { "revision", BBW_F_STRING, 0 },
    { "when_timestamp", BBW_F_INT, 0 },
    { "branch", BBW_F_STRING, 0 },
    { "category", BBW_F_STRING, 0 },
    { "revlink", BBW_F_STRING, 0 },
    { "properties", BBW_F_OPAQUE, 0 },
    { "repository", BBW_F_STRING, 0 },
    { "project", BBW_F_STRING, 0 },
    { "codebase", BBW_F_STRING, 0 },
    { "sourcestamp", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_change = { "change", "changes", change_fields };

static const bbw_field sourcestamp_fields[] = {
    { "ssid", BBW_F_INT, 0 },
    { "revision", BBW_F_STRING, 0 },
    { "branch", BBW_F_STRING, 0 },
    { "repository", BBW_F_STRING, 0 },
    { "project", BBW_F_STRING, 0 },
    { "codebase", BBW_F_STRING, 0 },
    { "patch", BBW_F_OPAQUE, 0 },
    { "created_at", BBW_F_DATETIME, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_sourcestamp = { "sourcestamp", "sourcestamps", sourcestamp_fields };

static const bbw_field buildset_fields[] = {
    { "bsid", BBW_F_INT, 0 },
    { "external_idstring", BBW_F_STRING, 0 },
    { "reason", BBW_F_STRING, 0 },
    { "submitted_at", BBW_F_INT, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { "complete_at", BBW_F_INT, 0 },
    { "results", BBW_F_INT, 0 },
    { "sourcestamps", BBW_F_OPAQUE, 0 },
    { "parent_buildid", BBW_F_INT, 0 },
    { "parent_relationship", BBW_F_STRING, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_buildset = { "buildset", "buildsets", buildset_fields };

static const bbw_field buildrequest_fields[] = {
    { "buildrequestid", BBW_F_INT, 0 },
    { "buildsetid", BBW_F_INT, 0 },
    { "builderid", BBW_F_INT, 0 },
    { "priority", BBW_F_INT, 0 },
    { "claimed", BBW_F_BOOL, 0 },
    { "claimed_at", BBW_F_DATETIME, 0 },
    { "claimed_by_masterid", BBW_F_INT, 0 },
    { "complete", BBW_F_BOOL, 0 },
    { "results", BBW_F_INT, 0 },
    { "submitted_at", BBW_F_DATETIME, 0 },
    { "complete_at", BBW_F_DATETIME, 0 },
    { "waited_for", BBW_F_BOOL, 0 },
    { "properties", BBW_F_OPAQUE, 0 },
    { NULL, 0, 0 }
};
const bbw_etype bbw_t_buildrequest = { "buildrequest", "buildrequests", buildrequest_fields };

/* ---- small helpers: id maps, id lists, chunked IN queries ---- */

/* Ids per IN list: well below SQLite's historic 999-variable limit. */
#define IN_CHUNK 500

static void *id_get(apr_hash_t *h, apr_int64_t id)
{
    return apr_hash_get(h, &id, sizeof id);
}

static void id_set(apr_pool_t *p, apr_hash_t *h, apr_int64_t id, const void *v)
{
    apr_int64_t *key = apr_palloc(p, sizeof *key);
    *key = id;
    apr_hash_set(h, key, sizeof *key, v);
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *ids;    /* apr_int64_t, first-seen order */
    apr_hash_t *seen;
} id_list;

static void ids_init(id_list *l, apr_pool_t *p)
{
    l->p = p;
    l->ids = apr_array_make(p, 16, sizeof(apr_int64_t));
    l->seen = apr_hash_make(p);
}

static void ids_add(id_list *l, apr_int64_t id)
{
    if (id_get(l->seen, id))
        return;
    id_set(l->p, l->seen, id, l);
    APR_ARRAY_PUSH(l->ids, apr_int64_t) = id;
}

/* Run head + "(ids…)" + tail once per chunk of ids. */
static apr_status_t each_in(bbw_call *c, const char *head, const char *tail,
                            const apr_array_header_t *ids, bbw_row_fn fn, void *baton)
{
    const apr_int64_t *v = (const apr_int64_t *)ids->elts;
    for (int off = 0; off < ids->nelts; off += IN_CHUNK) {
        int n = ids->nelts - off < IN_CHUNK ? ids->nelts - off : IN_CHUNK;
        bbw_buf sql;
        apr_array_header_t *params = bbw_params(c->p);
        bbw_buf_init(&sql, c->p, 256 + 2 * (apr_size_t)n);
        bbw_buf_adds(&sql, head);
        bbw_sql_in_ints(&sql, params, v + off, n);
        bbw_buf_adds(&sql, tail);
        apr_status_t rv = bbw_db_each(c->db, sql.data, params, fn, baton);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return APR_SUCCESS;
}

static int collect_int(void *baton, const bbw_row *row)
{
    if (!bbw_cell_null(row, 0))
        APR_ARRAY_PUSH((apr_array_header_t *)baton, apr_int64_t) = bbw_cell_int(row, 0);
    return 0;
}

/* Is this field part of the response? (Filters and order keys can only
 * name selected fields, so an unselected field is never looked at.) */
/* ---- sourcestamps (and their patches) ---- */

#define SS_SELECT "SELECT sourcestamps.id, sourcestamps.revision, sourcestamps.branch," \
    " sourcestamps.repository, sourcestamps.project, sourcestamps.codebase," \
    " sourcestamps.created_at, patches.id, patches.patchlevel, patches.subdir," \
    " patches.patch_author, patches.patch_comment, SUBSTR(patches.patch_base64, 1, 256)" \
    " FROM sourcestamps LEFT JOIN patches ON patches.id = sourcestamps.patchid"

/* Does this base64 text decode to at least one byte? (Python's lenient
 * b64decode skips characters outside the alphabet.) */
static int b64_nonempty(const char *s, apr_size_t len)
{
    int n = 0;
    for (apr_size_t i = 0; s && i < len && n < 2; i++) {
        char ch = s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
            || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/')
            n++;
        else if (ch == '=')
            break;
    }
    return n >= 2;
}

static json_t *sourcestamp_from_row(const bbw_row *row)
{
    json_t *patch = json_null();
    if (!bbw_cell_null(row, 7) && b64_nonempty(row->val[12], row->len[12]))
        patch = json_pack("{s:o,s:n,s:o,s:o,s:o,s:o}",
                          "patchid", bbw_jint(row, 7), "body",
                          "level", bbw_jint(row, 8), "subdir", bbw_jstr(row, 9),
                          "author", bbw_jstr(row, 10), "comment", bbw_jstr(row, 11));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "ssid", bbw_jint(row, 0), "revision", bbw_jstr(row, 1),
                     "branch", bbw_jstr(row, 2), "repository", bbw_jstr(row, 3),
                     "project", bbw_jstr(row, 4), "codebase", bbw_jstr(row, 5),
                     "patch", patch, "created_at", bbw_jint(row, 6));
}

/* Sourcestamp entities by id; the map's values are borrowed from holder. */
typedef struct {
    apr_pool_t *p;
    apr_hash_t *map;
    json_t *holder;
} ss_set;

static int ss_row(void *baton, const bbw_row *row)
{
    ss_set *s = baton;
    json_t *ss = sourcestamp_from_row(row);
    json_array_append_new(s->holder, ss);
    id_set(s->p, s->map, bbw_cell_int(row, 0), ss);
    return 0;
}

/* Load the sourcestamps with these ids; holder must be released by the
 * caller (json_decref) once the entities are attached elsewhere. */
static apr_status_t load_sourcestamps(bbw_call *c, const apr_array_header_t *ids,
                                      ss_set *out)
{
    out->p = c->p;
    out->map = apr_hash_make(c->p);
    out->holder = json_array();
    apr_status_t rv = each_in(c, SS_SELECT " WHERE sourcestamps.id IN ", "", ids,
                              ss_row, out);
    if (rv != APR_SUCCESS) {
        json_decref(out->holder);
        out->holder = NULL;
    }
    return rv;
}

/* A new reference to the loaded sourcestamp, or null if it does not exist
 * (Buildbot embeds None for dangling references). */
static json_t *ss_ref(const ss_set *s, apr_int64_t ssid)
{
    json_t *ss = id_get(s->map, ssid);
    return ss ? json_incref(ss) : json_null();
}

/* Embedded sourcestamp; json null when it does not exist. On a database
 * failure c->error is set and json null is returned. */
json_t *bbw_sourcestamp_entity(bbw_call *c, apr_int64_t ssid)
{
    ss_set s;
    apr_array_header_t *ids = apr_array_make(c->p, 1, sizeof(apr_int64_t));
    APR_ARRAY_PUSH(ids, apr_int64_t) = ssid;
    if (load_sourcestamps(c, ids, &s) != APR_SUCCESS) {
        bbw_fail_db(c);
        return json_null();
    }
    json_t *ss = ss_ref(&s, ssid);
    json_decref(s.holder);
    return ss;
}

static int ss_collect(void *baton, const bbw_row *row)
{
    json_array_append_new(baton, sourcestamp_from_row(row));
    return 0;
}

static int read_count(void *baton, const bbw_row *row)
{
    *(apr_int64_t *)baton = bbw_cell_int(row, 0);
    return 1;
}

/* Buildbot pages /sourcestamps in memory over the whole table; the answer
 * is the same when a plain page is cut in SQL and the total counted there,
 * and a page of a big table then costs a page, not the table. */
static const char *sourcestamps_page(bbw_call *c, apr_array_header_t *params)
{
    bbw_spec *s = c->spec;
    if (s->filters->nelts || s->order->nelts || !s->has_limit || s->limit < 0
        || (s->has_offset && s->offset < 0))
        return "";
    apr_int64_t total = -1;
    if (bbw_db_each(c->db, "SELECT COUNT(*) FROM sourcestamps", bbw_params(c->p),
                    read_count, &total) != APR_SUCCESS || total < 0)
        return "";
    s->total = total;
    s->paging_done = 1;
    bbw_param_int(params, s->limit);
    bbw_param_int(params, s->has_offset ? s->offset : 0);
    return " LIMIT ? OFFSET ?";
}

json_t *bbw_ep_sourcestamps(bbw_call *c)
{
    json_t *items = json_array();
    apr_array_header_t *params = bbw_params(c->p);
    const char *page = sourcestamps_page(c, params);
    if (bbw_db_each(c->db, apr_pstrcat(c->p, SS_SELECT " ORDER BY sourcestamps.id", page, NULL),
                    params, ss_collect, items) != APR_SUCCESS) {
        json_decref(items);
        return bbw_fail_db(c);
    }
    return items;
}

json_t *bbw_ep_sourcestamp(bbw_call *c)
{
    json_t *ss = bbw_sourcestamp_entity(c, bbw_num(c, "ssid"));
    if (c->error)
        return NULL;
    if (json_is_null(ss)) {
        json_decref(ss);
        return NULL;
    }
    return ss;
}

/* ---- changes ---- */

#define CH_SELECT "SELECT changeid, parent_changeids, author, committer, comments," \
    " revision, when_timestamp, branch, category, revlink, repository, project," \
    " codebase, sourcestampid FROM changes"

typedef struct {
    apr_int64_t ssid;
    json_t *obj;        /* owned */
    int emitted;
} change_rec;

typedef struct {
    bbw_call *c;
    apr_hash_t *recs;   /* changeid → change_rec* */
    id_list found;      /* changeids loaded */
    id_list ssids;
} change_load;

static int change_row(void *baton, const bbw_row *row)
{
    change_load *l = baton;
    apr_int64_t id = bbw_cell_int(row, 0);
    change_rec *rec = apr_pcalloc(l->c->p, sizeof *rec);
    json_t *parents = json_array();
    if (!bbw_cell_null(row, 1) && bbw_cell_int(row, 1) != 0)
        json_array_append_new(parents, bbw_jint(row, 1));
    rec->ssid = bbw_cell_int(row, 13);
    rec->obj = json_pack("{s:o,s:o,s:o,s:o,s:[],s:o,s:o,s:o,s:o,s:o,s:o,s:{},s:o,s:o,s:o}",
        "changeid", bbw_jint(row, 0), "parent_changeids", parents,
        "author", bbw_jstr(row, 2), "committer", bbw_jstr(row, 3), "files",
        "comments", bbw_jstr(row, 4), "revision", bbw_jstr(row, 5),
        "when_timestamp", bbw_jint(row, 6), "branch", bbw_jstr(row, 7),
        "category", bbw_jstr(row, 8), "revlink", bbw_jstr(row, 9), "properties",
        "repository", bbw_jstr(row, 10), "project", bbw_jstr(row, 11),
        "codebase", bbw_jstr(row, 12));
    id_set(l->c->p, l->recs, id, rec);
    ids_add(&l->found, id);
    ids_add(&l->ssids, rec->ssid);
    return 0;
}

static int change_file_row(void *baton, const bbw_row *row)
{
    change_load *l = baton;
    change_rec *rec = id_get(l->recs, bbw_cell_int(row, 0));
    if (rec)
        json_array_append_new(json_object_get(rec->obj, "files"), bbw_jstr(row, 1));
    return 0;
}

json_t *bbw_change_property_value(json_t *v)
{
    /* Python unpacks any 2-item iterable: a list [value, "Change"], or an
     * object whose two keys are (value, "Change"). */
    if (json_is_array(v) && json_array_size(v) == 2) {
        json_t *src = json_array_get(v, 1);
        if (json_is_string(src) && json_string_length(src) == 6
            && memcmp(json_string_value(src), "Change", 6) == 0)
            return json_incref(json_array_get(v, 0));
    }
    else if (json_is_object(v) && json_object_size(v) == 2) {
        void *it = json_object_iter(v);
        const char *k1 = json_object_iter_key(it);
        size_t n1 = json_object_iter_key_len(it);
        it = json_object_iter_next(v, it);
        if (json_object_iter_key_len(it) == 6
            && memcmp(json_object_iter_key(it), "Change", 6) == 0)
            return json_stringn_nocheck(k1, n1);
    }
    return json_incref(v);
}

/* change_properties: [value, "Change"] → value; any other JSON is the value
 * itself; undecodable rows are skipped. The source is always "Change". */
static int change_prop_row(void *baton, const bbw_row *row)
{
    change_load *l = baton;
    change_rec *rec = id_get(l->recs, bbw_cell_int(row, 0));
    json_t *v = rec && row->val[1] ? bbw_jparse(row->val[2], row->len[2]) : NULL;
    if (!v)
        return 0;
    json_t *value = bbw_change_property_value(v);
    json_decref(v);
    json_t *key = bbw_jstr(row, 1);
    json_object_setn_new_nocheck(json_object_get(rec->obj, "properties"),
                                 json_string_value(key), json_string_length(key),
                                 json_pack("[o,s]", value, "Change"));
    json_decref(key);
    return 0;
}

static void release_changes(change_load *l)
{
    for (int i = 0; i < l->found.ids->nelts; i++) {
        change_rec *rec = id_get(l->recs, APR_ARRAY_IDX(l->found.ids, i, apr_int64_t));
        json_decref(rec->obj);
    }
}

/* Change entities for ids, in that order (a repeated id is repeated, an
 * unknown id skipped). NULL with c->error set on a database failure. */
static json_t *fetch_changes(bbw_call *c, const apr_array_header_t *ids)
{
    change_load l;
    id_list want;
    l.c = c;
    l.recs = apr_hash_make(c->p);
    ids_init(&l.found, c->p);
    ids_init(&l.ssids, c->p);
    ids_init(&want, c->p);
    for (int i = 0; i < ids->nelts; i++)
        ids_add(&want, APR_ARRAY_IDX(ids, i, apr_int64_t));

    /* Embedded parts the response does not show are not loaded. */
    static const apr_array_header_t none = { NULL, 0, 0, 0, NULL };
    int with_ss = bbw_spec_wants(c->spec, "sourcestamp");
    ss_set ss = { NULL, NULL, NULL };
    if (each_in(c, CH_SELECT " WHERE changeid IN ", "", want.ids, change_row, &l) != APR_SUCCESS
        || each_in(c, "SELECT changeid, filename FROM change_files WHERE changeid IN ", "",
                   bbw_spec_wants(c->spec, "files") ? l.found.ids : &none, change_file_row, &l) != APR_SUCCESS
        || each_in(c, "SELECT changeid, property_name, property_value FROM change_properties"
                   " WHERE changeid IN ", "", bbw_spec_wants(c->spec, "properties") ? l.found.ids : &none,
                   change_prop_row, &l) != APR_SUCCESS
        || load_sourcestamps(c, with_ss ? l.ssids.ids : &none, &ss) != APR_SUCCESS) {
        release_changes(&l);
        return bbw_fail_db(c);
    }

    json_t *items = json_array();
    for (int i = 0; i < ids->nelts; i++) {
        change_rec *rec = id_get(l.recs, APR_ARRAY_IDX(ids, i, apr_int64_t));
        if (!rec)
            continue;
        if (!rec->emitted) {
            if (with_ss)
                json_object_set_new(rec->obj, "sourcestamp", ss_ref(&ss, rec->ssid));
            json_array_append(items, rec->obj);
            rec->emitted = 1;
        }
        else {
            json_array_append_new(items, json_deep_copy(rec->obj));
        }
    }
    json_decref(ss.holder);
    release_changes(&l);
    return items;
}

static json_t *fetch_one_change(bbw_call *c, apr_int64_t changeid)
{
    apr_array_header_t *ids = apr_array_make(c->p, 1, sizeof(apr_int64_t));
    APR_ARRAY_PUSH(ids, apr_int64_t) = changeid;
    return fetch_changes(c, ids);
}

json_t *bbw_ep_change(bbw_call *c)
{
    apr_int64_t id = bbw_num(c, "changeid");
    if (id < 0)     /* Buildbot: 500 AssertionError; here simply not found */
        return NULL;
    json_t *items = fetch_one_change(c, id);
    return bbw_first_or_null(items);
}

/* The latest change of a sourcestamp, or 0. */
static apr_status_t latest_change_of_ss(bbw_call *c, apr_int64_t ssid, apr_int64_t *out)
{
    apr_array_header_t *params = bbw_params(c->p), *rows;
    bbw_param_int(params, ssid);
    *out = 0;
    apr_status_t rv = bbw_db_rows(c->db, "SELECT MAX(changeid) FROM changes"
                                  " WHERE sourcestampid = ?", params, &rows);
    if (rv == APR_SUCCESS && rows->nelts)
        *out = bbw_cell_int(APR_ARRAY_IDX(rows, 0, bbw_row *), 0);
    return rv;
}

/* One sourcestamp of a build: what §C needs of it. */
typedef struct {
    apr_int64_t ssid;
    const char *codebase;
    const char *key;        /* (repository, branch, codebase), encoded */
} build_ss;

static const char *enc_cell(apr_pool_t *p, const bbw_row *row, int i)
{
    if (bbw_cell_null(row, i))
        return "n;";
    return apr_psprintf(p, "s%" APR_SIZE_T_FMT ":%s", row->len[i], row->val[i]);
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *list;   /* build_ss */
} ss_list_load;

/* Columns: ssid, repository, branch, codebase. */
static int build_ss_row(void *baton, const bbw_row *row)
{
    ss_list_load *l = baton;
    build_ss *s = apr_array_push(l->list);
    s->ssid = bbw_cell_int(row, 0);
    s->codebase = apr_pstrmemdup(l->p, row->val[3] ? row->val[3] : "", row->len[3]);
    s->key = apr_pstrcat(l->p, enc_cell(l->p, row, 1), enc_cell(l->p, row, 2),
                         enc_cell(l->p, row, 3), NULL);
    return 0;
}

#define BUILD_SS_FROM " FROM builds" \
    " JOIN buildrequests ON builds.buildrequestid = buildrequests.id" \
    " JOIN buildsets ON buildrequests.buildsetid = buildsets.id" \
    " JOIN buildset_sourcestamps ON buildsets.id = buildset_sourcestamps.buildsetid" \
    " JOIN sourcestamps ON buildset_sourcestamps.sourcestampid = sourcestamps.id"

/* In sourcestamp id order: the order SQLite walks the unique index of
 * buildset_sourcestamps in for Buildbot's (unordered) query; it decides
 * which sourcestamp wins when two share a codebase. */
static apr_status_t sourcestamps_of_build(bbw_call *c, apr_int64_t buildid,
                                          apr_array_header_t **out)
{
    ss_list_load l = { c->p, apr_array_make(c->p, 4, sizeof(build_ss)) };
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, buildid);
    *out = l.list;
    return bbw_db_each(c->db, "SELECT sourcestamps.id, sourcestamps.repository,"
                       " sourcestamps.branch, sourcestamps.codebase" BUILD_SS_FROM
                       " WHERE builds.id = ? ORDER BY sourcestamps.id", params,
                       build_ss_row, &l);
}

/* The set of (repository, branch, codebase) of a list of sourcestamps. */
static apr_hash_t *ss_key_set(apr_pool_t *p, const apr_array_header_t *list)
{
    apr_hash_t *set = apr_hash_make(p);
    for (int i = 0; i < list->nelts; i++)
        apr_hash_set(set, APR_ARRAY_IDX(list, i, build_ss).key, APR_HASH_KEY_STRING, "");
    return set;
}

static int same_set(apr_hash_t *a, apr_hash_t *b)
{
    if (apr_hash_count(a) != apr_hash_count(b))
        return 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, a); hi; hi = apr_hash_next(hi)) {
        const void *k;
        apr_hash_this(hi, &k, NULL, NULL);
        if (!apr_hash_get(b, k, APR_HASH_KEY_STRING))
            return 0;
    }
    return 1;
}

typedef struct {
    apr_pool_t *p;
    apr_hash_t *sets;   /* buildid → apr_hash_t* (key set) */
} prev_load;

/* Columns: buildid, repository, branch, codebase. */
static int prev_ss_row(void *baton, const bbw_row *row)
{
    prev_load *l = baton;
    apr_int64_t id = bbw_cell_int(row, 0);
    apr_hash_t *set = id_get(l->sets, id);
    if (!set) {
        set = apr_hash_make(l->p);
        id_set(l->p, l->sets, id, set);
    }
    apr_hash_set(set, apr_pstrcat(l->p, enc_cell(l->p, row, 1), enc_cell(l->p, row, 2),
                                  enc_cell(l->p, row, 3), NULL), APR_HASH_KEY_STRING, "");
    return 0;
}

/* The previous successful build of the builder whose set of sourcestamp
 * (repository, branch, codebase) equals want: most recently completed
 * first. 0 if none. */
static apr_status_t prev_successful_build(bbw_call *c, apr_int64_t builderid,
                                          apr_int64_t number, apr_hash_t *want,
                                          apr_int64_t *out)
{
    const int page = 1000;
    *out = 0;
    for (apr_int64_t offset = 0;; offset += page) {
        apr_array_header_t *params = bbw_params(c->p);
        apr_array_header_t *ids = apr_array_make(c->p, page, sizeof(apr_int64_t));
        bbw_param_int(params, builderid);
        bbw_param_int(params, number);
        bbw_param_int(params, page);
        bbw_param_int(params, offset);
        apr_status_t rv = bbw_db_each(c->db, "SELECT id FROM builds WHERE builderid = ?"
                                      " AND number < ? AND results = 0"
                                      " ORDER BY complete_at DESC, number DESC"
                                      " LIMIT ? OFFSET ?", params, collect_int, ids);
        if (rv != APR_SUCCESS)
            return rv;
        if (ids->nelts == 0)
            return APR_SUCCESS;
        prev_load l = { c->p, apr_hash_make(c->p) };
        rv = each_in(c, "SELECT builds.id, sourcestamps.repository, sourcestamps.branch,"
                     " sourcestamps.codebase" BUILD_SS_FROM " WHERE builds.id IN ", "",
                     ids, prev_ss_row, &l);
        if (rv != APR_SUCCESS)
            return rv;
        apr_hash_t *empty = apr_hash_make(c->p);
        for (int i = 0; i < ids->nelts; i++) {
            apr_int64_t id = APR_ARRAY_IDX(ids, i, apr_int64_t);
            apr_hash_t *set = id_get(l.sets, id);
            if (same_set(set ? set : empty, want)) {
                *out = id;
                return APR_SUCCESS;
            }
        }
        if (ids->nelts < page)
            return APR_SUCCESS;
    }
}

/* Per codebase (first-appearance order), the latest change of the last
 * sourcestamp with that codebase (0 = none). */
typedef struct {
    apr_array_header_t *codebases;  /* const char* */
    apr_hash_t *change;             /* codebase → apr_int64_t* */
} cb_changes;

static apr_status_t changes_by_codebase(bbw_call *c, const apr_array_header_t *sslist,
                                        cb_changes *out)
{
    out->codebases = apr_array_make(c->p, 4, sizeof(const char *));
    out->change = apr_hash_make(c->p);
    for (int i = 0; i < sslist->nelts; i++) {
        const build_ss *s = &APR_ARRAY_IDX(sslist, i, build_ss);
        apr_int64_t *id = apr_palloc(c->p, sizeof *id);
        apr_status_t rv = latest_change_of_ss(c, s->ssid, id);
        if (rv != APR_SUCCESS)
            return rv;
        if (!apr_hash_get(out->change, s->codebase, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(out->codebases, const char *) = s->codebase;
        apr_hash_set(out->change, s->codebase, APR_HASH_KEY_STRING, id);
    }
    return APR_SUCCESS;
}

/* Append from and its ancestors up to (excluding) the change "to" (0: the
 * whole chain); a missing parent ends the chain. A corrupt, cyclic chain
 * is cut at the first repetition (Buildbot would loop forever); the depth
 * bound (no acyclic chain of positive ids is longer than the largest id)
 * makes the recursive query itself finite. */
static apr_status_t walk_chain(bbw_call *c, apr_int64_t from, apr_int64_t to,
                               apr_array_header_t *out)
{
    apr_array_header_t *params = bbw_params(c->p);
    apr_array_header_t *chain = apr_array_make(c->p, 16, sizeof(apr_int64_t));
    bbw_param_int(params, from);
    if (to)
        bbw_param_int(params, to);
    apr_status_t rv = bbw_db_each(c->db, apr_pstrcat(c->p,
        "WITH RECURSIVE chain(id, parent, depth) AS ("
        " SELECT changeid, parent_changeids, 0 FROM changes WHERE changeid = ?"
        " UNION ALL"
        " SELECT changes.changeid, changes.parent_changeids, chain.depth + 1"
        " FROM chain JOIN changes ON changes.changeid = chain.parent"
        " WHERE chain.parent <> 0", to ? " AND chain.parent <> ?" : "",
        " AND chain.depth < (SELECT MAX(changeid) FROM changes))"
        " SELECT id FROM chain ORDER BY depth", NULL), params, collect_int, chain);
    if (rv != APR_SUCCESS)
        return rv;
    apr_hash_t *seen = apr_hash_make(c->p);
    for (int i = 0; i < chain->nelts; i++) {
        apr_int64_t id = APR_ARRAY_IDX(chain, i, apr_int64_t);
        if (id_get(seen, id))
            break;
        id_set(c->p, seen, id, "");
        APR_ARRAY_PUSH(out, apr_int64_t) = id;
    }
    return APR_SUCCESS;
}

/* resource-types.md §C: the changes a build brings, newest first per
 * codebase. */
static json_t *changes_of_build(bbw_call *c, apr_int64_t buildid)
{
    apr_array_header_t *params = bbw_params(c->p), *rows, *ss_now, *ss_prev;
    bbw_param_int(params, buildid);
    if (bbw_db_rows(c->db, "SELECT builderid, number FROM builds WHERE id = ?",
                    params, &rows) != APR_SUCCESS)
        return bbw_fail_db(c);
    if (rows->nelts == 0)
        return json_array();
    const bbw_row *build = APR_ARRAY_IDX(rows, 0, bbw_row *);

    cb_changes from, to;
    apr_int64_t prev;
    if (sourcestamps_of_build(c, buildid, &ss_now) != APR_SUCCESS
        || changes_by_codebase(c, ss_now, &from) != APR_SUCCESS
        || prev_successful_build(c, bbw_cell_int(build, 0), bbw_cell_int(build, 1),
                                 ss_key_set(c->p, ss_now), &prev) != APR_SUCCESS)
        return bbw_fail_db(c);
    if (prev) {
        if (sourcestamps_of_build(c, prev, &ss_prev) != APR_SUCCESS
            || changes_by_codebase(c, ss_prev, &to) != APR_SUCCESS)
            return bbw_fail_db(c);
    }
    else {
        to.codebases = NULL;
        to.change = apr_hash_make(c->p);
    }

    apr_array_header_t *ids = apr_array_make(c->p, 16, sizeof(apr_int64_t));
    for (int i = 0; i < from.codebases->nelts; i++) {
        const char *cb = APR_ARRAY_IDX(from.codebases, i, const char *);
        apr_int64_t f = *(apr_int64_t *)apr_hash_get(from.change, cb, APR_HASH_KEY_STRING);
        apr_int64_t *tp = apr_hash_get(to.change, cb, APR_HASH_KEY_STRING);
        apr_int64_t t = tp ? *tp : 0;
        if (!f || f == t)
            continue;
        if (walk_chain(c, f, t, ids) != APR_SUCCESS)
            return bbw_fail_db(c);
    }
    return fetch_changes(c, ids);
}

static const bbw_colmap change_map[] = {
    { "changeid", "changes.changeid" },
    { NULL, NULL }
};

/* Filters and orders Buildbot applies in memory (anything but changeid)
 * would otherwise need every change built whole, files, properties and
 * sourcestamp included. Run them first on lean entities holding only the
 * fields they use, then build the surviving page in full: the same answer
 * (the same stage, on the same values), at the cost of the page. */
static apr_status_t narrow_changes(bbw_call *c, apr_array_header_t **ids)
{
    bbw_spec *s = c->spec;
    apr_array_header_t *saved = s->fields, *lean = apr_array_make(c->p, 4, sizeof(bbw_field *));
    APR_ARRAY_PUSH(lean, const bbw_field *) = bbw_etype_field(&bbw_t_change, "changeid");
    int pending = s->has_limit || s->has_offset;
    for (int i = 0; i < s->filters->nelts; i++) {
        const bbw_filter *f = &APR_ARRAY_IDX(s->filters, i, bbw_filter);
        if (!f->done) {
            APR_ARRAY_PUSH(lean, const bbw_field *) = f->field;
            pending = 1;
        }
    }
    for (int i = 0; i < s->order->nelts; i++) {
        const bbw_order *o = &APR_ARRAY_IDX(s->order, i, bbw_order);
        if (!o->done) {
            if (o->field->type == BBW_F_OPAQUE)
                return APR_SUCCESS;     /* ordering by objects: keep it simple */
            APR_ARRAY_PUSH(lean, const bbw_field *) = o->field;
            pending = 1;
        }
    }
    if (!pending)
        return APR_SUCCESS;
    s->fields = lean;
    json_t *items = fetch_changes(c, *ids);
    if (!items) {
        s->fields = saved;
        return APR_EGENERAL;
    }
    apr_int64_t total;
    json_t *page = bbw_pipeline_collection(c->p, s, items, &total);
    s->fields = saved;
    apr_array_header_t *kept = apr_array_make(c->p, (int)json_array_size(page) + 1,
                                              sizeof(apr_int64_t));
    size_t i;
    json_t *e;
    json_array_foreach(page, i, e)
        APR_ARRAY_PUSH(kept, apr_int64_t) = json_integer_value(json_object_get(e, "changeid"));
    json_decref(page);
    /* Everything is applied now: the generic stage only projects. */
    for (int k = 0; k < s->filters->nelts; k++)
        APR_ARRAY_IDX(s->filters, k, bbw_filter).done = 1;
    for (int k = 0; k < s->order->nelts; k++)
        APR_ARRAY_IDX(s->order, k, bbw_order).done = 1;
    s->paging_done = 1;
    s->total = total;
    *ids = kept;
    return APR_SUCCESS;
}

json_t *bbw_ep_changes(bbw_call *c)
{
    if (bbw_has(c, "buildid") || bbw_has(c, "build_number")) {
        /* Unknown build (or buildid <= 0): Buildbot answers 500, or for the
         * builder/number form every change; here the build has none. */
        apr_int64_t buildid = bbw_resolve_build(c);
        if (c->error)
            return NULL;
        return buildid > 0 ? changes_of_build(c, buildid) : json_array();
    }
    if (bbw_has(c, "ssid")) {
        apr_int64_t id;
        if (latest_change_of_ss(c, bbw_num(c, "ssid"), &id) != APR_SUCCESS)
            return bbw_fail_db(c);
        return id ? fetch_one_change(c, id) : json_array();
    }
    /* /changes: ids with the pushed-down filter/order/paging, reversed
     * (rest-api.md §6.5). */
    bbw_buf sql;
    apr_array_header_t *params = bbw_params(c->p);
    apr_array_header_t *ids = apr_array_make(c->p, 64, sizeof(apr_int64_t));
    bbw_buf_init(&sql, c->p, 256);
    bbw_buf_adds(&sql, "SELECT changeid FROM changes WHERE 1=1");
    bbw_sql_pushdown(c, &sql, params, change_map, NULL);
    if (bbw_db_each(c->db, sql.data, params, collect_int, ids) != APR_SUCCESS)
        return bbw_fail_db(c);
    apr_int64_t *v = (apr_int64_t *)ids->elts;
    for (int i = 0, j = ids->nelts - 1; i < j; i++, j--) {
        apr_int64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    if (!c->spec->paging_done && narrow_changes(c, &ids) != APR_SUCCESS)
        return bbw_fail_db(c);
    return fetch_changes(c, ids);
}

/* Push down as usual, with the id as the last SQL order key: requests
 * without an order get rows in id order (SQLite's natural order for these
 * queries; PostgreSQL would otherwise return heap order), and ties of the
 * given keys are broken by id. The extra key is mapped, so it never
 * reaches the in-memory stage, and it is removed from the spec again. */
static void pushdown_by_id(bbw_call *c, bbw_buf *sql, apr_array_header_t *params,
                           const bbw_colmap *map, const bbw_etype *t, const char *idfield)
{
    apr_array_header_t *order = c->spec->order;
    bbw_order *o = apr_array_push(order);
    o->field = bbw_etype_field(t, idfield);
    o->desc = 0;
    o->done = 0;
    bbw_sql_pushdown(c, sql, params, map, NULL);
    order->nelts--;
}

/* ---- buildsets ---- */

#define BS_SELECT "SELECT buildsets.id, buildsets.external_idstring, buildsets.reason," \
    " buildsets.submitted_at, buildsets.complete, buildsets.complete_at," \
    " buildsets.results, buildsets.parent_buildid, buildsets.parent_relationship" \
    " FROM buildsets"

typedef struct {
    bbw_call *c;
    json_t *items;
    apr_hash_t *by_id;      /* bsid → json_t* (borrowed) */
    id_list ids;
    apr_array_header_t *links;  /* pairs (bsid, ssid) */
    id_list ssids;
} bs_load;

static int bs_row(void *baton, const bbw_row *row)
{
    bs_load *l = baton;
    json_t *bs = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:[],s:o,s:o}",
        "bsid", bbw_jint(row, 0), "external_idstring", bbw_jstr(row, 1),
        "reason", bbw_jstr(row, 2), "submitted_at", bbw_jint(row, 3),
        "complete", bbw_jbool(row, 4), "complete_at", bbw_jint(row, 5),
        "results", bbw_jint(row, 6), "sourcestamps",
        "parent_buildid", bbw_jint(row, 7), "parent_relationship", bbw_jstr(row, 8));
    apr_int64_t id = bbw_cell_int(row, 0);
    json_array_append_new(l->items, bs);
    if (!id_get(l->by_id, id))
        id_set(l->c->p, l->by_id, id, bs);
    ids_add(&l->ids, id);
    return 0;
}

static int bs_link_row(void *baton, const bbw_row *row)
{
    bs_load *l = baton;
    APR_ARRAY_PUSH(l->links, apr_int64_t) = bbw_cell_int(row, 0);
    APR_ARRAY_PUSH(l->links, apr_int64_t) = bbw_cell_int(row, 1);
    ids_add(&l->ssids, bbw_cell_int(row, 1));
    return 0;
}

static json_t *fetch_buildsets(bbw_call *c, const char *sql, apr_array_header_t *params)
{
    bs_load l;
    l.c = c;
    l.items = json_array();
    l.by_id = apr_hash_make(c->p);
    l.links = apr_array_make(c->p, 32, sizeof(apr_int64_t));
    ids_init(&l.ids, c->p);
    ids_init(&l.ssids, c->p);
    ss_set ss;
    if (bbw_db_each(c->db, sql, params, bs_row, &l) != APR_SUCCESS
        || (bbw_spec_wants(c->spec, "sourcestamps")
            && each_in(c, "SELECT buildsetid, sourcestampid FROM buildset_sourcestamps"
                       " WHERE buildsetid IN ", " ORDER BY buildsetid, sourcestampid",
                       l.ids.ids, bs_link_row, &l) != APR_SUCCESS)
        || load_sourcestamps(c, l.ssids.ids, &ss) != APR_SUCCESS) {
        json_decref(l.items);
        return bbw_fail_db(c);
    }
    for (int i = 0; i + 1 < l.links->nelts; i += 2) {
        apr_int64_t bsid = APR_ARRAY_IDX(l.links, i, apr_int64_t);
        apr_int64_t ssid = APR_ARRAY_IDX(l.links, i + 1, apr_int64_t);
        json_t *bs = id_get(l.by_id, bsid);
        if (bs)
            json_array_append_new(json_object_get(bs, "sourcestamps"), ss_ref(&ss, ssid));
    }
    json_decref(ss.holder);
    return l.items;
}

static const bbw_colmap buildset_map[] = {
    { "bsid", "buildsets.id" },
    { "external_idstring", "buildsets.external_idstring" },
    { "reason", "buildsets.reason" },
    { "submitted_at", "buildsets.submitted_at" },
    { "complete", "buildsets.complete" },
    { "complete_at", "buildsets.complete_at" },
    { "results", "buildsets.results" },
    { "parent_buildid", "buildsets.parent_buildid" },
    { "parent_relationship", "buildsets.parent_relationship" },
    { NULL, NULL }
};

json_t *bbw_ep_buildsets(bbw_call *c)
{
    bbw_buf sql;
    apr_array_header_t *params = bbw_params(c->p);
    bbw_buf_init(&sql, c->p, 512);
    bbw_buf_adds(&sql, BS_SELECT " WHERE 1=1");
    int complete = bbw_pop_bool(c, "complete");
    if (complete == 1)
        bbw_buf_adds(&sql, " AND buildsets.complete != 0");
    else if (complete == 0)
        bbw_buf_adds(&sql, " AND (buildsets.complete = 0 OR buildsets.complete IS NULL)");
    pushdown_by_id(c, &sql, params, buildset_map, &bbw_t_buildset, "bsid");
    return fetch_buildsets(c, sql.data, params);
}

json_t *bbw_ep_buildset(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, bbw_num(c, "bsid"));
    json_t *items = fetch_buildsets(c, BS_SELECT " WHERE buildsets.id = ?", params);
    return bbw_first_or_null(items);
}

/* ---- build requests ---- */

/* One row per request: the claim table has at most one row per request.
 * Buildbot inner-joins buildsets → buildset_sourcestamps → sourcestamps →
 * builders: requests without a sourcestamp or builder are not shown (we
 * agree, BR_VISIBLE), and multi-sourcestamp ones come out duplicated and
 * counted against LIMIT (we do not repeat that: D20). */
#define BR_SELECT "SELECT buildrequests.id, buildrequests.buildsetid, buildrequests.builderid," \
    " buildrequests.priority, buildrequest_claims.claimed_at, buildrequest_claims.masterid," \
    " buildrequests.complete, buildrequests.results, buildrequests.submitted_at," \
    " buildrequests.complete_at, buildrequests.waited_for" \
    " FROM buildrequests LEFT JOIN buildrequest_claims" \
    " ON buildrequest_claims.brid = buildrequests.id"
#define BR_VISIBLE " WHERE EXISTS (SELECT 1 FROM buildset_sourcestamps" \
    " JOIN sourcestamps ON sourcestamps.id = buildset_sourcestamps.sourcestampid" \
    " WHERE buildset_sourcestamps.buildsetid = buildrequests.buildsetid)" \
    " AND EXISTS (SELECT 1 FROM builders WHERE builders.id = buildrequests.builderid)"

typedef struct {
    json_t *items;
    id_list bsids;
    apr_pool_t *p;
} br_load;

static int br_row(void *baton, const bbw_row *row)
{
    br_load *l = baton;
    int claimed = !bbw_cell_null(row, 4);
    json_array_append_new(l->items, json_pack(
        "{s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:n}",
        "buildrequestid", bbw_jint(row, 0), "buildsetid", bbw_jint(row, 1),
        "builderid", bbw_jint(row, 2), "priority", bbw_jint(row, 3),
        "claimed", claimed, "claimed_at", bbw_jint(row, 4),
        "claimed_by_masterid", claimed ? bbw_jint(row, 5) : json_null(),
        "complete", bbw_jbool(row, 6), "results", bbw_jint(row, 7),
        "submitted_at", bbw_jint(row, 8), "complete_at", bbw_jint(row, 9),
        "waited_for", bbw_jbool(row, 10), "properties"));
    ids_add(&l->bsids, bbw_cell_int(row, 1));
    return 0;
}

typedef struct {
    apr_pool_t *p;
    apr_hash_t *props;      /* bsid → json_t* object (owned by holder) */
    json_t *holder;
    const bbw_spec *spec;   /* which properties property= asked for */
} bsprop_load;

/* Python's tuple() of a decoded JSON value: a list as is, a string's
 * characters, an object's keys; NULL for scalars (Buildbot: 500). */
static json_t *py_tuple(json_t *v)
{
    json_t *out = NULL;
    if (json_is_array(v)) {
        out = json_incref(v);
    }
    else if (json_is_string(v)) {
        const unsigned char *s = (const unsigned char *)json_string_value(v);
        size_t n = json_string_length(v);
        out = json_array();
        for (size_t i = 0; i < n;) {
            size_t k = 1;
            while (i + k < n && (s[i + k] & 0xC0) == 0x80)
                k++;
            json_array_append_new(out, json_stringn_nocheck((const char *)s + i, k));
            i += k;
        }
    }
    else if (json_is_object(v)) {
        out = json_array();
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
            json_array_append_new(out, json_stringn_nocheck(json_object_iter_key(it),
                                                         json_object_iter_key_len(it)));
    }
    json_decref(v);
    return out;
}

/* buildset_properties: value [value, source] (as Python's tuple() of the
 * decoded JSON); undecodable rows are skipped. */
static int bsprop_row(void *baton, const bbw_row *row)
{
    bsprop_load *l = baton;
    if (!row->val[1] || strlen(row->val[1]) != row->len[1] || !bbw_spec_wants_property(l->spec, row->val[1]))
        return 0;
    json_t *v = py_tuple(bbw_jparse(row->val[2], row->len[2]));
    if (!v)
        return 0;
    apr_int64_t bsid = bbw_cell_int(row, 0);
    json_t *obj = id_get(l->props, bsid);
    if (!obj) {
        obj = json_object();
        json_array_append_new(l->holder, obj);
        id_set(l->p, l->props, bsid, obj);
    }
    json_object_set_new(obj, row->val[1], v);
    return 0;
}

/* property=…: each request gets its buildset's properties restricted to
 * the requested names ('*' = all); null when that leaves nothing. */
static int embed_buildset_properties(bbw_call *c, json_t *items, const id_list *bsids)
{
    const apr_array_header_t *names = c->spec->properties;
    if (!names->nelts || !json_array_size(items))
        return 1;
    bsprop_load l = { c->p, apr_hash_make(c->p), json_array(), c->spec };
    if (each_in(c, "SELECT buildsetid, property_name, property_value FROM buildset_properties"
                " WHERE buildsetid IN ", "", bsids->ids, bsprop_row, &l) != APR_SUCCESS) {
        json_decref(l.holder);
        return 0;
    }
    size_t i;
    json_t *br;
    json_array_foreach(items, i, br) {
        json_t *obj = id_get(l.props, json_integer_value(json_object_get(br, "buildsetid")));
        if (obj && json_object_size(obj))
            json_object_set_new(br, "properties", json_deep_copy(obj));
    }
    json_decref(l.holder);
    return 1;
}

static json_t *fetch_buildrequests(bbw_call *c, const char *sql, apr_array_header_t *params)
{
    br_load l;
    l.items = json_array();
    l.p = c->p;
    ids_init(&l.bsids, c->p);
    if (bbw_db_each(c->db, sql, params, br_row, &l) != APR_SUCCESS
        || !embed_buildset_properties(c, l.items, &l.bsids)) {
        json_decref(l.items);
        return bbw_fail_db(c);
    }
    return l.items;
}

static const bbw_colmap buildrequest_map[] = {
    { "buildrequestid", "buildrequests.id" },
    { "buildsetid", "buildrequests.buildsetid" },
    { "builderid", "buildrequests.builderid" },
    { "priority", "buildrequests.priority" },
    { "complete", "buildrequests.complete" },
    { "results", "buildrequests.results" },
    { "submitted_at", "buildrequests.submitted_at" },
    { "complete_at", "buildrequests.complete_at" },
    { "waited_for", "buildrequests.waited_for" },
    { "claimed_at", "buildrequest_claims.claimed_at" },
    { "claimed_by_masterid", "buildrequest_claims.masterid" },
    { NULL, NULL }
};

/* claimed_by_masterid=N (one non-zero value) is popped as in Buildbot and
 * then takes precedence over `claimed`, which stays a Python-side filter.
 * Other claimed_by_masterid filters are ordinary mapped SQL filters. */
static int pop_claimed_by(bbw_call *c, apr_int64_t *masterid)
{
    bbw_filter *f = bbw_spec_filter(c->spec, "claimed_by_masterid", BBW_OP_EQ);
    if (!f || f->values->nelts != 1)
        return 0;
    apr_int64_t v = json_integer_value(APR_ARRAY_IDX(f->values, 0, json_t *));
    if (v == 0)
        return 0;
    f->done = 1;
    *masterid = v;
    return 1;
}

json_t *bbw_ep_buildrequests(bbw_call *c)
{
    bbw_buf sql;
    apr_array_header_t *params = bbw_params(c->p);
    apr_int64_t v;
    bbw_buf_init(&sql, c->p, 1024);
    bbw_buf_adds(&sql, BR_SELECT BR_VISIBLE);
    if (bbw_has(c, "builderid")) {
        bbw_buf_adds(&sql, " AND buildrequests.builderid = ?");
        bbw_param_int(params, bbw_num(c, "builderid"));
    }
    int complete = bbw_pop_bool(c, "complete");
    if (complete == 1)
        bbw_buf_adds(&sql, " AND buildrequests.complete != 0");
    else if (complete == 0)
        bbw_buf_adds(&sql, " AND buildrequests.complete = 0");
    if (pop_claimed_by(c, &v)) {
        bbw_buf_adds(&sql, " AND buildrequest_claims.masterid = ?");
        bbw_param_int(params, v);
    }
    else {
        /* claimed=false means "pending" as in Buildbot: unclaimed and not
         * complete. */
        int claimed = bbw_pop_bool(c, "claimed");
        if (claimed == 1)
            bbw_buf_adds(&sql, " AND buildrequest_claims.claimed_at IS NOT NULL");
        else if (claimed == 0)
            bbw_buf_adds(&sql, " AND buildrequest_claims.claimed_at IS NULL"
                         " AND buildrequests.complete = 0");
    }
    if (bbw_pop_int_eq(c, "buildsetid", &v)) {
        bbw_buf_adds(&sql, " AND buildrequests.buildsetid = ?");
        bbw_param_int(params, v);
    }
    pushdown_by_id(c, &sql, params, buildrequest_map, &bbw_t_buildrequest, "buildrequestid");
    return fetch_buildrequests(c, sql.data, params);
}

json_t *bbw_ep_buildrequest(bbw_call *c)
{
    apr_array_header_t *params = bbw_params(c->p);
    bbw_param_int(params, bbw_num(c, "buildrequestid"));
    json_t *items = fetch_buildrequests(c, BR_SELECT BR_VISIBLE " AND buildrequests.id = ?", params);
    return bbw_first_or_null(items);
}
