/* GitHubAuth and BitbucketAuth (auth-session.md §4.6), with libcurl.
 *
 *   /auth/login[?redirect=R]        → 302 <authorize>?client_id=..&state=redirect%3DR
 *   /auth/login?code=C[&state=S]    → POST <token> (credentials in the body),
 *                                     GET/POST the provider's API as the user,
 *                                     mint Buildbot's session, 302 buildbotURL#R
 *
 * Everything the provider answers is bounded (size, time) and type-checked
 * before use; none of it reaches a response header. */
#include "bbw_query.h"
#include "bbw.h"
#include "bbw_oauth2.h"
#include "bbw_auth.h"
#include "bbw_json.h"
#include "bbw_session.h"

#include <apr_strings.h>
#include <apr_uri.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define OAUTH2_USER_AGENT       "buildbot/3.7.0 (mod_bbwww)"
#define OAUTH2_TIMEOUT          30          /* seconds, as Buildbot 4.x */
#define OAUTH2_CONNECT_TIMEOUT  10
#define OAUTH2_TOKEN_MAX        (64 * 1024)
#define OAUTH2_API_MAX          (1024 * 1024)
#define OAUTH2_VALUE_MAX        4096        /* code, state, redirect, token */
#define OAUTH2_SECRET_MAX       4096
#define OAUTH2_MESSAGE_MAX      300         /* provider text in a 503 body */

#define GITHUB_LOGIN            "https://github.com"
#define GITHUB_API              "https://api.github.com"
#define GITHUB_SCOPE            "user:email read:org"
#define GITHUB_ACCEPT           "application/vnd.github.v3+json"
#define BITBUCKET_LOGIN         "https://bitbucket.org"
#define BITBUCKET_API           "https://api.bitbucket.org/2.0"

typedef enum { KIND_GITHUB, KIND_BITBUCKET } oauth2_kind;

struct bbw_oauth2_conf {
    oauth2_kind kind;
    const char *client_id, *client_secret;
    const char *authorize_url, *token_url;
    const char *api;                /* REST base, no trailing '/' */
    const char *graphql;            /* GitHub v4 endpoint */
    int api_version;                /* GitHub: 3 or 4 */
    int teams;                      /* GitHub getTeamsMembership */
    int autologin;                  /* -1 = unset: BuildbotAuthAutologin */
    int verify;
    int timeout;
};

static const struct {
    const char *name, *icon;
} kinds[] = {
    [KIND_GITHUB] = { "GitHub", "fa-github" },
    [KIND_BITBUCKET] = { "Bitbucket", "fa-bitbucket" },
};

/* ------------------------------------------------------------- encoding */

static int is_ascii_alnum(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Printable ASCII, no space: fit for a header, a URL or a log line. */
static int is_token_text(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* Python's quote_plus: letters, digits and "_.-~" stay, ' ' is '+'. */
static char *form_encode(apr_pool_t *p, const char *s, apr_size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, len * 3 + 1), *o = out;
    for (apr_size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (is_ascii_alnum(ch) || (ch && strchr("_.-~", ch)))
            *o++ = (char)ch;
        else if (ch == ' ')
            *o++ = '+';
        else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o = '\0';
    return out;
}

static const char *form_encodes(apr_pool_t *p, const char *s)
{
    return form_encode(p, s, strlen(s));
}

/* The first value of `key` in a query or form string (items split on '&',
 * as Python's parse_qs), decoded; NULL when absent. */
static const char *form_value(apr_pool_t *p, const char *s, const char *key, apr_size_t *len)
{
    size_t klen = strlen(key);
    while (s && *s) {
        size_t n = strcspn(s, "&");
        const char *eq = memchr(s, '=', n);
        if (eq) {
            apr_size_t dlen;
            const char *name = bbw_form_decode(p, s, (apr_size_t)(eq - s), 1, &dlen);
            if (dlen == klen && memcmp(name, key, klen) == 0)
                return bbw_form_decode(p, eq + 1, n - (size_t)(eq + 1 - s), 1, len);
        }
        s += n + (s[n] ? 1 : 0);
    }
    return NULL;
}

/* A GraphQL string body: the escapes GraphQL shares with JSON. */
static const char *graphql_string(apr_pool_t *p, const char *s)
{
    bbw_buf b;
    bbw_buf_init(&b, p, strlen(s) + 8);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            bbw_buf_add(&b, "\\", 1);
            bbw_buf_add(&b, s, 1);
        }
        else if (ch < 0x20) {
            char esc[8];
            apr_snprintf(esc, sizeof esc, "\\u%04x", ch);
            bbw_buf_adds(&b, esc);
        }
        else
            bbw_buf_add(&b, s, 1);
    }
    return b.data;
}

/* Provider text for a response body: at most OAUTH2_MESSAGE_MAX bytes,
 * control characters as spaces, cut on a UTF-8 boundary. */
static const char *body_text(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s);
    if (n > OAUTH2_MESSAGE_MAX) {
        n = OAUTH2_MESSAGE_MAX;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *out = apr_pstrmemdup(p, s, n);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    return out;
}

