/* test_stats.c: medians, slopes, and the permutation test's p values
 * against ones worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "../../analysis/stats.h"

static void medians_and_slopes(void **state)
{
	(void)state;
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	assert_true(stats_median(odd, 3) == 3);
	assert_true(stats_median(even, 4) == 2.5);
	double x[] = { 0, 1, 2, 3 }, y[] = { 1, 3, 5, 7 };
	assert_true(fabs(stats_slope(x, y, 4) - 2.0) < 1e-12);
	double flat[] = { 4, 4, 4, 4 };
	assert_true(fabs(stats_slope(x, flat, 4)) < 1e-12);
}

static void permutation_p(void **state)
{
	(void)state;
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
	/* b above every a: only 1 of the C(10,5) = 252 splits is as high. */
	assert_true(fabs(stats_perm_p(a, 5, b, 5) - 1.0 / 252) < 1e-12);
	/* And the other way round, every split is at least as high. */
	assert_true(stats_perm_p(b, 5, a, 5) == 1.0);
	/* Equal sides: half the splits, and the ties: 14 of 20. */
	double c[] = { 1, 2, 3 }, d[] = { 1, 2, 3 };
	double p = stats_perm_p(c, 3, d, 3);
	assert_true(fabs(p - 14.0 / 20) < 1e-12);
	/* Too many to enumerate (24 values): drawn, still near 1/C(24,12). */
	double e[12], f[12];
	for (int i = 0; i < 12; i++) {
		e[i] = i;
		f[i] = 100 + i;
	}
	assert_true(stats_perm_p(e, 12, f, 12) < 1e-4);
	assert_true(stats_perm_p(e, 0, f, 12) == 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(medians_and_slopes),
		cmocka_unit_test(permutation_p),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
