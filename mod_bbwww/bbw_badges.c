/* Placeholder until the badges file lands. */
#include "bbw_badges.h"
int bbw_badges_handler(request_rec *r, const char *rest) { return DECLINED; }
