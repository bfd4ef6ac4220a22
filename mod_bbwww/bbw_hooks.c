/* Change hooks at the edge. Buildbot's own hook code stays in the master
 * (the schedulers react to its in-process message, change-hooks.md §1.4);
 * this file decides which requests may reach it. Order of the checks:
 * method, dialect enabled, body size, the dialect's signature or token,
 * content type, payload and event, duplicate delivery; then the master.
 * Buildbot's own refusals keep its status and words (400, the message as
 * reason phrase and body, as text/plain: the words may quote the request);
 * the module's own (405, 409, 413, 502) answer with a JSON error. Every
 * error, the master's relayed ones too, carries X-Content-Type-Options:
 * nosniff and no HTML type, so no browser renders a quoted parameter.
 *
 * Duplicate deliveries are remembered per Apache node, in anonymous shared
 * memory made once by the httpd parent and kept across restarts (graceful
 * or not): in a farm, send the hooks of one provider to one node, or
 * accept that a redelivery reaching another node is not recognized. */
#include "bbw.h"
#include "bbw_control.h"
#include "bbw_hook_verify.h"
#include "bbw_hooks.h"
#include "bbw_pyjson.h"

#include <http_core.h>

#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <string.h>

#define DEFAULT_MAX_BODY (5 * 1024 * 1024)
#define DEFAULT_REPLAY_WINDOW 86400

typedef struct {
    const char *name;
    const char *secret;         /* HMAC key (github, bitbucket*) or token (gitlab) */
    int strict;                 /* github: -1 = unset (on when a secret is set) */
    int accept_sha1;            /* github: X-Hub-Signature accepted */
    const char *codebase;       /* gitlab: pinned ?codebase= */
    apr_array_header_t *allowed;    /* poller: names (const char *) */
} hook_dialect;

struct bbw_hooks_conf {
    apr_hash_t *dialects;       /* name -> hook_dialect */
    apr_off_t max_body;         /* -1 = unset */
    int replay_window;          /* -1 = unset */
};

/* One table per node, in anonymous shared memory made the first time the
 * parent reads a BuildbotChangeHook and kept in the process pool, which
 * outlives every configuration generation: old and new children of a
 * graceful restart share it, and a restart does not forget deliveries.
 * Found again by name because a restart reloads this module (its statics
 * start over); only APR's own functions are registered on that pool. */
#define REPLAY_TABLE_KEY "bbw_hooks_replay_table"
static bbw_replay_table *replay_table;

static const char *ensure_replay_table(cmd_parms *cmd)
{
    apr_pool_t *process_pool = cmd->server->process->pool;
    void *found = NULL;
    if (replay_table)
        return NULL;
    apr_pool_userdata_get(&found, REPLAY_TABLE_KEY, process_pool);
    if (found) {
        replay_table = found;
        return NULL;
    }
    apr_shm_t *shm = NULL;
    apr_status_t rv = apr_shm_create(&shm, bbw_replay_table_size(), NULL, process_pool);
    if (rv != APR_SUCCESS) {
        char err[120];
        return apr_psprintf(cmd->pool, "%s: cannot create the shared memory that records "
                            "deliveries: %s", cmd->directive->directive,
                            apr_strerror(rv, err, sizeof err));
    }
    replay_table = bbw_replay_table_init(apr_shm_baseaddr_get(shm));
    if (!replay_table)
        return apr_psprintf(cmd->pool, "%s: cannot create the process-shared mutex of the "
                            "table that records deliveries", cmd->directive->directive);
    apr_pool_userdata_set(replay_table, REPLAY_TABLE_KEY, apr_pool_cleanup_null, process_pool);
    return NULL;
}

/* ------------------------------------------------------------- directives */

static bbw_hooks_conf *hooks_conf(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *c = cfg;
    if (!c->hooks) {
        c->hooks = apr_pcalloc(cmd->pool, sizeof *c->hooks);
        c->hooks->dialects = apr_hash_make(cmd->pool);
        c->hooks->max_body = -1;
        c->hooks->replay_window = -1;
    }
    return c->hooks;
}

