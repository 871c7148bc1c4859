/* xcl_hv.h: the one narrow interface through which libxcl talks to a
 * hypervisor. Two implementations: the emulated hypervisor (emu/hv.c) and,
 * on a real Xen host, libxenctrl plus libxenguest.
 *
 * Every function returns HD_OK or an hd_code and fills err with what failed
 * (for example "evtchn: dom0 out of event channels (4096)"). */
#ifndef HORDE_XCL_HV_H
#define HORDE_XCL_HV_H

#include <stdint.h>

#include "../lib/util.h"

struct xcl_domain_config {
	uint64_t memory_kib;
	uint32_t vcpus;
	uint32_t max_evtchn_port;
	uint32_t max_grant_frames;
	uint32_t max_maptrack_frames;
	const char *kernel;  /* PV kernel image (ELF or gzip'd ELF) */
	const char *ramdisk; /* may be NULL */
	const char *cmdline; /* may be NULL */
};

/* What the domain builder hands back: the frames and ports of the shared
 * pages that XenStore and the console daemon need. */
struct xcl_build_result {
	uint64_t store_mfn;
	uint64_t console_mfn;
};

/* Time a model spent in place of a hypervisor, for the calling thread
 * since it started: what the model's latency profile says the operations
 * cost (nominal) and how long the thread really slept for them. */
struct xcl_modelled {
	uint64_t nominal_ns;
	uint64_t slept_ns;
};

/* The hypervisor operations libxcl times one by one, so that a real run
 * can be read (and emu's model fitted: horde calibrate) operation by
 * operation. */
enum xcl_hv_op {
	XCL_HV_CREATE,  /* domain_create */
	XCL_HV_EVTCHN,  /* evtchn_alloc: a guest's two, together */
	XCL_HV_BUILD,   /* build: memory and the kernel image */
	XCL_HV_GNTTAB,  /* gnttab_seed */
	XCL_HV_UNPAUSE, /* unpause */
	XCL_HV_DESTROY, /* destroy */
	XCL_HV_OP_COUNT
};

const char *xcl_hv_op_name(enum xcl_hv_op op);

struct xcl_hv_ops {
	const char *name;
	/* The calling thread's running totals of modelled time; NULL for a
	 * real hypervisor, where nothing is modelled. */
	void (*modelled)(void *hv, struct xcl_modelled *out);
	/* Creates a paused domain with its vcpus and memory limit. */
	int (*domain_create)(void *hv, const struct xcl_domain_config *cfg,
			     uint32_t *domid, struct hd_err *err);
	/* Allocates an unbound event channel in domid for remote_domid. */
	int (*evtchn_alloc)(void *hv, uint32_t domid, uint32_t remote_domid,
			    uint32_t *port, struct hd_err *err);
	/* Populates memory and loads the kernel. */
	int (*build)(void *hv, uint32_t domid, const struct xcl_domain_config *cfg,
		     uint32_t store_port, uint32_t console_port,
		     struct xcl_build_result *out, struct hd_err *err);
	/* Seeds the grant table with the store and console pages for dom0's
	 * daemons (the frames build reported). */
	int (*gnttab_seed)(void *hv, uint32_t domid,
			   const struct xcl_build_result *pages,
			   struct hd_err *err);
	int (*unpause)(void *hv, uint32_t domid, struct hd_err *err);
	/* Destroys the domain and frees everything it held; no-op for an
	 * unknown domid is an error (HD_ENOENT). */
	int (*destroy)(void *hv, uint32_t domid, struct hd_err *err);
};

#endif
