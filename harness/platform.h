/* platform.h: where guests are created. A platform is a small table of
 * function pointers, so the same runner drives the emulated host, real Xen
 * through libxcl, or real xl. */
#ifndef HORDE_PLATFORM_H
#define HORDE_PLATFORM_H

#include <stdint.h>

#include "../probes/sampler.h"
#include "plan.h"
#include "../lib/util.h"
#include "../xcl/xcl.h"

/* What the runner asks for; the addresses come from the runner so that
 * they are known before the domain id is. */
struct guest_spec {
	uint32_t seq;      /* 1-based order of creation in the run */
	char name[64];
	uint8_t mac[6];
	uint32_t addr_be;  /* IPv4, network byte order */
	uint32_t iface;    /* which of the platform's probe_ifaces it joins */
	uint32_t worker;   /* the runner's thread making it: 0..workers-1 */
};

/* Creations and destructions may run in several of the runner's threads
 * at once (plan key concurrency); each passes its own worker number. */
#define PLATFORM_MAX_WORKERS 64

#define PLATFORM_MAX_IFACES 64

struct platform_info {
	/* The bridges guests join, where the ARP prober listens and sends;
	 * guest seq joins probe_ifaces[(seq - 1) % nifaces]. */
	char probe_ifaces[PLATFORM_MAX_IFACES][16];
	uint32_t nifaces;
	uint32_t probe_addr_be;  /* the prober's own address */
	char version[192];       /* hypervisor or emu profile version */
	char modelled[1024];     /* what in the figures is modelled, or "" */
};

struct platform_fault {
	uint32_t domid;
	char cause[256];
};

struct platform;

struct platform_ops {
	const char *name;
	const char *help; /* one line, for the plan key platform= */
	/* The plan keys of this platform alone, and the settings struct they
	 * fill in plan_job.settings (at most PLAN_SETTINGS_MAX bytes); NULL
	 * for a platform with none. Platforms may share one table. */
	const struct plan_keys *keys;
	/* Checks, without changing anything on the host, that open() can
	 * work here (root, a hypervisor, files the job names), so that a plan
	 * that cannot run fails before anything is written. */
	int (*check)(const struct plan_job *job, struct hd_err *err);
	/* Sets up the host for job. Must be called before any other thread
	 * of the process starts (the emu platform moves the calling thread
	 * into a network namespace of its own). */
	int (*open)(const struct plan_job *job, struct platform **out,
		    struct hd_err *err);
	int (*create)(struct platform *p, const struct guest_spec *g,
		      uint32_t *domid, struct xcl_timing *t, struct hd_err *err);
	int (*destroy)(struct platform *p, uint32_t worker, uint32_t domid,
		       struct xcl_timing *t, struct hd_err *err);
	void (*info)(struct platform *p, struct platform_info *out);
	/* Failures found after create() returned (a console daemon that could
	 * not open a guest's PTY, a guest that could not boot, dom0 unable to
	 * write a vif's state): moves up to max into out and sets *n. With
	 * settle, first waits until dom0 has handled every guest created so
	 * far. Fails (and the run stops) when failures could not be kept, or
	 * dom0 could not be brought to settle. May be NULL. */
	int (*faults)(struct platform *p, struct platform_fault *out,
		      size_t max, int settle, size_t *n, struct hd_err *err);
	/* dom0's processes worth sampling (the XenStore daemon, the console
	 * daemon, horde's own backends), at most max; returns how many. */
	size_t (*daemons)(struct platform *p, struct sampler_proc *out,
			  size_t max);
	/* The platform's own metrics (the store's statistics, the
	 * hypervisor's free memory and domains), on the sampler's thread.
	 * May be NULL. */
	void (*sample)(struct platform *p, sampler_emit_fn emit, void *ctx);
	/* Tears down everything open made, also after failures. Called once
	 * every other thread of the run has stopped (the workers, the
	 * sampler), so that it may undo what open did to the process. */
	void (*close)(struct platform *p);
	/* `horde clean`: removes what hordes that are gone left on this host
	 * (emu: namespaces, run folders, daemons; Xen: domains named
	 * PLATFORM_GUEST_PREFIX* whose horde is gone), saying what on log.
	 * Nothing to do where the platform is not (no hypervisor) is
	 * success. May be NULL when another platform's clean covers it. */
	int (*clean)(FILE *log, struct hd_err *err);
};

/* Every guest horde makes is named with this prefix ("horde-r3-17"), so
 * that leftovers are found without guessing. */
#define PLATFORM_GUEST_PREFIX "horde-"

/* The platform called name, or NULL. */
const struct platform_ops *platform_find(const char *name);
/* Every built-in platform; *n says how many. */
const struct platform_ops *const *platform_all(size_t *n);

/* The address and MAC of guest seq, the same on every platform:
 * 198.18.0.1 + seq (198.18.0.1 itself is the prober) and 00:16:3e + seq. */
uint32_t platform_guest_addr(uint32_t seq);
void platform_guest_mac(uint32_t seq, uint8_t mac[6]);
/* The address the ARP prober sends from: 198.18.0.1, nobody's guest. */
uint32_t platform_prober_addr(void);
/* The guest's kernel command line: its console and "ip=A.B.C.D", which
 * horde's guests (emulated, or the lane's busybox guest) put on eth0. */
void platform_guest_cmdline(const struct guest_spec *g, char *buf, size_t len);

/* The built-in platforms, each defined in its own folder: emu/ (the
 * emulated host), xen/ (real Xen through libxcl, and through xl). The
 * harness knows them only through this table and platform_find. */
extern const struct platform_ops platform_emu;
extern const struct platform_ops platform_xen;
extern const struct platform_ops platform_xl;

#endif
