/* Unit tests for bbw_authz.c: Buildbot 3.7's authz rules, role matchers,
 * string matchers (spec/authz.md) and builder visibility. TAP output. */
#include "bbw_authz.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"

static apr_pool_t *pool;

/* ---- helpers ---- */

/* Split a directive's arguments on spaces (tests use no quoting). */
static int split(const char *line, char **argv, int max)
{
    char *last, *copy = apr_pstrdup(pool, line);
    int argc = 0;
    for (char *w = apr_strtok(copy, " ", &last); w && argc < max; w = apr_strtok(NULL, " ", &last))
        argv[argc++] = w;
    argv[argc] = NULL;
    return argc;
}

static const char *rule(bbw_authz *a, const char *line)
{
    char *argv[16];
    int argc = split(line, argv, 15);
    return bbw_authz_add_rule(a, pool, "BuildbotAllow", argc, argv);
}

static const char *roles(bbw_authz *a, bbw_authz_role_kind kind, const char *line)
{
    char *argv[16];
    int argc = split(line, argv, 15);
    return bbw_authz_add_role_matcher(a, pool, "BuildbotRolesFrom", kind, argc, argv);
}

static const char *view(bbw_authz *a, const char *line)
{
    char *argv[16];
    int argc = split(line, argv, 15);
    return bbw_authz_add_view(a, pool, "BuildbotViewBuilders", argc, argv);
}

static bbw_authz *authz_of(const char *mode, const char *const *rules)
{
    bbw_authz *a = bbw_authz_make(pool);
    if (mode)
        bbw_authz_set_strings(a, pool, "BuildbotAuthzStrings", mode);
    for (; rules && *rules; rules++) {
        const char *err = rule(a, *rules);
        if (err)
            printf("# unexpected config error: %s\n", err);
    }
    return a;
}

/* A fake world for the lookups, counting calls. */
typedef struct {
    const char *builder;            /* the addressed build's builder */
    const char *owner;
    const char *const *sched;       /* force scheduler builders, NULL = unknown */
    int builder_calls, owner_calls, force_calls;
} world;

static const char *w_builder(void *baton, apr_pool_t *p)
{
    world *w = baton;
    w->builder_calls++;
    return w->builder;
}

static const char *w_owner(void *baton, apr_pool_t *p)
{
    world *w = baton;
    w->owner_calls++;
    return w->owner;
}

static const char *w_name_of(void *baton, apr_pool_t *p, apr_int64_t id)
{
    return id == 7 ? "runtests" : id == 8 ? "other" : NULL;
}

static apr_array_header_t *w_force(void *baton, apr_pool_t *p, const char *sched,
                                   json_t *params)
{
    world *w = baton;
    w->force_calls++;
    if (!w->sched)
        return NULL;
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    for (const char *const *s = w->sched; *s; s++)
        APR_ARRAY_PUSH(names, const char *) = *s;
    return bbw_authz_force_targets(p, names, params, w_name_of, w);
}

static json_t *user(const char *json)
{
    return json ? json_loads(json, 0, NULL) : json_pack("{s:b}", "anonymous", 1);
}

/* Decide; returns "allow" or "deny:<role>". */
static const char *decide(const bbw_authz *a, bbw_authz_ep kind, const char *action,
                          const char *params_json, const char *user_json, world *w)
{
    json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
    json_t *ui = user(user_json);
    world none = { 0 };
    if (!w)
        w = &none;
    bbw_authz_request req = { kind, "force", action, params, ui,
                              { w_builder, w_owner, w_force, w } };
    const char *role = NULL;
    int ok = bbw_authz_decide(a, pool, &req, &role);
    json_decref(params);
    json_decref(ui);
    return ok ? "allow" : apr_pstrcat(pool, "deny:", role, NULL);
}

#define HOMER "{\"username\": \"homer\", \"email\": \"homer\"}"
#define ADMIN "{\"username\": \"a\", \"email\": \"a@x.org\", \"groups\": [\"bb-admins\"]}"

/* ---- string matchers ---- */

