/* Directives. Unset is not default: values stay -1/NULL until read, so a
 * <Location> that says nothing inherits from its parent. */
#include "bbw.h"
#include "bbw_cors.h"
#include "bbw_authz.h"
#include "bbw_avatar.h"
#include "bbw_ldap.h"
#include "bbw_auth.h"
#include "bbw_badges.h"
#include "bbw_hooks.h"
#include "bbw_oauth2.h"
#include "bbw_ui.h"

#include <ap_regex.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>
#include <ctype.h>
#include <string.h>

void *bbw_create_dir_conf(apr_pool_t *p, char *dir)
{
    bbw_dir_conf *c = apr_pcalloc(p, sizeof *c);
    /* The <Location> path is where the Buildbot site is mounted. */
    c->mount = dir ? apr_pstrdup(p, dir) : NULL;
    c->json_cache_seconds = -1;
    c->rest_minimum_version = -1;
    c->response_cache = -1;
    c->cookie_expiration = -1;
    c->auth_autologin = -1;
    c->ws_ping_interval = -1;
    return c;
}

void *bbw_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const bbw_dir_conf *base = basev, *add = addv;
    bbw_dir_conf *c = apr_pcalloc(p, sizeof *c);
    c->mount = add->mount ? add->mount : base->mount;
    c->buildbot_url = add->buildbot_url ? add->buildbot_url : base->buildbot_url;
    c->url_mount = add->buildbot_url ? add->url_mount : base->url_mount;
    c->json_cache_seconds = add->json_cache_seconds >= 0 ? add->json_cache_seconds
                                                         : base->json_cache_seconds;
    c->rest_minimum_version = add->rest_minimum_version >= 0
                              ? add->rest_minimum_version : base->rest_minimum_version;
    c->allowed_origins = add->allowed_origins ? add->allowed_origins : base->allowed_origins;
    c->response_cache = add->response_cache >= 0 ? add->response_cache : base->response_cache;
#define INHERIT(field) c->field = add->field ? add->field : base->field
#define INHERIT_NUM(field) c->field = add->field >= 0 ? add->field : base->field
    INHERIT(master_url);
    INHERIT_NUM(cookie_expiration);
    INHERIT(auth_name);
    INHERIT_NUM(auth_autologin);
    if (add->remote_user_header) {
        c->remote_user_header = add->remote_user_header;
        c->remote_user_regex = add->remote_user_regex;
        c->remote_user_pattern = add->remote_user_pattern;
    }
    else {
        c->remote_user_header = base->remote_user_header;
        c->remote_user_regex = base->remote_user_regex;
        c->remote_user_pattern = base->remote_user_pattern;
    }
    INHERIT(user_info_env);
    INHERIT(title);
    INHERIT(title_url);
    INHERIT_NUM(ws_ping_interval);
#undef INHERIT
#undef INHERIT_NUM
    c->authz = add->authz ? add->authz : base->authz;
    c->ldap = add->ldap ? add->ldap : base->ldap;
    c->avatar = add->avatar ? add->avatar : base->avatar;
    c->ui = bbw_ui_merge_conf(p, base->ui, add->ui);
    c->badges = bbw_badges_merge_conf(p, base->badges, add->badges);
    c->hooks = bbw_hooks_merge_conf(p, base->hooks, add->hooks);
    c->oauth2 = add->oauth2 ? add->oauth2 : base->oauth2;
    return c;
}

static const char *parse_count(cmd_parms *cmd, const char *arg, int max, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v < 0 || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number between 0 and %d",
                            cmd->directive->directive, arg, max);
    *out = (int)v;
    return NULL;
}

static const char *set_json_cache(cmd_parms *cmd, void *cfg, const char *arg)
{
    return parse_count(cmd, arg, 31536000, &((bbw_dir_conf *)cfg)->json_cache_seconds);
}

static const char *set_rest_min(cmd_parms *cmd, void *cfg, const char *arg)
{
    return parse_count(cmd, arg, 100, &((bbw_dir_conf *)cfg)->rest_minimum_version);
}

