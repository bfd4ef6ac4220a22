/* REST query language and the generic (in-memory) pipeline. */
#include "bbw_query.h"

#include <apr_strings.h>
#include <ctype.h>
#include <string.h>
#include <stdlib.h>

static const bbw_error *err(apr_pool_t *p, int status, const char *fmt,
                            const char *arg)
{
    bbw_error *e = apr_palloc(p, sizeof *e);
    e->status = status;
    e->message = arg ? apr_psprintf(p, fmt, arg) : fmt;
    return e;
}

const bbw_field *bbw_etype_field(const bbw_etype *t, const char *name)
{
    for (const bbw_field *f = t->fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

int bbw_parse_pyint(const char *s, apr_int64_t *out)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!isdigit((unsigned char)*s))
        return 0;
    /* Python's int is unbounded; ours stops at the int64 range (beyond what
     * any id or timestamp can be), refused rather than wrapped. */
    const apr_uint64_t max = (apr_uint64_t)APR_INT64_MAX + (apr_uint64_t)neg;
    apr_uint64_t v = 0;
    for (;;) {
        if (isdigit((unsigned char)*s)) {
            apr_uint64_t d = (apr_uint64_t)(*s++ - '0');
            if (v > (max - d) / 10)
                return 0;
            v = v * 10 + d;
        }
        else if (*s == '_' && isdigit((unsigned char)s[1])) {
            s++;
        }
        else {
            break;
        }
    }
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s)
        return 0;
    *out = neg ? (apr_int64_t)(0 - v) : (apr_int64_t)v;   /* -2^63 included */
    return 1;
}

int bbw_is_identifier(const char *s, int maxlen)
{
    size_t n = strlen(s);
    if (n == 0 || (maxlen > 0 && n > (size_t)maxlen))
        return 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '-'))
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Decode application/x-www-form-urlencoded text in place. */
static int hex_digit(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *bbw_form_decode(apr_pool_t *p, const char *s, apr_size_t n, int plus, apr_size_t *len)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    for (apr_size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_digit((unsigned char)s[i + 1])) >= 0
            && (lo = hex_digit((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        }
        else
            *o++ = plus && s[i] == '+' ? ' ' : s[i];
    }
    *o = '\0';
    if (len)
        *len = (apr_size_t)(o - out);
    return out;
}

static char *form_decode(apr_pool_t *p, const char *s, size_t n)
{
    return bbw_form_decode(p, s, n, 1, NULL);
}

typedef struct {
    const char *name;
    apr_array_header_t *values;     /* const char* */
} qparam;

static apr_array_header_t *split_query(apr_pool_t *p, const char *q)
{
    apr_array_header_t *params = apr_array_make(p, 8, sizeof(qparam));
    if (!q)
        return params;
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        if (len > 0 && eq) {    /* parts without '=' are dropped, like Python */
            char *name = form_decode(p, q, (size_t)(eq - q));
            char *value = form_decode(p, eq + 1, len - (size_t)(eq - q) - 1);
            qparam *found = NULL;
            for (int i = 0; i < params->nelts; i++)
                if (strcmp(APR_ARRAY_IDX(params, i, qparam).name, name) == 0)
                    found = &APR_ARRAY_IDX(params, i, qparam);
            if (!found) {
                found = apr_array_push(params);
                found->name = name;
                found->values = apr_array_make(p, 2, sizeof(const char *));
            }
            APR_ARRAY_PUSH(found->values, const char *) = value;
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    return params;
}

/* Convert one filter value by the field's declared type. */
static json_t *convert_value(const bbw_field *f, const char *v)
{
    apr_int64_t i;
    switch (f->type) {
    case BBW_F_INT: case BBW_F_DATETIME: case BBW_F_LIST_INT:
        return bbw_parse_pyint(v, &i) ? json_integer(i) : NULL;
    case BBW_F_STRING: case BBW_F_LIST_STRING:
        return json_string(v);
    case BBW_F_IDENT: case BBW_F_LIST_IDENT:
        return bbw_is_identifier(v, f->maxlen) ? json_string(v) : NULL;
    case BBW_F_BOOL:
        if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes")
            || !strcmp(v, "1"))
            return json_true();
        if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcasecmp(v, "no")
            || !strcmp(v, "0"))
            return json_false();
        return NULL;
    case BBW_F_OPAQUE:
        return NULL;
    }
    return NULL;
}

static apr_status_t cleanup_json(void *v)
{
    json_decref(v);
    return APR_SUCCESS;
}

