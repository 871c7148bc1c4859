/* loadgen.h: arrival patterns: when to create and destroy guests.
 *
 * A pattern is a state machine the runner asks, again and again, for its
 * next action at the current time, telling it how many operations are in
 * flight and when each one completes. It knows nothing of platforms, so
 * its schedule can be checked against its definition with a simulated
 * clock (tests/unit/test_loadgen.c).
 *
 *   ramp   create guests 1..N, at most `concurrency` in flight
 *   burst  every `burst_every`, `burst` creations at once (a burst waits
 *          for the one before it to finish), up to N
 *   steps  ramp to each of `levels` in turn; at each, sweep the probes
 *          and hold for `hold`
 *   churn  ramp to a population of N, then for `churn_for` destroy each
 *          guest when its lifetime (drawn at its creation) is over and
 *          create a new one in its place */
#ifndef HORDE_LOADGEN_H
#define HORDE_LOADGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/heap.h"

enum loadgen_pattern { LOADGEN_RAMP, LOADGEN_BURST, LOADGEN_STEPS,
		       LOADGEN_CHURN };
enum loadgen_lifetime { LIFETIME_FIXED, LIFETIME_EXPONENTIAL,
			LIFETIME_UNIFORM };

#define LOADGEN_MAX_LEVELS 32

struct loadgen_config {
	enum loadgen_pattern pattern;
	uint32_t guests;          /* ramp, burst: the target; churn: population */
	uint32_t concurrency;     /* operations in flight at most (>= 1) */
	uint32_t burst;           /* burst: creations a burst */
	uint64_t burst_every_ns;  /* burst: from one burst's start to the next */
	uint32_t levels[LOADGEN_MAX_LEVELS]; /* steps: increasing */
	uint32_t nlevels;
	uint64_t hold_ns;         /* steps: time at each level */
	uint64_t churn_ns;        /* churn: how long, once at the population */
	uint64_t lifetime_ns;     /* churn: mean lifetime */
	enum loadgen_lifetime lifetime_dist; /* uniform: 0 .. 2 x mean */
	uint64_t seed;
	uint32_t max_seq;         /* never create beyond this guest number */
};

enum loadgen_action_kind {
	LOADGEN_CREATE,  /* create guest seq */
	LOADGEN_DESTROY, /* destroy guest seq */
	LOADGEN_WAIT,    /* nothing yet: ask again at until_ns, or sooner
			  * when an operation completes (until_ns 0: only
			  * then) */
	LOADGEN_SWEEP,   /* all in flight done: probe every living guest */
	LOADGEN_DONE,    /* the pattern is complete, once nothing is in
			  * flight */
};

struct loadgen_action {
	enum loadgen_action_kind kind;
	uint32_t seq;       /* CREATE, DESTROY: 1-based */
	uint64_t until_ns;  /* WAIT */
};

struct loadgen_death {
	uint64_t at_ns;
	uint32_t seq;
};

struct loadgen {
	struct loadgen_config cfg;
	uint32_t next_seq;      /* the next guest to create */
	uint32_t created;       /* creations issued */
	uint32_t living;        /* created (completed) minus destroyed */
	uint32_t in_flight;
	uint32_t level;         /* steps: index of the level being reached */
	bool holding;           /* steps: swept at this level, holding */
	uint64_t hold_until;
	uint32_t burst_left;    /* burst: creations left in this burst */
	uint32_t bursts;        /* burst: bursts started */
	uint64_t churn_end;     /* churn: 0 until the population is reached */
	uint32_t replace;       /* churn: destroyed, not yet replaced */
	struct heap deaths;     /* churn: struct loadgen_death, by at_ns */
	uint64_t rng;
};

/* Checks cfg and sets lg up to go on from guest first_seq (1, or where a
 * resumed run stopped). Returns 0, or -1 when cfg is inconsistent. */
int loadgen_init(struct loadgen *lg, const struct loadgen_config *cfg,
		 uint32_t first_seq);
void loadgen_free(struct loadgen *lg);
/* The next thing to do at now_ns (from the run's start). */
struct loadgen_action loadgen_next(struct loadgen *lg, uint64_t now_ns);
/* Completion of an operation loadgen_next asked for. */
void loadgen_created(struct loadgen *lg, uint32_t seq, uint64_t now_ns, bool ok);
void loadgen_destroyed(struct loadgen *lg, uint32_t seq, uint64_t now_ns);
/* The runner did the sweep it was asked for. */
void loadgen_swept(struct loadgen *lg, uint64_t now_ns);
/* The highest guest number the pattern may create. */
uint32_t loadgen_max_seq(const struct loadgen_config *cfg);

#endif
