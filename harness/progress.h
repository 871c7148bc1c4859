/* progress.h: horde run's progress line: on a terminal one line redrawn,
 * in a log a line every 10 s and at each change of stage. The ETA follows
 * the creations of the last half minute, not the mean since the start: a
 * host slows as it fills, and the mean promises too early an end. */
#ifndef HORDE_PROGRESS_H
#define HORDE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "runner.h"

#define PROGRESS_RATE_SAMPLES 64

struct progress_view {
	int tty;
	uint64_t last_line_ns;
	const char *last_stage;
	struct { uint64_t at_ns; uint32_t done; } samples[PROGRESS_RATE_SAMPLES];
	unsigned nsamples, next;
};

/* Creations (and failures) a second over the last 30 s, or since the
 * start while the run is younger than 2 s of samples; records p. */
double progress_rate(struct progress_view *v, const struct run_progress *p);

/* Writes the line for p to f if it is due at now_ns. */
void progress_line(struct progress_view *v, const struct run_progress *p,
		   uint64_t now_ns, FILE *f);

#endif