static int parse_op(const char *s, bbw_op *op)
{
    static const char *names[] = { "eq", "ne", "lt", "le", "gt", "ge",
                                   "contains", "in", "notin" };
    for (int i = 0; i < 9; i++)
        if (strcmp(s, names[i]) == 0) {
            *op = (bbw_op)i;
            return 1;
        }
    return 0;
}

static const bbw_error *add_filter(apr_pool_t *p, bbw_spec *s,
                                   const bbw_field *f, bbw_op op,
                                   const qparam *q)
{
    int n = q->values->nelts;
    bbw_filter *flt = apr_array_push(s->filters);
    flt->field = f;
    flt->op = op;
    flt->done = 0;
    flt->values = apr_array_make(p, n, sizeof(json_t *));
    for (int i = 0; i < n; i++) {
        json_t *v = convert_value(f, APR_ARRAY_IDX(q->values, i, const char *));
        if (!v)
            return err(p, 400, "invalid filter value for %s", q->name);
        apr_pool_cleanup_register(p, v, cleanup_json, apr_pool_cleanup_null);
        APR_ARRAY_PUSH(flt->values, json_t *) = v;
    }
    return NULL;
}

static int field_selected(const bbw_spec *s, const bbw_field *f)
{
    for (int i = 0; i < s->fields->nelts; i++)
        if (APR_ARRAY_IDX(s->fields, i, const bbw_field *) == f)
            return 1;
    return 0;
}

int bbw_spec_wants(const bbw_spec *s, const char *field)
{
    if (!s->fields->nelts)
        return 1;
    for (int i = 0; i < s->fields->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(s->fields, i, const bbw_field *)->name, field) == 0)
            return 1;
    return 0;
}

int bbw_spec_wants_property(const bbw_spec *s, const char *name)
{
    for (int i = 0; i < s->properties->nelts; i++) {
        const char *p = APR_ARRAY_IDX(s->properties, i, const char *);
        if (strcmp(p, "*") == 0 || strcmp(p, name) == 0)
            return 1;
    }
    return 0;
}

const bbw_error *bbw_spec_parse(apr_pool_t *p, const char *query,
                                const bbw_etype *t, int is_collection,
                                bbw_spec **out)
{
    bbw_spec *s = apr_pcalloc(p, sizeof *s);
    s->total = -1;
    s->fields = apr_array_make(p, 4, sizeof(const bbw_field *));
    s->order = apr_array_make(p, 2, sizeof(bbw_order));
    s->filters = apr_array_make(p, 2, sizeof(bbw_filter));
    s->properties = apr_array_make(p, 2, sizeof(const char *));
    *out = s;

    apr_array_header_t *params = split_query(p, query);
    for (int i = 0; i < params->nelts; i++) {
        const qparam *q = &APR_ARRAY_IDX(params, i, qparam);
        const char *first = APR_ARRAY_IDX(q->values, 0, const char *);
        if (strcmp(q->name, "field") == 0) {
            for (int j = 0; j < q->values->nelts; j++) {
                const char *v = APR_ARRAY_IDX(q->values, j, const char *);
                const bbw_field *f = bbw_etype_field(t, v);
                if (!f)
                    return err(p, 400, "no such field '%s'", v);
                if (!field_selected(s, f))
                    APR_ARRAY_PUSH(s->fields, const bbw_field *) = f;
            }
        }
        else if (strcmp(q->name, "order") == 0) {
            for (int j = 0; j < q->values->nelts; j++) {
                const char *v = APR_ARRAY_IDX(q->values, j, const char *);
                int desc = v[0] == '-';
                const bbw_field *f = bbw_etype_field(t, v + desc);
                if (!f)
                    return err(p, 400, "no such field '%s'", v + desc);
                bbw_order *o = apr_array_push(s->order);
                o->field = f;
                o->desc = desc;
                o->done = 0;
            }
        }
        else if (strcmp(q->name, "limit") == 0) {
            if (!bbw_parse_pyint(first, &s->limit))
                return err(p, 400, "invalid limit", NULL);
            s->has_limit = 1;
        }
        else if (strcmp(q->name, "offset") == 0) {
            if (!bbw_parse_pyint(first, &s->offset))
                return err(p, 400, "invalid offset", NULL);
            s->has_offset = 1;
        }
        else if (strcmp(q->name, "property") == 0) {
            for (int j = 0; j < q->values->nelts; j++)
                APR_ARRAY_PUSH(s->properties, const char *) =
                    APR_ARRAY_IDX(q->values, j, const char *);
        }
        else {
            const char *sep = NULL;
            for (const char *c = strstr(q->name, "__"); c; c = strstr(c + 1, "__"))
                sep = c;
            const char *fname = sep ? apr_pstrmemdup(p, q->name, (apr_size_t)(sep - q->name))
                                    : q->name;
            bbw_op op = BBW_OP_EQ;
            const bbw_field *f = bbw_etype_field(t, fname);
            if (!sep && !f)
                return err(p, 400, "unrecognized query parameter '%s'", q->name);
            /* Buildbot ignores operator parameters it cannot use (unknown
             * field or operator, or a one-value operator given several
             * values); clients rely on that, so we do too. */
            if (sep && (!f || !parse_op(sep + 2, &op)
                        || (q->values->nelts > 1 && (op == BBW_OP_LT || op == BBW_OP_LE
                                                     || op == BBW_OP_GT || op == BBW_OP_GE))))
                continue;
            const bbw_error *e = add_filter(p, s, f, op, q);
            if (e)
                return e;
        }
    }

    if (s->fields->nelts) {
        for (int i = 0; i < s->order->nelts; i++)
            if (!field_selected(s, APR_ARRAY_IDX(s->order, i, bbw_order).field))
                return err(p, 400, "cannot order on un-selected fields", NULL);
        for (int i = 0; i < s->filters->nelts; i++)
            if (!field_selected(s, APR_ARRAY_IDX(s->filters, i, bbw_filter).field))
                return err(p, 400, "cannot filter on un-selected fields", NULL);
    }
    if (!is_collection && s->filters->nelts)
        return err(p, 400, "this is not a collection", NULL);
    return NULL;
}

