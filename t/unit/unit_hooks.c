/* Unit tests of the change hooks' pure checks (bbw_hook_verify.c). */
#include "bbw_hook_verify.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *hmac_hex(apr_pool_t *p, const char *alg, const char *key, const char *msg)
{
    unsigned char mac[64];
    unsigned int n = 0;
    HMAC(alg[3] == '1' ? EVP_sha1() : EVP_sha256(), key, (int)strlen(key),
         (const unsigned char *)msg, strlen(msg), mac, &n);
    char *hex = apr_palloc(p, 2 * n + 1);
    for (unsigned int i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", mac[i]);
    return apr_pstrcat(p, alg, "=", hex, NULL);
}

static void test_dialect(apr_pool_t *p)
{
    check_str(bbw_hook_dialect(p, "change_hook"), "base", "dialect: bare change_hook is base");
    check_str(bbw_hook_dialect(p, "change_hook/"), "base", "dialect: trailing slash is base");
    check_str(bbw_hook_dialect(p, "change_hook/github"), "github", "dialect: github");
    check_str(bbw_hook_dialect(p, "change_hook/git-hub"), "git", "dialect: stops at '-'");
    check_str(bbw_hook_dialect(p, "change_hook/github/x/y"), "github", "dialect: deeper path");
    check_str(bbw_hook_dialect(p, "change_hook/a_B9"), "a_B9", "dialect: [A-Za-z0-9_]");
    check(bbw_hook_dialect(p, "api/v2") == NULL, "dialect: other paths are not hooks");
}

static void test_signatures(apr_pool_t *p)
{
    const char *body = "{\"zen\": \"Keep it logically awesome.\"}";
    const char *good256 = hmac_hex(p, "sha256", "s3cret", body);
    const char *good1 = hmac_hex(p, "sha1", "s3cret", body);
    size_t blen = strlen(body);
    check(bbw_hook_check_signature(good256, "sha256", "s3cret", body, blen) == BBW_SIG_OK,
          "sha256: a good signature");
    check(bbw_hook_check_signature(good1, "sha1", "s3cret", body, blen) == BBW_SIG_OK,
          "sha1: a good signature");
    check(bbw_hook_check_signature(good256, "sha256", "other", body, blen) == BBW_SIG_MISMATCH,
          "sha256: another secret mismatches");
    check(bbw_hook_check_signature(good256, "sha256", "s3cret", body, blen - 1)
          == BBW_SIG_MISMATCH, "sha256: a changed body mismatches");
    char *upper = apr_pstrdup(p, good256);
    for (char *c = upper + 7; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 32);
    check(strcmp(upper, good256) == 0
          || bbw_hook_check_signature(upper, "sha256", "s3cret", body, blen) == BBW_SIG_MISMATCH,
          "sha256: uppercase hex mismatches (Buildbot compares text)");
    check(bbw_hook_check_signature(apr_pstrndup(p, good256, strlen(good256) - 2), "sha256",
                                   "s3cret", body, blen) == BBW_SIG_MISMATCH,
          "sha256: a short digest mismatches");
    check(bbw_hook_check_signature(apr_pstrcat(p, good256, "00", NULL), "sha256", "s3cret",
                                   body, blen) == BBW_SIG_MISMATCH,
          "sha256: a long digest mismatches");
    check(bbw_hook_check_signature("sha256", "sha256", "s3cret", body, blen) == BBW_SIG_FORMAT,
          "format: no '='");
    check(bbw_hook_check_signature("sha256=ab=cd", "sha256", "s3cret", body, blen)
          == BBW_SIG_FORMAT, "format: two '='");
    check(bbw_hook_check_signature(good1, "sha256", "s3cret", body, blen) == BBW_SIG_UNKNOWN_ALG,
          "a sha1 header where sha256 is wanted: unknown type");
    check_str(bbw_hook_signature_alg(p, "md5=00"), "md5", "the algorithm part");
    check(bbw_hook_check_signature("sha256=", "sha256", "s3cret", "", 0) == BBW_SIG_MISMATCH,
          "an empty digest mismatches");
}

static void test_secrets_and_repr(apr_pool_t *p)
{
    check(bbw_hook_secret_equal("tok", "tok"), "token: equal");
    check(!bbw_hook_secret_equal("tok", "tok2"), "token: longer differs");
    check(!bbw_hook_secret_equal("", "tok"), "token: empty differs");
    check(!bbw_hook_secret_equal(NULL, "tok"), "token: missing differs");
    check_str(bbw_hook_pybytes_repr(p, NULL), "None", "repr: None");
    check_str(bbw_hook_pybytes_repr(p, "application/json; charset=utf-8"),
              "b'application/json; charset=utf-8'", "repr: plain");
    check_str(bbw_hook_pybytes_repr(p, "it's"), "b\"it's\"", "repr: quote choice");
    check_str(bbw_hook_pybytes_repr(p, "a'\"\\\t\xc3"), "b'a\\'\"\\\\\\t\\xc3'",
              "repr: escapes");
}

static void test_form(apr_pool_t *p)
{
    const char *f = "poller=a&x=1&poller=b+c&poller=%41%2&poller=&poller";
    apr_array_header_t *v = bbw_hook_form_values(p, f, strlen(f), "poller");
    check(v->nelts == 5, "form: five values");
    if (v->nelts == 5) {
        check_str(APR_ARRAY_IDX(v, 0, const char *), "a", "form: first");
        check_str(APR_ARRAY_IDX(v, 1, const char *), "b c", "form: '+' is a space");
        check_str(APR_ARRAY_IDX(v, 2, const char *), "A%2", "form: %XX decoded, bad kept");
        check_str(APR_ARRAY_IDX(v, 3, const char *), "", "form: blank kept");
        check_str(APR_ARRAY_IDX(v, 4, const char *), "", "form: bare name is blank");
    }
    check(bbw_hook_form_values(p, NULL, 0, "x")->nelts == 0, "form: no text");
    const char *nul = "poller%00=x&poller=y&pollerz=w";
    v = bbw_hook_form_values(p, nul, strlen(nul), "poller");
    check(v->nelts == 1 && strcmp(APR_ARRAY_IDX(v, 0, const char *), "y") == 0,
          "form: keys compared by decoded length ('poller%00' is another key)");
    check(bbw_hook_event_known("github", "push"), "event: github push");
    check(!bbw_hook_event_known("github", "issues"), "event: github issues unknown");
    check(!bbw_hook_event_known("github", NULL), "event: none");
    check(bbw_hook_event_known("bitbucketserver", "repo_refs_changed"), "event: server refs");
    check(!bbw_hook_event_known("bitbucketcloud", "repo_refs_changed"), "event: not cloud");
}

static void test_poller_query(apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 2, sizeof(const char *));
    check_str(bbw_hook_poller_query(p, NULL, names), "", "poller query: nothing");
    *(const char **)apr_array_push(names) = "hook-poller";
    *(const char **)apr_array_push(names) = "a b&c;d";
    check_str(bbw_hook_poller_query(p, "poller=x&poller%00=y&%70oller=z&pollers=1&x=1&a=b;poller=q"
                                       "&flag&&k%20=v+w",
                                    names),
              "x=1&a=b%3Bpoller%3Dq&flag=&k%20=v%20w&poller=hook-poller&poller=a%20b%26c%3Bd",
              "poller query: every poller* key dropped, the rest re-encoded, names added");
}

