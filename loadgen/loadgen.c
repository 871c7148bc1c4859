/* loadgen.c: see loadgen.h. */
#include "loadgen.h"

#include "../lib/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint32_t loadgen_max_seq(const struct loadgen_config *cfg)
{
	switch (cfg->pattern) {
	case LOADGEN_STEPS:
		return cfg->nlevels ? cfg->levels[cfg->nlevels - 1] : 0;
	case LOADGEN_CHURN:
		return cfg->max_seq;
	default:
		return cfg->guests;
	}
}

int loadgen_init(struct loadgen *lg, const struct loadgen_config *cfg,
		 uint32_t first_seq)
{
	memset(lg, 0, sizeof(*lg));
	lg->cfg = *cfg;
	if (cfg->concurrency < 1 || cfg->guests < 1 || first_seq < 1)
		return -1;
	switch (cfg->pattern) {
	case LOADGEN_RAMP:
		break;
	case LOADGEN_BURST:
		if (cfg->burst < 1 || cfg->burst_every_ns == 0)
			return -1;
		break;
	case LOADGEN_STEPS:
		if (cfg->nlevels < 1 || cfg->nlevels > LOADGEN_MAX_LEVELS)
			return -1;
		for (uint32_t i = 0; i < cfg->nlevels; i++)
			if (cfg->levels[i] < 1 ||
			    (i && cfg->levels[i] <= cfg->levels[i - 1]))
				return -1;
		/* A resumed run starts at the first level not yet reached. */
		while (lg->level < cfg->nlevels &&
		       cfg->levels[lg->level] < first_seq)
			lg->level++;
		break;
	case LOADGEN_CHURN:
		if (cfg->lifetime_ns == 0 || cfg->churn_ns == 0 ||
		    cfg->max_seq < cfg->guests || first_seq != 1)
			return -1;
		break;
	}
	lg->next_seq = first_seq;
	lg->created = first_seq - 1;
	lg->rng = cfg->seed ? cfg->seed : 1;
	heap_init(&lg->deaths, sizeof(struct loadgen_death));
	return 0;
}

void loadgen_free(struct loadgen *lg)
{
	heap_free(&lg->deaths);
}

static double unit(struct loadgen *lg)
{
	return hd_rand_unit(&lg->rng);
}

static uint64_t lifetime(struct loadgen *lg)
{
	double mean = (double)lg->cfg.lifetime_ns;
	switch (lg->cfg.lifetime_dist) {
	case LIFETIME_EXPONENTIAL:
		return (uint64_t)(-mean * log(unit(lg)));
	case LIFETIME_UNIFORM:
		return (uint64_t)(2.0 * mean * unit(lg));
	case LIFETIME_FIXED:
		break;
	}
	return lg->cfg.lifetime_ns;
}

static struct loadgen_action act(enum loadgen_action_kind kind, uint32_t seq,
				 uint64_t until)
{
	return (struct loadgen_action){ kind, seq, until };
}

static struct loadgen_action create(struct loadgen *lg)
{
	lg->in_flight++;
	lg->created++;
	return act(LOADGEN_CREATE, lg->next_seq++, 0);
}

/* Creations up to target, concurrency in flight; false when all issued. */
static bool ramp_to(struct loadgen *lg, uint32_t target,
		    struct loadgen_action *a)
{
	if (lg->next_seq > target)
		return false;
	*a = lg->in_flight < lg->cfg.concurrency ? create(lg)
						 : act(LOADGEN_WAIT, 0, 0);
	return true;
}

/* Everything issued: done once nothing is in flight. */
static struct loadgen_action finish(struct loadgen *lg)
{
	return lg->in_flight ? act(LOADGEN_WAIT, 0, 0) : act(LOADGEN_DONE, 0, 0);
}

