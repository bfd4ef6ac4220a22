/* Hand-off to the master. Reads never come here; what does is checked
 * first (envelope, authz, method) so that a refused call reaches nothing,
 * then forwarded with mod_proxy carrying a session cookie for the user. */
#include "bbw.h"
#include "bbw_access.h"
#include "bbw_control.h"
#include "bbw_json.h"
#include "bbw_rest.h"
#include "bbw_pyjson.h"
#include "bbw_session.h"

#include <apr_strings.h>
#include <http_core.h>
#include <util_filter.h>
#include <curl/curl.h>
#include <ctype.h>
#include <string.h>

/* Control bodies are a method and a few parameters; Buildbot sets no
 * limit, a force form with every field filled stays far below this. */
#define MAX_RPC_BODY (64 * 1024)
#define MAX_MASTER_ANSWER (4 * 1024 * 1024)
#define MASTER_TIMEOUT_SECONDS 5L

static const char replay_filter_name[] = "BBWWW_REPLAY_BODY";
static const char strip_cookies_filter_name[] = "BBWWW_STRIP_MASTER_COOKIES";

enum {
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_PARSE_ERROR = -32700,
    RPC_INTERNAL_ERROR = -32603
};

/* ------------------------------------------------------------- answers */

/* Buildbot's error reply: default separators, keys jsonrpc, id, error; no
 * "id" when the envelope failed before the id was read. */
static int rpc_error(request_rec *r, int status, const json_t *id, int code, json_t *message)
{
    json_t *reply = json_object();
    json_object_set_new(reply, "jsonrpc", json_string("2.0"));
    if (id)
        json_object_set(reply, "id", (json_t *)id);
    json_object_set_new(reply, "error", json_pack("{s:i,s:o}", "code", code, "message", message));
    const char *body = bbw_json_dumps(r->pool, reply, BBW_JSON_DEFAULT, 0);
    json_decref(reply);
    r->status = status;
    r->status_line = NULL;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    ap_rputs(body, r);
    return OK;
}

static int rpc_error_text(request_rec *r, int status, const json_t *id, int code,
                          const char *message)
{
    json_t *m = json_string(message);
    return rpc_error(r, status, id, code, m ? m : json_string("(message is not UTF-8)"));
}

static int rpc_result_null(request_rec *r, const json_t *id)
{
    json_t *reply = json_pack("{s:O,s:s,s:n}", "id", id, "jsonrpc", "2.0", "result");
    const char *body = bbw_json_dumps(r->pool, reply, BBW_JSON_COMPACT, 1);
    json_decref(reply);
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    ap_rputs(body, r);
    return OK;
}

/* A fixed JSON error body for the non-JSON-RPC hand-offs. */
static int send_json(request_rec *r, int status, const char *ctype, const char *body)
{
    return bbw_send(r, status, ctype, body, strlen(body));
}

/* Python's repr() of a str, as it appears in ValueError('...'). */
static const char *py_repr(apr_pool_t *p, const char *s)
{
    char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    bbw_buf b;
    bbw_buf_init(&b, p, strlen(s) + 8);
    bbw_buf_add(&b, &quote, 1);
    for (const char *c = s; *c; c++) {
        if (*c == '\\' || *c == quote)
            bbw_buf_add(&b, "\\", 1);
        if (*c == '\n')
            bbw_buf_adds(&b, "\\n");
        else if (*c == '\r')
            bbw_buf_adds(&b, "\\r");
        else if (*c == '\t')
            bbw_buf_adds(&b, "\\t");
        else if ((unsigned char)*c < 0x20 || *c == 0x7f)
            bbw_buf_adds(&b, apr_psprintf(p, "\\x%02x", (unsigned char)*c));
        else
            bbw_buf_add(&b, c, 1);
    }
    bbw_buf_add(&b, &quote, 1);
    bbw_buf_add(&b, "", 1);
    return b.data;
}

/* ------------------------------------------------------------- envelope */

