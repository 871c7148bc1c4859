/* xcl.h: libxcl, horde's lean toolstack library.
 *
 * libxcl creates PV guests with the fewest XenStore writes that Mini-OS
 * style guests need, never looks guests up by name, and charges every call
 * it makes to one of four phases. Hypercalls go through xcl_hv_ops; XenStore
 * traffic always goes through the real libxenstore client. The library
 * never prints and never exits: errors come back as an hd_code plus a
 * message in struct hd_err. */
#ifndef HORDE_XCL_H
#define HORDE_XCL_H

#include <stdint.h>

#include "../lib/util.h"
#include "xcl_hv.h"

struct xs_handle;

enum xcl_phase {
	XCL_PHASE_TOOLSTACK,  /* libxcl's own work: the rest of the time */
	XCL_PHASE_XENSTORE,   /* inside libxenstore calls */
	XCL_PHASE_HYPERVISOR, /* inside xcl_hv_ops calls */
	XCL_PHASE_DOM0,       /* waiting for dom0's backends */
	XCL_PHASE_COUNT
};

const char *xcl_phase_name(enum xcl_phase p);

enum xcl_profile {
	XCL_PROFILE_LEAN, /* 17 entries, see xcl_profile.c */
	XCL_PROFILE_XL,   /* xl 4.17's 61 entries and its scan of names */
	XCL_PROFILE_COUNT
};

const char *xcl_profile_name(enum xcl_profile p);
/* Number of entries a profile writes per guest with one vif. */
unsigned xcl_profile_entries(enum xcl_profile p);

struct xcl_guest_config {
	const char *name;       /* stored in XenStore; never used to look up */
	uint64_t memory_kib;
	const char *kernel;
	const char *ramdisk;    /* may be NULL */
	const char *cmdline;
	uint8_t mac[6];         /* of the single vif */
	const char *bridge;     /* where dom0 attaches the vif */
	enum xcl_profile profile;
};

/* Per-call timing, CLOCK_MONOTONIC ns. Phases sum exactly to total_ns:
 * the toolstack phase is what the other three leave, which includes the
 * backoff pauses between retried XenStore commits.
 *
 * phase_calls counts round trips (libxenstore calls, hypercall wrappers)
 * and, for dom0, waits. Where a hypervisor model stood in for Xen,
 * phase_modelled_ns is the nominal time the model charged in the phase and
 * phase_slept_ns how long the thread really slept for it; what was measured
 * is phase_ns - phase_slept_ns. */
struct xcl_timing {
	uint64_t start_ns;
	uint64_t total_ns;
	uint64_t phase_ns[XCL_PHASE_COUNT];
	uint64_t phase_modelled_ns[XCL_PHASE_COUNT];
	uint64_t phase_slept_ns[XCL_PHASE_COUNT];
	uint64_t phase_first_ns[XCL_PHASE_COUNT]; /* first entry, absolute; 0
						     if never entered */
	uint32_t phase_calls[XCL_PHASE_COUNT];
	uint32_t commit_retries; /* XenStore commits that conflicted */
	/* The hypervisor phase operation by operation: time (model's sleeps
	 * included), what the model charged, and calls. */
	uint64_t op_ns[XCL_HV_OP_COUNT];
	uint64_t op_modelled_ns[XCL_HV_OP_COUNT];
	uint32_t op_calls[XCL_HV_OP_COUNT];
	uint64_t unpaused_ns; /* absolute time the unpause returned */
};

struct xcl_ctx;

/* Opens a context over two open XenStore handles (the caller keeps both)
 * and a hypervisor: xs for requests, watch_xs for the watches creation
 * waits on. Once a handle has a watch, libxenstore passes every reply on it
 * through its reader thread, a thread wake-up per request; a handle that
 * never watches answers on the caller's thread. watch_xs may be xs (as the
 * bench does to show that cost); it may be NULL for a context that only
 * destroys. backend_timeout_ns bounds the wait for dom0's backends. */
int xcl_ctx_new(struct xs_handle *xs, struct xs_handle *watch_xs,
		const struct xcl_hv_ops *hv, void *hv_arg,
		uint64_t backend_timeout_ns, struct xcl_ctx **out,
		struct hd_err *err);
void xcl_ctx_free(struct xcl_ctx *ctx);

/* Creates, connects and unpauses one guest. On failure nothing of it is
 * left behind (domain destroyed, entries removed) and err says which step
 * failed; *domid is still set if a domain had been made, so that failures
 * dom0 reports of it later can be placed. timing is filled in both
 * cases. */
int xcl_create(struct xcl_ctx *ctx, const struct xcl_guest_config *cfg,
	       uint32_t *domid, struct xcl_timing *timing, struct hd_err *err);

/* Destroys the guest and removes every entry it wrote. */
int xcl_destroy(struct xcl_ctx *ctx, uint32_t domid, struct xcl_timing *timing,
		struct hd_err *err);

/* What a guest's name and a bridge's may hold besides letters and digits:
 * what hotplug scripts, xl's config files and interface names all take. */
#define XCL_NAME_CHARS "-_."
#define XCL_BRIDGE_CHARS "-_"

/* Path helpers shared with the emulated dom0 and the tests. */
#define XCL_BACKEND_VIF_ROOT "/local/domain/0/backend/vif"

#endif
