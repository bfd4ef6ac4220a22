/* REST v2 path patterns, in Buildbot's registration order: where a segment
 * could match two patterns (e.g. "-1" is an int and an identifier) the first
 * registered wins, so the order below is part of the contract. */
#include "bbw_router.h"
#include "bbw_query.h"

#include <apr_strings.h>
#include <string.h>

typedef struct {
    bbw_ep ep;
    const char *pattern;
} route_def;

#define B_BN "/builders/n:builderid/builds/n:build_number"
#define B_BI "/builders/i:buildername/builds/n:build_number"

static const route_def routes[] = {
    /* build_data: BuildData, BuildDataNoValue, BuildDatasNoValue */
    { EP_BUILD_DATA, B_BN "/data/i:name/value" },
    { EP_BUILD_DATA, B_BI "/data/i:name/value" },
    { EP_BUILD_DATA, "/builds/n:buildid/data/i:name/value" },
    { EP_BUILD_DATA_NOVALUE, B_BN "/data/i:name" },
    { EP_BUILD_DATA_NOVALUE, B_BI "/data/i:name" },
    { EP_BUILD_DATA_NOVALUE, "/builds/n:buildid/data/i:name" },
    { EP_BUILD_DATAS, B_BN "/data" },
    { EP_BUILD_DATAS, B_BI "/data" },
    { EP_BUILD_DATAS, "/builds/n:buildid/data" },
    /* builders */
    { EP_BUILDER, "/builders/n:builderid" },
    { EP_BUILDER, "/builders/i:buildername" },
    { EP_BUILDER, "/masters/n:masterid/builders/n:builderid" },
    { EP_BUILDERS, "/builders" },
    { EP_BUILDERS, "/masters/n:masterid/builders" },
    /* builds */
    { EP_BUILD, "/builds/n:buildid" },
    { EP_BUILD, "/builders/n:builderid/builds/n:number" },
    { EP_BUILD, "/builders/i:buildername/builds/n:number" },
    { EP_BUILDS, "/builds" },
    { EP_BUILDS, "/builders/n:builderid/builds" },
    { EP_BUILDS, "/builders/i:buildername/builds" },
    { EP_BUILDS, "/buildrequests/n:buildrequestid/builds" },
    { EP_BUILDS, "/changes/n:changeid/builds" },
    { EP_BUILDS, "/workers/n:workerid/builds" },
    /* buildrequests */
    { EP_BUILDREQUEST, "/buildrequests/n:buildrequestid" },
    { EP_BUILDREQUESTS, "/buildrequests" },
    { EP_BUILDREQUESTS, "/builders/n:builderid/buildrequests" },
    /* workers */
    { EP_WORKER, "/workers/n:workerid" },
    { EP_WORKER, "/workers/i:name" },
    { EP_WORKER, "/masters/n:masterid/workers/n:workerid" },
    { EP_WORKER, "/masters/n:masterid/workers/i:name" },
    { EP_WORKER, "/masters/n:masterid/builders/n:builderid/workers/n:workerid" },
    { EP_WORKER, "/masters/n:masterid/builders/n:builderid/workers/i:name" },
    { EP_WORKER, "/builders/n:builderid/workers/n:workerid" },
    { EP_WORKER, "/builders/n:builderid/workers/i:name" },
    { EP_WORKERS, "/workers" },
    { EP_WORKERS, "/masters/n:masterid/workers" },
    { EP_WORKERS, "/masters/n:masterid/builders/n:builderid/workers" },
    { EP_WORKERS, "/builders/n:builderid/workers" },
    /* steps */
    { EP_STEP, "/steps/n:stepid" },
    { EP_STEP, "/builds/n:buildid/steps/i:step_name" },
    { EP_STEP, "/builds/n:buildid/steps/n:step_number" },
    { EP_STEP, B_BN "/steps/i:step_name" },
    { EP_STEP, B_BN "/steps/n:step_number" },
    { EP_STEP, B_BI "/steps/i:step_name" },
    { EP_STEP, B_BI "/steps/n:step_number" },
    { EP_STEPS, "/builds/n:buildid/steps" },
    { EP_STEPS, B_BN "/steps" },
    { EP_STEPS, B_BI "/steps" },
    /* logs */
    { EP_LOG, "/logs/n:logid" },
    { EP_LOG, "/steps/n:stepid/logs/i:log_slug" },
    { EP_LOG, "/builds/n:buildid/steps/i:step_name/logs/i:log_slug" },
    { EP_LOG, "/builds/n:buildid/steps/n:step_number/logs/i:log_slug" },
    { EP_LOG, B_BN "/steps/i:step_name/logs/i:log_slug" },
    { EP_LOG, B_BN "/steps/n:step_number/logs/i:log_slug" },
    { EP_LOG, B_BI "/steps/i:step_name/logs/i:log_slug" },
    { EP_LOG, B_BI "/steps/n:step_number/logs/i:log_slug" },
    { EP_LOGS, "/steps/n:stepid/logs" },
    { EP_LOGS, "/builds/n:buildid/steps/i:step_name/logs" },
    { EP_LOGS, "/builds/n:buildid/steps/n:step_number/logs" },
    { EP_LOGS, B_BN "/steps/i:step_name/logs" },
    { EP_LOGS, B_BN "/steps/n:step_number/logs" },
    { EP_LOGS, B_BI "/steps/i:step_name/logs" },
    { EP_LOGS, B_BI "/steps/n:step_number/logs" },
    /* logchunks */
    { EP_LOGCHUNK, "/logchunks" },
    { EP_LOGCHUNK, "/logs/n:logid/contents" },
    { EP_LOGCHUNK, "/steps/n:stepid/logs/i:log_slug/contents" },
    { EP_LOGCHUNK, "/builds/n:buildid/steps/i:step_name/logs/i:log_slug/contents" },
    { EP_LOGCHUNK, "/builds/n:buildid/steps/n:step_number/logs/i:log_slug/contents" },
    { EP_LOGCHUNK, B_BN "/steps/i:step_name/logs/i:log_slug/contents" },
    { EP_LOGCHUNK, B_BN "/steps/n:step_number/logs/i:log_slug/contents" },
    { EP_RAWLOG, "/logs/n:logid/raw" },
    { EP_RAWLOG, "/steps/n:stepid/logs/i:log_slug/raw" },
    { EP_RAWLOG, "/builds/n:buildid/steps/i:step_name/logs/i:log_slug/raw" },
    { EP_RAWLOG, "/builds/n:buildid/steps/n:step_number/logs/i:log_slug/raw" },
    { EP_RAWLOG, B_BN "/steps/i:step_name/logs/i:log_slug/raw" },
    { EP_RAWLOG, B_BN "/steps/n:step_number/logs/i:log_slug/raw" },
    /* buildsets */
    { EP_BUILDSET, "/buildsets/n:bsid" },
    { EP_BUILDSETS, "/buildsets" },
    /* changes */
    { EP_CHANGE, "/changes/n:changeid" },
    { EP_CHANGES, "/changes" },
    { EP_CHANGES, B_BN "/changes" },
    { EP_CHANGES, "/builds/n:buildid/changes" },
    { EP_CHANGES, "/sourcestamps/n:ssid/changes" },
    /* changesources */
    { EP_CHANGESOURCE, "/changesources/n:changesourceid" },
    { EP_CHANGESOURCE, "/masters/n:masterid/changesources/n:changesourceid" },
    { EP_CHANGESOURCES, "/changesources" },
    { EP_CHANGESOURCES, "/masters/n:masterid/changesources" },
    /* masters */
    { EP_MASTER, "/masters/n:masterid" },
    { EP_MASTER, "/builders/n:builderid/masters/n:masterid" },
    { EP_MASTERS, "/masters" },
    { EP_MASTERS, "/builders/n:builderid/masters" },
    /* sourcestamps */
    { EP_SOURCESTAMP, "/sourcestamps/n:ssid" },
    { EP_SOURCESTAMPS, "/sourcestamps" },
    /* schedulers */
    { EP_SCHEDULER, "/schedulers/n:schedulerid" },
    { EP_SCHEDULER, "/masters/n:masterid/schedulers/n:schedulerid" },
    { EP_SCHEDULERS, "/schedulers" },
    { EP_SCHEDULERS, "/masters/n:masterid/schedulers" },
    /* forceschedulers */
    { EP_FORCESCHEDULER, "/forceschedulers/i:schedulername" },
    { EP_FORCESCHEDULERS, "/forceschedulers" },
    { EP_FORCESCHEDULERS, "/builders/:builderid/forceschedulers" },
    /* root */
    { EP_ROOT, "/" },
    { EP_SPEC, "/application.spec" },
    /* properties */
    { EP_BUILD_PROPERTIES, "/builders/n:builderid/builds/n:build_number/properties" },
    { EP_BUILD_PROPERTIES, "/builds/n:buildid/properties" },
    { EP_BUILDSET_PROPERTIES, "/buildsets/n:bsid/properties" },
    { EP_PROPERTIES_LIST, "/builds/n:buildid/property_list" },
    { EP_PROPERTIES_LIST, "/buildsets/n:bsid/properties_list" },
    { EP_PROPERTIES_LIST, "/changes/n:changeid/properties_list" },
    /* test results */
    { EP_TEST_RESULTS, "/test_result_sets/n:test_result_setid/results" },
    { EP_TEST_RESULT_SET, "/test_result_sets/n:test_result_setid" },
    { EP_TEST_RESULT_SETS, "/builders/n:builderid/test_result_sets" },
    { EP_TEST_RESULT_SETS, "/builders/i:buildername/test_result_sets" },
    { EP_TEST_RESULT_SETS, "/builds/n:buildid/test_result_sets" },
    { EP_TEST_RESULT_SETS, "/steps/n:stepid/test_result_sets" },
};

