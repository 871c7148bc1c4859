/* xe_ring.h: a guest's end of its XenStore ring on the emulated host
 * (xen/io/xs_wire.h): one request at a time, its reply read back, the
 * guest's store port kicked and its handle waited on, as a PV guest's
 * xenbus does. Used by emu's guests and by the tests' tool. */
#ifndef HORDE_XE_RING_H
#define HORDE_XE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xe_state.h"

/* A watch event the daemon sent on the ring: "path\0token\0". */
struct xe_watch_event {
	struct xe_watch_event *next;
	uint32_t len;
	char body[];
};

/* A guest's side: the handle its events come to (one may serve many
 * guests, one request at a time). A side that sets watches (dom0's
 * kernel) finds the events that came between replies queued in events,
 * oldest first, as Linux's xenbus queues them for its xenwatch thread. */
struct xe_guest_io {
	struct xe *xe;
	uint32_t handle;
	int fd;
	int timeout_ms; /* for each wait on the daemon; -1: as long as it
			 * takes, as a PV guest's xenbus waits */
	uint32_t tx_id; /* the transaction requests are made in; 0: none */
	bool kick_due;  /* bytes moved since the daemon was last notified */
	/* Readable when the owner stops: a wait gives up at once
	 * (ECANCELED), and so does every wait after. */
	bool has_cancel;
	int cancel_fd;
	struct xe_watch_event *events, **events_tail;
};

/* Sends request type (XS_READ, XS_WRITE, ...) with payload from guest
 * dom (whose store port it takes for io's handle) and reads the reply:
 * its type into *type, its payload, nul-terminated, into reply (len
 * bytes at most). Returns the reply's length, or -1 with errno
 * (ETIMEDOUT: no reply in time). */
int xe_ring_request(struct xe_guest_io *io, uint32_t dom, uint32_t type,
		    const void *payload, uint32_t len, uint32_t *reply_type,
		    char *reply, size_t reply_len);

/* Queues a watch event's body, as it came ("path\0token\0"). */
int xe_ring_queue_event(struct xe_guest_io *io, const char *body, uint32_t len);
/* Reads what the daemon has sent dom on its ring without a request
 * outstanding (only watch events can come), into io's queue, without
 * waiting. Returns 0, or -1 with errno. */
int xe_ring_take_events(struct xe_guest_io *io, uint32_t dom);
/* Takes one event of io's handle off its descriptor, waiting up to
 * io->timeout_ms, and unmasks its port: for a caller that polls the
 * descriptor itself. Returns 0, or -1 with errno (ETIMEDOUT, ECANCELED). */
int xe_ring_wait(struct xe_guest_io *io);
/* The oldest queued event, which the caller frees, or NULL. */
struct xe_watch_event *xe_ring_next_event(struct xe_guest_io *io);

#endif
