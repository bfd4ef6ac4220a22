/* Python's json error texts. Pure: APR only.
 *
 * Buildbot answers a malformed JSON-RPC body with "JSON parse error: "
 * followed by str(e), e being what Python 3.11 raises for
 * json.loads(body.decode('utf-8')): a UnicodeDecodeError, a JSONDecodeError
 * of the C scanner (_json), a ValueError for an integer longer than 4300
 * digits, or a RecursionError for a too deep nesting. */
#ifndef BBW_PYJSON_H
#define BBW_PYJSON_H

#include <apr_pools.h>

/* Python's nesting limit is its recursion limit (1000) less the frames
 * already on the stack when the scanner runs: json.loads called from a
 * module's top level gets 995 nested arrays/objects, the 996th raises
 * RecursionError. Under Buildbot (Twisted's deeper stack) the real limit
 * is some tens lower; it cannot be known exactly, so this is the top-level
 * figure. A JSONDecodeError raised with 993 to 995 containers open is a
 * RecursionError too (its constructor no longer fits). */
#define BBW_PYJSON_MAX_DEPTH 995

/* NULL when Python would decode the n bytes at s as UTF-8 and parse them
 * with json.loads; else exactly str() of the exception it raises. */
const char *bbw_pyjson_error(apr_pool_t *p, const char *s, apr_size_t n);

#endif
