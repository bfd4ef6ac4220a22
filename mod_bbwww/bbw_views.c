/* Placeholder until the views file lands. */
#include "bbw_views.h"
int bbw_views_handler(request_rec *r, const char *rest) { return DECLINED; }
