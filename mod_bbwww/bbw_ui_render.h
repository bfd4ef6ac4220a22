/* The UI page's pieces that need no request: theme values and their CSS,
 * the placeholders of the app's (and Buildbot 4.x's) index.html, the few
 * Jinja constructs of Buildbot 3.x's index.html, and the custom templates
 * directory (www-config.md §5). Pure: APR + Jansson only. */
#ifndef BBW_UI_RENDER_H
#define BBW_UI_RENDER_H

#include "bbw_json.h"
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* ------------------------------------------------------------------ theme */

#define BBW_THEME_NVARS 12
#define BBW_THEME_MAX_VALUE 100

/* The 12 variables of Buildbot 4.x's theme, in its order, with defaults. */
extern const char *const bbw_theme_names[BBW_THEME_NVARS];
extern const char *const bbw_theme_defaults[BBW_THEME_NVARS];

/* Index of a variable name (without "--"), or -1. */
int bbw_theme_index(const char *name);

/* NULL when value is a plain CSS value that cannot leave its declaration
 * (a color: #hex, rgb(), rgba(), hsl(), hsla() or a name; a length or
 * number; a keyword; several of these separated by spaces); else why not. */
const char *bbw_theme_value_error(const char *value);

/* The <style> block that replaces the theme markers (www-config.md §5.3);
 * values[i] NULL = the default. */
const char *bbw_theme_css(apr_pool_t *p, const char *const values[BBW_THEME_NVARS]);

/* --------------------------------------------------------- index.html */

#define BBW_UI_CONFIG_PLACEHOLDER " <!-- BUILDBOT_CONFIG_PLACEHOLDER -->"
#define BBW_UI_THEME_BEGIN "<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_BEGIN -->"
#define BBW_UI_THEME_END "<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_END -->"

/* json made safe inside a <script> element: "</" → "<\/", "<!--" →
 * "\u003c!--", U+2028/U+2029 → \u2028/\u2029. Still the same JSON value. */
const char *bbw_ui_script_json(apr_pool_t *p, const char *json);

/* The placeholder page filled as Buildbot 4.x fills it: every config
 * placeholder replaced by the <script id="bb-config"> element carrying
 * script_json (already made safe), then, when css is not NULL, the text from
 * the first theme BEGIN marker to the first END marker replaced by css. */
void bbw_ui_fill_placeholders(bbw_buf *out, const char *page, apr_size_t len,
                              const char *script_json, const char *css);

/* Buildbot 3.x's index.html: a Jinja template using exactly
 *   {{ custom_templates | tojson }}   {{configjson|safe}}
 *   {% for app in config.plugins -%} ... {{app}} ... {% endfor %}
 * (and Jinja comments and whitespace control). */
typedef struct bbw_ui_jinja bbw_ui_jinja;

/* Does the page look like a Jinja template? */
int bbw_ui_is_jinja(const char *page, apr_size_t len);

/* Parse; NULL on success, else the reason (unsupported construct...). */
const char *bbw_ui_jinja_parse(apr_pool_t *p, const char *page, apr_size_t len,
                               bbw_ui_jinja **out);

/* Render with Jinja's semantics for these constructs (no autoescape):
 * templates_json is custom_templates|tojson, configjson the frontend JSON,
 * plugins the keys of config.plugins in order. */
void bbw_ui_jinja_render(bbw_buf *out, const bbw_ui_jinja *t,
                         const char *templates_json, const char *configjson,
                         const apr_array_header_t *plugins /* const char * */);

/* Jinja's tojson filter: json.dumps(sort_keys=True) with <, >, &, '
 * written \u003c, \u003e, \u0026, \u0027. */
const char *bbw_ui_jinja_tojson(apr_pool_t *p, const json_t *v);

/* custom_templates_dir (www-config.md §5.2): X.html directly in dir →
 * "views/X.html", in any subdirectory D (last component) → "D/views/X.html";
 * value = the file's text, whitespace-stripped as Python's str.strip().
 * .jade files are ignored (no pug compiler here): *jade_seen is set.
 * New reference, or NULL with *error set. */
json_t *bbw_ui_custom_templates(apr_pool_t *p, const char *dir, int *jade_seen,
                                const char **error);

#endif