static const char *set_url(cmd_parms *cmd, void *cfg, const char *arg)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme
        || !uri.hostname || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https")))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute http(s) URL",
                            cmd->directive->directive, arg);
    bbw_dir_conf *c = cfg;
    size_t n = strlen(arg);
    c->buildbot_url = n && arg[n - 1] == '/' ? apr_pstrdup(cmd->pool, arg)
                                             : apr_pstrcat(cmd->pool, arg, "/", NULL);
    /* Its path is where the site lives (worked out once, not per request). */
    const char *path = uri.path && *uri.path ? uri.path : "/";
    n = strlen(path);
    c->url_mount = path[n - 1] == '/' ? apr_pstrdup(cmd->pool, path)
                                      : apr_pstrcat(cmd->pool, path, "/", NULL);
    return NULL;
}

static const char *add_origin(cmd_parms *cmd, void *cfg, const char *arg)
{
    bbw_dir_conf *c = cfg;
    if (!*arg || strchr(arg, ' ') || strchr(arg, '/') == arg)
        return apr_psprintf(cmd->pool, "%s: '%s' is not an origin pattern such as "
                            "https://*.example.org", cmd->directive->directive, arg);
    if (!c->allowed_origins)
        c->allowed_origins = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c->allowed_origins, const char *) = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_response_cache(cmd_parms *cmd, void *cfg, int on)
{
    ((bbw_dir_conf *)cfg)->response_cache = on;
    return NULL;
}

static const char *set_master(cmd_parms *cmd, void *cfg, const char *arg)
{
    bbw_dir_conf *c = cfg;
    if (strcasecmp(arg, "none") == 0) {
        c->master_url = "";
        return NULL;
    }
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme || !uri.hostname
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
        || (uri.path && strcmp(uri.path, "/") && *uri.path) || uri.query || uri.fragment)
        return apr_psprintf(cmd->pool, "%s: '%s' is not the master's web address such as "
                            "http://127.0.0.1:8010/ (or none)", cmd->directive->directive, arg);
    if (strcmp(uri.hostname, "127.0.0.1") && strcmp(uri.hostname, "::1")
        && strcasecmp(uri.hostname, "localhost"))
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server, BBWLOGNO(00041)
                     "%s %s: the master's web port should listen on loopback only",
                     cmd->directive->directive, arg);
    size_t n = strlen(arg);
    c->master_url = arg[n - 1] == '/' ? apr_pstrdup(cmd->pool, arg)
                                      : apr_pstrcat(cmd->pool, arg, "/", NULL);
    return NULL;
}

/* A duration: seconds, or a number with s, m, h, d or w. */
static const char *set_cookie_expiration(cmd_parms *cmd, void *cfg, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    long unit = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60
                : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400
                : !strcmp(end, "w") ? 604800 : 0;
    if (end == arg || v <= 0 || !unit || v > 3650L * 86400 / unit)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a duration such as 3600, 12h or 7d "
                            "(at most 10 years)", cmd->directive->directive, arg);
    ((bbw_dir_conf *)cfg)->cookie_expiration = (int)(v * unit);
    return NULL;
}

static const char *set_auth(cmd_parms *cmd, void *cfg, const char *arg)
{
    for (const char *s = arg; *s; s++)
        if (!apr_isalnum(*s) && *s != '_')
            return apr_psprintf(cmd->pool, "%s: '%s' is not an auth name such as "
                                "HTPasswdAuth, RemoteUserAuth or GitHub",
                                cmd->directive->directive, arg);
    ((bbw_dir_conf *)cfg)->auth_name = *arg ? apr_pstrdup(cmd->pool, arg) : NULL;
    return NULL;
}

static const char *set_autologin(cmd_parms *cmd, void *cfg, int on)
{
    ((bbw_dir_conf *)cfg)->auth_autologin = on;
    return NULL;
}

/* Buildbot's default regex wants user@realm; Apache's providers give bare
 * names, so the realm is optional here. */
