/* Cross-origin rules. */
#include "bbw_cors.h"

#include <apr_fnmatch.h>
#include <apr_strings.h>
#include <string.h>

int bbw_origin_allowed(const apr_array_header_t *patterns, const char *origin)
{
    for (int i = 0; i < patterns->nelts; i++) {
        const char *pat = APR_ARRAY_IDX(patterns, i, const char *);
        if (apr_fnmatch(pat, origin, APR_FNM_CASE_BLIND) == APR_SUCCESS)
            return 1;
    }
    return 0;
}

const char *bbw_url_origin(apr_pool_t *p, const char *url)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        return NULL;
    const char *host = scheme_end + 3;
    size_t n = strcspn(host, "/?#");
    return apr_pstrmemdup(p, url, (apr_size_t)(host - url) + n);
}
