/* Theme values, index.html placeholders, Buildbot 3.x's Jinja index and
 * custom templates. Pure: APR + Jansson only (see bbw_ui_render.h). */
#include "bbw_ui_render.h"

#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <string.h>

/* ------------------------------------------------------------------ theme */

const char *const bbw_theme_names[BBW_THEME_NVARS] = {
    "bb-sidebar-background-color",
    "bb-sidebar-header-background-color",
    "bb-sidebar-header-text-color",
    "bb-sidebar-title-text-color",
    "bb-sidebar-footer-background-color",
    "bb-sidebar-button-text-color",
    "bb-sidebar-button-hover-background-color",
    "bb-sidebar-button-hover-text-color",
    "bb-sidebar-button-current-background-color",
    "bb-sidebar-button-current-text-color",
    "bb-sidebar-stripe-hover-color",
    "bb-sidebar-stripe-current-color",
};

const char *const bbw_theme_defaults[BBW_THEME_NVARS] = {
    "#30426a", "#273759", "#fff", "#627cb7", "#273759", "#b2bfdc",
    "#1b263d", "#fff", "#273759", "#b2bfdc", "#e99d1a", "#8c5e10",
};

int bbw_theme_index(const char *name)
{
    for (int i = 0; i < BBW_THEME_NVARS; i++)
        if (strcmp(name, bbw_theme_names[i]) == 0)
            return i;
    return -1;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* #rgb, #rgba, #rrggbb, #rrggbbaa */
static int hex_color(const char *t, size_t n)
{
    if (n != 4 && n != 5 && n != 7 && n != 9)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_hex(t[i]))
            return 0;
    return 1;
}

/* rgb(...), rgba(...), hsl(...), hsla(...): numbers, units, '%', ',' and
 * spaces inside; no nested parentheses. */
static int color_function(const char *t, size_t n)
{
    static const char *const names[] = { "rgb(", "rgba(", "hsl(", "hsla(" };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t l = strlen(names[k]);
        if (n <= l || strncasecmp(t, names[k], l) != 0 || t[n - 1] != ')')
            continue;
        for (size_t i = l; i < n - 1; i++)
            if (!is_digit(t[i]) && !is_alpha(t[i]) && !strchr(" .,%+-", t[i]))
                return 0;
        return 1;
    }
    return 0;
}

/* 12, -1.5, 3px, 0.5em, 50% */
static int number_unit(const char *t, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (t[i] == '+' || t[i] == '-'))
        i++;
    while (i < n && is_digit(t[i]))
        i++, digits++;
    if (i < n && t[i] == '.') {
        i++;
        while (i < n && is_digit(t[i]))
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < n && t[i] == '%')
        return i + 1 == n;
    size_t unit = 0;
    while (i < n && is_alpha(t[i]))
        i++, unit++;
    return i == n && unit <= 5;
}

