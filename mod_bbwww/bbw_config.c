/* Directives. Unset is not default: values stay -1/NULL until read, so a
 * <Location> that says nothing inherits from its parent. */
#include "bbw.h"
#include "bbw_cors.h"

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

const command_rec bbw_directives[] = {
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
