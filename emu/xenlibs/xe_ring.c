/* xe_ring.c: see xe_ring.h. */
#define _GNU_SOURCE
#include "xe_ring.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

/* Waits for an event on io's handle, and unmasks the port it came on.
 * The handle may serve many guests: another's event (stale: it is not
 * waiting) is unmasked all the same, and the caller rechecks its ring. */
static int wait_event(struct xe_guest_io *io)
{
	struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
	uint32_t event, dom, port;
	int n = poll(&pfd, 1, io->timeout_ms);
	if (n == 0)
		errno = ETIMEDOUT;
	if (n != 1 || read(io->fd, &event, sizeof(event)) != sizeof(event))
		return -1;
	xe_event_decode(event, &dom, &port);
	return xe_unmask(io->xe, dom, port);
}

/* Moves len bytes into (to_daemon) or out of the ring, waiting when it is
 * full or empty, and kicks the daemon once they have moved. */
static int ring_io(struct xe_guest_io *io, uint32_t dom, uint32_t port,
		   char *buf, size_t len, bool to_daemon)
{
	struct xenstore_domain_interface *r = xe_ring(io->xe, dom);
	while (len) {
		XENSTORE_RING_IDX *cons = to_daemon ? &r->req_cons : &r->rsp_cons;
		XENSTORE_RING_IDX *prod = to_daemon ? &r->req_prod : &r->rsp_prod;
		char *ring = to_daemon ? r->req : r->rsp;
		XENSTORE_RING_IDX c = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX p = __atomic_load_n(prod, __ATOMIC_ACQUIRE);
		if (to_daemon ? p - c >= XENSTORE_RING_SIZE : p == c) {
			if (wait_event(io) != 0)
				return -1;
			continue;
		}
		if (to_daemon) {
			ring[MASK_XENSTORE_IDX(p)] = *buf;
			__atomic_store_n(prod, p + 1, __ATOMIC_RELEASE);
		} else {
			*buf = ring[MASK_XENSTORE_IDX(c)];
			__atomic_store_n(cons, c + 1, __ATOMIC_RELEASE);
		}
		buf++;
		len--;
	}
	return xe_notify(io->xe, dom, port);
}

int xe_ring_request(struct xe_guest_io *io, uint32_t dom, uint32_t type,
		    const void *payload, uint32_t len, uint32_t *reply_type,
		    char *reply, size_t reply_len)
{
	static _Thread_local uint32_t req_id;
	uint32_t port = xe_dom_store_port(io->xe, dom);
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id, .len = len };

	if (!port || xe_attach(io->xe, dom, port, io->handle) != 0 ||
	    ring_io(io, dom, port, (char *)&m, sizeof(m), true) ||
	    ring_io(io, dom, port, (char *)payload, len, true))
		return -1;
	/* No watches are set, so the next message is this reply. */
	if (ring_io(io, dom, port, (char *)&m, sizeof(m), false))
		return -1;
	if (m.len >= reply_len) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ring_io(io, dom, port, reply, m.len, false))
		return -1;
	reply[m.len] = '\0';
	*reply_type = m.type;
	return (int)m.len;
}