static const char *on_off(cmd_parms *cmd, const char *dialect, const char *key,
                          const char *value, int *out)
{
    if (strcasecmp(value, "on") == 0)
        *out = 1;
    else if (strcasecmp(value, "off") == 0)
        *out = 0;
    else
        return apr_psprintf(cmd->pool, "%s %s: %s= takes on or off, not '%s'",
                            cmd->directive->directive, dialect, key, value);
    return NULL;
}

/* Which keys a dialect takes in the module. What shapes the change
 * (codebase of github/bitbucket, token, property whitelists, skips...) is
 * the master's hook's business: it lives in change_hook_dialects. */
static int dialect_takes(const char *dialect, const char *key)
{
    static const struct {
        const char *dialect, *keys;
    } table[] = {
        { "base", "" }, { "bitbucket", "" }, { "gitorious", "" },
        { "github", " secret strict accept_sha1 " },
        { "gitlab", " secret codebase " },
        { "bitbucketcloud", " secret " }, { "bitbucketserver", " secret " },
        { "poller", " allowed " },
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].dialect, dialect) == 0) {
            if (!key)
                return 1;
            size_t n = strlen(key);
            for (const char *k = strstr(table[i].keys, key); n && k;
                 k = strstr(k + 1, key))
                if (k > table[i].keys && k[-1] == ' ' && k[n] == ' ')
                    return 1;
            return 0;
        }
    return 0;
}

static const char *add_allowed(cmd_parms *cmd, hook_dialect *d, const char *list)
{
    if (!d->allowed)
        d->allowed = apr_array_make(cmd->pool, 4, sizeof(const char *));
    char *copy = apr_pstrdup(cmd->pool, list), *state = NULL;
    for (char *name = apr_strtok(copy, ",", &state); name; name = apr_strtok(NULL, ",", &state))
        *(const char **)apr_array_push(d->allowed) = name;
    if (apr_is_empty_array(d->allowed))
        return apr_psprintf(cmd->pool, "%s poller: allowed= takes a comma-separated list of "
                            "change source names", cmd->directive->directive);
    return NULL;
}

static const char *set_option(cmd_parms *cmd, hook_dialect *d, const char *arg)
{
    const char *dir = cmd->directive->directive;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return apr_psprintf(cmd->pool, "%s %s: options are key=value, not '%s'", dir,
                            d->name, arg);
    const char *key = apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(eq - arg));
    const char *value = eq + 1;
    if (!dialect_takes(d->name, key))
        return apr_psprintf(cmd->pool, "%s %s: '%s' is not an option the module checks%s",
                            dir, d->name, key,
                            strcmp(d->name, "github") == 0
                            ? " (secret, strict, accept_sha1; codebase, token and the "
                              "other options that shape the change belong in the master's "
                              "change_hook_dialects)"
                            : strcmp(d->name, "gitlab") == 0 ? " (secret, codebase)"
                            : strcmp(d->name, "poller") == 0 ? " (allowed)"
                            : strncmp(d->name, "bitbucket", 9) == 0 && d->name[9]
                            ? " (secret; codebase and bitbucket_property_whitelist belong "
                              "in the master's change_hook_dialects)"
                            : " (this dialect has none)");
    if (strcmp(key, "secret") == 0) {
        if (!*value)
            return apr_psprintf(cmd->pool, "%s %s: secret= is empty", dir, d->name);
        d->secret = apr_pstrdup(cmd->pool, value);
        return NULL;
    }
    if (strcmp(key, "strict") == 0)
        return on_off(cmd, d->name, key, value, &d->strict);
    if (strcmp(key, "accept_sha1") == 0)
        return on_off(cmd, d->name, key, value, &d->accept_sha1);
    if (strcmp(key, "codebase") == 0) {
        d->codebase = apr_pstrdup(cmd->pool, value);
        return NULL;
    }
    return add_allowed(cmd, d, value);
}

