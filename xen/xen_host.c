/* xen_host.c: what platforms xen and xl share (xen_host.h). */
#define _GNU_SOURCE
#include "xen_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xenstore.h>

#include "../xcl/xcl_xen.h"
#include "xen_late_faults.h"
#include "xen_owner.h"

#define XEN(member) PLAN_FIELD(struct xen_settings, member)

static const struct plan_key keys[] = {
	{ "kernel", KEY_TEXT, XEN(kernel), "", 0, 0, NULL, &plan_text_path,
	  "the guests' PV kernel image (ELF or gzip'd ELF)" },
	{ "ramdisk", KEY_TEXT, XEN(ramdisk), "", 0, 0, NULL, &plan_text_path,
	  "the guests' initramfs (optional)" },
	{ "bridge", KEY_TEXT, XEN(bridge), "horde-br0", 0, 0, NULL,
	  &plan_text_ifname, "the dom0 bridge the guests' vifs join" },
};

_Static_assert(sizeof(struct xen_settings) <= PLAN_SETTINGS_MAX,
	       "xen's settings fit in a plan job");

const struct plan_keys xen_keys = {
	"platforms xen and xl", keys, HD_ARRAY_SIZE(keys),
	sizeof(struct xen_settings), NULL,
};

struct xen_settings xen_settings_of(const struct plan_job *job)
{
	struct xen_settings s;
	memcpy(&s, job->settings, sizeof(s));
	return s;
}

/* Every struct platform of this room starts with its struct xen_host. */
static struct xen_host *host_of(struct platform *p)
{
	return (struct xen_host *)(void *)p;
}

/* Without a MAC of its own, Linux gives a bridge its lowest port's, and
 * the ARP prober's replies would go to a MAC that moved. */
static int check_bridge_mac(const struct plan_job *job, const char *bridge,
			    struct hd_err *err)
{
	char path[96], type[8] = "";
	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type",
		 bridge);
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
			       "reaching horde", job->platform->name, bridge,
			       bridge);
	return HD_OK;
}

int xen_host_check(const struct plan_job *job, struct hd_err *err)
{
	struct xen_settings s = xen_settings_of(job);
	const struct xen_settings *set = &s;
	const char *platform = job->platform->name;
	struct xcl_xen *x;

	if (xcl_xen_open(&x, err))
		return hd_wrap(err, "platform %s", platform);
	xcl_xen_close(x);
	/* Destroying and listing need no kernel (cosmos destroy, list). */
	if (job->guests > 0 && (!*set->kernel || access(set->kernel, R_OK) != 0))
		return hd_fail(err, HD_EINVAL, "platform %s: kernel '%s' is not a "
			       "readable file (plan key kernel=)", platform,
			       set->kernel);
	if (*set->ramdisk && access(set->ramdisk, R_OK) != 0)
		return hd_fail_errno(err, HD_EINVAL, "platform %s: ramdisk '%s'",
				     platform, set->ramdisk);
	if (!if_nametoindex(set->bridge))
		return hd_fail(err, HD_ENOENT, "platform %s: bridge %s does not "
			       "exist in dom0", platform, set->bridge);
	return check_bridge_mac(job, set->bridge, err);
}

/* "Xen 4.17.3-pre, dom0 Linux 6.1.0-21-amd64, TOOLSTACK": read from the
 * hypervisor and dom0's kernel, never written in. */
static void read_version(struct xen_host *h, struct xcl_xen *x,
			 const char *toolstack)
{
	char xen[64];
	struct utsname u;

	if (xcl_xen_version(x, xen, sizeof(xen)) < 0)
		snprintf(xen, sizeof(xen), "? (%s)", strerror(errno));
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(h->version, sizeof(h->version), "Xen %s, dom0 Linux %s, %s",
		 xen, u.release, toolstack);
}

int xen_host_open(struct xen_host *h, const struct plan_job *job,
		  const char *toolstack, struct hd_err *err)
{
	struct xcl_xen *x;
	int rc;

	memset(h, 0, sizeof(*h));
	h->set = xen_settings_of(job);
	h->memory_kib = (uint64_t)job->memory_mib << 10;
	if ((rc = xcl_xen_open(&x, err)))
		return rc;
	read_version(h, x, toolstack);
	xcl_xen_close(x);
	if (!(h->xs = xs_open(0)))
		rc = hd_fail_errno(err, HD_EXS, "open xenstore");
	else
		rc = xen_late_faults_new(&h->late, err);
	if (rc)
		xen_host_close(h);
	return rc;
}

void xen_host_close(struct xen_host *h)
{
	xcl_xen_close(h->sampler_xen);
	xen_late_faults_free(h->late);
	if (h->xs)
		xs_close(h->xs);
	memset(h, 0, sizeof(*h));
}

void xen_host_created(struct xen_host *h, uint32_t domid)
{
	xen_owner_record(h->xs, domid);
	xen_late_faults_created(h->late, domid);
}

void xen_host_destroying(struct xen_host *h, uint32_t domid)
{
	xen_late_faults_destroyed(h->late, domid);
}

void xen_host_destroyed(struct xen_host *h, uint32_t domid)
{
	xen_owner_forget(h->xs, domid);
}

void xen_host_info(struct platform *p, struct platform_info *out)
{
	const struct xen_host *h = host_of(p);

	memset(out, 0, sizeof(*out));
	hd_strlcpy(out->probe_ifaces[0], h->set.bridge,
		   sizeof(out->probe_ifaces[0]));
	out->nifaces = 1;
	out->probe_addr_be = platform_prober_addr();
	hd_strlcpy(out->version, h->version, sizeof(out->version));
}

int xen_host_faults(struct platform *p, struct platform_fault *out, size_t max,
		    int settle, size_t *n, struct hd_err *err)
{
	return xen_late_faults_collect(host_of(p)->late, out, max, settle, n, err);
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

size_t xen_host_daemons(struct platform *p, struct sampler_proc *out,
			size_t max)
{
	static const char *const names[] = { "xenstored", "oxenstored",
					     "xenconsoled" };
	struct found_daemons f = { out, 0, max };

	(void)p;
	hd_each_process_named(names, HD_ARRAY_SIZE(names), found_daemon, &f);
	if (f.n < max) /* horde itself: the toolstack and the vif hotplug */
		out[f.n++] = (struct sampler_proc){ "horde", getpid() };
	return f.n;
}

void xen_host_sample(struct platform *p, sampler_emit_fn emit, void *ctx)
{
	struct xen_host *h = host_of(p);
	uint64_t free_kib;
	uint32_t domains;
	struct hd_err err;

	if (!h->sampler_xen && xcl_xen_open(&h->sampler_xen, &err))
		return;
	if (xcl_xen_host_info(h->sampler_xen, &free_kib, &domains) == 0) {
		emit(ctx, "hypervisor", "free_memory_kib", (double)free_kib);
		emit(ctx, "hypervisor", "domains", domains);
	}
}
