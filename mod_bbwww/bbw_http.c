/* Whole answers: a body of known length, or Buildbot's {"error": ...}. */
#include "bbw.h"
#include "bbw_json.h"

#include <string.h>

int bbw_send(request_rec *r, int status, const char *ctype, const char *body, apr_size_t len)
{
    if (status) {
        r->status = status;
        r->status_line = NULL;
    }
    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return OK;
}

int bbw_send_error(request_rec *r, int status, const char *ctype, const char *message)
{
    /* Messages echo client input, which may be any bytes: written directly,
     * invalid UTF-8 becomes U+FFFD instead of failing to build JSON. */
    bbw_buf b;
    bbw_buf_init(&b, r->pool, 128);
    bbw_buf_adds(&b, "{\"error\": ");
    bbw_json_write_string(&b, message, strlen(message));
    bbw_buf_adds(&b, "}");
    return bbw_send(r, status, ctype, b.data, b.len);
}