#define DEFAULT_REMOTE_USER_REGEX "(?P<username>[^ @]+)(@(?P<realm>[^ @]+))?"

static const char *set_remote_user(cmd_parms *cmd, void *cfg, const char *header,
                                   const char *pattern)
{
    bbw_dir_conf *c = cfg;
    if (!*header || strspn(header, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_") != strlen(header))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a header name",
                            cmd->directive->directive, header);
    if (!pattern)
        pattern = DEFAULT_REMOTE_USER_REGEX;
    ap_regex_t *re = ap_pregcomp(cmd->pool, pattern, 0);
    if (!re)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid regular expression",
                            cmd->directive->directive, pattern);
    apr_array_header_t *names = apr_array_make(cmd->pool, 4, sizeof(const char *));
    ap_regname(re, names, NULL, 0);
    int has_username = 0;
    for (int i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        if (name && strcmp(name, "username") == 0)
            has_username = 1;
    }
    if (!has_username || names->nelts > AP_MAX_REG_MATCH)
        return apr_psprintf(cmd->pool, "%s: '%s' needs a (?P<username>...) group "
                            "(and at most %d groups)", cmd->directive->directive, pattern,
                            AP_MAX_REG_MATCH - 1);
    c->remote_user_header = apr_pstrdup(cmd->pool, header);
    c->remote_user_regex = re;
    c->remote_user_pattern = apr_pstrdup(cmd->pool, pattern);
    return NULL;
}

static const char *add_user_info_env(cmd_parms *cmd, void *cfg, const char *key,
                                     const char *var, const char *sep)
{
    bbw_dir_conf *c = cfg;
    if (!*key || !*var || (sep && !*sep))
        return apr_psprintf(cmd->pool, "%s: takes KEY VARIABLE [SEPARATOR], e.g. "
                            "email AUTHENTICATE_MAIL or groups OIDC_CLAIM_groups ,",
                            cmd->directive->directive);
    if (strcmp(key, "anonymous") == 0)
        return apr_psprintf(cmd->pool, "%s: 'anonymous' cannot be mapped",
                            cmd->directive->directive);
    if (!c->user_info_env)
        c->user_info_env = apr_array_make(cmd->pool, 4, sizeof(bbw_env_map));
    bbw_env_map *m = apr_array_push(c->user_info_env);
    m->key = apr_pstrdup(cmd->pool, key);
    m->variable = apr_pstrdup(cmd->pool, var);
    m->separator = sep ? apr_pstrdup(cmd->pool, sep) : NULL;
    return NULL;
}