static void fnmatch_tests(void)
{
    check(bbw_authz_fnmatch("[a,b]dmin?", "admins"), "fnmatch [a,b]dmin? ~ admins");
    check(bbw_authz_fnmatch("[a,b]dmin?", ",dmins"), "fnmatch [a,b] holds ','");
    check(!bbw_authz_fnmatch("[a,b]dmin?", "cdmins"), "fnmatch [a,b] refuses c");
    check(!bbw_authz_fnmatch("[a,b]dmin?", "admin"), "fnmatch ? needs one character");
    check(bbw_authz_fnmatch("a*z", "a/b/z"), "fnmatch * crosses /");
    check(bbw_authz_fnmatch("*", ""), "fnmatch * matches empty");
    check(!bbw_authz_fnmatch("admin", "admins"), "fnmatch is whole-string");
    check(!bbw_authz_fnmatch("Admin", "admin"), "fnmatch is case-sensitive");
    check(bbw_authz_fnmatch("r?n", "r\xc3\xa9n"), "fnmatch ? is one UTF-8 character");
    check(bbw_authz_fnmatch("[!a]x", "bx") && !bbw_authz_fnmatch("[!a]x", "ax"),
          "fnmatch [!seq]");
    check(bbw_authz_fnmatch("[]]", "]"), "fnmatch ] first in a set is literal");
    check(bbw_authz_fnmatch("[!]]", "x") && !bbw_authz_fnmatch("[!]]", "]"),
          "fnmatch [!]] excludes ]");
    check(bbw_authz_fnmatch("[a-c]", "b") && !bbw_authz_fnmatch("[a-c]", "-"), "fnmatch range");
    check(bbw_authz_fnmatch("[a-]", "-") && bbw_authz_fnmatch("[-a]", "-"),
          "fnmatch - at either end is literal");
    check(!bbw_authz_fnmatch("[z-a]", "m") && !bbw_authz_fnmatch("[z-a]", "z"),
          "fnmatch reversed range matches nothing");
    check(bbw_authz_fnmatch("[!z-a]", "m"), "fnmatch negated empty set matches anything");
    check(bbw_authz_fnmatch("[ab", "[ab") && !bbw_authz_fnmatch("[ab", "a"),
          "fnmatch unclosed [ is literal");
    check(bbw_authz_fnmatch("a\\*", "a\\bc") && !bbw_authz_fnmatch("a\\*", "a*"),
          "fnmatch backslash does not escape");
    check(bbw_authz_fnmatch("[*]x", "*x") && !bbw_authz_fnmatch("[*]x", "ax"), "fnmatch [*]");
    check(bbw_authz_fnmatch("*a*b*c*", "xxaxxbxxcxx") && !bbw_authz_fnmatch("*a*b*c", "abcx"),
          "fnmatch backtracking");
    check(bbw_authz_fnmatch("a\nb", "a\nb") && bbw_authz_fnmatch("a?b", "a\nb"),
          "fnmatch ? matches a newline");
}

static void regex_tests(void)
{
    bbw_authz *a = bbw_authz_make(pool);
    bbw_authz_set_strings(a, pool, "BuildbotAuthzStrings", "regex");
    check(bbw_authz_match(a, "administrator", "admin"), "regex anchored at start only");
    check(!bbw_authz_match(a, "xadmin", "admin"), "regex anchored at start");
    check(!bbw_authz_match(a, "administrator", "admin$"), "regex $ anchors the end");
    check(bbw_authz_match(a, "agents", "(admin|agent)s"), "regex alternation");
    check(bbw_authz_match(NULL, "admins", "admin?"), "NULL authz matches with fnmatch");
    /* Rules compiled in regex mode. */
    const char *const r[] = { "AnyEndpoint admin", NULL };
    bbw_authz *b = authz_of("regex", r);
    roles(b, BBW_ROLES_FROM_GROUPS, "");
    check_str(decide(b, BBW_AUTHZ_EP_OTHER, "GET", NULL,
                     "{\"groups\": [\"administrator\"]}", NULL), "allow",
              "regex rule role admin ~ administrator");
    check_str(decide(b, BBW_AUTHZ_EP_OTHER, "GET", NULL, "{\"groups\": [\"sysadmin\"]}", NULL),
              "deny:admin", "regex rule role admin !~ sysadmin");
}

/* ---- role matchers ---- */

static const char *role_list(const bbw_authz *a, const char *user_json)
{
    json_t *ui = user(user_json);
    apr_array_header_t *r = bbw_authz_roles(a, pool, ui);
    const char *out = "";
    for (int i = 0; i < r->nelts; i++)
        out = apr_pstrcat(pool, out, i ? "," : "", APR_ARRAY_IDX(r, i, const char *), NULL);
    json_decref(ui);
    return out;
}

