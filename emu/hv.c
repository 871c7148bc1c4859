/* hv.c: the emulated hypervisor: a domain table, memory accounted against
 * the host's size, dom0's event channels and grant mappings, and a latency
 * per operation. This is one of the two modelled parts of emu (the other is
 * the guest boot delay).
 *
 * The accounting that makes hosts break where real ones do:
 * - Event channels: every interdomain channel takes a port in dom0 (port 0
 *   is never used), after the ports dom0 holds itself before any guest
 *   (VIRQs and IPIs for each vCPU, its console, XenStore and devices: 24
 *   on the lane's dom0 of 2 vCPUs, counted with lsevtchn; dom0_own_ports).
 *   A guest with one vif has three: xenstore and console, charged when the
 *   toolstack allocates them (the daemons bind them), and the vif's,
 *   charged when dom0's netback plugs it. With the 2-level ABI a 64-bit
 *   dom0 has 4,096 ports (xen/common/event_2l.c): (4,095 - 24) / 3 = 1,357
 *   guests; guest 1,358 finds none. FIFO has 131,072, more than Xen has
 *   domain ids for. Each port dom0 binds also takes a Linux IRQ, which ran
 *   out in the seed's dom0; a 6.1 dom0 grows its IRQ space on demand
 *   (kernel/irq/irqdesc.c, irq_expand_nr_irqs: nr_irqs 440 at boot in the
 *   lane, 2,700 bound at 900 guests), so it is no limit here.
 * - Grants (xen/common/grant_table.c, Xen 4.17): a guest's grants live in
 *   its own table (max_grant_frames of 512 v1 entries), not in one table of
 *   the host; the 2 the toolstack seeds (xenstore and console pages) sit in
 *   its first frame, so the table never refuses them. What is shared is
 *   dom0's maptrack: every grant dom0 maps takes an entry of 16 bytes
 *   (struct grant_mapping), 256 a frame, max_maptrack_frames frames
 *   (gnttab_max_maptrack_frames, 1,024 by default). A guest with one vif
 *   holds 6: xenstored and xenconsoled map its store and console pages
 *   through gntdev, which in a PV dom0 maps each page twice, for the
 *   kernel and for the process (Linux drivers/xen/gntdev.c, map_ops and
 *   kmap_ops), charged when the grants are seeded; and netback maps the
 *   vif's TX and RX rings once each, charged when the vif is bound. The
 *   lane's real Xen at 1 frame (tests/xen/twins.sh) served 42 guests
 *   whole, left guest 43 without its rings and refused guest 44's
 *   introduction: 256 / 6. 1,024 frames hold 43,690 guests, past the
 *   domain ids.
 * - Memory: each guest's memory against host_memory. */
#define _GNU_SOURCE
#include "emu.h"
#include "../lib/domid.h"
#include "xenlibs/xe_state.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_DOMID 1
#define MAPS_PER_FRAME 256 /* 4 KiB / sizeof(struct grant_mapping) */
#define DAEMON_MAPS 4      /* xenstored's and xenconsoled's, twice each */
#define NETBACK_MAPS 2     /* a vif's TX and RX rings */

struct domain {
	bool used;
	bool running;
	bool granted;         /* its 2 grants are seeded */
	uint32_t dom0_maps;   /* dom0 maptrack entries its pages hold */
	uint64_t memory_kib;
	uint32_t evtchns;     /* its own ports */
	uint32_t dom0_ports;  /* dom0 ports its channels hold */
	char *cmdline;
};

/* Called from the creating thread and from dom0's backend thread. */
struct emu_hv {
	pthread_mutex_t lock;
	/* Xen's domctl lock: one domctl hypercall at a time host-wide
	 * (xen/common/domctl.c, do_domctl takes it around each one). The
	 * model holds it while it sleeps for an operation that is one domctl
	 * (create, unpause; destroy, a domctl with continuations), so those
	 * queue. The build is not: its cost is memory_op population and page
	 * tables written through foreign mappings, outside the lock, around a
	 * few short domctls. On the lane at concurrency 4, create's median
	 * stayed 2.4 ms while builds took 23 ms: no creation queued behind a
	 * build. */
	pthread_mutex_t domctl_lock;
	struct emu_latency lat;
	uint64_t seed;
	uint64_t number; /* this process's models, from 1 */
	_Atomic uint32_t draws; /* each thread's generator starts apart */
	struct emu_limits limits;
	uint64_t used_kib;
	uint32_t dom0_ports_used; /* port 0 excluded; dom0's own included */
	uint64_t dom0_maps_used;
	uint32_t ndomains;
	uint32_t last_domid;
	struct domain *doms; /* indexed by domid */
	emu_unpause_fn on_unpause;
	emu_destroy_fn on_destroy;
	void *arg;
	/* With Xen's own XenStore daemon: the Xen they see (xe_state.h), kept
	 * as the domain table changes. NULL with horde-xenstored. */
	struct xe *xe;
};

