/* Buildbot sessions: the TWISTED_SESSION cookie, a JWT (HS256) signed with
 * the master's session_secret from object_state, so cookies cross freely
 * between the master and every Apache node sharing the database. */
#ifndef BBW_SESSION_H
#define BBW_SESSION_H

#include "bbw.h"
#include <jansson.h>

/* The request's user_info: the session cookie's, or {"anonymous": true}.
 * With BuildbotRemoteUserHeader, a trusted header that names another user
 * logs that user in (and a new cookie goes out with the response).
 * Borrowed; valid for the request's lifetime. */
json_t *bbw_session_user(request_rec *r);

/* Is user_info anonymous (no session, or {"anonymous": true})? */
int bbw_session_is_anonymous(const json_t *user_info);

/* The session secret (read from the database, created there when the
 * master never did); NULL when the database cannot give one (logged). */
const char *bbw_session_secret(request_rec *r);

/* A token for user_info with this site's lifetime; NULL without a secret. */
const char *bbw_session_mint(request_rec *r, const json_t *user_info);

/* Make user_info the request's session and send its cookie with the
 * response (Set-Cookie, HttpOnly, SameSite=Lax, Secure on TLS).
 * Returns 0 when no token could be minted (logged). */
int bbw_session_start(request_rec *r, json_t *user_info);

/* The cookie name for this request: TWISTED_SESSION, or
 * TWISTED_SECURE_SESSION when the request came over TLS. */
const char *bbw_session_cookie_name(request_rec *r);

/* Per-process state (the secret cache's lock). */
void bbw_session_child_init(apr_pool_t *p);

#endif
