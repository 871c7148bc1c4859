/* platform_xen.c: real Xen through libxcl, run in dom0.
 *
 * Besides libxcl this platform does dom0's share that a lean host has no
 * udev for, the way xendevd does: a thread watches the vif backends, and
 * when netback has made vif<D>.<N> (backend state InitWait) it attaches the
 * interface to the bridge the entry names, sets it up, and reports
 * hotplug-status "connected", which both netback and libxcl wait for. The
 * console is xenconsoled's, which finds new domains by itself. What dom0
 * found wrong with a guest and told nobody (no PTY from xenconsoled, rings
 * netback could not map) is found by xen_late_faults.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xenstore.h>

#include "../lib/netlink.h"
#include "platform.h"
#include "xen_late_faults.h"
#include "xen_owner.h"
#include "../lib/xs_watcher.h"
#include "../xcl/xcl_workers.h"
#include "../xcl/xcl_xen.h"

struct hotplug {
	struct xs_watcher *watcher;
	struct xs_handle *xs; /* the watcher's, on its thread */
	struct nl *nl;
};

struct platform {
	struct xcl_xen *xen;
	struct xcl_xen *worker_xen[PLATFORM_MAX_WORKERS];
	struct xcl_workers workers;
	struct xcl_xen *sampler_xen; /* the sampler thread's own handle */
	struct xs_handle *xs;
	struct hotplug hp;
	struct xen_late_faults *late;
	char bridge[IF_NAMESIZE];
	char kernel[256], ramdisk[256];
	uint64_t memory_kib;
	char version[128];
	enum xcl_profile profile;
};

static void be_key(unsigned domid, unsigned devid, const char *key, char *buf,
		   size_t len)
{
	snprintf(buf, len, XCL_BACKEND_VIF_ROOT "/%u/%u/%s", domid, devid, key);
}

/* Linux netback switches the backend to InitWait before it registers the
 * vif's net device (netback_probe, then backend_create_xenvif), and
 * writes nothing to the store after: so the device may come a moment
 * after the state. Returns its index, or 0 after 10 s without it. */
static int wait_for_interface(const char *ifname)
{
	uint64_t deadline = hd_now_ns() + 10000000000ull;
	unsigned idx;
	while (!(idx = if_nametoindex(ifname)) && hd_now_ns() < deadline)
		hd_sleep_until_ns(hd_now_ns() + 1000000);
	return (int)idx;
}

/* Attaches one vif once netback is waiting for its hotplug. */
static void attach(struct hotplug *hp, unsigned domid, unsigned devid)
{
	char path[128], ifname[IF_NAMESIZE];
	unsigned len;
	struct hd_err err = { 0 };

	be_key(domid, devid, "state", path, sizeof(path));
	char *state = xs_read(hp->xs, XBT_NULL, path, &len);
	be_key(domid, devid, "hotplug-status", path, sizeof(path));
	char *done = xs_read(hp->xs, XBT_NULL, path, &len);
	bool ready = state && atoi(state) == 2 && !done;
	free(state);
	free(done);
	if (!ready)
		return;
	be_key(domid, devid, "bridge", path, sizeof(path));
	char *bridge = xs_read(hp->xs, XBT_NULL, path, &len);
	snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, devid);
	int ifindex = wait_for_interface(ifname);
	int br = bridge ? (int)if_nametoindex(bridge) : 0;
	if (!ifindex || !br)
		hd_fail(&err, HD_ENOENT, "hotplug: no %s", !ifindex ? ifname : "bridge");
	else
		nl_link_attach(hp->nl, ifindex, br, &err);
	free(bridge);
	if (err.msg[0]) {
		be_key(domid, devid, "hotplug-error", path, sizeof(path));
		xs_write(hp->xs, XBT_NULL, path, err.msg, (unsigned)strlen(err.msg));
	}
	be_key(domid, devid, "hotplug-status", path, sizeof(path));
	const char *status = err.msg[0] ? "error" : "connected";
	xs_write(hp->xs, XBT_NULL, path, status, (unsigned)strlen(status));
}