/* The modelled time of the calling thread: the model sleeps in the thread
 * that made the call, so libxcl can tell, call by call, what was modelled
 * (xcl_hv_ops.modelled). */
static _Thread_local struct xcl_modelled thread_modelled;
static _Thread_local uint64_t thread_rng;
/* The model the generator was seeded for (numbered, as a new model may
 * reuse a freed one's address): a thread that outlives one job's model
 * (horde's main thread) starts afresh with the next one's seed. */
static _Thread_local uint64_t thread_rng_model;
static _Atomic uint64_t models_made;

/* Sleeps for what op costs on the host as it is now, holding the domctl
 * lock for the operations that are one domctl. */
static void model(struct emu_hv *hv, enum xcl_hv_op op)
{
	const struct emu_op_cost *c = &hv->lat.op[op];
	if (!c->median_ns && !c->growth_ns)
		return; /* emu_latency=zero: no lock taken on the hot path */
	if (thread_rng_model != hv->number) {
		thread_rng = hv->seed ^ ((uint64_t)++hv->draws << 32);
		thread_rng_model = hv->number;
	}
	pthread_mutex_lock(&hv->lock);
	uint32_t domains = hv->ndomains;
	pthread_mutex_unlock(&hv->lock);
	uint64_t ns = emu_latency_draw(&hv->lat, op, domains, &thread_rng);
	if (!ns)
		return;
	bool domctl = op == XCL_HV_CREATE || op == XCL_HV_UNPAUSE ||
		      op == XCL_HV_DESTROY;
	if (domctl)
		pthread_mutex_lock(&hv->domctl_lock);
	uint64_t since = hd_now_ns();
	hd_sleep_until_ns(since + ns);
	if (domctl)
		pthread_mutex_unlock(&hv->domctl_lock);
	thread_modelled.nominal_ns += ns;
	thread_modelled.slept_ns += hd_now_ns() - since;
}

static void modelled(void *arg, struct xcl_modelled *out)
{
	(void)arg;
	*out = thread_modelled;
}

int emu_hv_new(const struct emu_limits *limits, const struct emu_latency *lat,
	       uint64_t seed, emu_unpause_fn on_unpause, emu_destroy_fn on_destroy, void *arg,
	       struct emu_hv **out, struct hd_err *err)
{
	struct emu_hv *hv = calloc(1, sizeof(*hv));
	if (!hv || !(hv->doms = calloc(HD_DOMID_LAST + 1, sizeof(*hv->doms)))) {
		free(hv);
		return hd_fail(err, HD_ESYS, "emu hypervisor: out of memory");
	}
	pthread_mutex_init(&hv->lock, NULL);
	pthread_mutex_init(&hv->domctl_lock, NULL);
	hv->dom0_ports_used = limits->dom0_own_ports;
	hv->lat = *lat;
	hv->seed = seed;
	hv->number = ++models_made;
	hv->limits = *limits;
	hv->on_unpause = on_unpause;
	hv->on_destroy = on_destroy;
	hv->arg = arg;
	*out = hv;
	return HD_OK;
}

void emu_hv_free(struct emu_hv *hv)
{
	if (!hv)
		return;
	for (uint32_t d = 0; d <= HD_DOMID_LAST; d++)
		free(hv->doms[d].cmdline);
	free(hv->doms);
	pthread_mutex_destroy(&hv->lock);
	pthread_mutex_destroy(&hv->domctl_lock);
	free(hv);
}

void emu_hv_use_xen_state(struct emu_hv *hv, struct xe *xe)
{
	hv->xe = xe;
}

uint32_t emu_hv_domains(struct emu_hv *hv)
{
	pthread_mutex_lock(&hv->lock);
	uint32_t n = hv->ndomains;
	pthread_mutex_unlock(&hv->lock);
	return n;
}

