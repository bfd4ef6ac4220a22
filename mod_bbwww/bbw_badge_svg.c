/* Badge images: options, FreeType text widths, SVG styles, PNG.
 * The SVG text follows the layout of Buildbot 3.7's four templates
 * (ui-assets.md §3) so that default badges come out byte for byte as the
 * plugin's; numbers are written as Python writes floats. */
#include "bbw_badge_svg.h"

#include <apr_strings.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_ADVANCES_H

#include <cairo.h>
#include <librsvg/rsvg.h>

#ifndef BBW_BADGE_FONT_DIR
#define BBW_BADGE_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

/* ------------------------------------------------------------- options */

static const char *const state_names[BBW_BADGE_NSTATES] = {
    "success", "warnings", "failure", "skipped", "exception", "retry", "cancelled",
    "running", "unknown"
};

/* Buildbot's default colour scheme. "skipped" is "a4a61d" there, which is
 * no colour at all: it gets its '#' here. "cancelled" has none: grey. */
static const char *const default_colors[BBW_BADGE_NSTATES] = {
    "#4c1", "#dfb317", "#e05d44", "#a4a61d", "#007ec6", "#007ec6", NULL,
    "#007ec6", "#9f9f9f"
};
#define FALLBACK_COLOR "#9f9f9f"

static const char *const style_names[] = { "plastic", "flat", "flat-square", "badgeio" };

/* CSS named colours (sorted: looked up with bsearch). */
static const char *const color_names[] = {
    "aliceblue", "antiquewhite", "aqua", "aquamarine", "azure", "beige", "bisque", "black",
    "blanchedalmond", "blue", "blueviolet", "brown", "burlywood", "cadetblue", "chartreuse",
    "chocolate", "coral", "cornflowerblue", "cornsilk", "crimson", "cyan", "darkblue",
    "darkcyan", "darkgoldenrod", "darkgray", "darkgreen", "darkgrey", "darkkhaki",
    "darkmagenta", "darkolivegreen", "darkorange", "darkorchid", "darkred", "darksalmon",
    "darkseagreen", "darkslateblue", "darkslategray", "darkslategrey", "darkturquoise",
    "darkviolet", "deeppink", "deepskyblue", "dimgray", "dimgrey", "dodgerblue", "firebrick",
    "floralwhite", "forestgreen", "fuchsia", "gainsboro", "ghostwhite", "gold", "goldenrod",
    "gray", "green", "greenyellow", "grey", "honeydew", "hotpink", "indianred", "indigo",
    "ivory", "khaki", "lavender", "lavenderblush", "lawngreen", "lemonchiffon", "lightblue",
    "lightcoral", "lightcyan", "lightgoldenrodyellow", "lightgray", "lightgreen", "lightgrey",
    "lightpink", "lightsalmon", "lightseagreen", "lightskyblue", "lightslategray",
    "lightslategrey", "lightsteelblue", "lightyellow", "lime", "limegreen", "linen",
    "magenta", "maroon", "mediumaquamarine", "mediumblue", "mediumorchid", "mediumpurple",
    "mediumseagreen", "mediumslateblue", "mediumspringgreen", "mediumturquoise",
    "mediumvioletred", "midnightblue", "mintcream", "mistyrose", "moccasin", "navajowhite",
    "navy", "oldlace", "olive", "olivedrab", "orange", "orangered", "orchid", "palegoldenrod",
    "palegreen", "paleturquoise", "palevioletred", "papayawhip", "peachpuff", "peru", "pink",
    "plum", "powderblue", "purple", "rebeccapurple", "red", "rosybrown", "royalblue",
    "saddlebrown", "salmon", "sandybrown", "seagreen", "seashell", "sienna", "silver",
    "skyblue", "slateblue", "slategray", "slategrey", "snow", "springgreen", "steelblue",
    "tan", "teal", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "whitesmoke",
    "yellow", "yellowgreen"
};

void bbw_badge_opts_init(bbw_badge_opts *o)
{
    memset(o, 0, sizeof *o);
    o->left_pad = o->right_pad = o->border_radius = o->font_size = o->style = -1;
}

static int compare_name(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* #rgb, #rgba, #rrggbb, #rrggbbaa (the '#' may be left out, as Buildbot's
 * own documentation does) or a CSS colour name. NULL if not a colour. */