/* ------------------------------------------------------------- answers */

static int send_text(request_rec *r, int status, const char *body)
{
    return bbw_send(r, status, "text/plain; charset=utf-8", body, strlen(body));
}

static int internal_error(request_rec *r)
{
    return send_text(r, HTTP_INTERNAL_SERVER_ERROR, "internal error - see logs");
}

static int redirect_to(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    r->status = HTTP_MOVED_TEMPORARILY;
    ap_set_content_length(r, 0);
    return OK;
}

/* ------------------------------------------------------------- HTTP */

typedef struct {
    bbw_buf body;
    apr_size_t max;
    int too_big;
} oauth2_response;

static size_t collect(char *data, size_t size, size_t count, void *ctx)
{
    oauth2_response *resp = ctx;
    size_t n = size * count;
    if (resp->body.len + n > resp->max) {
        resp->too_big = 1;
        return 0;                   /* makes curl fail the transfer */
    }
    bbw_buf_add(&resp->body, data, n);
    return n;
}

/* One request; `what` names it in log lines (never the URL: Bitbucket's
 * carries the token). 0 with *status and the body, -1 when no answer
 * came (logged). */
static int http_call(request_rec *r, const bbw_oauth2_conf *oc, const char *what,
                     const char *url, const char *post, struct curl_slist *headers,
                     apr_size_t max, long *status, oauth2_response *resp)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *curl = curl_easy_init();
    *status = 0;
    bbw_buf_init(&resp->body, r->pool, 4096);
    resp->max = max;
    resp->too_big = 0;
    if (!curl) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00240)
                      "oauth2: cannot create a libcurl handle");
        return -1;
    }
    long timeout = oc->timeout > 0 ? oc->timeout : OAUTH2_TIMEOUT;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, OAUTH2_USER_AGENT);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);      /* threaded MPMs */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     timeout < OAUTH2_CONNECT_TIMEOUT ? timeout : OAUTH2_CONNECT_TIMEOUT);
    /* No redirects: the token and the credentials stay with the endpoint
     * that was configured. */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, oc->verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, oc->verify ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (post) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        /* The provider being unreachable is not this server's fault. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00241)
                      "oauth2: %s %s failed: %s", kinds[oc->kind].name, what,
                      resp->too_big ? apr_psprintf(r->pool, "answer larger than %"
                                                   APR_SIZE_T_FMT " bytes", max)
                                    : *errbuf ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

/* A JSON API call as the user: 0 with the parsed 2xx answer in *doc. */
static int api_call(request_rec *r, const bbw_oauth2_conf *oc, const char *what,
                    const char *url, const char *post, struct curl_slist *headers,
                    json_t **doc)
{
    oauth2_response resp;
    long status;
    json_error_t error;
    *doc = NULL;
    if (http_call(r, oc, what, url, post, headers, OAUTH2_API_MAX, &status, &resp) < 0)
        return -1;
    if (status < 200 || status > 299) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00242)
                      "oauth2: %s %s answered HTTP %ld", kinds[oc->kind].name, what, status);
        return -1;
    }
    *doc = json_loadb(resp.body.data, resp.body.len, 0, &error);
    if (!*doc) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00243)
                      "oauth2: %s %s answered no JSON: %s", kinds[oc->kind].name, what,
                      error.text);
        return -1;
    }
    return 0;
}

static int malformed(request_rec *r, const bbw_oauth2_conf *oc, const char *what,
                     const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00244)
                  "oauth2: %s %s: unexpected answer (%s)", kinds[oc->kind].name, what, why);
    return -1;
}

/* A string member or JSON null ("name" of a user without one); a missing
 * member reads as null. 0 when it is something else. */
static int string_or_null(json_t *object, const char *key, json_t **out)
{
    json_t *v = json_object_get(object, key);
    if (!v || json_is_null(v)) {
        *out = json_null();
        return 1;
    }
    if (!json_is_string(v))
        return 0;
    *out = json_incref(v);
    return 1;
}

/* ------------------------------------------------------------- token */

/* The token endpoint's answer: JSON, or else a form (first value of each
 * key, blank values dropped), as Buildbot parses it. New reference. */
static json_t *token_content(request_rec *r, const oauth2_response *resp)
{
    json_t *doc = json_loadb(resp->body.data, resp->body.len, 0, NULL);
    if (doc)
        return doc;
    doc = json_object();
    if (memchr(resp->body.data, '\0', resp->body.len))
        return doc;
    for (const char *s = resp->body.data; *s;) {
        size_t n = strcspn(s, "&");
        const char *eq = memchr(s, '=', n);
        if (eq && eq + 1 < s + n) {
            const char *key = bbw_form_decode(r->pool, s, (apr_size_t)(eq - s), 1, NULL);
            const char *value = bbw_form_decode(r->pool, eq + 1, n - (size_t)(eq + 1 - s), 1, NULL);
            json_t *v = json_string(value);         /* NULL unless UTF-8 */
            if (v && !json_object_get(doc, key))
                json_object_set_new(doc, key, v);
            else
                json_decref(v);
        }
        s += n + (s[n] ? 1 : 0);
    }
    return doc;
}

