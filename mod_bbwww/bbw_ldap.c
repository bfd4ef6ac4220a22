/* LdapUserInfo (auth-session.md §5.2): user info and avatar data from an
 * LDAP directory, through OpenLDAP's libldap. Each lookup opens its own
 * connection (as Buildbot does), bounded by timeouts so that a dead server
 * cannot hold a request, and unbinds before returning.
 *
 * Deliberate difference from Buildbot: the username and the email are
 * escaped before they go into a filter (Buildbot escapes only the DN). */
#include "bbw.h"
#include "bbw_ldap.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <errno.h>
#include <ldap.h>
#include <string.h>
#include <sys/socket.h>

#define TIMEOUT_SECONDS_DEFAULT 5
#define MAX_TIMEOUT 600
#define AVATAR_MAX_BYTES (1024 * 1024)

/* ------------------------------------------------------------ patterns */

/* Checks a Buildbot pattern, Python's `pattern % {key: value}` with one
 * key: "%(key)s" and "%%" are the only % sequences it may hold. Returns
 * how many times the key occurs, or -1 with *bad set to the offending
 * part. */
static int pattern_check(apr_pool_t *p, const char *pattern, const char *key,
                         const char **bad)
{
    size_t key_len = strlen(key);
    int uses = 0;
    for (const char *s = pattern; (s = strchr(s, '%')); ) {
        if (s[1] == '%') {
            s += 2;
        } else if (s[1] == '(' && !strncmp(s + 2, key, key_len)
                   && s[2 + key_len] == ')' && s[3 + key_len] == 's') {
            s += 4 + key_len;
            uses++;
        } else {
            const char *close = s[1] == '(' ? strchr(s, ')') : NULL;
            *bad = close ? apr_pstrmemdup(p, s, close - s + 2) : apr_pstrndup(p, s, 2);
            return -1;
        }
    }
    return uses;
}

/* The pattern with each "%(key)s" replaced by value and "%%" by "%".
 * The pattern has passed pattern_check at configuration time. */
static const char *pattern_expand(apr_pool_t *p, const char *pattern, const char *key,
                                  const char *value)
{
    const char *bad;
    int uses = pattern_check(p, pattern, key, &bad);
    size_t key_len = strlen(key), value_len = strlen(value);
    char *out = apr_palloc(p, strlen(pattern) + (uses > 0 ? uses : 0) * value_len + 1);
    char *o = out;
    for (const char *s = pattern; *s; ) {
        if (*s != '%') {
            *o++ = *s++;
        } else if (s[1] == '%') {
            *o++ = '%';
            s += 2;
        } else {
            memcpy(o, value, value_len);
            o += value_len;
            s += 4 + key_len;
        }
    }
    *o = '\0';
    return out;
}

