/* Change hooks: signature, token and request-shape checks, and the
 * duplicate-delivery table. No httpd headers here (see bbw_hook_verify.h). */
#include "bbw_query.h"
#include "bbw_hook_verify.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

const char *bbw_hook_dialect(apr_pool_t *p, const char *relpath)
{
    if (!relpath || strncmp(relpath, "change_hook", 11) != 0)
        return NULL;
    const char *s = relpath + 11;
    if (*s == '/')
        s++;
    size_t n = 0;
    while (s[n] && (apr_isalnum(s[n]) || s[n] == '_'))
        n++;
    return n ? apr_pstrmemdup(p, s, n) : "base";
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;      /* Buildbot compares lowercase hex text: 'A' never matches */
}

const char *bbw_hook_signature_alg(apr_pool_t *p, const char *header)
{
    return apr_pstrmemdup(p, header, strcspn(header, "="));
}

bbw_sig_result bbw_hook_check_signature(const char *header, const char *want_alg,
                                        const char *secret, const char *body, apr_size_t len)
{
    const char *eq = strchr(header, '=');
    if (!eq || strchr(eq + 1, '='))
        return BBW_SIG_FORMAT;
    size_t alen = (size_t)(eq - header);
    if (alen != strlen(want_alg) || strncmp(header, want_alg, alen) != 0)
        return BBW_SIG_UNKNOWN_ALG;
    const EVP_MD *md = strcmp(want_alg, "sha1") == 0 ? EVP_sha1() : EVP_sha256();
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(md, secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &maclen))
        return BBW_SIG_MISMATCH;
    /* Decode the given hex into a buffer of the MAC's size; any wrong
     * length or character makes it differ, decided after the comparison so
     * that the time taken says nothing about where. */
    const char *hex = eq + 1;
    unsigned char given[EVP_MAX_MD_SIZE];
    int bad = strlen(hex) != 2 * (size_t)maclen;
    for (unsigned int i = 0; i < maclen; i++) {
        int hi = !bad ? hex_value((unsigned char)hex[2 * i]) : 0;
        int lo = !bad ? hex_value((unsigned char)hex[2 * i + 1]) : 0;
        bad |= hi < 0 || lo < 0;
        given[i] = (unsigned char)(((hi & 15) << 4) | (lo & 15));
    }
    int differ = CRYPTO_memcmp(given, mac, maclen) != 0;
    return bad || differ ? BBW_SIG_MISMATCH : BBW_SIG_OK;
}

int bbw_hook_secret_equal(const char *given, const char *expected)
{
    if (!given || !expected)
        return 0;
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)given, strlen(given), a);
    SHA256((const unsigned char *)expected, strlen(expected), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

const char *bbw_hook_pybytes_repr(apr_pool_t *p, const char *s)
{
    if (!s)
        return "None";
    char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    char *out = apr_palloc(p, 4 * strlen(s) + 4), *o = out;
    *o++ = 'b';
    *o++ = quote;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '\\' || *c == (unsigned char)quote) {
            *o++ = '\\';
            *o++ = (char)*c;
        }
        else if (*c == '\t' || *c == '\n' || *c == '\r') {
            *o++ = '\\';
            *o++ = *c == '\t' ? 't' : *c == '\n' ? 'n' : 'r';
        }
        else if (*c < 0x20 || *c >= 0x7f)
            o += sprintf(o, "\\x%02x", *c);
        else
            *o++ = (char)*c;
    }
    *o++ = quote;
    *o = '\0';
    return out;
}

/* The decoded text, which may hold NUL bytes: *out_len is its length. */
static char *url_decode(apr_pool_t *p, const char *s, size_t n, size_t *out_len)
{
    return bbw_form_decode(p, s, n, 1, out_len);
}

/* Calls each(key, value) for the fields of a form text, decoded. */
typedef void form_field_fn(void *baton, const char *key, size_t klen, const char *value,
                           size_t vlen);

