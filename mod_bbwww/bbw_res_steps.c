/* steps, logs, log contents and raw logs. (stub: being written) */
#include "bbw_rest.h"

static const bbw_field stub_fields[] = { { NULL, 0, 0 } };
const bbw_etype bbw_t_step = { "step", "steps", stub_fields };
const bbw_etype bbw_t_log = { "log", "logs", stub_fields };
const bbw_etype bbw_t_logchunk = { "logchunk", "logchunks", stub_fields };
json_t *bbw_ep_steps(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_step(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_logs(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_log(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_logchunk(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
int bbw_raw_log(bbw_call *c) { bbw_fail(c, 501, "not implemented yet"); return OK; }
apr_int64_t bbw_resolve_step(bbw_call *c) { return 0; }