static void role_tests(void)
{
    bbw_authz *g = bbw_authz_make(pool);
    roles(g, BBW_ROLES_FROM_GROUPS, "bb-");
    check_str(role_list(g, "{\"groups\": [\"bb-admins\", \"other\", \"bb-devs\", 3]}"),
              "admins,devs", "RolesFromGroups strips the prefix, keeps order");
    check_str(role_list(g, "{\"username\": \"x\"}"), "", "RolesFromGroups without groups");
    check_str(role_list(g, NULL), "", "anonymous has no roles");
    bbw_authz *g0 = bbw_authz_make(pool);
    roles(g0, BBW_ROLES_FROM_GROUPS, "");
    check_str(role_list(g0, "{\"groups\": [\"a\", \"b\", \"a\"]}"), "a,b",
              "RolesFromGroups empty prefix: every group, no duplicates");

    bbw_authz *e = bbw_authz_make(pool);
    roles(e, BBW_ROLES_FROM_EMAILS, "admins a@x.org b@x.org");
    roles(e, BBW_ROLES_FROM_EMAILS, "devs a@x.org");
    check_str(role_list(e, "{\"email\": \"a@x.org\"}"), "admins,devs", "RolesFromEmails");
    check_str(role_list(e, "{\"email\": \"A@x.org\"}"), "", "RolesFromEmails is exact");

    bbw_authz *d = bbw_authz_make(pool);
    roles(d, BBW_ROLES_FROM_DOMAIN, "staff x.org");
    check_str(role_list(d, "{\"email\": \"weird@name@x.org\"}"), "staff",
              "RolesFromDomain uses the text after the last @");
    check_str(role_list(d, "{\"email\": \"x.org\"}"), "staff",
              "RolesFromDomain: no @ compares the whole email");
    check_str(role_list(d, "{\"email\": \"a@y.org\"}"), "", "RolesFromDomain other domain");
    check_str(role_list(d, "{\"email\": null}"), "", "RolesFromDomain null email");

    bbw_authz *u = bbw_authz_make(pool);
    roles(u, BBW_ROLES_FROM_USERNAME, "admins,ops homer marge");
    check_str(role_list(u, HOMER), "admins,ops", "RolesFromUsername grants all roles");
    check_str(role_list(u, "{\"username\": \"bart\"}"), "", "RolesFromUsername other user");

    bbw_authz *o = bbw_authz_make(pool);
    roles(o, BBW_ROLES_FROM_OWNER, "owner");
    check_str(role_list(o, HOMER), "", "RolesFromOwner is not a plain role matcher");
}

/* ---- endpoint matchers ---- */

