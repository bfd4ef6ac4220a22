/* Path patterns of REST API v2 and their matching. Pure: APR only. */
#ifndef BBW_ROUTER_H
#define BBW_ROUTER_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    EP_BUILD_DATA, EP_BUILD_DATA_NOVALUE, EP_BUILD_DATAS,
    EP_BUILDER, EP_BUILDERS,
    EP_BUILD, EP_BUILDS,
    EP_BUILDREQUEST, EP_BUILDREQUESTS,
    EP_WORKER, EP_WORKERS,
    EP_STEP, EP_STEPS,
    EP_LOG, EP_LOGS,
    EP_LOGCHUNK, EP_RAWLOG,
    EP_BUILDSET, EP_BUILDSETS,
    EP_CHANGE, EP_CHANGES,
    EP_CHANGESOURCE, EP_CHANGESOURCES,
    EP_MASTER, EP_MASTERS,
    EP_SOURCESTAMP, EP_SOURCESTAMPS,
    EP_SCHEDULER, EP_SCHEDULERS,
    EP_FORCESCHEDULER, EP_FORCESCHEDULERS,
    EP_ROOT, EP_SPEC,
    EP_BUILD_PROPERTIES, EP_BUILDSET_PROPERTIES, EP_PROPERTIES_LIST,
    EP_TEST_RESULTS, EP_TEST_RESULT_SET, EP_TEST_RESULT_SETS,
    EP__COUNT
} bbw_ep;

typedef enum { BBW_KIND_COLLECTION, BBW_KIND_SINGLE, BBW_KIND_RAW } bbw_kind;

typedef struct {
    const char *name;
    int is_num;
    apr_int64_t num;
    const char *str;
} bbw_arg;

typedef struct {
    bbw_ep ep;
    const char *pattern;            /* e.g. "/builders/n:builderid/builds" */
    apr_array_header_t *args;       /* bbw_arg, in path order */
} bbw_route;

/* Match decoded segments; NULL when no pattern matches. */
const bbw_route *bbw_route_match(apr_pool_t *p, apr_array_header_t *segments);
bbw_kind bbw_ep_kind(bbw_ep ep);
/* All patterns of an endpoint class joined with ',' (for 404 texts). */
const char *bbw_ep_patterns(apr_pool_t *p, bbw_ep ep);
/* The pattern list as an array of strings (for /application.spec). */
int bbw_route_count(void);
const char *bbw_route_pattern(int i, bbw_ep *ep);

const bbw_arg *bbw_route_arg(const bbw_route *r, const char *name);

#endif