const char *bbw_hooks_set_dialect(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    const char *dir = cmd->directive->directive;
    if (argc < 1)
        return apr_psprintf(cmd->pool, "%s: takes DIALECT [key=value ...]", dir);
    if (!dialect_takes(argv[0], NULL))
        return apr_psprintf(cmd->pool, "%s: unknown dialect '%s' (Buildbot 3.7 ships base, "
                            "github, gitlab, bitbucket, bitbucketcloud, bitbucketserver, "
                            "gitorious and poller)", dir, argv[0]);
    bbw_hooks_conf *hc = hooks_conf(cmd, cfg);
    if (apr_hash_get(hc->dialects, argv[0], APR_HASH_KEY_STRING))
        return apr_psprintf(cmd->pool, "%s %s: given twice in the same context", dir, argv[0]);
    hook_dialect *d = apr_pcalloc(cmd->pool, sizeof *d);
    d->name = apr_pstrdup(cmd->pool, argv[0]);
    d->strict = -1;
    for (int i = 1; i < argc; i++) {
        const char *err = set_option(cmd, d, argv[i]);
        if (err)
            return err;
    }
    if (d->strict == 1 && !d->secret)
        return apr_psprintf(cmd->pool, "%s %s: strict=on needs secret= (Buildbot would refuse "
                            "every request: 'Strict mode is requested while no secret is "
                            "provided')", dir, d->name);
    if (d->accept_sha1 && !d->secret)
        return apr_psprintf(cmd->pool, "%s %s: accept_sha1=on needs secret=", dir, d->name);
    apr_hash_set(hc->dialects, d->name, APR_HASH_KEY_STRING, d);
    return ensure_replay_table(cmd);
}

const char *bbw_hooks_set_max_body(cmd_parms *cmd, void *cfg, const char *arg)
{
    char *end = NULL;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || n < 1 || n > APR_INT64_C(1073741824))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a size in bytes between 1 and "
                            "1073741824", cmd->directive->directive, arg);
    hooks_conf(cmd, cfg)->max_body = (apr_off_t)n;
    return NULL;
}

const char *bbw_hooks_set_replay_window(cmd_parms *cmd, void *cfg, const char *arg)
{
    char *end = NULL;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || n < 0 || n > 30 * 86400)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds between 0 and "
                            "2592000", cmd->directive->directive, arg);
    hooks_conf(cmd, cfg)->replay_window = (int)n;
    return NULL;
}

bbw_hooks_conf *bbw_hooks_merge_conf(apr_pool_t *p, const bbw_hooks_conf *base,
                                     const bbw_hooks_conf *add)
{
    if (!add || !base)
        return (bbw_hooks_conf *)(add ? add : base);
    bbw_hooks_conf *c = apr_pcalloc(p, sizeof *c);
    c->dialects = apr_hash_overlay(p, add->dialects, base->dialects);
    c->max_body = add->max_body >= 0 ? add->max_body : base->max_body;
    c->replay_window = add->replay_window >= 0 ? add->replay_window : base->replay_window;
    return c;
}

/* ------------------------------------------------------------- answers */

static void no_sniffing(request_rec *r)
{
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
}

/* Buildbot's ValueError answer: the message is the reason phrase and the
 * body. The phrase keeps printable ASCII only. */
static int value_error(request_rec *r, const char *dialect, const char *message)
{
    char *phrase = apr_pstrdup(r->pool, message);
    for (char *c = phrase; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00220)
                  "change hook %s refused: %s", dialect, phrase);
    r->status = HTTP_BAD_REQUEST;
    r->status_line = apr_pstrcat(r->pool, "400 ", phrase, NULL);
    ap_set_content_type(r, "text/plain; charset=utf-8");
    no_sniffing(r);
    ap_set_content_length(r, (apr_off_t)strlen(message));
    if (!r->header_only)
        ap_rputs(message, r);
    return OK;
}

