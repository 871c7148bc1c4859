/* xcl_hv_xen.c: libxcl's hypercall interface on a real Xen host, over
 * libxenctrl and libxenguest (Xen 4.17). The steps follow what libxl does
 * for a PV guest, minus everything a Mini-OS style guest does not need. */
#define _GNU_SOURCE
#include "xcl_xen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>

#include "../lib/domid.h"

/* horde's copy of Xen's domain id range must be Xen's own. */
_Static_assert(HD_DOMID_FIRST_RESERVED == DOMID_FIRST_RESERVED,
	       "lib/domid.h disagrees with Xen's public xen.h");

/* libxl's LIBXL_MAXMEM_CONSTANT: room above the target for the domain's
 * own bookkeeping pages. */
#define MAXMEM_SLACK_KIB 1024

struct xcl_xen {
	xc_interface *xch;
	xentoollog_logger *log;
};

int xcl_xen_open(struct xcl_xen **out, struct hd_err *err)
{
	struct xcl_xen *x = calloc(1, sizeof(*x));
	if (!x)
		return hd_fail(err, HD_ESYS, "xen: out of memory");
	/* A NULL logger would print to stderr; libxcl prints nothing and
	 * reports errors through hd_err with errno, unless HORDE_XEN_LOG is
	 * set, for debugging: then libxenctrl and libxenguest say what they
	 * do on stderr. */
	x->log = (xentoollog_logger *)xtl_createlogger_stdiostream(
		stderr, getenv("HORDE_XEN_LOG") ? XTL_DEBUG : XTL_NUM_LEVELS, 0);
	x->xch = xc_interface_open(x->log, x->log, 0);
	if (!x->xch) {
		if (x->log)
			xtl_logger_destroy(x->log);
		free(x);
		return hd_fail_errno(err, HD_ENOENT,
				     "no hypervisor found (cannot open "
				     "/dev/xen/privcmd or /proc/xen/privcmd: is "
				     "this dom0 of a Xen host?)");
	}
	*out = x;
	return HD_OK;
}

void xcl_xen_close(struct xcl_xen *x)
{
	if (!x)
		return;
	xc_interface_close(x->xch);
	if (x->log)
		xtl_logger_destroy(x->log);
	free(x);
}

int xcl_xen_version(struct xcl_xen *x, char *buf, size_t len)
{
	xen_extraversion_t extra = { 0 };
	int v = xc_version(x->xch, XENVER_version, NULL);

	if (v < 0 || xc_version(x->xch, XENVER_extraversion, &extra) < 0)
		return -1;
	extra[sizeof(extra) - 1] = '\0';
	snprintf(buf, len, "%d.%d%s", v >> 16, v & 0xffff, extra);
	return 0;
}

int xcl_xen_host_info(struct xcl_xen *x, uint64_t *free_kib, uint32_t *domains)
{
	xc_physinfo_t info = { 0 };
	xc_domaininfo_t doms[256];
	uint32_t first = 0, n = 0;
	int got;

	if (xc_physinfo(x->xch, &info) < 0)
		return -1;
	*free_kib = (uint64_t)info.free_pages * (XC_PAGE_SIZE / 1024);
	/* Domains come in pages of 256, from the first domid asked for. */
	while ((got = xc_domain_getinfolist(x->xch, first, 256, doms)) > 0) {
		n += (uint32_t)got;
		first = doms[got - 1].domain + 1;
		if (got < 256)
			break;
	}
	if (got < 0)
		return -1;
	*domains = n;
	return 0;
}

static int xc_fail(struct hd_err *err, const char *what, uint32_t domid)
{
	int code = errno == ENOMEM || errno == ENOSPC || errno == EBUSY ||
				   errno == EMFILE || errno == ENFILE
			   ? HD_ELIMIT
			   : HD_ESYS;
	return hd_fail_errno(err, code, "%s (domain %u)", what, domid);
}