static int read_body(request_rec *r, char **body, apr_size_t *len, int *too_large)
{
    *too_large = 0;
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return 0;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    if (cl && apr_atoi64(cl) > MAX_RPC_BODY) {
        *too_large = 1;
        return 0;
    }
    char *buf = apr_palloc(r->pool, MAX_RPC_BODY + 1);
    apr_size_t n = 0;
    if (ap_should_client_block(r)) {
        long got;
        while ((got = ap_get_client_block(r, buf + n, MAX_RPC_BODY + 1 - n)) > 0) {
            n += (apr_size_t)got;
            if (n > MAX_RPC_BODY) {
                *too_large = 1;
                return 0;
            }
        }
        if (got < 0)
            return 0;
    }
    buf[n] = '\0';
    *body = buf;
    *len = n;
    return 1;
}

static int media_type_is_json(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; \t");
    return n == 16 && strncmp(ct, "application/json", 16) == 0;     /* as Buildbot: exact */
}

typedef struct {
    const char *method;
    json_t *id;         /* borrowed from doc */
    json_t *params;
    json_t *doc;
    const char *body;   /* the client's bytes, forwarded as they came */
    apr_size_t len;
} rpc_call;

static apr_status_t release_json(void *v)
{
    json_decref(v);
    return APR_SUCCESS;
}

/* Buildbot's checks, in its order. Returns DECLINED when valid. */
static int check_envelope(request_rec *r, rpc_call *call)
{
    if (!media_type_is_json(apr_table_get(r->headers_in, "Content-Type")))
        return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                              "Invalid content-type (use application/json)");
    char *body = NULL;
    apr_size_t len = 0;
    int too_large = 0;
    if (!read_body(r, &body, &len, &too_large))
        return too_large
            ? rpc_error_text(r, HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, RPC_INVALID_REQUEST,
                             apr_psprintf(r->pool, "request body larger than %d bytes",
                                          MAX_RPC_BODY))
            : rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_PARSE_ERROR,
                             "JSON parse error: the request body could not be read");
    /* Python's own words for what its json module refuses; what it takes
     * but strict JSON does not (NaN, huge integers) jansson names. */
    const char *python_error = bbw_pyjson_error(r->pool, body, len);
    json_error_t e;
    call->doc = python_error ? NULL : json_loadb(body, len, JSON_DECODE_ANY, &e);
    if (!call->doc)
        return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_PARSE_ERROR,
                              apr_pstrcat(r->pool, "JSON parse error: ",
                                          python_error ? python_error : e.text, NULL));
    apr_pool_cleanup_register(r->pool, call->doc, release_json, apr_pool_cleanup_null);
    call->body = body;
    call->len = len;
    if (json_is_array(call->doc))
        return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                              "JSONRPC batch requests are not supported");
    if (!json_is_object(call->doc))
        return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                              "JSONRPC root object must be an object");
    static const struct {
        const char *key, *what;
    } keys[] = {
        { "jsonrpc", "a string" }, { "method", "a string" },
        { "id", "a string, number, or null" }, { "params", "an object" },
    };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(call->doc, keys[i].key);
        int ok = v && (i < 2 ? json_is_string(v)
                       : i == 2 ? json_is_string(v) || json_is_integer(v)
                                  || json_is_boolean(v) || json_is_null(v)
                       : json_is_object(v));
        if (!v)
            return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                                  apr_psprintf(r->pool, "missing key '%s'", keys[i].key));
        if (!ok)
            return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                                  apr_psprintf(r->pool, "'%s' must be %s", keys[i].key,
                                               keys[i].what));
    }
    if (strcmp(json_string_value(json_object_get(call->doc, "jsonrpc")), "2.0") != 0)
        return rpc_error_text(r, HTTP_BAD_REQUEST, NULL, RPC_INVALID_REQUEST,
                              "only JSONRPC 2.0 is supported");
    call->method = json_string_value(json_object_get(call->doc, "method"));
    call->id = json_object_get(call->doc, "id");
    call->params = json_object_get(call->doc, "params");
    return DECLINED;
}

