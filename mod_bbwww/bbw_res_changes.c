/* changes, sourcestamps, buildsets and build requests. (stub: being written) */
#include "bbw_rest.h"

static const bbw_field stub_fields[] = { { NULL, 0, 0 } };
const bbw_etype bbw_t_change = { "change", "changes", stub_fields };
const bbw_etype bbw_t_sourcestamp = { "sourcestamp", "sourcestamps", stub_fields };
const bbw_etype bbw_t_buildset = { "buildset", "buildsets", stub_fields };
const bbw_etype bbw_t_buildrequest = { "buildrequest", "buildrequests", stub_fields };
json_t *bbw_ep_changes(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_change(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_sourcestamps(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_sourcestamp(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_buildsets(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_buildset(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_buildrequests(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_buildrequest(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_sourcestamp_entity(bbw_call *c, apr_int64_t id) { return json_null(); }