static void matcher_tests(void)
{
    const char *const any[] = { "AnyEndpoint nobody", NULL };
    bbw_authz *a = authz_of(NULL, any);
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "GET", NULL, NULL, NULL), "deny:nobody",
              "AnyEndpoint matches GET");
    check_str(decide(a, BBW_AUTHZ_EP_INVALID, "force", NULL, NULL, NULL), "deny:nobody",
              "AnyEndpoint matches an invalid path");

    const char *const ctl[] = { "AnyControlEndpointMatcher admins", NULL };
    a = authz_of(NULL, ctl);
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "GET", NULL, NULL, NULL), "allow",
              "AnyControlEndpoint ignores GET");
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "HEAD", NULL, NULL, NULL), "allow",
              "fix: AnyControlEndpoint ignores HEAD");
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "pause", NULL, NULL, NULL), "deny:admins",
              "AnyControlEndpoint matches any other action");
    check_str(decide(a, BBW_AUTHZ_EP_INVALID, "cancel", NULL, NULL, NULL), "deny:admins",
              "AnyControlEndpoint matches on invalid paths");

    const char *const gets[] = { "AnyEndpoint readers", NULL };
    a = authz_of(NULL, gets);
    roles(a, BBW_ROLES_FROM_USERNAME, "readers homer");
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "HEAD", NULL, HOMER, NULL), "allow",
              "fix: HEAD judged as GET (allowed)");
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "HEAD", NULL, NULL, NULL), "deny:readers",
              "fix: HEAD judged as GET (denied)");

    /* ForceBuild */
    const char *const force[] = { "ForceBuild admins", NULL };
    a = authz_of(NULL, force);
    world w = { 0 };
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{}", NULL, &w), "deny:admins",
              "ForceBuild matches force on a force scheduler");
    check(w.force_calls == 0, "ForceBuild without builder= looks nothing up");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "stop", "{}", NULL, NULL), "allow",
              "ForceBuild ignores other actions");
    check_str(decide(a, BBW_AUTHZ_EP_SCHEDULER, "force", "{}", NULL, NULL), "allow",
              "ForceBuild ignores other endpoints");
    check_str(decide(a, BBW_AUTHZ_EP_INVALID, "force", "{}", NULL, NULL), "allow",
              "ForceBuild ignores invalid paths");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "Force", "{}", NULL, NULL), "deny:admins",
              "fix: action lower-cased (Force)");

    const char *const forceb[] = { "ForceBuild admins builder=run*", NULL };
    a = authz_of(NULL, forceb);
    static const char *const sched[] = { "runtests", "other", "runlint", NULL };
    world ws = { NULL, NULL, sched, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{}", NULL, &ws), "deny:admins",
              "ForceBuild builder=: all scheduler builders, one matches");
    check(ws.force_calls == 1, "ForceBuild builder= looks up the scheduler once");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force",
                     "{\"builderNames\": [\"other\"]}", NULL, &ws), "allow",
              "ForceBuild builderNames restricts the targets");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force",
                     "{\"builderNames\": [\"runx\", \"other\"]}", NULL, &ws), "allow",
              "ForceBuild builderNames outside the scheduler are dropped");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 7}", NULL, &ws),
              "deny:admins", "ForceBuild builderid names the target");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 8}", NULL, &ws),
              "allow", "ForceBuild builderid of a non-matching builder");
    world unknown = { 0 };
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{}", NULL, &unknown), "allow",
              "ForceBuild builder= and unknown scheduler: no match");

    /* StopBuild / RebuildBuild */
    const char *const stop[] = { "StopBuild admins", NULL };
    a = authz_of(NULL, stop);
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, NULL), "deny:admins",
              "StopBuild matches stop on a build (even a missing one)");
    check_str(decide(a, BBW_AUTHZ_EP_BUILDREQUEST, "stop", NULL, NULL, NULL), "deny:admins",
              "StopBuild matches stop on a build request");
    check_str(decide(a, BBW_AUTHZ_EP_BUILDREQUEST, "cancel", NULL, NULL, NULL), "allow",
              "StopBuild does not match cancel");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "rebuild", NULL, NULL, NULL), "allow",
              "StopBuild does not match rebuild");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "Stop", NULL, NULL, NULL), "deny:admins",
              "fix: Stop judged as stop");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "STOP", NULL, NULL, NULL), "deny:admins",
              "fix: STOP judged as stop");

    const char *const stopb[] = { "StopBuild admins builder=run*", NULL };
    a = authz_of(NULL, stopb);
    world wb = { "runtests", NULL, NULL, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, &wb), "deny:admins",
              "StopBuild builder= matches the build's builder");
    wb.builder = "other";
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, &wb), "allow",
              "StopBuild builder= other builder");
    wb.builder = NULL;
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, &wb), "allow",
              "StopBuild builder= and a missing build: no match");

    const char *const rebuild[] = { "RebuildBuildEndpointMatcher admins builder=run*", NULL };
    a = authz_of(NULL, rebuild);
    world wr = { "runtests", NULL, NULL, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "rebuild", NULL, NULL, &wr), "deny:admins",
              "RebuildBuild matches rebuild on a build");
    check_str(decide(a, BBW_AUTHZ_EP_BUILDREQUEST, "rebuild", NULL, NULL, &wr), "allow",
              "RebuildBuild does not apply to build requests");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, &wr), "allow",
              "RebuildBuild does not match stop");

    const char *const enable[] = { "enablescheduler admins", NULL };
    a = authz_of(NULL, enable);
    check_str(decide(a, BBW_AUTHZ_EP_SCHEDULER, "enable", "{\"enabled\": false}", NULL, NULL),
              "deny:admins", "EnableScheduler matches enable on a scheduler");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "enable", NULL, NULL, NULL), "allow",
              "EnableScheduler ignores other endpoints");

    const char *const never[] = { "ViewBuilds nobody builder=x branch=y project=z",
                                  "Branch nobody branch=main", NULL };
    a = authz_of(NULL, never);
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "GET", NULL, NULL, NULL), "allow",
              "ViewBuilds and Branch never match");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, NULL), "allow",
              "ViewBuilds and Branch never match control either");
}

