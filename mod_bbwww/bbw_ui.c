/* The UI (www-config.md §5): the index page rendered with the frontend
 * config (and theme) the way the master renders Buildbot's own, and the
 * UI's static files.
 *
 * Three kinds of UI directory:
 * - BuildbotUI DIR: mod_bbwww's app (htdocs/); its index.html is read per
 *   request and filled through the placeholders (contract: the 4.x markers).
 *   Unset: the installed htdocs when present, else no UI here.
 * - BuildbotOfficialUI DIR with a 4.x React index.html (placeholders), read
 *   once at startup as the master does.
 * - BuildbotOfficialUI DIR with a 3.x AngularJS index.html (a Jinja
 *   template), parsed at startup; custom templates read at startup too. */
#include "bbw.h"
#include "bbw_frontend.h"
#include "bbw_json.h"
#include "bbw_ui.h"
#include "bbw_ui_render.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <http_core.h>
#include <string.h>

#ifndef BBW_HTDOCS_DIR
#define BBW_HTDOCS_DIR "/usr/share/mod_bbwww/htdocs"
#endif

typedef enum { UI_NONE, UI_APP, UI_OFFICIAL3, UI_OFFICIAL4 } ui_kind;

static apr_status_t release_json(void *data);

struct bbw_ui_conf {
    int app_set;                    /* BuildbotUI given: app_dir or NULL (off) */
    const char *app_dir;
    const char *official_dir;       /* BuildbotOfficialUI */
    ui_kind official_kind;
    const char *official_index;     /* its index.html, read at startup */
    apr_size_t official_len;
    bbw_ui_jinja *jinja;            /* 3.x: the parsed template */
    const char *custom_templates;   /* 3.x: custom_templates|tojson */
    const char *theme[BBW_THEME_NVARS];
    json_t *theme_json;             /* as set, for the frontend config */
    const char *default_page;
    json_t *default_config;         /* ui_default_config */
    json_t *plugins;
    json_t *versions;
    int debug;                      /* -1 = unset */
};

/* Field by field, the child's setting when it has one: a <Location> that
 * sets only BuildbotTheme keeps its server's BuildbotUI. */
bbw_ui_conf *bbw_ui_merge_conf(apr_pool_t *p, const bbw_ui_conf *base, const bbw_ui_conf *add)
{
    if (!base || !add)
        return (bbw_ui_conf *)(add ? add : base);
    bbw_ui_conf *c = apr_pmemdup(p, add, sizeof *c);
    if (!add->app_set) {
        c->app_set = base->app_set;
        c->app_dir = base->app_dir;
    }
    if (!add->official_dir) {
        c->official_dir = base->official_dir;
        c->official_kind = base->official_kind;
        c->official_index = base->official_index;
        c->official_len = base->official_len;
        c->jinja = base->jinja;
    }
    if (!add->custom_templates)
        c->custom_templates = base->custom_templates;
    for (int i = 0; i < BBW_THEME_NVARS; i++)
        if (!add->theme[i])
            c->theme[i] = base->theme[i];
    if (!add->theme_json)
        c->theme_json = base->theme_json;
    else if (base->theme_json) {        /* the parent's variables, then the child's */
        c->theme_json = json_deep_copy(base->theme_json);
        json_object_update(c->theme_json, add->theme_json);
        apr_pool_cleanup_register(p, c->theme_json, release_json, apr_pool_cleanup_null);
    }
    if (!add->default_page)
        c->default_page = base->default_page;
    if (!add->default_config)
        c->default_config = base->default_config;
    if (!add->plugins)
        c->plugins = base->plugins;
    if (!add->versions)
        c->versions = base->versions;
    if (add->debug < 0)
        c->debug = base->debug;
    return c;
}

/* --------------------------------------------------- frontend config keys */

json_t *bbw_ui_plugins_json(const bbw_dir_conf *c)
{
    return c->ui && c->ui->plugins ? json_deep_copy(c->ui->plugins) : json_object();
}

