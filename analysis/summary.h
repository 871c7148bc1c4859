/* summary.h: a run in figures: guests attempted, created and alive; per
 * bucket of guest counts the creation and time-to-alive quantiles and
 * each phase's median; how each phase grows per 1,000 guests; failures
 * grouped by kind. Printed as text (the closing summary) or as JSON
 * (--json), and the figures' buckets come from here too. */
#ifndef HORDE_SUMMARY_H
#define HORDE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../xcl/xcl.h"
#include "../lib/util.h"

struct sqlite3;

/* The version of the JSON shape horde's --json outputs share; README's
 * "Machine-readable output" documents it. */
#define SUMMARY_JSON_SCHEMA 1

/* Per-guest figures of one run, in creation order. */
struct guest_fig {
	uint32_t seq;
	int ok;            /* created */
	uint64_t create_ns;
	uint64_t phase_ns[XCL_PHASE_COUNT];
	int64_t alive_ns;  /* -1: never answered */
};

int summary_load_guests(struct sqlite3 *db, int64_t run_id,
			struct guest_fig **out, size_t *n, struct hd_err *err);

struct bucket_stats {
	uint32_t first, last, created, alive;
	uint64_t create_p50, create_p99, alive_p50, alive_p99;
	uint64_t phase_p50[XCL_PHASE_COUNT]; /* each phase's median */
};

/* Statistics of guests [from, to) of v; scratch holds to - from values. */
void summary_bucket(const struct guest_fig *v, size_t from, size_t to,
		    uint64_t *scratch, struct bucket_stats *b);

struct failure_kind {
	char text[256];   /* the first guest's own text */
	uint32_t count, first;
};

#define SUMMARY_MAX_KINDS 16

struct run_summary {
	int64_t id;
	char job[128], platform[16], status[16];
	char cause[512]; /* what stopped a failed or interrupted run; "" */
	uint32_t attempted, created, alive;
	long long bucket;
	struct bucket_stats *buckets;
	size_t nbuckets;
	/* Least-squares slope of the buckets' medians against guest count,
	 * per 1,000 guests: [0..XCL_PHASE_COUNT) the phases, then the whole
	 * creation. has_growth: at least two buckets with guests. */
	bool has_growth;
	double growth_ns[XCL_PHASE_COUNT + 1];
	struct failure_kind kinds[SUMMARY_MAX_KINDS];
	size_t nkinds;
	uint32_t other_failures; /* beyond SUMMARY_MAX_KINDS kinds */
	/* The host's median 1-minute load during the run, and its CPUs;
	 * busy: the load passed the CPUs (other work competed). */
	bool has_load, busy;
	double load1;
	int cpus;
	/* What horde itself cost while creating, where it was measured. */
	bool has_overhead;
	double overhead_pct, overhead_ns_per_guest;
};

int summary_load(struct sqlite3 *db, int64_t run_id, long long bucket,
		 struct run_summary *s, struct hd_err *err);
void summary_free(struct run_summary *s);
void summary_print_text(const struct run_summary *s, FILE *f);
/* One run as a JSON object (no schema_version: the caller's wrapper has). */
void summary_print_json(const struct run_summary *s, FILE *f);

#endif
