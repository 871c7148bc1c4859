/* test_loadgen.c: each arrival pattern's schedule, times and counts,
 * against its definition, on a simulated clock where every creation and
 * destruction takes a fixed time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../loadgen/loadgen.h"

#define MS 1000000ull

struct event {
	enum loadgen_action_kind kind;
	uint32_t seq;
	uint64_t at;        /* issued */
	uint32_t in_flight; /* after issuing */
};

struct sim {
	struct event ev[4096];
	size_t nev;
	struct { uint64_t done_at; uint32_t seq; bool create; } op[256];
	size_t nop;
	uint32_t max_in_flight, creates, destroys, sweeps;
	uint64_t end;
	uint64_t created_at[8192], destroyed_at[8192];
};

/* Runs the pattern to DONE, every operation taking op_ns. */
static void simulate(struct sim *s, const struct loadgen_config *cfg,
		     uint64_t op_ns)
{
	struct loadgen lg;
	uint64_t now = 0;

	memset(s, 0, sizeof(*s));
	assert_int_equal(loadgen_init(&lg, cfg, 1), 0);
	for (int guard = 0; guard < 1000000; guard++) {
		struct loadgen_action a = loadgen_next(&lg, now);
		if (a.kind == LOADGEN_CREATE || a.kind == LOADGEN_DESTROY) {
			assert_true(s->nop < 256);
			s->op[s->nop].done_at = now + op_ns;
			s->op[s->nop].seq = a.seq;
			s->op[s->nop++].create = a.kind == LOADGEN_CREATE;
			if (s->nop > s->max_in_flight)
				s->max_in_flight = (uint32_t)s->nop;
			if (a.kind == LOADGEN_CREATE)
				s->creates++;
			else
				s->destroys++;
		}
		if (a.kind != LOADGEN_WAIT && s->nev < 4096)
			s->ev[s->nev++] = (struct event){ a.kind, a.seq, now,
							 (uint32_t)s->nop };
		if (a.kind == LOADGEN_SWEEP) {
			assert_int_equal(s->nop, 0); /* nothing in flight */
			s->sweeps++;
			loadgen_swept(&lg, now);
			continue;
		}
		if (a.kind == LOADGEN_DONE) {
			assert_int_equal(s->nop, 0);
			s->end = now;
			loadgen_free(&lg);
			return;
		}
		if (a.kind != LOADGEN_WAIT)
			continue;
		/* Time moves to the first completion, or to until. */
		size_t first = s->nop;
		for (size_t i = 0; i < s->nop; i++)
			if (first == s->nop || s->op[i].done_at < s->op[first].done_at)
				first = i;
		if (first < s->nop &&
		    (a.until_ns == 0 || s->op[first].done_at <= a.until_ns)) {
			now = s->op[first].done_at;
			uint32_t seq = s->op[first].seq;
			if (s->op[first].create) {
				s->created_at[seq] = now;
				loadgen_created(&lg, seq, now, true);
			} else {
				s->destroyed_at[seq] = now;
				loadgen_destroyed(&lg, seq, now);
			}
			s->op[first] = s->op[--s->nop];
		} else {
			assert_true(a.until_ns > now); /* a wait that moves */
			now = a.until_ns;
		}
	}
	fail_msg("the pattern never ended");
}

static struct sim sim;

static void ramp(void **state)
{
	(void)state;
	struct loadgen_config c = { .pattern = LOADGEN_RAMP, .guests = 10,
				    .concurrency = 1 };
	simulate(&sim, &c, 1 * MS);
	assert_int_equal(sim.creates, 10);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(sim.ev[i].seq, i + 1);     /* in order */
		assert_int_equal(sim.ev[i].at, i * MS);      /* back to back */
	}
	assert_int_equal(sim.end, 10 * MS);

	c.concurrency = 4;
	simulate(&sim, &c, 1 * MS);
	assert_int_equal(sim.creates, 10);
	assert_int_equal(sim.max_in_flight, 4);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(sim.ev[i].at, (i / 4) * MS); /* 4, 4, 2 */
	assert_int_equal(sim.end, 3 * MS);
}

static void burst(void **state)
{
	(void)state;
	struct loadgen_config c = { .pattern = LOADGEN_BURST, .guests = 8,
				    .concurrency = 3, .burst = 3,
				    .burst_every_ns = 10 * MS };
	simulate(&sim, &c, 1 * MS);
	assert_int_equal(sim.creates, 8);
	static const uint64_t at[8] = { 0, 0, 0, 10, 10, 10, 20, 20 };
	for (int i = 0; i < 8; i++)
		assert_int_equal(sim.ev[i].at, at[i] * MS);
	assert_int_equal(sim.max_in_flight, 3);
	/* A burst slower than the interval: the next waits for it. */
	simulate(&sim, &c, 15 * MS);
	static const uint64_t late[8] = { 0, 0, 0, 15, 15, 15, 30, 30 };
	for (int i = 0; i < 8; i++)
		assert_int_equal(sim.ev[i].at, late[i] * MS);
}

