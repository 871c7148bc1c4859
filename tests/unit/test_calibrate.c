/* test_calibrate.c: horde calibrate's fit, against runs generated from
 * known parameters: a ramp whose operations take (median + growth x D /
 * 1000) x exp(sigma x z), written through the results store as a real run
 * writes them. The fit must find the parameters again; and a run with a
 * model in it (emu) or too few rows is refused. */
#define _GNU_SOURCE /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../analysis/calibrate.h"
#include "../../harness/results.h"

static const struct emu_op_cost truth[XCL_HV_OP_COUNT] = {
	[XCL_HV_CREATE] = { 2000000, 400000, 0.25 },
	[XCL_HV_EVTCHN] = { 30000, 0, 0.10 },
	[XCL_HV_BUILD] = { 8000000, 1500000, 0.15 },
	[XCL_HV_GNTTAB] = { 60000, 30000, 0.20 },
	[XCL_HV_UNPAUSE] = { 90000, 20000, 0.30 },
	[XCL_HV_DESTROY] = { 5000000, 1000000, 0.20 },
};

static uint64_t draw(enum xcl_hv_op op, uint32_t domains, uint64_t *rng)
{
	struct emu_latency l = { .name = "truth" };
	memcpy(l.op, truth, sizeof(truth));
	return emu_latency_draw(&l, op, domains, rng);
}

/* A ramp of n guests on platform, each destroyed after all were made. */
static void make_run(const char *path, const char *platform, uint32_t n)
{
	struct results *r;
	struct hd_err err = { 0 };
	int64_t run;
	uint64_t rng = 42;
	struct run_meta m = { .plan_path = "gen.plan",
			      .plan_text = "[gen]\nmemory=4\n", .job = "gen",
			      .platform = platform, .profile = "lean",
			      .guests_planned = n, .platform_version = "Xen 9.9",
			      .modelled = "nothing" };
	unlink(path);
	assert_int_equal(results_open(path, &r, &err), HD_OK);
	assert_int_equal(results_run_begin(r, &m, &run, &err), HD_OK);
	for (uint32_t seq = 1; seq <= n; seq++) {
		struct xcl_timing t = { 0 };
		uint32_t d = seq - 1; /* the guests made before this one */
		for (int op = 0; op < XCL_HV_DESTROY; op++) {
			t.op_calls[op] = op == XCL_HV_EVTCHN ? 2 : 1;
			for (uint32_t c = 0; c < t.op_calls[op]; c++)
				t.op_ns[op] += draw((enum xcl_hv_op)op, d, &rng);
			t.total_ns += t.op_ns[op];
		}
		struct guest_row g = { .seq = seq, .domid = seq, .name = "g",
				       .address = "198.18.0.2",
				       .mac = "00:16:3e:00:00:01",
				       .created_at_ns = seq * 1000000000ull,
				       .timing = &t };
		assert_int_equal(results_guest(r, run, &g, &err), HD_OK);
	}
	/* Destroyed in creation order: guest k finds n - k + 1 domains. */
	for (uint32_t seq = 1; seq <= n; seq++) {
		struct xcl_timing t = { 0 };
		t.op_calls[XCL_HV_DESTROY] = 1;
		t.op_ns[XCL_HV_DESTROY] = draw(XCL_HV_DESTROY, n - seq, &rng);
		t.total_ns = t.op_ns[XCL_HV_DESTROY];
		assert_int_equal(results_destroyed(r, run, seq,
						   (n + seq) * 1000000000ull, &t,
						   NULL, &err), HD_OK);
	}
	assert_int_equal(results_run_end(r, run, "done", NULL, &err), HD_OK);
	results_close(r);
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	return db;
}

/* A new database at path (a mkstemp template) holding one generated run. */
static sqlite3 *fresh_run(char *path, const char *platform, uint32_t n)
{
	close(mkstemp(path));
	make_run(path, platform, n);
	return open_db(path);
}

static void finds_the_parameters(void **state)
{
	char path[] = "/tmp/test_calibrate_XXXXXX";
	struct emu_latency prof;
	struct calibrate_fit fits[XCL_HV_OP_COUNT];
	struct hd_err err = { 0 };
	(void)state;
	sqlite3 *db = fresh_run(path, "xen", 5000);
	assert_int_equal(calibrate_run(db, path, 1, "gen-run1", &prof, fits,
				       &err), HD_OK);
	sqlite3_close(db);
	unlink(path);
	assert_string_equal(prof.name, "gen-run1");
	assert_non_null(strstr(prof.source, "Xen 9.9"));
	assert_int_equal(prof.memory_mib, 4);
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		const struct emu_op_cost *want = &truth[op], *got = &prof.op[op];
		/* Growth within 8%, or within 1% of the median where none. */
		double growth_err = fabs((double)(got->growth_ns - want->growth_ns)) /
				    (want->growth_ns ? (double)want->growth_ns
						     : 0.125 * want->median_ns);
		/* Evtchn rows hold two calls: their mean, not one draw. */
		double sigma_want = op == XCL_HV_EVTCHN ? want->sigma / sqrt(2) : want->sigma;
		if (fabs((double)got->median_ns / want->median_ns - 1) > 0.03 ||
		    growth_err > 0.08 ||
		    fabs(got->sigma / sigma_want - 1) > 0.15)
			fail_msg("%s: fitted %llu ns + %lld / 1000, sigma %.3f; "
				 "generated %llu + %lld, sigma %.3f",
				 xcl_hv_op_name((enum xcl_hv_op)op),
				 (unsigned long long)got->median_ns,
				 (long long)got->growth_ns, got->sigma,
				 (unsigned long long)want->median_ns,
				 (long long)want->growth_ns, sigma_want);
		assert_int_equal(fits[op].rows, 5000);
		assert_int_equal(fits[op].min_domains, 0);
		assert_int_equal(fits[op].max_domains, 4999);
	}
}

static void refuses_what_cannot_be_fitted(void **state)
{
	char path[] = "/tmp/test_calibrate_XXXXXX";
	struct emu_latency prof;
	struct calibrate_fit fits[XCL_HV_OP_COUNT];
	struct hd_err err = { 0 };
	(void)state;
	sqlite3 *db = fresh_run(path, "emu", 50);
	assert_int_not_equal(calibrate_run(db, path, 1, "x", &prof, fits, &err), HD_OK);
	assert_non_null(strstr(err.msg, "platform emu"));
	assert_int_not_equal(calibrate_run(db, path, 7, "x", &prof, fits, &err), HD_OK);
	assert_non_null(strstr(err.msg, "no run 7"));
	sqlite3_close(db);
	make_run(path, "xen", 9);
	db = open_db(path);
	assert_int_not_equal(calibrate_run(db, path, 1, "x", &prof, fits, &err), HD_OK);
	assert_non_null(strstr(err.msg, "a fit needs 10"));
	sqlite3_close(db);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_the_parameters),
		cmocka_unit_test(refuses_what_cannot_be_fitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
