/* rings.h: horde-xenstored's side of the domains' store rings on the
 * emulated host (the Xen its Xen-library twins show Xen's own daemons,
 * emu/xenlibs/xe_state.h): one event-channel handle for every ring and for
 * VIRQ_DOM_EXC, each ring's page in the shared rings file, its bytes moved
 * as xen/io/xs_wire.h lays them out. The daemon does the framing. */
#ifndef HORDE_XSD_RINGS_H
#define HORDE_XSD_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xsd_rings;

/* Opens the emulated Xen in state_dir, with a handle of its own and
 * VIRQ_DOM_EXC bound to it. Returns NULL with errno. */
struct xsd_rings *xsd_rings_open(const char *state_dir);
void xsd_rings_close(struct xsd_rings *r);
/* The handle's descriptor: readable when a ring was kicked or a domain
 * died. */
int xsd_rings_fd(const struct xsd_rings *r);
/* dom0's own store port, as Linux gives it in /proc/xen/xsd_port; 0. */
uint32_t xsd_rings_dom0_port(const struct xsd_rings *r);

/* Binds domid's ring (its store port remote_port) for owner: returns
 * dom0's end of the channel, or -1 with errno. */
int xsd_rings_bind(struct xsd_rings *r, uint32_t domid, uint32_t remote_port,
		   void *owner);
void xsd_rings_unbind(struct xsd_rings *r, uint32_t local_port);

/* Works off the handle's events: kicked(owner) for each ring kicked,
 * died(arg) once if VIRQ_DOM_EXC came. Each port is unmasked after. */
void xsd_rings_dispatch(struct xsd_rings *r, void (*kicked)(void *owner),
			void (*died)(void *arg), void *arg);

/* Moves bytes of domid's ring: requests out (at most len), replies in (as
 * many as there is room for). Each returns the bytes moved. */
size_t xsd_ring_read(struct xsd_rings *r, uint32_t domid, char *buf,
		     size_t len);
size_t xsd_ring_write(struct xsd_rings *r, uint32_t domid, const char *buf,
		      size_t len);
/* Tells the guest its ring moved. */
void xsd_ring_kick(struct xsd_rings *r, uint32_t local_port);
/* Whether domid still runs (not dying, not gone). */
bool xsd_rings_domain_alive(struct xsd_rings *r, uint32_t domid);

#endif
