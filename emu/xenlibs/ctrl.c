/* ctrl.c: libxenctrl.so.4.17 for Xen's daemons on the emulated host:
 * what they call of it. cxenstored: xc_interface_open/close and
 * xc_domain_getinfo, to find domains that died (xenstored_domain.c,
 * check_domains). oxenstored: xc_domain_getinfolist for the same, and
 * xc_map_foreign_range for a guest's ring (domains.ml,
 * tools/ocaml/libs/xc/xenctrl_stubs.c). The rest of what oxenstored
 * binds is in ctrl_unused.c. */
#define _GNU_SOURCE
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xenctrl.h>

#include "xe_state.h"

struct xc_interface_core {
	struct xe xe;
	xc_error last_error; /* never NULL to oxenstored: it reads it */
};

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	(void)logger, (void)dombuild_logger, (void)open_flags;
	xc_interface *xch = calloc(1, sizeof(*xch));
	if (xch && xe_open_env(&xch->xe) != 0) {
		free(xch);
		return NULL;
	}
	return xch;
}

int xc_interface_close(xc_interface *xch)
{
	if (xch) {
		xe_close(&xch->xe);
		free(xch);
	}
	return 0;
}

/* As libxc's: the domains from first_domid on that exist, at most
 * max_doms of them; -1 when there is none. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	unsigned int n = 0;
	for (int d = xe_dom_next(&xch->xe, first_domid); d >= 0 && n < max_doms;
	     d = xe_dom_next(&xch->xe, (uint32_t)d + 1), n++) {
		enum xe_dom_state st = xe_dom_get(&xch->xe, (uint32_t)d);
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domid = (uint32_t)d;
		info[n].dying = st == XE_DOM_DYING;
		info[n].crashed = st == XE_DOM_CRASHED; /* libxc: not shutdown */
		info[n].shutdown = st == XE_DOM_SHUTDOWN;
		info[n].running = st == XE_DOM_RUNNING;
		info[n].nr_online_vcpus = 1;
	}
	if (!n) {
		errno = ESRCH;
		return -1;
	}
	return (int)n;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
			  unsigned int max_domains, xc_domaininfo_t *info)
{
	unsigned int n = 0;
	for (int d = xe_dom_next(&xch->xe, first_domain);
	     d >= 0 && n < max_domains;
	     d = xe_dom_next(&xch->xe, (uint32_t)d + 1), n++) {
		enum xe_dom_state st = xe_dom_get(&xch->xe, (uint32_t)d);
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domain = (domid_t)d;
		info[n].flags =
			(st == XE_DOM_DYING ? XEN_DOMINF_dying : 0) |
			(st == XE_DOM_RUNNING ? XEN_DOMINF_running : 0) |
			(st == XE_DOM_SHUTDOWN || st == XE_DOM_CRASHED ?
			 XEN_DOMINF_shutdown : 0) |
			(st == XE_DOM_CRASHED ?
			 SHUTDOWN_crash << XEN_DOMINF_shutdownshift : 0);
		info[n].nr_online_vcpus = 1;
	}
	return (int)n;
}

/* A guest's ring, whatever frame is asked: an emulated domain has that
 * one page. The caller munmaps it. */
void *xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size,
			   int prot, unsigned long mfn)
{
	(void)prot, (void)mfn;
	if (size != (int)XE_PAGE) {
		errno = EINVAL;
		return NULL;
	}
	return xe_ring_map(&xch->xe, dom);
}

const xc_error *xc_get_last_error(xc_interface *xch)
{
	static const xc_error none;
	return xch ? &xch->last_error : &none;
}

const char *xc_error_code_to_desc(int code)
{
	return code ? "error on horde's emulated host" : "No error details";
}

/* oxenstored raises its descriptor limit to /proc/sys/fs/nr_open before
 * it reads its arguments (tools/ocaml/xenstored/poll.ml) and exits if it
 * may not. horde's limit is the host's: it is clamped to the hard limit,
 * so that the daemon runs where horde does, with as many descriptors. */
int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	struct rlimit want = *rlim, now;
	if (resource == RLIMIT_NOFILE &&
	    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &now) == 0 &&
	    want.rlim_max > now.rlim_max) {
		want.rlim_max = now.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
	}
	return (int)syscall(SYS_prlimit64, 0, resource, &want, NULL);
}
