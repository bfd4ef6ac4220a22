/* /avatar (Buildbot's avatar_methods): gravatar, github and ldap, tried in
 * the configured order (ui-assets.md §2, www-config.md `avatar_methods`). */
#ifndef BBW_AVATAR_H
#define BBW_AVATAR_H

#include "bbw.h"
#include <jansson.h>

/* Directive handlers, for the command table below. */
const char *bbw_avatar_set_methods(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_avatar_set_github(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);

/* Spliced into bbw_config.c's command table (each entry ends with a comma). */
#define BBW_AVATAR_DIRECTIVES                                                           \
    AP_INIT_TAKE_ARGV("BuildbotAvatarMethods", bbw_avatar_set_methods, NULL,            \
                      RSRC_CONF | ACCESS_CONF,                                          \
                      "avatar_methods: gravatar, github and/or ldap, tried in order; "  \
                      "'none' alone disables avatars (default: gravatar)"),             \
    AP_INIT_TAKE_ARGV("BuildbotAvatarGitHub", bbw_avatar_set_github, NULL,              \
                      RSRC_CONF | ACCESS_CONF,                                          \
                      "AvatarGitHub options: api=URL token=T client_id=ID "             \
                      "client_secret=S verify=on|off timeout=SECONDS"),

/* GET/HEAD <root>/avatar?email=&username=&size=: a redirect, an image
 * (ldap), or the img/nobody.png placeholder. Other methods → 405. */
int bbw_avatar_handler(request_rec *r);

/* avatar_methods as the frontend config shows it: the object
 * {"name": "gravatar"} when unset (Buildbot 3.7's default is a bare object,
 * not a list), else a list of {"name": ...} ([] for `none`). New reference. */
json_t *bbw_avatar_methods_json(const bbw_dir_conf *c);

#endif
