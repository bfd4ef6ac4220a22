/* Private header shared by mod_bbwww's httpd-facing files. */
#ifndef BBW_H
#define BBW_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#ifndef BBW_MODULE_MAIN   /* AP_DECLARE_MODULE declares it there */
APLOG_USE_MODULE(bbwww);
#endif

extern module AP_MODULE_DECLARE_DATA bbwww_module;

/* Numbered log lines: "BBW00001: ...". httpd reserves AHnnnnn for itself;
 * the next free number is kept in build/next-logno. */
#define BBWLOGNO(n) "BBW" #n ": "


/* Owned by their own files; the dir conf only holds pointers, inherited
 * whole by a <Location> that says nothing about them. */
typedef struct bbw_authz bbw_authz;             /* bbw_authz.h */
typedef struct bbw_ldap_conf bbw_ldap_conf;     /* bbw_ldap.h */
typedef struct bbw_avatar_conf bbw_avatar_conf; /* bbw_avatar.h */
typedef struct bbw_ui_conf bbw_ui_conf;         /* bbw_ui.h */
typedef struct bbw_badges_conf bbw_badges_conf; /* bbw_badges.h */
typedef struct bbw_hooks_conf bbw_hooks_conf;   /* bbw_hooks.h */
typedef struct bbw_oauth2_conf bbw_oauth2_conf; /* bbw_oauth2.h */

typedef struct {
    const char *mount;              /* the <Location> path the module serves */
    const char *buildbot_url;       /* BuildbotURL, ends in '/' */
    const char *url_mount;          /* BuildbotURL's path, ends in '/' */
    int json_cache_seconds;         /* -1 = unset */
    int rest_minimum_version;       /* -1 = unset */
    apr_array_header_t *allowed_origins;    /* glob patterns; NULL = unset */
    int response_cache;             /* -1 = unset (on) */
    /* Identity and control (bbw_session.c, bbw_auth.c, bbw_control.c). */
    const char *master_url;         /* BuildbotMaster, ends in '/'; "" = none */
    int cookie_expiration;          /* seconds; -1 = unset (7 days) */
    const char *auth_name;          /* BuildbotAuth descriptor name */
    int auth_autologin;             /* -1 = unset */
    const char *remote_user_header; /* BuildbotRemoteUserHeader */
    void *remote_user_regex;        /* ap_regex_t * */
    const char *remote_user_pattern;
    apr_array_header_t *user_info_env;  /* bbw_env_map, BuildbotUserInfoEnv */
    const char *title, *title_url;  /* BuildbotTitle, BuildbotTitleURL */
    int ws_ping_interval;           /* -1 = unset */
    bbw_authz *authz;
    bbw_ldap_conf *ldap;
    bbw_avatar_conf *avatar;
    bbw_ui_conf *ui;                /* UI directives (bbw_ui.c) */
    bbw_badges_conf *badges;        /* BuildbotBadges (bbw_badges.c) */
    bbw_hooks_conf *hooks;          /* BuildbotChangeHook* (bbw_hooks.c) */
    bbw_oauth2_conf *oauth2;        /* BuildbotOAuth2 (bbw_oauth2.c) */
} bbw_dir_conf;

/* Configuration (bbw_config.c). */
extern const command_rec bbw_directives[];
void *bbw_create_dir_conf(apr_pool_t *p, char *dir);
void *bbw_merge_dir_conf(apr_pool_t *p, void *base, void *add);
const bbw_dir_conf *bbw_conf(request_rec *r);
int bbw_conf_json_cache_seconds(const bbw_dir_conf *c);
int bbw_conf_rest_minimum_version(const bbw_dir_conf *c);
const char *bbw_conf_buildbot_url(request_rec *r, const bbw_dir_conf *c);
int bbw_conf_response_cache(const bbw_dir_conf *c);
/* The path the site is mounted at, always ending in '/'. */
const char *bbw_conf_mount(request_rec *r, const bbw_dir_conf *c);
/* allowed_origins, defaulting to the origin of BuildbotURL. */
const apr_array_header_t *bbw_conf_allowed_origins(request_rec *r, const bbw_dir_conf *c);

/* Whole answers (bbw_http.c). status 0 keeps r->status; no body on HEAD. */
int bbw_send(request_rec *r, int status, const char *ctype, const char *body, apr_size_t len);
/* Buildbot's {"error": "<message>"}; the message may hold any bytes. */
int bbw_send_error(request_rec *r, int status, const char *ctype, const char *message);

/* Handlers. */
int bbw_rest_handler(request_rec *r, const char *relpath);

#endif
