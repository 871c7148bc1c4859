/* test_xcl_profile.c: the lean and xl profiles are what the README says
 * they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../xcl/xcl_profile.h"

static int has(const struct xcl_entry *t, size_t n, enum xcl_base b,
	       const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].base == b && strcmp(t[i].key, key) == 0)
			return 1;
	return 0;
}

static void lean_is_seventeen_unique_entries(void **state)
{
	(void)state;
	size_t n;
	const struct xcl_entry *t = xcl_profile_table(XCL_PROFILE_LEAN, &n);
	assert_int_equal(n, 17);
	assert_int_equal(xcl_profile_entries(XCL_PROFILE_LEAN), 17);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_false(t[i].base == t[j].base &&
				     strcmp(t[i].key, t[j].key) == 0);
}

static void lean_has_what_netfront_and_netback_read(void **state)
{
	(void)state;
	size_t n;
	const struct xcl_entry *t = xcl_profile_table(XCL_PROFILE_LEAN, &n);
	const char *fe[] = { "backend", "backend-id", "state", "handle", "mac" };
	const char *be[] = { "frontend", "frontend-id", "state", "handle",
			     "mac", "script", "bridge" };
	for (size_t i = 0; i < sizeof(fe) / sizeof(fe[0]); i++)
		assert_true(has(t, n, XCL_BASE_FE, fe[i]));
	for (size_t i = 0; i < sizeof(be) / sizeof(be[0]); i++)
		assert_true(has(t, n, XCL_BASE_BE, be[i]));
	assert_true(has(t, n, XCL_BASE_CONSOLE, "ring-ref"));
	assert_true(has(t, n, XCL_BASE_CONSOLE, "port"));
}

/* The README promises xl 4.17's 61 entries, among them what only xl
 * writes; the lane compares them with what real xl leaves in the store. */
static void xl_is_sixty_one_unique_entries(void **state)
{
	(void)state;
	size_t n;
	const struct xcl_entry *t = xcl_profile_table(XCL_PROFILE_XL, &n);
	assert_int_equal(n, 61);
	assert_int_equal(xcl_profile_entries(XCL_PROFILE_XL), 61);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_false(t[i].base == t[j].base &&
				     strcmp(t[i].key, t[j].key) == 0);
	assert_true(has(t, n, XCL_BASE_DOM, "vm"));
	assert_true(has(t, n, XCL_BASE_DOM, "memory/static-max"));
	assert_true(has(t, n, XCL_BASE_DOM, "store/ring-ref"));
	assert_true(has(t, n, XCL_BASE_VM, "uuid"));
	assert_true(has(t, n, XCL_BASE_VM, "image/kernel"));
	assert_true(has(t, n, XCL_BASE_LIBXL_VIF, "frontend"));
	assert_true(has(t, n, XCL_BASE_CONSOLE_BE, "frontend"));
	assert_true(has(t, n, XCL_BASE_BE, "online"));
}

static void profile_names(void **state)
{
	(void)state;
	assert_string_equal(xcl_profile_name(XCL_PROFILE_LEAN), "lean");
	assert_string_equal(xcl_profile_name(XCL_PROFILE_XL), "xl");
	assert_string_equal(xcl_profile_name(XCL_PROFILE_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lean_is_seventeen_unique_entries),
		cmocka_unit_test(lean_has_what_netfront_and_netback_read),
		cmocka_unit_test(xl_is_sixty_one_unique_entries),
		cmocka_unit_test(profile_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