bbw_filter *bbw_spec_filter(bbw_spec *s, const char *field, bbw_op op)
{
    for (int i = 0; i < s->filters->nelts; i++) {
        bbw_filter *f = &APR_ARRAY_IDX(s->filters, i, bbw_filter);
        if (!f->done && f->op == op && strcmp(f->field->name, field) == 0)
            return f;
    }
    return NULL;
}

/* Total order over the JSON values entities hold: null first, then numbers
 * and booleans, strings by code point, arrays lexicographically. */
static int value_cmp(const json_t *a, const json_t *b)
{
    int ta = json_is_null(a) ? 0 : (json_is_number(a) || json_is_boolean(a)) ? 1
           : json_is_string(a) ? 2 : json_is_array(a) ? 3 : 4;
    int tb = json_is_null(b) ? 0 : (json_is_number(b) || json_is_boolean(b)) ? 1
           : json_is_string(b) ? 2 : json_is_array(b) ? 3 : 4;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    switch (ta) {
    case 1: {
        double x = json_is_boolean(a) ? json_is_true(a) : json_number_value(a);
        double y = json_is_boolean(b) ? json_is_true(b) : json_number_value(b);
        if (json_is_integer(a) && json_is_integer(b)) {
            json_int_t i = json_integer_value(a), j = json_integer_value(b);
            return i < j ? -1 : i > j;
        }
        return x < y ? -1 : x > y;
    }
    case 2: {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        return c ? (c < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    }
    case 3: {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            int c = value_cmp(json_array_get(a, i), json_array_get(b, i));
            if (c)
                return c;
        }
        return na < nb ? -1 : na > nb;
    }
    default:
        return 0;
    }
}

static int value_eq(const json_t *x, const json_t *v)
{
    if (json_is_null(x) || json_is_null(v))
        return json_is_null(x) && json_is_null(v);
    return value_cmp(x, v) == 0;
}

static int contains_one(const json_t *x, const json_t *v)
{
    if (json_is_array(x)) {
        for (size_t i = 0; i < json_array_size(x); i++)
            if (value_eq(json_array_get(x, i), v))
                return 1;
        return 0;
    }
    if (json_is_string(x) && json_is_string(v))
        return strstr(json_string_value(x), json_string_value(v)) != NULL;
    return 0;
}

int bbw_filter_match(const bbw_filter *f, json_t *entity)
{
    json_t *x = json_object_get(entity, f->field->name);
    if (!x)
        x = json_null();
    int n = f->values->nelts;
    json_t **vals = (json_t **)f->values->elts;
    int any = 0;
    switch (f->op) {
    case BBW_OP_EQ: case BBW_OP_IN:
        for (int i = 0; i < n; i++)
            any |= value_eq(x, vals[i]);
        return any;
    case BBW_OP_NE: case BBW_OP_NOTIN:
        for (int i = 0; i < n; i++)
            any |= value_eq(x, vals[i]);
        return !any;
    case BBW_OP_CONTAINS:
        for (int i = 0; i < n; i++)
            any |= contains_one(x, vals[i]);
        return any;
    default:
        break;
    }
    /* Ordering comparisons: a null value (still running, unknown) never
     * satisfies them. */
    if (json_is_null(x) || n != 1)
        return 0;
    int c = value_cmp(x, vals[0]);
    switch (f->op) {
    case BBW_OP_LT: return c < 0;
    case BBW_OP_LE: return c <= 0;
    case BBW_OP_GT: return c > 0;
    case BBW_OP_GE: return c >= 0;
    default: return 0;
    }
}