#define NROUTES (int)(sizeof routes / sizeof routes[0])

int bbw_route_count(void)
{
    return NROUTES;
}

const char *bbw_route_pattern(int i, bbw_ep *ep)
{
    if (ep)
        *ep = routes[i].ep;
    return routes[i].pattern;
}

bbw_kind bbw_ep_kind(bbw_ep ep)
{
    switch (ep) {
    case EP_BUILD_DATA: case EP_RAWLOG:
        return BBW_KIND_RAW;
    case EP_BUILD_DATA_NOVALUE: case EP_BUILDER: case EP_BUILD:
    case EP_BUILDREQUEST: case EP_WORKER: case EP_STEP: case EP_LOG:
    case EP_LOGCHUNK: case EP_BUILDSET: case EP_CHANGE: case EP_CHANGESOURCE:
    case EP_MASTER: case EP_SOURCESTAMP: case EP_SCHEDULER:
    case EP_FORCESCHEDULER: case EP_BUILD_PROPERTIES:
    case EP_BUILDSET_PROPERTIES: case EP_TEST_RESULT_SET:
        return BBW_KIND_SINGLE;
    default:
        return BBW_KIND_COLLECTION;
    }
}

const char *bbw_ep_patterns(apr_pool_t *p, bbw_ep ep)
{
    /* Buildbot lists an endpoint's patterns in its own declaration order,
     * which for these classes differs from registration order. */
    static const struct { bbw_ep ep; const char *text; } declared[] = {
        { EP_BUILD_DATAS, B_BN "/data," B_BI "/data,/builds/n:buildid/data" },
        { EP_BUILD_DATA_NOVALUE, B_BN "/data/i:name," B_BI "/data/i:name,/builds/n:buildid/data/i:name" },
        { EP_BUILD_DATA, B_BN "/data/i:name/value," B_BI "/data/i:name/value,/builds/n:buildid/data/i:name/value" },
    };
    for (size_t i = 0; i < sizeof declared / sizeof declared[0]; i++)
        if (declared[i].ep == ep)
            return declared[i].text;
    const char *out = NULL;
    for (int i = 0; i < NROUTES; i++)
        if (routes[i].ep == ep)
            out = out ? apr_pstrcat(p, out, ",", routes[i].pattern, NULL)
                      : routes[i].pattern;
    return out ? out : "";
}

