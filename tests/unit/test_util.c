/* test_util.c: durations, integers, edit distance, quantiles, hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/heap.h"
#include "../../lib/hmap.h"
#include "../../lib/util.h"

static void durations(void **state)
{
	(void)state;
	uint64_t ns;
	assert_int_equal(hd_parse_duration("250ms", &ns), HD_OK);
	assert_int_equal(ns, 250000000ull);
	assert_int_equal(hd_parse_duration("1.5s", &ns), HD_OK);
	assert_int_equal(ns, 1500000000ull);
	assert_int_equal(hd_parse_duration("2", &ns), HD_EINVAL); /* unit? */
	assert_int_equal(hd_parse_duration("0", &ns), HD_OK);
	assert_int_equal(ns, 0);
	assert_int_equal(hd_parse_duration("0x10ms", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("1e3ms", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("1.5.0s", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("2s", &ns), HD_OK);
	assert_int_equal(ns, 2000000000ull);
	assert_int_equal(hd_parse_duration("300us", &ns), HD_OK);
	assert_int_equal(ns, 300000ull);
	assert_int_equal(hd_parse_duration("1h", &ns), HD_OK);
	assert_int_equal(ns, 3600000000000ull);
	assert_int_equal(hd_parse_duration("-1s", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("5 parsecs", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("nan", &ns), HD_EINVAL);
	assert_int_equal(hd_parse_duration("1e30s", &ns), HD_EINVAL);
}

static void integers(void **state)
{
	(void)state;
	long long v;
	assert_int_equal(hd_parse_int("42", 0, 100, &v), HD_OK);
	assert_int_equal(v, 42);
	assert_int_equal(hd_parse_int("-5", 1, 100, &v), HD_ELIMIT);
	assert_int_equal(hd_parse_int("12abc", 0, 100, &v), HD_EINVAL);
	assert_int_equal(hd_parse_int("", 0, 100, &v), HD_EINVAL);
	assert_int_equal(hd_parse_int("99999999999999999999", 0, 100, &v),
			 HD_EINVAL);
}

static void edit_distance(void **state)
{
	(void)state;
	assert_int_equal(hd_edit_distance("guests", "guests"), 0);
	assert_int_equal(hd_edit_distance("gusets", "guests"), 2);
	assert_int_equal(hd_edit_distance("", "abc"), 3);
}

static void quantiles(void **state)
{
	(void)state;
	uint64_t v[100];
	for (int i = 0; i < 100; i++)
		v[i] = (uint64_t)(100 - i);
	qsort(v, 100, sizeof(v[0]), hd_cmp_u64);
	assert_int_equal(hd_quantile_sorted(v, 100, 0.5), 50);
	assert_int_equal(hd_quantile_sorted(v, 100, 0.99), 99);
	assert_int_equal(hd_quantile_sorted(v, 100, 1.0), 100);
	assert_int_equal(hd_quantile_sorted(v, 1, 0.5), 1);
	assert_int_equal(hd_quantile_sorted(v, 0, 0.5), 0);
}

static void errors_wrap(void **state)
{
	(void)state;
	struct hd_err err;
	assert_int_equal(hd_fail(&err, HD_EINVAL, "bad %d", 7), HD_EINVAL);
	hd_wrap(&err, "guest %d", 3);
	assert_string_equal(err.msg, "guest 3: bad 7");
	assert_int_equal(err.code, HD_EINVAL);
	assert_string_equal(hd_code_name(HD_ELIMIT), "limit");
}

static void hash_map(void **state)
{
	(void)state;
	struct hmap m;
	enum { N = 20000 };
	static char keys[N][16];

	assert_int_equal(hmap_init(&m), 0);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "/k/%d", i);
		assert_int_equal(hmap_put(&m, keys[i], keys[i]), 0);
	}
	assert_int_equal(m.count, N);
	assert_true(m.nbuckets >= N);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(hmap_get(&m, keys[i]), keys[i]);
	for (int i = 0; i < N; i += 2)
		assert_ptr_equal(hmap_del(&m, keys[i]), keys[i]);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(hmap_get(&m, keys[i]), i % 2 ? keys[i] : NULL);
	assert_null(hmap_del(&m, "/absent"));
	assert_int_equal(m.count, N / 2);
	hmap_dispose(&m);
	hmap_dispose(&m); /* safe twice */
}

static void min_heap(void **state)
{
	(void)state;
	struct item { uint64_t key; uint32_t tag; } it;
	struct heap h;
	heap_init(&h, sizeof(struct item));
	assert_null(heap_top(&h));
	uint64_t x = 7;
	for (uint32_t i = 0; i < 5000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		it = (struct item){ x >> 40, i };
		assert_int_equal(heap_push(&h, &it), 0);
	}
	uint64_t last = 0;
	for (int i = 0; i < 5000; i++) {
		assert_non_null(heap_top(&h));
		heap_pop(&h, &it);
		assert_true(it.key >= last); /* in order */
		last = it.key;
	}
	assert_null(heap_top(&h));
	heap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),   cmocka_unit_test(integers),
		cmocka_unit_test(edit_distance), cmocka_unit_test(quantiles),
		cmocka_unit_test(errors_wrap), cmocka_unit_test(hash_map),
		cmocka_unit_test(min_heap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
