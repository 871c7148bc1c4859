/* test_latency.c: emu's latency profiles: the file format (what parses,
 * what is refused and why, a written profile read back), the shipped
 * default, and the draws against the model's definition. */
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

#include "../../emu/emu.h"

static const char good[] =
	"# a comment\n"
	"name = lab-a\n"
	"source = Xen 4.17.3 on lab-a, run 4 # a trailing comment\n"
	"memory = 4\n"
	"\n"
	"create = 1000000 50000 0.2\n"
	"evtchn=20000 0 0\n"
	"build = 3000000 -1000 0.1\r\n"
	"gnttab = 40000 0 0\n"
	"unpause = 50000 0 0\n"
	"destroy = 2000000 100000 0.3\n";

static int parse(const char *text, struct emu_latency *l, struct hd_err *err)
{
	return emu_latency_parse(text, strlen(text), "t.profile", l, err);
}

static void parses_a_profile(void **state)
{
	struct emu_latency l;
	struct hd_err err = { 0 };
	(void)state;
	assert_int_equal(parse(good, &l, &err), HD_OK);
	assert_string_equal(l.name, "lab-a");
	assert_string_equal(l.source, "Xen 4.17.3 on lab-a, run 4");
	assert_int_equal(l.memory_mib, 4);
	assert_int_equal(l.op[XCL_HV_CREATE].median_ns, 1000000);
	assert_int_equal(l.op[XCL_HV_CREATE].growth_ns, 50000);
	assert_true(fabs(l.op[XCL_HV_CREATE].sigma - 0.2) < 1e-12);
	assert_int_equal(l.op[XCL_HV_BUILD].growth_ns, -1000);
	assert_int_equal(l.op[XCL_HV_DESTROY].median_ns, 2000000);
}

/* Each broken profile is refused with the line and what is wrong. */
static void refuses_with_reasons(void **state)
{
	static const struct { const char *text, *says; } bad[] = {
		{ "name = x\ncreate = 1 0 0\n", "no evtchn" },
		{ "create = 1 0 0\n", "no name" },
		{ "name = x\nbogus = 1\n", "t.profile:2: unknown key 'bogus'" },
		{ "name = x\ncreate 1 0 0\n", "t.profile:2: expected key = value" },
		{ "name = x\ncreate = 1 0\n", "t.profile:2: create: expected" },
		{ "name = x\ncreate = 1 0 4\n", "sigma 0..3" },
		{ "name = x\ncreate = -5 0 0\n", "create: expected" },
		{ "name = x\ncreate = 1 0 0 9\n", "create: expected" },
		{ "name = x\ncreate = 1 0 0\ncreate = 1 0 0\n", "t.profile:3: create given twice" },
		{ "name = x\nmemory = 0\n", "memory: MiB" },
		{ "name = \x01\n", "name: at most" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct emu_latency l;
		struct hd_err err = { 0 };
		assert_int_not_equal(parse(bad[i].text, &l, &err), HD_OK);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("profile %zu: '%s' lacks '%s'", i, err.msg, bad[i].says);
	}
}

/* What emu_latency_write writes, emu_latency_parse reads back the same. */
static void round_trip(void **state)
{
	struct emu_latency a, b;
	struct hd_err err = { 0 };
	char buf[4096];
	(void)state;
	assert_int_equal(parse(good, &a, &err), HD_OK);
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	emu_latency_write(f, &a);
	fclose(f);
	assert_int_equal(parse(buf, &b, &err), HD_OK);
	assert_string_equal(a.name, b.name);
	assert_string_equal(a.source, b.source);
	assert_int_equal(a.memory_mib, b.memory_mib);
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		assert_int_equal(a.op[op].median_ns, b.op[op].median_ns);
		assert_int_equal(a.op[op].growth_ns, b.op[op].growth_ns);
		assert_true(fabs(a.op[op].sigma - b.op[op].sigma) < 1e-3);
	}
}

/* default and zero need no file; a missing file is named. The default
 * is the profile measured on real Xen that ships as a file, and says so. */
static void built_in_profiles(void **state)
{
	struct emu_latency l, shipped;
	struct hd_err err = { 0 };
	(void)state;
	assert_int_equal(emu_latency_load("default", &l, &err), HD_OK);
	assert_int_equal(emu_latency_load("emu/profiles/xen-4.17-qemu.profile",
					  &shipped, &err), HD_OK);
	assert_string_equal(l.name, shipped.name);
	assert_non_null(strstr(l.source, "Xen 4.17"));
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		assert_true(l.op[op].median_ns > 0);
		assert_int_equal(l.op[op].median_ns, shipped.op[op].median_ns);
		assert_int_equal(l.op[op].growth_ns, shipped.op[op].growth_ns);
	}
	assert_int_equal(emu_latency_load("zero", &l, &err), HD_OK);
	for (int op = 0; op < XCL_HV_OP_COUNT; op++)
		assert_int_equal(l.op[op].median_ns, 0);
	assert_int_not_equal(emu_latency_load("/nonexistent/x.profile", &l, &err), HD_OK);
	assert_non_null(strstr(err.msg, "/nonexistent/x.profile"));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Draws follow the model: (median + growth x D / 1000) exactly without
 * spread; with sigma, ln(draw / that) has median 0 and sd sigma. */
static void draws_follow_the_model(void **state)
{
	struct emu_latency l;
	struct hd_err err = { 0 };
	uint64_t rng = 7;
	enum { N = 20000 };
	static double r[N];
	(void)state;
	assert_int_equal(parse(good, &l, &err), HD_OK);
	assert_int_equal(emu_latency_draw(&l, XCL_HV_EVTCHN, 0, &rng), 20000);
	assert_int_equal(emu_latency_draw(&l, XCL_HV_EVTCHN, 5000, &rng), 20000);
	l.op[XCL_HV_EVTCHN].growth_ns = 3000;
	assert_int_equal(emu_latency_draw(&l, XCL_HV_EVTCHN, 2000, &rng), 26000);
	/* A negative growth never gives a negative time. */
	l.op[XCL_HV_EVTCHN].growth_ns = -30000;
	assert_int_equal(emu_latency_draw(&l, XCL_HV_EVTCHN, 2000, &rng), 0);

	double sum = 0, sq = 0;
	for (int i = 0; i < N; i++) {
		double line = 1000000 + 50000 * 3.0; /* D = 3,000 */
		r[i] = log((double)emu_latency_draw(&l, XCL_HV_CREATE, 3000, &rng) / line);
		sum += r[i];
		sq += r[i] * r[i];
	}
	qsort(r, N, sizeof(r[0]), cmp_double);
	double sd = sqrt(sq / N - (sum / N) * (sum / N));
	assert_true(fabs(r[N / 2]) < 0.01);
	assert_true(fabs(sd - 0.2) < 0.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_profile),
		cmocka_unit_test(refuses_with_reasons),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(built_in_profiles),
		cmocka_unit_test(draws_follow_the_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
