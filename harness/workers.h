/* workers.h: the runner's platform operations, carried out by a pool of
 * threads so that several creations (or destructions) can be in flight
 * (plan key concurrency). With one worker the operations run inline, in
 * the caller's thread, at no cost. Completed operations come back to the
 * caller, who alone stores results. */
#ifndef HORDE_WORKERS_H
#define HORDE_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

enum op_kind { OP_CREATE, OP_DESTROY };

struct op {
	enum op_kind kind;
	uint32_t seq;
	struct guest_spec spec;  /* OP_CREATE */
	uint32_t domid;          /* OP_DESTROY's input, OP_CREATE's output */
	/* Filled by the worker. */
	int rc;
	uint64_t started_ns;
	struct xcl_timing t;
	struct hd_err err;
};

struct workers;

/* Workers must start after the platform is open (its threads inherit the
 * network namespace the emulated host put this thread in). */
int workers_start(const struct platform_ops *ops, struct platform *plat,
		  uint32_t n, struct workers **out, struct hd_err *err);
/* Queues an operation (with one worker: carries it out now). */
int workers_submit(struct workers *w, const struct op *op, struct hd_err *err);
/* Moves up to max completed operations into out, waiting up to wait_ns for
 * one while any is in flight. */
size_t workers_done(struct workers *w, struct op *out, size_t max,
		    uint64_t wait_ns);
/* Submitted and not yet taken back. */
uint32_t workers_pending(struct workers *w);
/* Waits for the operations in flight, then stops the threads; operations
 * not taken back are dropped. */
void workers_stop(struct workers *w);

#endif
