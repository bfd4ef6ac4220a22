/* Database access over mod_dbd connections, native SQLite/libpq calls. */
#include "bbw.h"
#include "bbw_db.h"

#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <sqlite3.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define BYTEA_OID 17
#define SQLITE_BUSY_MS 5000

#define STMT_CACHE_MAX 96

/* Finished responses of one SQLite connection, valid while the database
 * holds the same data (PRAGMA data_version unchanged: no other connection
 * committed). UIs poll the same URLs over and over; this answers them
 * without re-running the queries. Bounded per connection. */
#define RESPONSE_CACHE_BYTES (8 * 1024 * 1024)
#define RESPONSE_ENTRY_MAX (512 * 1024)

typedef struct {
    apr_pool_t *pool;           /* cleared whenever the data changes */
    apr_hash_t *entries;        /* key → cached_response */
    apr_int64_t data_version;
    apr_size_t bytes;
} response_cache;

typedef struct {
    const char *body, *content_type, *disposition;
    apr_size_t len;
} cached_response;

struct bbw_db {
    request_rec *r;
    bbw_dialect dialect;
    void *native;       /* sqlite3* or PGconn* */
    apr_hash_t *stmt_cache;     /* SQLite: SQL text → sqlite3_stmt* */
    response_cache *responses;  /* SQLite only */
};

typedef struct {
    sqlite3_stmt *st;
    int busy;           /* a nested query may reuse the same text */
} cached_stmt;

/* Prepared SQLite statements live as long as their pooled connection, so a
 * hot URL costs a reset and a bind instead of a parse and a plan. */
static apr_status_t finalize_cached(void *data)
{
    apr_hash_t *cache = data;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache); hi; hi = apr_hash_next(hi)) {
        void *entry;
        apr_hash_this(hi, NULL, NULL, &entry);
        sqlite3_finalize(((cached_stmt *)entry)->st);
    }
    apr_hash_clear(cache);
    return APR_SUCCESS;
}

static apr_hash_t *stmt_cache_for(ap_dbd_t *dbd)
{
    void *cache = NULL;
    apr_pool_userdata_get(&cache, "bbwww-stmt-cache", dbd->pool);
    if (!cache) {
        cache = apr_hash_make(dbd->pool);
        /* Registered after mod_dbd's close cleanup, so it runs before it. */
        apr_pool_userdata_set(cache, "bbwww-stmt-cache", finalize_cached, dbd->pool);
    }
    return cache;
}

static response_cache *response_cache_for(ap_dbd_t *dbd)
{
    void *cache = NULL;
    apr_pool_userdata_get(&cache, "bbwww-response-cache", dbd->pool);
    if (!cache) {
        response_cache *rc = apr_pcalloc(dbd->pool, sizeof *rc);
        apr_pool_create(&rc->pool, dbd->pool);
        rc->entries = apr_hash_make(rc->pool);
        rc->data_version = -1;
        apr_pool_userdata_set(rc, "bbwww-response-cache", apr_pool_cleanup_null, dbd->pool);
        cache = rc;
    }
    return cache;
}

bbw_db *bbw_db_open(request_rec *r)
{
    ap_dbd_t *dbd = ap_dbd_acquire(r);
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00001)
                      "bbwww: no database connection (check DBDriver/DBDParams)");
        return NULL;
    }
    bbw_db *db = apr_pcalloc(r->pool, sizeof *db);
    db->r = r;
    const char *name = apr_dbd_name(dbd->driver);
    db->native = apr_dbd_native_handle(dbd->driver, dbd->handle);
    if (strcmp(name, "sqlite3") == 0) {
        db->dialect = BBW_DB_SQLITE;
        /* The master writes concurrently (WAL); wait instead of failing. */
        sqlite3_busy_timeout(db->native, SQLITE_BUSY_MS);
        db->stmt_cache = stmt_cache_for(dbd);
        db->responses = response_cache_for(dbd);
    }
    else if (strcmp(name, "pgsql") == 0) {
        db->dialect = BBW_DB_PGSQL;
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00002)
                      "bbwww: unsupported DBDriver %s (use sqlite3 or pgsql)", name);
        return NULL;
    }
    return db;
}

bbw_dialect bbw_db_dialect(const bbw_db *db)
{
    return db->dialect;
}

apr_array_header_t *bbw_params(apr_pool_t *p)
{
    return apr_array_make(p, 4, sizeof(bbw_param));
}

void bbw_param_int(apr_array_header_t *a, apr_int64_t v)
{
    bbw_param *prm = apr_array_push(a);
    prm->is_int = 1;
    prm->i = v;
    prm->s = NULL;
}

void bbw_param_str(apr_array_header_t *a, const char *s)
{
    bbw_param *prm = apr_array_push(a);
    prm->is_int = 0;
    prm->i = 0;
    prm->s = s;
}

int bbw_cell_null(const bbw_row *row, int i)
{
    return row->val[i] == NULL;
}