static int json_error(request_rec *r, int status, const char *dialect, const char *message)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00221)
                  "change hook %s refused (%d): %s", dialect, status, message);
    /* The message holds text of ours and header values already reduced
     * to printable ASCII: quotes and backslashes are all JSON needs. */
    char *out = apr_palloc(r->pool, 2 * strlen(message) + 16), *o = out;
    o += sprintf(o, "{\"error\": \"");
    for (const char *c = message; *c; c++) {
        if (*c == '"' || *c == '\\')
            *o++ = '\\';
        *o++ = (unsigned char)*c < 0x20 ? ' ' : *c;
    }
    strcpy(o, "\"}");
    r->status = status;
    r->status_line = NULL;
    ap_set_content_type(r, "application/json");
    no_sniffing(r);
    ap_set_content_length(r, (apr_off_t)strlen(out));
    if (!r->header_only)
        ap_rputs(out, r);
    return OK;
}

/* A header value fit for a message: printable ASCII, at most 200 bytes. */
static const char *printable(request_rec *r, const char *v)
{
    char *s = apr_pstrndup(r->pool, v, 200);
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    return s;
}

/* ------------------------------------------------------------- the request */

typedef struct {
    request_rec *r;
    const hook_dialect *d;
    const char *body;
    apr_size_t len;
    const char *content_type;
    int signed_body;            /* a signature over the body was verified */
    const char *forward_args;   /* query string for the master */
} hook_request;

/* A 413 ends the connection: the rest of the body is not read (drained)
 * after the answer. */
static int too_large(hook_request *h, const char *limit_name, apr_off_t limit)
{
    h->r->connection->keepalive = AP_CONN_CLOSE;
    return json_error(h->r, HTTP_REQUEST_ENTITY_TOO_LARGE, h->d->name,
                      apr_psprintf(h->r->pool, "request body larger than %" APR_OFF_T_FMT
                                   " bytes (%s)", limit, limit_name));
}

/* Appends a bucket's data to the body; 0 when it would exceed cap. */
static int append_body(apr_pool_t *pool, char **buf, apr_size_t *n, apr_size_t *size,
                       const char *data, apr_size_t len, apr_size_t cap)
{
    if (len > cap - *n)
        return 0;
    if (*n + len > *size) {
        apr_size_t bigger = *size * 2;
        while (bigger < *n + len)
            bigger *= 2;
        if (bigger > cap)
            bigger = cap;
        char *nb = apr_palloc(pool, bigger + 1);
        memcpy(nb, *buf, *n);
        *buf = nb;
        *size = bigger;
    }
    memcpy(*buf + *n, data, len);
    *n += len;
    return 1;
}

/* 1 = read; 0 = too large (413 sent); -1 = unreadable (400 sent). A
 * Content-Length over BuildbotChangeHookMaxBody or LimitRequestBody is
 * refused before reading. A chunked body going over LimitRequestBody is
 * refused by HTTP_IN itself, which sends Apache's 413 page (AP_FILTER_ERROR
 * here): then nothing more is written. */
static int read_body(hook_request *h, apr_off_t max)
{
    request_rec *r = h->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t limit = (apr_off_t)ap_get_limit_req_body(r);
    if (cl && limit > 0 && limit < max && apr_atoi64(cl) > limit)
        return too_large(h, "LimitRequestBody", limit), 0;
    if (cl && apr_atoi64(cl) > max)
        return too_large(h, "BuildbotChangeHookMaxBody", max), 0;
    apr_size_t cap = (apr_size_t)max, n = 0, size = 8192;
    char *buf = apr_palloc(r->pool, size + 1);
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    for (int eos = 0; !eos;) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, 8192);
        if (rv != APR_SUCCESS) {
            apr_brigade_cleanup(bb);
            int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            r->connection->keepalive = AP_CONN_CLOSE;
            if (status == AP_FILTER_ERROR)
                return 0;
            if (status == HTTP_REQUEST_ENTITY_TOO_LARGE)
                return too_large(h, "LimitRequestBody", limit), 0;
            return json_error(r, HTTP_BAD_REQUEST, h->d->name,
                              "the request body could not be read"), -1;
        }
        for (apr_bucket *b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b))
                continue;
            const char *data;
            apr_size_t len;
            if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) {
                apr_brigade_cleanup(bb);
                r->connection->keepalive = AP_CONN_CLOSE;
                return json_error(r, HTTP_BAD_REQUEST, h->d->name,
                                  "the request body could not be read"), -1;
            }
            if (!append_body(r->pool, &buf, &n, &size, data, len, cap)) {
                apr_brigade_cleanup(bb);
                return too_large(h, "BuildbotChangeHookMaxBody", max), 0;
            }
        }
        apr_brigade_cleanup(bb);
    }
    buf[n] = '\0';
    h->body = buf;
    h->len = n;
    return 1;
}

