/* runner.h: runs one job of a plan: opens the platform and the prober,
 * follows the job's load pattern, stores every figure, proves every guest
 * alive, destroys what it created, and marks the run's status. A failed
 * guest is stored with its cause; with on_failure=stop the run creates no
 * more guests after the first failure it learns of (a failure dom0 finds
 * after creation, such as a console's, is learnt a little later). */
#ifndef HORDE_RUNNER_H
#define HORDE_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../probes/sampler.h"
#include "plan.h"
#include "results.h"
#include "../lib/util.h"

struct run_progress {
	const char *stage; /* "creating", "waiting for ARP", "destroying" */
	uint32_t planned, created, failed, alive, dead, destroyed;
	uint32_t faulty; /* created, then failed in dom0 (console, boot) */
	uint32_t sweeps, swept_probed, swept_answered; /* the last sweep's */
	uint64_t elapsed_ns;
	int final; /* the last report of the run */
};

typedef void (*run_progress_fn)(void *arg, const struct run_progress *p);

struct run_options {
	/* Incremented by the caller's signal handler: 1 stops creating and
	 * tears down in order; 2 skips destroying guests one by one and
	 * tears the host down at once. */
	volatile sig_atomic_t *stop;
	run_progress_fn progress; /* called at most ~10 times a second */
	void *progress_arg;
	bool keep;              /* leave the guests (on Xen; emu ends anyway) */
	/* Told of each guest that failed, as it is stored (horde run -v);
	 * on the runner's thread. */
	void (*on_failure)(void *arg, uint32_t seq, const char *cause);
	void *failure_arg;
	int64_t resume_run_id;  /* continue this run instead of a new one */
};

#define RUN_MAX_THREAD_NAMES 16

struct run_outcome {
	int64_t run_id;
	const char *status; /* done, failed, interrupted */
	uint32_t created; /* guests created (whether the run fell short is
			     read back from its stored figures) */
	/* While creating: time in the platform's create calls, and the rest
	 * (storing, probing, bookkeeping), horde's own overhead. */
	uint64_t platform_ns, harness_ns;
	/* CPU time each of horde's threads spent while creating, by thread
	 * name (emu's threads included: they are horde's too; libxenstore's
	 * reader threads count with the thread that started them). */
	struct thread_cpu threads[RUN_MAX_THREAD_NAMES];
	size_t nthreads;
};

/* Runs job and records it in results. Returns HD_OK when the run could be
 * carried out (guests may still have failed: see outcome), or an error
 * when the harness or host failed. */
int runner_run(const struct plan *plan, const struct plan_job *job,
	       struct results *results, const struct run_options *opts,
	       struct run_outcome *outcome, struct hd_err *err);

#endif