json_t *bbw_ui_theme_json(const bbw_dir_conf *c)
{
    return c->ui && c->ui->theme_json ? json_deep_copy(c->ui->theme_json) : NULL;
}

const char *bbw_ui_default_page(const bbw_dir_conf *c)
{
    return c->ui ? c->ui->default_page : NULL;
}

json_t *bbw_ui_default_config_json(const bbw_dir_conf *c)
{
    return c->ui && c->ui->default_config ? json_deep_copy(c->ui->default_config) : NULL;
}

int bbw_ui_debug(const bbw_dir_conf *c)
{
    return c->ui ? c->ui->debug : -1;
}

void bbw_ui_add_versions(const bbw_dir_conf *c, json_t *versions)
{
    if (!c->ui || !c->ui->versions)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(c->ui->versions, i, v)
        json_array_append_new(versions, json_deep_copy(v));
}

/* ------------------------------------------------------------- responses */

static int send_not_found(request_rec *r)
{
    static const char page[] =
        "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n"
        "  <body>\n    <h1>No Such Resource</h1>\n"
        "    <p>No such child resource.</p>\n  </body>\n</html>\n";
    r->status = HTTP_NOT_FOUND;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, sizeof page - 1);
    if (!r->header_only)
        ap_rwrite(page, sizeof page - 1, r);
    return OK;
}

static int send_page(request_rec *r, const bbw_buf *page)
{
    ap_set_content_type(r, "text/html");
    bbw_frontend_cache_headers(r);
    ap_set_content_length(r, (apr_off_t)page->len);
    if (!r->header_only)
        ap_rwrite(page->data, (int)page->len, r);
    return OK;
}

/* ------------------------------------------------------------- the index */

static const char *read_file(apr_pool_t *p, const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p) != APR_SUCCESS)
        return NULL;
    char *buf = NULL;
    apr_size_t got = 0;
    if (apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f) == APR_SUCCESS &&
        fi.filetype == APR_REG) {
        buf = apr_palloc(p, (apr_size_t)fi.size + 1);
        if (fi.size && apr_file_read_full(f, buf, (apr_size_t)fi.size, &got) != APR_SUCCESS)
            buf = NULL;
    }
    apr_file_close(f);
    if (buf) {
        buf[got] = '\0';
        *len = got;
    }
    return buf;
}

static const char *theme_css(request_rec *r, const bbw_ui_conf *ui)
{
    return bbw_theme_css(r->pool, ui ? ui->theme : NULL);
}

static int serve_index(request_rec *r, const bbw_ui_conf *ui, ui_kind kind, const char *dir)
{
    const char *page = NULL;
    apr_size_t len = 0;
    bbw_buf out;
    if (kind == UI_APP) {
        page = read_file(r->pool, apr_pstrcat(r->pool, dir, "/index.html", NULL), &len);
        if (!page) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00160)
                          "ui: cannot read %s/index.html", dir);
            return send_not_found(r);
        }
    }
    const char *json = bbw_frontend_config_script(r);
    if (kind == UI_OFFICIAL3) {
        apr_array_header_t *plugins = apr_array_make(r->pool, 4, sizeof(const char *));
        const char *key;
        json_t *v;
        if (ui->plugins)
            json_object_foreach(ui->plugins, key, v)
                APR_ARRAY_PUSH(plugins, const char *) = key;
        bbw_buf_init(&out, r->pool, 8192 + strlen(json));
        bbw_ui_jinja_render(&out, ui->jinja, ui->custom_templates ? ui->custom_templates : "{}",
                            json, plugins);
        return send_page(r, &out);
    }
    if (kind == UI_OFFICIAL4) {
        page = ui->official_index;
        len = ui->official_len;
    }
    bbw_buf_init(&out, r->pool, len + strlen(json) + 1024);
    bbw_ui_fill_placeholders(&out, page, len, json, theme_css(r, ui));
    return send_page(r, &out);
}

/* ---------------------------------------------------------- static files */