/* An assertion value for a filter (RFC 4515 §3): \ * ( ) and NUL as \XX. */
static const char *filter_escape(apr_pool_t *p, const char *value)
{
    char *out = apr_palloc(p, 3 * strlen(value) + 1), *o = out;
    for (const char *s = value; *s; s++) {
        if (strchr("\\*()", *s)) {
            o += sprintf(o, "\\%02x", (unsigned char)*s);
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------ UTF-8 */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xE0) lo = 0xA0;
    if (s[0] == 0xED) hi = 0x9F;
    if (s[0] == 0xF0) lo = 0x90;
    if (s[0] == 0xF4) hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* A JSON string of LDAP bytes. Attribute values are not always text (an
 * octet-string field, a broken directory): each byte that does not start a
 * well-formed sequence becomes U+FFFD rather than failing the lookup. */
static json_t *json_bytes(apr_pool_t *p, const char *bytes, size_t n)
{
    json_t *s = json_stringn(bytes, n);
    if (s)
        return s;
    char *clean = apr_palloc(p, 3 * n + 1), *o = clean;
    const unsigned char *b = (const unsigned char *)bytes;
    for (size_t i = 0; i < n; ) {
        size_t len = utf8_sequence(b + i, n - i);
        if (len) {
            memcpy(o, b + i, len);
            o += len;
            i += len;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    return json_stringn(clean, o - clean);
}

/* ------------------------------------------------------------ connection */

static int timeout_of(const bbw_ldap_conf *c)
{
    return c->timeout > 0 ? c->timeout : TIMEOUT_SECONDS_DEFAULT;
}

/* "what: LDAP's error (server's diagnostic)" */
static const char *ldap_error(apr_pool_t *p, LDAP *ld, int rc, const char *what)
{
    char *diag = NULL;
    const char *text;
    if (ld)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    text = diag && *diag
         ? apr_psprintf(p, "%s: %s (%s)", what, ldap_err2string(rc), diag)
         : apr_psprintf(p, "%s: %s", what, ldap_err2string(rc));
    if (diag)
        ldap_memfree(diag);
    return text;
}

/* TLS settings of this handle only (a new context), never the process-wide
 * ones that other modules (mod_ldap) may rely on. */
static int set_tls_options(LDAP *ld, const bbw_ldap_conf *c)
{
    int demand = LDAP_OPT_X_TLS_DEMAND, client = 0, rc;
    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (rc == LDAP_SUCCESS && c->ca_cert_file)
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_cert_file);
    if (rc == LDAP_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &client);
    return rc;
}

/* libldap 2.5 spins on its non-blocking socket during a TLS handshake
 * with a server that accepts and then stays silent, ignoring the network
 * timeout (seen with 2.5.13). So once TCP is connected (within that
 * timeout), the socket goes back to blocking mode, bounded by the kernel's
 * receive and send timeouts, and this layer under TLS turns their EAGAIN
 * into a hard error: otherwise the handshake would retry it forever. */
static ber_slen_t deadline_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
    ber_slen_t n = LBER_SBIOD_READ_NEXT(sbiod, buf, len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        errno = ETIMEDOUT;
    return n;
}

static ber_slen_t deadline_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
    ber_slen_t n = LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        errno = ETIMEDOUT;
    return n;
}

static int deadline_ctrl(Sockbuf_IO_Desc *sbiod, int option, void *arg)
{
    return LBER_SBIOD_CTRL_NEXT(sbiod, option, arg);
}

static Sockbuf_IO deadline_io = {
    NULL, NULL, deadline_ctrl, deadline_read, deadline_write, NULL
};

static int on_connect(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
                      struct ldap_conncb *ctx)
{
    const bbw_ldap_conf *c = ctx->lc_arg;
    struct timeval tv = { timeout_of(c), 0 }, none = { -1, 0 };
    ber_socket_t fd;
    if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) != 1
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)
        || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv)
        || ber_sockbuf_add_io(sb, &deadline_io, LBER_SBIOD_LEVEL_TRANSPORT, NULL))
        return LDAP_LOCAL_ERROR;
    /* -1: no network timeout, so the handshake keeps the socket blocking */
    return ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &none);
}

static void on_disconnect(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
}

