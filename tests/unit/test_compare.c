/* test_compare.c: horde compare on databases generated with known
 * distributions and run-to-run noise (5 runs a side): a 10% shift of the
 * median is flagged; a steeper slope alone is flagged; identical
 * distributions are flagged in fewer than 2 of 100 seeded trials; and
 * runs of different platforms are not compared; a side's run ids are
 * whole numbers, and "DB:" names none rather than every run. */
#define GEN_RUNS_NO_MAIN
#include "../tools/gen_runs.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../../analysis/compare.h"

static char dir[] = "/tmp/horde-test-compare-XXXXXX";
static char base_db[128], cand_db[128];

static enum compare_verdict compare(const struct gen_params *b,
				    const struct gen_params *c)
{
	struct compare_side bs, cs;
	struct compare_opts o = { .alpha = 0.01, .min_effect = 0.05,
				  .buckets = 4 };
	enum compare_verdict v;
	struct hd_err err;
	FILE *devnull = fopen("/dev/null", "w");

	assert_int_equal(gen_runs(base_db, b, &err), HD_OK);
	assert_int_equal(gen_runs(cand_db, c, &err), HD_OK);
	assert_int_equal(compare_parse_side(base_db, &bs, &err), HD_OK);
	assert_int_equal(compare_parse_side(cand_db, &cs, &err), HD_OK);
	assert_int_equal(compare_runs(&bs, &cs, &o, devnull, &v, &err), HD_OK);
	fclose(devnull);
	return v;
}

static const struct gen_params plain = { .runs = 5, .guests = 200,
					 .base_ms = 2, .run_noise = 0.02,
					 .guest_noise = 0.1, .platform = "emu" };

static void shift_is_flagged(void **state)
{
	(void)state;
	struct gen_params b = plain, c = plain;
	b.seed = 11;
	c.seed = 12;
	c.shift = 0.10;
	assert_int_equal(compare(&b, &c), COMPARE_REGRESSION);
	/* The same shift the other way is no regression. */
	assert_int_equal(compare(&c, &b), COMPARE_SAME);
}

static void slope_alone_is_flagged(void **state)
{
	(void)state;
	struct gen_params b = plain, c = plain;
	b.seed = 21;
	c.seed = 22;
	c.slope_ms = 1.0; /* 0.2 ms over the run's 200 guests: 10% */
	assert_int_equal(compare(&b, &c), COMPARE_REGRESSION);
}

static void identical_rarely_flagged(void **state)
{
	(void)state;
	int flagged = 0;
	for (uint64_t trial = 0; trial < 100; trial++) {
		struct gen_params b = plain, c = plain;
		b.guests = c.guests = 200;
		b.seed = 1000 + 2 * trial;
		c.seed = 1001 + 2 * trial;
		flagged += compare(&b, &c) == COMPARE_REGRESSION;
	}
	print_message("identical: %d of 100 flagged\n", flagged);
	assert_true(flagged < 2);
}

static void failures_and_platforms(void **state)
{
	(void)state;
	struct gen_params b = plain, c = plain;
	b.seed = 31;
	c.seed = 32;
	c.failures = 3;
	assert_int_equal(compare(&b, &c), COMPARE_REGRESSION);
	c.failures = 0;
	c.platform = "xen";
	assert_int_equal(compare(&b, &c), COMPARE_CANNOT);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(base_db, sizeof(base_db), "%s/base.db", dir);
	snprintf(cand_db, sizeof(cand_db), "%s/cand.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[160];
	static const char *const files[] = { "base.db", "cand.db", "base.db-wal",
					     "cand.db-wal", "base.db-shm",
					     "cand.db-shm" };
	for (size_t i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	return rmdir(dir);
}

static void side_ids(void **state)
{
	(void)state;
	struct compare_side side;
	struct hd_err err;

	assert_int_equal(compare_parse_side("a.db", &side, &err), HD_OK);
	assert_string_equal(side.db_path, "a.db");
	assert_int_equal(side.nids, 0);
	assert_int_equal(compare_parse_side("a.db:3,12", &side, &err), HD_OK);
	assert_int_equal(side.nids, 2);
	assert_int_equal(side.ids[0], 3);
	assert_int_equal(side.ids[1], 12);
	static const char *const bad[] = { "a.db:", "a.db:1,", "a.db:,1",
		"a.db:1,,2", "a.db:0", "a.db:1x", "a.db:2,2", ":1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (compare_parse_side(bad[i], &side, &err) != HD_EINVAL)
			fail_msg("'%s' was taken", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shift_is_flagged),
		cmocka_unit_test(slope_alone_is_flagged),
		cmocka_unit_test(identical_rarely_flagged),
		cmocka_unit_test(failures_and_platforms),
		cmocka_unit_test(side_ids),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
