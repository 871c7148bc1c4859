/* xcl_profile.c: entry tables, one per profile.
 *
 * lean: what a Mini-OS or Linux netfront guest with one vif and a console
 * needs, and what Linux netback needs to serve it, and nothing else: 17
 * values. No "online": without it netback lets the device go when the
 * frontend closes, which is what destroying a guest wants anyway. The four directories they live in are
 * made with their permissions first (guests own their frontend and console
 * directories; dom0 owns the backend). The store and console rings are
 * handed over by INTRODUCE and the console entries, not by more nodes. */
#include "xcl_profile.h"

#include <string.h>

static const struct xcl_entry lean[] = {
	{ XCL_BASE_DOM, "name", XCL_V_NAME, NULL },
	{ XCL_BASE_DOM, "domid", XCL_V_DOMID, NULL },
	{ XCL_BASE_DOM, "memory/target", XCL_V_MEMORY_KIB, NULL },
	{ XCL_BASE_CONSOLE, "ring-ref", XCL_V_CONSOLE_MFN, NULL },
	{ XCL_BASE_CONSOLE, "port", XCL_V_CONSOLE_PORT, NULL },
	{ XCL_BASE_FE, "backend", XCL_V_BE_PATH, NULL },
	{ XCL_BASE_FE, "backend-id", XCL_V_ZERO, NULL },
	{ XCL_BASE_FE, "state", XCL_V_ONE, NULL },
	{ XCL_BASE_FE, "handle", XCL_V_ZERO, NULL },
	{ XCL_BASE_FE, "mac", XCL_V_MAC, NULL },
	{ XCL_BASE_BE, "frontend", XCL_V_FE_PATH, NULL },
	{ XCL_BASE_BE, "frontend-id", XCL_V_DOMID, NULL },
	{ XCL_BASE_BE, "state", XCL_V_ONE, NULL },
	{ XCL_BASE_BE, "handle", XCL_V_ZERO, NULL },
	{ XCL_BASE_BE, "mac", XCL_V_MAC, NULL },
	/* Linux netback refuses a vif without it, though horde's dom0 side
	 * attaches the vif itself and runs no script. */
	{ XCL_BASE_BE, "script", XCL_V_LITERAL, "/etc/xen/scripts/vif-bridge" },
	{ XCL_BASE_BE, "bridge", XCL_V_BRIDGE, NULL },
};

/* xl: what xl 4.17 (libxl__domain_make, libxl__build_post, and the vif
 * and console device code) writes for the same PV guest with one vif and
 * a console: 61 values. libxcl's xl profile writes these and, like xl,
 * reads every guest's name before each creation (xcl.c, scan_names). */
