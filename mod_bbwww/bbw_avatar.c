/* /avatar: Buildbot's avatar_methods (ui-assets.md §2). Each method may
 * redirect (gravatar, github), return image bytes (ldap) or nothing (next
 * method); when none answers, the browser is sent to img/nobody.png. */
#include "bbw_query.h"
#include "bbw.h"
#include "bbw_avatar.h"
#include "bbw_json.h"
#include "bbw_ldap.h"

#include <apr_base64.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_uri.h>
#if APR_HAS_THREADS
#include <apr_thread_mutex.h>
#endif
#include <curl/curl.h>
#include <openssl/evp.h>
#include <string.h>

#define AVATAR_MAX_METHODS   8
#define AVATAR_VALUE_MAX     1024       /* bytes of a decoded parameter */
#define AVATAR_SIZE_DEFAULT  32
#define AVATAR_SIZE_MAX      2048       /* Buildbot has no bound; Gravatar's */
#define AVATAR_CACHE_MAX     1000       /* redirects kept per configuration */
#define AVATAR_NOBODY        "img/nobody.png"
#define GITHUB_API_DEFAULT   "https://api.github.com"
#define GITHUB_TIMEOUT       5
#define GITHUB_BODY_MAX      (1024 * 1024)
#define GITHUB_URL_MAX       2048
#define GITHUB_ACCEPT        "application/vnd.github.v3+json"
#define GITHUB_ACCEPT_COMMITS \
    "application/vnd.github.v3+json,application/vnd.github.cloak-preview"

typedef enum { METHOD_GRAVATAR, METHOD_GITHUB, METHOD_LDAP } avatar_method;

static const char *const method_names[] = { "gravatar", "github", "ldap" };

/* Redirects found by lookups, per process and per configuration, like
 * Buildbot's in-memory cache (cleared on reconfig: it lives in pconf). The
 * pool has its own allocator so that request threads can fill it under the
 * lock; when full it is emptied whole, which keeps memory bounded. */
typedef struct {
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
    apr_pool_t *pool;
    apr_hash_t *entries;
} avatar_cache;

struct bbw_avatar_conf {
    int n_methods;                  /* -1 = BuildbotAvatarMethods unset */
    avatar_method methods[AVATAR_MAX_METHODS];
    const char *github_api;         /* no trailing '/'; NULL = default */
    const char *github_auth;        /* "Authorization: ..." or NULL */
    int github_verify;              /* -1 = unset (on) */
    int github_timeout;             /* seconds; -1 = unset */
    avatar_cache *cache;            /* only when github is a method */
};

/* A decoded query parameter (bytes: it may hold NUL). */
typedef struct {
    const char *data;               /* NULL = absent */
    apr_size_t len;
} avatar_value;

typedef struct {
    avatar_value email, username;
    int size;
    int oversized;                  /* a value longer than AVATAR_VALUE_MAX */
} avatar_query;

/* What one method answered. */
typedef enum { ANSWER_NONE, ANSWER_REDIRECT, ANSWER_IMAGE, ANSWER_ERROR } avatar_answer;

typedef struct {
    const char *location;
    const char *data, *content_type;
    apr_size_t len;
} avatar_result;

/* ------------------------------------------------------------- helpers */

