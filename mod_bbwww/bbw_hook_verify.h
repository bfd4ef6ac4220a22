/* Change hooks: the checks that need no request_rec (signatures, tokens,
 * content types, event names, form fields, the duplicate-delivery table).
 * APR and OpenSSL only, so t/unit/unit_hooks.c drives them directly. */
#ifndef BBW_HOOK_VERIFY_H
#define BBW_HOOK_VERIFY_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The dialect named by a path relative to the Buildbot root, as Buildbot's
 * `^/change_hook/?([a-zA-Z0-9_]*)` takes it: "change_hook" and
 * "change_hook/" are "base", "change_hook/git-hub" is "git". NULL when the
 * path does not start with "change_hook". */
const char *bbw_hook_dialect(apr_pool_t *p, const char *relpath);

/* An "<alg>=<hex>" signature header checked against HMAC-<alg>(secret, body).
 * want_alg is "sha256" or "sha1". */
typedef enum {
    BBW_SIG_OK,
    BBW_SIG_FORMAT,         /* not exactly two parts around '=' */
    BBW_SIG_UNKNOWN_ALG,    /* another algorithm than want_alg */
    BBW_SIG_MISMATCH
} bbw_sig_result;
bbw_sig_result bbw_hook_check_signature(const char *header, const char *want_alg,
                                        const char *secret, const char *body, apr_size_t len);

/* The algorithm part of a signature header (up to the first '='). */
const char *bbw_hook_signature_alg(apr_pool_t *p, const char *header);

/* Constant-time equality of two strings of any lengths (their SHA-256
 * digests are compared with CRYPTO_memcmp). NULL equals nothing. */
int bbw_hook_secret_equal(const char *given, const char *expected);

/* Python's repr() of a bytes object, as Buildbot prints a header value in
 * "Unknown content type: b'...'"; "None" for NULL. */
const char *bbw_hook_pybytes_repr(apr_pool_t *p, const char *s);

/* The decoded values of field name in an application/x-www-form-urlencoded
 * text, as Twisted's request.args holds them (parse_qs with blank values
 * kept: '&' separates, '+' is a space, %XX decoded). A key matches when its
 * decoded bytes are exactly name ("poller%00" is not "poller"). Never NULL. */
apr_array_header_t *bbw_hook_form_values(apr_pool_t *p, const char *text, apr_size_t len,
                                         const char *name);

/* The query string handed to the master's poller hook under allowed=: the
 * client's fields except every one whose decoded key starts with "poller",
 * then poller=<name> for each of names; keys and values re-encoded (only
 * unreserved characters stay literal), so the master's parser cannot read
 * another field than the module checked. */
const char *bbw_hook_poller_query(apr_pool_t *p, const char *query,
                                  const apr_array_header_t *names);

/* Whether the dialect's handler in Buildbot 3.7 has a method for the event
 * (GitHub: X-GitHub-Event; Bitbucket: X-Event-Key with ':' made '_'). */
int bbw_hook_event_known(const char *dialect, const char *event);

/* ------------------------------------------------------------------
 * Duplicate deliveries: a fixed table of (key, expiry) records, meant to
 * live in memory shared by all the processes of one Apache node. Keys are
 * SHA-256 digests; a set-associative table evicts the record that expires
 * first when a set is full. A process-shared robust pthread mutex in the
 * table serializes updates: a process that dies holding it (EOWNERDEAD)
 * hands it to the next one, which marks it consistent and goes on. */
typedef struct bbw_replay_table bbw_replay_table;

apr_size_t bbw_replay_table_size(void);
/* Formats mem (bbw_replay_table_size() bytes, shared by the processes that
 * use it) as an empty table; NULL when the mutex cannot be made. */
bbw_replay_table *bbw_replay_table_init(void *mem);

/* The table's lock (reserve and release take it themselves): 1 = held
 * (also when taken over from a process that died holding it), 0 = not. */
int bbw_replay_lock(bbw_replay_table *t);
void bbw_replay_unlock(bbw_replay_table *t);

/* The digest of what identifies a delivery: kind ("id" or "body"), the
 * dialect and the value, each length-prefixed. */
void bbw_replay_key(unsigned char digest[32], const char *kind, const char *dialect,
                    const char *value, apr_size_t len);

/* 1: first sight, now recorded until now + window; 0: a record of it has
 * not expired (a duplicate). */
int bbw_replay_reserve(bbw_replay_table *t, const unsigned char digest[32],
                       apr_uint32_t now, apr_uint32_t window);

/* Forgets a record (the delivery was not accepted after all). */
void bbw_replay_release(bbw_replay_table *t, const unsigned char digest[32]);

#endif
