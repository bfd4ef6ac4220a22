/* builds, build properties, build data and test results. (stub: being written) */
#include "bbw_rest.h"

static const bbw_field stub_fields[] = { { NULL, 0, 0 } };
const bbw_etype bbw_t_build = { "build", "builds", stub_fields };
const bbw_etype bbw_t_properties = { "properties", "propertiess", stub_fields };
const bbw_etype bbw_t_property = { "property", "propertys", stub_fields };
const bbw_etype bbw_t_build_data = { "build_data", "build_datas", stub_fields };
const bbw_etype bbw_t_test_result_set = { "test_result_set", "test_result_sets", stub_fields };
const bbw_etype bbw_t_test_result = { "test_result", "test_results", stub_fields };
json_t *bbw_ep_builds(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_build(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_build_properties(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_buildset_properties(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_properties_list(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_build_datas(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_build_data(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_test_result_sets(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_test_result_set(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
json_t *bbw_ep_test_results(bbw_call *c) { return bbw_fail(c, 501, "not implemented yet"); }
int bbw_raw_build_data(bbw_call *c) { bbw_fail(c, 501, "not implemented yet"); return OK; }
apr_int64_t bbw_resolve_build(bbw_call *c) { return 0; }