static int is_ascii_alnum(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Printable ASCII only: nothing that could end or split a header line. */
static int is_header_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* Percent-encode every byte except ASCII letters, digits and `keep`;
 * `plus` turns spaces into '+' (Python's quote_plus). */
static char *url_encode(apr_pool_t *p, const char *s, apr_size_t len, const char *keep,
                        int plus)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, len * 3 + 1), *o = out;
    for (apr_size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (is_ascii_alnum(ch) || (ch && strchr(keep, ch)))
            *o++ = (char)ch;
        else if (plus && ch == ' ')
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

/* ------------------------------------------------------------- query */

/* Twisted's unquote: '+' is a space, %XX a byte, a bad escape stays as is. */
static avatar_value url_decode(apr_pool_t *p, const char *s, apr_size_t len)
{
    avatar_value v;
    v.data = bbw_form_decode(p, s, len, 1, &v.len);
    return v;
}

/* Python's int() of bytes: surrounding whitespace, a sign, digits with
 * single '_' between them. Out-of-range values saturate (then clamped). */
static int parse_python_int(const char *s, apr_size_t len, long *out)
{
    static const char space[] = " \t\n\r\v\f";
    apr_size_t i = 0, end = len;
    int negative = 0, digits = 0;
    long v = 0;
    while (i < end && s[i] && strchr(space, s[i]))
        i++;
    while (end > i && s[end - 1] && strchr(space, s[end - 1]))
        end--;
    if (i < end && (s[i] == '+' || s[i] == '-'))
        negative = s[i++] == '-';
    for (; i < end; i++) {
        if (s[i] == '_' && digits && i + 1 < end && s[i + 1] >= '0' && s[i + 1] <= '9'
            && s[i - 1] != '_')
            continue;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v > 100000000L ? v : v * 10 + (s[i] - '0');
        digits++;
    }
    if (!digits)
        return 0;
    *out = negative ? -v : v;
    return 1;
}

static int size_of(const avatar_value *v)
{
    long size;
    if (!v->data || !parse_python_int(v->data, v->len, &size))
        return AVATAR_SIZE_DEFAULT;
    return size < 0 ? 0 : size > AVATAR_SIZE_MAX ? AVATAR_SIZE_MAX : (int)size;
}

/* Twisted's request.args: items split on '&' and ';', those without '='
 * skipped, keys and values unquoted; the first value of each key counts. */
static void parse_query(request_rec *r, avatar_query *q)
{
    avatar_value size = { NULL, 0 };
    const char *s = r->args ? r->args : "";
    memset(q, 0, sizeof *q);
    while (*s) {
        apr_size_t n = strcspn(s, "&;");
        const char *eq = memchr(s, '=', n);
        if (eq) {
            avatar_value key = url_decode(r->pool, s, (apr_size_t)(eq - s));
            avatar_value *slot = strcmp(key.data, "email") == 0 ? &q->email
                               : strcmp(key.data, "username") == 0 ? &q->username
                               : strcmp(key.data, "size") == 0 ? &size : NULL;
            if (slot && !slot->data && key.len == strlen(key.data)) {
                *slot = url_decode(r->pool, eq + 1, n - (apr_size_t)(eq + 1 - s));
                if (slot->len > AVATAR_VALUE_MAX)
                    q->oversized = 1;
            }
        }
        s += n + (s[n] ? 1 : 0);
    }
    if (!q->email.data)
        q->email = (avatar_value){ "", 0 };
    q->size = size_of(&size);
}

/* ------------------------------------------------------------- gravatar */

/* //www.gravatar.com/avatar/<md5 of the ASCII-lower-cased email>. */
static avatar_answer gravatar(request_rec *r, const avatar_query *q, avatar_result *res)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char *lower = apr_pmemdup(r->pool, q->email.data, q->email.len + 1);
    for (apr_size_t i = 0; i < q->email.len; i++)
        if (lower[i] >= 'A' && lower[i] <= 'Z')
            lower[i] = (char)(lower[i] - 'A' + 'a');
    if (!EVP_Digest(lower, q->email.len, md, &md_len, EVP_md5(), NULL)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00140)
                      "avatar: MD5 is not available from OpenSSL");
        return ANSWER_ERROR;
    }
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < md_len; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    res->location = apr_psprintf(r->pool, "//www.gravatar.com/avatar/%s?d=retro&s=%d",
                                 hex, q->size);
    return ANSWER_REDIRECT;
}

/* ------------------------------------------------------------- github */

typedef struct {
    bbw_buf body;
    int too_big;
} github_response;

static size_t github_collect(char *data, size_t size, size_t count, void *ctx)
{
    github_response *resp = ctx;
    size_t n = size * count;
    if (resp->body.len + n > GITHUB_BODY_MAX) {
        resp->too_big = 1;
        return 0;                   /* makes curl fail the transfer */
    }
    bbw_buf_add(&resp->body, data, n);
    return n;
}