static int set_options(request_rec *r, LDAP *ld, const bbw_ldap_conf *c)
{
    struct ldap_conncb *callbacks = apr_pcalloc(r->pool, sizeof *callbacks);
    int version = LDAP_VERSION3, seconds = timeout_of(c), rc;
    struct timeval tv = { seconds, 0 };
    /* NETWORK_TIMEOUT bounds connect() and the TLS handshake, TIMEOUT
     * every synchronous call's wait for an answer, TIMELIMIT the server. */
    rc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    if (rc == LDAP_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    if (rc == LDAP_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    if (rc == LDAP_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &seconds);
    if (rc == LDAP_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (rc == LDAP_SUCCESS) {
        callbacks->lc_add = on_connect;
        callbacks->lc_del = on_disconnect;
        callbacks->lc_arg = (void *)c;
        rc = ldap_set_option(ld, LDAP_OPT_CONNECT_CB, callbacks);
    }
    if (rc == LDAP_SUCCESS && (c->ldaps || c->start_tls == 1))
        rc = set_tls_options(ld, c);
    return rc;
}

/* A connection bound as BuildbotLDAPBind (or anonymously); NULL with
 * *error set when any step fails. */
static LDAP *ldap_open(request_rec *r, const bbw_ldap_conf *c, const char **error)
{
    LDAP *ld = NULL;
    int rc = ldap_initialize(&ld, c->uri);
    if (rc != LDAP_SUCCESS) {
        *error = ldap_error(r->pool, NULL, rc, apr_pstrcat(r->pool, "ldap_initialize ",
                                                           c->uri, NULL));
        return NULL;
    }
    rc = set_options(r, ld, c);
    if (rc != LDAP_SUCCESS) {
        *error = ldap_error(r->pool, ld, rc, "setting LDAP options");
    } else if (c->start_tls == 1 && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
        *error = ldap_error(r->pool, ld, rc, apr_pstrcat(r->pool, "StartTLS with ",
                                                         c->uri, NULL));
    } else {
        struct berval password = { 0, NULL };
        if (c->bind_password) {
            password.bv_val = (char *)c->bind_password;
            password.bv_len = strlen(c->bind_password);
        }
        rc = ldap_sasl_bind_s(ld, c->bind_dn, LDAP_SASL_SIMPLE, &password,
                              NULL, NULL, NULL);
        if (rc == LDAP_SUCCESS)
            return ld;
        *error = ldap_error(r->pool, ld, rc,
                            apr_psprintf(r->pool, "bind to %s as %s", c->uri,
                                         c->bind_dn ? c->bind_dn : "anonymous"));
    }
    ldap_unbind_ext_s(ld, NULL, NULL);
    return NULL;
}

/* A subtree search; *res is set (free with ldap_msgfree) only on success.
 * A size limit reached still counts as success: the entries up to it
 * arrived. */
static int ldap_find(request_rec *r, LDAP *ld, const bbw_ldap_conf *c, const char *base,
                     const char *filter, char **attrs, int sizelimit, LDAPMessage **res,
                     const char **error)
{
    struct timeval tv = { timeout_of(c), 0 };
    *res = NULL;
    int rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0,
                               NULL, NULL, &tv, sizelimit, res);
    if (rc == LDAP_SUCCESS || (rc == LDAP_SIZELIMIT_EXCEEDED && *res))
        return LDAP_SUCCESS;
    *error = ldap_error(r->pool, ld, rc, apr_psprintf(r->pool, "ldap search \"%s\" in %s",
                                                      filter, base));
    if (*res)
        ldap_msgfree(*res);
    *res = NULL;
    return rc;
}

/* ------------------------------------------------------------ user info */

/* The first value of attr as a JSON string; JSON null when there is none. */
static json_t *first_value(request_rec *r, LDAP *ld, LDAPMessage *entry, const char *attr)
{
    struct berval **values = ldap_get_values_len(ld, entry, attr);
    json_t *v = values && values[0] ? json_bytes(r->pool, values[0]->bv_val,
                                                 values[0]->bv_len) : NULL;
    if (values)
        ldap_value_free_len(values);
    return v ? v : json_null();
}

static char **account_attributes(request_rec *r, const bbw_ldap_conf *c)
{
    int extra = c->account_extra_fields ? c->account_extra_fields->nelts : 0;
    char **attrs = apr_pcalloc(r->pool, (extra + 3) * sizeof *attrs);
    attrs[0] = (char *)c->account_email;
    attrs[1] = (char *)c->account_full_name;
    for (int i = 0; i < extra; i++)
        attrs[2 + i] = APR_ARRAY_IDX(c->account_extra_fields, i, char *);
    return attrs;
}

/* The entry's keys in Buildbot's order; extra fields only when present. */
static json_t *entry_info(request_rec *r, LDAP *ld, LDAPMessage *entry,
                          const bbw_ldap_conf *c, const char *username)
{
    json_t *info = json_object();
    json_object_set_new(info, "username", json_bytes(r->pool, username, strlen(username)));
    json_object_set_new(info, "full_name", first_value(r, ld, entry, c->account_full_name));
    json_object_set_new(info, "email", first_value(r, ld, entry, c->account_email));
    for (int i = 0; c->account_extra_fields && i < c->account_extra_fields->nelts; i++) {
        const char *field = APR_ARRAY_IDX(c->account_extra_fields, i, const char *);
        json_t *v = first_value(r, ld, entry, field);
        if (json_is_null(v))
            json_decref(v);
        else
            json_object_set_new(info, field, v);
    }
    return info;
}

/* Every value of groupName in the entries whose member is dn. */
static apr_status_t find_groups(request_rec *r, LDAP *ld, const bbw_ldap_conf *c,
                                const char *dn, json_t *groups, const char **error)
{
    char *attrs[] = { (char *)c->group_name, NULL };
    const char *filter = pattern_expand(r->pool, c->group_member_pattern, "dn",
                                        filter_escape(r->pool, dn));
    LDAPMessage *res;
    if (ldap_find(r, ld, c, c->group_base, filter, attrs, 0, &res, error) != LDAP_SUCCESS)
        return APR_EGENERAL;
    for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
        struct berval **values = ldap_get_values_len(ld, e, c->group_name);
        for (int i = 0; values && values[i]; i++)
            json_array_append_new(groups, json_bytes(r->pool, values[i]->bv_val,
                                                     values[i]->bv_len));
        if (values)
            ldap_value_free_len(values);
    }
    ldap_msgfree(res);
    return APR_SUCCESS;
}

/* getUserInfo on an open connection. */
static apr_status_t lookup_user(request_rec *r, LDAP *ld, const bbw_ldap_conf *c,
                                const char *username, json_t **user_info, const char **error)
{
    const char *filter = pattern_expand(r->pool, c->account_pattern, "username",
                                        filter_escape(r->pool, username));
    LDAPMessage *res;
    if (ldap_find(r, ld, c, c->account_base, filter, account_attributes(r, c), 0,
                  &res, error) != LDAP_SUCCESS)
        return APR_EGENERAL;
    int n = ldap_count_entries(ld, res);
    if (n != 1) {
        ldap_msgfree(res);
        *error = apr_psprintf(r->pool, "ldap search \"%s\" returned %d results", filter, n);
        return APR_NOTFOUND;
    }
    LDAPMessage *entry = ldap_first_entry(ld, res);
    char *dn = ldap_get_dn(ld, entry);
    const char *user_dn = dn ? apr_pstrdup(r->pool, dn) : "";
    if (dn)
        ldap_memfree(dn);
    json_t *info = entry_info(r, ld, entry, c, username);
    ldap_msgfree(res);

    json_t *groups = json_array();
    json_object_set_new(info, "groups", groups);
    if (c->group_base && find_groups(r, ld, c, user_dn, groups, error) != APR_SUCCESS) {
        json_decref(info);
        return APR_EGENERAL;
    }
    *user_info = info;
    return APR_SUCCESS;
}

/* What a lookup needs that the configuration lacks, NULL if nothing. */
static const char *missing_user_conf(const bbw_ldap_conf *c)
{
    if (!c || !c->uri)
        return "BuildbotLDAPURI";
    if (!c->account_base)
        return "BuildbotLDAPAccountBase";
    if (!c->account_pattern)
        return "BuildbotLDAPAccountPattern";
    if (!c->account_full_name)
        return "BuildbotLDAPAccountFullName";
    if (!c->account_email)
        return "BuildbotLDAPAccountEmail";
    return NULL;
}

apr_status_t bbw_ldap_user_info(request_rec *r, const bbw_ldap_conf *c,
                                const char *username, json_t **user_info,
                                const char **error)
{
    const char *missing = missing_user_conf(c);
    apr_status_t rv = APR_EGENERAL;
    LDAP *ld;
    *user_info = NULL;
    *error = NULL;
    if (!username || !*username) {
        username = "";
        *error = "no username to look up";
    } else if (missing) {
        *error = apr_pstrcat(r->pool, "LDAP user info is not configured: ", missing,
                             " is not set", NULL);
    } else if ((ld = ldap_open(r, c, error))) {
        rv = lookup_user(r, ld, c, username, user_info, error);
        ldap_unbind_ext_s(ld, NULL, NULL);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00120)
                      "LDAP user info for '%s': %s", ap_escape_logitem(r->pool, username),
                      *error);
    } else {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00121)
                      "LDAP user info for '%s' from %s", ap_escape_logitem(r->pool, username),
                      c->uri);
    }
    return rv;
}

