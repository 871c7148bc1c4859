/* xcl_workers.h: libxcl contexts for a caller's threads, each on XenStore
 * connections of its own: a connection's watch events cannot be shared
 * between threads, and a reply on a connection that has a watch passes
 * libxenstore's reader thread (see xcl_ctx_new). */
#ifndef HORDE_XCL_WORKERS_H
#define HORDE_XCL_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "xcl.h"

/* How many XenStore connections each worker holds. */
enum xcl_handles {
	XCL_HANDLES_TWO, /* one for requests, one for watches */
	XCL_HANDLES_ONE, /* requests and watches on one, as a simple
			    toolstack does */
};

struct xcl_worker {
	struct xs_handle *xs, *watch_xs; /* watch_xs is xs with one handle */
	struct xcl_ctx *ctx;
};

struct xcl_workers {
	struct xcl_worker *w; /* n of them */
	uint32_t n;
};

/* Opens n contexts (1..nargs) over hypervisor ops, worker i with
 * hv_args[i] of nargs. On failure what was opened is closed again. */
int xcl_workers_open(struct xcl_workers *w, uint32_t n, enum xcl_handles handles,
		     const struct xcl_hv_ops *ops, void *const *hv_args,
		     size_t nargs, uint64_t backend_timeout_ns,
		     struct hd_err *err);
/* Closes every context and its connections; safe on a zeroed or closed
 * set. */
void xcl_workers_close(struct xcl_workers *w);

#endif