static const char *normalise_color(apr_pool_t *p, const char *value)
{
    const char *hex = value[0] == '#' ? value + 1 : value;
    size_t n = strlen(hex);
    if ((n == 3 || n == 4 || n == 6 || n == 8) && strspn(hex, "0123456789abcdefABCDEF") == n)
        return apr_pstrcat(p, "#", hex, NULL);
    if (value[0] == '#' || n > 20)
        return NULL;
    char lower[21];
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)value[i]);
    const char *const *hit = bsearch(lower, color_names, sizeof color_names / sizeof *color_names,
                                     sizeof *color_names, compare_name);
    return hit ? *hit : NULL;
}

/* Decimal digits only, min..max. */
static int parse_bounded(const char *value, int min, int max, int *out)
{
    size_t n = strlen(value);
    if (n == 0 || n > 3 || strspn(value, "0123456789") != n)
        return 0;
    int v = atoi(value);
    if (v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* Next code point of valid UTF-8 (no overlongs, surrogates or values above
 * U+10FFFF); -1 when s does not start with one. *len = its byte length. */
static long utf8_next(const unsigned char *s, int *len)
{
    long c;
    int n;
    if (s[0] < 0x80) { *len = 1; return s[0]; }
    else if (s[0] >= 0xC2 && s[0] <= 0xDF) { n = 2; c = s[0] & 0x1F; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { n = 3; c = s[0] & 0x0F; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { n = 4; c = s[0] & 0x07; }
    else return -1;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *len = n;
    return c;
}

/* Text that XML 1.0 can carry: valid UTF-8 without control characters or
 * the non-characters U+FFFE/U+FFFF, at most max code points. */
static int valid_text(const char *text, int max)
{
    const unsigned char *s = (const unsigned char *)text;
    int count = 0, len;
    while (*s) {
        long c = utf8_next(s, &len);
        if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0xFFFE || c == 0xFFFF)
            return 0;
        if (++count > max)
            return 0;
        s += len;
    }
    return 1;
}

static int valid_font_face(const char *value)
{
    size_t n = strlen(value);
    return n > 0 && n <= BBW_BADGE_FONT_FACE_MAX && isalpha((unsigned char)value[0]) &&
           strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-") == n;
}

static const char *set_int(apr_pool_t *p, int *field, const char *key, const char *value,
                           int min, int max)
{
    if (!parse_bounded(value, min, max, field))
        return apr_psprintf(p, "%s: '%s' is not an integer from %d to %d", key, value, min, max);
    return NULL;
}

static const char *set_color(apr_pool_t *p, const char **field, const char *key,
                             const char *value)
{
    const char *color = normalise_color(p, value);
    if (!color)
        return apr_psprintf(p, "%s: '%s' is not a colour (expected #rgb, #rrggbb, #rgba, "
                            "#rrggbbaa or a CSS colour name)", key, value);
    *field = color;
    return NULL;
}

const char *bbw_badge_opts_set(apr_pool_t *p, bbw_badge_opts *o, const char *key,
                               const char *value, int *known)
{
    int dummy;
    if (!known)
        known = &dummy;
    *known = 1;
    if (strcmp(key, "left_pad") == 0)
        return set_int(p, &o->left_pad, key, value, 0, BBW_BADGE_PAD_MAX);
    if (strcmp(key, "right_pad") == 0)
        return set_int(p, &o->right_pad, key, value, 0, BBW_BADGE_PAD_MAX);
    if (strcmp(key, "border_radius") == 0)
        return set_int(p, &o->border_radius, key, value, 0, BBW_BADGE_RADIUS_MAX);
    if (strcmp(key, "font_size") == 0)
        return set_int(p, &o->font_size, key, value, BBW_BADGE_FONT_SIZE_MIN,
                       BBW_BADGE_FONT_SIZE_MAX);
    if (strcmp(key, "left_color") == 0)
        return set_color(p, &o->left_color, key, value);
    if (strcmp(key, "left_text") == 0) {
        if (!valid_text(value, BBW_BADGE_TEXT_MAX))
            return apr_psprintf(p, "left_text: expected at most %d characters of UTF-8 "
                                "text without control characters", BBW_BADGE_TEXT_MAX);
        o->left_text = apr_pstrdup(p, value);
        return NULL;
    }
    if (strcmp(key, "font_face") == 0) {
        if (!valid_font_face(value))
            return apr_psprintf(p, "font_face: '%s' is not a font name (a letter, then "
                                "letters, digits, spaces, '.', '_' or '-'; at most %d)",
                                value, BBW_BADGE_FONT_FACE_MAX);
        o->font_face = apr_pstrdup(p, value);
        return NULL;
    }
    if (strcmp(key, "style") == 0) {
        for (int i = 0; i < (int)(sizeof style_names / sizeof *style_names); i++)
            if (strcmp(value, style_names[i]) == 0) {
                o->style = i;
                return NULL;
            }
        return apr_psprintf(p, "style: '%s' is not a style (expected plastic, flat, "
                            "flat-square or badgeio)", value);
    }
    if (strncmp(key, "color_scheme.", 13) == 0)
        for (int i = 0; i < BBW_BADGE_NSTATES; i++)
            if (strcmp(key + 13, state_names[i]) == 0)
                return set_color(p, &o->color[i], key, value);
    *known = 0;
    return NULL;
}

#define INHERIT_INT(f, dflt) o->f = o->f >= 0 ? o->f : base && base->f >= 0 ? base->f : (dflt)
#define INHERIT_PTR(f, dflt) o->f = o->f ? o->f : base && base->f ? base->f : (dflt)

void bbw_badge_opts_complete(bbw_badge_opts *o, const bbw_badge_opts *base)
{
    INHERIT_INT(left_pad, 5);
    INHERIT_INT(right_pad, 5);
    INHERIT_INT(border_radius, 5);
    INHERIT_INT(font_size, 11);
    INHERIT_INT(style, BBW_BADGE_PLASTIC);
    INHERIT_PTR(left_text, "Build Status");
    INHERIT_PTR(left_color, "#555");
    INHERIT_PTR(font_face, "DejaVu Sans");
    for (int i = 0; i < BBW_BADGE_NSTATES; i++)
        INHERIT_PTR(color[i], default_colors[i]);
}

bbw_badge_state bbw_badge_state_of(int has_build, int complete, int has_results,
                                   long long results)
{
    if (!has_build)
        return BBW_BADGE_UNKNOWN;
    if (!complete)
        return BBW_BADGE_RUNNING;
    if (!has_results || results < 0 || results > BBW_BADGE_CANCELLED)
        return BBW_BADGE_UNKNOWN;
    return (bbw_badge_state)results;
}

const char *bbw_badge_state_name(bbw_badge_state s)
{
    return s >= 0 && s < BBW_BADGE_NSTATES ? state_names[s] : "unknown";
}

/* ---------------------------------------------------------------- fonts */

/* One font file's horizontal advances for the Basic Multilingual Plane, in
 * font units; characters it lacks (and those beyond the BMP) measure as its
 * .notdef glyph. Filled once, read without locking afterwards. */
typedef struct {
    const char *face;           /* font_face naming it, lower case */
    const char *file;
    int state;                  /* 0 = not read yet, 1 = ready, -1 = failed */
    unsigned units_per_em;
    unsigned short notdef;
    unsigned short *advance;    /* 0x10000 entries */
    char error[256];
} font_metrics;

static font_metrics fonts[] = {
    { "dejavu sans", "DejaVuSans.ttf", 0, 0, 0, NULL, "" },
    { "dejavu sans bold", "DejaVuSans-Bold.ttf", 0, 0, 0, NULL, "" },
    { "dejavu sans oblique", "DejaVuSans-Oblique.ttf", 0, 0, 0, NULL, "" },
    { "dejavu sans bold oblique", "DejaVuSans-BoldOblique.ttf", 0, 0, 0, NULL, "" },
    { "dejavu sans condensed", "DejaVuSansCondensed.ttf", 0, 0, 0, NULL, "" },
    { "dejavu sans mono", "DejaVuSansMono.ttf", 0, 0, 0, NULL, "" },
    { "dejavu serif", "DejaVuSerif.ttf", 0, 0, 0, NULL, "" },
};
static pthread_mutex_t fonts_lock = PTHREAD_MUTEX_INITIALIZER;

static font_metrics *font_for(const char *font_face)
{
    for (size_t i = 0; i < sizeof fonts / sizeof *fonts; i++)
        if (strcasecmp(font_face, fonts[i].face) == 0)
            return &fonts[i];
    return &fonts[0];
}

const char *bbw_badge_font_file(const char *font_face)
{
    return font_for(font_face)->file;
}

static const char *read_advances(font_metrics *f, FT_Library lib)
{
    char path[512];
    FT_Face face;
    FT_Fixed adv;
    snprintf(path, sizeof path, "%s/%s", BBW_BADGE_FONT_DIR, f->file);
    if (FT_New_Face(lib, path, 0, &face))
        return "cannot open the font file";
    if (!FT_IS_SCALABLE(face) || face->units_per_EM == 0 ||
        FT_Get_Advance(face, 0, FT_LOAD_NO_SCALE, &adv)) {
        FT_Done_Face(face);
        return "not a scalable font";
    }
    f->units_per_em = face->units_per_EM;
    f->notdef = (unsigned short)adv;
    f->advance = malloc(0x10000 * sizeof *f->advance);
    if (!f->advance) {
        FT_Done_Face(face);
        return "out of memory";
    }
    for (long c = 0; c < 0x10000; c++)
        f->advance[c] = f->notdef;
    FT_UInt glyph;
    FT_ULong c = FT_Get_First_Char(face, &glyph);
    while (glyph != 0) {
        if (c < 0x10000 && FT_Get_Advance(face, glyph, FT_LOAD_NO_SCALE, &adv) == 0)
            f->advance[c] = (unsigned short)adv;
        c = FT_Get_Next_Char(face, c, &glyph);
    }
    FT_Done_Face(face);
    return NULL;
}

/* The metrics of f, read on first use; NULL (f->error set) if unreadable. */
static const font_metrics *font_ready(font_metrics *f)
{
    pthread_mutex_lock(&fonts_lock);
    if (f->state == 0) {
        FT_Library lib;
        const char *why = FT_Init_FreeType(&lib) ? "FreeType failed to start" : NULL;
        if (!why) {
            why = read_advances(f, lib);
            FT_Done_FreeType(lib);
        }
        if (why)
            snprintf(f->error, sizeof f->error, "%s/%s: %s", BBW_BADGE_FONT_DIR, f->file, why);
        f->state = why ? -1 : 1;
    }
    pthread_mutex_unlock(&fonts_lock);
    return f->state == 1 ? f : NULL;
}

double bbw_badge_text_width(const char *font_face, int font_size, const char *text,
                            const char **error)
{
    font_metrics *f = font_for(font_face);
    if (!font_ready(f)) {
        *error = f->error;
        return -1;
    }
    const unsigned char *s = (const unsigned char *)text;
    long long units = 0;
    int len;
    while (*s) {
        long c = utf8_next(s, &len);
        if (c < 0) {                /* not reached with validated text */
            c = *s;
            len = 1;
        }
        units += c < 0x10000 ? f->advance[c] : f->notdef;
        s += len;
    }
    return (double)(units * font_size) / f->units_per_em;
}

/* ------------------------------------------------------------------ SVG */

static void put(bbw_buf *b, const char *s)
{
    bbw_buf_adds(b, s);
}

static void put_num(bbw_buf *b, double d)
{
    bbw_json_write_real(b, d);
}

static void put_int(bbw_buf *b, int v)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%d", v);
    bbw_buf_adds(b, tmp);
}

/* Text content and attribute values: &, <, >, and quotes. */
static void put_xml(bbw_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': bbw_buf_adds(b, "&amp;"); break;
        case '<': bbw_buf_adds(b, "&lt;"); break;
        case '>': bbw_buf_adds(b, "&gt;"); break;
        case '"': bbw_buf_adds(b, "&quot;"); break;
        default: bbw_buf_add(b, s, 1);
        }
    }
}