/* The request's form fields and query parameters named name, as the
 * master's request.args would hold them: Twisted parses a form body only
 * in a POST, and its fields replace query ones. */
static apr_array_header_t *request_args(hook_request *h, const char *name)
{
    request_rec *r = h->r;
    const char *ct = h->content_type;
    if (r->method_number == M_POST && ct
        && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        apr_array_header_t *form = bbw_hook_form_values(r->pool, h->body, h->len, name);
        if (form->nelts)
            return form;
    }
    return bbw_hook_form_values(r->pool, r->args, r->args ? strlen(r->args) : 0, name);
}

static int check_hmac(hook_request *h, const char *header, const char *alg)
{
    switch (bbw_hook_check_signature(header, alg, h->d->secret, h->body, h->len)) {
    case BBW_SIG_OK:
        h->signed_body = 1;
        return DECLINED;
    case BBW_SIG_FORMAT:
        return value_error(h->r, h->d->name, apr_pstrcat(h->r->pool, "Wrong signature format: ",
                                                         printable(h->r, header), NULL));
    case BBW_SIG_UNKNOWN_ALG:
        return value_error(h->r, h->d->name,
                           apr_pstrcat(h->r->pool, "Unknown hash type: ",
                                       printable(h->r, bbw_hook_signature_alg(h->r->pool,
                                                                              header)), NULL));
    default:
        return value_error(h->r, h->d->name, "Hash mismatch");
    }
}

/* GitHub: X-Hub-Signature-256 always; X-Hub-Signature (SHA-1) only with
 * accept_sha1=on. With a secret a signature is required unless strict=off
 * (Buildbot's lax default, for compatibility only). */
static int check_github_signature(hook_request *h)
{
    if (!h->d->secret)
        return DECLINED;
    const char *sig256 = apr_table_get(h->r->headers_in, "X-Hub-Signature-256");
    const char *sig1 = apr_table_get(h->r->headers_in, "X-Hub-Signature");
    if (sig256)
        return check_hmac(h, sig256, "sha256");
    if (sig1 && h->d->accept_sha1)
        return check_hmac(h, sig1, "sha1");
    if (sig1)
        return value_error(h->r, h->d->name, "Unknown hash type: sha1");
    if (h->d->strict != 0)
        return value_error(h->r, h->d->name, "Request has no required signature");
    return DECLINED;
}

static int check_json(hook_request *h, const char *text, apr_size_t len, const char *prefix)
{
    const char *err = bbw_pyjson_error(h->r->pool, text, len);
    if (!err)
        return DECLINED;
    return value_error(h->r, h->d->name, apr_pstrcat(h->r->pool, prefix, err, NULL));
}

