/* /change_hook/<dialect> (change-hooks.md): each request is checked here —
 * method, size, content type, signature or token, event, duplicate
 * delivery — and only then handed to the master's hook of the same dialect
 * through mod_proxy (bbw_control_forward). The client gets the master's
 * answer, so a 2xx means the change was recorded; a refused request
 * reaches nothing.
 *
 * change_hook_auth is Apache's own authentication on the location, e.g.
 *     <Location "/change_hook">
 *         AuthType Basic
 *         AuthName "Protected area"
 *         AuthBasicProvider file
 *         AuthUserFile /etc/buildbot/hook-users
 *         Require valid-user
 *     </Location>
 */
#ifndef BBW_HOOKS_H
#define BBW_HOOKS_H

#include "bbw.h"

/* Directive handlers, for the command table below. */
const char *bbw_hooks_set_dialect(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_hooks_set_max_body(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_hooks_set_replay_window(cmd_parms *cmd, void *cfg, const char *arg);

/* Spliced into bbw_config.c's command table (each entry ends with a comma). */
#define BBW_HOOKS_DIRECTIVES                                                            \
    AP_INIT_TAKE_ARGV("BuildbotChangeHook", bbw_hooks_set_dialect, NULL,                \
                      RSRC_CONF | ACCESS_CONF,                                          \
                      "change_hook_dialects entry: DIALECT [key=value ...], e.g. "      \
                      "github secret=S [strict=on|off] [accept_sha1=on|off]; "          \
                      "gitlab [secret=S] [codebase=C]; bitbucketcloud|bitbucketserver " \
                      "[secret=S]; poller [allowed=NAME,...]; base; bitbucket; "        \
                      "gitorious"),                                                     \
    AP_INIT_TAKE1("BuildbotChangeHookMaxBody", bbw_hooks_set_max_body, NULL,            \
                  RSRC_CONF | ACCESS_CONF,                                              \
                  "largest change hook request body in bytes (default 5242880)"),       \
    AP_INIT_TAKE1("BuildbotChangeHookReplayWindow", bbw_hooks_set_replay_window, NULL,  \
                  RSRC_CONF | ACCESS_CONF,                                              \
                  "seconds a delivery id is remembered to refuse duplicates "           \
                  "(default 86400, 0 = off)"),

/* Field by field: a context that sets only BuildbotChangeHookMaxBody keeps
 * the dialects above it; a dialect named again replaces that one only. */
bbw_hooks_conf *bbw_hooks_merge_conf(apr_pool_t *p, const bbw_hooks_conf *base,
                                     const bbw_hooks_conf *add);

/* From bbw_register_hooks: the filter that retypes the master's errors. */
void bbw_hooks_register(apr_pool_t *p);

/* relpath: the path below the Buildbot root, "change_hook" or
 * "change_hook/...". */
int bbw_hooks_handler(request_rec *r, const char *relpath);

#endif