/* ------------------------------------------------------------ avatars */

static const char *image_type(const unsigned char *b, size_t n)
{
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (n >= 4 && !memcmp(b, "\x89PNG", 4))
        return "image/png";
    if (n >= 4 && !memcmp(b, "GIF8", 4))
        return "image/gif";
    return NULL;
}

/* The first value of avatarData of the first entry the filter finds. */
static int lookup_avatar(request_rec *r, LDAP *ld, const bbw_ldap_conf *c,
                         const char *filter, const char **data, apr_size_t *len,
                         const char **content_type, const char **error)
{
    char *attrs[] = { (char *)c->avatar_data, NULL };
    LDAPMessage *res, *entry;
    struct berval **values = NULL;
    int found = 0;
    if (ldap_find(r, ld, c, c->account_base, filter, attrs, 1, &res, error) != LDAP_SUCCESS)
        return -1;
    if ((entry = ldap_first_entry(ld, res)))
        values = ldap_get_values_len(ld, entry, c->avatar_data);
    if (values && values[0]) {
        const struct berval *v = values[0];
        const char *type = image_type((const unsigned char *)v->bv_val, v->bv_len);
        if (v->bv_len > AVATAR_MAX_BYTES) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00122)
                          "LDAP avatar for \"%s\": %lu bytes, more than the %d allowed",
                          filter, (unsigned long)v->bv_len, AVATAR_MAX_BYTES);
        } else if (type) {
            *data = apr_pmemdup(r->pool, v->bv_val, v->bv_len);
            *len = v->bv_len;
            *content_type = type;
            found = 1;
        }
    }
    if (values)
        ldap_value_free_len(values);
    ldap_msgfree(res);
    return found;
}

