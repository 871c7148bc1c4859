/* xcl_hv.c: the names of the hypervisor operations (xcl_hv.h), as the
 * results store and latency profiles spell them. */
#include "xcl_hv.h"

static const char *const op_names[XCL_HV_OP_COUNT] = {
	[XCL_HV_CREATE] = "create",   [XCL_HV_EVTCHN] = "evtchn",
	[XCL_HV_BUILD] = "build",     [XCL_HV_GNTTAB] = "gnttab",
	[XCL_HV_UNPAUSE] = "unpause", [XCL_HV_DESTROY] = "destroy",
};

const char *xcl_hv_op_name(enum xcl_hv_op op)
{
	return op < XCL_HV_OP_COUNT ? op_names[op] : "?";
}
