/* mod_bbwww: Buildbot's web server as an Apache httpd module.
 * This file is the table of contents: configuration, hooks, and which file
 * handles what. */
#define BBW_MODULE_MAIN
#include "bbw.h"
#include "bbw_auth.h"
#include "bbw_avatar.h"
#include "bbw_badges.h"
#include "bbw_control.h"
#include "bbw_frontend.h"
#include "bbw_hooks.h"
#include "bbw_session.h"
#include "bbw_ui.h"
#include "bbw_views.h"

#include <apr_strings.h>
#include <http_core.h>
#include <string.h>


/* The raw path below the mount point, without its leading '/'. The raw
 * request line is used so that empty segments ("//") reach the REST
 * matcher as Buildbot sees them. */
static const char *relative_path(request_rec *r)
{
    const char *mount = bbw_conf_mount(r, bbw_conf(r));
    const char *raw = r->unparsed_uri ? r->unparsed_uri : r->uri;
    const char *scheme = strstr(raw, "://");
    if (raw[0] != '/' && scheme)                /* absolute-form request */
        raw = strchr(scheme + 3, '/') ? strchr(scheme + 3, '/') : "/";
    size_t plen = strcspn(raw, "?#");
    size_t mlen = strlen(mount);
    const char *path = apr_pstrmemdup(r->pool, raw, plen);
    if (plen + 1 == mlen && strncmp(path, mount, plen) == 0)
        return "";                              /* "/ci" for mount "/ci/" */
    if (strncmp(path, mount, mlen) != 0)
        return NULL;
    return path + mlen;
}

static int index_page(request_rec *r)
{
    static const char page[] =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Buildbot</title></head>\n"
        "<body><h1>Buildbot</h1><p>served by mod_bbwww</p><ul>\n"
        "<li><a href=\"api/v2/builders\">builders</a></li>\n"
        "<li><a href=\"api/v2/builds?order=-buildid&amp;limit=50\">latest builds</a></li>\n"
        "<li><a href=\"api/v2/workers\">workers</a></li>\n"
        "<li><a href=\"api/v2/changes?order=-changeid&amp;limit=50\">changes</a></li>\n"
        "<li><a href=\"api/v2/buildrequests?complete=false\">pending build requests</a></li>\n"
        "<li><a href=\"api/v2/masters\">masters</a></li>\n"
        "<li><a href=\"api\">API versions</a></li>\n"
        "<li><a href=\"config\">this site's configuration and who you are</a></li>\n"
        "<li><a href=\"auth/login\">log in</a> / <a href=\"auth/logout\">log out</a></li>\n"
        "</ul></body></html>\n";
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, sizeof page - 1);
    if (!r->header_only)
        ap_rwrite(page, sizeof page - 1, r);
    return OK;
}

static int bbw_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, "bbwww") != 0)
        return DECLINED;
    const char *rel = relative_path(r);
    if (!rel)
        return DECLINED;
    if (strcmp(rel, "api") == 0 || strncmp(rel, "api/", 4) == 0)
        return bbw_rest_handler(r, rel);
    if (strcmp(rel, "config") == 0)
        return bbw_frontend_config_handler(r);
    if (strcmp(rel, "auth") == 0 || strncmp(rel, "auth/", 5) == 0)
        return bbw_auth_handler(r, rel[4] ? rel + 5 : NULL);
    if (strcmp(rel, "avatar") == 0)
        return bbw_avatar_handler(r);
    if (strcmp(rel, "change_hook") == 0 || strncmp(rel, "change_hook/", 12) == 0)
        return bbw_hooks_handler(r, rel);
    if (strcmp(rel, "ws") == 0)
        return bbw_control_ws(r);
    if (strncmp(rel, "plugins/badges/", 15) == 0)
        return bbw_badges_handler(r, rel + 15);
    if (strncmp(rel, "badges/", 7) == 0)
        return bbw_badges_handler(r, rel + 7);
    if (strncmp(rel, "views/", 6) == 0)
        return bbw_views_handler(r, rel + 6);
    int ui = bbw_ui_handler(r, rel);
    if (ui != DECLINED)
        return ui;
    if (*rel == '\0' && (r->method_number == M_GET)) {
        /* "/ci" for a site at "/ci/": relative links need the slash. The
         * request line counts (mod_dir may have rewritten r->uri). */
        const char *raw = r->unparsed_uri ? r->unparsed_uri : r->uri;
        size_t n = strcspn(raw, "?#");
        if (!n || raw[n - 1] != '/') {
            apr_table_setn(r->headers_out, "Location",
                           ap_construct_url(r->pool, bbw_conf_mount(r, bbw_conf(r)), r));
            return HTTP_MOVED_PERMANENTLY;
        }
        return index_page(r);
    }
    return DECLINED;
}

static void bbw_child_init(apr_pool_t *p, server_rec *s)
{
    bbw_session_child_init(p);
}

static void bbw_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(bbw_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(bbw_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    bbw_control_register(p);
    bbw_hooks_register(p);
}

AP_DECLARE_MODULE(bbwww) = {
    STANDARD20_MODULE_STUFF,
    bbw_create_dir_conf,
    bbw_merge_dir_conf,
    NULL,
    NULL,
    bbw_directives,
    bbw_register_hooks,
    AP_MODULE_FLAG_NONE
};
