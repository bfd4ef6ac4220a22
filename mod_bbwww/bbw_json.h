/* Python-compatible JSON output: what Buildbot's json.dumps produces.
 * Pure: APR + Jansson only. */
#ifndef BBW_JSON_H
#define BBW_JSON_H

#include <apr_pools.h>
#include <apr_strings.h>
#include <jansson.h>

/* Output styles Buildbot uses. */
typedef enum {
    BBW_JSON_COMPACT,   /* separators "," ":" (Accept: application/json) */
    BBW_JSON_PRETTY,    /* indent 2, separators "," ": " */
    BBW_JSON_DEFAULT    /* one line, separators ", " ": " (error bodies) */
} bbw_json_style;

/* A growable byte buffer in a pool. */
typedef struct {
    apr_pool_t *pool;
    char *data;
    apr_size_t len, cap;
} bbw_buf;

void bbw_buf_init(bbw_buf *b, apr_pool_t *pool, apr_size_t initial);
void bbw_buf_add(bbw_buf *b, const char *s, apr_size_t n);
void bbw_buf_adds(bbw_buf *b, const char *s);

/* Serialise v. sort_keys sorts object keys by code point (Buildbot's REST
 * output); otherwise insertion order is kept (re-encoded property values). */
void bbw_json_write(bbw_buf *out, const json_t *v, bbw_json_style style,
                    int sort_keys);
/* Convenience: serialise into a NUL-terminated pool string. */
const char *bbw_json_dumps(apr_pool_t *p, const json_t *v,
                           bbw_json_style style, int sort_keys);
/* A JSON string literal for s (ASCII-escaped, quoted). */
void bbw_json_write_string(bbw_buf *out, const char *s, apr_size_t n);
/* Python repr() of a float, as json.dumps prints it. */
void bbw_json_write_real(bbw_buf *out, double d);

#endif
