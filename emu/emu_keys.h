/* emu_keys.h: the plan keys of platform emu and the settings they fill,
 * which the emulated host is built from (platform_emu.c). */
#ifndef HORDE_EMU_KEYS_H
#define HORDE_EMU_KEYS_H

#include <stdint.h>

#include "../harness/plan.h"
#include "emu.h"

/* dom0's event channel ABI. */
enum emu_evtchn_abi {
	EMU_EVTCHN_FIFO,   /* 131,072 ports a domain */
	EMU_EVTCHN_2LEVEL, /* 4,096 for a 64-bit dom0 */
};

/* The emulated host's XenStore daemon. */
enum emu_xenstored {
	EMU_XSD_HORDE,      /* horde-xenstored: guests on sockets */
	EMU_XSD_CXENSTORED, /* Xen's own, on emu/xenlibs: guests on rings */
	EMU_XSD_OXENSTORED,
};

/* When the console daemon opens a guest's PTY. */
enum emu_console { EMU_CONSOLE_EAGER, EMU_CONSOLE_LAZY, EMU_CONSOLE_SHARED };

struct emu_settings {
	char latency[256];             /* emu_latency: default, zero, a file */
	long long host_memory_mib;     /* the emulated host's, for guests */
	uint64_t boot_delay_ns;        /* unpause to network up (median) */
	enum emu_delay_dist boot_delay_dist;
	uint64_t boot_delay_spread_ns; /* uniform's half-width */
	double boot_delay_sigma;       /* lognormal's sigma of ln(delay) */
	enum emu_evtchn_abi evtchn_abi;
	long long dom0_own_ports;      /* dom0's ports before any guest */
	long long max_grant_frames;    /* frames of each guest's table */
	long long max_maptrack_frames; /* frames of dom0's maptrack */
	long long bridges;             /* the vifs are spread over */
	enum emu_console console;
	long long pty_max;             /* the console daemon's devpts max */
	long long console_fd_limit;    /* its RLIMIT_NOFILE; 0: the hard one */
	enum emu_xenstored xenstored;
	char xenstored_bin[256];       /* Xen's daemon; "": Debian's place */
	char xenstored_trace[256];     /* cxenstored's -T file; "": none */
};

extern const struct plan_keys emu_keys;

/* A copy of a job's emu settings (the job must be on platform emu),
 * taken with memcpy: they are bytes of the job, not an object of this
 * type. */
struct emu_settings emu_settings_of(const struct plan_job *job);

#endif
