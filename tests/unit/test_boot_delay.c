/* test_boot_delay.c: the modelled boot delay's distributions, and that a
 * seed gives the same delays again. */
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

#define N 20000
#define MS 1000000ull

static uint64_t v[N];

static void draw(enum emu_delay_dist dist, uint64_t median, uint64_t spread,
		 double sigma, uint64_t seed)
{
	struct emu_delay d;
	assert_int_equal(emu_delay_init(&d, dist, median, spread, sigma, seed), 0);
	for (int i = 0; i < N; i++)
		v[i] = emu_delay_draw(&d);
	qsort(v, N, sizeof(v[0]), hd_cmp_u64);
}

static void fixed(void **state)
{
	(void)state;
	draw(EMU_DELAY_FIXED, 100 * MS, 0, 0, 1);
	assert_int_equal(v[0], 100 * MS);
	assert_int_equal(v[N - 1], 100 * MS);
}

static void uniform(void **state)
{
	(void)state;
	draw(EMU_DELAY_UNIFORM, 100 * MS, 40 * MS, 0, 1);
	assert_true(v[0] >= 60 * MS && v[N - 1] <= 140 * MS);
	/* Spread over the whole range, and flat: the quartiles near 80 and
	 * 120 ms (N = 20,000 keeps them within 1 ms). */
	assert_true(v[0] < 61 * MS && v[N - 1] > 139 * MS);
	assert_true(llabs((long long)hd_quantile_sorted(v, N, 0.25) - (long long)(80 * MS)) < (long long)MS);
	assert_true(llabs((long long)hd_quantile_sorted(v, N, 0.75) - (long long)(120 * MS)) < (long long)MS);
}

static void lognormal(void **state)
{
	(void)state;
	draw(EMU_DELAY_LOGNORMAL, 100 * MS, 0, 0.5, 7);
	double median = (double)hd_quantile_sorted(v, N, 0.5);
	double p84 = (double)hd_quantile_sorted(v, N, 0.8413);
	assert_true(fabs(median / (100.0 * MS) - 1.0) < 0.03);
	/* One sigma up: median * e^0.5. */
	assert_true(fabs(p84 / median - exp(0.5)) < 0.05);
}

static void seeded(void **state)
{
	(void)state;
	struct emu_delay a, b, c;
	emu_delay_init(&a, EMU_DELAY_LOGNORMAL, 100 * MS, 0, 0.5, 42);
	emu_delay_init(&b, EMU_DELAY_LOGNORMAL, 100 * MS, 0, 0.5, 42);
	emu_delay_init(&c, EMU_DELAY_LOGNORMAL, 100 * MS, 0, 0.5, 43);
	int same = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = emu_delay_draw(&a);
		assert_int_equal(x, emu_delay_draw(&b));
		same += x == emu_delay_draw(&c);
	}
	assert_true(same < 5);
	assert_int_equal(emu_delay_init(&a, EMU_DELAY_UNIFORM, 10, 11, 0, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed),
		cmocka_unit_test(uniform),
		cmocka_unit_test(lognormal),
		cmocka_unit_test(seeded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