static const char *set_title(cmd_parms *cmd, void *cfg, const char *arg)
{
    ((bbw_dir_conf *)cfg)->title = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_title_url(cmd_parms *cmd, void *cfg, const char *arg)
{
    ((bbw_dir_conf *)cfg)->title_url = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_ws_ping(cmd_parms *cmd, void *cfg, const char *arg)
{
    return parse_count(cmd, arg, 86400, &((bbw_dir_conf *)cfg)->ws_ping_interval);
}

const command_rec bbw_directives[] = {
    AP_INIT_TAKE1("BuildbotMaster", set_master, NULL, RSRC_CONF | ACCESS_CONF,
                  "The master's own web address on loopback, for control calls and /ws"),
    AP_INIT_TAKE1("BuildbotCookieExpirationTime", set_cookie_expiration, NULL,
                  RSRC_CONF | ACCESS_CONF, "cookie_expiration_time: session lifetime"),
    AP_INIT_TAKE1("BuildbotAuth", set_auth, NULL, RSRC_CONF | ACCESS_CONF,
                  "auth: the name the UI shows for the login (Apache does the login)"),
    AP_INIT_FLAG("BuildbotAuthAutologin", set_autologin, NULL, RSRC_CONF | ACCESS_CONF,
                 "OAuth2 autologin flag shown to the UI"),
    AP_INIT_TAKE12("BuildbotRemoteUserHeader", set_remote_user, NULL, RSRC_CONF | ACCESS_CONF,
                   "RemoteUserAuth: trusted request header and regex naming the user"),
    AP_INIT_TAKE23("BuildbotUserInfoEnv", add_user_info_env, NULL, RSRC_CONF | ACCESS_CONF,
                   "user info key from an environment variable set by an auth module"),
    AP_INIT_TAKE1("BuildbotTitle", set_title, NULL, RSRC_CONF | ACCESS_CONF,
                  "title shown by the UI"),
    AP_INIT_TAKE1("BuildbotTitleURL", set_title_url, NULL, RSRC_CONF | ACCESS_CONF,
                  "titleURL: where the title links to"),
    AP_INIT_TAKE1("BuildbotWsPingInterval", set_ws_ping, NULL, RSRC_CONF | ACCESS_CONF,
                  "ws_ping_interval, as the master is configured (shown to the UI)"),
    AP_INIT_FLAG("BuildbotResponseCache", set_response_cache, NULL, RSRC_CONF | ACCESS_CONF,
                 "Keep finished REST answers per SQLite connection while the data is unchanged"),
    AP_INIT_ITERATE("BuildbotAllowedOrigins", add_origin, NULL, RSRC_CONF | ACCESS_CONF,
                    "allowed_origins: origin glob patterns allowed to call the API"),
    AP_INIT_TAKE1("BuildbotURL", set_url, NULL, RSRC_CONF | ACCESS_CONF,
                  "The site's public base URL (Buildbot's buildbotURL / www url)"),
    AP_INIT_TAKE1("BuildbotJSONCacheSeconds", set_json_cache, NULL, RSRC_CONF | ACCESS_CONF,
                  "json_cache_seconds: Expires offset on successful REST answers (0 = off)"),
    AP_INIT_TAKE1("BuildbotRestMinimumVersion", set_rest_min, NULL, RSRC_CONF | ACCESS_CONF,
                  "rest_minimum_version: REST API versions below it are not served"),
    BBW_AUTHZ_DIRECTIVES
    BBW_LDAP_DIRECTIVES
    BBW_AVATAR_DIRECTIVES
    BBW_UI_DIRECTIVES
    BBW_BADGES_DIRECTIVES
    BBW_HOOKS_DIRECTIVES
    BBW_OAUTH2_DIRECTIVES
    { NULL }
};

const bbw_dir_conf *bbw_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &bbwww_module);
}

int bbw_conf_json_cache_seconds(const bbw_dir_conf *c)
{
    return c->json_cache_seconds > 0 ? c->json_cache_seconds : 0;
}

int bbw_conf_response_cache(const bbw_dir_conf *c)
{
    return c->response_cache != 0;
}

int bbw_conf_rest_minimum_version(const bbw_dir_conf *c)
{
    return c->rest_minimum_version > 0 ? c->rest_minimum_version : 0;
}

const char *bbw_conf_mount(request_rec *r, const bbw_dir_conf *c)
{
    /* BuildbotURL's path is where the site lives; without it, the
     * <Location> holding Buildbot directives, else the web root. */
    const char *mount = "/";
    if (c->url_mount)
        return c->url_mount;
    if (c->mount && c->mount[0] == '/')
        mount = c->mount;
    size_t n = strlen(mount);
    return n && mount[n - 1] == '/' ? mount : apr_pstrcat(r->pool, mount, "/", NULL);
}

const char *bbw_conf_buildbot_url(request_rec *r, const bbw_dir_conf *c)
{
    if (c->buildbot_url)
        return c->buildbot_url;
    /* Default: this request's own scheme, host and mount point. */
    return ap_construct_url(r->pool, bbw_conf_mount(r, c), r);
}

const apr_array_header_t *bbw_conf_allowed_origins(request_rec *r, const bbw_dir_conf *c)
{
    if (c->allowed_origins)
        return c->allowed_origins;
    apr_array_header_t *own = apr_array_make(r->pool, 1, sizeof(const char *));
    const char *origin = bbw_url_origin(r->pool, bbw_conf_buildbot_url(r, c));
    APR_ARRAY_PUSH(own, const char *) = origin ? origin : "";
    return own;
}