static int count_segments(const char *pattern)
{
    if (strcmp(pattern, "/") == 0)
        return 0;
    int n = 0;
    for (const char *c = pattern; *c; c++)
        n += *c == '/';
    return n;
}

const bbw_route *bbw_route_match(apr_pool_t *p, apr_array_header_t *segments)
{
    int nseg = segments->nelts;
    bbw_route *r = apr_palloc(p, sizeof *r);
    r->args = apr_array_make(p, 6, sizeof(bbw_arg));
    for (int i = 0; i < NROUTES; i++) {
        if (count_segments(routes[i].pattern) != nseg)
            continue;
        r->ep = routes[i].ep;
        r->pattern = routes[i].pattern;
        apr_array_clear(r->args);   /* left over from a candidate that failed */
        const char *pat = routes[i].pattern + 1;
        int ok = 1;
        for (int s = 0; s < nseg && ok; s++) {
            const char *seg = APR_ARRAY_IDX(segments, s, const char *);
            const char *slash = strchr(pat, '/');
            size_t len = slash ? (size_t)(slash - pat) : strlen(pat);
            const char *colon = memchr(pat, ':', len);
            if (!colon) {
                ok = strlen(seg) == len && strncmp(seg, pat, len) == 0;
            }
            else {
                bbw_arg *a = apr_array_push(r->args);
                a->name = apr_pstrmemdup(p, colon + 1, len - (size_t)(colon - pat) - 1);
                a->str = seg;
                a->is_num = 0;
                a->num = 0;
                if (colon - pat == 1 && pat[0] == 'n') {
                    a->is_num = 1;
                    ok = bbw_parse_pyint(seg, &a->num);
                }
                else if (colon - pat == 1 && pat[0] == 'i') {
                    ok = bbw_is_identifier(seg, 0);
                }
            }
            pat += len + (slash ? 1 : 0);
        }
        if (ok)
            return r;
    }
    return NULL;
}

const bbw_arg *bbw_route_arg(const bbw_route *r, const char *name)
{
    for (int i = 0; i < r->args->nelts; i++) {
        const bbw_arg *a = &APR_ARRAY_IDX(r->args, i, bbw_arg);
        if (strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}