static void github_options(CURL *curl, const bbw_avatar_conf *ac, const char *url,
                           struct curl_slist *headers, github_response *resp)
{
    int verify = ac->github_verify != 0;
    long timeout = ac->github_timeout > 0 ? ac->github_timeout : GITHUB_TIMEOUT;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "Buildbot");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);      /* threaded MPMs */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 3L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, github_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
}

/* GET <api><path>. 0 with the status and, for a 2xx, the parsed body in
 * *doc (NULL otherwise); -1 when the API could not be asked or answered
 * nonsense, which makes the method fail as Buildbot's does (500). */
static int github_get(request_rec *r, const bbw_avatar_conf *ac, const char *path,
                      const char *accept, long *status, json_t **doc)
{
    const char *url = apr_pstrcat(r->pool, ac->github_api ? ac->github_api
                                                          : GITHUB_API_DEFAULT, path, NULL);
    github_response resp = { { 0 }, 0 };
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *curl = curl_easy_init();
    *doc = NULL;
    if (!curl) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00141)
                      "avatar: github: cannot create a libcurl handle");
        return -1;
    }
    bbw_buf_init(&resp.body, r->pool, 4096);
    headers = curl_slist_append(headers, apr_pstrcat(r->pool, "Accept: ", accept, NULL));
    if (ac->github_auth)
        headers = curl_slist_append(headers, ac->github_auth);
    github_options(curl, ac, url, headers, &resp);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        /* The API being unreachable is not this server's fault: warning. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00142)
                      "avatar: github: GET %s failed: %s", url,
                      resp.too_big ? "answer larger than 1 MiB"
                                   : *errbuf ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    if (*status < 200 || *status > 299)
        return 0;
    json_error_t error;
    *doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &error);
    if (!*doc) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00143)
                      "avatar: github: GET %s answered %ld with no JSON: %s", url,
                      *status, error.text);
        return -1;
    }
    return 0;
}

/* avatar_url of a user object, when it is a URL fit for a Location. */
static const char *github_avatar_url(request_rec *r, json_t *user)
{
    const char *url = json_string_value(json_object_get(user, "avatar_url"));
    if (!url || !*url)
        return NULL;
    if (strlen(url) > GITHUB_URL_MAX || !is_header_safe(url) || strchr(url, ' ')) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00144)
                      "avatar: github: unusable avatar_url ignored");
        return NULL;
    }
    return apr_pstrdup(r->pool, url);
}

/* The first element of the answer's "items", or NULL. */
static json_t *first_item(json_t *doc)
{
    json_t *total = json_object_get(doc, "total_count");
    if (json_is_integer(total) && json_integer_value(total) == 0)
        return NULL;
    return json_array_get(json_object_get(doc, "items"), 0);
}

/* One lookup: 1 with *url on a hit, 0 on a miss, -1 on an error. `what`
 * names it in the log line a non-2xx answer gets (as Buildbot logs it). */
static int github_lookup(request_rec *r, const bbw_avatar_conf *ac, const char *path,
                         const char *accept, const char *what, const char **url)
{
    long status = 0;
    json_t *doc;
    if (github_get(r, ac, path, accept, &status, &doc) < 0)
        return -1;
    if (!doc) {
        ap_log_rerror(APLOG_MARK, status == 404 ? APLOG_DEBUG : APLOG_INFO, 0, r,
                      BBWLOGNO(00145) "avatar: github: failed looking up user avatar "
                      "by %s: %ld", what, status);
        return 0;
    }
    json_t *user = doc;
    if (strcmp(what, "email") == 0)
        user = first_item(doc);
    else if (strcmp(what, "commit search") == 0)
        user = json_object_get(first_item(doc), "author");
    *url = user ? github_avatar_url(r, user) : NULL;
    json_decref(doc);
    return *url ? 1 : 0;
}