static void steps(void **state)
{
	(void)state;
	struct loadgen_config c = { .pattern = LOADGEN_STEPS, .guests = 5,
				    .concurrency = 1, .levels = { 2, 5 },
				    .nlevels = 2, .hold_ns = 10 * MS };
	simulate(&sim, &c, 1 * MS);
	/* create 1, 2; sweep; hold 10 ms; create 3, 4, 5; sweep; hold. */
	static const struct { enum loadgen_action_kind k; uint32_t seq; uint64_t at; }
		want[] = { { LOADGEN_CREATE, 1, 0 },  { LOADGEN_CREATE, 2, 1 },
			   { LOADGEN_SWEEP, 0, 2 },   { LOADGEN_CREATE, 3, 12 },
			   { LOADGEN_CREATE, 4, 13 }, { LOADGEN_CREATE, 5, 14 },
			   { LOADGEN_SWEEP, 0, 15 },  { LOADGEN_DONE, 0, 25 } };
	assert_int_equal(sim.nev, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(sim.ev[i].kind, want[i].k);
		assert_int_equal(sim.ev[i].seq, want[i].seq);
		assert_int_equal(sim.ev[i].at, want[i].at * MS);
	}
	assert_int_equal(sim.sweeps, 2);
	struct loadgen lg;
	c.levels[1] = 2; /* levels must rise */
	assert_int_equal(loadgen_init(&lg, &c, 1), -1);
}

static void churn(void **state)
{
	(void)state;
	struct loadgen_config c = { .pattern = LOADGEN_CHURN, .guests = 4,
				    .concurrency = 4, .churn_ns = 30 * MS,
				    .lifetime_ns = 10 * MS,
				    .lifetime_dist = LIFETIME_FIXED,
				    .max_seq = 1000 };
	simulate(&sim, &c, 1 * MS);
	/* 4 at 0 (up at 1); churning 1..31 ms: each dies 10 ms after it
	 * came up and a new one takes its place once it is gone. */
	assert_int_equal(sim.creates, 12);
	assert_int_equal(sim.destroys, 8);
	for (uint32_t seq = 1; seq <= 8; seq++) {
		assert_int_equal(sim.destroyed_at[seq],
				 sim.created_at[seq] + 10 * MS + 1 * MS);
		/* its replacement is asked for as it goes */
		assert_int_equal(sim.created_at[seq + 4], sim.destroyed_at[seq] + 1 * MS);
	}
	assert_int_equal(sim.end, 31 * MS);
	assert_true(sim.max_in_flight <= 4);

	/* Exponential lifetimes: their mean is the mean asked for. */
	c.guests = 50;
	c.concurrency = 64;
	c.churn_ns = 200 * MS;
	c.lifetime_dist = LIFETIME_EXPONENTIAL;
	c.max_seq = 8000;
	c.seed = 3;
	simulate(&sim, &c, 0);
	double sum = 0;
	uint32_t n = 0;
	for (uint32_t seq = 1; seq < 8000; seq++)
		if (sim.destroyed_at[seq]) {
			sum += (double)(sim.destroyed_at[seq] - sim.created_at[seq]);
			n++;
		}
	/* about 50 x 200 / 10 = 1,000 deaths; mean within 10% */
	assert_true(n > 800 && n < 1200);
	assert_true(sum / n > 9.0 * MS && sum / n < 11.0 * MS);
}

static void resume_and_bad_configs(void **state)
{
	(void)state;
	struct loadgen lg;
	struct loadgen_config c = { .pattern = LOADGEN_RAMP, .guests = 10,
				    .concurrency = 1 };
	assert_int_equal(loadgen_init(&lg, &c, 7), 0);
	struct loadgen_action a = loadgen_next(&lg, 0);
	assert_int_equal(a.kind, LOADGEN_CREATE);
	assert_int_equal(a.seq, 7);
	c.concurrency = 0;
	assert_int_equal(loadgen_init(&lg, &c, 1), -1);
	c.concurrency = 1;
	c.pattern = LOADGEN_BURST; /* no burst size */
	assert_int_equal(loadgen_init(&lg, &c, 1), -1);
	c.pattern = LOADGEN_CHURN; /* no lifetime */
	assert_int_equal(loadgen_init(&lg, &c, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ramp),
		cmocka_unit_test(burst),
		cmocka_unit_test(steps),
		cmocka_unit_test(churn),
		cmocka_unit_test(resume_and_bad_configs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