static int check_github(hook_request *h)
{
    int rc = check_github_signature(h);
    if (rc != DECLINED)
        return rc;
    const char *ct = h->content_type;
    if (ct && strcmp(ct, "application/json") == 0)
        rc = check_json(h, h->body, h->len, "");
    else if (ct && strcmp(ct, "application/x-www-form-urlencoded") == 0) {
        apr_array_header_t *payload = request_args(h, "payload");
        if (!payload->nelts)
            return value_error(h->r, h->d->name, "Missing form field: payload");
        const char *p = APR_ARRAY_IDX(payload, 0, const char *);
        rc = check_json(h, p, strlen(p), "");
    }
    else
        return value_error(h->r, h->d->name,
                           apr_pstrcat(h->r->pool, "Unknown content type: ",
                                       bbw_hook_pybytes_repr(h->r->pool,
                                                             ct ? printable(h->r, ct) : NULL),
                                       NULL));
    if (rc != DECLINED)
        return rc;
    const char *event = apr_table_get(h->r->headers_in, "X-GitHub-Event");
    if (!bbw_hook_event_known("github", event))
        return value_error(h->r, h->d->name,
                           apr_pstrcat(h->r->pool, "Unknown event: ",
                                       event ? printable(h->r, event) : "None", NULL));
    return DECLINED;
}

static int check_gitlab(hook_request *h)
{
    if (h->d->secret && !bbw_hook_secret_equal(apr_table_get(h->r->headers_in, "X-Gitlab-Token"),
                                               h->d->secret))
        return value_error(h->r, h->d->name, "Invalid secret");
    return check_json(h, h->body, h->len, "Error loading JSON: ");
}

/* Bitbucket Cloud and Server (with a secret: X-Hub-Signature sha256=, as
 * both send it; Buildbot 3.7 checks no signature at all). */
static int check_bitbucket(hook_request *h, int server)
{
    if (h->d->secret) {
        const char *sig = apr_table_get(h->r->headers_in, "X-Hub-Signature");
        if (!sig)
            return value_error(h->r, h->d->name, "Request has no required signature");
        int rc = check_hmac(h, sig, "sha256");
        if (rc != DECLINED)
            return rc;
    }
    const char *ct = h->content_type;
    if (!ct || strncmp(ct, "application/json", 16) != 0)
        return value_error(h->r, h->d->name,
                           apr_pstrcat(h->r->pool, "Unknown content type: ",
                                       ct ? printable(h->r, ct) : "None", NULL));
    int rc = check_json(h, h->body, h->len, "");
    if (rc != DECLINED)
        return rc;
    const char *key = apr_table_get(h->r->headers_in, "X-Event-Key");
    if (!key)
        return value_error(h->r, h->d->name, server ? "Header X-Event-Key is not present"
                                                    : "Header X-Event-Key was not present");
    char *event = apr_pstrdup(h->r->pool, printable(h->r, key));
    for (char *c = event; *c; c++)
        if (*c == ':')
            *c = '_';
    if (!bbw_hook_event_known(h->d->name, event))
        return value_error(h->r, h->d->name, apr_pstrcat(h->r->pool, "Unknown event: ", event,
                                                         NULL));
    return DECLINED;
}

static int name_allowed(const hook_dialect *d, const char *name)
{
    for (int i = 0; i < d->allowed->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(d->allowed, i, const char *), name) == 0)
            return 1;
    return 0;
}

/* poller allowed=: the documented restriction Buildbot 3.7 does not apply
 * (it looks for a bytes key); named pollers outside it are refused with
 * Buildbot's words, and a request naming none polls only the allowed.
 * What the master gets is made here, not passed on: a query of the checked
 * names (re-encoded, every other poller* key dropped) and no body, so no
 * difference between this parser and Twisted's (a key with a NUL, a form
 * body it ignores on GET, a multipart field it adds on POST) can name
 * another poller or none. */
static int check_poller(hook_request *h)
{
    if (!h->d->allowed)
        return DECLINED;
    apr_array_header_t *names = request_args(h, "poller");
    const char *missing = NULL;
    for (int i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        if (!name_allowed(h->d, n))
            missing = apr_pstrcat(h->r->pool, missing ? missing : "", missing ? "," : "",
                                  printable(h->r, n), NULL);
    }
    if (missing)
        return value_error(h->r, h->d->name, apr_pstrcat(h->r->pool, "Could not find pollers: ",
                                                         missing, NULL));
    h->forward_args = bbw_hook_poller_query(h->r->pool, h->r->args,
                                            names->nelts ? names : h->d->allowed);
    h->body = "";
    h->len = 0;
    h->content_type = NULL;
    return DECLINED;
}