/* avatar_url with s=<size> added to its query, before any fragment. */
static const char *github_sized(apr_pool_t *p, const char *url, int size)
{
    if (!size)
        return url;
    size_t before_fragment = strcspn(url, "#");
    const char *mark = memchr(url, '?', before_fragment);
    const char *sep = !mark ? "?" : mark + 1 == url + before_fragment ? "" : "&";
    return apr_psprintf(p, "%.*s%ss=%d%s", (int)before_fragment, url, sep, size,
                        url + before_fragment);
}

/* AvatarGitHub: the user by name, then a user by email, then the author of
 * a commit by email; the first avatar found is the redirect. */
static avatar_answer github(request_rec *r, const bbw_avatar_conf *ac, const avatar_query *q,
                            avatar_result *res)
{
    const char *url = NULL;
    int found = 0;
    if (q->username.data && q->username.len) {
        /* Buildbot does not encode the name; encoding all but GitHub's
         * login characters keeps it from reaching other API paths. */
        const char *path = apr_pstrcat(r->pool, "/users/",
            url_encode(r->pool, q->username.data, q->username.len, "-_", 0), NULL);
        found = github_lookup(r, ac, path, GITHUB_ACCEPT, "username", &url);
    }
    const char *email = q->email.len
        ? url_encode(r->pool, q->email.data, q->email.len, "_.-~", 1) : NULL;
    if (!found && email) {
        const char *path = apr_pstrcat(r->pool, "/search/users?q=", email, "+in%3Aemail", NULL);
        found = github_lookup(r, ac, path, GITHUB_ACCEPT, "email", &url);
    }
    if (!found && email) {
        const char *path = apr_pstrcat(r->pool, "/search/commits?per_page=1&q=author-email%3A",
                                       email, "&sort=committer-date", NULL);
        found = github_lookup(r, ac, path, GITHUB_ACCEPT_COMMITS, "commit search", &url);
    }
    if (found < 0)
        return ANSWER_ERROR;
    if (!found)
        return ANSWER_NONE;
    res->location = github_sized(r->pool, url, q->size);
    return ANSWER_REDIRECT;
}

/* ------------------------------------------------------------- ldap */

static int has_nul(const avatar_value *v)
{
    return v->data && memchr(v->data, '\0', v->len) != NULL;
}

static avatar_answer ldap(request_rec *r, const bbw_dir_conf *c, const avatar_query *q,
                          avatar_result *res)
{
    /* Without c->ldap, bbw_ldap_avatar() logs what is missing and fails. A NUL would silently cut the search filter: no such entry. */
    if (has_nul(&q->email) || has_nul(&q->username))
        return ANSWER_NONE;
    int rc = bbw_ldap_avatar(r, c->ldap, q->email.data, q->username.data, &res->data,
                             &res->len, &res->content_type);
    if (rc < 0)
        return ANSWER_ERROR;
    if (rc == 0 || !res->content_type || !is_header_safe(res->content_type))
        return ANSWER_NONE;
    return ANSWER_IMAGE;
}

/* ------------------------------------------------------------- cache */

static avatar_cache *cache_create(apr_pool_t *pconf)
{
    avatar_cache *cache = apr_pcalloc(pconf, sizeof *cache);
    apr_allocator_t *allocator;
    if (apr_allocator_create(&allocator) != APR_SUCCESS)
        return NULL;
    if (apr_pool_create_ex(&cache->pool, pconf, NULL, allocator) != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return NULL;
    }
    apr_allocator_owner_set(allocator, cache->pool);
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT, pconf) != APR_SUCCESS)
        return NULL;
#endif
    cache->entries = apr_hash_make(cache->pool);
    return cache;
}

/* (size, email, username) as one byte string; lengths keep it unambiguous
 * and an absent username apart from an empty one. */
