/* Buildbot's GitHubAuth and BitbucketAuth done natively (auth-session.md
 * §4.6): /auth/login sends the browser to the provider's authorization
 * page, takes the code back, trades it for a token and asks the provider's
 * API who the user is, without any OpenID Connect broker (GitHub and
 * Bitbucket issue no id_token, which mod_auth_openidc needs). */
#ifndef BBW_OAUTH2_H
#define BBW_OAUTH2_H

#include "bbw.h"
#include <jansson.h>

/* BuildbotOAuth2 github|bitbucket CLIENT_ID CLIENT_SECRET [key=value...]. */
const char *bbw_oauth2_set(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);

/* Spliced into bbw_config.c's command table (each entry ends with a comma). */
#define BBW_OAUTH2_DIRECTIVES                                                           \
    AP_INIT_TAKE_ARGV("BuildbotOAuth2", bbw_oauth2_set, NULL, RSRC_CONF | ACCESS_CONF,  \
                      "GitHubAuth/BitbucketAuth: github|bitbucket CLIENT_ID "           \
                      "CLIENT_SECRET (or file:/path) [server=URL] [login=URL] "         \
                      "[api=URL] [apiVersion=3|4] [teams=on] [autologin=on] "           \
                      "[verify=on|off] [timeout=SECONDS]"),

/* /auth/login when BuildbotOAuth2 is configured for the request: the
 * redirect to the provider, or (with ?code=) the login itself. */
int bbw_oauth2_login(request_rec *r);

/* The "auth" object of the frontend config for the configured provider,
 * or NULL when BuildbotOAuth2 is not configured. New reference. */
json_t *bbw_oauth2_descriptor(const bbw_dir_conf *c);

#endif