/* Trade the code for an access token. Returns the token, or NULL with the
 * answer already written (503 for a provider's error, else 500). */
static const char *fetch_token(request_rec *r, const bbw_oauth2_conf *oc, const char *code,
                               apr_size_t code_len, const char *login_uri, int *answered)
{
    const char *post = apr_pstrcat(r->pool,
        "redirect_uri=", form_encodes(r->pool, login_uri),
        "&code=", form_encode(r->pool, code, code_len),
        "&grant_type=authorization_code",
        "&client_id=", form_encodes(r->pool, oc->client_id),
        "&client_secret=", form_encodes(r->pool, oc->client_secret), NULL);
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    oauth2_response resp;
    long status;
    int rc = http_call(r, oc, "token request", oc->token_url, post, headers,
                       OAUTH2_TOKEN_MAX, &status, &resp);
    curl_slist_free_all(headers);
    *answered = 0;
    if (rc < 0)
        return NULL;
    json_t *content = token_content(r, &resp);
    json_t *error = json_object_get(content, "error");
    if (error) {
        /* Buildbot 4.x: the provider's refusal, as a 503 with its words. */
        json_t *desc = json_object_get(content, "error_description");
        const char *text = json_is_string(desc) ? json_string_value(desc)
                         : json_is_string(error) ? json_string_value(error)
                         : "unknown error";
        text = body_text(r->pool, text);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00245)
                      "oauth2: %s token request refused (HTTP %ld): %s",
                      kinds[oc->kind].name, status, text);
        json_decref(content);
        *answered = 1;
        send_text(r, HTTP_SERVICE_UNAVAILABLE,
                  apr_pstrcat(r->pool, "OAuth2 session: creation failed: ", text, NULL));
        return NULL;
    }
    if (status < 200 || status > 299) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00246)
                      "oauth2: %s token request answered HTTP %ld",
                      kinds[oc->kind].name, status);
        json_decref(content);
        return NULL;
    }
    const char *token = json_string_value(json_object_get(content, "access_token"));
    if (!token || strlen(token) > OAUTH2_VALUE_MAX || !is_token_text(token)) {
        malformed(r, oc, "token request", token ? "unusable access_token" : "no access_token");
        json_decref(content);
        return NULL;
    }
    token = apr_pstrdup(r->pool, token);
    json_decref(content);
    return token;
}

/* ------------------------------------------------------------- GitHub */

static struct curl_slist *github_headers(request_rec *r, const char *token, int graphql)
{
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, apr_pstrcat(r->pool, "Authorization: token ", token, NULL));
    h = curl_slist_append(h, graphql ? "Accept: application/json" : "Accept: " GITHUB_ACCEPT);
    if (graphql)
        h = curl_slist_append(h, "Content-Type: application/json");
    return h;
}

static int github_get(request_rec *r, const bbw_oauth2_conf *oc, const char *token,
                      const char *path, json_t **doc)
{
    struct curl_slist *h = github_headers(r, token, 0);
    int rc = api_call(r, oc, apr_pstrcat(r->pool, "GET ", path, NULL),
                      apr_pstrcat(r->pool, oc->api, path, NULL), NULL, h, doc);
    curl_slist_free_all(h);
    return rc;
}

/* POST {"query": Q} to the GraphQL endpoint; *data = the answer's "data"
 * object (a new reference). */
static int github_graphql(request_rec *r, const bbw_oauth2_conf *oc, const char *token,
                          const char *what, const char *query, json_t **data)
{
    json_t *body = json_pack("{s:s}", "query", query);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return malformed(r, oc, what, "query is not UTF-8");
    const char *post = apr_pstrdup(r->pool, text);
    free(text);
    struct curl_slist *h = github_headers(r, token, 1);
    json_t *doc;
    int rc = api_call(r, oc, what, oc->graphql, post, h, &doc);
    curl_slist_free_all(h);
    *data = NULL;
    if (rc < 0)
        return -1;
    json_t *d = json_object_get(doc, "data");
    if (!json_is_object(d)) {
        json_t *errors = json_array_get(json_object_get(doc, "errors"), 0);
        const char *message = json_string_value(json_object_get(errors, "message"));
        json_decref(doc);
        return malformed(r, oc, what, message ? body_text(r->pool, message) : "no data");
    }
    *data = json_incref(d);
    json_decref(doc);
    return 0;
}

