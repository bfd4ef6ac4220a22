/* What REST endpoint implementations share: the call context, path
 * arguments, SQL pushdown of the query language, DB → JSON helpers. */
#ifndef BBW_REST_H
#define BBW_REST_H

#include "bbw.h"
#include "bbw_db.h"
#include "bbw_json.h"
#include "bbw_query.h"
#include "bbw_router.h"

typedef struct bbw_call {
    request_rec *r;
    apr_pool_t *p;
    bbw_db *db;
    const bbw_route *route;
    bbw_spec *spec;
    const bbw_error *error;     /* set by an endpoint that fails */
    const char *cache_key;      /* response cache key, NULL = don't cache */
} bbw_call;

/* Collection endpoints return a JSON array (the generic pipeline runs
 * afterwards on whatever the spec still holds); single endpoints return one
 * object, or NULL for "not found"; both return NULL with c->error set on
 * failure. Raw endpoints write the response and return an HTTP status. */
typedef json_t *(*bbw_entities_fn)(bbw_call *c);
typedef int (*bbw_raw_fn)(bbw_call *c);

/* Record an error for the handler to answer with; returns NULL. */
json_t *bbw_fail(bbw_call *c, int status, const char *message);
/* Database failure (already logged): 500 with Buildbot's generic text. */
json_t *bbw_fail_db(bbw_call *c);

int bbw_has(const bbw_call *c, const char *arg);
apr_int64_t bbw_num(const bbw_call *c, const char *arg);
const char *bbw_str(const bbw_call *c, const char *arg);

/* Column mapping of a SQL-backed collection: query field → SQL expression.
 * Boolean filter values bind as 0/1. */
typedef struct {
    const char *field;
    const char *column;
} bbw_colmap;

/* Append " AND <cond>" for every mapped, not yet consumed filter, then
 * ORDER BY for mapped order keys, then LIMIT/OFFSET when nothing is left
 * for the in-memory stage. The WHERE clause must already be open. */
void bbw_sql_pushdown(bbw_call *c, bbw_buf *sql, apr_array_header_t *params,
                      const bbw_colmap *map, const char *tiebreak);

/* Consume a boolean filter the endpoint applies itself ("pop"): returns -1
 * when absent, else 0/1 and marks the filter done. Several values mean
 * "any of", which for a boolean is no restriction: returns -1, consumed. */
int bbw_pop_bool(bbw_call *c, const char *field);
/* Consume an integer equality filter with exactly one value; 1 if found. */
int bbw_pop_int_eq(bbw_call *c, const char *field, apr_int64_t *out);

/* The first entity of a fetched list (consumed), or NULL when the list is
 * empty or missing: what single endpoints return for "not found". */
json_t *bbw_first_or_null(json_t *items);

/* DB cells → JSON. */
json_t *bbw_jint(const bbw_row *row, int i);          /* integer or null */
json_t *bbw_jstr(const bbw_row *row, int i);          /* string or null */
json_t *bbw_jbool(const bbw_row *row, int i);         /* non-zero */
json_t *bbw_jparse(const char *text, apr_size_t len); /* NULL if invalid */

/* An IN (...) list of integer parameters. */
void bbw_sql_in_ints(bbw_buf *sql, apr_array_header_t *params,
                     const apr_int64_t *ids, int n);

/* Lower-case hex SHA-1 of a UTF-8 string (Buildbot's name_hash). */
const char *bbw_name_hash(apr_pool_t *p, const char *name);

/* Builds and resolves shared by several families. */
/* Resolvers return 0 for "unknown"; on a database failure they also set
 * c->error, so the endpoint's answer becomes a 500. */
/* Resolve a build from path args (buildid, or builderid/buildername +
 * build_number|number); 0 if unknown. */
apr_int64_t bbw_resolve_build(bbw_call *c);
/* Resolve a builder id from builderid or buildername; 0 if unknown. */
apr_int64_t bbw_resolve_builder(bbw_call *c);
/* Resolve a step id from stepid or build + step_name/step_number. */
apr_int64_t bbw_resolve_step(bbw_call *c);

