/* Cross-origin rules (Buildbot's allowed_origins). Pure: APR only. */
#ifndef BBW_CORS_H
#define BBW_CORS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Does origin match one of the glob patterns (*, ?, [...]), compared
 * case-insensitively against the whole value? */
int bbw_origin_allowed(const apr_array_header_t *patterns, const char *origin);
/* The origin (scheme://host[:port]) of an absolute URL; NULL if none. */
const char *bbw_url_origin(apr_pool_t *p, const char *url);

#endif
