/* One-call data for the waterfall, console and grid views (views/NAME.json). */
#ifndef BBW_VIEWS_H
#define BBW_VIEWS_H
#include "bbw.h"
/* rest: what follows "views/". */
int bbw_views_handler(request_rec *r, const char *rest);
/* views/can.json: the control calls the rules allow on one object. */
int bbw_can_handler(request_rec *r);

#endif
