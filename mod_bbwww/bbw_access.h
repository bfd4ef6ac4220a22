/* Request-time authz: maps a request to bbw_authz's terms, answers the
 * matchers' lookups from the database and the master, and works out which
 * builders a user may see. */
#ifndef BBW_ACCESS_H
#define BBW_ACCESS_H

#include "bbw.h"
#include "bbw_db.h"
#include "bbw_router.h"
#include <jansson.h>

/* Buildbot's authz check (spec/authz.md §2) with the dir conf's rules (none
 * = allow). route NULL = a path no endpoint matches; action is "GET"/"HEAD"
 * or the JSON-RPC method as sent; params the JSON-RPC params (or NULL).
 * 1 = allowed; 0 = denied, *deny_role = the role the denying rule names
 * ("you need to have role '<role>'"); -1 = not decided because a lookup
 * (database, master) failed: answer 503, never allow. */
int bbw_access_check(request_rec *r, bbw_db *db, const bbw_route *route,
                     const char *action, json_t *params, json_t *user_info,
                     const char **deny_role);

/* Non-zero when BuildbotViewBuilders rules apply to this request. */
int bbw_access_restricts_view(request_rec *r);

/* Sole element of the hidden list when the builders could not be read (a
 * database failure, logged): treat it as "every builder is hidden". */
#define BBW_ACCESS_HIDE_ALL ((apr_int64_t)-1)

/* Builder ids (apr_int64_t, ascending) this user may not see, or NULL when
 * no visibility rules apply. Computed once per request (the first call's
 * user_info counts) and kept in r->pool. */
apr_array_header_t *bbw_access_hidden_builders(request_rec *r, bbw_db *db, json_t *user_info);

/* A short string naming the user's visible set, for partitioning cached
 * responses: "" when nothing is hidden, else "v" + 40 hex digits. */
const char *bbw_access_view_key(request_rec *r, bbw_db *db, json_t *user_info);

#endif
