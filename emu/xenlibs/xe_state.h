/* xe_state.h: the emulated host's Xen, as Xen's own daemons see it through
 * the libraries in this folder (libxenevtchn, libxengnttab, libxenctrl,
 * libxenguest, built with Xen 4.17's sonames and symbol versions).
 *
 * Everything lives in one folder (HORDE_XEN_STATE names it), shared by
 * the emulated hypervisor's side (horde) and every daemon that loads the
 * libraries:
 *   state     the domain table and every event channel, mapped shared
 *   rings     one 4 KiB page a domain, its XenStore ring (page 0: dom0's)
 *   xsd_port  dom0's XenStore port, as Linux gives it in /proc/xen
 *   evtchn-N  a FIFO an event-channel handle reads its events from
 *
 * An event channel joins two ports, each in its domain's port space, as
 * in Xen (xen/common/event_channel.c): a port is free, unbound (waiting
 * for a given remote domain), interdomain, or bound to a VIRQ. A port
 * belongs to a handle, whose FIFO its events are written to (4 bytes, the
 * port). An event on a masked port is kept pending and delivered at
 * unmask, as the Linux evtchn driver does; a delivered port stays masked
 * until unmasked. */
#ifndef HORDE_XE_STATE_H
#define HORDE_XE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/domid.h"

#define XE_STATE_ENV "HORDE_XEN_STATE"
#define XE_DOMAINS (HD_DOMID_LAST + 1)
#define XE_DOM0_PORTS (1u << 17) /* 4 ports a guest, for every domain id */
#define XE_DOMU_PORTS 8u
#define XE_VIRQ_SUBSCRIBERS 16
#define XE_PAGE 4096u
#define XE_VIRQ_DOM_EXC 3 /* xen/include/public/xen.h */

enum xe_dom_state { XE_DOM_NONE, XE_DOM_RUNNING, XE_DOM_SHUTDOWN,
		    XE_DOM_CRASHED, XE_DOM_DYING };

enum xe_port_kind { XE_PORT_FREE, XE_PORT_UNBOUND, XE_PORT_INTERDOMAIN,
		    XE_PORT_VIRQ };

struct xe_port {
	uint8_t kind;           /* enum xe_port_kind */
	uint8_t virq;
	uint16_t remote_dom;    /* unbound: the domain that may bind it */
	uint32_t remote_port;
	uint32_t handle;        /* whose FIFO its events go to; 0: none */
	_Atomic uint32_t flags; /* XE_MASKED, XE_PENDING */
};
#define XE_MASKED 1u
#define XE_PENDING 2u

struct xe_shared;

#define XE_MAX_HANDLES 1024u

/* The folder's state, mapped. create: make the folder's files (the
 * hypervisor's side, once); else open what is there. */
struct xe {
	char dir[200];
	struct xe_shared *s;
	uint8_t *rings; /* XE_DOMAINS pages */
	/* This process's descriptors of the folder's FIFOs, by handle,
	 * opened on first use (+1: 0 is none). Handle numbers are the
	 * folder's: another folder (the next job's) has its own. */
	pthread_mutex_t fifo_lock;
	int fifo_fds[XE_MAX_HANDLES];
};
int xe_open(const char *dir, bool create, struct xe *x);
/* The folder named by HORDE_XEN_STATE (the libraries' way in). */
int xe_open_env(struct xe *x);
void xe_close(struct xe *x);

/* Domains. */
void xe_dom_set(struct xe *x, uint32_t domid, enum xe_dom_state state);
enum xe_dom_state xe_dom_get(struct xe *x, uint32_t domid);
/* The first domain from domid on that exists, or -1. */
int xe_dom_next(struct xe *x, uint32_t domid);
/* A domain's XenStore port, as the builder gives it to the guest. */
void xe_dom_set_store_port(struct xe *x, uint32_t domid, uint32_t port);
uint32_t xe_dom_store_port(struct xe *x, uint32_t domid);

/* A domain's XenStore ring page, in the folder's mapping. */
void *xe_ring(struct xe *x, uint32_t domid);
/* The same page mapped on its own, for a caller that unmaps it (as
 * Xen's daemons do a grant or foreign map); NULL with errno. */
void *xe_ring_map(const struct xe *x, uint32_t domid);
/* A file of the folder, by name ("rings", "xsd_port"). */
void xe_path(const struct xe *x, const char *name, char *out, size_t len);

/* Event-channel handles: a FIFO in the folder, read by its owner. */
int xe_handle_new(struct xe *x, uint32_t *handle, int *fd, bool cloexec);
void xe_handle_close(struct xe *x, uint32_t handle, int fd);

/* Ports. Each returns the port, or -1 with errno set. */
int xe_bind_unbound(struct xe *x, uint32_t dom, uint32_t remote_dom,
		    uint32_t handle);
int xe_bind_interdomain(struct xe *x, uint32_t dom, uint32_t remote_dom,
			uint32_t remote_port, uint32_t handle);
int xe_bind_virq(struct xe *x, uint32_t virq, uint32_t handle);
/* Claims dom's port for handle (a guest taking its own unbound port). */
int xe_attach(struct xe *x, uint32_t dom, uint32_t port, uint32_t handle);
int xe_unbind(struct xe *x, uint32_t dom, uint32_t port);
int xe_notify(struct xe *x, uint32_t dom, uint32_t port);
int xe_unmask(struct xe *x, uint32_t dom, uint32_t port);
/* What a handle's FIFO holds for an event: dom0's port as it is (as the
 * Linux evtchn driver gives it: Xen's daemons read it), a guest's with
 * its domain, since guests' port numbers repeat. */
static inline uint32_t xe_event(uint32_t dom, uint32_t port)
{
	return dom ? 0x80000000u | dom << 8 | port : port;
}
static inline void xe_event_decode(uint32_t event, uint32_t *dom,
				   uint32_t *port)
{
	*dom = event & 0x80000000u ? (event >> 8) & 0x7fffu : 0;
	*port = event & 0x80000000u ? event & 0xffu : event;
}
/* Raises a VIRQ on every port bound to it (dom0's). */
void xe_raise_virq(struct xe *x, uint32_t virq);
/* Frees every port of dom (a domain destroyed), unbinding their peers. */
void xe_dom_ports_free(struct xe *x, uint32_t dom);

#endif