/* ---- evaluation order ---- */

static void order_tests(void)
{
    check_str(decide(NULL, BBW_AUTHZ_EP_OTHER, "stop", NULL, NULL, NULL), "allow",
              "no authz allows everything");
    check_str(decide(bbw_authz_make(pool), BBW_AUTHZ_EP_OTHER, "stop", NULL, NULL, NULL),
              "allow", "no rules allow everything");

    const char *const rules[] = { "StopBuild admins", "AnyEndpoint nobody", NULL };
    bbw_authz *a = authz_of(NULL, rules);
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, NULL), "deny:admins",
              "first matching rule decides (defaultDeny)");
    const char *const cont[] = { "StopBuild admins defaultDeny=false", "AnyEndpoint nobody",
                                 NULL };
    a = authz_of(NULL, cont);
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, NULL, NULL), "deny:nobody",
              "defaultDeny=false continues with the next rule");
    const char *const fall[] = { "StopBuild admins", NULL };
    a = authz_of(NULL, fall);
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "pause", NULL, NULL, NULL), "allow",
              "no rule decided: default allow");
    const char *const glob[] = { "AnyControlEndpoint [a,b]dmin?", NULL };
    a = authz_of(NULL, glob);
    roles(a, BBW_ROLES_FROM_GROUPS, "bb-");
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "force", NULL, ADMIN, NULL), "allow",
              "role pattern [a,b]dmin? grants admins");
}

/* ---- owner ---- */

static void owner_tests(void)
{
    const char *const rules[] = { "StopBuild owner defaultDeny=false",
                                  "AnyEndpoint owner defaultDeny=false",
                                  "AnyControlEndpoint admins", NULL };
    bbw_authz *a = authz_of(NULL, rules);
    roles(a, BBW_ROLES_FROM_OWNER, "owner");
    world w = { "runtests", "homer", NULL, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, HOMER, &w), "allow",
              "owner role granted for the build's owner");
    check(w.owner_calls == 1 && w.builder_calls == 0, "owner looked up once, builder not at all");
    w.owner_calls = 0;
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "rebuild", NULL, HOMER, &w), "deny:admins",
              "no owner role without a matched object");
    check(w.owner_calls == 0, "Any/AnyControl matches do not look up the owner");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, "{\"email\": \"marge\"}", &w),
              "deny:admins", "owner role needs email == owner");
    w.owner = NULL;
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, HOMER, &w), "deny:admins",
              "no owner, no owner role");

    /* The role set grows: the Stop match adds "owner", a later Any rule uses it. */
    const char *const grow[] = { "StopBuild admins defaultDeny=false",
                                 "AnyEndpoint owner", NULL };
    a = authz_of(NULL, grow);
    roles(a, BBW_ROLES_FROM_OWNER, "owner");
    world g = { "x", "homer", NULL, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, HOMER, &g), "allow",
              "owner roles persist to later rules");
    check_str(decide(a, BBW_AUTHZ_EP_BUILD, "pause", NULL, HOMER, &g), "deny:owner",
              "without the object match there is no owner role");

    /* No owner matcher: the owner is never looked up. */
    const char *const plain[] = { "StopBuild admins", NULL };
    a = authz_of(NULL, plain);
    world n = { "x", "homer", NULL, 0, 0, 0 };
    decide(a, BBW_AUTHZ_EP_BUILD, "stop", NULL, HOMER, &n);
    check(n.owner_calls == 0, "owner not looked up without RolesFromOwner");
}

/* ---- spec §8 ---- */