static void hotplug_event(void *arg, struct xs_handle *xs, const char *path,
			  const char *token)
{
	struct hotplug *hp = arg;
	unsigned domid, devid;
	char key[32];

	(void)token;
	hp->xs = xs;
	if (sscanf(path, XCL_BACKEND_VIF_ROOT "/%u/%u/%31s", &domid, &devid,
		   key) == 3 && strcmp(key, "state") == 0)
		attach(hp, domid, devid);
}

static int hotplug_start(struct hotplug *hp, struct hd_err *err)
{
	int rc = nl_open(&hp->nl, err);
	if (!rc)
		rc = xs_watcher_start(XCL_BACKEND_VIF_ROOT, "vif", hotplug_event,
				      hp, &hp->watcher, err);
	return rc ? hd_wrap(err, "hotplug") : HD_OK;
}

static void hotplug_stop(struct hotplug *hp)
{
	xs_watcher_stop(hp->watcher);
	nl_close(hp->nl);
}

static void xen_close(struct platform *p);

void platform_xen_version(struct xcl_xen *x, const char *toolstack,
			  char *buf, size_t len)
{
	char xen[64];
	struct utsname u;

	if (xcl_xen_version(x, xen, sizeof(xen)) < 0)
		snprintf(xen, sizeof(xen), "? (%s)", strerror(errno));
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(buf, len, "Xen %s, dom0 Linux %s, %s", xen, u.release,
		 toolstack);
}

int platform_xen_check(const struct plan_job *job, struct hd_err *err)
{
	struct xcl_xen *x;
	int rc = xcl_xen_open(&x, err);
	if (rc)
		return hd_wrap(err, "platform %s", job->platform);
	xcl_xen_close(x);
	/* Destroying and listing need no kernel (cosmos destroy, list). */
	if (job->guests > 0 && (!*job->kernel || access(job->kernel, R_OK) != 0))
		return hd_fail(err, HD_EINVAL, "platform %s: kernel '%s' is not a "
			       "readable file (plan key kernel=)", job->platform,
			       job->kernel);
	if (*job->ramdisk && access(job->ramdisk, R_OK) != 0)
		return hd_fail_errno(err, HD_EINVAL, "platform %s: ramdisk '%s'",
				     job->platform, job->ramdisk);
	if (!if_nametoindex(job->bridge))
		return hd_fail(err, HD_ENOENT, "platform %s: bridge %s does not "
			       "exist in dom0", job->platform, job->bridge);
	/* Without a MAC of its own, Linux gives a bridge its lowest port's,
	 * and the ARP prober's replies would go to a MAC that moved. */
	char path[96], type[8] = "";
	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type",
		 job->bridge);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(type, sizeof(type), f))
			type[0] = '\0';
		fclose(f);
	}
	if (atoi(type) != 3 /* NET_ADDR_SET */)
		return hd_fail(err, HD_EINVAL, "platform %s: bridge %s has no MAC "
			       "of its own; give it one (ip link set %s address "
			       "02:68:6f:72:64:65) so that ARP replies keep "
			       "reaching horde", job->platform, job->bridge,
			       job->bridge);
	return HD_OK;
}

