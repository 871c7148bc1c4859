/* rings.c: see rings.h. As cxenstored's domain code does it (Xen 4.17,
 * tools/xenstore/xenstored_domain.c): requests read from req between
 * req_cons and req_prod, replies written to rsp, an event to the guest
 * after each move. */
#define _GNU_SOURCE
#include "rings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "../xenlibs/xe_state.h"

struct xsd_rings {
	struct xe xe;
	uint32_t handle;
	int fd;
	uint32_t virq_port;
	uint32_t dom0_port;
	void **owners; /* [dom0 port]: whose ring an event on it is for */
};

struct xsd_rings *xsd_rings_open(const char *state_dir)
{
	struct xsd_rings *r = calloc(1, sizeof(*r));
	char path[256], port[16] = "";
	if (!r || !(r->owners = calloc(XE_DOM0_PORTS, sizeof(*r->owners)))) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->fd = -1;
	if (xe_open(state_dir, false, &r->xe) != 0) {
		free(r->owners);
		free(r);
		return NULL;
	}
	int virq = -1;
	if (xe_handle_new(&r->xe, &r->handle, &r->fd, true) != 0 ||
	    (virq = xe_bind_virq(&r->xe, XE_VIRQ_DOM_EXC, r->handle)) < 0) {
		int saved = errno;
		xsd_rings_close(r);
		errno = saved;
		return NULL;
	}
	r->virq_port = (uint32_t)virq;
	xe_path(&r->xe, "xsd_port", path, sizeof(path));
	FILE *f = fopen(path, "re");
	if (f && fgets(port, sizeof(port), f))
		r->dom0_port = (uint32_t)strtoul(port, NULL, 10);
	if (f)
		fclose(f);
	return r;
}

void xsd_rings_close(struct xsd_rings *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		xe_handle_close(&r->xe, r->handle, r->fd);
	xe_close(&r->xe);
	free(r->owners);
	free(r);
}

int xsd_rings_fd(const struct xsd_rings *r)
{
	return r->fd;
}

uint32_t xsd_rings_dom0_port(const struct xsd_rings *r)
{
	return r->dom0_port;
}

int xsd_rings_bind(struct xsd_rings *r, uint32_t domid, uint32_t remote_port,
		   void *owner)
{
	int port = xe_bind_interdomain(&r->xe, 0, domid, remote_port, r->handle);
	if (port >= 0)
		r->owners[port] = owner;
	return port;
}

void xsd_rings_unbind(struct xsd_rings *r, uint32_t local_port)
{
	if (local_port == 0 || local_port >= XE_DOM0_PORTS)
		return;
	r->owners[local_port] = NULL;
	xe_unbind(&r->xe, 0, local_port);
}

void xsd_rings_dispatch(struct xsd_rings *r, void (*kicked)(void *owner),
			void (*died)(void *arg), void *arg)
{
	uint32_t events[256];
	bool dom_exc = false;
	ssize_t n;

	/* The FIFO is read and written by this process too (O_RDWR): read
	 * only what is there, then go back to epoll. */
	int avail = 0;
	if (ioctl(r->fd, FIONREAD, &avail) != 0 || avail <= 0)
		return;
	while (avail > 0 &&
	       (n = read(r->fd, events, (size_t)avail < sizeof(events)
						? (size_t)avail : sizeof(events))) > 0) {
		avail -= (int)n;
		for (size_t i = 0; i < (size_t)n / sizeof(events[0]); i++) {
			uint32_t dom, port;
			xe_event_decode(events[i], &dom, &port);
			if (dom == 0 && port == r->virq_port)
				dom_exc = true;
			else if (dom == 0 && port < XE_DOM0_PORTS && r->owners[port])
				kicked(r->owners[port]);
			xe_unmask(&r->xe, dom, port);
		}
	}
	if (dom_exc)
		died(arg);
}

size_t xsd_ring_read(struct xsd_rings *r, uint32_t domid, char *buf,
		     size_t len)
{
	struct xenstore_domain_interface *ring = xe_ring(&r->xe, domid);
	XENSTORE_RING_IDX cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX prod = __atomic_load_n(&ring->req_prod, __ATOMIC_ACQUIRE);
	size_t n = 0;

	/* A producer ahead by more than the ring is broken: read nothing. */
	if (prod - cons > XENSTORE_RING_SIZE)
		return 0;
	while (n < len && cons != prod)
		buf[n++] = ring->req[MASK_XENSTORE_IDX(cons++)];
	__atomic_store_n(&ring->req_cons, cons, __ATOMIC_RELEASE);
	return n;
}

size_t xsd_ring_write(struct xsd_rings *r, uint32_t domid, const char *buf,
		      size_t len)
{
	struct xenstore_domain_interface *ring = xe_ring(&r->xe, domid);
	XENSTORE_RING_IDX cons = __atomic_load_n(&ring->rsp_cons, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
	size_t n = 0;

	if (prod - cons > XENSTORE_RING_SIZE)
		return 0;
	while (n < len && prod - cons < XENSTORE_RING_SIZE)
		ring->rsp[MASK_XENSTORE_IDX(prod++)] = buf[n++];
	__atomic_store_n(&ring->rsp_prod, prod, __ATOMIC_RELEASE);
	return n;
}

void xsd_ring_kick(struct xsd_rings *r, uint32_t local_port)
{
	xe_notify(&r->xe, 0, local_port);
}

bool xsd_rings_domain_alive(struct xsd_rings *r, uint32_t domid)
{
	enum xe_dom_state s = xe_dom_get(&r->xe, domid);
	return s != XE_DOM_NONE && s != XE_DOM_DYING;
}
