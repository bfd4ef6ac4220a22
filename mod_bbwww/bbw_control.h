/* Control: JSON-RPC calls, force-scheduler reads and the websocket, handed
 * to the Buildbot master (BuildbotMaster) through mod_proxy once the module
 * has decided the user may make them. The master learns who the user is from
 * a session cookie minted here for the forwarded request. */
#ifndef BBW_CONTROL_H
#define BBW_CONTROL_H

#include "bbw.h"
#include "bbw_router.h"
#include <jansson.h>

/* GET <master>api/v2/<api_path> as an anonymous client; the decoded JSON
 * document (new reference), or NULL when no master is configured, it is
 * unreachable or it did not answer 200 with JSON. Bounded in time and size. */
json_t *bbw_master_get_json(request_rec *r, const char *api_path);

/* POST on /api/v2/<postpath>: Buildbot's JSON-RPC envelope checks, authz,
 * the endpoint's method table, then the master. route is NULL for a path
 * no pattern matches (invalid holds its "Invalid path: ..." text). */
int bbw_control_rpc(request_rec *r, const bbw_route *route, const char *invalid,
                    const char *postpath);

/* GET/HEAD of /api/v2/<postpath> answered by the master (force schedulers
 * live only in its configuration). DECLINED when no master is configured. */
int bbw_control_forward_get(request_rec *r, const char *postpath);

/* /ws: the master's websocket through mod_proxy's tunnel. */
int bbw_control_ws(request_rec *r);

/* Hand the request to the master at <BuildbotMaster><master_path> through
 * mod_proxy with this body (already read and checked) and content type.
 * With user, the master sees a session cookie minted for that user; the
 * client's cookies and credentials never go through. Returns OK when the
 * master's answer was relayed; HTTP_SERVICE_UNAVAILABLE when no master is
 * configured, HTTP_BAD_GATEWAY (or mod_proxy's status) when it did not
 * answer, HTTP_INTERNAL_SERVER_ERROR when no cookie could be minted —
 * then nothing was sent and the caller answers. */
int bbw_control_forward(request_rec *r, const char *master_path, const char *body,
                        apr_size_t len, const char *content_type, json_t *user);

/* Hooks: the body replay filter, libcurl's process-wide set-up. */
void bbw_control_register(apr_pool_t *p);

#endif
