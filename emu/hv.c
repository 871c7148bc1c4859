/* hv.c: the emulated hypervisor: a domain table, memory accounted against
 * the host's size, event channels, and a latency per operation. This is one
 * of the two modelled parts of emu (the other is the guest boot delay). */
#define _GNU_SOURCE
#include "emu.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_DOMID 1
#define LAST_DOMID 32751 /* DOMID_FIRST_RESERVED - 1 */

static const struct emu_latency latencies[] = {
	{ "default",
	  "horde's illustrative defaults: the order of magnitude of Xen 4.x "
	  "hypercalls for a tiny PV guest, not a measurement",
	  300000, 5000, 500000, 20000, 20000, 300000 },
	{ "zero", "no modelled cost: measures horde, XenStore and dom0 alone",
	  0, 0, 0, 0, 0, 0 },
};

const struct emu_latency *emu_latency_find(const char *name)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(latencies); i++)
		if (strcmp(latencies[i].name, name) == 0)
			return &latencies[i];
	return NULL;
}

struct domain {
	bool used;
	bool running;
	uint64_t memory_kib;
	uint32_t evtchns;
	char *cmdline;
};

struct emu_hv {
	const struct emu_latency *lat;
	uint64_t host_kib, used_kib;
	uint32_t ndomains;
	uint32_t last_domid;
	struct domain *doms; /* indexed by domid */
	emu_unpause_fn on_unpause;
	emu_destroy_fn on_destroy;
	void *arg;
};

static void model(uint64_t ns)
{
	if (ns)
		hd_sleep_until_ns(hd_now_ns() + ns);
}

int emu_hv_new(uint64_t host_memory_kib, const struct emu_latency *lat,
	       emu_unpause_fn on_unpause, emu_destroy_fn on_destroy, void *arg,
	       struct emu_hv **out, struct hd_err *err)
{
	struct emu_hv *hv = calloc(1, sizeof(*hv));
	if (!hv || !(hv->doms = calloc(LAST_DOMID + 1, sizeof(*hv->doms)))) {
		free(hv);
		return hd_fail(err, HD_ESYS, "emu hypervisor: out of memory");
	}
	hv->lat = lat;
	hv->host_kib = host_memory_kib;
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
	for (uint32_t d = 0; d <= LAST_DOMID; d++)
		free(hv->doms[d].cmdline);
	free(hv->doms);
	free(hv);
}

uint32_t emu_hv_domains(const struct emu_hv *hv)
{
	return hv->ndomains;
}

static struct domain *get(struct emu_hv *hv, uint32_t domid)
{
	if (domid < FIRST_DOMID || domid > LAST_DOMID || !hv->doms[domid].used)
		return NULL;
	return &hv->doms[domid];
}

/* Like Xen, hands out the next free domid after the last one given. */
static int domain_create(void *arg, const struct xcl_domain_config *cfg,
			 uint32_t *domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;

	model(hv->lat->domain_create_ns);
	if (hv->used_kib + cfg->memory_kib > hv->host_kib)
		return hd_fail(err, HD_ELIMIT,
			       "memory: host out of memory (%llu of %llu MiB used)",
			       (unsigned long long)(hv->used_kib >> 10),
			       (unsigned long long)(hv->host_kib >> 10));
	if (hv->ndomains >= LAST_DOMID)
		return hd_fail(err, HD_ELIMIT, "domid: all %d domain ids in use",
			       LAST_DOMID);
	uint32_t d = hv->last_domid;
	do {
		d = d >= LAST_DOMID ? FIRST_DOMID : d + 1;
	} while (hv->doms[d].used);
	hv->doms[d] = (struct domain){ .used = true,
				       .memory_kib = cfg->memory_kib };
	hv->used_kib += cfg->memory_kib;
	hv->ndomains++;
	hv->last_domid = d;
	*domid = d;
	return HD_OK;
}

static int evtchn_alloc(void *arg, uint32_t domid, uint32_t remote,
			uint32_t *port, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	struct domain *dom = get(hv, domid);

	(void)remote;
	model(hv->lat->evtchn_ns);
	if (!dom)
		return hd_fail(err, HD_ENOENT, "evtchn: no domain %u", domid);
	*port = ++dom->evtchns;
	return HD_OK;
}

static int build(void *arg, uint32_t domid, const struct xcl_domain_config *cfg,
		 uint32_t store_port, uint32_t console_port,
		 struct xcl_build_result *out, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	struct domain *dom = get(hv, domid);

	(void)store_port;
	(void)console_port;
	model(hv->lat->build_ns +
	      hv->lat->populate_per_mib_ns * (cfg->memory_kib >> 10));
	if (!dom)
		return hd_fail(err, HD_ENOENT, "build: no domain %u", domid);
	free(dom->cmdline);
	dom->cmdline = strdup(cfg->cmdline ? cfg->cmdline : "");
	if (!dom->cmdline)
		return hd_fail(err, HD_ESYS, "build: out of memory");
	/* Frames as a real builder would report them: the last two pages of
	 * the guest's memory, made unique per domain. */
	uint64_t base = (uint64_t)domid << 20;
	out->store_mfn = base + (cfg->memory_kib >> 2) - 2;
	out->console_mfn = base + (cfg->memory_kib >> 2) - 1;
	return HD_OK;
}

static int unpause(void *arg, uint32_t domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	struct domain *dom = get(hv, domid);

	model(hv->lat->unpause_ns);
	if (!dom)
		return hd_fail(err, HD_ENOENT, "unpause: no domain %u", domid);
	dom->running = true;
	if (hv->on_unpause)
		hv->on_unpause(hv->arg, domid, dom->cmdline ? dom->cmdline : "");
	return HD_OK;
}

static int destroy(void *arg, uint32_t domid, struct hd_err *err)
{
	struct emu_hv *hv = arg;
	struct domain *dom = get(hv, domid);

	model(hv->lat->destroy_ns);
	if (!dom)
		return hd_fail(err, HD_ENOENT, "destroy: no domain %u", domid);
	if (hv->on_destroy)
		hv->on_destroy(hv->arg, domid);
	hv->used_kib -= dom->memory_kib;
	free(dom->cmdline);
	memset(dom, 0, sizeof(*dom));
	hv->ndomains--;
	return HD_OK;
}

const struct xcl_hv_ops emu_hv_ops = {
	.name = "emu",
	.domain_create = domain_create,
	.evtchn_alloc = evtchn_alloc,
	.build = build,
	.unpause = unpause,
	.destroy = destroy,
};