/* gitlab codebase=: the query parameter the master reads, pinned. A form
 * content type would let fields of the (JSON) body override it in the
 * master's request.args: the master gets the body as JSON, as it parses it. */
static void pin_codebase(hook_request *h)
{
    request_rec *r = h->r;
    const char *ct = h->content_type;
    if (ct && (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0
               || strncasecmp(ct, "multipart/form-data", 19) == 0))
        h->content_type = "application/json";
    const char *args = "";
    char *copy = apr_pstrdup(r->pool, r->args ? r->args : ""), *state = NULL;
    for (char *kv = apr_strtok(copy, "&", &state); kv; kv = apr_strtok(NULL, "&", &state)) {
        /* Compared as the master decodes it ("%63odebase" is codebase);
         * a key that does not decode is dropped. */
        const char *key = apr_punescape_url(r->pool, apr_pstrndup(r->pool, kv, strcspn(kv, "=")),
                                            NULL, NULL, 1);
        if (key && strcmp(key, "codebase") != 0)
            args = apr_pstrcat(r->pool, args, *args ? "&" : "", kv, NULL);
    }
    h->forward_args = apr_pstrcat(r->pool, "codebase=",
                                  apr_pescape_urlencoded(r->pool, h->d->codebase),
                                  *args ? "&" : "", args, NULL);
}

static int check_dialect(hook_request *h)
{
    const char *name = h->d->name;
    if (strcmp(name, "github") == 0)
        return check_github(h);
    if (strcmp(name, "gitlab") == 0) {
        if (h->d->codebase)
            pin_codebase(h);
        return check_gitlab(h);
    }
    if (strcmp(name, "bitbucketcloud") == 0)
        return check_bitbucket(h, 0);
    if (strcmp(name, "bitbucketserver") == 0)
        return check_bitbucket(h, 1);
    if (strcmp(name, "poller") == 0)
        return check_poller(h);
    return DECLINED;
}

/* ------------------------------------------------------------- duplicates */

static const char *delivery_header(const char *dialect)
{
    if (strcmp(dialect, "github") == 0)
        return "X-GitHub-Delivery";
    if (strcmp(dialect, "gitlab") == 0)
        return "X-Gitlab-Event-UUID";
    if (strcmp(dialect, "bitbucketcloud") == 0)
        return "X-Request-UUID";
    if (strcmp(dialect, "bitbucketserver") == 0)
        return "X-Request-Id";
    return NULL;
}

typedef struct {
    unsigned char digest[2][32];
    int count;
} replay_keys;

/* Records the delivery id and, for a verified signature, the body itself
 * (the id header is not signed: a captured request replayed under another
 * id is still the same body). DECLINED when new; else the 409 was sent. */
static int reserve_delivery(hook_request *h, int window, replay_keys *keys)
{
    keys->count = 0;
    if (!replay_table || window <= 0)
        return DECLINED;
    const char *header = delivery_header(h->d->name);
    const char *id = header ? apr_table_get(h->r->headers_in, header) : NULL;
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    if (id)
        bbw_replay_key(keys->digest[keys->count++], "id", h->d->name, id, strlen(id));
    if (h->signed_body)
        bbw_replay_key(keys->digest[keys->count++], "body", h->d->name, h->body, h->len);
    for (int i = 0; i < keys->count; i++) {
        if (bbw_replay_reserve(replay_table, keys->digest[i], now, (apr_uint32_t)window))
            continue;
        for (int j = 0; j < i; j++)
            bbw_replay_release(replay_table, keys->digest[j]);
        keys->count = 0;
        return json_error(h->r, HTTP_CONFLICT, h->d->name,
                          id && i == 0
                          ? apr_psprintf(h->r->pool, "duplicate delivery: %s %s was already "
                                         "received", header, printable(h->r, id))
                          : "duplicate delivery: this signed payload was already received");
    }
    return DECLINED;
}

