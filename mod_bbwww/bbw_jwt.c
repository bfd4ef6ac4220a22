/* Session tokens, readable and writable by Buildbot (PyJWT's HS256). */
#include "bbw_jwt.h"
#include "bbw_json.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *bbw_b64url_encode(apr_pool_t *p, const unsigned char *d, apr_size_t n)
{
    char *out = apr_palloc(p, (n + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = b64url[v >> 18];
        *o++ = b64url[v >> 12 & 63];
        *o++ = b64url[v >> 6 & 63];
        *o++ = b64url[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        *o++ = b64url[v >> 18];
        *o++ = b64url[v >> 12 & 63];
    }
    else if (n - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        *o++ = b64url[v >> 18];
        *o++ = b64url[v >> 12 & 63];
        *o++ = b64url[v >> 6 & 63];
    }
    *o = '\0';
    return out;
}

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

unsigned char *bbw_b64url_decode(apr_pool_t *p, const char *s, apr_size_t n,
                                 apr_size_t *out_len)
{
    if (n % 4 == 1)
        return NULL;
    unsigned char *out = apr_palloc(p, n / 4 * 3 + 3), *o = out;
    unsigned acc = 0;
    int bits = 0;
    for (apr_size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)s[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
        }
    }
    *out_len = (apr_size_t)(o - out);
    return out;
}

static void hs256(const char *key, const char *msg, apr_size_t len, unsigned char mac[32])
{
    unsigned int maclen = 32;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, mac, &maclen);
}

const char *bbw_jwt_mint(apr_pool_t *p, const char *key, const json_t *user_info,
                         apr_int64_t exp)
{
    /* PyJWT writes compact, ASCII-escaped JSON, claims in insertion order. */
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    bbw_buf claims;
    bbw_buf_init(&claims, p, 256);
    bbw_buf_adds(&claims, "{\"user_info\":");
    bbw_json_write(&claims, user_info, BBW_JSON_COMPACT, 0);
    if (exp >= 0)
        bbw_buf_adds(&claims, apr_psprintf(p, ",\"exp\":%" APR_INT64_T_FMT, exp));
    bbw_buf_adds(&claims, "}");
    const char *signing = apr_pstrcat(p,
        bbw_b64url_encode(p, (const unsigned char *)header, sizeof header - 1), ".",
        bbw_b64url_encode(p, (const unsigned char *)claims.data, claims.len), NULL);
    unsigned char mac[32];
    hs256(key, signing, strlen(signing), mac);
    return apr_pstrcat(p, signing, ".", bbw_b64url_encode(p, mac, sizeof mac), NULL);
}

static json_t *decode_part(apr_pool_t *p, const char *s, apr_size_t n)
{
    apr_size_t len;
    unsigned char *raw = bbw_b64url_decode(p, s, n, &len);
    if (!raw)
        return NULL;
    json_t *v = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* PyJWT accepts an integral time claim; anything else is a decode error. */
static int time_claim(const json_t *claims, const char *name, apr_int64_t *out, int *bad)
{
    const json_t *v = json_object_get(claims, name);
    if (!v)
        return 0;
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) == (double)(apr_int64_t)json_real_value(v))
        *out = (apr_int64_t)json_real_value(v);
    else
        *bad = 1;
    return !*bad;
}

json_t *bbw_jwt_user(apr_pool_t *p, const char *key, const char *token,
                     apr_int64_t now, const char **why)
{
    size_t n = token ? strlen(token) : 0;
    const char *dot1 = n && n <= BBW_JWT_MAX ? strchr(token, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strchr(dot2 + 1, '.')) {
        *why = "not a compact JWS";
        return NULL;
    }
    json_t *header = decode_part(p, token, (apr_size_t)(dot1 - token));
    const char *alg = json_string_value(json_object_get(header, "alg"));
    int hs = alg && strcmp(alg, "HS256") == 0;
    json_decref(header);
    if (!hs) {
        *why = "algorithm is not HS256";
        return NULL;
    }
    apr_size_t siglen;
    unsigned char *sig = bbw_b64url_decode(p, dot2 + 1, strlen(dot2 + 1), &siglen);
    unsigned char mac[32];
    hs256(key, token, (apr_size_t)(dot2 - token), mac);
    if (!sig || siglen != sizeof mac || CRYPTO_memcmp(sig, mac, sizeof mac) != 0) {
        *why = "bad signature";
        return NULL;
    }
    json_t *claims = decode_part(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    if (!claims) {
        *why = "claims are not a JSON object";
        return NULL;
    }
    apr_int64_t t;
    int bad = 0, expired = 0, early = 0;
    json_t *user = NULL;
    if (time_claim(claims, "exp", &t, &bad))
        expired = t <= now;            /* PyJWT: no leeway, exp == now is over */
    if (!bad && time_claim(claims, "nbf", &t, &bad))
        early = t > now;
    if (!bad)
        time_claim(claims, "iat", &t, &bad);
    if (bad)
        *why = "a time claim is not an integer";
    else if (expired)
        *why = "expired";
    else if (early)
        *why = "not yet valid";
    else if (!(user = json_object_get(claims, "user_info")))
        *why = "no user_info";
    else
        json_incref(user);
    json_decref(claims);
    return user;
}