/* GET /user, /user/emails (the primary one wins), /user/orgs. */
static json_t *github_v3(request_rec *r, const bbw_oauth2_conf *oc, const char *token)
{
    json_t *user = NULL, *emails = NULL, *orgs = NULL, *info = NULL;
    json_t *name, *email;
    if (github_get(r, oc, token, "/user", &user) < 0)
        goto done;
    if (!json_is_string(json_object_get(user, "login"))
        || !string_or_null(user, "name", &name)) {
        malformed(r, oc, "GET /user", "login and name");
        goto done;
    }
    json_decref(name);
    if (github_get(r, oc, token, "/user/emails", &emails) < 0)
        goto done;
    if (!json_is_array(emails)) {
        malformed(r, oc, "GET /user/emails", "not a list");
        goto done;
    }
    if (github_get(r, oc, token, "/user/orgs", &orgs) < 0)
        goto done;
    if (!json_is_array(orgs)) {
        malformed(r, oc, "GET /user/orgs", "not a list");
        goto done;
    }
    if (!string_or_null(user, "email", &email)) {
        malformed(r, oc, "GET /user", "email");
        goto done;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(emails, i, entry) {
        if (json_is_true(json_object_get(entry, "primary"))) {
            json_t *address = json_object_get(entry, "email");
            if (!json_is_string(address)) {
                json_decref(email);
                malformed(r, oc, "GET /user/emails", "primary email");
                goto done;
            }
            json_decref(email);
            email = json_incref(address);
            break;
        }
    }
    json_t *groups = json_array();
    json_array_foreach(orgs, i, entry) {
        json_t *login = json_object_get(entry, "login");
        if (!json_is_string(login)) {
            json_decref(groups);
            json_decref(email);
            malformed(r, oc, "GET /user/orgs", "org login");
            goto done;
        }
        json_array_append(groups, login);
    }
    string_or_null(user, "name", &name);
    info = json_object();
    json_object_set_new(info, "full_name", name);
    json_object_set_new(info, "email", email);
    json_object_set(info, "username", json_object_get(user, "login"));
    json_object_set_new(info, "groups", groups);
done:
    json_decref(user);
    json_decref(emails);
    json_decref(orgs);
    return info;
}

/* GitHubAuth's viewer query, byte for byte. */
static const char github_viewer_query[] =
    "query {\n  viewer {\n    email\n    login\n    name\n"
    "    organizations(first: 100) {\n      edges {\n        node {\n"
    "          login\n        }\n      }\n    }\n  }\n}";

/* A GraphQL alias for an org login: every character outside [_a-zA-Z0-9]
 * becomes '_' (Buildbot); a leading digit, which GraphQL refuses in a
 * name, gets a '_' in front (Buildbot sends it as is and fails). */
static const char *github_alias(apr_pool_t *p, const char *login)
{
    char *alias = apr_pstrcat(p, login[0] >= '0' && login[0] <= '9' ? "_" : "", login, NULL);
    for (char *c = alias; *c; c++)
        if (!is_ascii_alnum((unsigned char)*c) && *c != '_')
            *c = '_';
    return alias;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* getTeamsMembership: one query with an alias per org; "<org>/<name>"
 * and "<org>/<slug>" of each team, de-duplicated and sorted, appended to
 * the groups. Orgs answering null (OAuth app restrictions) are skipped. */
static int github_teams(request_rec *r, const bbw_oauth2_conf *oc, const char *token,
                        json_t *info)
{
    json_t *groups = json_object_get(info, "groups");
    const char *username = json_string_value(json_object_get(info, "username"));
    apr_table_t *orgs = apr_table_make(r->pool, 8);       /* alias → org */
    apr_array_header_t *order = apr_array_make(r->pool, 8, sizeof(const char *));
    size_t i;
    json_t *v;
    json_array_foreach(groups, i, v) {
        const char *org = json_string_value(v);
        const char *alias = github_alias(r->pool, org);
        if (!apr_table_get(orgs, alias))
            APR_ARRAY_PUSH(order, const char *) = alias;
        apr_table_set(orgs, alias, org);                   /* the last one wins */
    }
    if (!order->nelts)
        return 0;
    bbw_buf q;
    bbw_buf_init(&q, r->pool, 1024);
    bbw_buf_adds(&q, "\nquery getOrgTeamMembership {");
    for (int k = 0; k < order->nelts; k++) {
        const char *alias = APR_ARRAY_IDX(order, k, const char *);
        bbw_buf_adds(&q, apr_psprintf(r->pool,
            "\n  %s: organization(login: \"%s\") {\n"
            "    teams(first: 100 userLogins: [\"%s\"]) {\n"
            "      edges {\n        node {\n          name,\n          slug\n"
            "        }\n      }\n    }\n  }", alias,
            graphql_string(r->pool, apr_table_get(orgs, alias)),
            graphql_string(r->pool, username)));
    }
    bbw_buf_adds(&q, "\n}");
    json_t *data;
    if (github_graphql(r, oc, token, "GraphQL teams query", q.data, &data) < 0)
        return -1;
    apr_array_header_t *teams = apr_array_make(r->pool, 16, sizeof(const char *));
    const char *alias;
    json_t *org_data;
    json_object_foreach(data, alias, org_data) {
        const char *org = apr_table_get(orgs, alias);
        if (json_is_null(org_data) || !org)
            continue;
        json_t *edges = json_object_get(json_object_get(org_data, "teams"), "edges");
        if (!json_is_array(edges)) {
            json_decref(data);
            return malformed(r, oc, "GraphQL teams query", "teams.edges");
        }
        json_t *edge;
        json_array_foreach(edges, i, edge) {
            json_t *node = json_object_get(edge, "node");
            const char *name = json_string_value(json_object_get(node, "name"));
            const char *slug = json_string_value(json_object_get(node, "slug"));
            if (!name || !slug) {
                json_decref(data);
                return malformed(r, oc, "GraphQL teams query", "team name and slug");
            }
            APR_ARRAY_PUSH(teams, const char *) = apr_pstrcat(r->pool, org, "/", name, NULL);
            APR_ARRAY_PUSH(teams, const char *) = apr_pstrcat(r->pool, org, "/", slug, NULL);
        }
    }
    json_decref(data);
    /* Python's sorted(set(...)): UTF-8 byte order is code point order. */
    qsort(teams->elts, (size_t)teams->nelts, sizeof(const char *), compare_strings);
    for (int k = 0; k < teams->nelts; k++) {
        const char *team = APR_ARRAY_IDX(teams, k, const char *);
        if (k && strcmp(team, APR_ARRAY_IDX(teams, k - 1, const char *)) == 0)
            continue;
        json_t *s = json_string(team);
        if (s)
            json_array_append_new(groups, s);
    }
    return 0;
}

static json_t *github_v4(request_rec *r, const bbw_oauth2_conf *oc, const char *token)
{
    json_t *data, *name, *email, *info = NULL;
    if (github_graphql(r, oc, token, "GraphQL viewer query", github_viewer_query, &data) < 0)
        return NULL;
    json_t *viewer = json_object_get(data, "viewer");
    json_t *edges = json_object_get(json_object_get(viewer, "organizations"), "edges");
    if (!json_is_string(json_object_get(viewer, "login")) || !json_is_array(edges)
        || !string_or_null(viewer, "name", &name)) {
        malformed(r, oc, "GraphQL viewer query", "viewer login, name and organizations");
        goto done;
    }
    if (!string_or_null(viewer, "email", &email)) {
        json_decref(name);
        malformed(r, oc, "GraphQL viewer query", "viewer email");
        goto done;
    }
    json_t *groups = json_array(), *edge;
    size_t i;
    json_array_foreach(edges, i, edge) {
        json_t *login = json_object_get(json_object_get(edge, "node"), "login");
        if (!json_is_string(login)) {
            json_decref(groups);
            json_decref(name);
            json_decref(email);
            malformed(r, oc, "GraphQL viewer query", "organization login");
            goto done;
        }
        json_array_append(groups, login);
    }
    info = json_object();
    json_object_set_new(info, "full_name", name);
    json_object_set_new(info, "email", email);
    json_object_set(info, "username", json_object_get(viewer, "login"));
    json_object_set_new(info, "groups", groups);
    if (oc->teams && github_teams(r, oc, token, info) < 0) {
        json_decref(info);
        info = NULL;
    }
done:
    json_decref(data);
    return info;
}

/* ------------------------------------------------------------- Bitbucket */

/* GET <api><path> with ?access_token= (or &access_token=), as Buildbot's
 * requests session adds it. */
static int bitbucket_get(request_rec *r, const bbw_oauth2_conf *oc, const char *token,
                         const char *path, json_t **doc)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    const char *url = apr_pstrcat(r->pool, oc->api, path, strchr(path, '?') ? "&" : "?",
                                  "access_token=", form_encodes(r->pool, token), NULL);
    int rc = api_call(r, oc, apr_pstrcat(r->pool, "GET ", path, NULL), url, NULL, h, doc);
    curl_slist_free_all(h);
    return rc;
}

static json_t *bitbucket_user(request_rec *r, const bbw_oauth2_conf *oc, const char *token)
{
    json_t *user = NULL, *emails = NULL, *spaces = NULL, *info = NULL;
    json_t *name, *email, *entry;
    size_t i;
    if (bitbucket_get(r, oc, token, "/user", &user) < 0)
        goto done;
    if (!json_is_string(json_object_get(user, "username"))
        || !string_or_null(user, "display_name", &name)) {
        malformed(r, oc, "GET /user", "username and display_name");
        goto done;
    }
    json_decref(name);
    if (bitbucket_get(r, oc, token, "/user/emails", &emails) < 0)
        goto done;
    json_t *values = json_object_get(emails, "values");
    if (!json_is_array(values)) {
        malformed(r, oc, "GET /user/emails", "values");
        goto done;
    }
    if (bitbucket_get(r, oc, token, "/workspaces?role=member", &spaces) < 0)
        goto done;
    json_t *workspaces = json_object_get(spaces, "values");
    if (!json_is_array(workspaces)) {
        malformed(r, oc, "GET /workspaces", "values");
        goto done;
    }
    if (!string_or_null(user, "email", &email)) {
        malformed(r, oc, "GET /user", "email");
        goto done;
    }
    json_array_foreach(values, i, entry) {
        if (json_is_true(json_object_get(entry, "is_primary"))) {
            json_t *address = json_object_get(entry, "email");
            json_decref(email);
            if (!json_is_string(address)) {
                malformed(r, oc, "GET /user/emails", "primary email");
                goto done;
            }
            email = json_incref(address);
            break;
        }
    }
    json_t *groups = json_array();
    json_array_foreach(workspaces, i, entry) {
        json_t *slug = json_object_get(entry, "slug");
        if (!json_is_string(slug)) {
            json_decref(groups);
            json_decref(email);
            malformed(r, oc, "GET /workspaces", "workspace slug");
            goto done;
        }
        json_array_append(groups, slug);
    }
    string_or_null(user, "display_name", &name);
    info = json_object();
    json_object_set_new(info, "full_name", name);
    json_object_set_new(info, "email", email);
    json_object_set(info, "username", json_object_get(user, "username"));
    json_object_set_new(info, "groups", groups);
done:
    json_decref(user);
    json_decref(emails);
    json_decref(spaces);
    return info;
}

/* ------------------------------------------------------------- login */

static const bbw_oauth2_conf *oauth2_conf(const bbw_dir_conf *c)
{
    return c->oauth2;
}

/* posixpath.join(buildbotURL, "auth/login"); buildbotURL ends in '/'. */
static const char *login_uri(request_rec *r, const bbw_dir_conf *c)
{
    return apr_pstrcat(r->pool, bbw_conf_buildbot_url(r, c), "auth/login", NULL);
}

/* Step 1: to the provider, parameters sorted by name as Buildbot does. */
static int to_provider(request_rec *r, const bbw_dir_conf *c, const bbw_oauth2_conf *oc)
{
    apr_size_t len = 0;
    const char *redirect = form_value(r->pool, r->args, "redirect", &len);
    const char *state = NULL;
    if (redirect && len <= OAUTH2_VALUE_MAX) {
        const char *inner = apr_pstrcat(r->pool, "redirect=",
                                        form_encode(r->pool, redirect, len), NULL);
        state = form_encodes(r->pool, inner);
    }
    else if (redirect)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00247)
                      "oauth2: redirect of %" APR_SIZE_T_FMT " bytes dropped", len);
    const char *location = apr_pstrcat(r->pool, oc->authorize_url,
        "?client_id=", form_encodes(r->pool, oc->client_id),
        "&redirect_uri=", form_encodes(r->pool, login_uri(r, c)),
        "&response_type=code",
        oc->kind == KIND_GITHUB ? "&scope=" : "",
        oc->kind == KIND_GITHUB ? form_encodes(r->pool, GITHUB_SCOPE) : "",
        state ? "&state=" : "", state ? state : "", NULL);
    return redirect_to(r, location);
}

