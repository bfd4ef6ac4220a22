/* User info and avatars from LDAP: Buildbot's LdapUserInfo (auth-session.md
 * §5.2), as the user-info provider of /auth/login and the `ldap` avatar
 * method. One new connection per lookup, with network and operation
 * timeouts, always unbound before returning. */
#ifndef BBW_LDAP_H
#define BBW_LDAP_H

#include "bbw.h"
#include <jansson.h>

/* Set by the BuildbotLDAP* directives; NULL/-1 = unset. A <Location> that
 * names any of them gets its own struct (bbw_dir_conf.ldap is inherited
 * whole), so give all of them together in one place. */
struct bbw_ldap_conf {
    const char *uri;                /* ldap[s]://host:port (port filled in) */
    int ldaps;                      /* TLS from the start */
    const char *bind_dn, *bind_password;    /* NULL: anonymous bind */
    const char *account_base;
    const char *account_pattern;    /* %(username)s */
    const char *account_full_name, *account_email;   /* attribute names */
    apr_array_header_t *account_extra_fields;        /* const char * */
    const char *group_base;
    const char *group_member_pattern;                /* %(dn)s */
    const char *group_name;                          /* attribute name */
    const char *avatar_pattern;     /* %(email)s */
    const char *avatar_data;        /* attribute with the image bytes */
    int start_tls;                  /* -1 = unset (off) */
    const char *ca_cert_file;       /* absolute path */
    int timeout;                    /* seconds; -1 = unset (5) */
};

/* getUserInfo(username): {username, full_name, email, extra fields...,
 * groups} (keys in that order) in *user_info (a new reference). On failure
 * returns an error status and sets *error to a one-line text for the
 * caller to log (e.g. `ldap search "(uid=x)" returned 0 results`; this
 * file logs it at debug level only). The username and the
 * DN are escaped for the filters (RFC 4515); bytes that are not UTF-8 are
 * replaced by U+FFFD. c may be NULL (no LDAP configured: an error). */
apr_status_t bbw_ldap_user_info(request_rec *r, const bbw_ldap_conf *c,
                                const char *username, json_t **user_info,
                                const char **error);

/* getUserAvatar(email, username): the first matching entry's avatar data
 * (searched by accountPattern when username is given, else by avatarPattern
 * with the email). Returns 1 with *data and *len (in r->pool) and
 * *content_type (image/jpeg|png|gif by magic bytes); 0 when there is no
 * such entry, attribute or known image type (next avatar method); -1 on an
 * error, already logged. username or email may be NULL. */
int bbw_ldap_avatar(request_rec *r, const bbw_ldap_conf *c, const char *email,
                    const char *username, const char **data, apr_size_t *len,
                    const char **content_type);

/* Command table entries (spliced into bbw_directives by bbw_config.c). */
const char *bbw_ldap_set_uri(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_set_bind(cmd_parms *cmd, void *cfg, const char *dn, const char *pw);
const char *bbw_ldap_set_account_base(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_set_account_pattern(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_set_attribute(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_add_extra_field(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_set_groups(cmd_parms *cmd, void *cfg, const char *base,
                                const char *pattern, const char *name);
const char *bbw_ldap_set_avatar(cmd_parms *cmd, void *cfg, const char *pattern,
                                const char *attribute);
const char *bbw_ldap_set_start_tls(cmd_parms *cmd, void *cfg, int on);
const char *bbw_ldap_set_ca_cert_file(cmd_parms *cmd, void *cfg, const char *arg);
const char *bbw_ldap_set_timeout(cmd_parms *cmd, void *cfg, const char *arg);

/* cmd->info of bbw_ldap_set_attribute: which field it fills. */
#define BBW_LDAP_FIELD(f) ((void *)APR_OFFSETOF(bbw_ldap_conf, f))

#define BBW_LDAP_DIRECTIVES \
    AP_INIT_TAKE1("BuildbotLDAPURI", bbw_ldap_set_uri, NULL, RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo uri: ldap://host[:port] or ldaps://host[:port]"), \
    AP_INIT_TAKE2("BuildbotLDAPBind", bbw_ldap_set_bind, NULL, RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo bindUser and bindPw: DN PASSWORD (absent: anonymous bind)"), \
    AP_INIT_TAKE1("BuildbotLDAPAccountBase", bbw_ldap_set_account_base, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo accountBase: the DN below which accounts are searched"), \
    AP_INIT_TAKE1("BuildbotLDAPAccountPattern", bbw_ldap_set_account_pattern, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo accountPattern: a filter with %(username)s, e.g. (uid=%(username)s)"), \
    AP_INIT_TAKE1("BuildbotLDAPAccountFullName", bbw_ldap_set_attribute, \
        BBW_LDAP_FIELD(account_full_name), RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo accountFullName: attribute holding the full name"), \
    AP_INIT_TAKE1("BuildbotLDAPAccountEmail", bbw_ldap_set_attribute, \
        BBW_LDAP_FIELD(account_email), RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo accountEmail: attribute holding the email address"), \
    AP_INIT_ITERATE("BuildbotLDAPAccountExtraFields", bbw_ldap_add_extra_field, NULL, \
        RSRC_CONF | ACCESS_CONF, "LdapUserInfo accountExtraFields: more attributes"), \
    AP_INIT_TAKE3("BuildbotLDAPGroups", bbw_ldap_set_groups, NULL, RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo groupBase, groupMemberPattern (with %(dn)s) and groupName"), \
    AP_INIT_TAKE2("BuildbotLDAPAvatar", bbw_ldap_set_avatar, NULL, RSRC_CONF | ACCESS_CONF, \
        "LdapUserInfo avatarPattern (with %(email)s) and avatarData attribute"), \
    AP_INIT_FLAG("BuildbotLDAPStartTLS", bbw_ldap_set_start_tls, NULL, \
        RSRC_CONF | ACCESS_CONF, "Upgrade ldap:// connections with StartTLS"), \
    AP_INIT_TAKE1("BuildbotLDAPCACertFile", bbw_ldap_set_ca_cert_file, NULL, \
        RSRC_CONF | ACCESS_CONF, "CA certificates (PEM) that verify the LDAP server"), \
    AP_INIT_TAKE1("BuildbotLDAPTimeout", bbw_ldap_set_timeout, NULL, \
        RSRC_CONF | ACCESS_CONF, "Seconds allowed for connecting and for each operation"),

#endif
