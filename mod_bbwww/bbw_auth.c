/* /auth/login and /auth/logout. Apache authenticates (any provider on the
 * /auth/login location: htpasswd files, LDAP, OpenID Connect, client
 * certificates...) or a trusted front proxy names the user in a header; this
 * file turns that user into a Buildbot session. */
#include "bbw.h"
#include "bbw_auth.h"
#include "bbw_ldap.h"
#include "bbw_oauth2.h"
#include "bbw_session.h"

#include <apr_strings.h>
#include <ap_regex.h>
#include <string.h>

/* ------------------------------------------------------------- providers */

static json_t *env_value(request_rec *r, const bbw_env_map *m)
{
    const char *v = apr_table_get(r->subprocess_env, m->variable);
    if (!v)
        return NULL;
    if (!m->separator)
        return json_string(v);          /* NULL for invalid UTF-8: skipped */
    json_t *list = json_array();
    char *copy = apr_pstrdup(r->pool, v), *state = NULL;
    for (char *item = apr_strtok(copy, m->separator, &state); item;
         item = apr_strtok(NULL, m->separator, &state)) {
        while (*item == ' ')
            item++;
        size_t n = strlen(item);
        while (n && item[n - 1] == ' ')
            item[--n] = '\0';
        if (n)
            json_array_append_new(list, json_string(item));
    }
    return list;
}

static void from_environment(request_rec *r, const bbw_dir_conf *c, json_t *user)
{
    for (int i = 0; i < c->user_info_env->nelts; i++) {
        const bbw_env_map *m = &APR_ARRAY_IDX(c->user_info_env, i, bbw_env_map);
        json_t *v = env_value(r, m);
        if (v)
            json_object_set_new(user, m->key, v);
    }
}

json_t *bbw_auth_user_info(request_rec *r, const json_t *base)
{
    const bbw_dir_conf *c = bbw_conf(r);
    const char *username = json_string_value(json_object_get(base, "username"));
    json_t *user = json_deep_copy(base);
    if (!username || !user) {
        json_decref(user);
        return NULL;
    }
    if (c->user_info_env && c->user_info_env->nelts) {
        from_environment(r, c, user);
    }
    else if (c->ldap) {
        json_t *found = NULL;
        const char *error = NULL;
        if (bbw_ldap_user_info(r, c->ldap, username, &found, &error) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00037)
                          "user info for '%s' from LDAP: %s", username,
                          error ? error : "failed");
            json_decref(user);
            return NULL;
        }
        json_object_update(user, found);
        json_decref(found);
        return user;
    }
    /* Buildbot's default provider: the user name doubles as the email. */
    if (!json_object_get(user, "email"))
        json_object_set_new(user, "email", json_string(username));
    return user;
}

/* ------------------------------------------------------------- answers */

static int send_text(request_rec *r, int status, const char *ctype, const char *body)
{
    return bbw_send(r, status, ctype, body, strlen(body));
}

static int twisted_failure(request_rec *r)
{
    return send_text(r, HTTP_INTERNAL_SERVER_ERROR, "text/html",
                     "<html><head><title>Processing Failed</title></head>"
                     "<body><b>Processing Failed</b></body></html>");
}

static int internal_error(request_rec *r)
{
    return send_text(r, HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                     "internal error - see logs");
}

static int twisted_404(request_rec *r)
{
    return send_text(r, HTTP_NOT_FOUND, "text/html; charset=utf-8",
                     "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n"
                     "  <body>\n    <h1>No Such Resource</h1>\n"
                     "    <p>No such child resource.</p>\n  </body>\n</html>\n");
}

static int not_allowed(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
    return send_text(r, HTTP_METHOD_NOT_ALLOWED, "text/html; charset=utf-8",
                     "<html><head><title>405 - Method Not Allowed</title></head>"
                     "<body><h1>Method Not Allowed</h1></body></html>");
}

/* The first "redirect" query value, decoded. It lands after '#' in the
 * Location, so it can only choose a page of this site; anything from the
 * first control character on is dropped (Buildbot drops from CR/LF). */
static const char *redirect_target(request_rec *r)
{
    const char *args = r->args;
    while (args && *args) {
        size_t len = strcspn(args, "&;");
        if (len >= 9 && strncmp(args, "redirect=", 9) == 0) {
            char *v = apr_pstrmemdup(r->pool, args + 9, len - 9);
            /* Decoded once ('+' too); a bad escape stays as it is. */
            ap_unescape_urlencoded(v);
            size_t keep = 0;
            while (v[keep] && (unsigned char)v[keep] >= 0x20 && v[keep] != 0x7f)
                keep++;
            v[keep] = '\0';
            return v;
        }
        args += len + (args[len] ? 1 : 0);
    }
    return "/";
}

