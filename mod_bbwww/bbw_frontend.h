/* The frontend configuration object (Buildbot's /config and the object the
 * UI page embeds). */
#ifndef BBW_FRONTEND_H
#define BBW_FRONTEND_H

#include "bbw.h"
#include <jansson.h>

/* Keys in Buildbot's order, ending with "user" (the request's session).
 * New reference. */
json_t *bbw_frontend_config(request_rec *r);

/* The same object serialized as Buildbot does, made safe for a <script>
 * element ("</" written "<\/", U+2028/2029 escaped): for the UI page. */
const char *bbw_frontend_config_script(request_rec *r);

/* Cache-Control and Vary for answers that embed the user (/config, the
 * index page). */
void bbw_frontend_cache_headers(request_rec *r);

/* GET/HEAD /config. */
int bbw_frontend_config_handler(request_rec *r);

#endif
