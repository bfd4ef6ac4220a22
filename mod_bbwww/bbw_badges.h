/* Badges: /plugins/badges/<builder>.svg|png (and 3.7's /badges/...). */
#ifndef BBW_BADGES_H
#define BBW_BADGES_H
#include "bbw.h"
/* rest: what follows "plugins/badges/" or "badges/". */
int bbw_badges_handler(request_rec *r, const char *rest);
#define BBW_BADGES_DIRECTIVES
#endif