static int xen_open(const struct plan_job *job, struct platform **out,
		    struct hd_err *err)
{
	struct platform *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return hd_fail(err, HD_ESYS, "out of memory");
	hd_strlcpy(p->bridge, job->bridge, sizeof(p->bridge));
	hd_strlcpy(p->kernel, job->kernel, sizeof(p->kernel));
	hd_strlcpy(p->ramdisk, job->ramdisk, sizeof(p->ramdisk));
	p->memory_kib = (uint64_t)job->memory_mib << 10;
	xcl_profile_parse(job->profile, &p->profile); /* the plan checked it */
	if ((rc = platform_xen_check(job, err)) || (rc = xcl_xen_open(&p->xen, err)))
		goto fail;
	if (!(p->xs = xs_open(XS_UNWATCH_FILTER))) {
		rc = hd_fail_errno(err, HD_EXS, "open xenstore");
		goto fail;
	}
	if ((rc = hotplug_start(&p->hp, err)) ||
	    (rc = xen_late_faults_new(&p->late, err)))
		goto fail;
	uint32_t nw = plan_job_workers(job);
	for (uint32_t i = 0; i < nw && i < PLATFORM_MAX_WORKERS; i++)
		if ((rc = xcl_xen_open(&p->worker_xen[i], err)))
			goto fail;
	if ((rc = xcl_workers_open(&p->workers, nw,
				   strcmp(job->xs_handles, "one") == 0
					   ? XCL_HANDLES_ONE : XCL_HANDLES_TWO,
				   &xcl_xen_ops, (void *const *)p->worker_xen,
				   60ull * 1000000000ull, err)))
		goto fail;
	platform_xen_version(p->xen, "libxcl", p->version, sizeof(p->version));
	*out = p;
	return HD_OK;
fail:
	xen_close(p);
	return rc;
}

static int xen_create(struct platform *p, const struct guest_spec *g,
		      uint32_t *domid, struct xcl_timing *t, struct hd_err *err)
{
	char cmdline[96];

	platform_guest_cmdline(g, cmdline, sizeof(cmdline));
	struct xcl_guest_config cfg = {
		.name = g->name,
		.memory_kib = p->memory_kib,
		.kernel = p->kernel,
		.ramdisk = p->ramdisk,
		.cmdline = cmdline,
		.bridge = p->bridge,
		.profile = p->profile,
	};
	memcpy(cfg.mac, g->mac, 6);
	int rc = xcl_create(p->workers.w[g->worker].ctx, &cfg, domid, t, err);
	if (!rc) {
		xen_owner_record(p->xs, *domid);
		xen_late_faults_created(p->late, *domid);
	}
	return rc;
}

static int xen_destroy(struct platform *p, uint32_t worker, uint32_t domid,
		       struct xcl_timing *t, struct hd_err *err)
{
	xen_late_faults_destroyed(p->late, domid);
	int rc = xcl_destroy(p->workers.w[worker].ctx, domid, t, err);
	if (!rc)
		xen_owner_forget(p->xs, domid);
	return rc;
}

static int xen_faults(struct platform *p, struct platform_fault *out,
		      size_t max, int settle, size_t *n, struct hd_err *err)
{
	return xen_late_faults_collect(p->late, out, max, settle, n, err);
}

static void xen_info(struct platform *p, struct platform_info *out)
{
	memset(out, 0, sizeof(*out));
	hd_strlcpy(out->probe_ifaces[0], p->bridge, sizeof(out->probe_ifaces[0]));
	out->nifaces = 1;
	out->probe_addr_be = platform_prober_addr();
	hd_strlcpy(out->version, p->version, sizeof(out->version));
}

struct found_daemons {
	struct sampler_proc *out;
	size_t n, max;
};

static void found_daemon(void *arg, long long pid, const char *name)
{
	struct found_daemons *f = arg;
	if (f->n < f->max) {
		hd_strlcpy(f->out[f->n].name, name, sizeof(f->out[f->n].name));
		f->out[f->n++].pid = (pid_t)pid;
	}
}

size_t platform_xen_daemons(struct sampler_proc *out, size_t max)
{
	static const char *const names[] = { "xenstored", "oxenstored",
					     "xenconsoled" };
	struct found_daemons f = { out, 0, max };

	hd_each_process_named(names, HD_ARRAY_SIZE(names), found_daemon, &f);
	if (f.n < max) /* horde itself: the toolstack and the vif hotplug */
		out[f.n++] = (struct sampler_proc){ "horde", getpid() };
	return f.n;
}

void platform_xen_sample(struct xcl_xen **x, sampler_emit_fn emit, void *ctx)
{
	uint64_t free_kib;
	uint32_t domains;
	struct hd_err err;

	if (!*x && xcl_xen_open(x, &err))
		return;
	if (xcl_xen_host_info(*x, &free_kib, &domains) == 0) {
		emit(ctx, "hypervisor", "free_memory_kib", (double)free_kib);
		emit(ctx, "hypervisor", "domains", domains);
	}
}

