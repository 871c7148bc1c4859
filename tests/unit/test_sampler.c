/* test_sampler.c: the host sampler, on this test's own process: a sample
 * at every interval, CPU time that only grows, the host's and the
 * platform's metrics, and the living-guest count taken with each. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../probes/sampler.h"

#include "fail_alloc.h"

static void extra(void *arg, sampler_emit_fn emit, void *ctx)
{
	(*(int *)arg)++;
	emit(ctx, "store", "nodes", 42);
}

static void samples_every_interval(void **state)
{
	(void)state;
	_Atomic uint32_t guests = 5;
	int extra_calls = 0;
	struct sampler_config cfg = {
		.interval_ns = 50000000, .t0_ns = hd_now_ns(), .nprocs = 1,
		.extra = extra, .extra_arg = &extra_calls, .guests = &guests,
	};
	cfg.procs[0] = (struct sampler_proc){ "test", getpid() };
	struct sampler *s;
	struct hd_err err;
	static struct sample smp[4096];

	assert_int_equal(sampler_start(&cfg, &s, &err), HD_OK);
	/* Work for 300 ms of CPU time, so that there is some to see. */
	uint64_t until = hd_now_ns() + 300000000ull;
	volatile uint64_t x = 0;
	while (hd_now_ns() < until)
		x += 1;
	atomic_store(&guests, 9);
	sampler_stop(s);
	uint64_t elapsed = hd_now_ns() - cfg.t0_ns;
	size_t n;
	assert_int_equal(sampler_take(s, smp, 4096, &n, &err), HD_OK);
	sampler_free(s);

	double last_cpu = -1, first_cpu = -1;
	uint64_t last_at = 0, max_gap = 0;
	size_t cpu_samples = 0, load = 0, nodes = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(smp[i].metric, "load1") == 0)
			load++;
		if (strcmp(smp[i].source, "store") == 0)
			nodes += smp[i].value == 42;
		if (strcmp(smp[i].source, "test") != 0 ||
		    strcmp(smp[i].metric, "cpu_ns") != 0)
			continue;
		assert_true(smp[i].value >= last_cpu);  /* never goes back */
		if (first_cpu < 0)
			first_cpu = smp[i].value;
		if (cpu_samples && smp[i].at_ns - last_at > max_gap)
			max_gap = smp[i].at_ns - last_at;
		last_cpu = smp[i].value;
		last_at = smp[i].at_ns;
		cpu_samples++;
	}
	/* One at the start, one each 50 ms, one at the stop. */
	assert_true(cpu_samples >= elapsed / cfg.interval_ns);
	assert_true(max_gap < 2 * cfg.interval_ns);
	assert_true(last_cpu - first_cpu >= 100e6); /* the busy loop's */
	assert_int_equal(load, cpu_samples);
	assert_int_equal(nodes, cpu_samples);
	assert_int_equal((size_t)extra_calls, cpu_samples);
	assert_int_equal(smp[0].guests, 5);
	assert_int_equal(smp[n - 1].guests, 9);
}

/* Samples that find no memory are not dropped in silence: taking says
 * how many were lost, and the runner stops on it. */
static void says_when_samples_are_lost(void **state)
{
	(void)state;
	_Atomic uint32_t guests = 1;
	struct sampler_config cfg = {
		.interval_ns = 10000000, .t0_ns = hd_now_ns(), .guests = &guests,
	};
	cfg.procs[0] = (struct sampler_proc){ "test", getpid() };
	struct sampler *s;
	struct hd_err err;
	struct sample smp[16];
	size_t n;

	alloc_fails = true;
	assert_int_equal(sampler_start(&cfg, &s, &err), HD_OK);
	sampler_stop(s);
	alloc_fails = false;
	assert_int_equal(sampler_take(s, smp, 16, &n, &err), HD_ESYS);
	assert_non_null(strstr(err.msg, "samples lost"));
	assert_int_equal(n, 0);
	sampler_free(s);
}

static void reads_a_process(void **state)
{
	(void)state;
	struct proc_usage u;
	assert_int_equal(sampler_read_proc(getpid(), &u), 0);
	assert_true(u.fds >= 3 && u.threads >= 1 && u.rss_kib > 0);
	assert_int_equal(sampler_read_proc(0, &u), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(samples_every_interval),
		cmocka_unit_test(says_when_samples_are_lost),
		cmocka_unit_test(reads_a_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