static struct loadgen_action next_burst(struct loadgen *lg, uint64_t now)
{
	if (lg->burst_left) {
		lg->burst_left--;
		return create(lg);
	}
	if (lg->next_seq > lg->cfg.guests)
		return finish(lg);
	if (lg->in_flight)
		return act(LOADGEN_WAIT, 0, 0); /* the burst before */
	uint64_t due = (uint64_t)lg->bursts * lg->cfg.burst_every_ns;
	if (now < due)
		return act(LOADGEN_WAIT, 0, due);
	lg->bursts++;
	uint32_t left = lg->cfg.guests - lg->next_seq + 1;
	lg->burst_left = (lg->cfg.burst < left ? lg->cfg.burst : left) - 1;
	return create(lg);
}

static struct loadgen_action next_step(struct loadgen *lg, uint64_t now)
{
	struct loadgen_action a;

	if (lg->holding) {
		if (now < lg->hold_until)
			return act(LOADGEN_WAIT, 0, lg->hold_until);
		lg->holding = false;
		lg->level++;
	}
	if (lg->level >= lg->cfg.nlevels)
		return finish(lg);
	if (ramp_to(lg, lg->cfg.levels[lg->level], &a))
		return a;
	if (lg->in_flight)
		return act(LOADGEN_WAIT, 0, 0);
	return act(LOADGEN_SWEEP, 0, 0);
}

static struct loadgen_action next_churn(struct loadgen *lg, uint64_t now)
{
	struct loadgen_action a;

	if (!lg->churn_end) {
		if (ramp_to(lg, lg->cfg.guests, &a))
			return a;
		if (lg->in_flight)
			return act(LOADGEN_WAIT, 0, 0);
		lg->churn_end = now + lg->cfg.churn_ns;
	}
	if (now >= lg->churn_end)
		return finish(lg);
	bool room = lg->in_flight < lg->cfg.concurrency;
	if (lg->replace && room && lg->next_seq <= lg->cfg.max_seq) {
		lg->replace--;
		return create(lg);
	}
	const struct loadgen_death *next = heap_top(&lg->deaths);
	if (next && next->at_ns <= now && room) {
		struct loadgen_death d;
		heap_pop(&lg->deaths, &d);
		lg->in_flight++;
		return act(LOADGEN_DESTROY, d.seq, 0);
	}
	if (!room)
		return act(LOADGEN_WAIT, 0, 0);
	uint64_t until = lg->churn_end;
	if (next && next->at_ns < until)
		until = next->at_ns;
	return act(LOADGEN_WAIT, 0, until);
}

struct loadgen_action loadgen_next(struct loadgen *lg, uint64_t now_ns)
{
	struct loadgen_action a;

	switch (lg->cfg.pattern) {
	case LOADGEN_BURST:
		return next_burst(lg, now_ns);
	case LOADGEN_STEPS:
		return next_step(lg, now_ns);
	case LOADGEN_CHURN:
		return next_churn(lg, now_ns);
	case LOADGEN_RAMP:
		break;
	}
	return ramp_to(lg, lg->cfg.guests, &a) ? a : finish(lg);
}

void loadgen_created(struct loadgen *lg, uint32_t seq, uint64_t now_ns, bool ok)
{
	lg->in_flight--;
	if (!ok)
		return;
	lg->living++;
	/* Out of memory, the guest lives on: held, not lost. */
	if (lg->cfg.pattern == LOADGEN_CHURN)
		heap_push(&lg->deaths, &(struct loadgen_death){ now_ns + lifetime(lg),
								seq });
}

void loadgen_destroyed(struct loadgen *lg, uint32_t seq, uint64_t now_ns)
{
	(void)seq;
	lg->in_flight--;
	lg->living--;
	if (lg->churn_end && now_ns < lg->churn_end)
		lg->replace++;
}

void loadgen_swept(struct loadgen *lg, uint64_t now_ns)
{
	lg->holding = true;
	lg->hold_until = now_ns + lg->cfg.hold_ns;
}