/* Buildbot's choice: accountPattern with the username if there is one,
 * else avatarPattern with the email, else nothing to look for (NULL). */
static const char *avatar_filter(request_rec *r, const bbw_ldap_conf *c, const char *email,
                                 const char *username, const char **missing)
{
    if (username && *username) {
        if (!c->account_pattern)
            *missing = "BuildbotLDAPAccountPattern";
        return pattern_expand(r->pool, c->account_pattern ? c->account_pattern : "",
                              "username", filter_escape(r->pool, username));
    }
    if (email && *email) {
        if (!c->avatar_pattern)
            *missing = "BuildbotLDAPAvatar";
        return pattern_expand(r->pool, c->avatar_pattern ? c->avatar_pattern : "",
                              "email", filter_escape(r->pool, email));
    }
    return NULL;
}

int bbw_ldap_avatar(request_rec *r, const bbw_ldap_conf *c, const char *email,
                    const char *username, const char **data, apr_size_t *len,
                    const char **content_type)
{
    const char *missing = NULL, *error = NULL, *filter = NULL;
    LDAP *ld;
    int found = -1;
    *data = NULL;
    *len = 0;
    *content_type = NULL;
    if (!c || !c->uri)
        missing = "BuildbotLDAPURI";
    else if (!c->account_base)
        missing = "BuildbotLDAPAccountBase";
    else if (!c->avatar_data)
        missing = "BuildbotLDAPAvatar";
    else if (!(filter = avatar_filter(r, c, email, username, &missing)))
        return 0;
    if (missing) {
        error = apr_pstrcat(r->pool, "LDAP avatars are not configured: ", missing,
                            " is not set", NULL);
    } else if ((ld = ldap_open(r, c, &error))) {
        found = lookup_avatar(r, ld, c, filter, data, len, content_type, &error);
        ldap_unbind_ext_s(ld, NULL, NULL);
    }
    if (found < 0)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00123) "LDAP avatar: %s", error);
    else
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00124)
                      "LDAP avatar for \"%s\": %s", filter,
                      found ? *content_type : "none");
    return found;
}