/* Where the user goes after logging in: buildbotURL#<redirect of state>
 * (what Buildbot means to do; 3.7 always lands on plain buildbotURL).
 * As for credential logins, anything from a control character on is
 * dropped, and the value only ever lands after '#'. */
static const char *home(request_rec *r, const bbw_dir_conf *c)
{
    const char *base = bbw_conf_buildbot_url(r, c);
    const char *state = form_value(r->pool, r->args, "state", NULL);
    const char *redirect = state && strlen(state) <= 3 * OAUTH2_VALUE_MAX
                           ? form_value(r->pool, state, "redirect", NULL) : NULL;
    if (!redirect)
        return base;
    char *v = apr_pstrdup(r->pool, redirect);
    size_t keep = 0;
    while (v[keep] && (unsigned char)v[keep] >= 0x20 && v[keep] != 0x7f)
        keep++;
    v[keep] = '\0';
    return apr_pstrcat(r->pool, base, "#", v, NULL);
}

static json_t *user_details(request_rec *r, const bbw_oauth2_conf *oc, const char *token)
{
    if (oc->kind == KIND_BITBUCKET)
        return bitbucket_user(r, oc, token);
    return oc->api_version == 4 ? github_v4(r, oc, token) : github_v3(r, oc, token);
}

int bbw_oauth2_login(request_rec *r)
{
    const bbw_dir_conf *c = bbw_conf(r);
    const bbw_oauth2_conf *oc = oauth2_conf(c);
    apr_size_t code_len = 0;
    const char *code = form_value(r->pool, r->args, "code", &code_len);
    if (!code || !code_len)
        return to_provider(r, c, oc);
    if (code_len > OAUTH2_VALUE_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00248)
                      "oauth2: a code of %" APR_SIZE_T_FMT " bytes refused", code_len);
        return internal_error(r);
    }
    int answered = 0;
    const char *token = fetch_token(r, oc, code, code_len, login_uri(r, c), &answered);
    if (!token)
        return answered ? OK : internal_error(r);
    json_t *details = user_details(r, oc, token);
    if (!details)
        return internal_error(r);
    /* userInfoProvider: LDAP or environment keys merged over the details. */
    if (c->ldap || (c->user_info_env && c->user_info_env->nelts)) {
        json_t *merged = bbw_auth_user_info(r, details);
        json_decref(details);
        if (!merged)
            return internal_error(r);
        details = merged;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00249)
                  "oauth2: %s user '%s' logged in", kinds[oc->kind].name,
                  ap_escape_logitem(r->pool,
                                    json_string_value(json_object_get(details, "username"))));
    int started = bbw_session_start(r, details);
    json_decref(details);
    if (!started)
        return internal_error(r);
    return redirect_to(r, home(r, c));
}

