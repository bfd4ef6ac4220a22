/* Buildbot 3.7's authz (spec/authz.md) and builder visibility. Pure code:
 * APR, Jansson and PCRE2 only.
 *
 * Deliberate differences from 3.7 (its quirks, spec §1 and §4):
 * - the action is lower-cased before matching, so "Stop" is judged as
 *   "stop" (3.7 lets it escape the Stop/Rebuild matchers and owner roles);
 * - HEAD is judged exactly as GET: AnyControlEndpoint does not treat it as
 *   a control action, and rules that apply to GET apply to HEAD.
 * Every other action is judged as given, lower-cased. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "bbw_authz.h"

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on request-controlled input. */
#define MAX_ROLES 1024              /* distinct roles kept for one user */
#define MAX_NAME_LEN 4096           /* longest user/builder/role string matched */
#define REGEX_MATCH_LIMIT 100000    /* PCRE2 backtracking budget per match */
/* Bounds on configuration. */
#define MAX_ARGS 1024
#define MAX_PATTERN_LEN 1024

typedef enum {
    M_ANY, M_ANY_CONTROL, M_FORCE, M_STOP, M_REBUILD, M_ENABLE, M_VIEW_BUILDS, M_BRANCH
} matcher_kind;

typedef struct {
    const char *text;
    pcre2_code *re;                 /* regex mode; NULL = fnmatch */
} pattern;

typedef struct {
    matcher_kind kind;
    pattern role;
    pattern *builder;               /* NULL = any builder */
    int default_deny;
} rule;

typedef struct {
    bbw_authz_role_kind kind;
    const char *text;               /* group prefix or owner role */
    apr_array_header_t *roles;      /* const char *: emails/domain/username roles */
    apr_hash_t *values;             /* emails, domains or usernames */
} role_matcher;

typedef struct {
    int everyone;                   /* ROLE "*" */
    pattern role;
    apr_array_header_t *names;      /* pattern */
    apr_array_header_t *tags;       /* pattern */
} view_rule;

struct bbw_authz {
    int regex;                      /* BuildbotAuthzStrings regex */
    int has_patterns;               /* a pattern was compiled: mode is fixed */
    int has_owner_matchers;
    apr_array_header_t *rules;      /* rule */
    apr_array_header_t *role_matchers;  /* role_matcher */
    apr_array_header_t *views;      /* view_rule */
    pcre2_match_context *mctx;
};

/* ---- string matching ---- */

/* One code point of UTF-8 text; a byte that does not start a valid sequence
 * counts as one code point of its own value, so matching never stalls. */
