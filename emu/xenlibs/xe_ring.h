/* xe_ring.h: a guest's end of its XenStore ring on the emulated host
 * (xen/io/xs_wire.h): one request at a time, its reply read back, the
 * guest's store port kicked and its handle waited on, as a PV guest's
 * xenbus does. Used by emu's guests and by the tests' tool. */
#ifndef HORDE_XE_RING_H
#define HORDE_XE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "xe_state.h"

/* A guest's side: the handle its events come to (one may serve many
 * guests, one request at a time). */
struct xe_guest_io {
	struct xe *xe;
	uint32_t handle;
	int fd;
	int timeout_ms; /* for each wait on the daemon */
};

/* Sends request type (XS_READ, XS_WRITE, ...) with payload from guest
 * dom (whose store port it takes for io's handle) and reads the reply:
 * its type into *type, its payload, nul-terminated, into reply (len
 * bytes at most). Returns the reply's length, or -1 with errno
 * (ETIMEDOUT: no reply in time). */
int xe_ring_request(struct xe_guest_io *io, uint32_t dom, uint32_t type,
		    const void *payload, uint32_t len, uint32_t *reply_type,
		    char *reply, size_t reply_len);

#endif
