/* Buildbot's session token: a compact JWS, HS256, whose claims are
 * {"user_info": {...}, "exp": <unix seconds>}. Pure: APR, Jansson, OpenSSL. */
#ifndef BBW_JWT_H
#define BBW_JWT_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

/* Longest cookie value looked at; anything longer is not a session. */
#define BBW_JWT_MAX 8192

/* Sign {"user_info": user_info, "exp": exp} with key (the session secret's
 * characters as they are). exp < 0 leaves the claim out. */
const char *bbw_jwt_mint(apr_pool_t *p, const char *key, const json_t *user_info,
                         apr_int64_t exp);

/* The user_info of a valid token (new reference), else NULL with *why set
 * to a short reason: not three parts, bad base64, header not HS256, bad
 * signature, payload not an object, expired, not yet valid, no user_info. */
json_t *bbw_jwt_user(apr_pool_t *p, const char *key, const char *token,
                     apr_int64_t now, const char **why);

/* base64url without padding (RFC 7515 §2). */
const char *bbw_b64url_encode(apr_pool_t *p, const unsigned char *data, apr_size_t len);
/* NULL when s holds anything but the base64url alphabet or a bad length. */
unsigned char *bbw_b64url_decode(apr_pool_t *p, const char *s, apr_size_t n,
                                 apr_size_t *out_len);

#endif