static const char *cache_key(apr_pool_t *p, const avatar_query *q, apr_size_t *len)
{
    const char *head = apr_psprintf(p, "%d:%" APR_SIZE_T_FMT ":", q->size, q->email.len);
    apr_size_t hlen = strlen(head), ulen = q->username.data ? q->username.len : 0;
    char *key = apr_palloc(p, hlen + q->email.len + 2 + ulen);
    memcpy(key, head, hlen);
    memcpy(key + hlen, q->email.data, q->email.len);
    key[hlen + q->email.len] = q->username.data ? 'u' : '-';
    if (ulen)
        memcpy(key + hlen + q->email.len + 1, q->username.data, ulen);
    *len = hlen + q->email.len + 1 + ulen;
    return key;
}

static void cache_lock(avatar_cache *cache, int on)
{
#if APR_HAS_THREADS
    if (on)
        apr_thread_mutex_lock(cache->lock);
    else
        apr_thread_mutex_unlock(cache->lock);
#endif
}

static const char *cache_get(request_rec *r, avatar_cache *cache, const char *key,
                             apr_size_t len)
{
    const char *location;
    cache_lock(cache, 1);
    location = apr_hash_get(cache->entries, key, (apr_ssize_t)len);
    location = location ? apr_pstrdup(r->pool, location) : NULL;
    cache_lock(cache, 0);
    return location;
}

static void cache_put(avatar_cache *cache, const char *key, apr_size_t len,
                      const char *location)
{
    cache_lock(cache, 1);
    if (apr_hash_count(cache->entries) >= AVATAR_CACHE_MAX) {
        apr_pool_clear(cache->pool);
        cache->entries = apr_hash_make(cache->pool);
    }
    apr_hash_set(cache->entries, apr_pmemdup(cache->pool, key, len), (apr_ssize_t)len,
                 apr_pstrdup(cache->pool, location));
    cache_lock(cache, 0);
}

/* ------------------------------------------------------------- answers */

static int send_redirect(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    r->status = HTTP_MOVED_TEMPORARILY;
    ap_set_content_length(r, 0);
    return OK;
}

static int send_image(request_rec *r, const avatar_result *res)
{
    ap_set_content_type(r, res->content_type);
    ap_set_content_length(r, (apr_off_t)res->len);
    if (!r->header_only && res->len)
        ap_rwrite(res->data, (int)res->len, r);
    return OK;
}

static int send_internal_error(request_rec *r)
{
    static const char body[] = "internal error - see logs";
    r->status = HTTP_INTERNAL_SERVER_ERROR;
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_set_content_length(r, sizeof body - 1);
    if (!r->header_only)
        ap_rwrite(body, sizeof body - 1, r);
    return OK;
}

/* ------------------------------------------------------------- handler */

static avatar_answer ask(request_rec *r, const bbw_dir_conf *c, avatar_method method,
                         const avatar_query *q, avatar_result *res)
{
    switch (method) {
    case METHOD_GRAVATAR:
        return gravatar(r, q, res);
    case METHOD_GITHUB:
        return github(r, c->avatar, q, res);
    case METHOD_LDAP:
        return ldap(r, c, q, res);
    }
    return ANSWER_NONE;
}

int bbw_avatar_handler(request_rec *r)
{
    static const avatar_method default_methods[] = { METHOD_GRAVATAR };
    const bbw_dir_conf *c = bbw_conf(r);
    const bbw_avatar_conf *ac = c->avatar;
    const avatar_method *methods = default_methods;
    int n_methods = 1;
    avatar_query q;

    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (ac && ac->n_methods >= 0) {
        methods = ac->methods;
        n_methods = ac->n_methods;
    }
    parse_query(r, &q);
    if (q.oversized) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, BBWLOGNO(00146)
                      "avatar: a parameter longer than %d bytes: placeholder",
                      AVATAR_VALUE_MAX);
        return send_redirect(r, AVATAR_NOBODY);
    }

    apr_size_t key_len = 0;
    const char *key = ac && ac->cache ? cache_key(r->pool, &q, &key_len) : NULL;
    const char *cached = key ? cache_get(r, ac->cache, key, key_len) : NULL;
    if (cached)
        return send_redirect(r, cached);

    for (int i = 0; i < n_methods; i++) {
        avatar_result res = { 0 };
        switch (ask(r, c, methods[i], &q, &res)) {
        case ANSWER_REDIRECT:
            /* Gravatar's answer costs less to compute than to look up. */
            if (key && methods[i] != METHOD_GRAVATAR)
                cache_put(ac->cache, key, key_len, res.location);
            return send_redirect(r, res.location);
        case ANSWER_IMAGE:
            return send_image(r, &res);
        case ANSWER_ERROR:
            return send_internal_error(r);
        case ANSWER_NONE:
            break;
        }
    }
    return send_redirect(r, AVATAR_NOBODY);
}