static void release_delivery(const replay_keys *keys)
{
    for (int i = 0; i < keys->count; i++)
        bbw_replay_release(replay_table, keys->digest[i]);
}

/* ------------------------------------------------------------- handler */

/* The master's answer on its way out: its errors (text/html in Twisted,
 * quoting parameters such as a poller name or a timestamp) become
 * text/plain and are not sniffed. Its successes keep Buildbot's type. */
#define HOOK_ANSWER_FILTER "BBW_HOOK_ANSWER"

static apr_status_t hook_answer_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    if (r->status >= 400) {
        ap_set_content_type(r, "text/plain; charset=utf-8");
        no_sniffing(r);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void bbw_hooks_register(apr_pool_t *p)
{
    ap_register_output_filter(HOOK_ANSWER_FILTER, hook_answer_filter, NULL, AP_FTYPE_RESOURCE);
}

int bbw_hooks_handler(request_rec *r, const char *relpath)
{
    const char *dialect = bbw_hook_dialect(r->pool, relpath);
    if (!dialect)
        return DECLINED;
    if (r->method_number != M_GET && r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD, POST");
        return json_error(r, HTTP_METHOD_NOT_ALLOWED, dialect,
                          apr_pstrcat(r->pool, "method ", printable(r, r->method),
                                      " not allowed on change hooks", NULL));
    }
    const bbw_hooks_conf *hc = bbw_conf(r)->hooks;
    hook_request h = { r, NULL, NULL, 0, NULL, 0, r->args };
    h.d = hc ? apr_hash_get(hc->dialects, dialect, APR_HASH_KEY_STRING) : NULL;
    if (!h.d)
        return value_error(r, dialect, apr_psprintf(r->pool, "The dialect specified, '%s', "
                                                    "wasn't whitelisted in change_hook",
                                                    dialect));
    apr_off_t max = hc->max_body > 0 ? hc->max_body : DEFAULT_MAX_BODY;
    if (read_body(&h, max) <= 0)
        return OK;
    h.content_type = apr_table_get(r->headers_in, "Content-Type");
    int rc = check_dialect(&h);
    if (rc != DECLINED)
        return rc;
    replay_keys keys;
    rc = reserve_delivery(&h, hc->replay_window >= 0 ? hc->replay_window
                                                     : DEFAULT_REPLAY_WINDOW, &keys);
    if (rc != DECLINED)
        return rc;

    const char *path = apr_pstrcat(r->pool, "change_hook/", h.d->name,
                                   h.forward_args && *h.forward_args ? "?" : "",
                                   h.forward_args ? h.forward_args : "", NULL);
    if (!h.content_type)
        apr_table_unset(r->headers_in, "Content-Type");
    ap_filter_t *answer = ap_add_output_filter(HOOK_ANSWER_FILTER, NULL, r, r->connection);
    int status = bbw_control_forward(r, path, h.body, h.len, h.content_type, NULL);
    if (status != OK) {
        if (answer)
            ap_remove_output_filter(answer);
        release_delivery(&keys);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00222)
                      "change hook %s: the Buildbot master did not answer (%d)", h.d->name,
                      status);
        return json_error(r, status == HTTP_SERVICE_UNAVAILABLE ? status : HTTP_BAD_GATEWAY,
                          h.d->name, status == HTTP_SERVICE_UNAVAILABLE
                          ? "change hooks are not available: no Buildbot master configured "
                            "(BuildbotMaster)"
                          : "the Buildbot master did not answer");
    }
    if (r->status < 200 || r->status > 299)
        release_delivery(&keys);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, BBWLOGNO(00223)
                  "change hook %s: the master answered %d", h.d->name, r->status);
    return OK;
}
