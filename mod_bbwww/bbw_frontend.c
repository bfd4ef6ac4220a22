/* /config: what the UI learns about the site. Built per request from the
 * directives (the master's c['www'] keys live in Apache's configuration
 * here) plus the session's user. */
#include "bbw.h"
#include "bbw_auth.h"
#include "bbw_avatar.h"
#include "bbw_db.h"
#include "bbw_frontend.h"
#include "bbw_json.h"
#include "bbw_session.h"
#include "bbw_ui.h"
#include "bbw_ui_render.h"

#include <apr_strings.h>
#include <http_core.h>
#include <string.h>

#ifndef BBW_VERSION
#define BBW_VERSION "0.3.0"
#endif

/* alembic_version.version_num: the Buildbot schema the database holds. */
static const char *schema_version(request_rec *r)
{
    bbw_db *db = bbw_db_open(r);
    apr_array_header_t *rows = NULL;
    if (!db || bbw_db_rows(db, "SELECT version_num FROM alembic_version",
                           bbw_params(r->pool), &rows) != APR_SUCCESS || rows->nelts < 1)
        return NULL;
    const bbw_row *row = APR_ARRAY_IDX(rows, 0, const bbw_row *);
    return row->ncols > 0 ? row->val[0] : NULL;
}

static json_t *versions(request_rec *r, const bbw_dir_conf *c)
{
    /* The master lists Python, Buildbot and Twisted; what serves this site
     * is Apache and mod_bbwww, on a database of this Buildbot schema. Then
     * the site's own (BuildbotVersion), as Buildbot appends c['www']'s. */
    const char *desc = ap_get_server_banner();     /* as much as ServerTokens shows */
    const char *slash = strchr(desc, '/');
    const char *apache = slash ? apr_pstrndup(r->pool, slash + 1, strcspn(slash + 1, " ")) : "";
    json_t *list = json_pack("[[s,s],[s,s]]", "Apache", apache, "mod_bbwww", BBW_VERSION);
    const char *schema = schema_version(r);
    if (schema)
        json_array_append_new(list, json_pack("[s,s]", "Buildbot schema", schema));
    bbw_ui_add_versions(c, list);
    return list;
}

static int local_port(request_rec *r)
{
    return r->connection->local_addr ? r->connection->local_addr->port : (int)ap_get_server_port(r);
}

json_t *bbw_frontend_config(request_rec *r)
{
    const bbw_dir_conf *c = bbw_conf(r);
    json_t *cfg = json_object();
    /* Buildbot's defaults first, in its order, then the keys a site set. */
    json_object_set_new(cfg, "port", json_integer(local_port(r)));
    json_object_set_new(cfg, "plugins", bbw_ui_plugins_json(c));
    json_object_set_new(cfg, "auth", bbw_auth_descriptor(c));
    json_object_set_new(cfg, "authz", json_object());
    json_object_set_new(cfg, "avatar_methods", bbw_avatar_methods_json(c));
    json_object_set_new(cfg, "logfileName", json_string("http.log"));
    if (c->allowed_origins) {
        json_t *o = json_array();
        for (int i = 0; i < c->allowed_origins->nelts; i++)
            json_array_append_new(o, json_string(APR_ARRAY_IDX(c->allowed_origins, i,
                                                               const char *)));
        json_object_set_new(cfg, "allowed_origins", o);
    }
    if (c->json_cache_seconds >= 0)
        json_object_set_new(cfg, "json_cache_seconds", json_integer(c->json_cache_seconds));
    if (c->rest_minimum_version >= 0)
        json_object_set_new(cfg, "rest_minimum_version", json_integer(c->rest_minimum_version));
    if (c->cookie_expiration >= 0)      /* what Buildbot prints for a timedelta */
        json_object_set_new(cfg, "cookie_expiration_time",
                            json_string("'datetime.timedelta' not yet IConfigured"));
    if (c->ws_ping_interval >= 0)
        json_object_set_new(cfg, "ws_ping_interval", json_integer(c->ws_ping_interval));
    json_t *theme = bbw_ui_theme_json(c);
    if (theme)
        json_object_set_new(cfg, "theme", theme);
    if (bbw_ui_default_page(c))
        json_object_set_new(cfg, "default_page", json_string(bbw_ui_default_page(c)));
    json_t *ui_default_config = bbw_ui_default_config_json(c);
    if (ui_default_config)
        json_object_set_new(cfg, "ui_default_config", ui_default_config);
    if (bbw_ui_debug(c) >= 0)
        json_object_set_new(cfg, "debug", json_boolean(bbw_ui_debug(c)));
    json_object_set_new(cfg, "versions", versions(r, c));
    json_object_set_new(cfg, "buildbotURL", json_string(bbw_conf_buildbot_url(r, c)));
    json_object_set_new(cfg, "title", json_string(c->title ? c->title : "Buildbot"));
    json_object_set_new(cfg, "titleURL",
                        json_string(c->title_url ? c->title_url : "http://buildbot.net"));
    json_object_set_new(cfg, "multiMaster", json_false());
    json_object_set(cfg, "user", bbw_session_user(r));
    return cfg;
}

const char *bbw_frontend_config_script(request_rec *r)
{
    json_t *cfg = bbw_frontend_config(r);
    const char *json = bbw_json_dumps(r->pool, cfg, BBW_JSON_DEFAULT, 0);
    json_decref(cfg);
    return bbw_ui_script_json(r->pool, json);
}

void bbw_frontend_cache_headers(request_rec *r)
{
    /* The answer names the user: Buildbot's "public,max-age=0" would let a
     * shared cache hand one user's identity to another. */
    if (!apr_table_get(r->headers_out, "Cache-Control"))   /* no-store when a cookie goes out */
        apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
}

int bbw_frontend_config_handler(request_rec *r)
{
    if (r->method_number != M_GET) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    json_t *cfg = bbw_frontend_config(r);
    const char *body = bbw_json_dumps(r->pool, cfg, BBW_JSON_DEFAULT, 0);
    json_decref(cfg);
    ap_set_content_type(r, "application/json");
    bbw_frontend_cache_headers(r);
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}