static const char *next_cp(const char *s, apr_uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = u[0] < 0x80 ? 0 : (u[0] & 0xE0) == 0xC0 ? 1 : (u[0] & 0xF0) == 0xE0 ? 2
          : (u[0] & 0xF8) == 0xF0 ? 3 : -1;
    apr_uint32_t v = n == 0 ? u[0] : n == 1 ? (u[0] & 0x1F) : n == 2 ? (u[0] & 0x0F)
                   : (u[0] & 0x07);
    for (int i = 1; n > 0 && i <= n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            n = -1;
            break;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    if (n < 0) {
        *cp = u[0];
        return s + 1;
    }
    *cp = v;
    return s + n + 1;
}

/* End of a [set] starting at p ('['), or NULL when it has no closing ']'
 * (then '[' is literal). A ']' right after '[' or "[!" is a member. */
static const char *set_end(const char *p)
{
    const char *j = p + 1;
    if (*j == '!')
        j++;
    if (*j == ']')
        j++;
    while (*j && *j != ']')
        j++;
    return *j ? j : NULL;
}

/* Membership in the set between p ('[') and end (']'): items left to right,
 * "a-z" a range (reversed ranges are empty), '-' first or last is literal. */
static int set_has(const char *p, const char *end, apr_uint32_t c)
{
    const char *q = p + 1;
    int negate = *q == '!', found = 0;
    if (negate)
        q++;
    while (q < end) {
        apr_uint32_t lo, hi;
        const char *after = next_cp(q, &lo);
        hi = lo;
        if (after < end && *after == '-' && after + 1 < end)
            after = next_cp(after + 1, &hi);
        if (lo <= c && c <= hi)
            found = 1;
        q = after;
    }
    return found != negate;
}

/* Match the single-character element at *p against the code point at *s;
 * on success advance both. */
static int match_one(const char **p, const char **s)
{
    apr_uint32_t c, pc;
    const char *snext = next_cp(*s, &c);
    if (**p == '?') {
        *p += 1;
        *s = snext;
        return 1;
    }
    if (**p == '[') {
        const char *end = set_end(*p);
        if (end) {
            if (!set_has(*p, end, c))
                return 0;
            *p = end + 1;
            *s = snext;
            return 1;
        }
    }
    const char *pnext = next_cp(*p, &pc);
    if (pc != c)
        return 0;
    *p = pnext;
    *s = snext;
    return 1;
}

int bbw_authz_fnmatch(const char *pattern, const char *value)
{
    const char *p = pattern, *s = value, *star_p = NULL, *star_s = NULL;
    apr_uint32_t c;
    /* Greedy with one backtrack point: enough since '*' matches anything. */
    while (*s) {
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        if (*p && match_one(&p, &s))
            continue;
        if (!star_p)
            return 0;
        p = star_p;
        s = star_s = next_cp(star_s, &c);
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static int regex_match(const bbw_authz *a, pcre2_code *re, const char *value)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        return 0;
    /* re.match(): anchored at the start only. */
    int rc = pcre2_match(re, (PCRE2_SPTR)value, strlen(value), 0, PCRE2_ANCHORED, md,
                         a->mctx);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static int pattern_match(const bbw_authz *a, const pattern *pat, const char *value)
{
    if (!value || strlen(value) > MAX_NAME_LEN)
        return 0;
    return pat->re ? regex_match(a, pat->re, value) : bbw_authz_fnmatch(pat->text, value);
}

int bbw_authz_match(const bbw_authz *a, const char *value, const char *pat)
{
    if (!a || !a->regex)
        return value && bbw_authz_fnmatch(pat, value);
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
                                   &err, &off, NULL);
    if (!re)
        return 0;
    pattern tmp = { pat, re };
    int ok = pattern_match(a, &tmp, value);
    pcre2_code_free(re);
    return ok;
}

/* ---- configuration ---- */

static apr_status_t free_regex(void *re)
{
    pcre2_code_free(re);
    return APR_SUCCESS;
}

static apr_status_t free_mctx(void *mctx)
{
    pcre2_match_context_free(mctx);
    return APR_SUCCESS;
}

bbw_authz *bbw_authz_make(apr_pool_t *p)
{
    bbw_authz *a = apr_pcalloc(p, sizeof *a);
    a->rules = apr_array_make(p, 4, sizeof(rule));
    a->role_matchers = apr_array_make(p, 2, sizeof(role_matcher));
    a->views = apr_array_make(p, 2, sizeof(view_rule));
    a->mctx = pcre2_match_context_create(NULL);
    if (a->mctx) {
        pcre2_set_match_limit(a->mctx, REGEX_MATCH_LIMIT);
        pcre2_set_depth_limit(a->mctx, REGEX_MATCH_LIMIT / 10);
        apr_pool_cleanup_register(p, a->mctx, free_mctx, apr_pool_cleanup_null);
    }
    return a;
}

/* Compile text as a pattern of the current mode into *out. */
static const char *compile_pattern(bbw_authz *a, apr_pool_t *p, const char *directive,
                                   const char *what, const char *text, pattern *out)
{
    if (!*text || strlen(text) > MAX_PATTERN_LEN)
        return apr_psprintf(p, "%s: %s '%s' must be 1 to %d characters", directive, what,
                            text, MAX_PATTERN_LEN);
    out->text = apr_pstrdup(p, text);
    out->re = NULL;
    a->has_patterns = 1;
    if (!a->regex)
        return NULL;
    int err;
    PCRE2_SIZE off;
    out->re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
    if (!out->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        return apr_psprintf(p, "%s: %s '%s' is not a valid regular expression "
                            "(at offset %lu: %s)", directive, what, text,
                            (unsigned long)off, (const char *)msg);
    }
    apr_pool_cleanup_register(p, out->re, free_regex, apr_pool_cleanup_null);
    return NULL;
}

const char *bbw_authz_set_strings(bbw_authz *a, apr_pool_t *p, const char *directive,
                                  const char *mode)
{
    int regex;
    if (!strcasecmp(mode, "fnmatch"))
        regex = 0;
    else if (!strcasecmp(mode, "regex"))
        regex = 1;
    else
        return apr_psprintf(p, "%s: '%s' is not fnmatch or regex", directive, mode);
    /* One mode per configuration section keeps every pattern unambiguous. */
    if (a->has_patterns && regex != a->regex)
        return apr_psprintf(p, "%s %s: must come before the BuildbotAllow and "
                            "BuildbotViewBuilders lines of this section", directive, mode);
    a->regex = regex;
    return NULL;
}

typedef struct {
    const char *name;               /* Buildbot's class name, lower case */
    matcher_kind kind;
} matcher_name;

static const matcher_name matcher_names[] = {
    { "anyendpointmatcher", M_ANY },
    { "anycontrolendpointmatcher", M_ANY_CONTROL },
    { "forcebuildendpointmatcher", M_FORCE },
    { "stopbuildendpointmatcher", M_STOP },
    { "rebuildbuildendpointmatcher", M_REBUILD },
    { "enableschedulerendpointmatcher", M_ENABLE },
    { "viewbuildsendpointmatcher", M_VIEW_BUILDS },
    { "branchendpointmatcher", M_BRANCH },
    { NULL, 0 }
};

/* The class name, with or without "Matcher" or "EndpointMatcher", any case. */
static int find_matcher(const char *word, matcher_kind *kind)
{
    size_t n = strlen(word);
    for (const matcher_name *m = matcher_names; m->name; m++) {
        size_t full = strlen(m->name);
        size_t lens[3] = { full, full - strlen("matcher"), full - strlen("endpointmatcher") };
        for (int i = 0; i < 3; i++) {
            if (n == lens[i] && !strncasecmp(word, m->name, n)) {
                *kind = m->kind;
                return 1;
            }
        }
    }
    return 0;
}

/* Which keyword arguments Buildbot's constructor of each matcher takes. */
static int takes_keyword(matcher_kind kind, const char *key)
{
    if (!strcasecmp(key, "defaultDeny"))
        return 1;
    if (!strcasecmp(key, "builder"))
        return kind == M_FORCE || kind == M_STOP || kind == M_REBUILD || kind == M_VIEW_BUILDS;
    if (!strcasecmp(key, "branch"))
        return kind == M_VIEW_BUILDS || kind == M_BRANCH;
    if (!strcasecmp(key, "project"))
        return kind == M_VIEW_BUILDS;
    return 0;
}

/* Whether arg reads as one of the KEY=VALUE options rather than a role. */
static int is_option(apr_pool_t *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    return eq && takes_keyword(M_VIEW_BUILDS, apr_pstrndup(p, arg, eq - arg));
}

/* The arguments as written, for error messages. */
static const char *joined(apr_pool_t *p, int argc, char *const argv[])
{
    const char *out = "";
    for (int i = 0; i < argc && i < 8; i++)
        out = apr_pstrcat(p, out, i ? " " : "", argv[i], NULL);
    return argc > 8 ? apr_pstrcat(p, out, " ...", NULL) : out;
}

static const char *parse_bool(apr_pool_t *p, const char *directive, const char *arg,
                              const char *value, int *out)
{
    if (!strcasecmp(value, "true") || !strcasecmp(value, "on"))
        *out = 1;
    else if (!strcasecmp(value, "false") || !strcasecmp(value, "off"))
        *out = 0;
    else
        return apr_psprintf(p, "%s: '%s' must be true or false", directive, arg);
    return NULL;
}

/* One key=value argument of BuildbotAllow. */
static const char *parse_rule_option(bbw_authz *a, apr_pool_t *p, const char *directive,
                                     rule *ru, const char *arg, int *seen_branch,
                                     apr_hash_t *seen)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return apr_psprintf(p, "%s: '%s' is not KEY=VALUE (builder=, defaultDeny=)",
                            directive, arg);
    const char *key = apr_pstrndup(p, arg, eq - arg), *value = eq + 1;
    if (!takes_keyword(ru->kind, key))
        return apr_psprintf(p, "%s: '%s': this matcher does not take %s= "
                            "(as in Buildbot 3.7)", directive, arg, key);
    char *lower = apr_pstrdup(p, key);
    for (char *c = lower; *c; c++)
        *c = apr_tolower(*c);
    if (apr_hash_get(seen, lower, APR_HASH_KEY_STRING))
        return apr_psprintf(p, "%s: '%s': %s= given twice", directive, arg, key);
    apr_hash_set(seen, lower, APR_HASH_KEY_STRING, "");
    if (!strcmp(lower, "defaultdeny"))
        return parse_bool(p, directive, arg, value, &ru->default_deny);
    if (!strcmp(lower, "builder")) {
        ru->builder = apr_pcalloc(p, sizeof *ru->builder);
        return compile_pattern(a, p, directive, "builder pattern", value, ru->builder);
    }
    /* branch= and project= are accepted like 3.7, which never uses them. */
    if (!strcmp(lower, "branch"))
        *seen_branch = 1;
    return NULL;
}

const char *bbw_authz_add_rule(bbw_authz *a, apr_pool_t *p, const char *directive,
                               int argc, char *const argv[])
{
    rule ru = { M_ANY, { NULL, NULL }, NULL, 1 };
    int seen_branch = 0;
    if (argc < 2 || argc > 6)
        return apr_psprintf(p, "%s: expected MATCHER ROLE [builder=PATTERN] "
                            "[defaultDeny=true|false], got '%s'", directive,
                            joined(p, argc, argv));
    if (!find_matcher(argv[0], &ru.kind))
        return apr_psprintf(p, "%s: '%s' is not one of AnyEndpoint, AnyControlEndpoint, "
                            "ForceBuild, StopBuild, RebuildBuild, EnableScheduler, "
                            "ViewBuilds, Branch", directive, argv[0]);
    /* role=ROLE is Buildbot's spelling of the same argument. */
    const char *role = strncasecmp(argv[1], "role=", 5) ? argv[1] : argv[1] + 5;
    if (is_option(p, role))
        return apr_psprintf(p, "%s: '%s': the ROLE must come before the options",
                            directive, argv[1]);
    const char *err = compile_pattern(a, p, directive, "role", role, &ru.role);
    apr_hash_t *seen = apr_hash_make(p);
    for (int i = 2; !err && i < argc; i++)
        err = parse_rule_option(a, p, directive, &ru, argv[i], &seen_branch, seen);
    if (err)
        return err;
    if (ru.kind == M_BRANCH && !seen_branch)
        return apr_psprintf(p, "%s %s: branch= is required (as in Buildbot 3.7)",
                            directive, argv[0]);
    APR_ARRAY_PUSH(a->rules, rule) = ru;
    return NULL;
}

static apr_hash_t *value_set(apr_pool_t *p, int argc, char *const argv[])
{
    apr_hash_t *h = apr_hash_make(p);
    for (int i = 0; i < argc; i++)
        apr_hash_set(h, apr_pstrdup(p, argv[i]), APR_HASH_KEY_STRING, "");
    return h;
}

/* ROLE[,ROLE...] of BuildbotRolesFromUsername, or the single ROLE of others. */
static const char *parse_roles(apr_pool_t *p, const char *directive, const char *arg,
                               int list, apr_array_header_t **out)
{
    *out = apr_array_make(p, 2, sizeof(const char *));
    char *last, *copy = apr_pstrdup(p, arg);
    if (!list) {
        if (!*arg)
            return apr_psprintf(p, "%s: the role must not be empty", directive);
        APR_ARRAY_PUSH(*out, const char *) = copy;
        return NULL;
    }
    if (!*arg || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
        return apr_psprintf(p, "%s: '%s' is not a comma-separated list of roles",
                            directive, arg);
    for (char *r = apr_strtok(copy, ",", &last); r; r = apr_strtok(NULL, ",", &last))
        APR_ARRAY_PUSH(*out, const char *) = r;
    return NULL;
}

const char *bbw_authz_add_role_matcher(bbw_authz *a, apr_pool_t *p, const char *directive,
                                       bbw_authz_role_kind kind, int argc, char *const argv[])
{
    role_matcher m = { kind, "", NULL, NULL };
    if (argc > MAX_ARGS)
        return apr_psprintf(p, "%s: more than %d arguments", directive, MAX_ARGS);
    switch (kind) {
    case BBW_ROLES_FROM_GROUPS:
        if (argc > 1)
            return apr_psprintf(p, "%s: takes at most one group prefix, got '%s'",
                                directive, joined(p, argc, argv));
        m.text = argc ? apr_pstrdup(p, argv[0]) : "";
        break;
    case BBW_ROLES_FROM_OWNER:
        if (argc != 1 || !*argv[0])
            return apr_psprintf(p, "%s: takes exactly one non-empty ROLE, got '%s'",
                                directive, joined(p, argc, argv));
        m.text = apr_pstrdup(p, argv[0]);
        a->has_owner_matchers = 1;
        break;
    default: {
        static const char *const what[] = { "", "EMAIL", "DOMAIN", "", "USERNAME" };
        if (argc < 2)
            return apr_psprintf(p, "%s: expected ROLE%s %s..., got '%s'",
                                directive, kind == BBW_ROLES_FROM_USERNAME ? "[,ROLE...]" : "",
                                what[kind], joined(p, argc, argv));
        const char *err = parse_roles(p, directive, argv[0],
                                      kind == BBW_ROLES_FROM_USERNAME, &m.roles);
        if (err)
            return err;
        for (int i = 1; i < argc; i++)
            if (!*argv[i])
                return apr_psprintf(p, "%s: empty %s in '%s'", directive, what[kind],
                                    joined(p, argc, argv));
        m.values = value_set(p, argc - 1, argv + 1);
    }
    }
    APR_ARRAY_PUSH(a->role_matchers, role_matcher) = m;
    return NULL;
}

const char *bbw_authz_add_view(bbw_authz *a, apr_pool_t *p, const char *directive,
                               int argc, char *const argv[])
{
    view_rule v = { 0, { NULL, NULL }, NULL, NULL };
    if (argc < 2 || argc > MAX_ARGS)
        return apr_psprintf(p, "%s: expected ROLE name:PATTERN|tag:PATTERN..., "
                            "got '%s'", directive, joined(p, argc, argv));
    v.names = apr_array_make(p, 2, sizeof(pattern));
    v.tags = apr_array_make(p, 2, sizeof(pattern));
    const char *err = NULL;
    if (!strcmp(argv[0], "*"))
        v.everyone = 1;         /* anonymous users have no role to match */
    else
        err = compile_pattern(a, p, directive, "role", argv[0], &v.role);
    for (int i = 1; !err && i < argc; i++) {
        const char *sel = argv[i];
        if (!strncasecmp(sel, "name:", 5))
            err = compile_pattern(a, p, directive, "builder name pattern", sel + 5,
                                  apr_array_push(v.names));
        else if (!strncasecmp(sel, "tag:", 4))
            err = compile_pattern(a, p, directive, "tag pattern", sel + 4,
                                  apr_array_push(v.tags));
        else
            err = apr_psprintf(p, "%s: '%s' is not name:PATTERN or tag:PATTERN",
                               directive, sel);
    }
    if (err)
        return err;
    APR_ARRAY_PUSH(a->views, view_rule) = v;
    return NULL;
}

/* ---- roles ---- */

typedef struct {
    apr_array_header_t *list;       /* const char * */
    apr_hash_t *seen;
} role_set;

static void role_add(role_set *rs, const char *role)
{
    if (!role || rs->list->nelts >= MAX_ROLES || strlen(role) > MAX_NAME_LEN
        || apr_hash_get(rs->seen, role, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(rs->seen, role, APR_HASH_KEY_STRING, "");
    APR_ARRAY_PUSH(rs->list, const char *) = role;
}

static void role_add_all(role_set *rs, const apr_array_header_t *roles)
{
    for (int i = 0; i < roles->nelts; i++)
        role_add(rs, APR_ARRAY_IDX(roles, i, const char *));
}

/* A string member of user_info, or NULL. */
static const char *user_str(json_t *user_info, const char *key)
{
    return json_string_value(json_object_get(user_info, key));
}

static void roles_from_groups(const role_matcher *m, apr_pool_t *p, json_t *ui, role_set *rs)
{
    json_t *groups = json_object_get(ui, "groups");
    size_t n = strlen(m->text), i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        const char *s = json_string_value(g);
        if (i >= MAX_ROLES)
            break;
        if (s && !strncmp(s, m->text, n))
            role_add(rs, apr_pstrdup(p, s + n));
    }
}

static void add_roles(const role_matcher *m, apr_pool_t *p, json_t *ui, role_set *rs)
{
    const char *email = user_str(ui, "email"), *key = NULL;
    switch (m->kind) {
    case BBW_ROLES_FROM_GROUPS:
        roles_from_groups(m, p, ui, rs);
        return;
    case BBW_ROLES_FROM_EMAILS:
        key = email;
        break;
    case BBW_ROLES_FROM_DOMAIN:
        key = email && strrchr(email, '@') ? strrchr(email, '@') + 1 : email;
        break;
    case BBW_ROLES_FROM_USERNAME:
        key = user_str(ui, "username");
        break;
    case BBW_ROLES_FROM_OWNER:
        return;                     /* only for matched objects */
    }
    if (key && apr_hash_get(m->values, key, APR_HASH_KEY_STRING))
        role_add_all(rs, m->roles);
}

static role_set user_roles(const bbw_authz *a, apr_pool_t *p, json_t *user_info)
{
    role_set rs = { apr_array_make(p, 4, sizeof(const char *)), apr_hash_make(p) };
    if (!a || !json_is_object(user_info))
        return rs;
    for (int i = 0; i < a->role_matchers->nelts; i++)
        add_roles(&APR_ARRAY_IDX(a->role_matchers, i, role_matcher), p, user_info, &rs);
    return rs;
}

apr_array_header_t *bbw_authz_roles(const bbw_authz *a, apr_pool_t *p, json_t *user_info)
{
    return user_roles(a, p, user_info).list;
}

static void add_owner_roles(const bbw_authz *a, json_t *user_info, const char *owner,
                            role_set *rs)
{
    const char *email = user_str(user_info, "email");
    if (!email || !owner || strcmp(email, owner))
        return;
    for (int i = 0; i < a->role_matchers->nelts; i++) {
        const role_matcher *m = &APR_ARRAY_IDX(a->role_matchers, i, role_matcher);
        if (m->kind == BBW_ROLES_FROM_OWNER)
            role_add(rs, m->text);
    }
}

/* ---- decision ---- */

/* Lookup results of one decision, fetched at most once. */
typedef struct {
    const bbw_authz_request *req;
    apr_pool_t *p;
    int have_builder, have_owner, have_targets;
    const char *builder, *owner;
    apr_array_header_t *targets;
} memo;

static const char *memo_builder(memo *m)
{
    const bbw_authz_lookup *l = &m->req->lookup;
    if (!m->have_builder && l->builder_name)
        m->builder = l->builder_name(l->baton, m->p);
    m->have_builder = 1;
    return m->builder;
}

static const char *memo_owner(memo *m)
{
    const bbw_authz_lookup *l = &m->req->lookup;
    if (!m->have_owner && l->owner)
        m->owner = l->owner(l->baton, m->p);
    m->have_owner = 1;
    return m->owner;
}

static apr_array_header_t *memo_targets(memo *m)
{
    const bbw_authz_lookup *l = &m->req->lookup;
    if (!m->have_targets && l->force_builders && m->req->scheduler)
        m->targets = l->force_builders(l->baton, m->p, m->req->scheduler, m->req->params);
    m->have_targets = 1;
    return m->targets;
}

/* Stop/Rebuild on a build or build request: a builder filter needs the
 * object to exist and its builder's name to match. */
static int match_object_builder(const bbw_authz *a, const rule *ru, memo *m)
{
    return !ru->builder || pattern_match(a, ru->builder, memo_builder(m));
}

static int match_force(const bbw_authz *a, const rule *ru, memo *m)
{
    if (!ru->builder)
        return 1;
    apr_array_header_t *targets = memo_targets(m);
    for (int i = 0; targets && i < targets->nelts; i++)
        if (pattern_match(a, ru->builder, APR_ARRAY_IDX(targets, i, const char *)))
            return 1;
    return 0;
}

/* Whether the rule's matcher applies; *object is set when the match carries
 * a build or build request (the only case where owner roles count). */
static int rule_matches(const bbw_authz *a, const rule *ru, memo *m, const char *action,
                        int *object)
{
    bbw_authz_ep kind = m->req->kind;
    int on_build = kind == BBW_AUTHZ_EP_BUILD, on_br = kind == BBW_AUTHZ_EP_BUILDREQUEST;
    *object = 0;
    switch (ru->kind) {
    case M_ANY:
        return 1;
    case M_ANY_CONTROL:
        return strcmp(action, "get") != 0;
    case M_FORCE:
        return kind == BBW_AUTHZ_EP_FORCESCHEDULER && !strcmp(action, "force")
               && match_force(a, ru, m);
    case M_STOP:
        *object = (on_build || on_br) && !strcmp(action, "stop") && match_object_builder(a, ru, m);
        return *object;
    case M_REBUILD:
        *object = on_build && !strcmp(action, "rebuild") && match_object_builder(a, ru, m);
        return *object;
    case M_ENABLE:
        return kind == BBW_AUTHZ_EP_SCHEDULER && !strcmp(action, "enable");
    case M_VIEW_BUILDS:
    case M_BRANCH:
        return 0;                   /* not implemented in 3.7 either */
    }
    return 0;
}

/* Lower-cased action, HEAD judged as GET (see the top of this file). */
static const char *normal_action(apr_pool_t *p, const char *action)
{
    char *s = apr_pstrndup(p, action ? action : "", MAX_NAME_LEN);
    for (char *c = s; *c; c++)
        *c = apr_tolower(*c);
    return strcmp(s, "head") ? s : "get";
}

static int has_role(const bbw_authz *a, const role_set *rs, const pattern *pat)
{
    for (int i = 0; i < rs->list->nelts; i++)
        if (pattern_match(a, pat, APR_ARRAY_IDX(rs->list, i, const char *)))
            return 1;
    return 0;
}

int bbw_authz_decide(const bbw_authz *a, apr_pool_t *p, const bbw_authz_request *req,
                     const char **deny_role)
{
    if (!a)
        return 1;
    role_set rs = user_roles(a, p, req->user_info);
    const char *action = normal_action(p, req->action);
    memo m = { req, p, 0, 0, 0, NULL, NULL, NULL };
    for (int i = 0; i < a->rules->nelts; i++) {
        const rule *ru = &APR_ARRAY_IDX(a->rules, i, rule);
        int object;
        if (!rule_matches(a, ru, &m, action, &object))
            continue;
        /* The role set grows with owner roles of each matched object. */
        if (object && a->has_owner_matchers)
            add_owner_roles(a, req->user_info, memo_owner(&m), &rs);
        if (has_role(a, &rs, &ru->role))
            return 1;
        if (ru->default_deny) {
            if (deny_role)
                *deny_role = ru->role.text;
            return 0;
        }
    }
    return 1;
}

/* ---- force scheduler targets ---- */

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Python's set(builderNames): list items, dict keys, or a string's
 * characters; other types give nothing (3.7 fails with a TypeError). */
static apr_hash_t *requested_names(apr_pool_t *p, json_t *names)
{
    apr_hash_t *h = apr_hash_make(p);
    size_t i;
    json_t *v;
    const char *key, *s = json_string_value(names);
    json_array_foreach(names, i, v) {
        if (json_is_string(v) && i < MAX_ROLES)
            apr_hash_set(h, json_string_value(v), APR_HASH_KEY_STRING, "");
    }
    json_object_foreach(names, key, v) {
        if (apr_hash_count(h) < MAX_ROLES)
            apr_hash_set(h, key, APR_HASH_KEY_STRING, "");
    }
    while (s && *s && apr_hash_count(h) < MAX_ROLES) {
        apr_uint32_t c;
        const char *next = next_cp(s, &c);
        apr_hash_set(h, apr_pstrndup(p, s, next - s), APR_HASH_KEY_STRING, "");
        s = next;
    }
    return h;
}

/* builderid as Buildbot would put it in a path: an integer or digits. */
static int builderid_of(json_t *v, apr_int64_t *id)
{
    const char *s = json_string_value(v);
    char *end;
    if (json_is_integer(v)) {
        *id = json_integer_value(v);
        return 1;
    }
    if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return 0;
    *id = apr_strtoi64(s, &end, 10);
    return 1;
}

apr_array_header_t *bbw_authz_force_targets(apr_pool_t *p,
                                            const apr_array_header_t *scheduler_builders,
                                            json_t *params, bbw_authz_builder_name_fn name_of,
                                            void *baton)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    json_t *names = json_object_get(params, "builderNames");
    json_t *builderid = json_object_get(params, "builderid");
    if (names && !json_is_null(names)) {
        apr_hash_t *wanted = requested_names(p, names), *added = apr_hash_make(p);
        for (int i = 0; i < scheduler_builders->nelts; i++) {
            const char *b = APR_ARRAY_IDX(scheduler_builders, i, const char *);
            if (apr_hash_get(wanted, b, APR_HASH_KEY_STRING)
                && !apr_hash_get(added, b, APR_HASH_KEY_STRING)) {
                apr_hash_set(added, b, APR_HASH_KEY_STRING, "");
                APR_ARRAY_PUSH(out, const char *) = b;
            }
        }
        qsort(out->elts, out->nelts, sizeof(const char *), cmp_str);
        return out;
    }
    if (builderid && !json_is_null(builderid)) {
        apr_int64_t id;
        const char *name = builderid_of(builderid, &id) && name_of ? name_of(baton, p, id) : NULL;
        if (name)
            APR_ARRAY_PUSH(out, const char *) = name;
        return out;
    }
    apr_array_cat(out, scheduler_builders);
    return out;
}

/* ---- visibility ---- */

int bbw_authz_restricts_view(const bbw_authz *a)
{
    return a && a->views->nelts > 0;
}

static int any_match(const bbw_authz *a, const apr_array_header_t *pats, const char *value)
{
    for (int i = 0; i < pats->nelts; i++)
        if (pattern_match(a, &APR_ARRAY_IDX(pats, i, pattern), value))
            return 1;
    return 0;
}

static int view_applies(const bbw_authz *a, const view_rule *v,
                        const apr_array_header_t *roles)
{
    if (v->everyone)
        return 1;
    for (int i = 0; roles && i < roles->nelts; i++)
        if (pattern_match(a, &v->role, APR_ARRAY_IDX(roles, i, const char *)))
            return 1;
    return 0;
}

static int view_selects(const bbw_authz *a, const view_rule *v, const char *name,
                        const apr_array_header_t *tags)
{
    if (any_match(a, v->names, name))
        return 1;
    for (int i = 0; tags && i < tags->nelts; i++)
        if (any_match(a, v->tags, APR_ARRAY_IDX(tags, i, const char *)))
            return 1;
    return 0;
}

int bbw_authz_builder_visible(const bbw_authz *a, const apr_array_header_t *roles,
                              const char *name, const apr_array_header_t *tags)
{
    if (!bbw_authz_restricts_view(a))
        return 1;
    for (int i = 0; i < a->views->nelts; i++) {
        const view_rule *v = &APR_ARRAY_IDX(a->views, i, view_rule);
        if (view_applies(a, v, roles) && view_selects(a, v, name, tags))
            return 1;
    }
    return 0;
}