/* ------------------------------------------------------------ directives */

static bbw_ldap_conf *conf_of(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *d = cfg;
    if (!d->ldap) {
        d->ldap = apr_pcalloc(cmd->pool, sizeof *d->ldap);
        d->ldap->start_tls = -1;
        d->ldap->timeout = -1;
    }
    return d->ldap;
}

static const char *bad_value(cmd_parms *cmd, const char *value, const char *expected)
{
    return apr_psprintf(cmd->pool, "%s: '%s' is not %s", cmd->directive->directive,
                        value, expected);
}

/* An attribute description: a name or numeric OID, with ;options. */
static int valid_attribute(const char *s)
{
    size_t n = strspn(s, "0123456789.");
    if (n && (!s[n] || s[n] == ';') && s[n - 1] != '.' && !strstr(s, ".."))
        s += n;
    else if (apr_isalpha(*s))
        s += strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
    else
        return 0;
    while (*s == ';') {
        size_t opt = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-");
        if (!opt)
            return 0;
        s += 1 + opt;
    }
    return *s == '\0';
}

static int valid_dn(const char *s)
{
    LDAPDN dn = NULL;
    int rc = ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3);
    if (dn)
        ldap_dnfree(dn);
    return rc == LDAP_SUCCESS;
}

/* A filter pattern: only "%(key)s" and "%%", and balanced parentheses. */
static const char *check_pattern(cmd_parms *cmd, const char *pattern, const char *key)
{
    const char *bad;
    int depth = 0;
    if (pattern_check(cmd->pool, pattern, key, &bad) < 0)
        return apr_psprintf(cmd->pool, "%s: '%s' in '%s' is not %%(%s)s or %%%%",
                            cmd->directive->directive, bad, pattern, key);
    for (const char *s = pattern; *s && depth >= 0; s++)
        depth += *s == '(' ? 1 : *s == ')' ? -1 : 0;
    if (!*pattern || depth)
        return bad_value(cmd, pattern, "an LDAP filter with balanced parentheses");
    return NULL;
}

/* "scheme://host[:port][/]": the port is optional here (Buildbot wants
 * it); the DN, attributes, filter parts of an LDAP URL mean nothing. */
const char *bbw_ldap_set_uri(cmd_parms *cmd, void *cfg, const char *arg)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    const char *expected = "ldap://host[:port] or ldaps://host[:port]";
    const char *rest = strstr(arg, "://");
    LDAPURLDesc *url = NULL;
    if (!rest || ((rest = strchr(rest + 3, '/')) && rest[1]))
        return bad_value(cmd, arg, expected);
    if (ldap_url_parse(arg, &url) != LDAP_URL_SUCCESS)
        return bad_value(cmd, arg, expected);
    int ldaps = !strcasecmp(url->lud_scheme, "ldaps");
    int ok = (ldaps || !strcasecmp(url->lud_scheme, "ldap")) && url->lud_host
             && *url->lud_host && url->lud_port >= 0 && url->lud_port <= 65535;
    if (ok) {
        int port = url->lud_port ? url->lud_port : ldaps ? 636 : 389;
        const char *host = strchr(url->lud_host, ':')
                         ? apr_pstrcat(cmd->pool, "[", url->lud_host, "]", NULL)
                         : apr_pstrdup(cmd->pool, url->lud_host);
        c->uri = apr_psprintf(cmd->pool, "%s://%s:%d/", ldaps ? "ldaps" : "ldap", host, port);
        c->ldaps = ldaps;
    }
    ldap_free_urldesc(url);
    if (!ok)
        return bad_value(cmd, arg, expected);
    if (c->ldaps && c->start_tls == 1)
        return apr_psprintf(cmd->pool, "%s: StartTLS (BuildbotLDAPStartTLS On) needs an "
                            "ldap:// URI, not '%s'", cmd->directive->directive, arg);
    return NULL;
}