/* Keywords and named colors: letters and inner hyphens. */
static int keyword(const char *t, size_t n)
{
    if (!is_alpha(t[0]) || t[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(t[i]) && t[i] != '-')
            return 0;
    return 1;
}

const char *bbw_theme_value_error(const char *value)
{
    size_t len = strlen(value);
    if (len == 0)
        return "empty value";
    if (len > BBW_THEME_MAX_VALUE)
        return "value too long";
    for (const char *s = value; *s; ) {
        if (*s == ' ') {
            s++;
            continue;
        }
        size_t n = 0;
        int paren = 0;
        while (s[n] && (paren || s[n] != ' ')) {   /* spaces inside rgb( ) */
            if (s[n] == '(')
                paren++;
            else if (s[n] == ')')
                paren--;
            n++;
        }
        if (!(s[0] == '#' ? hex_color(s, n)
              : strchr(s, '(') && strchr(s, '(') < s + n ? color_function(s, n)
              : is_alpha(s[0]) ? keyword(s, n) : number_unit(s, n)))
            return "not a plain CSS value (expected a color such as #30426a, "
                   "rgb(...), rgba(...), hsl(...) or a color name, a length or a keyword)";
        s += n;
    }
    return NULL;
}

const char *bbw_theme_css(apr_pool_t *p, const char *const values[BBW_THEME_NVARS])
{
    bbw_buf b;
    bbw_buf_init(&b, p, 1024);
    bbw_buf_adds(&b, "<style>\n      :root {\n        ");
    for (int i = 0; i < BBW_THEME_NVARS; i++) {
        if (i)
            bbw_buf_adds(&b, "\n        ");
        bbw_buf_adds(&b, "--");
        bbw_buf_adds(&b, bbw_theme_names[i]);
        bbw_buf_adds(&b, ": ");
        bbw_buf_adds(&b, values && values[i] ? values[i] : bbw_theme_defaults[i]);
        bbw_buf_adds(&b, ";");
    }
    bbw_buf_adds(&b, "\n      }\n    </style>");
    bbw_buf_add(&b, "", 1);
    return b.data;
}

/* ------------------------------------------------------------ placeholders */

const char *bbw_ui_script_json(apr_pool_t *p, const char *json)
{
    bbw_buf b;
    bbw_buf_init(&b, p, strlen(json) + 64);
    for (const char *s = json; *s; s++) {
        if (s[0] == '<' && s[1] == '/')
            bbw_buf_adds(&b, "<\\");
        else if (strncmp(s, "<!--", 4) == 0)
            bbw_buf_adds(&b, "\\u003c");
        else if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
                 ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9)) {
            bbw_buf_adds(&b, (unsigned char)s[2] == 0xa8 ? "\\u2028" : "\\u2029");
            s += 2;
        }
        else
            bbw_buf_add(&b, s, 1);
    }
    bbw_buf_add(&b, "", 1);
    return b.data;
}

static const char *find_bytes(const char *hay, apr_size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (apr_size_t i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

void bbw_ui_fill_placeholders(bbw_buf *out, const char *page, apr_size_t len,
                              const char *script_json, const char *css)
{
    /* Python's str.replace: every occurrence. */
    bbw_buf filled;
    bbw_buf_init(&filled, out->pool, len + strlen(script_json) + 128);
    const char *end = page + len, *s = page, *hit;
    size_t plen = strlen(BBW_UI_CONFIG_PLACEHOLDER);
    while ((hit = find_bytes(s, (apr_size_t)(end - s), BBW_UI_CONFIG_PLACEHOLDER))) {
        bbw_buf_add(&filled, s, (apr_size_t)(hit - s));
        bbw_buf_adds(&filled, "<script id=\"bb-config\">\n    window.buildbotFrontendConfig = ");
        bbw_buf_adds(&filled, script_json);
        bbw_buf_adds(&filled, ";\n</script>");
        s = hit + plen;
    }
    bbw_buf_add(&filled, s, (apr_size_t)(end - s));
    const char *begin = css ? find_bytes(filled.data, filled.len, BBW_UI_THEME_BEGIN) : NULL;
    const char *stop = css ? find_bytes(filled.data, filled.len, BBW_UI_THEME_END) : NULL;
    if (!begin || !stop) {
        bbw_buf_add(out, filled.data, filled.len);
        return;
    }
    /* string[0:i1] + replacement + string[i2 + len(end):], as Buildbot does
     * (even when the END marker comes first). */
    const char *after = stop + strlen(BBW_UI_THEME_END);
    bbw_buf_add(out, filled.data, (apr_size_t)(begin - filled.data));
    bbw_buf_adds(out, css);
    bbw_buf_add(out, after, (apr_size_t)(filled.data + filled.len - after));
}

/* ------------------------------------------------------------------ Jinja */

typedef enum { SEG_TEXT, SEG_TEMPLATES, SEG_CONFIGJSON, SEG_FOR, SEG_LOOPVAR, SEG_ENDFOR } seg_kind;

typedef struct {
    seg_kind kind;
    const char *text;       /* SEG_TEXT */
    apr_size_t len;
    int jump;               /* SEG_FOR: index of its SEG_ENDFOR */
} seg;

struct bbw_ui_jinja {
    apr_array_header_t *segs;   /* seg */
};

int bbw_ui_is_jinja(const char *page, apr_size_t len)
{
    return find_bytes(page, len, "{{") || find_bytes(page, len, "{%");
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Inner text of a tag without spaces around '|' and at both ends. */
static const char *squeeze(apr_pool_t *p, const char *s, size_t n)
{
    char *o = apr_palloc(p, n + 1), *w = o;
    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i])) {
            size_t j = i;
            while (j < n && is_space(s[j]))
                j++;
            if (w != o && j < n && s[j] != '|' && w[-1] != '|')
                *w++ = ' ';
            i = j - 1;
            continue;
        }
        *w++ = s[i];
    }
    *w = '\0';
    return o;
}