/* ------------------------------------------------------------- methods */

typedef enum { FORWARD, NOT_SUPPORTED, VALUE_ERROR, SILENT_NULL } dispatch;

/* What the master's endpoint would do with the method (rest-api §10.3). */
static dispatch method_dispatch(bbw_ep ep, const char *method)
{
    switch (ep) {
    case EP_BUILD:              /* dispatched after str.capitalize() */
        return !strcasecmp(method, "stop") || !strcasecmp(method, "rebuild")
               ? FORWARD : NOT_SUPPORTED;
    case EP_BUILDREQUEST:
        return strcmp(method, "cancel") == 0 ? FORWARD : VALUE_ERROR;
    case EP_WORKER:
        return !strcmp(method, "stop") || !strcmp(method, "kill") || !strcmp(method, "pause")
               || !strcmp(method, "unpause") ? FORWARD : NOT_SUPPORTED;
    case EP_SCHEDULER:
        return strcmp(method, "enable") == 0 ? FORWARD : SILENT_NULL;
    case EP_FORCESCHEDULER:
        return strcmp(method, "force") == 0 ? FORWARD : SILENT_NULL;
    default:
        return NOT_SUPPORTED;
    }
}

/* ------------------------------------------------------------- force targets */

static int read_id(void *baton, const bbw_row *row)
{
    *(apr_int64_t *)baton = bbw_cell_null(row, 0) ? 0 : bbw_cell_int(row, 0);
    return 1;
}

/* The master reads a force call's params.builderid through its data API
 * path /builders/<value>: Python's int() of it, or else a builder name
 * (JSON true is the name "True"). Authz must judge the builder the master
 * will force, so the forwarded call names it by its integer id; a value
 * that names no builder is refused here. 1 = usable, 0 = refused,
 * -1 = database failure. */
static int normalize_force_builderid(request_rec *r, bbw_db *db, rpc_call *call)
{
    json_t *v = json_object_get(call->params, "builderid");
    apr_int64_t id = 0;
    const char *name = NULL;
    if (!v || json_is_integer(v) || json_is_null(v))
        return 1;
    if (json_is_boolean(v))
        name = json_is_true(v) ? "True" : "False";
    else if (json_is_string(v) && !bbw_parse_pyint(json_string_value(v), &id))
        name = json_string_value(v);
    else if (!json_is_string(v))
        return 0;
    if (name) {
        if (!bbw_is_identifier(name, 100))
            return 0;
        if (!db)
            return -1;
        apr_array_header_t *params = bbw_params(r->pool);
        bbw_param_str(params, bbw_name_hash(r->pool, name));
        if (bbw_db_each(db, "SELECT id FROM builders WHERE name_hash = ?", params, read_id, &id)
            != APR_SUCCESS)
            return -1;
        if (!id)
            return 0;
    }
    json_object_set_new(call->params, "builderid", json_integer(id));
    call->body = bbw_json_dumps(r->pool, call->doc, BBW_JSON_COMPACT, 0);
    call->len = strlen(call->body);
    return 1;
}

/* ------------------------------------------------------------- forwarding */

typedef struct {
    const char *data;
    apr_size_t len;
    int eos_sent;
} replay_ctx;

/* Gives mod_proxy the body this module already read and checked. */
static apr_status_t replay_body(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                                apr_read_type_e block, apr_off_t readbytes)
{
    replay_ctx *ctx = f->ctx;
    if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE)
        return APR_ENOTIMPL;
    if (ctx->len) {
        apr_size_t n = readbytes > 0 && (apr_size_t)readbytes < ctx->len
                       ? (apr_size_t)readbytes : ctx->len;
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(ctx->data, n, f->r->pool,
                                                           f->c->bucket_alloc));
        if (mode == AP_MODE_READBYTES) {
            ctx->data += n;
            ctx->len -= n;
        }
        return APR_SUCCESS;
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
    if (mode == AP_MODE_READBYTES)
        ctx->eos_sent = 1;
    return APR_SUCCESS;
}