const char *bbw_ldap_set_bind(cmd_parms *cmd, void *cfg, const char *dn, const char *pw)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    if (!*dn || !valid_dn(dn))
        return bad_value(cmd, dn, "a DN such as cn=buildbot,dc=example,dc=org");
    c->bind_dn = dn;
    c->bind_password = pw;
    return NULL;
}

const char *bbw_ldap_set_account_base(cmd_parms *cmd, void *cfg, const char *arg)
{
    if (!valid_dn(arg))
        return bad_value(cmd, arg, "a DN such as ou=people,dc=example,dc=org");
    conf_of(cmd, cfg)->account_base = arg;
    return NULL;
}

const char *bbw_ldap_set_account_pattern(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *err = check_pattern(cmd, arg, "username");
    if (err)
        return err;
    conf_of(cmd, cfg)->account_pattern = arg;
    return NULL;
}

const char *bbw_ldap_set_attribute(cmd_parms *cmd, void *cfg, const char *arg)
{
    if (!valid_attribute(arg))
        return bad_value(cmd, arg, "an LDAP attribute name");
    *(const char **)((char *)conf_of(cmd, cfg) + (apr_size_t)cmd->info) = arg;
    return NULL;
}

const char *bbw_ldap_add_extra_field(cmd_parms *cmd, void *cfg, const char *arg)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    if (!valid_attribute(arg))
        return bad_value(cmd, arg, "an LDAP attribute name");
    if (!c->account_extra_fields)
        c->account_extra_fields = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(c->account_extra_fields, const char *) = arg;
    return NULL;
}

const char *bbw_ldap_set_groups(cmd_parms *cmd, void *cfg, const char *base,
                                const char *pattern, const char *name)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    const char *err = check_pattern(cmd, pattern, "dn");
    if (!valid_dn(base))
        return bad_value(cmd, base, "a group base DN such as ou=groups,dc=example,dc=org");
    if (err)
        return err;
    if (!valid_attribute(name))
        return bad_value(cmd, name, "an LDAP attribute name (the group's name)");
    c->group_base = base;
    c->group_member_pattern = pattern;
    c->group_name = name;
    return NULL;
}

const char *bbw_ldap_set_avatar(cmd_parms *cmd, void *cfg, const char *pattern,
                                const char *attribute)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    const char *err = check_pattern(cmd, pattern, "email");
    if (err)
        return err;
    if (!valid_attribute(attribute))
        return bad_value(cmd, attribute, "an LDAP attribute name (the avatar data)");
    c->avatar_pattern = pattern;
    c->avatar_data = attribute;
    return NULL;
}

const char *bbw_ldap_set_start_tls(cmd_parms *cmd, void *cfg, int on)
{
    bbw_ldap_conf *c = conf_of(cmd, cfg);
    if (on && c->ldaps)
        return apr_psprintf(cmd->pool, "%s: On needs an ldap:// BuildbotLDAPURI, not %s",
                            cmd->directive->directive, c->uri);
    c->start_tls = on;
    return NULL;
}

const char *bbw_ldap_set_ca_cert_file(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t info;
    if (!path || apr_stat(&info, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS
        || info.filetype != APR_REG)
        return bad_value(cmd, arg, "a readable file of PEM certificates");
    conf_of(cmd, cfg)->ca_cert_file = path;
    return NULL;
}

const char *bbw_ldap_set_timeout(cmd_parms *cmd, void *cfg, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v < 1 || v > MAX_TIMEOUT)
        return bad_value(cmd, arg, apr_psprintf(cmd->pool, "a whole number of seconds "
                                                "between 1 and %d", MAX_TIMEOUT));
    conf_of(cmd, cfg)->timeout = (int)v;
    return NULL;
}