/* A rectangle: rx < 0 leaves it out, x < 0 too; fill is a colour or a
 * paint reference (written escaped either way). */
static void put_rect(bbw_buf *b, int rx, double x, double width, int height,
                     const char *fill)
{
    put(b, "  <rect");
    if (rx >= 0) {
        put(b, " rx=\"");
        put_int(b, rx);
        put(b, "\"");
    }
    if (x >= 0) {
        put(b, " x=\"");
        put_num(b, x);
        put(b, "\"");
    }
    put(b, " width=\"");
    put_num(b, width);
    put(b, "\" height=\"");
    put_int(b, height);
    put(b, "\" fill=\"");
    put_xml(b, fill);
    put(b, "\"/>\n");
}

/* The fixed 4-pixel rect that squares the inner corner of the right half. */
static void put_joint(bbw_buf *b, double x, int height, const char *fill)
{
    put(b, "  <rect x=\"");
    put_num(b, x);
    put(b, "\" width=\"4\" height=\"");
    put_int(b, height);
    put(b, "\" fill=\"");
    put_xml(b, fill);
    put(b, "\"/>\n");
}

/* x < 0: the literal x="6" of badgeio's left text. */
static void put_text(bbw_buf *b, double x, int y, int shadow, const char *text)
{
    put(b, "    <text x=\"");
    if (x < 0)
        put(b, "6");
    else
        put_num(b, x);
    put(b, "\" y=\"");
    put_int(b, y);
    put(b, shadow ? "\" fill=\"#010101\" fill-opacity=\".3\">" : "\">");
    put_xml(b, text);
    put(b, "</text>\n");
}

