/* The UI: index.html with the frontend config and theme injected, the
 * app's static files (BuildbotUI) or the official Buildbot UI
 * (BuildbotOfficialUI). */
#ifndef BBW_UI_H
#define BBW_UI_H
#include "bbw.h"
/* GET/HEAD of rel ("" = the index page); DECLINED when rel is not the UI's. */
int bbw_ui_handler(request_rec *r, const char *rel);
#define BBW_UI_DIRECTIVES
#endif