static const char *master_url(request_rec *r)
{
    const char *m = bbw_conf(r)->master_url;
    return m && *m ? m : NULL;
}

/* CORS headers were set before mod_proxy replaces headers_out with the
 * master's: keep them on the answer. */
static void keep_cors_headers(request_rec *r)
{
    static const char *const names[] = {
        "Access-Control-Allow-Origin", "Access-Control-Allow-Headers",
        "Access-Control-Max-Age", "Vary"
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = apr_table_get(r->headers_out, names[i]);
        if (v) {
            apr_table_setn(r->err_headers_out, names[i], v);
            apr_table_unset(r->headers_out, names[i]);
        }
    }
}

static int master_is_tls(request_rec *r)
{
    const char *m = master_url(r);
    return m && strncasecmp(m, "https:", 6) == 0;
}

/* The forwarded request carries only what the master needs: the user as
 * a fresh session cookie (never the client's cookies or credentials), named
 * as the master reads it for the scheme it serves. */
static void strip_client_headers(request_rec *r)
{
    apr_table_unset(r->headers_in, "Cookie");
    apr_table_unset(r->headers_in, "Authorization");
    apr_table_unset(r->headers_in, "Proxy-Authorization");
    apr_table_unset(r->headers_in, "Origin");
    apr_table_unset(r->headers_in, "Referer");
    apr_table_unset(r->headers_in, "Accept-Encoding");
}

static int prepare_headers(request_rec *r, json_t *user)
{
    strip_client_headers(r);
    const char *token = bbw_session_mint(r, user);
    if (!token)
        return 0;
    apr_table_setn(r->headers_in, "Cookie",
                   apr_pstrcat(r->pool, master_is_tls(r) ? "TWISTED_SECURE_SESSION="
                                                         : "TWISTED_SESSION=", token, NULL));
    return 1;
}

/* The master's answer goes to the client as it is, except a Set-Cookie:
 * the client's session is this site's business (a master with another
 * secret would log the user out). */
static apr_status_t strip_master_cookies(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_table_unset(f->r->headers_out, "Set-Cookie");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* Run mod_proxy's handler for url. Returns the status mod_proxy gave, or
 * HTTP_SERVICE_UNAVAILABLE when mod_proxy is not loaded. */
static int run_proxy(request_rec *r, const char *url)
{
    if (!ap_find_linked_module("mod_proxy.c")) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, BBWLOGNO(00039)
                      "BuildbotMaster needs mod_proxy and mod_proxy_http (a2enmod proxy_http)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    keep_cors_headers(r);
    ap_add_output_filter(strip_cookies_filter_name, NULL, r, r->connection);
    r->filename = apr_pstrcat(r->pool, "proxy:", url, NULL);
    r->proxyreq = PROXYREQ_REVERSE;
    r->handler = "proxy-server";
    return ap_run_handler(r);
}

static int forward_failed(request_rec *r, int status)
{
    return status != OK && status != DONE && r->sent_bodyct == 0 && r->bytes_sent == 0;
}

int bbw_control_forward(request_rec *r, const char *master_path, const char *body,
                        apr_size_t len, const char *content_type, json_t *user)
{
    const char *master = master_url(r);
    if (!master)
        return HTTP_SERVICE_UNAVAILABLE;
    if (user) {
        if (!prepare_headers(r, user))
            return HTTP_INTERNAL_SERVER_ERROR;
    }
    else
        strip_client_headers(r);
    replay_ctx *ctx = apr_pcalloc(r->pool, sizeof *ctx);
    ctx->data = body;
    ctx->len = len;
    apr_table_unset(r->headers_in, "Transfer-Encoding");
    apr_table_setn(r->headers_in, "Content-Length", apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, len));
    if (content_type)
        apr_table_setn(r->headers_in, "Content-Type", content_type);
    ap_add_input_filter(replay_filter_name, ctx, r, r->connection);
    int status = run_proxy(r, apr_pstrcat(r->pool, master, master_path, NULL));
    if (forward_failed(r, status))
        return status == HTTP_SERVICE_UNAVAILABLE ? HTTP_BAD_GATEWAY : status;
    return OK;
}

