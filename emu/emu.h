/* emu.h: the parts of the emulated host, as the emu platform assembles
 * them. Only the hypervisor (hv.c) and the guests' boot delay are models;
 * the XenStore daemon, dom0's backends and the guests' network are real. */
#ifndef HORDE_EMU_H
#define HORDE_EMU_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../lib/util.h"
#include "../xcl/xcl_hv.h"

/* ---- the hypervisor's latency model (latency.c) ---- */

/* What one hypervisor operation costs on a host of D domains:
 * (median_ns + growth_ns x D / 1000) x exp(sigma x z), z ~ N(0, 1). */
struct emu_op_cost {
	uint64_t median_ns; /* on an empty host */
	int64_t growth_ns;  /* per 1,000 domains on the host */
	double sigma;       /* lognormal spread; 0: always the median */
};

/* A latency profile: emu sleeps an operation's cost inside the call, so
 * wall time and phase times include it (and the results store it as
 * modelled). source says where the numbers come from. */
struct emu_latency {
	char name[64];
	char source[512];
	uint32_t memory_mib; /* guests' memory the build was timed at; 0 */
	struct emu_op_cost op[XCL_HV_OP_COUNT];
};

/* which: "default" (the shipped profile, measured in the real-Xen lane),
 * "zero" (no modelled cost), or a profile file's path. */
int emu_latency_load(const char *which, struct emu_latency *out,
		     struct hd_err *err);
/* Parses a profile's text; origin names it in errors. */
int emu_latency_parse(const char *text, size_t len, const char *origin,
		      struct emu_latency *out, struct hd_err *err);
void emu_latency_write(FILE *f, const struct emu_latency *lat);
uint64_t emu_latency_draw(const struct emu_latency *lat, enum xcl_hv_op op,
			  uint32_t domains, uint64_t *rng);

/* ---- hypervisor model (hv.c) ---- */

/* Called on unpause with the domain's kernel command line. */
typedef void (*emu_unpause_fn)(void *arg, uint32_t domid, const char *cmdline);
/* Called when a domain is destroyed. */
typedef void (*emu_destroy_fn)(void *arg, uint32_t domid);

/* The host's hard limits, from the plan (see hv.c for the accounting). */
struct emu_limits {
	uint64_t host_memory_kib;
	uint32_t dom0_evtchn_ports; /* 4,096 (2-level ABI) or 131,072 (FIFO) */
	uint32_t dom0_own_ports;    /* held by dom0 before any guest */
	uint32_t grant_frames;      /* each guest's max_grant_frames */
	uint32_t maptrack_frames;   /* dom0's max_maptrack_frames */
};

struct emu_hv;
struct xe; /* the Xen that Xen's own daemons see (xenlibs/xe_state.h) */

/* lat is copied; seed starts the latency draws. */
int emu_hv_new(const struct emu_limits *limits, const struct emu_latency *lat,
	       uint64_t seed, emu_unpause_fn on_unpause, emu_destroy_fn on_destroy, void *arg,
	       struct emu_hv **out, struct hd_err *err);
void emu_hv_free(struct emu_hv *hv);
/* With Xen's own XenStore daemon: keeps the Xen it sees (xe_state.h) as
 * domains come and go. Before any domain. */
void emu_hv_use_xen_state(struct emu_hv *hv, struct xe *xe);
uint32_t emu_hv_domains(struct emu_hv *hv);
struct emu_hv_usage {
	uint32_t domains, dom0_ports;
	uint64_t dom0_maps, memory_kib;
};
void emu_hv_usage(struct emu_hv *hv, struct emu_hv_usage *out);
/* dom0's netback plugging a vif: one more dom0 port, and maps of the
 * vif's two rings in dom0's maptrack. */
int emu_hv_bind_vif(struct emu_hv *hv, uint32_t domid, struct hd_err *err);

extern const struct xcl_hv_ops emu_hv_ops;

/* ---- the modelled boot delay (boot_delay.c) ---- */

enum emu_delay_dist { EMU_DELAY_FIXED, EMU_DELAY_UNIFORM, EMU_DELAY_LOGNORMAL };

struct emu_delay {
	enum emu_delay_dist dist;
	uint64_t median_ns, spread_ns;
	double sigma;
	uint64_t state;
};