/* Destroys a horde-* domain unless its horde is running, saying which. */
static void clean_domain(FILE *log, struct xs_handle *xs, struct xcl_ctx *ctx,
			 uint32_t domid, const char *name)
{
	long long owner;
	struct xcl_timing t;
	struct hd_err err;

	if (xen_owner_alive(xs, domid, &owner))
		fprintf(log, "left domain %u (%s): its horde (pid %lld) is "
			"running\n", domid, name, owner);
	else if (xcl_destroy(ctx, domid, &t, &err) == HD_OK) {
		xen_owner_forget(xs, domid);
		fprintf(log, "destroyed domain %u (%s)\n", domid, name);
	} else
		fprintf(log, "could not destroy domain %u (%s): %s\n", domid,
			name, err.msg);
}

/* Domains named PLATFORM_GUEST_PREFIX* whose horde is gone (xen_owner.h),
 * when this is dom0 of a Xen host; xl's guests too, so platform xl has no
 * clean of its own. */
static int xen_clean(FILE *log, struct hd_err *err)
{
	const char *prefix = PLATFORM_GUEST_PREFIX;
	struct xcl_xen *x;
	struct xs_handle *xs = NULL;
	struct xcl_ctx *ctx = NULL;
	struct hd_err quiet;
	unsigned n = 0, len;
	int rc = HD_OK;

	if (xcl_xen_open(&x, &quiet))
		return HD_OK; /* no Xen here: no domains to clean */
	if (!(xs = xs_open(0))) {
		rc = hd_fail_errno(err, HD_EXS, "clean: open xenstore");
		goto out;
	}
	if ((rc = xcl_ctx_new(xs, NULL, &xcl_xen_ops, x, 10ull * 1000000000ull, &ctx,
			      err)))
		goto out;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (unsigned i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		char *name = xs_read(xs, XBT_NULL, path, &len);
		uint32_t domid = (uint32_t)atoi(doms[i]);
		if (name && domid && strncmp(name, prefix, strlen(prefix)) == 0)
			clean_domain(log, xs, ctx, domid, name);
		free(name);
	}
	free(doms);
	/* Records of domains gone some other way (xl destroy by hand). */
	char **owned = xs_directory(xs, XBT_NULL, XEN_OWNER_ROOT, &n);
	for (unsigned i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/%s", owned[i]);
		char *dom = xs_read(xs, XBT_NULL, path, &len);
		if (!dom)
			xen_owner_forget(xs, (uint32_t)atoi(owned[i]));
		free(dom);
	}
	free(owned);
out:
	xcl_ctx_free(ctx);
	if (xs)
		xs_close(xs);
	xcl_xen_close(x);
	return rc;
}

static size_t xen_daemons(struct platform *p, struct sampler_proc *out,
			  size_t max)
{
	(void)p;
	return platform_xen_daemons(out, max);
}

static void xen_sample(struct platform *p, sampler_emit_fn emit, void *ctx)
{
	platform_xen_sample(&p->sampler_xen, emit, ctx);
}

static void xen_close(struct platform *p)
{
	if (!p)
		return;
	xcl_xen_close(p->sampler_xen);
	xcl_workers_close(&p->workers);
	for (size_t i = 0; i < PLATFORM_MAX_WORKERS; i++)
		xcl_xen_close(p->worker_xen[i]);
	hotplug_stop(&p->hp);
	xen_late_faults_free(p->late);
	if (p->xs)
		xs_close(p->xs);
	xcl_xen_close(p->xen);
	free(p);
}

const struct platform_ops platform_xen = {
	.name = "xen",
	.check = platform_xen_check,
	.open = xen_open,
	.create = xen_create,
	.destroy = xen_destroy,
	.info = xen_info,
	.faults = xen_faults,
	.daemons = xen_daemons,
	.sample = xen_sample,
	.close = xen_close,
	.clean = xen_clean,
};