/* ------------------------------------------------------------- descriptor */

json_t *bbw_oauth2_descriptor(const bbw_dir_conf *c)
{
    const bbw_oauth2_conf *oc = oauth2_conf(c);
    if (!oc)
        return NULL;
    int autologin = oc->autologin >= 0 ? oc->autologin : c->auth_autologin > 0;
    return json_pack("{s:s, s:b, s:s, s:b}", "name", kinds[oc->kind].name, "oauth2", 1,
                     "fa_icon", kinds[oc->kind].icon, "autologin", autologin);
}

/* ------------------------------------------------------------- directive */

/* A literal value or file:/path, read now (Apache still runs as root, so
 * the file may be readable by root only); trailing white space dropped. */
static const char *credential(cmd_parms *cmd, const char *what, const char *arg,
                              const char **out)
{
    const char *directive = cmd->directive->directive;
    char *value;
    if (strncmp(arg, "file:", 5) == 0) {
        apr_file_t *f;
        char buf[OAUTH2_SECRET_MAX + 1];
        apr_size_t n = sizeof buf - 1;
        const char *path = ap_server_root_relative(cmd->temp_pool, arg + 5);
        if (!path || apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS)
            return apr_psprintf(cmd->pool, "%s: cannot read the %s file '%s'", directive,
                                what, arg + 5);
        apr_status_t rv = apr_file_read_full(f, buf, n, &n);
        apr_file_close(f);
        if (rv != APR_SUCCESS && rv != APR_EOF)
            return apr_psprintf(cmd->pool, "%s: cannot read the %s file '%s'", directive,
                                what, arg + 5);
        if (n >= OAUTH2_SECRET_MAX)
            return apr_psprintf(cmd->pool, "%s: the %s file '%s' is larger than %d bytes",
                                directive, what, arg + 5, OAUTH2_SECRET_MAX);
        while (n && strchr(" \t\r\n", buf[n - 1]))
            n--;
        value = apr_pstrmemdup(cmd->pool, buf, n);
    }
    else
        value = apr_pstrdup(cmd->pool, arg);
    if (!is_token_text(value) || strlen(value) > OAUTH2_SECRET_MAX)
        return apr_psprintf(cmd->pool, "%s: the %s must be printable ASCII without spaces",
                            directive, what);
    *out = value;
    return NULL;
}

