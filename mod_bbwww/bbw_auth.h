/* Login, logout and where a user's details come from. */
#ifndef BBW_AUTH_H
#define BBW_AUTH_H

#include "bbw.h"
#include <jansson.h>

/* BuildbotUserInfoEnv KEY VARIABLE [SEPARATOR]. */
typedef struct {
    const char *key;
    const char *variable;
    const char *separator;      /* groups: split the value; NULL = one value */
} bbw_env_map;

/* Complete a freshly authenticated user (at least "username") the way the
 * configured provider does: LDAP (BuildbotLDAP*), environment variables set
 * by other modules (BuildbotUserInfoEnv), or Buildbot's default (email =
 * username). New reference; NULL when the provider failed (logged). */
json_t *bbw_auth_user_info(request_rec *r, const json_t *base);

/* /auth, /auth/login, /auth/logout and anything below /auth. */
int bbw_auth_handler(request_rec *r, const char *rest);

/* The "auth" object of the frontend config. New reference. */
json_t *bbw_auth_descriptor(const bbw_dir_conf *c);

#endif