static int forward_rpc(request_rec *r, rpc_call *call, json_t *user, const char *postpath)
{
    const char *master = master_url(r);
    if (!master)
        return rpc_error_text(r, HTTP_SERVICE_UNAVAILABLE, call->id, RPC_INTERNAL_ERROR,
                              "control calls are not available: no Buildbot master "
                              "configured (BuildbotMaster)");
    int status = bbw_control_forward(r, apr_pstrcat(r->pool, "api/v2/", postpath ? postpath : "",
                                                    NULL),
                                     call->body, call->len, "application/json", user);
    if (status == HTTP_INTERNAL_SERVER_ERROR)
        return rpc_error_text(r, HTTP_SERVICE_UNAVAILABLE, call->id, RPC_INTERNAL_ERROR,
                              "control calls are not available: no session secret");
    if (status != OK)
        return rpc_error_text(r, status, call->id, RPC_INTERNAL_ERROR,
                              apr_pstrcat(r->pool, "the Buildbot master at ", master,
                                          " did not answer", NULL));
    return OK;
}

int bbw_control_rpc(request_rec *r, const bbw_route *route, const char *invalid,
                    const char *postpath)
{
    rpc_call call = { NULL, NULL, NULL, NULL, NULL, 0 };
    int rc = check_envelope(r, &call);
    if (rc != DECLINED)
        return rc;

    json_t *user = bbw_session_user(r);
    const char *deny_role = NULL;
    bbw_db *db = bbw_db_open(r);
    if (!db && bbw_conf(r)->authz)
        return rpc_error_text(r, HTTP_SERVICE_UNAVAILABLE, call.id, RPC_INTERNAL_ERROR,
                              "database unavailable - see logs");
    if (route && route->ep == EP_FORCESCHEDULER && strcmp(call.method, "force") == 0) {
        int usable = normalize_force_builderid(r, db, &call);
        if (usable < 0)
            return rpc_error_text(r, HTTP_SERVICE_UNAVAILABLE, call.id, RPC_INTERNAL_ERROR,
                                  "database unavailable - see logs");
        if (!usable)
            return rpc_error_text(r, HTTP_BAD_REQUEST, call.id, -32602,
                                  "builderid: no such builder");
    }
    int decision = bbw_access_check(r, db, route, call.method, call.params, user, &deny_role);
    if (decision < 0)
        return rpc_error_text(r, HTTP_SERVICE_UNAVAILABLE, call.id, RPC_INTERNAL_ERROR,
                              "authorization lookup failed - see logs");
    if (decision == 0)
        return rpc_error_text(r, HTTP_FORBIDDEN, call.id, RPC_INVALID_REQUEST,
                              apr_psprintf(r->pool, "you need to have role '%s'",
                                           deny_role ? deny_role : ""));
    if (!route)
        return rpc_error_text(r, HTTP_NOT_FOUND, call.id, RPC_INVALID_REQUEST, invalid);
    switch (method_dispatch(route->ep, call.method)) {
    case NOT_SUPPORTED:
        return rpc_error_text(r, HTTP_NOT_IMPLEMENTED, call.id, RPC_METHOD_NOT_FOUND,
                              apr_psprintf(r->pool, "action: %s is not supported", call.method));
    case VALUE_ERROR:
        return rpc_error_text(r, HTTP_INTERNAL_SERVER_ERROR, call.id, RPC_INTERNAL_ERROR,
                              apr_psprintf(r->pool, "ValueError(%s)",
                                           py_repr(r->pool, apr_psprintf(r->pool,
                                               "action: %s is not supported", call.method))));
    case SILENT_NULL:
        return rpc_result_null(r, call.id);
    case FORWARD:
        break;
    }
    return forward_rpc(r, &call, user, postpath);
}

