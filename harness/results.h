/* results.h: the results store, one SQLite database per plan.
 *
 * Schema (PRAGMA user_version 8; results.c migrates older databases),
 * STRICT tables:
 *   runs    one row per job run: plan text, platform, host, versions,
 *           what is modelled, start/end, status
 *   guests  one row per guest: domid, address, creation start and time,
 *           unpause, time-to-alive, failure
 *   phases  four rows per created guest: toolstack, xenstore, hypervisor,
 *           dom0 (first entry and total ns)
 *   destroy_phases  the same four rows for each destruction (v3)
 *   hv_ops  the hypervisor phase operation by operation, for creation and
 *           destruction (v6)
 * runs also say what horde itself cost while creating (v7), when they
 * began their teardown and what stopped them, if not a guest (v8).
 *   samples the host sampler's series: one row per metric per sample,
 *           with the number of guests created at that moment (v2)
 *   sweeps  one row per ARP sweep of every living guest (v2)
 * WAL with synchronous=NORMAL; rows are written in batches, committed at
 * least once a second, so readers (horde report) never block the run. */
#ifndef HORDE_RESULTS_H
#define HORDE_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/util.h"
#include "../xcl/xcl.h"

struct results;

struct run_meta {
	const char *plan_path, *plan_text, *job, *platform, *profile;
	long long guests_planned;
	const char *platform_version, *modelled;
};

struct guest_row {
	uint32_t seq;
	int64_t domid;            /* -1 when creation failed */
	const char *name, *address, *mac;
	uint64_t created_at_ns;   /* from the run's start */
	const struct xcl_timing *timing;
	uint64_t unpaused_at_ns;  /* from the run's start; 0 if never */
	const char *failure;      /* NULL when created */
};

/* Opens (creating or migrating) the database at path. */
int results_open(const char *path, struct results **out, struct hd_err *err);
/* Commits what is pending and closes; safe with NULL. */
void results_close(struct results *r);

int results_run_begin(struct results *r, const struct run_meta *m,
		      int64_t *run_id, struct hd_err *err);
int results_guest(struct results *r, int64_t run_id, const struct guest_row *g,
		  struct hd_err *err);
int results_alive(struct results *r, int64_t run_id, uint32_t seq,
		  int64_t alive_ns, const char *reply_mac, uint32_t probes,
		  const char *failure, struct hd_err *err);
/* A guest destroyed at at_ns (from the run's start), timed per phase. */
int results_destroyed(struct results *r, int64_t run_id, uint32_t seq,
		      uint64_t at_ns, const struct xcl_timing *t,
		      const char *failure, struct hd_err *err);
/* A failure found after creation; the guest's first failure is kept. */
int results_failure(struct results *r, int64_t run_id, uint32_t seq,
		    const char *failure, struct hd_err *err);
/* One row of the host sampler's series: source is a process ("horde-
 * xenstored"), "host" or "store"; metric says what value is. */
int results_sample(struct results *r, int64_t run_id, uint64_t at_ns,
		   uint32_t guests, const char *source, const char *metric,
		   double value, struct hd_err *err);

struct sweep_row {
	uint32_t sweep;          /* 1, 2, ... within the run */
	uint64_t at_ns;          /* start, from the run's start */
	uint32_t guests;         /* created so far */
	uint32_t probed, answered, wrong_mac;
	uint64_t sent;           /* ARP requests, retries included */
	uint64_t duration_ns;    /* until the last answer or timeout */
	uint64_t rtt_p50_ns, rtt_p90_ns, rtt_p99_ns, rtt_max_ns;
};
int results_sweep(struct results *r, int64_t run_id, const struct sweep_row *w,
		  struct hd_err *err);
/* Marks 'crashed' every run of this host still 'running' whose horde is
 * gone (its pid not a horde of this boot); their ids go to ids. */
int results_mark_crashed(struct results *r, int64_t *ids, size_t max,
			 size_t *n, struct hd_err *err);
/* Makes run_id 'running' again, owned by this process, if it is crashed
 * or interrupted: of several hordes resuming one run, one gets it and the
 * others an error saying who has it. */
int results_run_resume(struct results *r, int64_t run_id, struct hd_err *err);

/* What a run stored of itself, for resuming it. The caller frees the
 * strings. */
struct stored_run {
	char *plan_path, *plan_text;
	char job[64], status[16];
	bool tearing_down; /* it had begun destroying its guests */
	uint32_t sweeps;   /* the sweeps it stored */
};
int results_run_info(struct results *r, int64_t run_id,
		     struct stored_run *out, struct hd_err *err);

/* What a run stored of a guest, for resuming it. */
struct stored_guest {
	uint32_t seq;
	int64_t domid;     /* -1: its creation failed */
	bool alive;        /* it answered ARP */
	bool verdict;      /* it answered, or its failure is stored */
	bool destroyed;    /* its destruction is stored */
	uint64_t created_at_ns;
};
/* The run's guests in order of seq, at most max. */
int results_run_guests(struct results *r, int64_t run_id,
		       struct stored_guest *out, size_t max, size_t *n,
		       struct hd_err *err);
/* The run begins destroying its guests at_ns from its start: stored at
 * once (and only the first time), so that a horde killed while tearing
 * down is resumed into the rest of its teardown. */
int results_run_teardown(struct results *r, int64_t run_id, uint64_t at_ns,
			 struct hd_err *err);
/* status: done, failed, interrupted. */
/* What horde cost while creating: time outside and inside the platform's
 * calls (a ramp with one worker). */
int results_run_overhead(struct results *r, int64_t run_id,
			 uint64_t harness_ns, uint64_t platform_ns,
			 struct hd_err *err);
/* cause: why the run failed or stopped, when the harness or the host
 * says (a daemon died, a write failed), or NULL. */
int results_run_end(struct results *r, int64_t run_id, const char *status,
		    const char *cause, struct hd_err *err);
/* Commits the open batch if it is older than a second (or always when
 * force), and opens a new one. */
int results_commit(struct results *r, int force, struct hd_err *err);

/* The database handle, for queries by the report and the tests. */
struct sqlite3 *results_db(struct results *r);

/* Version and commit this binary was built from. */
const char *horde_version(void);
const char *horde_commit(void);

#endif
