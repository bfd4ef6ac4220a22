/* Unit tests for bbw_badge_svg: option validation, FreeType widths against
 * the widths Buildbot 3.7 measured with cairo (ui-assets.md §3, observed
 * with DejaVu Sans 11), the four styles' geometry, escaping, and a PNG.
 * TAP output. */
#include "bbw_badge_svg.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"

static apr_pool_t *pool;

/* librsvg draws text through Pango and fontconfig, whose per-process
 * caches live until exit. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static void check_width(const char *text, double want)
{
    const char *error = NULL;
    double got = bbw_badge_text_width("DejaVu Sans", 11, text, &error);
    char name[128];
    snprintf(name, sizeof name, "width of '%s' at 11 is %.17g", text, want);
    check(got == want, name);
    if (got != want)
        printf("# got %.17g (%s)\n", got, error ? error : "");
}

static void test_widths(void)
{
    check_width("Build Status", 66.1611328125);
    check_width("success", 43.02783203125);
    check_width("failure", 34.9873046875);
    check_width("running", 42.44775390625);
    check_width("unknown", 49.9833984375);
    check_width("warnings", 49.97265625);
    check_width("exception", 54.14599609375);
    check_width("cancelled", 52.43798828125);
    check_width("skipped", 42.8720703125);
    check_width("retry", 26.63525390625);
    check_width("", 0);
    const char *error = NULL;
    double w11 = bbw_badge_text_width("DejaVu Sans", 11, "Build Status", &error);
    double w22 = bbw_badge_text_width("DejaVu Sans", 22, "Build Status", &error);
    check(w22 == 2 * w11, "width scales with the font size");
    double bold = bbw_badge_text_width("dejavu sans BOLD", 11, "Build Status", &error);
    check(bold > w11, "DejaVu Sans Bold is wider (face names ignore case)");
    double other = bbw_badge_text_width("Verdana", 11, "Build Status", &error);
    check(other == w11, "an unknown face measures as DejaVu Sans");
    check_str(bbw_badge_font_file("Comic Sans"), "DejaVuSans.ttf", "fallback font file");
    check_str(bbw_badge_font_file("DejaVu Sans Bold"), "DejaVuSans-Bold.ttf", "bold font file");
    double e = bbw_badge_text_width("DejaVu Sans", 11, "\xc3\xa9", &error);
    check(e > 0 && e < 11, "a non-ASCII letter has its own advance");
}

static const char *set(bbw_badge_opts *o, const char *key, const char *value, int *known)
{
    return bbw_badge_opts_set(pool, o, key, value, known);
}

static void test_options(void)
{
    bbw_badge_opts o;
    int known;
    bbw_badge_opts_init(&o);
    check(set(&o, "left_pad", "0", &known) == NULL && o.left_pad == 0 && known, "left_pad 0");
    check(set(&o, "left_pad", "100", NULL) == NULL && o.left_pad == 100, "left_pad 100");
    check(set(&o, "left_pad", "101", NULL) != NULL && o.left_pad == 100, "left_pad 101 refused");
    check(set(&o, "right_pad", "-1", NULL) != NULL, "negative pad refused");
    check(set(&o, "right_pad", "", NULL) != NULL, "empty pad refused");
    check(set(&o, "right_pad", "1x", NULL) != NULL, "1x refused");
    check(set(&o, "font_size", "3", NULL) != NULL, "font_size 3 refused");
    check(set(&o, "font_size", "64", NULL) == NULL && o.font_size == 64, "font_size 64");
    check(set(&o, "border_radius", "51", NULL) != NULL, "border_radius 51 refused");
    check(set(&o, "style", "flat-square", NULL) == NULL && o.style == BBW_BADGE_FLAT_SQUARE,
          "style flat-square");
    check(set(&o, "style", "Flat", NULL) != NULL, "style names are exact");
    check(set(&o, "left_color", "#ABC", NULL) == NULL, "#ABC");
    check_str(o.left_color, "#ABC", "hex kept as given");
    check(set(&o, "left_color", "222", NULL) == NULL, "bare hex accepted");
    check_str(o.left_color, "#222", "bare hex gets its '#'");
    check(set(&o, "left_color", "DarkSlateGray", NULL) == NULL, "a CSS name");
    check_str(o.left_color, "darkslategray", "names are lower-cased");
    check(set(&o, "left_color", "#12345", NULL) != NULL, "five hex digits refused");
    check(set(&o, "left_color", "#ggg", NULL) != NULL, "#ggg refused");
    check(set(&o, "left_color", "url(#x)", NULL) != NULL, "paint references refused");
    check(set(&o, "left_color", "red\"", NULL) != NULL, "quote refused");
    check(set(&o, "left_color", "notacolor", NULL) != NULL, "unknown name refused");
    const char *msg = set(&o, "left_color", "nope", NULL);
    check(msg && strstr(msg, "left_color") && strstr(msg, "'nope'"), "message names key and value");
    check(set(&o, "color_scheme.cancelled", "#000", NULL) == NULL &&
          strcmp(o.color[BBW_BADGE_CANCELLED], "#000") == 0, "color_scheme.cancelled");
    check(set(&o, "color_scheme.bogus", "#000", &known) == NULL && !known,
          "color_scheme.bogus is no option");
    check(set(&o, "template_name", "x", &known) == NULL && !known, "template_name is no option");
    check(set(&o, "left_text", "a <b> & \"c\" \xc3\xa9", NULL) == NULL, "markup and UTF-8 text");
    check(set(&o, "left_text", "", NULL) == NULL && strcmp(o.left_text, "") == 0, "empty text");
    check(set(&o, "left_text", "tab\there", NULL) != NULL, "control character refused");
    check(set(&o, "left_text", "\xc3", NULL) != NULL, "truncated UTF-8 refused");
    check(set(&o, "left_text", "\xc0\xaf", NULL) != NULL, "overlong UTF-8 refused");
    check(set(&o, "left_text", "\xed\xa0\x80", NULL) != NULL, "surrogate refused");
    char long_text[BBW_BADGE_TEXT_MAX + 2];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    check(set(&o, "left_text", long_text, NULL) != NULL, "101 characters refused");
    long_text[BBW_BADGE_TEXT_MAX] = '\0';
    check(set(&o, "left_text", long_text, NULL) == NULL, "100 characters accepted");
    check(set(&o, "font_face", "DejaVu Sans", NULL) == NULL, "font_face");
    check(set(&o, "font_face", "Evil\"><script>", NULL) != NULL, "font_face charset");
    check(set(&o, "font_face", "1abc", NULL) != NULL, "font_face starts with a letter");

    bbw_badge_opts base, fresh;
    bbw_badge_opts_init(&base);
    bbw_badge_opts_init(&fresh);
    set(&base, "left_text", "Base", NULL);
    set(&base, "right_pad", "9", NULL);
    set(&fresh, "right_pad", "2", NULL);
    bbw_badge_opts_complete(&fresh, &base);
    check_str(fresh.left_text, "Base", "unset option from base");
    check(fresh.right_pad == 2, "set option kept");
    check(fresh.left_pad == 5 && fresh.font_size == 11 && fresh.border_radius == 5 &&
          fresh.style == BBW_BADGE_PLASTIC, "defaults");
    check_str(fresh.color[BBW_BADGE_SKIPPED], "#a4a61d", "skipped default gets its '#'");
    check(fresh.color[BBW_BADGE_CANCELLED] == NULL, "cancelled has no default colour");

    check(bbw_badge_state_of(0, 0, 0, 0) == BBW_BADGE_UNKNOWN, "no build: unknown");
    check(bbw_badge_state_of(1, 0, 0, 0) == BBW_BADGE_RUNNING, "incomplete: running");
    check(bbw_badge_state_of(1, 1, 1, 6) == BBW_BADGE_CANCELLED, "6: cancelled");
    check(bbw_badge_state_of(1, 1, 1, 7) == BBW_BADGE_UNKNOWN, "7: unknown");
    check(bbw_badge_state_of(1, 1, 0, 0) == BBW_BADGE_UNKNOWN, "no result: unknown");
    check_str(bbw_badge_state_name(BBW_BADGE_WARNINGS), "warnings", "state name");
}

static const char *render(bbw_badge_opts *o, bbw_badge_state s)
{
    bbw_buf b;
    bbw_buf_init(&b, pool, 1024);
    const char *error = bbw_badge_svg(&b, o, s);
    bbw_buf_add(&b, "", 0);
    b.data[b.len] = '\0';
    return error ? error : b.data;
}

static void defaults(bbw_badge_opts *o)
{
    bbw_badge_opts_init(o);
    bbw_badge_opts_complete(o, NULL);
}

static void test_svg(void)
{
    bbw_badge_opts o;
    defaults(&o);
    /* Buildbot 3.7's answer for a successful build (spec's observed numbers). */
    check_str(render(&o, BBW_BADGE_SUCCESS),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"121.18896484375\" height=\"18\">\n"
        "  <linearGradient id=\"smooth\" x2=\"0\" y2=\"100%\">\n"
        "    <stop offset=\"0\"  stop-color=\"#fff\" stop-opacity=\".7\"/>\n"
        "    <stop offset=\".1\" stop-color=\"#aaa\" stop-opacity=\".1\"/>\n"
        "    <stop offset=\".9\" stop-color=\"#000\" stop-opacity=\".3\"/>\n"
        "    <stop offset=\"1\"  stop-color=\"#000\" stop-opacity=\".5\"/>\n"
        "  </linearGradient>\n"
        "  <rect rx=\"5\" width=\"119.18896484375\" height=\"18\" fill=\"#555\"/>\n"
        "  <rect rx=\"5\" x=\"73.1611328125\" width=\"48.02783203125\" height=\"18\" fill=\"#4c1\"/>\n"
        "  <rect x=\"73.1611328125\" width=\"4\" height=\"18\" fill=\"#4c1\"/>\n"
        "  <rect rx=\"5\" width=\"121.18896484375\" height=\"18\" fill=\"url(#smooth)\"/>\n"
        "  <g fill=\"#fff\" text-anchor=\"middle\" font-family=\"DejaVu Sans,Verdana,Geneva,sans-serif\" font-size=\"11\">\n"
        "    <text x=\"36.58056640625\" y=\"14\" fill=\"#010101\" fill-opacity=\".3\">Build Status</text>\n"
        "    <text x=\"36.58056640625\" y=\"13\">Build Status</text>\n"
        "    <text x=\"96.175048828125\" y=\"14\" fill=\"#010101\" fill-opacity=\".3\">success</text>\n"
        "    <text x=\"96.175048828125\" y=\"13\">success</text>\n"
        "  </g>\n"
        "</svg>", "plastic success, byte for byte as Buildbot");

    o.style = BBW_BADGE_FLAT_SQUARE;
    o.left_pad = 0;
    o.right_pad = 0;
    o.left_text = "";
    check_str(render(&o, BBW_BADGE_CANCELLED),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"52.43798828125\" height=\"20\">\n"
        "  <rect width=\"52.43798828125\" height=\"20\" fill=\"#555\"/>\n"
        "  <rect x=\"0.0\" width=\"52.43798828125\" height=\"20\" fill=\"#9f9f9f\"/>\n"
        "  <g fill=\"#fff\" text-anchor=\"middle\" font-family=\"DejaVu Sans,Verdana,Geneva,sans-serif\" font-size=\"11\">\n"
        "    <text x=\"0.0\" y=\"14\"></text>\n"
        "    <text x=\"26.218994140625\" y=\"14\">cancelled</text>\n"
        "  </g>\n"
        "</svg>", "flat-square, empty left text, cancelled grey, floats as Python writes them");

    defaults(&o);
    o.style = BBW_BADGE_FLAT;
    o.font_face = "DejaVu Sans Mono";
    o.font_size = 12;
    const char *svg = render(&o, BBW_BADGE_FAILURE);
    check(strstr(svg, "height=\"20\"") && strstr(svg, "font-family=\"DejaVu Sans Mono,Verdana,"
          "Geneva,sans-serif\" font-size=\"12\"") && strstr(svg, "fill=\"#e05d44\"") &&
          strstr(svg, "<stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>"),
          "flat writes font_face and font_size");

    defaults(&o);
    o.style = BBW_BADGE_BADGEIO;
    o.left_text = "a<&>\"b";
    svg = render(&o, BBW_BADGE_WARNINGS);
    check(strstr(svg, ">a&lt;&amp;&gt;&quot;b</text>") != NULL, "text is escaped");
    check(strstr(svg, "text-anchor=\"left\"") && strstr(svg, "<rect rx=\"3\"") &&
          strstr(svg, "<text x=\"6\" y=\"14\">"), "badgeio layout");
    const char *error = NULL;
    double lw = bbw_badge_text_width("DejaVu Sans", 11, "a<&>\"b", &error);
    char want[128];
    bbw_buf nb;
    bbw_buf_init(&nb, pool, 64);
    bbw_json_write_real(&nb, 24 + lw + 49.97265625);
    bbw_buf_add(&nb, "", 0);
    nb.data[nb.len] = '\0';
    snprintf(want, sizeof want, "width=\"%s\" height=\"20\"", nb.data);
    check(strstr(svg, want) != NULL, "badgeio width is 24 + both raw text widths");
}

static void test_png(void)
{
    bbw_badge_opts o;
    defaults(&o);
    const char *svg = render(&o, BBW_BADGE_SUCCESS);
    const char *png = NULL;
    apr_size_t len = 0;
    const char *error = bbw_badge_png(pool, svg, strlen(svg), &png, &len);
    check(error == NULL, "PNG rendered");
    if (error)
        printf("# %s\n", error);
    check(png && len > 33 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "PNG signature");
    if (png && len > 24) {
        const unsigned char *u = (const unsigned char *)png;
        unsigned w = (unsigned)u[16] << 24 | u[17] << 16 | u[18] << 8 | u[19];
        unsigned h = (unsigned)u[20] << 24 | u[21] << 16 | u[22] << 8 | u[23];
        check(w == 121 && h == 18, "IHDR 121 x 18 (width truncated)");
    }
    check(bbw_badge_png(pool, "<svg", 4, &png, &len) != NULL, "broken SVG is an error");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_widths();
    test_options();
    test_svg();
    test_png();
    apr_pool_destroy(pool);
    apr_terminate();
    printf("1..%d\n", tests);
    return failures ? 1 : 0;
}
