/* Badges: /plugins/badges/<builder>.svg|png (and 3.7's /badges/...), the
 * results of a builder's last build as Buildbot's badges plugin draws them
 * (ui-assets.md §3). The drawing itself is bbw_badge_svg.c. */
#ifndef BBW_BADGES_H
#define BBW_BADGES_H
#include "bbw.h"

/* BuildbotBadges KEY VALUE | Off | On. */
const char *bbw_badges_cmd(cmd_parms *cmd, void *cfg, const char *key, const char *value);

/* Spliced into bbw_config.c's command table (each entry ends with a comma). */
#define BBW_BADGES_DIRECTIVES                                                           \
    AP_INIT_TAKE12("BuildbotBadges", bbw_badges_cmd, NULL, RSRC_CONF | ACCESS_CONF,     \
                   "badges plugin option: KEY VALUE with KEY one of left_pad, "         \
                   "left_text, left_color, right_pad, border_radius, style, "           \
                   "font_face, font_size, color_scheme.<result>; or Off / On"),

/* rest: what follows "plugins/badges/" or "badges/". GET/HEAD; other
 * methods → 405; a path that names no badge → 404. */
int bbw_badges_handler(request_rec *r, const char *rest);

bbw_badges_conf *bbw_badges_merge_conf(apr_pool_t *p, const bbw_badges_conf *base,
                                       const bbw_badges_conf *add);

#endif
