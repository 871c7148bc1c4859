/* progress.c: see progress.h. */
#include "progress.h"

#include <string.h>

#define RATE_WINDOW_NS 30000000000ull
#define SAMPLE_EVERY_NS 500000000ull
#define MIN_SPAN_NS 2000000000ull

double progress_rate(struct progress_view *v, const struct run_progress *p)
{
	uint32_t done = p->created + p->failed;
	unsigned last = (v->next + PROGRESS_RATE_SAMPLES - 1) % PROGRESS_RATE_SAMPLES;
	/* A new job starts its clock and count again: forget the last's. */
	if (v->nsamples && (p->elapsed_ns < v->samples[last].at_ns ||
			    done < v->samples[last].done))
		v->nsamples = 0;
	if (!v->nsamples || p->elapsed_ns - v->samples[last].at_ns >= SAMPLE_EVERY_NS) {
		v->samples[v->next].at_ns = p->elapsed_ns;
		v->samples[v->next].done = done;
		v->next = (v->next + 1) % PROGRESS_RATE_SAMPLES;
		if (v->nsamples < PROGRESS_RATE_SAMPLES)
			v->nsamples++;
	}
	/* The oldest sample still in the window. */
	for (unsigned i = v->nsamples; i > 0; i--) {
		unsigned k = (v->next + PROGRESS_RATE_SAMPLES - i) % PROGRESS_RATE_SAMPLES;
		uint64_t span = p->elapsed_ns - v->samples[k].at_ns;
		if (span <= RATE_WINDOW_NS && span >= MIN_SPAN_NS)
			return (done - v->samples[k].done) / (span / 1e9);
	}
	return p->elapsed_ns ? done / (p->elapsed_ns / 1e9) : 0;
}

void progress_line(struct progress_view *v, const struct run_progress *p,
		   uint64_t now_ns, FILE *f)
{
	double secs = p->elapsed_ns / 1e9;
	double rate = secs > 0 ? p->created / secs : 0;
	double recent = progress_rate(v, p);
	uint32_t left = p->planned - p->created - p->failed;
	char eta[32] = "";

	if (!v->tty && !p->final && p->stage == v->last_stage &&
	    now_ns - v->last_line_ns < 10000000000ull)
		return;
	v->last_line_ns = now_ns;
	v->last_stage = p->stage;
	/* An ETA only while creating, where it means something. */
	if (left && recent > 0 && strcmp(p->stage, "creating") == 0)
		snprintf(eta, sizeof(eta), "  eta %5.0fs", left / recent);
	fprintf(f, "%s  %-15s %6u/%u created  %7.1f/s%s  "
		"alive %u  dead %u  failed %u  destroyed %u%s",
		v->tty ? "\r" : "", p->stage, p->created, p->planned, rate,
		eta, p->alive, p->dead, p->failed + p->faulty, p->destroyed,
		v->tty ? "\033[K" : "\n");
}
