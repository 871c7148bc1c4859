/* compare.h: `horde compare BASE CAND`, a regression gate for CI.
 *
 * Each side is one or more runs (a database, or a database and run ids).
 * The independent unit is the run: each run is reduced to its median
 * creation time per bucket of guest counts, its growth slope per 1,000
 * guests, its time to reach N guests, its median time-to-alive and its
 * failure count; the sides' per-run values are compared with a
 * one-sided permutation test. A metric regresses when the candidate is
 * worse with p < alpha AND by at least min_effect (relative; for the
 * slope, the rise over the run as a share of the median creation time;
 * for failures, one guest a run). */
#ifndef HORDE_COMPARE_H
#define HORDE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"

#define COMPARE_MAX_RUNS 64

struct compare_side {
	char db_path[4096];
	int64_t ids[COMPARE_MAX_RUNS];
	size_t nids; /* 0: every run of the database that is done */
};

struct compare_opts {
	double alpha;       /* 0.01 */
	double min_effect;  /* 0.05 */
	uint32_t buckets;   /* of the guest count: 4 */
	bool force;         /* compare different plans, platforms, hosts */
	bool json;          /* the table as a JSON document */
};

enum compare_verdict { COMPARE_SAME = 0, COMPARE_REGRESSION = 1,
		       COMPARE_CANNOT = 2 };

/* Parses "DB" or "DB:ID,ID,...". */
int compare_parse_side(const char *s, struct compare_side *out,
		       struct hd_err *err);

/* Compares and prints a table to out. *verdict says the outcome; an error
 * (unreadable database, no runs) is returned as such. */
int compare_runs(const struct compare_side *base, const struct compare_side *cand,
		 const struct compare_opts *o, FILE *out,
		 enum compare_verdict *verdict, struct hd_err *err);

#endif