static void config_tests(void)
{
    const char *const ca[] = { "AnyControlEndpoint admins", NULL };
    bbw_authz *a = authz_of(NULL, ca);
    roles(a, BBW_ROLES_FROM_USERNAME, "admins homer");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 1}", NULL, NULL),
              "deny:admins", "config A: anonymous force denied");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 1}", HOMER,
                     NULL), "allow", "config A: homer may force");

    const char *const cb[] = { "AnyEndpoint viewers defaultDeny=false",
                               "ForceBuild admins builder=run*",
                               "AnyEndpoint nobody", NULL };
    a = authz_of(NULL, cb);
    roles(a, BBW_ROLES_FROM_USERNAME, "admins homer");
    static const char *const sched[] = { "runtests", "other", NULL };
    world w = { NULL, NULL, sched, 0, 0, 0 };
    check_str(decide(a, BBW_AUTHZ_EP_OTHER, "GET", NULL, NULL, &w), "deny:nobody",
              "config B: anonymous GET /builders");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 7}", HOMER, &w),
              "allow", "config B: homer forces runtests");
    check_str(decide(a, BBW_AUTHZ_EP_FORCESCHEDULER, "force", "{\"builderid\": 8}", HOMER, &w),
              "deny:nobody", "config B: homer forces other");
}

/* ---- force targets ---- */

static const char *targets(const char *params_json)
{
    static const char *const sched[] = { "b", "a", "c" };
    apr_array_header_t *names = apr_array_make(pool, 3, sizeof(const char *));
    for (int i = 0; i < 3; i++)
        APR_ARRAY_PUSH(names, const char *) = sched[i];
    json_t *params = json_loads(params_json, 0, NULL);
    apr_array_header_t *t = bbw_authz_force_targets(pool, names, params, w_name_of, NULL);
    json_decref(params);
    return apr_array_pstrcat(pool, t, ',');
}

static void force_target_tests(void)
{
    check_str(targets("{}"), "b,a,c", "targets: all of the scheduler's builders");
    check_str(targets("{\"builderNames\": [\"c\", \"x\", \"a\"]}"), "a,c",
              "targets: builderNames intersected and sorted");
    check_str(targets("{\"builderNames\": null, \"builderid\": 7}"), "runtests",
              "targets: null builderNames falls back to builderid");
    check_str(targets("{\"builderid\": \"8\"}"), "other", "targets: builderid as digits");
    check_str(targets("{\"builderid\": 99}"), "", "targets: unknown builderid");
    check_str(targets("{\"builderNames\": [], \"builderid\": 7}"), "",
              "targets: empty builderNames wins over builderid");
}

/* ---- visibility ---- */

static int visible(const bbw_authz *a, const char *user_json, const char *name,
                   const char *tag)
{
    json_t *ui = user(user_json);
    apr_array_header_t *r = bbw_authz_roles(a, pool, ui);
    apr_array_header_t *tags = apr_array_make(pool, 1, sizeof(const char *));
    if (tag)
        APR_ARRAY_PUSH(tags, const char *) = tag;
    int v = bbw_authz_builder_visible(a, r, name, tags);
    json_decref(ui);
    return v;
}

static void view_tests(void)
{
    bbw_authz *a = bbw_authz_make(pool);
    check(!bbw_authz_restricts_view(a) && visible(a, NULL, "secret", NULL),
          "no view rules: everything visible");
    roles(a, BBW_ROLES_FROM_GROUPS, "bb-");
    check(!view(a, "* name:public-* tag:open"), "view rule for everyone");
    check(!view(a, "adm?ns name:*"), "view rule for admins");
    check(bbw_authz_restricts_view(a), "view rules restrict");
    check(visible(a, NULL, "public-docs", NULL), "anonymous sees public-* by name");
    check(visible(a, NULL, "x", "open"), "anonymous sees a builder by tag");
    check(!visible(a, NULL, "secret", "closed"), "anonymous does not see others");
    check(visible(a, ADMIN, "secret", NULL), "admins see everything");
    check(!visible(a, "{\"groups\": [\"bb-devs\"]}", "secret", NULL), "devs do not");

    bbw_authz *r = bbw_authz_make(pool);
    bbw_authz_set_strings(r, pool, "BuildbotAuthzStrings", "regex");
    roles(r, BBW_ROLES_FROM_GROUPS, "");
    check(!view(r, "dev tag:^team-(a|b)$"), "regex view rule");
    check(visible(r, "{\"groups\": [\"developers\"]}", "x", "team-a"),
          "regex view: role dev ~ developers, tag matches");
    check(!visible(r, "{\"groups\": [\"developers\"]}", "x", "team-c"), "regex view: tag does not");
    check(!visible(r, NULL, "x", "team-a"), "regex view: anonymous has no role");
}