/* An absolute http(s) URL without query or fragment; trailing '/' dropped. */
static const char *base_url(cmd_parms *cmd, const char *key, const char *value,
                            const char **out)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, value, &uri) != APR_SUCCESS || !uri.scheme || !uri.hostname
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
        || uri.query || uri.fragment || !is_token_text(value))
        return apr_psprintf(cmd->pool, "%s: %s='%s' is not an absolute http(s) URL without "
                            "query", cmd->directive->directive, key, value);
    char *url = apr_pstrdup(cmd->pool, value);
    for (size_t n = strlen(url); n && url[n - 1] == '/'; n--)
        url[n - 1] = '\0';
    *out = url;
    return NULL;
}

static const char *on_off(cmd_parms *cmd, const char *key, const char *value, int *out)
{
    if (strcasecmp(value, "on") && strcasecmp(value, "off"))
        return apr_psprintf(cmd->pool, "%s: %s='%s': expected on or off",
                            cmd->directive->directive, key, value);
    *out = strcasecmp(value, "on") == 0;
    return NULL;
}

typedef struct {
    const char *server, *login, *api, *version;
    int teams, autologin, verify, timeout;
} oauth2_options;

static const char *option(cmd_parms *cmd, oauth2_kind kind, oauth2_options *o, const char *arg)
{
    const char *directive = cmd->directive->directive;
    const char *eq = strchr(arg, '=');
    if (!eq)
        return apr_psprintf(cmd->pool, "%s: '%s' is not key=value", directive, arg);
    const char *key = apr_pstrmemdup(cmd->temp_pool, arg, (apr_size_t)(eq - arg));
    const char *value = eq + 1;
    int github = kind == KIND_GITHUB;
    if (github && !strcmp(key, "server"))
        return base_url(cmd, key, value, &o->server);
    if (!strcmp(key, "login"))
        return base_url(cmd, key, value, &o->login);
    if (!strcmp(key, "api"))
        return base_url(cmd, key, value, &o->api);
    if (github && !strcmp(key, "apiVersion")) {
        o->version = value;
        return NULL;
    }
    if (github && !strcmp(key, "teams"))
        return on_off(cmd, key, value, &o->teams);
    if (!strcmp(key, "autologin"))
        return on_off(cmd, key, value, &o->autologin);
    if (!strcmp(key, "verify"))
        return on_off(cmd, key, value, &o->verify);
    if (!strcmp(key, "timeout")) {
        char *end;
        long v = strtol(value, &end, 10);
        if (!*value || *end || v < 1 || v > 300)
            return apr_psprintf(cmd->pool, "%s: timeout='%s' is not a whole number of "
                                "seconds between 1 and 300", directive, value);
        o->timeout = (int)v;
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: unknown option '%s' for %s (expected %s)", directive,
                        key, kinds[kind].name,
                        github ? "server, login, api, apiVersion, teams, autologin, verify "
                                 "or timeout"
                               : "login, api, autologin, verify or timeout");
}