static const struct { const char *ext, *type; } content_types[] = {
    { "html", "text/html; charset=utf-8" },
    { "js", "text/javascript; charset=utf-8" },
    { "mjs", "text/javascript; charset=utf-8" },
    { "css", "text/css; charset=utf-8" },
    { "json", "application/json" },
    { "map", "application/json" },
    { "svg", "image/svg+xml" },
    { "png", "image/png" },
    { "ico", "image/x-icon" },
    { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" },
    { "gif", "image/gif" },
    { "webp", "image/webp" },
    { "woff", "font/woff" },
    { "woff2", "font/woff2" },
    { "ttf", "font/ttf" },
    { "eot", "application/vnd.ms-fontobject" },
    { "txt", "text/plain; charset=utf-8" },
    { "md", "text/plain; charset=utf-8" },
};

static const char *content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

/* The decoded path below the UI directory, or NULL when it may not be
 * served: empty segments, ".", "..", dotfiles, %2F, NUL, backslashes. */
static const char *safe_path(request_rec *r, const char *rel)
{
    char *path = apr_pstrdup(r->pool, rel);
    if (ap_unescape_url(path) != OK || !*path || strchr(path, '\\'))
        return NULL;
    for (const char *seg = path; ; ) {
        if (*seg == '.' || *seg == '/' || *seg == '\0')
            return NULL;                /* dot segment, dotfile or empty segment */
        const char *slash = strchr(seg, '/');
        if (!slash)
            break;
        seg = slash + 1;
    }
    return path;
}

static int serve_file(request_rec *r, const char *dir, const char *rel)
{
    const char *sub = safe_path(r, rel);
    if (!sub)
        return send_not_found(r);
    const char *path = apr_pstrcat(r->pool, dir, "/", sub, NULL);
    apr_finfo_t fi;
    apr_file_t *f;
    /* stat first: opening a FIFO would block. */
    if (apr_stat(&fi, path, APR_FINFO_TYPE, r->pool) != APR_SUCCESS || fi.filetype != APR_REG)
        return send_not_found(r);
    if (apr_file_open(&f, path, APR_READ | APR_BINARY | APR_SENDFILE_ENABLED, 0, r->pool)
        != APR_SUCCESS)
        return send_not_found(r);
    if (apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_SIZE | APR_FINFO_MTIME, f)
        != APR_SUCCESS || fi.filetype != APR_REG) {
        apr_file_close(f);
        return send_not_found(r);
    }
    ap_set_content_type(r, content_type(sub));
    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"%" APR_UINT64_T_HEX_FMT "-%" APR_UINT64_T_HEX_FMT "\"",
                                (apr_uint64_t)fi.size, (apr_uint64_t)fi.mtime));
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_update_mtime(r, fi.mtime);
    ap_set_last_modified(r);
    int cond = ap_meets_conditions(r);
    if (cond != OK) {
        apr_file_close(f);
        return cond;
    }
    ap_set_content_length(r, fi.size);
    if (!r->header_only && fi.size > 0) {
        apr_size_t sent = 0;
        apr_status_t rv = ap_send_fd(f, r, 0, (apr_size_t)fi.size, &sent);
        if (rv != APR_SUCCESS)
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, BBWLOGNO(00161)
                          "ui: sending %s stopped after %" APR_SIZE_T_FMT " bytes", path, sent);
    }
    apr_file_close(f);
    return OK;
}

/* ------------------------------------------------------------- dispatch */

static ui_kind site_kind(request_rec *r, const bbw_ui_conf *ui, const char **dir)
{
    apr_finfo_t fi;
    if (ui && ui->official_dir) {
        *dir = ui->official_dir;
        return ui->official_kind;
    }
    if (ui && ui->app_set) {
        *dir = ui->app_dir;
        return ui->app_dir ? UI_APP : UI_NONE;
    }
    *dir = BBW_HTDOCS_DIR;          /* installed by `make install` */
    if (apr_stat(&fi, BBW_HTDOCS_DIR "/index.html", APR_FINFO_TYPE, r->pool) == APR_SUCCESS &&
        fi.filetype == APR_REG)
        return UI_APP;
    return UI_NONE;
}