/* ---- configuration errors ---- */

static int has(const char *err, const char *part)
{
    int ok = err && strstr(err, part) != NULL;
    if (!ok)
        printf("# error was: %s\n", err ? err : "(none)");
    return ok;
}

static void parse_tests(void)
{
    bbw_authz *a = bbw_authz_make(pool);
    check(!rule(a, "AnyEndpointMatcher admins"), "AnyEndpointMatcher accepted");
    check(!rule(a, "anycontrolendpoint admins defaultDeny=False"), "case-insensitive names");
    check(!rule(a, "ForceBuildEndpointMatcher admins builder=run*"), "full class name");
    check(!rule(a, "StopBuild role=admins"), "role= spelling");
    check(has(rule(a, "Frobnicate admins"), "'Frobnicate'"), "unknown matcher named");
    check(has(rule(a, "EnableScheduler admins builder=x"), "builder="),
          "EnableScheduler refuses builder=");
    check(has(rule(a, "AnyEndpoint admins builder=x"), "BuildbotAllow"),
          "AnyEndpoint refuses builder=");
    check(has(rule(a, "AnyEndpoint admins defaultDeny=maybe"), "'defaultDeny=maybe'"),
          "bad defaultDeny named");
    check(has(rule(a, "AnyEndpoint admins colour=red"), "'colour=red'"), "unknown option");
    check(has(rule(a, "StopBuild admins builder=a builder=b"), "twice"), "repeated option");
    check(has(rule(a, "Branch admins"), "branch="), "Branch requires branch=");
    check(has(rule(a, "AnyEndpoint"), "'AnyEndpoint'"), "missing role");
    check(has(rule(a, "StopBuild builder=x"), "ROLE"), "option in the role's place");
    check(has(bbw_authz_set_strings(a, pool, "BuildbotAuthzStrings", "regex"),
              "BuildbotAuthzStrings"), "switching mode after rules refused");
    check(!bbw_authz_set_strings(a, pool, "BuildbotAuthzStrings", "fnmatch"),
          "repeating the current mode is fine");
    check(has(bbw_authz_set_strings(a, pool, "BuildbotAuthzStrings", "glob"), "'glob'"),
          "bad mode named");

    bbw_authz *r = bbw_authz_make(pool);
    check(!roles(r, BBW_ROLES_FROM_EMAILS, "x y"), "role matcher before mode switch");
    check(!bbw_authz_set_strings(r, pool, "BuildbotAuthzStrings", "regex"),
          "mode switch allowed before any pattern");
    check(has(rule(r, "AnyEndpoint (admin"), "'(admin'"), "bad regex role refused");
    check(has(rule(r, "StopBuild x builder=*x"), "'*x'"), "bad regex builder refused");
    check(has(view(r, "dev name:[x"), "'[x'"), "bad regex view pattern refused");
    check(!view(r, "* name:.*"), "view * is not a regex");

    check(has(roles(a, BBW_ROLES_FROM_OWNER, ""), "ROLE"), "RolesFromOwner needs a role");
    check(has(roles(a, BBW_ROLES_FROM_OWNER, "a b"), "'a b'"), "RolesFromOwner one role");
    check(has(roles(a, BBW_ROLES_FROM_GROUPS, "a b"), "prefix"), "RolesFromGroups one prefix");
    check(has(roles(a, BBW_ROLES_FROM_EMAILS, "admins"), "EMAIL"), "RolesFromEmails needs emails");
    check(has(roles(a, BBW_ROLES_FROM_USERNAME, "a,,b homer"), "'a,,b'"),
          "RolesFromUsername bad role list");
    check(has(view(a, "dev builder:x"), "'builder:x'"), "bad selector named");
    check(has(view(a, "dev"), "'dev'"), "selector required");
    check(has(view(a, "dev name:"), "must be"), "empty pattern refused");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    fnmatch_tests();
    regex_tests();
    role_tests();
    matcher_tests();
    order_tests();
    owner_tests();
    config_tests();
    force_target_tests();
    view_tests();
    parse_tests();
    apr_pool_destroy(pool);
    apr_terminate();
    printf("1..%d\n", tests);
    return failures ? 1 : 0;
}
