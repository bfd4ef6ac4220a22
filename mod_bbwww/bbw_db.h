/* Database access: the only place that knows SQL dialects. Connections come
 * from mod_dbd's pool; queries run on the driver's native handle so rows
 * stream without apr_dbd's per-process lock and whole-result copies. SQL is
 * written with '?' placeholders; every value is bound, never spliced. */
#ifndef BBW_DB_H
#define BBW_DB_H

#include <httpd.h>
#include <apr_tables.h>

typedef enum { BBW_DB_SQLITE, BBW_DB_PGSQL } bbw_dialect;

typedef struct bbw_db bbw_db;

typedef struct {
    int is_int;
    apr_int64_t i;
    const char *s;
} bbw_param;

typedef struct {
    int ncols;
    const char **val;       /* NULL for SQL NULL; text is NUL-terminated,
                               blobs are not: use len */
    apr_size_t *len;        /* byte lengths (blobs may hold NULs) */
} bbw_row;

/* Return non-zero from a row callback to stop early. */
typedef int (*bbw_row_fn)(void *baton, const bbw_row *row);

/* Acquire the request's connection; NULL (logged) when none is available. */
bbw_db *bbw_db_open(request_rec *r);
bbw_dialect bbw_db_dialect(const bbw_db *db);

/* Parameter list helpers. */
apr_array_header_t *bbw_params(apr_pool_t *p);
void bbw_param_int(apr_array_header_t *a, apr_int64_t v);
void bbw_param_str(apr_array_header_t *a, const char *s);

/* Run sql, calling fn per row; cell memory is valid during the call only.
 * APR_SUCCESS, or an error already logged. */
apr_status_t bbw_db_each(bbw_db *db, const char *sql,
                         const apr_array_header_t *params,
                         bbw_row_fn fn, void *baton);

/* Convenience for callers that keep every row: copies into the pool. */
apr_status_t bbw_db_rows(bbw_db *db, const char *sql,
                         const apr_array_header_t *params,
                         apr_array_header_t **rows /* bbw_row* */);

/* Response cache (SQLite): a finished answer for key, valid while no other
 * connection has committed since it was stored. Checking also notes the
 * current data version, so call it before computing the answer.
 * disposition is the Content-Disposition of a download, NULL for JSON. */
int bbw_db_cached_response(bbw_db *db, const char *key, const char **body,
                           apr_size_t *len, const char **content_type,
                           const char **disposition);
void bbw_db_cache_response(bbw_db *db, const char *key, const char *body,
                           apr_size_t len, const char *content_type,
                           const char *disposition);

/* Cell accessors. */
int bbw_cell_null(const bbw_row *row, int i);
apr_int64_t bbw_cell_int(const bbw_row *row, int i);

#endif
