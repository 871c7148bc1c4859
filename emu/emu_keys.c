/* emu_keys.c: the plan keys of platform emu (emu_keys.h). Each limit names
 * the Xen or Linux figure it stands for; each modelled value, where it
 * comes from. */
#include "emu_keys.h"

#include <string.h>

#include "../harness/platform.h"

static const struct plan_key_value dist_values[] = {
	{ "fixed", EMU_DELAY_FIXED, "every guest takes boot_delay" },
	{ "uniform", EMU_DELAY_UNIFORM,
	  "uniform in boot_delay +- boot_delay_spread" },
	{ "lognormal", EMU_DELAY_LOGNORMAL,
	  "median boot_delay, sigma boot_delay_sigma of ln(delay)" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value abi_values[] = {
	{ "fifo", EMU_EVTCHN_FIFO, "FIFO ABI: 131,072 ports per domain "
				   "(Linux's choice since 3.14 when Xen "
				   "offers it)" },
	{ "2level", EMU_EVTCHN_2LEVEL, "2-level ABI: 4,096 ports for a 64-bit "
				       "dom0 (the seed work's limit near 1,300 "
				       "guests)" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value console_values[] = {
	{ "eager", EMU_CONSOLE_EAGER, "a PTY (3 fds) per guest console at "
				      "creation, as xenconsoled does" },
	{ "lazy", EMU_CONSOLE_LAZY, "the seed's fix: 1 fd per console, the "
				    "PTY only when a user attaches" },
	{ "shared", EMU_CONSOLE_SHARED, "lazy, and one event-channel handle for "
					"every console where xenconsoled opens "
					"one each (its own comment calls that "
					"wasteful): no fd per console" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value xenstored_values[] = {
	{ "horde", EMU_XSD_HORDE, "horde-xenstored, horde's own: guests on "
				  "sockets, stays flat as guests grow" },
	{ "cxenstored", EMU_XSD_CXENSTORED, "Xen 4.17's C daemon, unmodified, "
					    "on emu's Xen libraries: guests on "
					    "rings" },
	{ "oxenstored", EMU_XSD_OXENSTORED, "Xen 4.17's OCaml daemon, the same "
					    "way" },
	{ NULL, 0, NULL },
};

#define EMU(member) PLAN_FIELD(struct emu_settings, member)

static const struct plan_key keys[] = {
	{ "emu_latency", KEY_TEXT, EMU(latency), "default", 0, 0, NULL,
	  &plan_text_path,
	  "modelled cost of each hypervisor operation: default (the profile "
	  "measured in the real-Xen lane, emu/profiles/xen-4.17-qemu.profile), "
	  "zero (none: horde, XenStore and dom0 alone), or a profile file "
	  "written by horde calibrate" },
	{ "host_memory", KEY_INT, EMU(host_memory_mib), "262144", 64, 1ll << 32,
	  NULL, NULL, "memory of the emulated host available to guests, MiB" },
	{ "boot_delay", KEY_DURATION, EMU(boot_delay_ns), "100ms", 0,
	  600 * HD_NS_PER_S, NULL, NULL,
	  "modelled time from unpause until the guest's network is up (the "
	  "median)" },
	{ "boot_delay_dist", KEY_ENUM, EMU(boot_delay_dist), "fixed", 0, 0,
	  dist_values, NULL, "distribution of the boot delay" },
	{ "boot_delay_spread", KEY_DURATION, EMU(boot_delay_spread_ns), "0", 0,
	  600 * HD_NS_PER_S, NULL, NULL,
	  "half-width of the uniform boot delay (at most boot_delay)" },
	{ "boot_delay_sigma", KEY_FLOAT, EMU(boot_delay_sigma), "0.5", 0, 3,
	  NULL, NULL, "sigma of ln(boot delay) for lognormal" },
	{ "evtchn_abi", KEY_ENUM, EMU(evtchn_abi), "fifo", 0, 0, abi_values,
	  NULL, "dom0's event channel ABI (3 dom0 ports per guest with one "
		"vif)" },
	{ "dom0_own_ports", KEY_INT, EMU(dom0_own_ports), "24", 0, 4000, NULL,
	  NULL, "event channel ports dom0 holds before any guest (VIRQs, "
		"IPIs, its own devices): 24 on the real-Xen lane's dom0 of 2 "
		"vCPUs, counted with lsevtchn" },
	{ "max_grant_frames", KEY_INT, EMU(max_grant_frames), "64", 1, 4096,
	  NULL, NULL, "each guest's own grant table frames of 512 grants (64 "
		      "in Xen 4.17); its 2 seeded grants fit in one, so this "
		      "limits nothing host-wide, unlike the seed's shared "
		      "table" },
	{ "max_maptrack_frames", KEY_INT, EMU(max_maptrack_frames), "1024", 1,
	  65536, NULL, NULL,
	  "dom0's maptrack frames of 256 maps (1024 in Xen 4.17); 6 maps per "
	  "guest: its store and console pages, twice each (gntdev in a PV "
	  "dom0), and its vif's two rings" },
	{ "bridges", KEY_INT, EMU(bridges), "1", 1, PLATFORM_MAX_IFACES, NULL,
	  NULL, "bridges horde-br0.. the vifs are spread over, round robin (a "
		"Linux bridge takes 1,023 ports)" },
	{ "console", KEY_ENUM, EMU(console), "eager", 0, 0, console_values,
	  NULL, "when the console daemon opens a guest's PTY" },
	{ "pty_max", KEY_INT, EMU(pty_max), "4096", 1, 1048576, NULL, NULL,
	  "PTYs in the console daemon's own devpts (the kernel's "
	  "kernel.pty.max also applies)" },
	{ "console_fd_limit", KEY_INT, EMU(console_fd_limit), "0", 0, 1048576,
	  NULL, NULL, "the console daemon's open file limit; 0: the hard limit "
		      "horde runs under (1024 is what a daemon gets by "
		      "default)" },
	{ "xenstored", KEY_ENUM, EMU(xenstored), "horde", 0, 0, xenstored_values,
	  NULL, "the emulated host's XenStore daemon" },
	{ "xenstored_bin", KEY_TEXT, EMU(xenstored_bin), "", 0, 0, NULL,
	  &plan_text_path,
	  "Xen's daemon for xenstored=cxenstored or oxenstored (from "
	  "xen-utils-4.17; empty: where Debian puts it, "
	  "/usr/lib/xen-4.17/bin/xenstored or oxenstored)" },
	{ "xenstored_trace", KEY_TEXT, EMU(xenstored_trace), "", 0, 0, NULL,
	  &plan_text_path,
	  "a file for cxenstored's own trace (-T: every message in and out, "
	  "by connection; analysis/xs_trace.awk counts it); empty: none" },
};

static int check_settings(const void *settings, struct hd_err *err)
{
	struct emu_settings s;
	memcpy(&s, settings, sizeof(s));
	if (s.boot_delay_dist == EMU_DELAY_UNIFORM &&
	    s.boot_delay_spread_ns > s.boot_delay_ns)
		return hd_fail(err, HD_EINVAL, "boot_delay_spread is larger than "
			       "boot_delay (delays cannot be negative)");
	if (s.xenstored_trace[0] && s.xenstored != EMU_XSD_CXENSTORED)
		return hd_fail(err, HD_EINVAL, "xenstored_trace is cxenstored's "
			       "(-T): set xenstored=cxenstored");
	return HD_OK;
}

_Static_assert(sizeof(struct emu_settings) <= PLAN_SETTINGS_MAX,
	       "emu's settings fit in a plan job");

const struct plan_keys emu_keys = {
	"platform emu", keys, HD_ARRAY_SIZE(keys), sizeof(struct emu_settings),
	check_settings,
};

struct emu_settings emu_settings_of(const struct plan_job *job)
{
	struct emu_settings s;
	memcpy(&s, job->settings, sizeof(s));
	return s;
}
