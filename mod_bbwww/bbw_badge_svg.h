/* Badge images (ui-assets.md §3) without httpd: the options and their
 * validation, text measurement with FreeType, the four SVG styles of
 * Buildbot's badges plugin, and PNG rasterisation with librsvg + cairo.
 * Headers used: APR, FreeType, librsvg, cairo (and bbw_json.h's buffer). */
#ifndef BBW_BADGE_SVG_H
#define BBW_BADGE_SVG_H

#include <apr_pools.h>
#include "bbw_json.h"

/* The four built-in styles (Buildbot's templates of the same names). */
typedef enum {
    BBW_BADGE_PLASTIC,
    BBW_BADGE_FLAT,
    BBW_BADGE_FLAT_SQUARE,
    BBW_BADGE_BADGEIO
} bbw_badge_style;

/* What the right half says. The first seven are Buildbot's result codes
 * 0..6, in order; the names are the right text and color_scheme's keys. */
typedef enum {
    BBW_BADGE_SUCCESS, BBW_BADGE_WARNINGS, BBW_BADGE_FAILURE, BBW_BADGE_SKIPPED,
    BBW_BADGE_EXCEPTION, BBW_BADGE_RETRY, BBW_BADGE_CANCELLED,
    BBW_BADGE_RUNNING, BBW_BADGE_UNKNOWN,
    BBW_BADGE_NSTATES
} bbw_badge_state;

/* Bounds of the options (values outside are refused). */
#define BBW_BADGE_PAD_MAX        100
#define BBW_BADGE_RADIUS_MAX     50
#define BBW_BADGE_FONT_SIZE_MIN  4
#define BBW_BADGE_FONT_SIZE_MAX  64
#define BBW_BADGE_TEXT_MAX       100    /* code points of left_text */
#define BBW_BADGE_FONT_FACE_MAX  64     /* bytes of font_face */

/* Options; -1 / NULL = unset. Set values are validated and normalised
 * (colours get their '#', names are lower-cased). */
typedef struct {
    int left_pad, right_pad, border_radius, font_size;
    int style;                                  /* bbw_badge_style */
    const char *left_text, *left_color, *font_face;
    const char *color[BBW_BADGE_NSTATES];       /* color_scheme.<state> */
} bbw_badge_opts;

/* Every option unset. */
void bbw_badge_opts_init(bbw_badge_opts *o);

/* Set option key (left_pad, left_text, left_color, right_pad,
 * border_radius, style, font_face, font_size, color_scheme.<state>) from
 * text. Returns NULL, or a message naming the key, the value and what was
 * expected. *known (may be NULL) is 0 when key names no option; nothing is
 * set then and NULL is returned. */
const char *bbw_badge_opts_set(apr_pool_t *p, bbw_badge_opts *o, const char *key,
                               const char *value, int *known);

/* Fill every unset option of o from base (which may be NULL), then from
 * the defaults of Buildbot's plugin. */
void bbw_badge_opts_complete(bbw_badge_opts *o, const bbw_badge_opts *base);

/* The state shown for a builder's last build: none → unknown, not complete
 * → running, else its result code (anything out of 0..6, or no result at
 * all, → unknown). */
bbw_badge_state bbw_badge_state_of(int has_build, int complete, int has_results,
                                   long long results);
const char *bbw_badge_state_name(bbw_badge_state s);

/* The font file measuring font_face (DejaVu faces by name, else DejaVu Sans). */
const char *bbw_badge_font_file(const char *font_face);

/* Width in pixels of UTF-8 text in font_face at font_size: the sum of the
 * glyphs' unhinted advances, as cairo's toy text API measures it for
 * Buildbot. Advances are read once per font file and process (thread-safe).
 * Returns -1 when the font cannot be read (*error says why). */
double bbw_badge_text_width(const char *font_face, int font_size, const char *text,
                            const char **error);

/* The SVG of a badge with complete options o showing state s, appended to
 * out. Returns NULL, or an error (the font could not be read). */
const char *bbw_badge_svg(bbw_buf *out, const bbw_badge_opts *o, bbw_badge_state s);

/* Rasterise svg into a PNG of its pixel size (width and height truncated to
 * whole pixels, as CairoSVG does), in p. Returns NULL, or an error. */
const char *bbw_badge_png(apr_pool_t *p, const char *svg, apr_size_t svg_len,
                          const char **png, apr_size_t *png_len);

#endif