static void each_form_field(apr_pool_t *p, const char *text, apr_size_t len,
                            form_field_fn *each, void *baton)
{
    size_t i = 0;
    while (text && i < len) {
        size_t end = i;
        while (end < len && text[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && text[eq] != '=')
            eq++;
        if (end > i) {
            size_t klen, vlen = 0;
            const char *key = url_decode(p, text + i, eq - i, &klen);
            const char *value = eq < end ? url_decode(p, text + eq + 1, end - eq - 1, &vlen)
                                         : "";
            each(baton, key, klen, value, vlen);
        }
        i = end + 1;
    }
}

typedef struct {
    const char *name;
    size_t len;
    apr_array_header_t *values;
} named_values;

static void collect_named(void *baton, const char *key, size_t klen, const char *value,
                          size_t vlen)
{
    named_values *nv = baton;
    /* By length: "poller%00" decodes to another key than "poller". */
    if (klen == nv->len && memcmp(key, nv->name, klen) == 0)
        *(const char **)apr_array_push(nv->values) = value;
}

apr_array_header_t *bbw_hook_form_values(apr_pool_t *p, const char *text, apr_size_t len,
                                         const char *name)
{
    named_values nv = { name, strlen(name), apr_array_make(p, 2, sizeof(const char *)) };
    each_form_field(p, text, len, collect_named, &nv);
    return nv.values;
}

/* Percent-encodes everything but unreserved characters: no separator a
 * parser could read differently ('&', ';', '=', '+') survives. */
static const char *form_escape(apr_pool_t *p, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, 3 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            *o++ = (char)c;
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

typedef struct {
    apr_pool_t *p;
    const char *query;
} query_builder;

static void query_append(query_builder *q, const char *key, size_t klen, const char *value,
                         size_t vlen)
{
    q->query = apr_pstrcat(q->p, q->query, *q->query ? "&" : "", form_escape(q->p, key, klen),
                           "=", form_escape(q->p, value, vlen), NULL);
}

static void keep_unless_poller(void *baton, const char *key, size_t klen, const char *value,
                               size_t vlen)
{
    if (klen >= 6 && memcmp(key, "poller", 6) == 0)
        return;
    query_append(baton, key, klen, value, vlen);
}

const char *bbw_hook_poller_query(apr_pool_t *p, const char *query,
                                  const apr_array_header_t *names)
{
    query_builder q = { p, "" };
    each_form_field(p, query, query ? strlen(query) : 0, keep_unless_poller, &q);
    for (int i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        query_append(&q, "poller", 6, name, strlen(name));
    }
    return q.query;
}

int bbw_hook_event_known(const char *dialect, const char *event)
{
    static const char *const github[] = { "ping", "push", "pull_request", "workflow_run", NULL };
    static const char *const cloud[] = {
        "repo_push", "pullrequest_created", "pullrequest_updated", "pullrequest_fulfilled",
        "pullrequest_rejected", NULL
    };
    static const char *const server[] = {
        "repo_refs_changed", "repo_push", "pullrequest_created", "pullrequest_updated",
        "pullrequest_fulfilled", "pullrequest_rejected", NULL
    };
    const char *const *known = strcmp(dialect, "github") == 0 ? github
                               : strcmp(dialect, "bitbucketcloud") == 0 ? cloud
                               : strcmp(dialect, "bitbucketserver") == 0 ? server : NULL;
    if (!known || !event)
        return 0;
    for (; *known; known++)
        if (strcmp(*known, event) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------- replays */

#define REPLAY_SETS 4096
#define REPLAY_WAYS 8

typedef struct {
    apr_uint64_t key;       /* 0 = free */
    apr_uint32_t expires;   /* seconds since the epoch */
    apr_uint32_t unused;
} replay_slot;

struct bbw_replay_table {
    pthread_mutex_t lock;   /* process-shared and robust */
    replay_slot slots[REPLAY_SETS * REPLAY_WAYS];
};

apr_size_t bbw_replay_table_size(void)
{
    return sizeof(bbw_replay_table);
}

bbw_replay_table *bbw_replay_table_init(void *mem)
{
    bbw_replay_table *t = mem;
    pthread_mutexattr_t attr;
    memset(mem, 0, sizeof *t);
    if (pthread_mutexattr_init(&attr) != 0)
        return NULL;
    int rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(&t->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc == 0 ? t : NULL;
}

void bbw_replay_key(unsigned char digest[32], const char *kind, const char *dialect,
                    const char *value, apr_size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *parts[3] = { kind, dialect, value };
    apr_size_t lens[3] = { strlen(kind), strlen(dialect), len };
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (int i = 0; i < 3; i++) {
        apr_uint64_t n = lens[i];
        EVP_DigestUpdate(ctx, &n, sizeof n);
        EVP_DigestUpdate(ctx, parts[i], lens[i]);
    }
    EVP_DigestFinal_ex(ctx, digest, NULL);
    EVP_MD_CTX_free(ctx);
}

int bbw_replay_lock(bbw_replay_table *t)
{
    int rc = pthread_mutex_lock(&t->lock);
    if (rc == EOWNERDEAD) {
        /* The holder died between two stores: at worst one slot is half
         * written, which costs one record, not the table. */
        pthread_mutex_consistent(&t->lock);
        return 1;
    }
    return rc == 0;
}

void bbw_replay_unlock(bbw_replay_table *t)
{
    pthread_mutex_unlock(&t->lock);
}

static replay_slot *set_of(bbw_replay_table *t, const unsigned char d[32], apr_uint64_t *key)
{
    apr_uint64_t k = 0, s = 0;
    for (int i = 0; i < 8; i++) {
        k = (k << 8) | d[i];
        s = (s << 8) | d[8 + i];
    }
    *key = k ? k : 1;
    return t->slots + (s % REPLAY_SETS) * REPLAY_WAYS;
}

int bbw_replay_reserve(bbw_replay_table *t, const unsigned char digest[32],
                       apr_uint32_t now, apr_uint32_t window)
{
    apr_uint64_t key;
    replay_slot *set = set_of(t, digest, &key);
    int seen = 0;
    if (!bbw_replay_lock(t))
        return 1;       /* no lock to be had: refusing every delivery would be worse */
    replay_slot *victim = set;
    for (int i = 0; i < REPLAY_WAYS; i++) {
        replay_slot *s = set + i;
        int live = s->key && s->expires > now;
        if (live && s->key == key) {
            seen = 1;
            break;
        }
        if (!live)
            s->key = 0;
        if (!victim->key)
            continue;
        if (!s->key || s->expires < victim->expires)
            victim = s;
    }
    if (!seen) {
        victim->key = key;
        victim->expires = now + window;
    }
    bbw_replay_unlock(t);
    return !seen;
}

void bbw_replay_release(bbw_replay_table *t, const unsigned char digest[32])
{
    apr_uint64_t key;
    replay_slot *set = set_of(t, digest, &key);
    if (!bbw_replay_lock(t))
        return;
    for (int i = 0; i < REPLAY_WAYS; i++)
        if (set[i].key == key)
            set[i].key = 0;
    bbw_replay_unlock(t);
}