/* dist is fixed, uniform (median +- spread) or lognormal (median, sigma of
 * ln(delay)); returns -1 for a spread past the median. */
int emu_delay_init(struct emu_delay *d, enum emu_delay_dist dist,
		   uint64_t median_ns, uint64_t spread_ns, double sigma,
		   uint64_t seed);
uint64_t emu_delay_draw(struct emu_delay *d);

/* ---- guests (guests.c): boot after a delay, bring the network up ---- */

struct emu_guests;

/* Told of a guest that failed after its creation returned; may be called
 * from any of emu's threads. */
typedef void (*emu_fault_fn)(void *arg, uint32_t domid, const char *cause);

struct emu_guests_config {
	struct emu_delay delay; /* drawn in the order guests are unpaused */
	emu_fault_fn on_fault;
	void *fault_arg;
	/* The prober, which each guest knows as its static ARP neighbour, as
	 * a unikernel configured with its gateway would. It also keeps the
	 * guests' replies independent of the host's shared neighbour table,
	 * which no real guest would share. */
	uint32_t prober_addr_be;
	uint8_t prober_mac[6];
	/* The Xen the store daemon sees: guests make their requests through
	 * their rings in it. */
	struct xe *xe;
};

int emu_guests_start(const struct emu_guests_config *cfg,
		     struct emu_guests **out, struct hd_err *err);
/* Schedules the boot of domid (from the hypervisor's unpause hook). */
void emu_guests_unpaused(void *guests, uint32_t domid, const char *cmdline);
/* Cancels a boot not yet done (from the destroy hook). */
void emu_guests_destroyed(void *guests, uint32_t domid);
void emu_guests_stop(struct emu_guests *g);

/* ---- the run folder (rundir.c): what a horde records of what it made ---- */

/* Makes the run folder (TMPDIR/horde-XXXXXX) into dir and its record: this
 * horde, and the network namespace netns it is about to make. */
int emu_rundir_make(char *dir, size_t len, const char *netns,
		    struct hd_err *err);
/* Records a daemon the run started. */
int emu_rundir_add_daemon(const char *dir, const char *name, pid_t pid,
			  struct hd_err *err);
/* Its folders for Xen's own XenStore daemons: the Xen they see
 * (xenlibs/xe_state.h), and the daemon's socket and files. */
#define EMU_XEN_STATE_DIR "xen"
#define EMU_XSD_RUN_DIR "xsd"
/* Removes the folder and the files emu puts there. */
void emu_rundir_remove(const char *dir);
/* `horde clean` on emu: what dead hordes recorded (their daemons, their
 * namespaces under netns_dir, their folders), saying on log what it did
 * and what it left alone. */
int emu_rundir_clean(const char *netns_dir, FILE *log, struct hd_err *err);

/* ---- the console daemon (consoled.c, a process of its own) ---- */

/* A write here is answered by horde-consoled with "sync VALUE" once it has
 * handled every console entry written before. */
#define EMU_CONSOLE_SYNC_PATH "/tool/horde/console-sync"

/* ---- dom0 backends (dom0.c): vifs as veth pairs on a bridge ---- */

struct emu_dom0;

/* Serves vifs on any of bridges (which must exist), binding each vif's
 * event channel in hv; failures the store gave it go to on_fault. */
int emu_dom0_start(struct emu_hv *hv, char (*bridges)[16], uint32_t nbridges,
		   emu_fault_fn on_fault, void *fault_arg, struct emu_dom0 **out,
		   struct hd_err *err);
void emu_dom0_stop(struct emu_dom0 *d);

/* ---- dom0's kernel in the store (netback.c) ---- */

struct emu_netback;

/* Starts dom0's kernel's side of every vif in the store, on dom0's store
 * ring in xe. A failure of its connection is a fault of domain 0. */
int emu_netback_start(struct xe *xe, emu_fault_fn on_fault, void *fault_arg,
		      struct emu_netback **out, struct hd_err *err);
void emu_netback_stop(struct emu_netback *k);

/* Names of a vif's two ends: horde<domid>.<devid> on the bridge (dom0's
 * side, like Xen's vifD.N) and hordeg<domid>.<devid> (the guest's eth0). */
void emu_vif_names(uint32_t domid, uint32_t devid, char host[16],
		   char guest[16]);

#endif
