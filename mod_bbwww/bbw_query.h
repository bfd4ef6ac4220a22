/* The REST query language: field, order, limit, offset, property and the nine
 * filter operators, parsed from a query string, plus the generic in-memory
 * pipeline (project, filter, count, sort, slice). Pure: APR + Jansson. */
#ifndef BBW_QUERY_H
#define BBW_QUERY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef enum {
    BBW_F_INT, BBW_F_STRING, BBW_F_IDENT, BBW_F_BOOL, BBW_F_DATETIME,
    BBW_F_LIST_INT, BBW_F_LIST_STRING, BBW_F_LIST_IDENT,
    BBW_F_OPAQUE            /* objects, nested entities: not filterable */
} bbw_ftype;

typedef struct {
    const char *name;
    bbw_ftype type;
    int maxlen;             /* identifiers only */
} bbw_field;

typedef struct {
    const char *name;       /* entity type name, e.g. "build" */
    const char *plural;     /* envelope key, e.g. "builds" */
    const bbw_field *fields;
} bbw_etype;

const bbw_field *bbw_etype_field(const bbw_etype *t, const char *name);

typedef enum {
    BBW_OP_EQ, BBW_OP_NE, BBW_OP_LT, BBW_OP_LE, BBW_OP_GT, BBW_OP_GE,
    BBW_OP_CONTAINS, BBW_OP_IN, BBW_OP_NOTIN
} bbw_op;

typedef struct {
    const bbw_field *field;
    bbw_op op;
    apr_array_header_t *values;     /* json_t* (integer, string, bool) */
    int done;                       /* consumed by SQL or by the endpoint */
} bbw_filter;

typedef struct {
    const bbw_field *field;
    int desc;
    int done;
} bbw_order;

typedef struct {
    apr_array_header_t *fields;     /* const bbw_field*; empty = all */
    apr_array_header_t *order;      /* bbw_order */
    apr_array_header_t *filters;    /* bbw_filter */
    apr_array_header_t *properties; /* const char* */
    int has_limit, has_offset;
    apr_int64_t limit, offset;
    int paging_done;                /* limit/offset applied in SQL */
    apr_int64_t total;              /* with paging_done: meta.total if >= 0 */
} bbw_spec;

/* A REST error: HTTP status and message. */
typedef struct {
    int status;
    const char *message;
} bbw_error;

/* %XX decoded (a bad escape stays as written), '+' as ' ' when plus is
 * set; NUL-terminated, *len (if given) the length, which may cover NULs. */
char *bbw_form_decode(apr_pool_t *p, const char *s, apr_size_t n, int plus, apr_size_t *len);

/* Parse Python int() syntax (ASCII): spaces, sign, digits, single '_'. */
int bbw_parse_pyint(const char *s, apr_int64_t *out);
int bbw_is_identifier(const char *s, int maxlen);

/* Parse a raw query string for an endpoint returning entities of type t.
 * Returns NULL on success, else the error to answer with. */
const bbw_error *bbw_spec_parse(apr_pool_t *p, const char *query,
                                const bbw_etype *t, int is_collection,
                                bbw_spec **out);

/* Will the answer show this field (no field= means every field)? Endpoints
 * skip loading what the answer does not show. */
int bbw_spec_wants(const bbw_spec *s, const char *field);
/* Did property= ask for this property (or for '*')? */
int bbw_spec_wants_property(const bbw_spec *s, const char *name);

/* Filter lookup for endpoints that consume ("pop") a filter. */
bbw_filter *bbw_spec_filter(bbw_spec *s, const char *field, bbw_op op);

/* Run the generic stage over a collection (array of objects, modified in
 * place): project, remaining filters, total, remaining order, slice. */
json_t *bbw_pipeline_collection(apr_pool_t *p, bbw_spec *s, json_t *items,
                                apr_int64_t *total);
/* Project one entity of a single endpoint onto the requested fields. */
void bbw_project(bbw_spec *s, json_t *entity);
/* Does entity pass filter f? (Python-side semantics, corrected for nulls
 * and datetimes.) */
int bbw_filter_match(const bbw_filter *f, json_t *entity);

#endif
