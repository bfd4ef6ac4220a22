/* Sessions: reading and issuing Buildbot's session cookie. The secret is
 * the master's (object_state "session_secret" of the www service object),
 * so nothing is stored here: a token is valid wherever the secret is. */
#include "bbw.h"
#include "bbw_db.h"
#include "bbw_jwt.h"
#include "bbw_session.h"
#include "bbw_auth.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <ap_regex.h>
#include <http_core.h>
#include <ctype.h>
#include <string.h>

#define WWW_OBJECT "www"
#define WWW_CLASS "buildbot.www.service.WWWService"
#define DEFAULT_LIFETIME (7 * 24 * 3600)
/* The secret never rotates in Buildbot; re-reading it now and then still
 * lets a replaced database take effect without a restart. */
#define SECRET_TTL apr_time_from_sec(60)

/* ------------------------------------------------------------ the secret */

typedef struct {
    const server_rec *server;   /* DB settings are per virtual host */
    char secret[65];
    apr_time_t read_at;
} secret_entry;

#define SECRET_SLOTS 16
static secret_entry secrets[SECRET_SLOTS];
static apr_thread_mutex_t *secrets_lock;

static int secret_lookup(const server_rec *s, char *out)
{
    int found = 0;
    if (secrets_lock)
        apr_thread_mutex_lock(secrets_lock);
    for (int i = 0; i < SECRET_SLOTS; i++)
        if (secrets[i].server == s && apr_time_now() - secrets[i].read_at < SECRET_TTL) {
            memcpy(out, secrets[i].secret, sizeof secrets[i].secret);
            found = 1;
            break;
        }
    if (secrets_lock)
        apr_thread_mutex_unlock(secrets_lock);
    return found;
}

static void secret_store(const server_rec *s, const char *secret)
{
    if (secrets_lock)
        apr_thread_mutex_lock(secrets_lock);
    int slot = 0;
    for (int i = 0; i < SECRET_SLOTS; i++) {
        if (secrets[i].server == s || !secrets[i].server) {
            slot = i;
            break;
        }
        if (secrets[i].read_at < secrets[slot].read_at)
            slot = i;
    }
    secrets[slot].server = s;
    apr_cpystrn(secrets[slot].secret, secret, sizeof secrets[slot].secret);
    secrets[slot].read_at = apr_time_now();
    if (secrets_lock)
        apr_thread_mutex_unlock(secrets_lock);
}

void bbw_session_child_init(apr_pool_t *p)
{
    apr_thread_mutex_create(&secrets_lock, APR_THREAD_MUTEX_DEFAULT, p);
}

static int ignore_rows(void *baton, const bbw_row *row)
{
    return 1;
}

typedef struct {
    apr_pool_t *p;
    const char *text;
} first_cell;

static int copy_first(void *baton, const bbw_row *row)
{
    first_cell *fc = baton;
    fc->text = row->val[0] ? apr_pstrmemdup(fc->p, row->val[0], row->len[0]) : NULL;
    return 1;
}

static const char *read_secret(request_rec *r, bbw_db *db)
{
    static const char sql[] =
        "SELECT s.value_json FROM object_state s JOIN objects o ON o.id = s.objectid"
        " WHERE o.name = ? AND o.class_name = ? AND s.name = 'session_secret'";
    apr_array_header_t *params = bbw_params(r->pool);
    bbw_param_str(params, WWW_OBJECT);
    bbw_param_str(params, WWW_CLASS);
    first_cell fc = { r->pool, NULL };
    if (bbw_db_each(db, sql, params, copy_first, &fc) != APR_SUCCESS || !fc.text)
        return NULL;
    json_t *v = json_loads(fc.text, JSON_DECODE_ANY, NULL);
    const char *secret = json_is_string(v) && json_string_length(v) > 0
                         && json_string_length(v) < 65
                         ? apr_pstrdup(r->pool, json_string_value(v)) : NULL;
    json_decref(v);
    if (!secret)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00033)
                      "the session_secret in object_state is not a JSON string");
    return secret;
}

/* What the master does at start when the row is missing: 16 random bytes
 * as 32 lower-case hex characters, stored JSON-encoded. A concurrent writer
 * may win; the caller reads again and uses whatever is there. */