void emu_hv_usage(struct emu_hv *hv, struct emu_hv_usage *out)
{
	pthread_mutex_lock(&hv->lock);
	out->domains = hv->ndomains;
	out->dom0_ports = hv->dom0_ports_used;
	out->dom0_maps = hv->dom0_maps_used;
	out->memory_kib = hv->used_kib;
	pthread_mutex_unlock(&hv->lock);
}

static struct domain *get(struct emu_hv *hv, uint32_t domid)
{
	if (domid < FIRST_DOMID || domid > HD_DOMID_LAST || !hv->doms[domid].used)
		return NULL;
	return &hv->doms[domid];
}

/* Like Xen, hands out the next free domid after the last one given. */
static int domain_create(void *arg, const struct xcl_domain_config *cfg,
			 uint32_t *domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	int rc = HD_OK;

	model(hv, XCL_HV_CREATE);
	pthread_mutex_lock(&hv->lock);
	if (hv->used_kib + cfg->memory_kib > hv->limits.host_memory_kib) {
		rc = hd_fail(err, HD_ELIMIT,
			     "memory: host out of memory (%llu of %llu MiB used)",
			     (unsigned long long)(hv->used_kib >> 10),
			     (unsigned long long)(hv->limits.host_memory_kib >> 10));
		goto out;
	}
	if (hv->ndomains >= HD_DOMID_LAST) {
		rc = hd_fail(err, HD_ELIMIT, "domid: all %u domain ids in use",
			     HD_DOMID_LAST);
		goto out;
	}
	uint32_t d = hv->last_domid;
	do {
		d = d >= HD_DOMID_LAST ? FIRST_DOMID : d + 1;
	} while (hv->doms[d].used);
	hv->doms[d] = (struct domain){ .used = true,
				       .memory_kib = cfg->memory_kib };
	hv->used_kib += cfg->memory_kib;
	hv->ndomains++;
	hv->last_domid = d;
	*domid = d;
	if (hv->xe) {
		/* Known before the toolstack names it in permissions, which
		 * cxenstored checks against the hypervisor. */
		memset(xe_ring(hv->xe, d), 0, XE_PAGE);
		xe_dom_set(hv->xe, d, XE_DOM_RUNNING);
	}
out:
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

/* Takes a dom0 port for an interdomain channel of dom. Called locked. */
static int take_dom0_port(struct emu_hv *hv, struct domain *dom,
			  struct hd_err *err)
{
	if (hv->dom0_ports_used + 1 >= hv->limits.dom0_evtchn_ports)
		return hd_fail(err, HD_ELIMIT,
			       "evtchn: dom0 out of event channels (%u)",
			       hv->limits.dom0_evtchn_ports);
	hv->dom0_ports_used++;
	dom->dom0_ports++;
	return HD_OK;
}

/* n more entries in dom0's maptrack for dom's pages. Called locked. */
static int take_dom0_maps(struct emu_hv *hv, struct domain *dom, uint32_t n,
			  struct hd_err *err)
{
	uint64_t maps = (uint64_t)hv->limits.maptrack_frames * MAPS_PER_FRAME;
	if (hv->dom0_maps_used + n > maps)
		return hd_fail(err, HD_ELIMIT, "grant: dom0 maptrack full (%u "
			       "frames, %llu maps)", hv->limits.maptrack_frames,
			       (unsigned long long)maps);
	hv->dom0_maps_used += n;
	dom->dom0_maps += n;
	return HD_OK;
}

/* A channel whose other end is dom0 takes a port on both sides. */
static int evtchn_alloc(void *arg, uint32_t domid, uint32_t remote,
			uint32_t *port, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	int rc = HD_OK;

	model(hv, XCL_HV_EVTCHN);
	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (!dom)
		rc = hd_fail(err, HD_ENOENT, "evtchn: no domain %u", domid);
	else if (remote != 0 || !(rc = take_dom0_port(hv, dom, err))) {
		int p = hv->xe ? xe_bind_unbound(hv->xe, domid, remote, 0)
			       : (int)++dom->evtchns;
		if (p < 0)
			rc = hd_fail_errno(err, HD_ELIMIT, "evtchn: domain %u "
					   "out of ports", domid);
		else
			*port = (uint32_t)p;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

/* No modelled time here: dom0's bind happens inside the dom0 phase, which
 * on emu is measured work only. */
int emu_hv_bind_vif(struct emu_hv *hv, uint32_t domid, struct hd_err *err)
{
	int rc;

	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (!dom)
		rc = hd_fail(err, HD_ENOENT, "evtchn: no domain %u", domid);
	else if (!(rc = take_dom0_maps(hv, dom, NETBACK_MAPS, err)) &&
		 !(rc = take_dom0_port(hv, dom, err)))
		dom->evtchns++;
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

static int build(void *arg, uint32_t domid, const struct xcl_domain_config *cfg,
		 uint32_t store_port, uint32_t console_port,
		 struct xcl_build_result *out, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	int rc = HD_OK;

	(void)console_port;
	model(hv, XCL_HV_BUILD);
	if (hv->xe)
		xe_dom_set_store_port(hv->xe, domid, store_port);
	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (!dom)
		rc = hd_fail(err, HD_ENOENT, "build: no domain %u", domid);
	else {
		free(dom->cmdline);
		if (!(dom->cmdline = strdup(cfg->cmdline ? cfg->cmdline : "")))
			rc = hd_fail(err, HD_ESYS, "build: out of memory");
	}
	pthread_mutex_unlock(&hv->lock);
	if (rc)
		return rc;
	/* Frames as a real builder would report them: the last two pages of
	 * the guest's memory, made unique per domain. */
	uint64_t base = (uint64_t)domid << 20;
	out->store_mfn = base + (cfg->memory_kib >> 2) - 2;
	out->console_mfn = base + (cfg->memory_kib >> 2) - 1;
	return HD_OK;
}

static int gnttab_seed(void *arg, uint32_t domid,
		       const struct xcl_build_result *pages, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	int rc;

	(void)pages;
	model(hv, XCL_HV_GNTTAB);
	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (!dom)
		rc = hd_fail(err, HD_ENOENT, "grant: no domain %u", domid);
	else if (dom->granted)
		rc = HD_OK;
	else if (!(rc = take_dom0_maps(hv, dom, DAEMON_MAPS, err)))
		dom->granted = true;
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

static int unpause(void *arg, uint32_t domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	char *cmdline = NULL;

	model(hv, XCL_HV_UNPAUSE);
	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (dom) {
		dom->running = true;
		cmdline = strdup(dom->cmdline ? dom->cmdline : "");
	}
	pthread_mutex_unlock(&hv->lock);
	if (!dom)
		return hd_fail(err, HD_ENOENT, "unpause: no domain %u", domid);
	if (!cmdline)
		return hd_fail(err, HD_ESYS, "unpause: out of memory");
	if (hv->on_unpause)
		hv->on_unpause(hv->arg, domid, cmdline);
	free(cmdline);
	return HD_OK;
}

static int destroy(void *arg, uint32_t domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;

	model(hv, XCL_HV_DESTROY);
	pthread_mutex_lock(&hv->lock);
	struct domain *dom = get(hv, domid);
	if (dom) {
		hv->used_kib -= dom->memory_kib;
		hv->dom0_ports_used -= dom->dom0_ports;
		hv->dom0_maps_used -= dom->dom0_maps;
		free(dom->cmdline);
		memset(dom, 0, sizeof(*dom));
		hv->ndomains--;
	}
	pthread_mutex_unlock(&hv->lock);
	if (!dom)
		return hd_fail(err, HD_ENOENT, "destroy: no domain %u", domid);
	if (hv->xe) {
		/* Gone, its channels closed: the store daemon hears of it by
		 * VIRQ_DOM_EXC and finds it gone, as on Xen. */
		xe_dom_ports_free(hv->xe, domid);
		xe_dom_set(hv->xe, domid, XE_DOM_NONE);
		xe_raise_virq(hv->xe, XE_VIRQ_DOM_EXC);
	}
	if (hv->on_destroy)
		hv->on_destroy(hv->arg, domid);
	return HD_OK;
}

const struct xcl_hv_ops emu_hv_ops = {
	.name = "emu",
	.modelled = modelled,
	.domain_create = domain_create,
	.evtchn_alloc = evtchn_alloc,
	.build = build,
	.gnttab_seed = gnttab_seed,
	.unpause = unpause,
	.destroy = destroy,
};