/* Shadow one pixel lower, then the text. */
static void put_shadowed(bbw_buf *b, double x, int y, const char *text)
{
    put_text(b, x, y + 1, 1, text);
    put_text(b, x, y, 0, text);
}

static void put_open(bbw_buf *b, double width, int height)
{
    put(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
    put_num(b, width);
    put(b, "\" height=\"");
    put_int(b, height);
    put(b, "\">\n");
}

static void put_glossy_gradient(bbw_buf *b)
{
    put(b, "  <linearGradient id=\"smooth\" x2=\"0\" y2=\"100%\">\n"
           "    <stop offset=\"0\"  stop-color=\"#fff\" stop-opacity=\".7\"/>\n"
           "    <stop offset=\".1\" stop-color=\"#aaa\" stop-opacity=\".1\"/>\n"
           "    <stop offset=\".9\" stop-color=\"#000\" stop-opacity=\".3\"/>\n"
           "    <stop offset=\"1\"  stop-color=\"#000\" stop-opacity=\".5\"/>\n"
           "  </linearGradient>\n");
}

/* font_face NULL: the fixed family list of plastic and badgeio. */
static void put_group(bbw_buf *b, const char *anchor, const char *font_face, int font_size)
{
    put(b, "  <g fill=\"#fff\" text-anchor=\"");
    put(b, anchor);
    put(b, "\" font-family=\"");
    put_xml(b, font_face ? font_face : "DejaVu Sans");
    put(b, ",Verdana,Geneva,sans-serif\" font-size=\"");
    put_int(b, font_size);
    put(b, "\">\n");
}

typedef struct {
    const bbw_badge_opts *o;
    const char *left_text, *left_color, *right_text, *right_color;
    double lw, rw;              /* measured text widths */
} badge;

/* Each expression is evaluated in the templates' order (Python floats). */
static void svg_plastic(bbw_buf *b, const badge *g)
{
    double lp = g->o->left_pad, rp = g->o->right_pad;
    int r = g->o->border_radius;
    put_open(b, g->lw + lp + g->rw + rp + 2, 18);
    put_glossy_gradient(b);
    put_rect(b, r, -1, g->lw + lp + g->rw + rp, 18, g->left_color);
    put_rect(b, r, g->lw + lp + 2, g->rw + rp, 18, g->right_color);
    put_joint(b, g->lw + lp + 2, 18, g->right_color);
    put_rect(b, r, -1, g->lw + lp + g->rw + rp + 2, 18, "url(#smooth)");
    put_group(b, "middle", NULL, 11);
    put_shadowed(b, (g->lw + lp) / 2 + 1, 13, g->left_text);
    put_shadowed(b, (g->lw + lp + 2) + (g->rw + rp) / 2 - 1, 13, g->right_text);
    put(b, "  </g>\n</svg>");
}

static void svg_flat(bbw_buf *b, const badge *g)
{
    double lp = g->o->left_pad, rp = g->o->right_pad;
    int r = g->o->border_radius;
    put_open(b, g->lw + lp + g->rw + rp + 5, 20);
    put(b, "  <linearGradient id=\"smooth\" x2=\"0\" y2=\"100%\">\n"
           "    <stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>\n"
           "    <stop offset=\"1\" stop-opacity=\".1\"/>\n"
           "  </linearGradient>\n");
    put_rect(b, r, -1, g->lw + lp + g->rw + rp, 20, g->left_color);
    put_rect(b, r, g->lw + lp + 5, g->rw + rp, 20, g->right_color);
    put_joint(b, g->lw + lp + 5, 20, g->right_color);
    put_rect(b, r, -1, g->lw + lp + g->rw + rp + 5, 20, "url(#smooth)");
    put_group(b, "middle", g->o->font_face, g->o->font_size);
    put_shadowed(b, (g->lw + lp) / 2 + 1, 14, g->left_text);
    put_shadowed(b, (g->lw + lp + 5) + (g->rw + rp) / 2 - 1, 14, g->right_text);
    put(b, "  </g>\n</svg>");
}

static void svg_flat_square(bbw_buf *b, const badge *g)
{
    double lp = g->o->left_pad, rp = g->o->right_pad;
    put_open(b, g->lw + lp + g->rw + rp, 20);
    put_rect(b, -1, -1, (g->lw + lp) + (g->rw + rp), 20, g->left_color);
    put_rect(b, -1, g->lw + lp, g->rw + rp, 20, g->right_color);
    put_group(b, "middle", g->o->font_face, g->o->font_size);
    put_text(b, (g->lw + lp) / 2, 14, 0, g->left_text);
    put_text(b, (g->lw + lp) + (g->rw + rp) / 2, 14, 0, g->right_text);
    put(b, "  </g>\n</svg>");
}

/* Pads and border_radius do not apply; the anchor is Buildbot's "left". */
static void svg_badgeio(bbw_buf *b, const badge *g)
{
    put_open(b, 24 + g->lw + g->rw, 20);
    put_glossy_gradient(b);
    put_rect(b, 3, -1, 24 + g->lw + g->rw, 20, g->left_color);
    put_rect(b, 3, 12 + g->lw, 12 + g->rw, 20, g->right_color);
    put_joint(b, 12 + g->lw, 20, g->right_color);
    put_rect(b, 3, -1, 24 + g->lw + g->rw, 20, "url(#smooth)");
    put_group(b, "left", NULL, g->o->font_size);
    put_shadowed(b, -1, 14, g->left_text);
    put_shadowed(b, 16 + g->lw, 14, g->right_text);
    put(b, "  </g>\n</svg>");
}

const char *bbw_badge_svg(bbw_buf *out, const bbw_badge_opts *o, bbw_badge_state s)
{
    badge g;
    const char *error = NULL;
    g.o = o;
    g.left_text = o->left_text;
    g.left_color = o->left_color;
    g.right_text = bbw_badge_state_name(s);
    g.right_color = o->color[s] ? o->color[s] : FALLBACK_COLOR;
    g.lw = bbw_badge_text_width(o->font_face, o->font_size, g.left_text, &error);
    if (g.lw < 0)
        return error;
    g.rw = bbw_badge_text_width(o->font_face, o->font_size, g.right_text, &error);
    if (g.rw < 0)
        return error;
    switch (o->style) {
    case BBW_BADGE_FLAT:        svg_flat(out, &g); break;
    case BBW_BADGE_FLAT_SQUARE: svg_flat_square(out, &g); break;
    case BBW_BADGE_BADGEIO:     svg_badgeio(out, &g); break;
    default:                    svg_plastic(out, &g); break;
    }
    return NULL;
}

/* ------------------------------------------------------------------ PNG */

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int length)
{
    bbw_buf_add(closure, (const char *)data, length);
    return CAIRO_STATUS_SUCCESS;
}

