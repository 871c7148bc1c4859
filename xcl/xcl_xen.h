/* xcl_xen.h: libxcl's hypercall interface on real Xen (xcl_hv_xen.c). */
#ifndef HORDE_XCL_XEN_H
#define HORDE_XCL_XEN_H

#include "xcl_hv.h"

struct xcl_xen;

/* Opens the hypervisor; HD_ENOENT with "no hypervisor found" when this is
 * not dom0 of a Xen host. */
int xcl_xen_open(struct xcl_xen **out, struct hd_err *err);
void xcl_xen_close(struct xcl_xen *x);

/* The hypervisor's free memory and its number of domains (dom0
 * included), for the host sampler; 0, or -1 with errno. */
int xcl_xen_host_info(struct xcl_xen *x, uint64_t *free_kib, uint32_t *domains);

/* The hypervisor's own version, as it reports it ("4.17.3-pre"), into
 * buf; 0, or -1 with errno. */
int xcl_xen_version(struct xcl_xen *x, char *buf, size_t len);

extern const struct xcl_hv_ops xcl_xen_ops;

#endif
