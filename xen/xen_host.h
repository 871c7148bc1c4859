/* xen_host.h: what platforms xen (libxcl) and xl (Xen's own xl) keep
 * alike on the real Xen host they run on, in dom0: the guests' image and
 * memory and dom0's bridge from the job, the host's version, and for each
 * guest horde makes, the record that this horde owns it (xen_owner.h)
 * and the watch for failures dom0 finds after its creation
 * (xen_late_faults.h).
 *
 * Each of the two platforms' struct platform begins with a struct
 * xen_host, so that the platform_ops entries at the end of this header
 * serve both as they are. */
#ifndef HORDE_XEN_HOST_H
#define HORDE_XEN_HOST_H

#include <net/if.h>
#include <stdint.h>

#include "../harness/platform.h"

struct xs_handle;
struct xen_late_faults;
struct xcl_xen;

/* The plan keys of platforms xen and xl (one table, xen_keys). */
struct xen_settings {
	char kernel[256];  /* the guests' PV kernel */
	char ramdisk[256]; /* their initramfs, or "" */
	char bridge[IF_NAMESIZE]; /* dom0's bridge for their vifs */
};

extern const struct plan_keys xen_keys;

/* A copy of a job's settings (the job must be on platform xen or xl),
 * taken with memcpy: they are bytes of the job. */
struct xen_settings xen_settings_of(const struct plan_job *job);

struct xen_host {
	struct xen_settings set;      /* the job's */
	uint64_t memory_kib;          /* each guest's */
	char version[256];            /* "Xen 4.17.3, dom0 Linux ..., xl" */
	struct xs_handle *xs;         /* the owner records' */
	struct xen_late_faults *late;
	struct xcl_xen *sampler_xen;  /* the sampler thread's own handle */
};

/* Checks, changing nothing, that this is dom0 of a Xen host and that the
 * job's kernel, ramdisk and bridge are there (platform_ops.check). */
int xen_host_check(const struct plan_job *job, struct hd_err *err);
/* Fills h for job, once xen_host_check has passed; toolstack ("libxcl",
 * "xl") goes into the version. On failure what was opened is closed. */
int xen_host_open(struct xen_host *h, const struct plan_job *job,
		  const char *toolstack, struct hd_err *err);
/* Safe on a zeroed or closed host. */
void xen_host_close(struct xen_host *h);

/* A guest this horde made (any thread): its owner record, and dom0's
 * late failures looked for. */
void xen_host_created(struct xen_host *h, uint32_t domid);
/* A guest about to be destroyed: no longer looked at. */
void xen_host_destroying(struct xen_host *h, uint32_t domid);
/* A guest destroyed: its owner record goes. */
void xen_host_destroyed(struct xen_host *h, uint32_t domid);

/* platform_ops entries of both platforms. */
void xen_host_info(struct platform *p, struct platform_info *out);
int xen_host_faults(struct platform *p, struct platform_fault *out, size_t max,
		    int settle, size_t *n, struct hd_err *err);
/* xenstored or oxenstored, xenconsoled, and horde itself. */
size_t xen_host_daemons(struct platform *p, struct sampler_proc *out,
			size_t max);
/* The hypervisor's free memory and domains. */
void xen_host_sample(struct platform *p, sampler_emit_fn emit, void *ctx);

#endif
