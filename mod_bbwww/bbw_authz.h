/* Buildbot 3.7's authz (allow rules, role matchers, string matchers;
 * spec/authz.md) and mod_bbwww's read-level builder visibility.
 * Pure: APR, Jansson and PCRE2 only, so unit tests link it directly.
 * The directive handlers (bbw_authz_conf.c) are declared only when httpd's
 * http_config.h was included first. */
#ifndef BBW_AUTHZ_H
#define BBW_AUTHZ_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* Same typedef as bbw.h (a repeated identical typedef is valid C11). */
typedef struct bbw_authz bbw_authz;

/* ---- configuration (each returns NULL or an error naming the directive
 * and the bad value; patterns are compiled here, so configtest fails) ---- */

bbw_authz *bbw_authz_make(apr_pool_t *p);

/* BuildbotAuthzStrings fnmatch|regex: the string matcher of the patterns
 * that follow. Changing it once a pattern was added is an error. */
const char *bbw_authz_set_strings(bbw_authz *a, apr_pool_t *p, const char *directive,
                                  const char *mode);

/* BuildbotAllow MATCHER ROLE [builder=P] [branch=B] [project=P] [defaultDeny=true|false] */
const char *bbw_authz_add_rule(bbw_authz *a, apr_pool_t *p, const char *directive,
                               int argc, char *const argv[]);

typedef enum {
    BBW_ROLES_FROM_GROUPS,      /* [PREFIX] */
    BBW_ROLES_FROM_EMAILS,      /* ROLE EMAIL... */
    BBW_ROLES_FROM_DOMAIN,      /* ROLE DOMAIN... */
    BBW_ROLES_FROM_OWNER,       /* ROLE */
    BBW_ROLES_FROM_USERNAME     /* ROLE[,ROLE...] USERNAME... */
} bbw_authz_role_kind;

const char *bbw_authz_add_role_matcher(bbw_authz *a, apr_pool_t *p, const char *directive,
                                       bbw_authz_role_kind kind, int argc, char *const argv[]);

/* BuildbotViewBuilders ROLE SELECTOR... (SELECTOR: name:PATTERN | tag:PATTERN;
 * ROLE "*" = everyone, anonymous included). */
const char *bbw_authz_add_view(bbw_authz *a, apr_pool_t *p, const char *directive,
                               int argc, char *const argv[]);

/* ---- evaluation ---- */

/* What the request addresses, as far as the endpoint matchers care. */
typedef enum {
    BBW_AUTHZ_EP_OTHER,             /* any other valid API path */
    BBW_AUTHZ_EP_INVALID,           /* no endpoint matches the path */
    BBW_AUTHZ_EP_BUILD,             /* one build */
    BBW_AUTHZ_EP_BUILDREQUEST,      /* one build request */
    BBW_AUTHZ_EP_FORCESCHEDULER,    /* /forceschedulers/<name> */
    BBW_AUTHZ_EP_SCHEDULER          /* one scheduler */
} bbw_authz_ep;

/* Lookups, called lazily (only when a matcher needs them) and at most once
 * per decision. A NULL callback behaves as one returning NULL. */
typedef struct {
    /* Builder name of the addressed build / build request; NULL = no such object. */
    const char *(*builder_name)(void *baton, apr_pool_t *p);
    /* Owner of the addressed build / build request; NULL = none. */
    const char *(*owner)(void *baton, apr_pool_t *p);
    /* Builder names a force call would target (bbw_authz_force_targets);
     * NULL = the force scheduler is unknown. */
    apr_array_header_t *(*force_builders)(void *baton, apr_pool_t *p,
                                          const char *scheduler, json_t *params);
    void *baton;
} bbw_authz_lookup;

typedef struct {
    bbw_authz_ep kind;
    const char *scheduler;      /* force scheduler name (BBW_AUTHZ_EP_FORCESCHEDULER) */
    const char *action;         /* "GET"/"HEAD" or the JSON-RPC method, as sent */
    json_t *params;             /* JSON-RPC params object, or NULL */
    json_t *user_info;          /* the session's user_info, or NULL */
    bbw_authz_lookup lookup;
} bbw_authz_request;

/* The roles of non-owner role matchers for user_info: array of const char *,
 * without duplicates. */