json_t *bbw_avatar_methods_json(const bbw_dir_conf *c)
{
    const bbw_avatar_conf *ac = c->avatar;
    if (!ac || ac->n_methods < 0)
        return json_pack("{s:s}", "name", method_names[METHOD_GRAVATAR]);
    json_t *list = json_array();
    for (int i = 0; i < ac->n_methods; i++)
        json_array_append_new(list, json_pack("{s:s}", "name", method_names[ac->methods[i]]));
    return list;
}

/* ------------------------------------------------------------- directives */

static bbw_avatar_conf *avatar_conf(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *c = cfg;
    if (!c->avatar) {
        c->avatar = apr_pcalloc(cmd->pool, sizeof *c->avatar);
        c->avatar->n_methods = -1;
        c->avatar->github_verify = -1;
        c->avatar->github_timeout = -1;
    }
    return c->avatar;
}

static apr_status_t curl_global_done(void *unused)
{
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* libcurl's global set-up is not thread-safe everywhere: do it while the
 * configuration is read, before any child starts. */
static const char *github_prepare(cmd_parms *cmd, bbw_avatar_conf *ac)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return apr_psprintf(cmd->pool, "%s: libcurl cannot be initialised",
                            cmd->directive->directive);
    apr_pool_cleanup_register(cmd->pool, NULL, curl_global_done, apr_pool_cleanup_null);
    if (!ac->cache && !(ac->cache = cache_create(cmd->pool)))
        return apr_psprintf(cmd->pool, "%s: cannot create the avatar cache",
                            cmd->directive->directive);
    return NULL;
}

static int method_named(const char *name, avatar_method *out)
{
    for (int m = METHOD_GRAVATAR; m <= METHOD_LDAP; m++)
        if (strcasecmp(name, method_names[m]) == 0) {
            *out = (avatar_method)m;
            return 1;
        }
    return 0;
}

const char *bbw_avatar_set_methods(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    const char *directive = cmd->directive->directive;
    avatar_method methods[AVATAR_MAX_METHODS];
    int github_listed = 0;
    if (argc == 1 && strcasecmp(argv[0], "none") == 0) {
        avatar_conf(cmd, cfg)->n_methods = 0;       /* avatar_methods = [] */
        return NULL;
    }
    if (argc < 1 || argc > AVATAR_MAX_METHODS)
        return apr_psprintf(cmd->pool, "%s: expected 1 to %d of gravatar, github and ldap, "
                            "or 'none' alone", directive, AVATAR_MAX_METHODS);
    for (int i = 0; i < argc; i++) {
        if (strcasecmp(argv[i], "none") == 0)
            return apr_psprintf(cmd->pool, "%s: 'none' must stand alone", directive);
        if (!method_named(argv[i], &methods[i]))
            return apr_psprintf(cmd->pool, "%s: '%s' is not an avatar method (expected "
                                "gravatar, github or ldap, or 'none' alone)",
                                directive, argv[i]);
        github_listed |= methods[i] == METHOD_GITHUB;
    }
    bbw_avatar_conf *ac = avatar_conf(cmd, cfg);
    memcpy(ac->methods, methods, sizeof methods[0] * (size_t)argc);
    ac->n_methods = argc;
    return github_listed ? github_prepare(cmd, ac) : NULL;
}

/* The GitHub options of one directive line, before they are checked. */
typedef struct {
    const char *api, *token, *client_id, *client_secret;
    int verify, timeout;
} github_options_in;

