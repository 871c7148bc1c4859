/* test_plan.c: plan files: values, defaults, [global], and every kind of
 * error, each naming the file and line. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../harness/plan.h"

static int parse(const char *text, struct plan *p, struct hd_err *err)
{
	memset(err, 0, sizeof(*err));
	return plan_parse("t.plan", text, strlen(text), p, err);
}

static void good_plan(void **state)
{
	(void)state;
	struct plan p;
	struct hd_err err;
	const char *text = "# comment\n"
			   "[global]\n"
			   "boot_delay = 50ms\n"
			   "guests=10\n"
			   "\n"
			   "[a]\n"
			   "; another comment\n"
			   "guests = 200\n"
			   "[b]\n"
			   "memory=16\n"
			   "boot_delay_dist=lognormal\n"
			   "boot_delay_sigma=0.25\n"
			   "evtchn_abi=2level\n";
	assert_int_equal(parse(text, &p, &err), HD_OK);
	assert_int_equal(p.njobs, 2);
	assert_string_equal(p.jobs[0].name, "a");
	assert_int_equal(p.jobs[0].guests, 200);           /* job wins */
	assert_int_equal(p.jobs[0].boot_delay_ns, 50000000); /* from global */
	assert_int_equal(p.jobs[0].line, 6);
	assert_int_equal(p.jobs[1].guests, 10);            /* from global */
	assert_int_equal(p.jobs[1].memory_mib, 16);
	assert_string_equal(p.jobs[1].platform, "emu");    /* default */
	assert_string_equal(p.jobs[1].profile, "lean");
	assert_string_equal(p.jobs[1].boot_delay_dist, "lognormal");
	assert_true(p.jobs[1].boot_delay_sigma == 0.25);
	assert_string_equal(p.jobs[1].evtchn_abi, "2level");
	assert_string_equal(p.jobs[0].evtchn_abi, "fifo");   /* default */
	assert_string_equal(p.jobs[0].on_failure, "continue");
	assert_string_equal(p.text, text);                 /* kept whole */
	plan_free(&p);
	plan_free(&p); /* safe twice */
}

static void defaults_are_valid(void **state)
{
	(void)state;
	struct plan p;
	struct hd_err err;
	struct plan_job d;
	assert_int_equal(parse("[only]\n", &p, &err), HD_OK);
	plan_job_defaults(&d, "only");
	d.line = p.jobs[0].line;
	assert_memory_equal(&d, &p.jobs[0], sizeof(d));
	assert_true(d.guests >= 1);
	assert_true(d.alive_timeout_ns > 0);
	plan_free(&p);
}

static void expect_error(const char *text, const char *needle)
{
	struct plan p;
	struct hd_err err;
	assert_int_not_equal(parse(text, &p, &err), HD_OK);
	if (!strstr(err.msg, needle)) {
		print_error("message '%s' lacks '%s'\n", err.msg, needle);
		fail();
	}
	assert_null(p.jobs);
}

static void typo_in_key(void **state)
{
	(void)state;
	expect_error("[a]\nguests=3\ngusets=5\n",
		     "t.plan:3: unknown key 'gusets' (did you mean 'guests'?)");
}

static void negative_guests(void **state)
{
	(void)state;
	expect_error("[global]\n\n[a]\nguests=-5\n", "t.plan:4: guests: -5 is out of range");
}

static void bad_values(void **state)
{
	(void)state;
	expect_error("[a]\nguests=lots\n", "t.plan:2: guests: 'lots' is not a whole number");
	expect_error("[a]\nguests=40000\n", "t.plan:2: guests: 40000 is out of range");
	expect_error("[a]\nboot_delay=soon\n", "t.plan:2: boot_delay: 'soon' is not a duration");
	expect_error("[a]\nalive_timeout=2h\n", "t.plan:2: alive_timeout: 2h is out of range");
	expect_error("[a]\nplatform=vmware\n", "t.plan:2: platform: 'vmware' is not one of: emu");
	expect_error("[a]\nboot_delay_sigma=wide\n", "t.plan:2: boot_delay_sigma: 'wide' is not a number");
	expect_error("[a]\nboot_delay_sigma=nan\n", "t.plan:2: boot_delay_sigma: 'nan' is not a number");
	expect_error("[a]\nboot_delay_sigma=4\n", "t.plan:2: boot_delay_sigma: 4 is out of range 0..3");
	expect_error("[a]\nevtchn_abi=3level\n", "t.plan:2: evtchn_abi: '3level' is not one of: fifo, 2level");
	expect_error("[a]\non_failure=retry\n", "t.plan:2: on_failure: 'retry' is not one of: continue, stop");
}

static void structure_errors(void **state)
{
	(void)state;
	expect_error("guests=5\n[a]\n", "t.plan:1: key outside any section");
	expect_error("[a]\njust words\n", "t.plan:2: expected key=value");
	expect_error("[a\n", "t.plan:1: malformed section header");
	expect_error("[a]\n[a]\n", "t.plan:2: job [a] already defined at line 1");
	expect_error("[global]\nguests=5\n", "no job section");
	expect_error("[a]\n[global]\n", "t.plan:2: [global] must come before");
	expect_error("[bad name!]\n", "t.plan:1: job name 'bad name!'");
	/* Keys that only make sense together are checked per job. */
	expect_error("[global]\nboot_delay_spread=80ms\n[a]\n[b]\n"
		     "boot_delay_dist=uniform\nboot_delay=50ms\n",
		     "t.plan:4: [b]: boot_delay_spread is larger than boot_delay");
	struct plan p;
	struct hd_err err;
	static const char nul[] = "[a]\ndescription=x\0y\n";
	assert_int_not_equal(plan_parse("t.plan", nul, sizeof(nul) - 1, &p, &err),
			     HD_OK);
	assert_non_null(strstr(err.msg, "NUL"));
}

static void help_lists_every_key(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	plan_print_help(f, 1);
	fclose(f);
	const char *keys[] = { "platform", "profile", "guests", "memory",
			       "boot_delay", "alive_timeout", "probe_interval",
			       "host_memory", "emu_latency", "bucket",
			       "description" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "| `%s` |", keys[i]);
		assert_non_null(strstr(buf, needle));
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plan),      cmocka_unit_test(defaults_are_valid),
		cmocka_unit_test(typo_in_key),    cmocka_unit_test(negative_guests),
		cmocka_unit_test(bad_values),     cmocka_unit_test(structure_errors),
		cmocka_unit_test(help_lists_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