apr_int64_t bbw_cell_int(const bbw_row *row, int i)
{
    return row->val[i] ? apr_atoi64(row->val[i]) : 0;
}

static apr_status_t run_sqlite(bbw_db *db, const char *sql,
                               const apr_array_header_t *params,
                               bbw_row_fn fn, void *baton)
{
    sqlite3 *conn = db->native;
    cached_stmt *entry = apr_hash_get(db->stmt_cache, sql, APR_HASH_KEY_STRING);
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK;
    if (entry && !entry->busy) {
        st = entry->st;
        entry->busy = 1;
    }
    else {
        entry = NULL;
        rc = sqlite3_prepare_v2(conn, sql, -1, &st, NULL);
    }
    if (rc != SQLITE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, BBWLOGNO(00003)
                      "bbwww: SQLite prepare failed: %s; SQL: %s",
                      sqlite3_errmsg(conn), sql);
        return APR_EGENERAL;
    }
    for (int i = 0; i < params->nelts; i++) {
        const bbw_param *prm = &APR_ARRAY_IDX(params, i, bbw_param);
        if (prm->is_int)
            sqlite3_bind_int64(st, i + 1, prm->i);
        else if (prm->s)
            sqlite3_bind_text(st, i + 1, prm->s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    }
    int ncols = sqlite3_column_count(st);
    bbw_row row;
    row.ncols = ncols;
    row.val = apr_palloc(db->r->pool, sizeof(char *) * (ncols + 1));
    row.len = apr_palloc(db->r->pool, sizeof(apr_size_t) * (ncols + 1));
    apr_status_t status = APR_SUCCESS;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < ncols; c++) {
            int type = sqlite3_column_type(st, c);
            if (type == SQLITE_NULL) {
                row.val[c] = NULL;
                row.len[c] = 0;
            }
            else if (type == SQLITE_BLOB) {
                const void *b = sqlite3_column_blob(st, c);
                row.len[c] = (apr_size_t)sqlite3_column_bytes(st, c);
                row.val[c] = b ? b : "";
            }
            else {
                row.val[c] = (const char *)sqlite3_column_text(st, c);
                row.len[c] = (apr_size_t)sqlite3_column_bytes(st, c);
            }
        }
        if (fn(baton, &row))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, BBWLOGNO(00004)
                      "bbwww: SQLite query failed: %s; SQL: %s",
                      sqlite3_errmsg(conn), sql);
        status = APR_EGENERAL;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (entry) {
        entry->busy = 0;
    }
    else if (status == APR_SUCCESS && apr_hash_count(db->stmt_cache) < STMT_CACHE_MAX
             && !apr_hash_get(db->stmt_cache, sql, APR_HASH_KEY_STRING)) {
        apr_pool_t *cpool = apr_hash_pool_get(db->stmt_cache);
        entry = apr_palloc(cpool, sizeof *entry);
        entry->st = st;
        entry->busy = 0;
        apr_hash_set(db->stmt_cache, apr_pstrdup(cpool, sql), APR_HASH_KEY_STRING, entry);
    }
    else {
        sqlite3_finalize(st);
    }
    return status;
}

/* libpq wants $1, $2…; our SQL says '?'. Placeholders never appear inside
 * literals in our statements. */
static const char *pg_placeholders(apr_pool_t *p, const char *sql)
{
    size_t n = 0;
    for (const char *c = sql; *c; c++)
        n += *c == '?';
    char *out = apr_palloc(p, strlen(sql) + n * 8 + 1), *o = out;   /* "$65535" */
    int k = 0;
    for (const char *c = sql; *c; c++) {
        if (*c == '?')
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *c;
    }
    *o = '\0';
    return out;
}

static apr_status_t run_pgsql(bbw_db *db, const char *sql,
                              const apr_array_header_t *params,
                              bbw_row_fn fn, void *baton)
{
    apr_pool_t *p = db->r->pool;
    int n = params->nelts;
    const char **values = apr_palloc(p, sizeof(char *) * (n + 1));
    for (int i = 0; i < n; i++) {
        const bbw_param *prm = &APR_ARRAY_IDX(params, i, bbw_param);
        values[i] = prm->is_int ? apr_psprintf(p, "%" APR_INT64_T_FMT, prm->i)
                                : prm->s;
    }
    PGresult *res = PQexecParams(db->native, pg_placeholders(p, sql), n, NULL,
                                 values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK
        && PQresultStatus(res) != PGRES_COMMAND_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, BBWLOGNO(00005)
                      "bbwww: PostgreSQL query failed: %s; SQL: %s",
                      PQresultErrorMessage(res), sql);
        PQclear(res);
        return APR_EGENERAL;
    }
    int ncols = PQnfields(res), nrows = PQntuples(res);
    bbw_row row;
    row.ncols = ncols;
    row.val = apr_palloc(p, sizeof(char *) * (ncols + 1));
    row.len = apr_palloc(p, sizeof(apr_size_t) * (ncols + 1));
    unsigned char **freeme = apr_pcalloc(p, sizeof(char *) * (ncols + 1));
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            if (PQgetisnull(res, r, c)) {
                row.val[c] = NULL;
                row.len[c] = 0;
                continue;
            }
            const char *v = PQgetvalue(res, r, c);
            if (PQftype(res, c) == BYTEA_OID) {
                size_t blen = 0;
                freeme[c] = PQunescapeBytea((const unsigned char *)v, &blen);
                row.val[c] = freeme[c] ? (const char *)freeme[c] : "";
                row.len[c] = blen;
            }
            else {
                row.val[c] = v;
                row.len[c] = (apr_size_t)PQgetlength(res, r, c);
            }
        }
        int stop = fn(baton, &row);
        for (int c = 0; c < ncols; c++)
            if (freeme[c]) {
                PQfreemem(freeme[c]);
                freeme[c] = NULL;
            }
        if (stop)
            break;
    }
    PQclear(res);
    return APR_SUCCESS;
}