static void create_secret(request_rec *r, bbw_db *db)
{
    unsigned char raw[16];
    char hex[33];
    if (apr_generate_random_bytes(raw, sizeof raw) != APR_SUCCESS)
        return;
    for (int i = 0; i < 16; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    apr_array_header_t *params = bbw_params(r->pool);
    bbw_param_str(params, WWW_OBJECT);
    bbw_param_str(params, WWW_CLASS);
    static const char find[] = "SELECT id FROM objects WHERE name = ? AND class_name = ?";
    first_cell fc = { r->pool, NULL };
    bbw_db_each(db, find, params, copy_first, &fc);
    if (!fc.text) {
        bbw_db_each(db, "INSERT INTO objects (name, class_name) VALUES (?, ?)", params,
                    ignore_rows, NULL);
        bbw_db_each(db, find, params, copy_first, &fc);
    }
    const char *objectid = fc.text;
    if (!objectid)
        return;
    apr_array_header_t *ins = bbw_params(r->pool);
    bbw_param_int(ins, apr_atoi64(objectid));
    bbw_param_str(ins, apr_pstrcat(r->pool, "\"", hex, "\"", NULL));
    if (bbw_db_each(db, "INSERT INTO object_state (objectid, name, value_json)"
                    " VALUES (?, 'session_secret', ?)", ins, ignore_rows, NULL)
        == APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, BBWLOGNO(00034)
                      "created the web session secret (the database had none)");
}

const char *bbw_session_secret(request_rec *r)
{
    char cached[65];
    if (secret_lookup(r->server, cached))
        return apr_pstrdup(r->pool, cached);
    bbw_db *db = bbw_db_open(r);
    if (!db)
        return NULL;
    const char *secret = read_secret(r, db);
    if (!secret) {
        create_secret(r, db);
        secret = read_secret(r, db);
    }
    if (!secret) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00035)
                      "no web session secret in the database and none could be stored"
                      " (is the database writable?)");
        return NULL;
    }
    secret_store(r->server, secret);
    return secret;
}

/* ------------------------------------------------------------ the cookie */

const char *bbw_session_cookie_name(request_rec *r)
{
    return strcmp(ap_http_scheme(r), "https") == 0 ? "TWISTED_SECURE_SESSION"
                                                   : "TWISTED_SESSION";
}

typedef struct {
    request_rec *r;
    const char *name;
    size_t name_len;
    const char *secret;
    json_t *user;
} cookie_scan;

/* Try every cookie of that name: a browser may hold one per path. */
static int scan_cookie_header(void *baton, const char *key, const char *value)
{
    cookie_scan *cs = baton;
    const char *s = value;
    while (s && *s && !cs->user) {
        while (*s == ' ' || *s == '\t' || *s == ';')
            s++;
        size_t len = strcspn(s, ";");
        if (len > cs->name_len && strncmp(s, cs->name, cs->name_len) == 0
            && s[cs->name_len] == '=' && len - cs->name_len - 1 <= BBW_JWT_MAX) {
            const char *token = apr_pstrmemdup(cs->r->pool, s + cs->name_len + 1,
                                               len - cs->name_len - 1);
            const char *why = NULL;
            if (!cs->secret)
                cs->secret = bbw_session_secret(cs->r);
            if (!cs->secret)
                return 0;
            cs->user = bbw_jwt_user(cs->r->pool, cs->secret, token,
                                    apr_time_sec(apr_time_now()), &why);
            if (!cs->user)
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, cs->r, BBWLOGNO(00036)
                              "session cookie ignored: %s", why);
        }
        s += len;
    }
    return !cs->user;
}

static json_t *user_from_cookie(request_rec *r)
{
    cookie_scan cs = { r, bbw_session_cookie_name(r), 0, NULL, NULL };
    cs.name_len = strlen(cs.name);
    apr_table_do(scan_cookie_header, &cs, r->headers_in, "Cookie", NULL);
    return cs.user;
}

static apr_status_t release_json(void *v)
{
    json_decref(v);
    return APR_SUCCESS;
}

/* The request keeps one reference, released with its pool. */
static void remember_user(request_rec *r, json_t *user)
{
    apr_pool_cleanup_register(r->pool, user, release_json, apr_pool_cleanup_null);
    ap_set_module_config(r->request_config, &bbwww_module, user);
}