static int identifier(const char *s)
{
    if (!(is_alpha(*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(is_alpha(*s) || is_digit(*s) || *s == '_'))
            return 0;
    return 1;
}

static void add_seg(apr_array_header_t *segs, seg_kind kind, const char *text, apr_size_t len)
{
    seg *sg = &APR_ARRAY_PUSH(segs, seg);
    sg->kind = kind;
    sg->text = text;
    sg->len = len;
    sg->jump = -1;
}

/* Jinja's newline handling: \r\n and \r become \n, one trailing \n dropped
 * (keep_trailing_newline=False). */
static char *normalize_newlines(apr_pool_t *p, const char *page, apr_size_t *len)
{
    char *o = apr_palloc(p, *len + 1);
    apr_size_t n = 0;
    for (apr_size_t i = 0; i < *len; i++) {
        if (page[i] == '\r') {
            o[n++] = '\n';
            if (i + 1 < *len && page[i + 1] == '\n')
                i++;
        }
        else
            o[n++] = page[i];
    }
    if (n && o[n - 1] == '\n')
        n--;
    o[n] = '\0';
    *len = n;
    return o;
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *segs;
    const char *loop_var;
    int loop_start;
} parse_state;

static const char *tag_error(apr_pool_t *p, const char *open, const char *inner)
{
    return apr_psprintf(p, "index.html uses a Jinja construct mod_bbwww does not render: "
                        "%s %s %s", open, inner, open[1] == '{' ? "}}" : "%}");
}

static const char *expression(parse_state *ps, const char *inner)
{
    if (strcmp(inner, "custom_templates|tojson") == 0)
        add_seg(ps->segs, SEG_TEMPLATES, NULL, 0);
    else if (strcmp(inner, "configjson|safe") == 0)
        add_seg(ps->segs, SEG_CONFIGJSON, NULL, 0);
    else if (ps->loop_var && strcmp(inner, ps->loop_var) == 0)
        add_seg(ps->segs, SEG_LOOPVAR, NULL, 0);
    else
        return tag_error(ps->p, "{{", inner);
    return NULL;
}

static const char *statement(parse_state *ps, const char *inner)
{
    char var[64];
    int used = 0;
    if (!ps->loop_var && sscanf(inner, "for %63s in config.plugins%n", var, &used) == 1 &&
        inner[used] == '\0' && identifier(var)) {
        ps->loop_var = apr_pstrdup(ps->p, var);
        ps->loop_start = ps->segs->nelts;
        add_seg(ps->segs, SEG_FOR, NULL, 0);
        return NULL;
    }
    if (ps->loop_var && strcmp(inner, "endfor") == 0) {
        APR_ARRAY_IDX(ps->segs, ps->loop_start, seg).jump = ps->segs->nelts;
        add_seg(ps->segs, SEG_ENDFOR, NULL, 0);
        ps->loop_var = NULL;
        return NULL;
    }
    return tag_error(ps->p, "{%", inner);
}

const char *bbw_ui_jinja_parse(apr_pool_t *p, const char *page, apr_size_t len,
                               bbw_ui_jinja **out)
{
    const char *src = normalize_newlines(p, page, &len);
    parse_state ps = { p, apr_array_make(p, 16, sizeof(seg)), NULL, -1 };
    apr_size_t i = 0, text = 0;
    int lstrip = 0;
    while (i < len) {
        if (!(src[i] == '{' && i + 1 < len && strchr("{%#", src[i + 1]))) {
            i++;
            continue;
        }
        char kind = src[i + 1];
        const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
        const char *end = find_bytes(src + i + 2, len - i - 2, close);
        if (!end)
            return apr_psprintf(p, "index.html: unclosed Jinja tag at byte %" APR_SIZE_T_FMT, i);
        const char *in = src + i + 2, *in_end = end;
        int rstrip_before = in < in_end && *in == '-';
        if (rstrip_before)
            in++;
        int lstrip_after = in_end > in && in_end[-1] == '-';
        if (lstrip_after)
            in_end--;
        /* the text before the tag */
        apr_size_t t0 = text, t1 = i;
        if (lstrip)
            while (t0 < t1 && is_space(src[t0]))
                t0++;
        if (rstrip_before)
            while (t1 > t0 && is_space(src[t1 - 1]))
                t1--;
        if (t1 > t0)
            add_seg(ps.segs, SEG_TEXT, src + t0, t1 - t0);
        if (kind != '#') {
            const char *inner = squeeze(p, in, (size_t)(in_end - in));
            const char *err = kind == '{' ? expression(&ps, inner) : statement(&ps, inner);
            if (err)
                return err;
        }
        lstrip = lstrip_after;
        i = text = (apr_size_t)(end - src) + 2;
    }
    if (ps.loop_var)
        return "index.html: {% for %} without {% endfor %}";
    apr_size_t t0 = text;
    if (lstrip)
        while (t0 < len && is_space(src[t0]))
            t0++;
    if (len > t0)
        add_seg(ps.segs, SEG_TEXT, src + t0, len - t0);
    *out = apr_palloc(p, sizeof **out);
    (*out)->segs = ps.segs;
    return NULL;
}

void bbw_ui_jinja_render(bbw_buf *out, const bbw_ui_jinja *t,
                         const char *templates_json, const char *configjson,
                         const apr_array_header_t *plugins)
{
    const seg *segs = (const seg *)t->segs->elts;
    int loop_start = -1, item = 0;
    for (int i = 0; i < t->segs->nelts; i++) {
        const seg *sg = &segs[i];
        switch (sg->kind) {
        case SEG_TEXT:
            bbw_buf_add(out, sg->text, sg->len);
            break;
        case SEG_TEMPLATES:
            bbw_buf_adds(out, templates_json);
            break;
        case SEG_CONFIGJSON:
            bbw_buf_adds(out, configjson);
            break;
        case SEG_FOR:
            if (!plugins || plugins->nelts == 0) {
                i = sg->jump;
                break;
            }
            loop_start = i;
            item = 0;
            break;
        case SEG_LOOPVAR:
            bbw_buf_adds(out, APR_ARRAY_IDX(plugins, item, const char *));
            break;
        case SEG_ENDFOR:
            if (++item < plugins->nelts)
                i = loop_start;
            break;
        }
    }
}

const char *bbw_ui_jinja_tojson(apr_pool_t *p, const json_t *v)
{
    const char *json = bbw_json_dumps(p, v, BBW_JSON_DEFAULT, 1);
    bbw_buf b;
    bbw_buf_init(&b, p, strlen(json) + 64);
    for (const char *s = json; *s; s++) {
        switch (*s) {
        case '<': bbw_buf_adds(&b, "\\u003c"); break;
        case '>': bbw_buf_adds(&b, "\\u003e"); break;
        case '&': bbw_buf_adds(&b, "\\u0026"); break;
        case '\'': bbw_buf_adds(&b, "\\u0027"); break;
        default: bbw_buf_add(&b, s, 1);
        }
    }
    bbw_buf_add(&b, "", 1);
    return b.data;
}

/* ------------------------------------------------------- custom templates */

/* Length in bytes of the Python-whitespace character at s (0 if none). */
static size_t py_space_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && (is_space((char)s[0]) || (s[0] >= 0x1c && s[0] <= 0x1f)))
        return 1;
    if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
        return 2;
    if (n >= 3) {
        unsigned cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
        if ((s[0] & 0xf0) == 0xe0 &&
            (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
             cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000))
            return 3;
    }
    return 0;
}