void bbw_project(bbw_spec *s, json_t *entity)
{
    if (!s->fields->nelts)
        return;
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(entity, tmp, key, v) {
        int keep = 0;
        for (int i = 0; i < s->fields->nelts && !keep; i++)
            keep = strcmp(APR_ARRAY_IDX(s->fields, i, const bbw_field *)->name, key) == 0;
        if (!keep)
            json_object_del(entity, key);
    }
}

typedef struct {
    json_t *item;
    size_t index;
} sort_item;

static int sort_cmp(const void *pa, const void *pb, void *ctx)
{
    const sort_item *a = pa, *b = pb;
    const bbw_spec *sort_spec = ctx;
    for (int i = 0; i < sort_spec->order->nelts; i++) {
        const bbw_order *o = &APR_ARRAY_IDX(sort_spec->order, i, bbw_order);
        if (o->done)
            continue;
        json_t *x = json_object_get(a->item, o->field->name);
        json_t *y = json_object_get(b->item, o->field->name);
        int c = value_cmp(x ? x : json_null(), y ? y : json_null());
        if (c)
            return o->desc ? -c : c;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

static void slice_bounds(apr_int64_t n, const bbw_spec *s, apr_int64_t *start,
                         apr_int64_t *stop)
{
    /* Python items[offset : offset + limit] */
    apr_int64_t off = s->has_offset ? s->offset : 0;
    apr_int64_t lo = off, hi, lim = s->has_limit ? s->limit : 0;
    int open_end = !s->has_limit;
    /* offset + limit saturated: past either end it is clamped below anyway */
    if (lim > 0 && off > APR_INT64_MAX - lim)
        hi = APR_INT64_MAX;
    else if (lim < 0 && off < APR_INT64_MIN - lim)
        hi = APR_INT64_MIN;
    else
        hi = off + lim;
    if (lo < 0)
        lo = lo + n < 0 ? 0 : lo + n;
    if (lo > n)
        lo = n;
    if (open_end) {
        hi = n;
    }
    else {
        if (hi < 0)
            hi = hi + n < 0 ? 0 : hi + n;
        if (hi > n)
            hi = n;
    }
    *start = lo;
    *stop = hi < lo ? lo : hi;
}

json_t *bbw_pipeline_collection(apr_pool_t *p, bbw_spec *s, json_t *items,
                                apr_int64_t *total)
{
    json_t *kept = json_array();
    size_t n = json_array_size(items);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(items, i);
        int ok = 1;
        for (int j = 0; j < s->filters->nelts && ok; j++) {
            const bbw_filter *f = &APR_ARRAY_IDX(s->filters, j, bbw_filter);
            if (!f->done)
                ok = bbw_filter_match(f, e);
        }
        if (ok)
            json_array_append(kept, e);
    }
    json_decref(items);
    /* An endpoint that paged in SQL may know how many items matched. */
    *total = s->paging_done && s->total >= 0 ? s->total : (apr_int64_t)json_array_size(kept);

    int need_sort = 0;
    for (int i = 0; i < s->order->nelts; i++)
        need_sort |= !APR_ARRAY_IDX(s->order, i, bbw_order).done;
    n = json_array_size(kept);
    if (need_sort && n > 1) {
        sort_item *arr = apr_palloc(p, n * sizeof *arr);
        for (size_t i = 0; i < n; i++) {
            arr[i].item = json_incref(json_array_get(kept, i));
            arr[i].index = i;
        }
        qsort_r(arr, n, sizeof *arr, sort_cmp, s);
        json_array_clear(kept);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(kept, arr[i].item);
    }

    json_t *out = kept;
    if (!s->paging_done && (s->has_limit || s->has_offset)) {
        apr_int64_t start, stop;
        slice_bounds((apr_int64_t)n, s, &start, &stop);
        out = json_array();
        for (apr_int64_t i = start; i < stop; i++)
            json_array_append(out, json_array_get(kept, (size_t)i));
        json_decref(kept);
    }
    for (size_t i = 0; i < json_array_size(out); i++)
        bbw_project(s, json_array_get(out, i));
    return out;
}