int bbw_session_is_anonymous(const json_t *user)
{
    return !json_is_object(user) || json_is_true(json_object_get(user, "anonymous"))
           || json_object_size(user) == 0;
}

const char *bbw_session_mint(request_rec *r, const json_t *user_info)
{
    const char *secret = bbw_session_secret(r);
    if (!secret)
        return NULL;
    const bbw_dir_conf *c = bbw_conf(r);
    apr_int64_t lifetime = c->cookie_expiration >= 0 ? c->cookie_expiration : DEFAULT_LIFETIME;
    return bbw_jwt_mint(r->pool, secret, user_info, apr_time_sec(apr_time_now()) + lifetime);
}

int bbw_session_start(request_rec *r, json_t *user_info)
{
    const char *token = bbw_session_mint(r, user_info);
    if (!token)
        return 0;
    int tls = strcmp(ap_http_scheme(r), "https") == 0;
    /* Buildbot's cookie, plus what it lacks: HttpOnly (the UI never reads
     * it), SameSite=Lax (no cross-site control calls), Secure on TLS. */
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, bbw_session_cookie_name(r), "=", token,
                              "; Path=/; HttpOnly; SameSite=Lax", tls ? "; Secure" : "",
                              NULL));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    json_incref(user_info);
    if (ap_get_module_config(r->request_config, &bbwww_module)) {
        json_t *old = ap_get_module_config(r->request_config, &bbwww_module);
        apr_pool_cleanup_run(r->pool, old, release_json);
    }
    remember_user(r, user_info);
    return 1;
}

/* ------------------------------------------------- trusted header login */

/* BuildbotRemoteUserHeader: the named groups of the header's match are the
 * candidate user. It logs in when it differs from the session's user in
 * any of those keys (Buildbot does this on "/" only; every request here). */
static json_t *user_from_header(request_rec *r, const bbw_dir_conf *c, const json_t *session)
{
    const char *value = apr_table_get(r->headers_in, c->remote_user_header);
    if (!value || !c->remote_user_regex || strlen(value) > 1024)
        return NULL;
    ap_regex_t *re = c->remote_user_regex;
    ap_regmatch_t m[AP_MAX_REG_MATCH];
    if (ap_regexec(re, value, AP_MAX_REG_MATCH, m, 0) != 0 || m[0].rm_so != 0)
        return NULL;
    apr_array_header_t *names = apr_array_make(r->pool, 4, sizeof(const char *));
    ap_regname(re, names, NULL, 0);
    json_t *candidate = json_object();
    int differs = bbw_session_is_anonymous(session);
    /* ap_regname indexes names by group number. */
    for (int i = 1; i < names->nelts && i < AP_MAX_REG_MATCH; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        if (!name || !*name)
            continue;
        json_t *v = m[i].rm_so < 0 ? json_null()
                    : json_stringn(value + m[i].rm_so, (size_t)(m[i].rm_eo - m[i].rm_so));
        if (!v) {                       /* not UTF-8: not a user name */
            json_decref(candidate);
            return NULL;
        }
        if (!json_equal(v, json_object_get(session, name)))
            differs = 1;
        json_object_set_new(candidate, name, v);
    }
    if (!json_is_string(json_object_get(candidate, "username"))) {
        json_decref(candidate);
        return NULL;
    }
    if (!differs) {
        json_decref(candidate);
        return NULL;
    }
    return candidate;
}

json_t *bbw_session_user(request_rec *r)
{
    json_t *user = ap_get_module_config(r->request_config, &bbwww_module);
    if (user)
        return user;
    user = user_from_cookie(r);
    if (!user)
        user = json_pack("{s:b}", "anonymous", 1);
    remember_user(r, user);
    const bbw_dir_conf *c = bbw_conf(r);
    if (c->remote_user_header) {
        json_t *candidate = user_from_header(r, c, user);
        if (candidate) {
            json_t *full = bbw_auth_user_info(r, candidate);
            json_decref(candidate);
            if (full) {
                bbw_session_start(r, full);
                json_decref(full);
            }
        }
    }
    return ap_get_module_config(r->request_config, &bbwww_module);
}
