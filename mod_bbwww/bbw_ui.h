/* The UI: index.html with the frontend config and theme injected, the
 * app's static files (BuildbotUI) or the official Buildbot UI
 * (BuildbotOfficialUI, 3.x AngularJS or 4.x React), and the frontend
 * config keys that come from UI directives (www-config.md §3–5). */
#ifndef BBW_UI_H
#define BBW_UI_H
#include "bbw.h"
#include <jansson.h>

/* GET/HEAD of rel ("" = the index page); DECLINED when no UI is
 * configured (the module's plain index page then answers ""). */
int bbw_ui_handler(request_rec *r, const char *rel);

/* For bbw_merge_dir_conf: the child's UI directives over the parent's,
 * field by field (either may be NULL). */
bbw_ui_conf *bbw_ui_merge_conf(apr_pool_t *p, const bbw_ui_conf *base, const bbw_ui_conf *add);

/* Frontend config keys (bbw_frontend.c). New references. */
json_t *bbw_ui_plugins_json(const bbw_dir_conf *c);         /* {} when none */
json_t *bbw_ui_theme_json(const bbw_dir_conf *c);           /* NULL when unset */
const char *bbw_ui_default_page(const bbw_dir_conf *c);     /* NULL when unset */
json_t *bbw_ui_default_config_json(const bbw_dir_conf *c);  /* NULL when unset */
int bbw_ui_debug(const bbw_dir_conf *c);                    /* -1 when unset */
/* Appends the BuildbotVersion entries to versions. */
void bbw_ui_add_versions(const bbw_dir_conf *c, json_t *versions);

/* Directive handlers, for the command table below. */
const char *bbw_ui_set_app(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ui_set_official(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ui_set_custom_templates(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ui_set_theme(cmd_parms *cmd, void *cfg, const char *var, const char *value);
const char *bbw_ui_set_default_page(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ui_set_default_config(cmd_parms *cmd, void *cfg, const char *key, const char *json);
const char *bbw_ui_set_version(cmd_parms *cmd, void *cfg, const char *name, const char *version);
const char *bbw_ui_set_plugin(cmd_parms *cmd, void *cfg, const char *name, const char *json);
const char *bbw_ui_set_debug(cmd_parms *cmd, void *cfg, int on);

/* Spliced into bbw_config.c's command table (each entry ends with a comma). */
#define BBW_UI_DIRECTIVES                                                               \
    AP_INIT_TAKE1("BuildbotUI", bbw_ui_set_app, NULL, RSRC_CONF | ACCESS_CONF,          \
                  "directory of mod_bbwww's UI app, or 'off' (default: the installed "  \
                  "htdocs when present)"),                                              \
    AP_INIT_TAKE1("BuildbotOfficialUI", bbw_ui_set_official, NULL,                      \
                  RSRC_CONF | ACCESS_CONF,                                              \
                  "static directory of Buildbot's own UI (buildbot-www 3.x or 4.x)"),   \
    AP_INIT_TAKE1("BuildbotCustomTemplatesDir", bbw_ui_set_custom_templates, NULL,      \
                  RSRC_CONF | ACCESS_CONF,                                              \
                  "custom_templates_dir for the 3.x official UI"),                      \
    AP_INIT_TAKE2("BuildbotTheme", bbw_ui_set_theme, NULL, RSRC_CONF | ACCESS_CONF,     \
                  "theme: one of the 12 bb-sidebar-* variables and a CSS value"),       \
    AP_INIT_TAKE1("BuildbotDefaultPage", bbw_ui_set_default_page, NULL,                 \
                  RSRC_CONF | ACCESS_CONF, "default_page: the UI's start route"),        \
    AP_INIT_TAKE2("BuildbotUIDefaultConfig", bbw_ui_set_default_config, NULL,           \
                  RSRC_CONF | ACCESS_CONF,                                              \
                  "ui_default_config: a setting name and its JSON value"),              \
    AP_INIT_TAKE2("BuildbotVersion", bbw_ui_set_version, NULL, RSRC_CONF | ACCESS_CONF, \
                  "versions: a NAME VERSION pair shown in the UI's about page"),        \
    AP_INIT_TAKE12("BuildbotPlugin", bbw_ui_set_plugin, NULL, RSRC_CONF | ACCESS_CONF,  \
                   "plugins: a UI plugin name and its JSON configuration (true)"),      \
    AP_INIT_FLAG("BuildbotDebug", bbw_ui_set_debug, NULL, RSRC_CONF | ACCESS_CONF,      \
                 "debug: echoed to the UI"),

#endif
