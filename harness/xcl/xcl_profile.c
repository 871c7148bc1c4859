/* xcl_profile.c: entry tables, one per profile.
 *
 * lean: what a Mini-OS or Linux netfront guest with one vif and a console
 * needs, and nothing else: 17 values. The four directories they live in are
 * made with their permissions first (guests own their frontend and console
 * directories; dom0 owns the backend). The store and console rings are
 * handed over by INTRODUCE and the console entries, not by more nodes. */
#include "xcl_profile.h"

#include <string.h>

static const struct xcl_entry lean[] = {
	{ XCL_BASE_DOM, "name", XCL_V_NAME },
	{ XCL_BASE_DOM, "domid", XCL_V_DOMID },
	{ XCL_BASE_DOM, "memory/target", XCL_V_MEMORY_KIB },
	{ XCL_BASE_CONSOLE, "ring-ref", XCL_V_CONSOLE_MFN },
	{ XCL_BASE_CONSOLE, "port", XCL_V_CONSOLE_PORT },
	{ XCL_BASE_FE, "backend", XCL_V_BE_PATH },
	{ XCL_BASE_FE, "backend-id", XCL_V_ZERO },
	{ XCL_BASE_FE, "state", XCL_V_ONE },
	{ XCL_BASE_FE, "handle", XCL_V_ZERO },
	{ XCL_BASE_FE, "mac", XCL_V_MAC },
	{ XCL_BASE_BE, "frontend", XCL_V_FE_PATH },
	{ XCL_BASE_BE, "frontend-id", XCL_V_DOMID },
	{ XCL_BASE_BE, "state", XCL_V_ONE },
	{ XCL_BASE_BE, "online", XCL_V_ONE },
	{ XCL_BASE_BE, "handle", XCL_V_ZERO },
	{ XCL_BASE_BE, "mac", XCL_V_MAC },
	{ XCL_BASE_BE, "bridge", XCL_V_BRIDGE },
};

static const struct {
	const char *name;
	const struct xcl_entry *table;
	size_t n;
} profiles[XCL_PROFILE_COUNT] = {
	[XCL_PROFILE_LEAN] = { "lean", lean, sizeof(lean) / sizeof(lean[0]) },
};

const struct xcl_entry *xcl_profile_table(enum xcl_profile p, size_t *n)
{
	*n = profiles[p].n;
	return profiles[p].table;
}

const char *xcl_profile_name(enum xcl_profile p)
{
	return p < XCL_PROFILE_COUNT ? profiles[p].name : "?";
}

int xcl_profile_parse(const char *name, enum xcl_profile *out)
{
	for (int p = 0; p < XCL_PROFILE_COUNT; p++) {
		if (strcmp(profiles[p].name, name) == 0) {
			*out = (enum xcl_profile)p;
			return HD_OK;
		}
	}
	return HD_EINVAL;
}

unsigned xcl_profile_entries(enum xcl_profile p)
{
	return (unsigned)profiles[p].n;
}