int bbw_control_forward_get(request_rec *r, const char *postpath)
{
    const char *master = master_url(r);
    if (!master)
        return DECLINED;
    if (!prepare_headers(r, bbw_session_user(r)))
        return DECLINED;
    const char *url = apr_pstrcat(r->pool, master, "api/v2/", postpath ? postpath : "",
                                  r->args ? "?" : "", r->args ? r->args : "", NULL);
    int status = run_proxy(r, url);
    if (forward_failed(r, status))
        send_json(r, HTTP_BAD_GATEWAY, "text/plain; charset=utf-8",
                  "{\"error\": \"the Buildbot master did not answer\"}");
    return OK;
}

int bbw_control_ws(request_rec *r)
{
    const char *master = master_url(r);
    if (!master)
        return send_json(r, HTTP_SERVICE_UNAVAILABLE, "application/json",
                         "{\"error\": \"no Buildbot master configured (BuildbotMaster)\"}");
    /* 4.x masters check the session on the handshake; 3.7 ignores it. */
    if (!prepare_headers(r, bbw_session_user(r)))
        return send_json(r, HTTP_SERVICE_UNAVAILABLE, "application/json",
                         "{\"error\": \"no session secret - see logs\"}");
    const char *hostport = strstr(master, "://");
    hostport = hostport ? hostport + 3 : master;
    int upgrade = apr_table_get(r->headers_in, "Upgrade") != NULL;
    int tls = master_is_tls(r);
    const char *url = apr_pstrcat(r->pool, upgrade ? (tls ? "wss://" : "ws://")
                                                   : (tls ? "https://" : "http://"),
                                  apr_pstrndup(r->pool, hostport, strcspn(hostport, "/")),
                                  "/ws", NULL);
    int status = run_proxy(r, url);
    if (forward_failed(r, status))
        send_json(r, HTTP_BAD_GATEWAY, "application/json",
                  "{\"error\": \"the Buildbot master did not answer\"}");
    return OK;
}

/* ------------------------------------------------------------- lookups */

typedef struct {
    bbw_buf buf;
    int overflow;
} curl_sink;

static size_t sink_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    curl_sink *s = userdata;
    size_t n = size * nmemb;
    if (s->buf.len + n > MAX_MASTER_ANSWER) {
        s->overflow = 1;
        return 0;
    }
    bbw_buf_add(&s->buf, data, n);
    return n;
}

json_t *bbw_master_get_json(request_rec *r, const char *api_path)
{
    const char *master = master_url(r);
    if (!master)
        return NULL;
    CURL *curl = curl_easy_init();
    if (!curl)
        return NULL;
    curl_sink sink = { { 0 }, 0 };
    bbw_buf_init(&sink.buf, r->pool, 4096);
    const char *url = apr_pstrcat(r->pool, master, "api/v2/", api_path, NULL);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, MASTER_TIMEOUT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || code != 200) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, BBWLOGNO(00040)
                      "GET %s from the master: %s (HTTP %ld)", url,
                      rc != CURLE_OK ? curl_easy_strerror(rc) : "not 200", code);
        return NULL;
    }
    return json_loadb(sink.buf.data ? sink.buf.data : "", sink.buf.len, 0, NULL);
}

static int control_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                               server_rec *s)
{
    /* Not thread-safe: done once in the parent, before any child exists. */
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
    return OK;
}

void bbw_control_register(apr_pool_t *p)
{
    ap_register_input_filter(replay_filter_name, replay_body, NULL, AP_FTYPE_RESOURCE);
    ap_register_output_filter(strip_cookies_filter_name, strip_master_cookies, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_post_config(control_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