static apr_status_t curl_global_done(void *unused)
{
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* The URLs of GitHubAuth: github.com, or Enterprise under serverURL;
 * login= and api= stand in for github.com and api.github.com. */
static void github_urls(apr_pool_t *p, bbw_oauth2_conf *oc, const oauth2_options *o)
{
    const char *login = o->login ? o->login : o->server ? o->server : GITHUB_LOGIN;
    oc->authorize_url = apr_pstrcat(p, login, "/login/oauth/authorize", NULL);
    oc->token_url = apr_pstrcat(p, login, "/login/oauth/access_token", NULL);
    if (o->api) {
        oc->api = o->api;
        oc->graphql = apr_pstrcat(p, o->api, "/graphql", NULL);
    }
    else if (o->server) {
        oc->api = apr_pstrcat(p, o->server, "/api/v3", NULL);
        oc->graphql = apr_pstrcat(p, o->server, "/api/graphql", NULL);
    }
    else {
        oc->api = GITHUB_API;
        oc->graphql = GITHUB_API "/graphql";
    }
}

const char *bbw_oauth2_set(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    const char *directive = cmd->directive->directive, *err;
    if (argc < 3)
        return apr_psprintf(cmd->pool, "%s: expected github|bitbucket CLIENT_ID "
                            "CLIENT_SECRET [key=value...]", directive);
    bbw_oauth2_conf *oc = apr_pcalloc(cmd->pool, sizeof *oc);
    if (!strcasecmp(argv[0], "github"))
        oc->kind = KIND_GITHUB;
    else if (!strcasecmp(argv[0], "bitbucket"))
        oc->kind = KIND_BITBUCKET;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not a provider this module logs in "
                            "with natively (github or bitbucket; Google and GitLab speak "
                            "OpenID Connect: see conf/sso/)", directive, argv[0]);
    if ((err = credential(cmd, "client id", argv[1], &oc->client_id))
        || (err = credential(cmd, "client secret", argv[2], &oc->client_secret)))
        return err;
    oauth2_options o = { NULL, NULL, NULL, NULL, 0, -1, 1, -1 };
    for (int i = 3; i < argc; i++)
        if ((err = option(cmd, oc->kind, &o, argv[i])))
            return err;
    oc->api_version = 3;
    if (o.version) {
        /* GitHubAuth's own configuration errors, word for word. */
        if (strcmp(o.version, "3") && strcmp(o.version, "4"))
            return apr_psprintf(cmd->pool, "%s: GitHubAuth apiVersion must be 3 or 4 not %s",
                                directive, o.version);
        oc->api_version = o.version[0] - '0';
    }
    if (o.teams && oc->api_version == 3)
        return apr_psprintf(cmd->pool, "%s: Retrieving team membership information using "
                            "GitHubAuth is only possible using GitHub api v4.", directive);
    oc->teams = o.teams;
    oc->autologin = o.autologin;
    oc->verify = o.verify;
    oc->timeout = o.timeout;
    if (oc->kind == KIND_GITHUB)
        github_urls(cmd->pool, oc, &o);
    else {
        const char *login = o.login ? o.login : BITBUCKET_LOGIN;
        oc->authorize_url = apr_pstrcat(cmd->pool, login, "/site/oauth2/authorize", NULL);
        oc->token_url = apr_pstrcat(cmd->pool, login, "/site/oauth2/access_token", NULL);
        oc->api = o.api ? o.api : BITBUCKET_API;
    }
    if (!oc->verify)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server, BBWLOGNO(00250)
                     "%s %s: verify=off: the provider's TLS certificate is not checked",
                     directive, argv[0]);
    /* libcurl's global set-up is not thread-safe everywhere: do it while
     * the configuration is read, before any child starts. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return apr_psprintf(cmd->pool, "%s: libcurl cannot be initialised", directive);
    apr_pool_cleanup_register(cmd->pool, NULL, curl_global_done, apr_pool_cleanup_null);
    ((bbw_dir_conf *)cfg)->oauth2 = oc;
    return NULL;
}
