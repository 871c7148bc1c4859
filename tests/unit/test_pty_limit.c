/* test_pty_limit.c: a refused PTY names the limit actually hit: the
 * console daemon's own devpts max=, or the kernel's budget for every
 * devpts instance but the initial one, which other runs share. (An
 * end-to-end test would have to take the host's whole budget from
 * everyone else on it, so the arithmetic is checked here, against the
 * kernel's own definition: max less reserve.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/pty_limit.h"

static void own_instance_full(void **state)
{
	(void)state;
	char buf[256];
	struct pty_sysctls k = { 4096, 1024, 4000 };
	pty_limit_cause(buf, sizeof(buf), 40, 40, &k);
	assert_string_equal(buf, "pty: devpts max=40 reached (the console "
				 "daemon's own instance)");
}

/* Two runs at once: this daemon holds 1,071 of its max=4096 when the
 * kernel's 3,071 run out (the other run holds 2,000). */
static void kernel_budget_shared(void **state)
{
	(void)state;
	char buf[256];
	struct pty_sysctls k = { 4096, 1024, 3071 };
	pty_limit_cause(buf, sizeof(buf), 1071, 4096, &k);
	assert_string_equal(buf, "pty: kernel limit: kernel.pty.max 4096 - "
				 "kernel.pty.reserve 1024 leaves 3071 for "
				 "non-initial devpts instances; 3071 in use on "
				 "the host, 1071 here");
	/* Sysctls unreadable: still not the instance's own max. */
	pty_limit_cause(buf, sizeof(buf), 1072, 4096, NULL);
	assert_non_null(strstr(buf, "pty: kernel limit"));
	assert_null(strstr(buf, "reached"));
}

static void reads_the_sysctls(void **state)
{
	(void)state;
	struct pty_sysctls k;
	assert_int_equal(pty_read_sysctls(&k), 0);
	assert_true(k.max > k.reserve && k.reserve >= 0 && k.nr >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_instance_full),
		cmocka_unit_test(kernel_budget_shared),
		cmocka_unit_test(reads_the_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