apr_status_t bbw_db_each(bbw_db *db, const char *sql,
                         const apr_array_header_t *params,
                         bbw_row_fn fn, void *baton)
{
    ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, db->r, "bbwww: SQL %s", sql);
    if (db->dialect == BBW_DB_SQLITE)
        return run_sqlite(db, sql, params, fn, baton);
    return run_pgsql(db, sql, params, fn, baton);
}

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *rows;
} collect_baton;

static int collect_row(void *baton, const bbw_row *row)
{
    collect_baton *cb = baton;
    bbw_row *copy = apr_palloc(cb->pool, sizeof *copy);
    copy->ncols = row->ncols;
    copy->val = apr_palloc(cb->pool, sizeof(char *) * (row->ncols + 1));
    copy->len = apr_palloc(cb->pool, sizeof(apr_size_t) * (row->ncols + 1));
    for (int c = 0; c < row->ncols; c++) {
        copy->len[c] = row->len[c];
        copy->val[c] = row->val[c] ? apr_pstrmemdup(cb->pool, row->val[c], row->len[c])
                                   : NULL;
    }
    APR_ARRAY_PUSH(cb->rows, bbw_row *) = copy;
    return 0;
}

apr_status_t bbw_db_rows(bbw_db *db, const char *sql,
                         const apr_array_header_t *params,
                         apr_array_header_t **rows)
{
    collect_baton cb = { db->r->pool, apr_array_make(db->r->pool, 16, sizeof(bbw_row *)) };
    *rows = cb.rows;
    return bbw_db_each(db, sql, params, collect_row, &cb);
}

static int read_data_version(void *baton, const bbw_row *row)
{
    *(apr_int64_t *)baton = bbw_cell_int(row, 0);
    return 1;
}

/* Drop every cached response if another connection committed since. */
static response_cache *fresh_responses(bbw_db *db)
{
    response_cache *rc = db->responses;
    if (!rc)
        return NULL;
    apr_int64_t version = -1;
    if (bbw_db_each(db, "PRAGMA data_version", bbw_params(db->r->pool), read_data_version,
                    &version) != APR_SUCCESS || version < 0)
        return NULL;
    if (version != rc->data_version) {
        apr_pool_clear(rc->pool);
        rc->entries = apr_hash_make(rc->pool);
        rc->bytes = 0;
        rc->data_version = version;
    }
    return rc;
}

int bbw_db_cached_response(bbw_db *db, const char *key, const char **body,
                           apr_size_t *len, const char **content_type,
                           const char **disposition)
{
    response_cache *rc = fresh_responses(db);
    cached_response *hit = rc ? apr_hash_get(rc->entries, key, APR_HASH_KEY_STRING) : NULL;
    if (!hit)
        return 0;
    *body = hit->body;
    *len = hit->len;
    *content_type = hit->content_type;
    *disposition = hit->disposition;
    return 1;
}

void bbw_db_cache_response(bbw_db *db, const char *key, const char *body,
                           apr_size_t len, const char *content_type,
                           const char *disposition)
{
    response_cache *rc = db->responses;
    /* Only answers computed from the snapshot the version was read for. */
    if (!rc || rc->data_version < 0 || len > RESPONSE_ENTRY_MAX)
        return;
    if (rc->bytes + len > RESPONSE_CACHE_BYTES) {
        apr_pool_clear(rc->pool);
        rc->entries = apr_hash_make(rc->pool);
        rc->bytes = 0;
    }
    cached_response *e = apr_palloc(rc->pool, sizeof *e);
    e->body = apr_pmemdup(rc->pool, body, len);
    e->len = len;
    e->content_type = apr_pstrdup(rc->pool, content_type);
    e->disposition = disposition ? apr_pstrdup(rc->pool, disposition) : NULL;
    apr_hash_set(rc->entries, apr_pstrdup(rc->pool, key), APR_HASH_KEY_STRING, e);
    rc->bytes += len + strlen(key);
}
