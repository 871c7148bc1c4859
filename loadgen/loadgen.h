/* loadgen.h: arrival patterns: when to create (and later destroy) guests.
 * A pattern is a small state machine the runner asks for its next action;
 * it knows nothing of platforms. */
#ifndef HORDE_LOADGEN_H
#define HORDE_LOADGEN_H

#include <stdint.h>

enum loadgen_kind {
	LOADGEN_RAMP, /* create guests one after another up to a target */
};

enum loadgen_action_kind {
	LOADGEN_CREATE, /* create guest number seq */
	LOADGEN_DONE,   /* the pattern is complete */
};

struct loadgen_action {
	enum loadgen_action_kind kind;
	uint32_t seq; /* 1-based */
};

struct loadgen {
	enum loadgen_kind kind;
	uint32_t target;
	uint32_t issued;
};

/* A ramp from guest first (1-based) up to target. */
void loadgen_ramp(struct loadgen *lg, uint32_t first, uint32_t target);
/* The next action. */
struct loadgen_action loadgen_next(struct loadgen *lg);

#endif