/* The length of the Python-whitespace character ending at s + n (0 if none). */
static size_t py_space_before(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (py_space_at(s + n - k, k) == k)
            return k;
    return 0;
}

static const char *py_strip(apr_pool_t *p, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t k;
    while (n && (k = py_space_at(s, n)))
        s += k, n -= k;
    while (n && (k = py_space_before(s, n)))
        n -= k;
    return apr_pstrmemdup(p, (const char *)s, n);
}

static const char *read_text(apr_pool_t *p, const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p) != APR_SUCCESS)
        return NULL;
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    char *buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    apr_size_t got = 0;
    apr_status_t rv = fi.size ? apr_file_read_full(f, buf, (apr_size_t)fi.size, &got) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return NULL;
    buf[got] = '\0';
    *len = got;
    return buf;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* os.walk, top-down: this directory's files, then each subdirectory (not
 * following symbolic links to directories). Names sorted for a stable order. */
static const char *walk(apr_pool_t *p, const char *dir, const char *key_prefix,
                        json_t *out, int *jade_seen, int depth)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    if (depth > 32)
        return apr_psprintf(p, "%s: directories nested too deep", dir);
    if (apr_dir_open(&d, dir, p) != APR_SUCCESS)
        return apr_psprintf(p, "cannot read the directory %s", dir);
    apr_array_header_t *files = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *dirs = apr_array_make(p, 8, sizeof(const char *));
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0)
            continue;
        const char *name = apr_pstrdup(p, fi.name);
        if (fi.filetype == APR_DIR)
            APR_ARRAY_PUSH(dirs, const char *) = name;
        else if (fi.filetype != APR_LNK)
            APR_ARRAY_PUSH(files, const char *) = name;
        else {          /* a link: a file when it points at one */
            const char *path = apr_pstrcat(p, dir, "/", name, NULL);
            if (apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS && fi.filetype == APR_REG)
                APR_ARRAY_PUSH(files, const char *) = name;
        }
    }
    apr_dir_close(d);
    qsort(files->elts, (size_t)files->nelts, sizeof(const char *), compare_names);
    qsort(dirs->elts, (size_t)dirs->nelts, sizeof(const char *), compare_names);
    for (int i = 0; i < files->nelts; i++) {
        const char *name = APR_ARRAY_IDX(files, i, const char *);
        const char *dot = strrchr(name, '.');
        if (!dot || dot == name)            /* os.path.splitext: ".x" has no extension */
            continue;
        if (strcmp(dot, ".jade") == 0)
            *jade_seen = 1;
        if (strcmp(dot, ".html") != 0)
            continue;
        const char *path = apr_pstrcat(p, dir, "/", name, NULL);
        apr_size_t len;
        const char *text = read_text(p, path, &len);
        if (!text)
            return apr_psprintf(p, "cannot read %s", path);
        const char *stripped = py_strip(p, text, len);
        json_t *value = memchr(text, '\0', len) ? NULL : json_string(stripped);
        if (!value)
            return apr_psprintf(p, "%s is not UTF-8 text", path);
        json_object_set_new(out, apr_psprintf(p, "%sviews/%.*s.html", key_prefix,
                                              (int)(dot - name), name), value);
    }
    for (int i = 0; i < dirs->nelts; i++) {
        const char *name = APR_ARRAY_IDX(dirs, i, const char *);
        const char *err = walk(p, apr_pstrcat(p, dir, "/", name, NULL),
                               apr_pstrcat(p, name, "/", NULL), out, jade_seen, depth + 1);
        if (err)
            return err;
    }
    return NULL;
}

json_t *bbw_ui_custom_templates(apr_pool_t *p, const char *dir, int *jade_seen,
                                const char **error)
{
    json_t *out = json_object();
    *jade_seen = 0;
    *error = walk(p, dir, "", out, jade_seen, 0);
    if (*error) {
        json_decref(out);
        return NULL;
    }
    return out;
}