static int redirect_home(request_rec *r)
{
    const char *base = bbw_conf_buildbot_url(r, bbw_conf(r));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, base, "#", redirect_target(r), NULL));
    r->status = HTTP_MOVED_TEMPORARILY;
    ap_set_content_length(r, 0);
    return OK;
}

/* ------------------------------------------------------------- login */

/* Who logs in: the trusted header's user, else the one Apache
 * authenticated on this location. NULL (and *status) when nobody. */
static json_t *authenticated_user(request_rec *r, const bbw_dir_conf *c, int *status)
{
    if (c->remote_user_header) {
        /* bbw_session_user() already logged the header's user in. */
        json_t *user = bbw_session_user(r);
        const char *value = apr_table_get(r->headers_in, c->remote_user_header);
        if (!bbw_session_is_anonymous(user) && value) {
            json_incref(user);
            *status = -1;               /* session already started */
            return user;
        }
        if (!r->user) {
            const char *why = value
                ? apr_psprintf(r->pool, "http header does not match regex! \"%s\" not matching %s",
                               ap_escape_html(r->pool, value), c->remote_user_pattern)
                : apr_psprintf(r->pool, "missing http header %s. Check your reverse proxy config!",
                               c->remote_user_header);
            *status = HTTP_FORBIDDEN;
            send_text(r, HTTP_FORBIDDEN, "text/plain; charset=utf-8", why);
            return NULL;
        }
    }
    if (!r->user || !*r->user) {
        ap_log_rerror(APLOG_MARK, c->auth_name ? APLOG_ERR : APLOG_INFO, 0, r, BBWLOGNO(00038)
                      "/auth/login reached without an authenticated user: protect it "
                      "with Apache authentication (AuthType ... Require valid-user) or set "
                      "BuildbotRemoteUserHeader");
        *status = HTTP_INTERNAL_SERVER_ERROR;
        twisted_failure(r);
        return NULL;
    }
    json_t *base = json_object();
    json_t *name = json_string(r->user);
    if (!name) {
        json_decref(base);
        *status = HTTP_FORBIDDEN;
        send_text(r, HTTP_FORBIDDEN, "text/plain; charset=utf-8", "user name is not UTF-8");
        return NULL;
    }
    json_object_set_new(base, "username", name);
    json_t *user = bbw_auth_user_info(r, base);
    json_decref(base);
    if (!user) {
        *status = HTTP_INTERNAL_SERVER_ERROR;
        internal_error(r);
    }
    return user;
}

static int login(request_rec *r)
{
    const bbw_dir_conf *c = bbw_conf(r);
    int status = 0;
    if (c->oauth2)                       /* GitHubAuth, BitbucketAuth */
        return bbw_oauth2_login(r);
    json_t *user = authenticated_user(r, c, &status);
    if (!user)
        return OK;                       /* the answer is already written */
    int started = status == -1 || bbw_session_start(r, user);
    json_decref(user);
    if (!started)
        return internal_error(r);
    return redirect_home(r);
}

static int logout(request_rec *r)
{
    json_t *anonymous = json_pack("{s:b}", "anonymous", 1);
    int started = bbw_session_start(r, anonymous);
    json_decref(anonymous);
    if (!started)
        return internal_error(r);
    return redirect_home(r);
}

int bbw_auth_handler(request_rec *r, const char *rest)
{
    if (!rest || !*rest)
        return not_allowed(r);          /* "/auth" renders nothing itself */
    if (strcmp(rest, "login") == 0)
        return login(r);
    if (strcmp(rest, "logout") == 0) {
        if (r->method_number != M_GET)
            return not_allowed(r);
        return logout(r);
    }
    return twisted_404(r);
}

/* ------------------------------------------------------------- descriptor */

static const struct {
    const char *name, *icon;
} oauth2_kinds[] = {
    { "Google", "fa-google-plus" },
    { "GitHub", "fa-github" },
    { "GitLab", "fa-git" },
    { "Bitbucket", "fa-bitbucket" },
};

json_t *bbw_auth_descriptor(const bbw_dir_conf *c)
{
    json_t *oauth2 = bbw_oauth2_descriptor(c);
    if (oauth2)
        return oauth2;
    const char *name = c->auth_name ? c->auth_name
                       : c->remote_user_header ? "RemoteUserAuth" : "NoAuth";
    for (size_t i = 0; i < sizeof oauth2_kinds / sizeof *oauth2_kinds; i++)
        if (strcmp(name, oauth2_kinds[i].name) == 0)
            return json_pack("{s:s, s:b, s:s, s:b}", "name", name, "oauth2", 1,
                             "fa_icon", oauth2_kinds[i].icon,
                             "autologin", c->auth_autologin > 0);
    return json_pack("{s:s}", "name", name);
}
