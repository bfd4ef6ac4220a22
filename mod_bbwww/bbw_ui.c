/* Placeholder until the UI file lands. */
#include "bbw_ui.h"
int bbw_ui_handler(request_rec *r, const char *rel) { return DECLINED; }