/* The table in memory shared with forked children, as between httpd's. */
static bbw_replay_table *shared_table(void)
{
    void *mem = mmap(NULL, bbw_replay_table_size(), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return mem == MAP_FAILED ? NULL : bbw_replay_table_init(mem);
}

static void test_replay_processes(void)
{
    bbw_replay_table *t = shared_table();
    check(t != NULL, "replay: a process-shared table");
    if (!t)
        return;
    /* A process that dies holding the lock does not stop the others. */
    pid_t pid = fork();
    if (pid == 0) {
        bbw_replay_lock(t);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    alarm(10);
    check(bbw_replay_lock(t), "replay: the lock of a dead holder is taken over");
    /* While held, another process waits: it does not steal the lock. */
    int fds[2];
    check(pipe(fds) == 0, "replay: pipe");
    pid = fork();
    if (pid == 0) {
        unsigned char d[32];
        bbw_replay_key(d, "id", "github", "waiter", 6);
        bbw_replay_reserve(t, d, 1, 60);
        char c = 'x';
        _exit(write(fds[1], &c, 1) == 1 ? 0 : 1);
    }
    usleep(300000);
    char c;
    int flags = 0;
    close(fds[1]);
    struct timeval tv = { 0, 0 };
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fds[0], &set);
    flags = select(fds[0] + 1, &set, NULL, NULL, &tv);
    check(flags == 0, "replay: a second process waits while the lock is held");
    bbw_replay_unlock(t);
    check(read(fds[0], &c, 1) == 1, "replay: and goes on once it is released");
    waitpid(pid, NULL, 0);
    close(fds[0]);
    alarm(0);
    /* Two processes reserving the same 2000 ids: each is new exactly once. */
    int counts[2] = { 0, 0 };
    for (int k = 0; k < 2; k++) {
        if (pipe(fds) != 0)
            return;
        pid = fork();
        if (pid == 0) {
            int won = 0;
            unsigned char d[32];
            for (int i = 0; i < 2000; i++) {
                char id[16];
                int n = snprintf(id, sizeof id, "race%d", i);
                bbw_replay_key(d, "id", "gitlab", id, (apr_size_t)n);
                won += bbw_replay_reserve(t, d, 5000, 60);
            }
            _exit(write(fds[1], &won, sizeof won) == sizeof won ? 0 : 1);
        }
        close(fds[1]);
        counts[k] = fds[0];
    }
    int total = 0;
    for (int k = 0; k < 2; k++) {
        int won = 0;
        if (read(counts[k], &won, sizeof won) == sizeof won)
            total += won;
        close(counts[k]);
    }
    while (wait(NULL) > 0)
        ;
    check(total == 2000, "replay: concurrent processes record each id once");
    munmap(t, bbw_replay_table_size());
}

static void test_replay(apr_pool_t *p)
{
    void *mem = malloc(bbw_replay_table_size());
    bbw_replay_table *t = bbw_replay_table_init(mem);
    unsigned char a[32], b[32], c[32];
    bbw_replay_key(a, "id", "github", "d-1", 3);
    bbw_replay_key(b, "id", "gitlab", "d-1", 3);
    bbw_replay_key(c, "body", "github", "d-1", 3);
    check(memcmp(a, b, 32) && memcmp(a, c, 32), "keys: dialect and kind are part of the key");
    check(bbw_replay_reserve(t, a, 1000, 60), "replay: first sight");
    check(!bbw_replay_reserve(t, a, 1001, 60), "replay: duplicate refused");
    check(bbw_replay_reserve(t, b, 1001, 60), "replay: same id, other dialect");
    check(bbw_replay_reserve(t, a, 1061, 60), "replay: expired record forgotten");
    bbw_replay_release(t, a);
    check(bbw_replay_reserve(t, a, 1062, 60), "replay: released record forgotten");
    /* Fill far past capacity: the newest records stay. */
    unsigned char k[32];
    for (int i = 0; i < 100000; i++) {
        char id[16];
        int n = snprintf(id, sizeof id, "x%d", i);
        bbw_replay_key(k, "id", "github", id, (apr_size_t)n);
        bbw_replay_reserve(t, k, 2000 + (apr_uint32_t)i / 1000, 3600);
    }
    check(!bbw_replay_reserve(t, k, 2200, 3600), "replay: the newest survives a full table");
    free(mem);
}

int main(void)
{
    apr_pool_t *p;
    apr_initialize();
    apr_pool_create(&p, NULL);
    test_dialect(p);
    test_signatures(p);
    test_secrets_and_repr(p);
    test_form(p);
    test_poller_query(p);
    test_replay(p);
    test_replay_processes();
    printf("1..%d\n", tests);
    apr_pool_destroy(p);
    apr_terminate();
    return failures ? 1 : 0;
}