int bbw_ui_handler(request_rec *r, const char *rel)
{
    const bbw_ui_conf *ui = bbw_conf(r)->ui;
    const char *dir;
    ui_kind kind = site_kind(r, ui, &dir);
    if (kind == UI_NONE)
        return DECLINED;
    if (r->method_number != M_GET) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);    /* the 405's Allow */
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (*rel == '\0') {
        /* "/ci" for a site at "/ci/": relative URLs need the slash. The raw
         * request path, as mod_bbwww.c matched it (mod_dir may have
         * rewritten r->uri). */
        const char *raw = r->unparsed_uri ? r->unparsed_uri : r->uri;
        const char *scheme = strstr(raw, "://");
        if (raw[0] != '/' && scheme)
            raw = strchr(scheme + 3, '/') ? strchr(scheme + 3, '/') : "/";
        size_t plen = strcspn(raw, "?#");
        if (plen == 0 || raw[plen - 1] != '/') {
            apr_table_setn(r->headers_out, "Location",
                           apr_pstrcat(r->pool, apr_pstrmemdup(r->pool, raw, plen), "/",
                                       r->args ? "?" : "", r->args ? r->args : "", NULL));
            return HTTP_MOVED_PERMANENTLY;
        }
    }
    if (*rel == '\0' || strcmp(rel, "index.html") == 0)
        return serve_index(r, ui, kind, dir);
    return serve_file(r, dir, rel);
}

/* ------------------------------------------------------------ directives */

static apr_status_t release_json(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

/* A JSON value living as long as the configuration. */
static json_t *keep(cmd_parms *cmd, json_t *v)
{
    apr_pool_cleanup_register(cmd->pool, v, release_json, apr_pool_cleanup_null);
    return v;
}

static bbw_ui_conf *ui_conf(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *c = cfg;
    if (!c->ui) {
        c->ui = apr_pcalloc(cmd->pool, sizeof *c->ui);
        c->ui->debug = -1;
    }
    return c->ui;
}

static const char *directory(cmd_parms *cmd, const char *arg, const char **out)
{
    apr_finfo_t fi;
    const char *dir = ap_server_root_relative(cmd->pool, arg);
    if (!dir || apr_stat(&fi, dir, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
        fi.filetype != APR_DIR)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a directory",
                            cmd->directive->directive, arg);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    *out = apr_pstrmemdup(cmd->pool, dir, n);
    return NULL;
}

const char *bbw_ui_set_app(cmd_parms *cmd, void *cfg, const char *arg)
{
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    ui->app_set = 1;
    if (strcasecmp(arg, "off") == 0) {
        ui->app_dir = NULL;
        return NULL;
    }
    return directory(cmd, arg, &ui->app_dir);
}

const char *bbw_ui_set_official(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *name = cmd->directive->directive, *dir, *err;
    if ((err = directory(cmd, arg, &dir)))
        return err;
    apr_size_t len;
    const char *page = read_file(cmd->pool, apr_pstrcat(cmd->pool, dir, "/index.html", NULL), &len);
    if (!page)
        return apr_psprintf(cmd->pool, "%s: cannot read %s/index.html", name, dir);
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    ui->official_dir = dir;
    ui->official_index = page;
    ui->official_len = len;
    if (strstr(page, BBW_UI_CONFIG_PLACEHOLDER)) {
        ui->official_kind = UI_OFFICIAL4;
        return NULL;
    }
    if (!bbw_ui_is_jinja(page, len))
        return apr_psprintf(cmd->pool, "%s: %s/index.html has neither Buildbot 4.x's "
                            "config placeholder nor 3.x's Jinja expressions", name, dir);
    if ((err = bbw_ui_jinja_parse(cmd->pool, page, len, &ui->jinja)))
        return apr_psprintf(cmd->pool, "%s: %s/%s", name, dir, err);
    ui->official_kind = UI_OFFICIAL3;
    return NULL;
}

const char *bbw_ui_set_custom_templates(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *dir, *err;
    int jade = 0;
    if ((err = directory(cmd, arg, &dir)))
        return err;
    json_t *templates = bbw_ui_custom_templates(cmd->temp_pool, dir, &jade, &err);
    if (!templates)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->directive->directive, err);
    if (jade)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, cmd->server, BBWLOGNO(00162)
                     "%s: ignoring .jade files from %s (no pug compiler; use .html)",
                     cmd->directive->directive, dir);
    ui_conf(cmd, cfg)->custom_templates = bbw_ui_jinja_tojson(cmd->pool, templates);
    json_decref(templates);
    return NULL;
}

