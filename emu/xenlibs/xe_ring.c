/* xe_ring.c: see xe_ring.h. */
#define _GNU_SOURCE
#include "xe_ring.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

/* Waits for an event on io's handle, and unmasks the port it came on.
 * The handle may serve many guests: another's event (stale: it is not
 * waiting) is unmasked all the same, and the caller rechecks its ring. */
int xe_ring_wait(struct xe_guest_io *io)
{
	struct pollfd pfd[2] = { { .fd = io->fd, .events = POLLIN },
				 { .fd = io->has_cancel ? io->cancel_fd : -1,
				   .events = POLLIN } };
	uint32_t event, dom, port;
	int n = poll(pfd, 2, io->timeout_ms);
	if (n > 0 && pfd[1].revents) {
		errno = ECANCELED;
		return -1;
	}
	if (n == 0)
		errno = ETIMEDOUT;
	if (n <= 0 || read(io->fd, &event, sizeof(event)) != sizeof(event))
		return -1;
	xe_event_decode(event, &dom, &port);
	return xe_unmask(io->xe, dom, port);
}

/* Kicks the daemon if bytes moved since the last kick: once a message
 * (or a run of them) is whole, so that it wakes to whole messages. */
static int kick(struct xe_guest_io *io, uint32_t dom, uint32_t port)
{
	if (!io->kick_due)
		return 0;
	io->kick_due = false;
	return xe_notify(io->xe, dom, port);
}

/* Moves len bytes into (to_daemon) or out of the ring; when it is full or
 * empty, kicks the daemon for what moved so far and waits. */
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
			if (kick(io, dom, port) != 0 || xe_ring_wait(io) != 0)
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
		io->kick_due = true;
		buf++;
		len--;
	}
	return 0;
}

int xe_ring_queue_event(struct xe_guest_io *io, const char *body, uint32_t len)
{
	struct xe_watch_event *ev = malloc(sizeof(*ev) + len + 1);
	if (!ev)
		return -1;
	memcpy(ev->body, body, len);
	ev->body[len] = '\0';
	ev->len = len;
	ev->next = NULL;
	if (!io->events_tail)
		io->events_tail = &io->events;
	*io->events_tail = ev;
	io->events_tail = &ev->next;
	return 0;
}

/* Reads a watch event's body (len bytes) off the ring into io's queue. */
static int queue_event(struct xe_guest_io *io, uint32_t dom, uint32_t port,
		       uint32_t len)
{
	char body[XENSTORE_PAYLOAD_MAX];
	if (len > XENSTORE_PAYLOAD_MAX) {
		errno = EPROTO;
		return -1;
	}
	if (ring_io(io, dom, port, body, len, false))
		return -1;
	return xe_ring_queue_event(io, body, len);
}

struct xe_watch_event *xe_ring_next_event(struct xe_guest_io *io)
{
	struct xe_watch_event *ev = io->events;
	if (ev && !(io->events = ev->next))
		io->events_tail = &io->events;
	return ev;
}

int xe_ring_take_events(struct xe_guest_io *io, uint32_t dom)
{
	uint32_t port = xe_dom_store_port(io->xe, dom);
	struct xenstore_domain_interface *r = xe_ring(io->xe, dom);
	struct xsd_sockmsg m;

	if (!port || xe_attach(io->xe, dom, port, io->handle) != 0)
		return -1;
	/* A message is whole once its header is: the daemon writes the
	 * body right after (ring_io waits for the rest). */
	while (__atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE) -
		       __atomic_load_n(&r->rsp_cons, __ATOMIC_ACQUIRE) >= sizeof(m)) {
		if (ring_io(io, dom, port, (char *)&m, sizeof(m), false))
			return -1;
		if (m.type != XS_WATCH_EVENT) {
			errno = EPROTO; /* a reply to no request */
			return -1;
		}
		if (queue_event(io, dom, port, m.len))
			return -1;
	}
	return kick(io, dom, port);
}

int xe_ring_request(struct xe_guest_io *io, uint32_t dom, uint32_t type,
		    const void *payload, uint32_t len, uint32_t *reply_type,
		    char *reply, size_t reply_len)
{
	static _Thread_local uint32_t req_id;
	uint32_t port = xe_dom_store_port(io->xe, dom);
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id,
				  .tx_id = io->tx_id, .len = len };

	if (!port || xe_attach(io->xe, dom, port, io->handle) != 0 ||
	    ring_io(io, dom, port, (char *)&m, sizeof(m), true) ||
	    ring_io(io, dom, port, (char *)payload, len, true) ||
	    kick(io, dom, port))
		return -1;
	/* The reply, after any watch events sent before it. */
	for (;;) {
		if (ring_io(io, dom, port, (char *)&m, sizeof(m), false))
			return -1;
		if (m.type != XS_WATCH_EVENT)
			break;
		if (queue_event(io, dom, port, m.len))
			return -1;
	}
	/* A reply too long for reply is read off all the same, so that the
	 * next message starts where the ring says. */
	size_t keep = m.len < reply_len ? m.len : reply_len - 1;
	char drop;
	if (ring_io(io, dom, port, reply, keep, false))
		return -1;
	for (size_t i = keep; i < m.len; i++)
		if (ring_io(io, dom, port, &drop, 1, false))
			return -1;
	if (kick(io, dom, port))
		return -1;
	reply[keep] = '\0';
	if (keep < m.len) {
		errno = EMSGSIZE;
		return -1;
	}
	*reply_type = m.type;
	return (int)m.len;
}
