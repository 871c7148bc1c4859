/* emu.h: the parts of the emulated host, as the emu platform assembles
 * them. Only the hypervisor (hv.c) and the guests' boot delay are models;
 * the XenStore daemon, dom0's backends and the guests' network are real. */
#ifndef HORDE_EMU_H
#define HORDE_EMU_H

#include <stdint.h>

#include "../harness/util.h"
#include "../harness/xcl/xcl_hv.h"

/* ---- hypervisor model (hv.c) ---- */

/* Modelled cost of each hypervisor operation. The emulated hypervisor
 * sleeps this long inside each call, so wall time and phase times include
 * it. source says where the numbers come from. */
struct emu_latency {
	const char *name;
	const char *source;
	uint64_t domain_create_ns;
	uint64_t evtchn_ns;
	uint64_t build_ns;
	uint64_t populate_per_mib_ns;
	uint64_t unpause_ns;
	uint64_t destroy_ns;
};

const struct emu_latency *emu_latency_find(const char *name);

/* Called on unpause with the domain's kernel command line. */
typedef void (*emu_unpause_fn)(void *arg, uint32_t domid, const char *cmdline);
/* Called when a domain is destroyed. */
typedef void (*emu_destroy_fn)(void *arg, uint32_t domid);

struct emu_hv;

int emu_hv_new(uint64_t host_memory_kib, const struct emu_latency *lat,
	       emu_unpause_fn on_unpause, emu_destroy_fn on_destroy, void *arg,
	       struct emu_hv **out, struct hd_err *err);
void emu_hv_free(struct emu_hv *hv);
uint32_t emu_hv_domains(const struct emu_hv *hv);

extern const struct xcl_hv_ops emu_hv_ops;

/* ---- guests (guests.c): boot after a delay, bring the network up ---- */

struct emu_guests;

int emu_guests_start(uint64_t boot_delay_ns, struct emu_guests **out,
		     struct hd_err *err);
/* Schedules the boot of domid (from the hypervisor's unpause hook). */
void emu_guests_unpaused(void *guests, uint32_t domid, const char *cmdline);
/* Cancels a boot not yet done (from the destroy hook). */
void emu_guests_destroyed(void *guests, uint32_t domid);
/* Boots that failed so far, and the last reason. */
uint32_t emu_guests_failures(struct emu_guests *g, char *last, size_t len);
void emu_guests_stop(struct emu_guests *g);

/* ---- dom0 backends (dom0.c): vifs as veth pairs on a bridge ---- */

struct emu_dom0;

int emu_dom0_start(const char *bridge, struct emu_dom0 **out,
		   struct hd_err *err);
void emu_dom0_stop(struct emu_dom0 *d);

/* Names of a vif's two ends: horde<domid>.<devid> on the bridge (dom0's
 * side, like Xen's vifD.N) and hordeg<domid>.<devid> (the guest's eth0). */
void emu_vif_names(uint32_t domid, uint32_t devid, char host[16],
		   char guest[16]);

#endif
