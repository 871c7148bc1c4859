/* test_progress.c: the progress line's ETA follows the recent rate (a run
 * that slows is promised its real end, not the one the mean since the start
 * gives), says nothing outside creation, and a log gets a line every 10 s. */
#define _GNU_SOURCE /* fmemopen */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "../../harness/progress.h"

#define S 1000000000ull

/* The line p gives at the job's elapsed time t (s), the clock reading
 * now (s), into buf. */
static void line_at(struct progress_view *v, struct run_progress *p, double t,
		    double now, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	p->elapsed_ns = (uint64_t)(t * S);
	buf[0] = '\0';
	progress_line(v, p, (uint64_t)(now * S), f);
	fclose(f);
}

/* The same, for a run whose clock started with the job. */
static void line(struct progress_view *v, struct run_progress *p, double t,
		 char *buf, size_t len)
{
	line_at(v, p, t, t, buf, len);
}

static double eta_of(const char *buf)
{
	const char *e = strstr(buf, "eta ");
	return e ? atof(e + 4) : -1;
}

/* 100 guests a second for 60 s, then 10 a second: after 30 s at the slow
 * rate, 1,000 left take 100 s, where the mean (6,300 / 90 s) says 14 s. */
static void eta_follows_the_recent_rate(void **state)
{
	struct progress_view v = { .tty = 1 };
	struct run_progress p = { .stage = "creating", .planned = 7300 };
	char buf[256];
	(void)state;
	for (double t = 0; t <= 90.0; t += 0.5) {
		p.created = (uint32_t)(t <= 60 ? 100 * t : 6000 + 10 * (t - 60));
		line(&v, &p, t, buf, sizeof(buf));
	}
	assert_int_equal(p.created, 6300);
	double eta = eta_of(buf);
	if (eta < 95 || eta > 105)
		fail_msg("eta %.0f s for 1,000 guests at 10 a second: '%s'", eta, buf);
}

static void no_eta_outside_creation(void **state)
{
	struct progress_view v = { .tty = 1 };
	struct run_progress p = { .stage = "creating", .planned = 100 };
	char buf[256];
	(void)state;
	for (double t = 0; t <= 5; t += 0.5) {
		p.created = (uint32_t)(10 * t);
		line(&v, &p, t, buf, sizeof(buf));
	}
	assert_true(eta_of(buf) > 0);
	p.stage = "destroying";
	line(&v, &p, 6, buf, sizeof(buf));
	assert_null(strstr(buf, "eta"));
	assert_non_null(strstr(buf, "destroying"));
}

/* In a log (no terminal): a line at the start, then every 10 s and at
 * each change of stage. */
static void a_log_gets_a_line_every_10_s(void **state)
{
	struct progress_view v = { .tty = 0 };
	struct run_progress p = { .stage = "creating", .planned = 1000 };
	char buf[256];
	int lines = 0;
	(void)state;
	for (double t = 0; t < 25; t += 0.5) {
		p.created = (uint32_t)t;
		line(&v, &p, t, buf, sizeof(buf));
		lines += buf[0] != '\0';
	}
	assert_int_equal(lines, 3); /* at 0, 10 and 20 s */
	p.stage = "waiting for ARP";
	line(&v, &p, 25.5, buf, sizeof(buf));
	assert_non_null(strstr(buf, "waiting for ARP"));
}

/* The view lives across a plan's jobs: the second job's clock and count
 * start again, and its ETA must not use the first's samples (the xen-bench
 * log said "5/10 created  eta 0s" for a job that had 30 s to go). As
 * there: 10 guests in 5 s, the wait and destruction, then a job of one
 * guest every 6.6 s, in a log. */
static void a_second_job_starts_afresh(void **state)
{
	struct progress_view v = { .tty = 0 };
	struct run_progress p = { .planned = 10 };
	char buf[256];
	(void)state;
	for (int i = 0; i <= 80; i++) {
		double t = i * 0.1;
		p.stage = t < 5 ? "creating" : t < 6 ? "waiting for ARP" : "destroying";
		p.created = t < 5 ? (uint32_t)(2 * t) : 10;
		line(&v, &p, t, buf, sizeof(buf));
	}
	p.stage = "creating";
	for (int i = 0; i <= 700; i++) {
		double t = i * 0.1;
		p.created = (uint32_t)fmin(10, t / 6.6);
		line_at(&v, &p, t, 8.1 + t, buf, sizeof(buf));
		double eta = eta_of(buf);
		uint32_t left = 10 - p.created;
		/* Once it has seen a creation, no ETA says under half of what
		 * is left at the real rate. */
		if (buf[0] && eta >= 0 && p.created > 0 && eta < left * 6.6 * 0.5)
			fail_msg("second job at %.1f s: '%s'", t, buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eta_follows_the_recent_rate),
		cmocka_unit_test(no_eta_outside_creation),
		cmocka_unit_test(a_log_gets_a_line_every_10_s),
		cmocka_unit_test(a_second_job_starts_afresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