static const char *github_option(cmd_parms *cmd, github_options_in *in, const char *arg)
{
    const char *directive = cmd->directive->directive;
    const char *eq = strchr(arg, '=');
    const char *key = eq ? apr_pstrmemdup(cmd->temp_pool, arg, (apr_size_t)(eq - arg)) : arg;
    const char *value = eq ? eq + 1 : "";
    if (!eq)
        return apr_psprintf(cmd->pool, "%s: '%s' is not key=value", directive, arg);
    if (strcmp(key, "api") == 0) {
        apr_uri_t uri;
        if (apr_uri_parse(cmd->pool, value, &uri) != APR_SUCCESS || !uri.scheme
            || !uri.hostname || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
            || uri.query || uri.fragment || !is_header_safe(value) || strchr(value, ' '))
            return apr_psprintf(cmd->pool, "%s: api='%s' is not an absolute http(s) URL "
                                "without query", directive, value);
        char *api = apr_pstrdup(cmd->pool, value);
        for (apr_size_t n = strlen(api); n && api[n - 1] == '/'; n--)
            api[n - 1] = '\0';      /* paths are appended with their own '/' */
        in->api = api;
    }
    else if (!strcmp(key, "token") || !strcmp(key, "client_id") || !strcmp(key, "client_secret")) {
        if (!*value || !is_header_safe(value))
            return apr_psprintf(cmd->pool, "%s: %s must be a non-empty printable ASCII "
                                "string", directive, key);
        *(!strcmp(key, "token") ? &in->token : !strcmp(key, "client_id") ? &in->client_id
                                : &in->client_secret) = apr_pstrdup(cmd->pool, value);
    }
    else if (strcmp(key, "verify") == 0) {
        if (strcasecmp(value, "on") && strcasecmp(value, "off"))
            return apr_psprintf(cmd->pool, "%s: verify='%s': expected on or off",
                                directive, value);
        in->verify = strcasecmp(value, "on") == 0;
    }
    else if (strcmp(key, "timeout") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (!*value || *end || v < 1 || v > 300)
            return apr_psprintf(cmd->pool, "%s: timeout='%s' is not a whole number of "
                                "seconds between 1 and 300", directive, value);
        in->timeout = (int)v;
    }
    else
        return apr_psprintf(cmd->pool, "%s: unknown option '%s' (expected api, token, "
                            "client_id, client_secret, verify or timeout)", directive, key);
    return NULL;
}

/* "Authorization: token T" or "Authorization: basic base64(id:secret)". */
static const char *github_authorization(apr_pool_t *p, const github_options_in *in)
{
    if (in->token)
        return apr_pstrcat(p, "Authorization: token ", in->token, NULL);
    if (!in->client_id)
        return NULL;
    const char *pair = apr_pstrcat(p, in->client_id, ":", in->client_secret, NULL);
    int plen = (int)strlen(pair);
    char *encoded = apr_palloc(p, apr_base64_encode_len(plen));
    apr_base64_encode(encoded, pair, plen);
    return apr_pstrcat(p, "Authorization: basic ", encoded, NULL);
}

const char *bbw_avatar_set_github(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    const char *directive = cmd->directive->directive;
    github_options_in in = { NULL, NULL, NULL, NULL, -1, -1 };
    for (int i = 0; i < argc; i++) {
        const char *err = github_option(cmd, &in, argv[i]);
        if (err)
            return err;
    }
    /* AvatarGitHub's own configuration errors, word for word. */
    if (!in.client_id != !in.client_secret)
        return apr_psprintf(cmd->pool, "%s: client_id and client_secret must be both "
                            "provided or none", directive);
    if (in.token && in.client_id)
        return apr_psprintf(cmd->pool, "%s: client_id and client_secret must not be "
                            "provided when token is", directive);
    /* Each line gives the whole GitHub configuration. */
    bbw_avatar_conf *ac = avatar_conf(cmd, cfg);
    ac->github_api = in.api;
    ac->github_auth = github_authorization(cmd->pool, &in);
    ac->github_verify = in.verify;
    ac->github_timeout = in.timeout;
    return NULL;
}