const char *bbw_badge_png(apr_pool_t *p, const char *svg, apr_size_t svg_len,
                          const char **png, apr_size_t *png_len)
{
    GError *gerr = NULL;
    const char *error = NULL;
    RsvgHandle *handle = rsvg_handle_new_from_data((const guint8 *)svg, svg_len, &gerr);
    if (!handle) {
        error = apr_psprintf(p, "librsvg: %s", gerr ? gerr->message : "cannot parse the SVG");
        if (gerr)
            g_error_free(gerr);
        return error;
    }
    gdouble width = 0, height = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) ||
        width < 1 || height < 1 || width > 32767 || height > 32767) {
        g_object_unref(handle);
        return "librsvg: the SVG has no usable pixel size";
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                          (int)width, (int)height);
    cairo_t *cr = cairo_create(surface);
    RsvgRectangle viewport = { 0, 0, width, height };
    if (!rsvg_handle_render_document(handle, cr, &viewport, &gerr)) {
        error = apr_psprintf(p, "librsvg: %s", gerr ? gerr->message : "cannot render the SVG");
        if (gerr)
            g_error_free(gerr);
    }
    else {
        bbw_buf out;
        bbw_buf_init(&out, p, 4096);
        cairo_surface_flush(surface);
        if (cairo_surface_write_to_png_stream(surface, png_write, &out) != CAIRO_STATUS_SUCCESS)
            error = "cairo: cannot write the PNG";
        *png = out.data;
        *png_len = out.len;
    }
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    g_object_unref(handle);
    return error;
}
