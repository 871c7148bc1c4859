/* platform_xen.c: real Xen through libxcl, run in dom0.
 *
 * Besides libxcl, this platform does dom0's share that a lean host has no
 * udev for (xen_hotplug.c). The console is xenconsoled's, which finds new
 * domains by itself. What dom0 found wrong with a guest and told nobody
 * (no PTY from xenconsoled, rings netback could not map) is found by
 * xen_late_faults.c. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xcl/xcl_workers.h"
#include "../xcl/xcl_xen.h"
#include "xen_host.h"
#include "xen_hotplug.h"
#include "xen_owner.h"

struct platform {
	struct xen_host host; /* first: see xen_host.h */
	struct xcl_xen *worker_xen[PLATFORM_MAX_WORKERS];
	struct xcl_workers workers;
	struct xen_hotplug *hotplug;
	enum xcl_profile profile;
};

_Static_assert(offsetof(struct platform, host) == 0,
	       "xen_host's entries take a struct platform for its xen_host");

static void xen_close(struct platform *p)
{
	if (!p)
		return;
	xcl_workers_close(&p->workers);
	for (size_t i = 0; i < PLATFORM_MAX_WORKERS; i++)
		xcl_xen_close(p->worker_xen[i]);
	xen_hotplug_stop(p->hotplug);
	xen_host_close(&p->host);
	free(p);
}

/* A hypervisor handle a worker, and a libxcl context on each. */
static int open_workers(struct platform *p, const struct plan_job *job,
			struct hd_err *err)
{
	uint32_t n = plan_job_workers(job);
	int rc;

	for (uint32_t i = 0; i < n && i < PLATFORM_MAX_WORKERS; i++)
		if ((rc = xcl_xen_open(&p->worker_xen[i], err)))
			return rc;
	return xcl_workers_open(&p->workers, n, job->xs_handles, &xcl_xen_ops,
				(void *const *)p->worker_xen,
				HD_ARRAY_SIZE(p->worker_xen), 60ull * 1000000000ull,
				err);
}

static int xen_open(const struct plan_job *job, struct platform **out,
		    struct hd_err *err)
{
	struct platform *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return hd_fail(err, HD_ESYS, "out of memory");
	p->profile = job->profile;
	if ((rc = xen_host_check(job, err)) ||
	    (rc = xen_host_open(&p->host, job, "libxcl", err)) ||
	    (rc = xen_hotplug_start(&p->hotplug, err)) ||
	    (rc = open_workers(p, job, err))) {
		xen_close(p);
		return rc;
	}
	*out = p;
	return HD_OK;
}

static int xen_create(struct platform *p, const struct guest_spec *g,
		      uint32_t *domid, struct xcl_timing *t, struct hd_err *err)
{
	char cmdline[96];

	platform_guest_cmdline(g, cmdline, sizeof(cmdline));
	struct xcl_guest_config cfg = {
		.name = g->name,
		.memory_kib = p->host.memory_kib,
		.kernel = p->host.set.kernel,
		.ramdisk = p->host.set.ramdisk,
		.cmdline = cmdline,
		.bridge = p->host.set.bridge,
		.profile = p->profile,
	};
	memcpy(cfg.mac, g->mac, 6);
	int rc = xcl_create(p->workers.w[g->worker].ctx, &cfg, domid, t, err);
	if (!rc)
		xen_host_created(&p->host, *domid);
	return rc;
}

static int xen_destroy(struct platform *p, uint32_t worker, uint32_t domid,
		       struct xcl_timing *t, struct hd_err *err)
{
	xen_host_destroying(&p->host, domid);
	int rc = xcl_destroy(p->workers.w[worker].ctx, domid, t, err);
	if (!rc)
		xen_host_destroyed(&p->host, domid);
	return rc;
}

const struct platform_ops platform_xen = {
	.name = "xen",
	.help = "real Xen through libxcl; run horde in dom0",
	.keys = &xen_keys,
	.check = xen_host_check,
	.open = xen_open,
	.create = xen_create,
	.destroy = xen_destroy,
	.info = xen_host_info,
	.faults = xen_host_faults,
	.daemons = xen_host_daemons,
	.sample = xen_host_sample,
	.close = xen_close,
	.clean = xen_owner_clean,
};