/* The value of a change property from its decoded JSON ([value, "Change"],
 * or a bare value in older data). Returns a new reference. */
json_t *bbw_change_property_value(json_t *decoded);

/* Entities embedded elsewhere. */
json_t *bbw_sourcestamp_entity(bbw_call *c, apr_int64_t ssid);

/* The entity type an endpoint class answers with. */
const bbw_etype *bbw_ep_etype(bbw_ep ep);

/* Caching headers of a successful read: private + Vary: Cookie when the
 * answer depends on the user, Expires/Pragma for json_cache_seconds. */
void bbw_rest_cache_headers(request_rec *r);

/* Read-level restriction (bbw_visibility.c). hidden: builder ids the user
 * may not see (bbw_access_hidden_builders). Is the path below a hidden
 * builder, build, step, log, build request or change? */
int bbw_visibility_parent_hidden(bbw_call *c, const apr_array_header_t *hidden);
/* Add the filters that drop hidden entities from a collection of type;
 * 0 when nothing of that type can be shown at all. */
int bbw_visibility_filter(bbw_call *c, const bbw_etype *type, const apr_array_header_t *hidden);

/* Entity types. */
extern const bbw_etype bbw_t_builder, bbw_t_build, bbw_t_step, bbw_t_log,
    bbw_t_logchunk, bbw_t_change, bbw_t_sourcestamp, bbw_t_buildset,
    bbw_t_buildrequest, bbw_t_worker, bbw_t_master, bbw_t_scheduler,
    bbw_t_changesource, bbw_t_forcescheduler, bbw_t_rootlink, bbw_t_spec,
    bbw_t_properties, bbw_t_property, bbw_t_build_data,
    bbw_t_test_result_set, bbw_t_test_result;

/* Endpoints, by family file. */
json_t *bbw_ep_builders(bbw_call *c);
json_t *bbw_ep_builder(bbw_call *c);
json_t *bbw_ep_masters(bbw_call *c);
json_t *bbw_ep_master(bbw_call *c);
json_t *bbw_ep_workers(bbw_call *c);
json_t *bbw_ep_worker(bbw_call *c);
json_t *bbw_ep_schedulers(bbw_call *c);
json_t *bbw_ep_scheduler(bbw_call *c);
json_t *bbw_ep_changesources(bbw_call *c);
json_t *bbw_ep_changesource(bbw_call *c);
json_t *bbw_ep_forceschedulers(bbw_call *c);
json_t *bbw_ep_forcescheduler(bbw_call *c);
json_t *bbw_ep_root(bbw_call *c);
json_t *bbw_ep_spec(bbw_call *c);

json_t *bbw_ep_builds(bbw_call *c);
json_t *bbw_ep_build(bbw_call *c);
json_t *bbw_ep_build_properties(bbw_call *c);
json_t *bbw_ep_buildset_properties(bbw_call *c);
json_t *bbw_ep_properties_list(bbw_call *c);
json_t *bbw_ep_build_datas(bbw_call *c);
json_t *bbw_ep_build_data(bbw_call *c);
int bbw_raw_build_data(bbw_call *c);

json_t *bbw_ep_steps(bbw_call *c);
json_t *bbw_ep_step(bbw_call *c);
json_t *bbw_ep_logs(bbw_call *c);
json_t *bbw_ep_log(bbw_call *c);
json_t *bbw_ep_logchunk(bbw_call *c);
int bbw_raw_log(bbw_call *c);

json_t *bbw_ep_changes(bbw_call *c);
json_t *bbw_ep_change(bbw_call *c);
json_t *bbw_ep_sourcestamps(bbw_call *c);
json_t *bbw_ep_sourcestamp(bbw_call *c);
json_t *bbw_ep_buildsets(bbw_call *c);
json_t *bbw_ep_buildset(bbw_call *c);
json_t *bbw_ep_buildrequests(bbw_call *c);
json_t *bbw_ep_buildrequest(bbw_call *c);

json_t *bbw_ep_test_result_sets(bbw_call *c);
json_t *bbw_ep_test_result_set(bbw_call *c);
json_t *bbw_ep_test_results(bbw_call *c);

#endif
