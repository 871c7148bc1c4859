/* xcl_profile.h: the XenStore entries each libxcl profile writes, as data.
 * Internal to libxcl (and its tests). */
#ifndef HORDE_XCL_PROFILE_H
#define HORDE_XCL_PROFILE_H

#include <stddef.h>

#include "xcl.h"

/* The directory an entry lives in. Each has fixed permissions, set when the
 * directory is made (see xcl.c, make_dirs). */
enum xcl_base {
	XCL_BASE_DOM,     /* /local/domain/D */
	XCL_BASE_CONSOLE, /* /local/domain/D/console */
	XCL_BASE_FE,      /* /local/domain/D/device/vif/0 */
	XCL_BASE_BE,      /* /local/domain/0/backend/vif/D/0 */
	XCL_BASE_VM,      /* /vm/UUID (xl only) */
	XCL_BASE_LIBXL,   /* /libxl/D (xl only) */
	XCL_BASE_LIBXL_VIF, /* /libxl/D/device/vif/0 (xl only) */
	XCL_BASE_CONSOLE_BE, /* /local/domain/0/backend/console/D/0 (xl only) */
	XCL_BASE_COUNT
};

enum xcl_value {
	XCL_V_NAME, XCL_V_DOMID, XCL_V_MEMORY_KIB, XCL_V_CONSOLE_MFN,
	XCL_V_CONSOLE_PORT, XCL_V_BE_PATH, XCL_V_FE_PATH, XCL_V_ZERO,
	XCL_V_ONE, XCL_V_MAC, XCL_V_BRIDGE, XCL_V_VM_PATH, XCL_V_UUID,
	XCL_V_STORE_MFN, XCL_V_STORE_PORT, XCL_V_CONSOLE_FE_PATH,
	XCL_V_CONSOLE_BE_PATH, XCL_V_KERNEL, XCL_V_CMDLINE,
	XCL_V_LITERAL, /* the entry's literal */
};

struct xcl_entry {
	enum xcl_base base;
	const char *key;
	enum xcl_value value;
	const char *literal;
};

const struct xcl_entry *xcl_profile_table(enum xcl_profile p, size_t *n);

/* Writes the entry's absolute path and its value for this guest. */
void xcl_entry_render(const struct xcl_entry *e,
		      const struct xcl_guest_config *cfg, uint32_t domid,
		      const struct xcl_build_result *br, uint32_t store_port,
		      uint32_t console_port, char *path, size_t path_len,
		      char *value, size_t value_len);

#endif