apr_array_header_t *bbw_authz_roles(const bbw_authz *a, apr_pool_t *p, json_t *user_info);

/* spec/authz.md §2: 1 = allowed, 0 = denied with *deny_role set to the
 * denying rule's role pattern. A NULL authz allows everything. */
int bbw_authz_decide(const bbw_authz *a, apr_pool_t *p, const bbw_authz_request *req,
                     const char **deny_role);

/* What a force scheduler would target (spec §4): params.builderNames
 * intersected with scheduler_builders (sorted), else the builder named by
 * params.builderid (name_of; NULL = unknown id), else scheduler_builders. */
typedef const char *(*bbw_authz_builder_name_fn)(void *baton, apr_pool_t *p,
                                                 apr_int64_t builderid);
apr_array_header_t *bbw_authz_force_targets(apr_pool_t *p,
                                            const apr_array_header_t *scheduler_builders,
                                            json_t *params, bbw_authz_builder_name_fn name_of,
                                            void *baton);

/* Buildbot's string matchers, as configured (fnmatch unless regex). */
int bbw_authz_match(const bbw_authz *a, const char *value, const char *pattern);
/* Python fnmatch.fnmatchcase on UTF-8 strings. */
int bbw_authz_fnmatch(const char *pattern, const char *value);

/* ---- read-level visibility ---- */

/* Non-zero once any BuildbotViewBuilders is configured. */
int bbw_authz_restricts_view(const bbw_authz *a);
/* Whether a user with roles (const char *) sees the builder with this name
 * and tags (const char *, may be NULL). Always 1 when not restricted. */
int bbw_authz_builder_visible(const bbw_authz *a, const apr_array_header_t *roles,
                              const char *name, const apr_array_header_t *tags);

/* ---- directives (bbw_authz_conf.c) ---- */
#ifdef AP_INIT_TAKE_ARGV
const char *bbw_authz_cmd_allow(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_groups(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_emails(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_domain(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_owner(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_username(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);
const char *bbw_authz_cmd_strings(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_authz_cmd_view(cmd_parms *cmd, void *cfg, int argc, char *const argv[]);

#define BBW_AUTHZ_DIRECTIVES \
    AP_INIT_TAKE_ARGV("BuildbotAllow", bbw_authz_cmd_allow, NULL, RSRC_CONF | ACCESS_CONF, \
        "authz allow rule: MATCHER ROLE [builder=PATTERN] [defaultDeny=true|false]"), \
    AP_INIT_TAKE_ARGV("BuildbotRolesFromGroups", bbw_authz_cmd_groups, NULL, \
        RSRC_CONF | ACCESS_CONF, "role matcher: [GROUP-PREFIX]"), \
    AP_INIT_TAKE_ARGV("BuildbotRolesFromEmails", bbw_authz_cmd_emails, NULL, \
        RSRC_CONF | ACCESS_CONF, "role matcher: ROLE EMAIL..."), \
    AP_INIT_TAKE_ARGV("BuildbotRolesFromDomain", bbw_authz_cmd_domain, NULL, \
        RSRC_CONF | ACCESS_CONF, "role matcher: ROLE DOMAIN..."), \
    AP_INIT_TAKE_ARGV("BuildbotRolesFromOwner", bbw_authz_cmd_owner, NULL, \
        RSRC_CONF | ACCESS_CONF, "role matcher: ROLE (granted to a build's owner)"), \
    AP_INIT_TAKE_ARGV("BuildbotRolesFromUsername", bbw_authz_cmd_username, NULL, \
        RSRC_CONF | ACCESS_CONF, "role matcher: ROLE[,ROLE...] USERNAME..."), \
    AP_INIT_TAKE1("BuildbotAuthzStrings", bbw_authz_cmd_strings, NULL, \
        RSRC_CONF | ACCESS_CONF, "fnmatch|regex: how the patterns that follow match"), \
    AP_INIT_TAKE_ARGV("BuildbotViewBuilders", bbw_authz_cmd_view, NULL, \
        RSRC_CONF | ACCESS_CONF, "ROLE name:PATTERN|tag:PATTERN...: builders ROLE may see"),
#else
#define BBW_AUTHZ_DIRECTIVES
#endif

#endif