const char *bbw_ui_set_theme(cmd_parms *cmd, void *cfg, const char *var, const char *value)
{
    const char *name = cmd->directive->directive;
    int i = bbw_theme_index(var);
    if (i < 0)
        return apr_psprintf(cmd->pool, "%s: unknown theme variable '%s' (expected one of "
                            "bb-sidebar-background-color ... bb-sidebar-stripe-current-color)",
                            name, var);
    const char *why = bbw_theme_value_error(value);
    if (why)
        return apr_psprintf(cmd->pool, "%s %s: '%s': %s", name, var, value, why);
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    ui->theme[i] = apr_pstrdup(cmd->pool, value);
    if (!ui->theme_json)
        ui->theme_json = keep(cmd, json_object());
    json_object_set_new(ui->theme_json, var, json_string(value));
    return NULL;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

const char *bbw_ui_set_default_page(cmd_parms *cmd, void *cfg, const char *arg)
{
    json_t *utf8 = json_string(arg);
    json_decref(utf8);
    if (!*arg || has_control(arg) || !utf8)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a page name",
                            cmd->directive->directive, arg);
    ui_conf(cmd, cfg)->default_page = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static json_t *parse_json(cmd_parms *cmd, const char *text, const char **error)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v)
        *error = apr_psprintf(cmd->pool, "%s: '%s' is not JSON (%s)",
                              cmd->directive->directive, text, jerr.text);
    return v;
}

const char *bbw_ui_set_default_config(cmd_parms *cmd, void *cfg, const char *key, const char *json)
{
    const char *err = NULL;
    if (!*key || has_control(key))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a setting name",
                            cmd->directive->directive, key);
    json_t *v = parse_json(cmd, json, &err);
    if (!v)
        return err;
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    if (!ui->default_config)
        ui->default_config = keep(cmd, json_object());
    json_object_set_new(ui->default_config, key, v);
    return NULL;
}

const char *bbw_ui_set_version(cmd_parms *cmd, void *cfg, const char *name, const char *version)
{
    json_t *entry = json_pack("[s,s]", name, version);
    if (!entry)
        return apr_psprintf(cmd->pool, "%s: '%s' '%s' must be UTF-8 text",
                            cmd->directive->directive, name, version);
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    if (!ui->versions)
        ui->versions = keep(cmd, json_array());
    json_array_append_new(ui->versions, entry);
    return NULL;
}

const char *bbw_ui_set_plugin(cmd_parms *cmd, void *cfg, const char *name, const char *json)
{
    const char *err = NULL;
    int ok = (*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') || *name == '_';
    for (const char *s = name; *s && ok; s++)
        ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
             (*s >= '0' && *s <= '9') || *s == '_';
    if (!ok)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a plugin name (letters, digits, '_')",
                            cmd->directive->directive, name);
    json_t *v = json ? parse_json(cmd, json, &err) : json_true();
    if (!v)
        return err;
    bbw_ui_conf *ui = ui_conf(cmd, cfg);
    if (!ui->plugins)
        ui->plugins = keep(cmd, json_object());
    json_object_set_new(ui->plugins, name, v);
    return NULL;
}

const char *bbw_ui_set_debug(cmd_parms *cmd, void *cfg, int on)
{
    ui_conf(cmd, cfg)->debug = on;
    return NULL;
}
