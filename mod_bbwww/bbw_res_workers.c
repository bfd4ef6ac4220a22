/* workers, schedulers, change sources, force schedulers, root and spec. (stub: being written) */
#include "bbw_rest.h"

static const bbw_field stub_fields[] = { { NULL, 0, 0 } };
const bbw_etype bbw_t_worker = { "worker", "workers", stub_fields };
const bbw_etype bbw_t_scheduler = { "scheduler", "schedulers", stub_fields };
const bbw_etype bbw_t_changesource = { "changesource", "changesources", stub_fields };
const bbw_etype bbw_t_forcescheduler = { "forcescheduler", "forceschedulers", stub_fields };
const bbw_etype bbw_t_rootlink = { "rootlink", "rootlinks", stub_fields };
const bbw_etype bbw_t_spec = { "spec", "specs", stub_fields };
json_t *bbw_ep_workers(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_worker(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_schedulers(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_scheduler(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_changesources(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_changesource(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_forceschedulers(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_forcescheduler(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_root(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_spec(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