#define LIT(base, key, text) { base, key, XCL_V_LITERAL, text }
static const struct xcl_entry xl[] = {
	{ XCL_BASE_DOM, "vm", XCL_V_VM_PATH, NULL },
	{ XCL_BASE_DOM, "name", XCL_V_NAME, NULL },
	{ XCL_BASE_DOM, "domid", XCL_V_DOMID, NULL },
	{ XCL_BASE_DOM, "memory/static-max", XCL_V_MEMORY_KIB, NULL },
	{ XCL_BASE_DOM, "memory/target", XCL_V_MEMORY_KIB, NULL },
	LIT(XCL_BASE_DOM, "memory/videoram", "-1"),
	LIT(XCL_BASE_DOM, "cpu/0/availability", "online"),
	{ XCL_BASE_DOM, "store/port", XCL_V_STORE_PORT, NULL },
	{ XCL_BASE_DOM, "store/ring-ref", XCL_V_STORE_MFN, NULL },
	LIT(XCL_BASE_DOM, "control/shutdown", ""),
	LIT(XCL_BASE_DOM, "control/feature-poweroff", "1"),
	LIT(XCL_BASE_DOM, "control/feature-reboot", "1"),
	LIT(XCL_BASE_DOM, "control/feature-suspend", ""),
	LIT(XCL_BASE_DOM, "control/sysrq", ""),
	LIT(XCL_BASE_DOM, "control/platform-feature-multiprocessor-suspend", "1"),
	LIT(XCL_BASE_DOM, "control/platform-feature-xs_reset_watches", "1"),
	LIT(XCL_BASE_DOM, "data", ""),
	LIT(XCL_BASE_DOM, "drivers", ""),
	LIT(XCL_BASE_DOM, "feature", ""),
	LIT(XCL_BASE_DOM, "attr", ""),
	LIT(XCL_BASE_DOM, "device/suspend/event-channel", ""),
	{ XCL_BASE_CONSOLE, "backend", XCL_V_CONSOLE_BE_PATH, NULL },
	{ XCL_BASE_CONSOLE, "backend-id", XCL_V_ZERO, NULL },
	LIT(XCL_BASE_CONSOLE, "limit", "1048576"),
	LIT(XCL_BASE_CONSOLE, "type", "xenconsoled"),
	LIT(XCL_BASE_CONSOLE, "output", "pty"),
	LIT(XCL_BASE_CONSOLE, "tty", ""),
	{ XCL_BASE_CONSOLE, "port", XCL_V_CONSOLE_PORT, NULL },
	{ XCL_BASE_CONSOLE, "ring-ref", XCL_V_CONSOLE_MFN, NULL },
	{ XCL_BASE_VM, "uuid", XCL_V_UUID, NULL },
	{ XCL_BASE_VM, "name", XCL_V_NAME, NULL },
	LIT(XCL_BASE_VM, "start_time", "0.00"),
	LIT(XCL_BASE_VM, "image/ostype", "linux"),
	{ XCL_BASE_VM, "image/kernel", XCL_V_KERNEL, NULL },
	{ XCL_BASE_VM, "image/cmdline", XCL_V_CMDLINE, NULL },
	LIT(XCL_BASE_LIBXL, "type", "pv"),
	LIT(XCL_BASE_LIBXL, "dm-version", "qemu_xen"),
	{ XCL_BASE_LIBXL_VIF, "frontend", XCL_V_FE_PATH, NULL },
	{ XCL_BASE_LIBXL_VIF, "backend", XCL_V_BE_PATH, NULL },
	{ XCL_BASE_LIBXL_VIF, "frontend-id", XCL_V_DOMID, NULL },
	{ XCL_BASE_LIBXL_VIF, "backend-id", XCL_V_ZERO, NULL },
	{ XCL_BASE_FE, "backend", XCL_V_BE_PATH, NULL },
	{ XCL_BASE_FE, "backend-id", XCL_V_ZERO, NULL },
	{ XCL_BASE_FE, "state", XCL_V_ONE, NULL },
	{ XCL_BASE_FE, "handle", XCL_V_ZERO, NULL },
	{ XCL_BASE_FE, "mac", XCL_V_MAC, NULL },
	LIT(XCL_BASE_FE, "mtu", "1500"),
	{ XCL_BASE_BE, "frontend", XCL_V_FE_PATH, NULL },
	{ XCL_BASE_BE, "frontend-id", XCL_V_DOMID, NULL },
	{ XCL_BASE_BE, "online", XCL_V_ONE, NULL },
	{ XCL_BASE_BE, "state", XCL_V_ONE, NULL },
	LIT(XCL_BASE_BE, "script", "/etc/xen/scripts/vif-bridge"),
	{ XCL_BASE_BE, "mac", XCL_V_MAC, NULL },
	{ XCL_BASE_BE, "bridge", XCL_V_BRIDGE, NULL },
	{ XCL_BASE_BE, "handle", XCL_V_ZERO, NULL },
	LIT(XCL_BASE_BE, "type", "vif"),
	{ XCL_BASE_CONSOLE_BE, "frontend", XCL_V_CONSOLE_FE_PATH, NULL },
	{ XCL_BASE_CONSOLE_BE, "frontend-id", XCL_V_DOMID, NULL },
	{ XCL_BASE_CONSOLE_BE, "online", XCL_V_ONE, NULL },
	{ XCL_BASE_CONSOLE_BE, "state", XCL_V_ONE, NULL },
	LIT(XCL_BASE_CONSOLE_BE, "protocol", "x86_64-abi"),
};
#undef LIT

static const struct {
	const char *name;
	const struct xcl_entry *table;
	size_t n;
} profiles[XCL_PROFILE_COUNT] = {
	[XCL_PROFILE_LEAN] = { "lean", lean, sizeof(lean) / sizeof(lean[0]) },
	[XCL_PROFILE_XL] = { "xl", xl, sizeof(xl) / sizeof(xl[0]) },
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

unsigned xcl_profile_entries(enum xcl_profile p)
{
	return (unsigned)profiles[p].n;
}
