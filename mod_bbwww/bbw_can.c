/* views/can.json?path=builds/12&actions=stop,rebuild[&builderid=N]: which
 * control calls the rules allow this user on that object, decided by the
 * same check as the call itself (owners, builder patterns, roles), so the
 * UI shows the buttons that will work. Buildbot's UI cannot know: its
 * frontend config always says "authz": {}. */
#include "bbw.h"
#include "bbw_access.h"
#include "bbw_json.h"
#include "bbw_query.h"
#include "bbw_router.h"
#include "bbw_session.h"
#include "bbw_views.h"

#include <apr_strings.h>
#include <string.h>

#define MAX_PATH 256
#define MAX_SEGMENTS 12
#define MAX_ACTIONS 8
#define MAX_ACTION_LEN 16

typedef struct {
    const char *path, *actions, *builderid;
} can_args;

static int read_args(request_rec *r, can_args *a)
{
    char *args = apr_pstrdup(r->pool, r->args ? r->args : ""), *state = NULL;
    for (char *pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            return 0;
        *eq = '\0';
        char *value = eq + 1;
        ap_unescape_urlencoded(value);
        const char **slot = !strcmp(pair, "path") ? &a->path : !strcmp(pair, "actions") ? &a->actions
                            : !strcmp(pair, "builderid") ? &a->builderid : NULL;
        if (!slot || *slot)
            return 0;           /* unknown or repeated */
        *slot = value;
    }
    return a->path && a->actions && strlen(a->path) <= MAX_PATH;
}

static const bbw_route *route_of(apr_pool_t *p, const char *path)
{
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(const char *));
    char *copy = apr_pstrdup(p, path), *state = NULL;
    for (char *seg = apr_strtok(copy, "/", &state); seg; seg = apr_strtok(NULL, "/", &state)) {
        if (segs->nelts == MAX_SEGMENTS)
            return NULL;
        APR_ARRAY_PUSH(segs, const char *) = seg;
    }
    return segs->nelts ? bbw_route_match(p, segs) : NULL;
}

static int valid_action(const char *s)
{
    size_t n = strlen(s);
    return n && n <= MAX_ACTION_LEN && strspn(s, "abcdefghijklmnopqrstuvwxyz") == n;
}

int bbw_can_handler(request_rec *r)
{
    can_args a = { NULL, NULL, NULL };
    apr_int64_t builderid = 0;
    if (!read_args(r, &a) || (a.builderid && !bbw_parse_pyint(a.builderid, &builderid)))
        return bbw_send_error(r, HTTP_BAD_REQUEST, "application/json",
                              "use path=<REST path>&actions=<a,b>[&builderid=N]");
    const bbw_route *route = route_of(r->pool, a.path);
    if (!route)
        return bbw_send_error(r, HTTP_NOT_FOUND, "application/json",
                              apr_pstrcat(r->pool, "Invalid path: ", a.path, NULL));
    bbw_db *db = bbw_db_open(r);
    if (!db)
        return bbw_send_error(r, HTTP_SERVICE_UNAVAILABLE, "application/json",
                              "database unavailable - see logs");
    json_t *user = bbw_session_user(r);
    json_t *params = json_object();
    if (a.builderid)
        json_object_set_new(params, "builderid", json_integer(builderid));
    json_t *answer = json_object();
    char *list = apr_pstrdup(r->pool, a.actions), *state = NULL;
    int n = 0;
    for (char *action = apr_strtok(list, ",", &state); action; action = apr_strtok(NULL, ",", &state)) {
        if (++n > MAX_ACTIONS || !valid_action(action)) {
            json_decref(params);
            json_decref(answer);
            return bbw_send_error(r, HTTP_BAD_REQUEST, "application/json",
                                  "actions: up to 8 lower-case method names");
        }
        const char *role = NULL;
        /* A lookup that failed (-1) allows nothing, as for the call. */
        json_object_set_new(answer, action,
                            json_boolean(bbw_access_check(r, db, route, action, params, user,
                                                          &role) > 0));
    }
    json_decref(params);
    const char *body = bbw_json_dumps(r->pool, answer, BBW_JSON_COMPACT, 1);
    json_decref(answer);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
    return bbw_send(r, HTTP_OK, "application/json", body, strlen(body));
}