static int domain_create(void *arg, const struct xcl_domain_config *cfg,
			 uint32_t *domid, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	struct xen_domctl_createdomain create = {
		.ssidref = 0,
		.flags = 0, /* PV */
		.max_vcpus = cfg->vcpus,
		.max_evtchn_port = cfg->max_evtchn_port,
		.max_grant_frames = (int32_t)cfg->max_grant_frames,
		.max_maptrack_frames = (int32_t)cfg->max_maptrack_frames,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	uint32_t d = 0; /* let Xen pick the id */

	if (xc_domain_create(x->xch, &d, &create) < 0)
		return xc_fail(err, "xc_domain_create", 0);
	uint64_t maxmem = cfg->memory_kib + MAXMEM_SLACK_KIB;
	/* In 4.17 the domain's vCPUs are made here, not by the create. */
	if (xc_domain_max_vcpus(x->xch, d, cfg->vcpus) < 0 ||
	    xc_domain_setmaxmem(x->xch, d, maxmem) < 0 ||
	    xc_domain_set_memmap_limit(x->xch, d, maxmem) < 0 ||
	    xc_domain_set_tsc_info(x->xch, d, 0 /* default */, 0, 0, 0) < 0 ||
	    xc_cpuid_apply_policy(x->xch, d, false, NULL, 0, true, false, false,
				  NULL, NULL) < 0) {
		int rc = xc_fail(err, "set limits, TSC and CPUID policy", d);
		xc_domain_destroy(x->xch, d);
		return rc;
	}
	*domid = d;
	return HD_OK;
}

static int evtchn_alloc(void *arg, uint32_t domid, uint32_t remote,
			uint32_t *port, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	int p = xc_evtchn_alloc_unbound(x->xch, domid, remote);
	if (p < 0)
		return xc_fail(err, "xc_evtchn_alloc_unbound", domid);
	*port = (uint32_t)p;
	return HD_OK;
}

static int build(void *arg, uint32_t domid, const struct xcl_domain_config *cfg,
		 uint32_t store_port, uint32_t console_port,
		 struct xcl_build_result *out, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	struct xc_dom_image *dom = xc_dom_allocate(x->xch, cfg->cmdline, NULL);
	const char *step = "xc_dom_allocate";

	if (!dom)
		return xc_fail(err, step, domid);
	dom->container_type = XC_DOM_PV_CONTAINER;
	dom->console_evtchn = console_port;
	dom->xenstore_evtchn = store_port;
	dom->console_domid = 0;
	dom->xenstore_domid = 0;
	dom->max_vcpus = cfg->vcpus;
	if ((step = "kernel", xc_dom_kernel_file(dom, cfg->kernel)) ||
	    (cfg->ramdisk && *cfg->ramdisk &&
	     (step = "ramdisk", xc_dom_module_file(dom, cfg->ramdisk, NULL))) ||
	    (step = "xc_dom_boot_xen_init", xc_dom_boot_xen_init(dom, x->xch, domid)) ||
	    (step = "xc_dom_parse_image", xc_dom_parse_image(dom)) ||
	    (step = "xc_dom_mem_init",
	     xc_dom_mem_init(dom, (unsigned)(cfg->memory_kib >> 10))) ||
	    (step = "xc_dom_boot_mem_init", xc_dom_boot_mem_init(dom)) ||
	    (step = "xc_dom_build_image", xc_dom_build_image(dom)) ||
	    (step = "xc_dom_boot_image", xc_dom_boot_image(dom))) {
		int rc = xc_fail(err, step, domid);
		xc_dom_release(dom);
		return rc;
	}
	out->store_mfn = xc_dom_p2m(dom, dom->xenstore_pfn);
	out->console_mfn = xc_dom_p2m(dom, dom->console_pfn);
	xc_dom_release(dom);
	return HD_OK;
}

/* What xc_dom_gnttab_init does for a PV guest, as a call of its own so
 * that it is timed apart from the build: the console and store pages
 * (machine frames, for PV) granted to dom0. */
static int gnttab_seed(void *arg, uint32_t domid,
		       const struct xcl_build_result *pages, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	if (xc_dom_gnttab_seed(x->xch, domid, false, pages->console_mfn,
			       pages->store_mfn, 0, 0) < 0)
		return xc_fail(err, "xc_dom_gnttab_seed", domid);
	return HD_OK;
}

static int unpause(void *arg, uint32_t domid, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	if (xc_domain_unpause(x->xch, domid) < 0)
		return xc_fail(err, "xc_domain_unpause", domid);
	return HD_OK;
}

static int destroy(void *arg, uint32_t domid, struct hd_err *err)
{
	struct xcl_xen *x = arg;
	int r;

	xc_domain_pause(x->xch, domid);
	/* Xen answers EAGAIN while it is still tearing the domain down. */
	while ((r = xc_domain_destroy(x->xch, domid)) < 0 && errno == EAGAIN)
		;
	if (r < 0)
		return errno == ESRCH ? hd_fail(err, HD_ENOENT, "destroy: no domain %u",
						domid)
				      : xc_fail(err, "xc_domain_destroy", domid);
	return HD_OK;
}

const struct xcl_hv_ops xcl_xen_ops = {
	.name = "xen",
	.domain_create = domain_create,
	.evtchn_alloc = evtchn_alloc,
	.build = build,
	.gnttab_seed = gnttab_seed,
	.unpause = unpause,
	.destroy = destroy,
};
