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
#include <unistd.h>
#include <cmocka.h>

#include "../../emu/emu_keys.h"
#include "../../harness/plan.h"
#include "../../harness/platform.h"
#include "../../xen/xen_host.h"

/* The settings of a job on platform emu, or xen and xl. */
#define EMU(job) emu_settings_of(job)
#define XEN(job) xen_settings_of(job)

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
	assert_int_equal(EMU(&p.jobs[0]).boot_delay_ns, 50000000); /* global */
	assert_int_equal(p.jobs[0].line, 6);
	assert_string_equal(p.jobs[0].file, "t.plan");
	assert_int_equal(p.jobs[1].guests, 10);            /* from global */
	assert_int_equal(p.jobs[1].memory_mib, 16);
	assert_ptr_equal(p.jobs[1].platform, &platform_emu); /* default */
	assert_int_equal(p.jobs[1].profile, XCL_PROFILE_LEAN);
	assert_int_equal(EMU(&p.jobs[1]).boot_delay_dist, EMU_DELAY_LOGNORMAL);
	assert_true(EMU(&p.jobs[1]).boot_delay_sigma == 0.25);
	assert_int_equal(EMU(&p.jobs[1]).evtchn_abi, EMU_EVTCHN_2LEVEL);
	assert_int_equal(EMU(&p.jobs[0]).evtchn_abi, EMU_EVTCHN_FIFO);
	assert_int_equal(p.jobs[0].on_failure, PLAN_ON_FAILURE_CONTINUE);
	assert_string_equal(p.text, text);                 /* kept whole */
	plan_free(&p);
	plan_free(&p); /* safe twice */
}

static void expect_error(const char *text, const char *needle);

/* An empty section gets the defaults the README's key table documents. */
static void defaults_are_the_documented_ones(void **state)
{
	(void)state;
	struct plan p;
	struct hd_err err;
	assert_int_equal(parse("[only]\n", &p, &err), HD_OK);
	const struct plan_job *j = &p.jobs[0];
	assert_ptr_equal(j->platform, &platform_emu);
	assert_int_equal(j->profile, XCL_PROFILE_LEAN);
	assert_string_equal(EMU(j).latency, "default");
	assert_int_equal(j->guests, 100);
	assert_int_equal(j->memory_mib, 8);
	assert_int_equal(EMU(j).host_memory_mib, 262144);
	assert_int_equal(EMU(j).boot_delay_ns, 100000000);
	assert_int_equal(EMU(j).evtchn_abi, EMU_EVTCHN_FIFO);
	assert_int_equal(EMU(j).max_grant_frames, 64);
	assert_int_equal(EMU(j).bridges, 1);
	assert_int_equal(EMU(j).console, EMU_CONSOLE_EAGER);
	assert_int_equal(j->xs_handles, XCL_HANDLES_TWO);
	assert_int_equal(j->on_failure, PLAN_ON_FAILURE_CONTINUE);
	assert_int_equal(j->alive_timeout_ns, 30000000000ull);
	assert_int_equal(j->probe_interval_ns, 5000000);
	assert_int_equal(j->probe_rate, 20000);
	assert_int_equal(j->pattern, LOADGEN_RAMP);
	assert_int_equal(j->concurrency, 1);
	assert_int_equal(j->sample_interval_ns, 1000000000ull);
	/* plan_job_defaults fills the same, and says when it cannot. */
	struct plan_job d;
	assert_int_equal(plan_job_defaults(&d, "only", &err), HD_OK);
	d.file = j->file;
	d.line = j->line;
	assert_memory_equal(&d, j, sizeof(d));
	plan_free(&p);
}

/* Text that reaches xl's config files, dom0's commands and interface
 * names holds only what they take safely. */
static void text_values_are_data(void **state)
{
	(void)state;
	expect_error("[a]\nkernel=/boot/k\";touch /tmp/x;\"\n", "kernel");
	expect_error("[a]\nkernel=/boot/k x\n", "' ' is not allowed");
	expect_error("[a]\nramdisk=$(reboot)\n", "'$' is not allowed");
	expect_error("[a]\nbridge=br0;ip\n", "';' is not allowed");
	expect_error("[a]\nbridge=-br\n", "must not start with '-'");
	expect_error("[a]\nbridge=\n", "bridge: empty");
	expect_error("[a]\ndescription=a\x01b\n", "control character");
	expect_error("[a]\nlevels=10,5\n", "rising");
	struct plan p;
	struct hd_err err;
	assert_int_equal(parse("[a]\nplatform=xen\n"
			       "kernel=/boot/vmlinuz-6.1.0+x_y.gz\n"
			       "bridge=xenbr_0-a\ndescription=a \"b\"; c\n",
			       &p, &err), HD_OK);
	assert_string_equal(XEN(&p.jobs[0]).kernel, "/boot/vmlinuz-6.1.0+x_y.gz");
	assert_string_equal(XEN(&p.jobs[0]).bridge, "xenbr_0-a");
	plan_free(&p);
	/* cosmos's options go through the same tables. */
	struct plan_job j;
	assert_int_equal(plan_job_defaults(&j, "c", &err), HD_OK);
	assert_int_equal(plan_job_set(&j, "platform", "xen", &err), HD_OK);
	assert_int_equal(plan_job_set(&j, "kernel", "/k\"", &err), HD_EINVAL);
	assert_int_equal(plan_job_set(&j, "memory", "0", &err), HD_EINVAL);
	assert_int_equal(plan_job_set(&j, "memory", "16", &err), HD_OK);
	assert_int_equal(j.memory_mib, 16);
}

/* Each platform takes its own keys: in a job's own section a key must be
 * its platform's; in [global] and [set] a key applies to the jobs whose
 * platform takes it. The platform may be swept like any key, and its own
 * keys combine after the shared ones. */
static void platform_keys(void **state)
{
	(void)state;
	expect_error("[a]\nplatform=xen\nbridges=2\n",
		     "t.plan:3: bridges: job [a] runs on platform xen, which "
		     "takes no such key");
	expect_error("[a]\nkernel=/k\n", "t.plan:2: kernel: job [a] runs on "
		     "platform emu");
	expect_error("[a]\nplatform=emu,xl\nbridge=br1\n",
		     "t.plan:3: bridge: job [a] runs on platform emu");
	struct plan p;
	struct hd_err err;
	assert_int_equal(parse("[global]\nbridges=2\nkernel=/k\nbridge=br1\n"
			       "[a]\n[b]\nplatform=xen\n[c]\n"
			       "platform=emu,xl\n", &p, &err), HD_OK);
	assert_int_equal(p.njobs, 4);
	assert_ptr_equal(p.jobs[0].platform, &platform_emu);
	assert_int_equal(EMU(&p.jobs[0]).bridges, 2);
	assert_ptr_equal(p.jobs[1].platform, &platform_xen);
	assert_string_equal(XEN(&p.jobs[1]).kernel, "/k");
	assert_string_equal(XEN(&p.jobs[1]).bridge, "br1");
	assert_string_equal(p.jobs[2].name, "c/platform=emu");
	assert_int_equal(EMU(&p.jobs[2]).bridges, 2);
	assert_string_equal(p.jobs[3].name, "c/platform=xl");
	assert_ptr_equal(p.jobs[3].platform, &platform_xl);
	assert_string_equal(XEN(&p.jobs[3]).bridge, "br1");
	plan_free(&p);
	/* Swept keys vary in the one order stored runs' names were made in,
	 * a platform's keys among the shared ones (bridges before
	 * concurrency, boot_delay before seed), the last fastest. */
	assert_int_equal(parse("[a]\nconcurrency=1,4\nbridges=1,2\n"
			       "seed=7,8\nboot_delay=1ms,2ms\n", &p, &err),
			 HD_OK);
	assert_int_equal(p.njobs, 16);
	assert_string_equal(p.jobs[0].name, "a/boot_delay=1ms/seed=7/"
					    "bridges=1/concurrency=1");
	assert_string_equal(p.jobs[1].name, "a/boot_delay=1ms/seed=7/"
					    "bridges=1/concurrency=4");
	assert_string_equal(p.jobs[15].name, "a/boot_delay=2ms/seed=8/"
					     "bridges=2/concurrency=4");
	assert_int_equal(p.jobs[15].concurrency, 4);
	assert_int_equal(p.jobs[15].seed, 8);
	assert_int_equal(EMU(&p.jobs[15]).bridges, 2);
	assert_int_equal(EMU(&p.jobs[15]).boot_delay_ns, 2000000);
	plan_free(&p);
	/* A platform's swept key in [global] makes no runs of the jobs of
	 * another platform. */
	assert_int_equal(parse("[global]\nboot_delay=1ms,2ms\n[a]\n[b]\n"
			       "platform=xen\n", &p, &err), HD_OK);
	assert_int_equal(p.njobs, 3);
	assert_string_equal(p.jobs[1].name, "a/boot_delay=2ms");
	assert_string_equal(p.jobs[2].name, "b");
	plan_free(&p);
	/* By hand, as cosmos does: a key of another platform is refused,
	 * and a new platform starts from its own defaults. */
	struct plan_job j;
	assert_int_equal(plan_job_defaults(&j, "c", &err), HD_OK);
	assert_int_equal(plan_job_set(&j, "bridges", "3", &err), HD_OK);
	assert_int_equal(plan_job_set(&j, "kernel", "/k", &err), HD_EINVAL);
	assert_non_null(strstr(err.msg, "platform emu takes no key kernel"));
	assert_int_equal(plan_job_set(&j, "platform", "xl", &err), HD_OK);
	assert_string_equal(XEN(&j).bridge, "horde-br0");
	assert_int_equal(plan_job_set(&j, "kernel", "/k", &err), HD_OK);
	char text[32];
	plan_job_text(&j, "kernel", text, sizeof(text));
	assert_string_equal(text, "/k");
	plan_job_text(&j, "pattern", text, sizeof(text));
	assert_string_equal(text, "ramp");
	/* A run stores libxcl's name of its profile: the plan's, too. */
	for (int p = 0; p < XCL_PROFILE_COUNT; p++) {
		const char *name = xcl_profile_name((enum xcl_profile)p);
		assert_int_equal(plan_job_set(&j, "profile", name, &err), HD_OK);
		assert_int_equal(j.profile, p);
	}
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

/* A key set twice in one section is an error naming both lines; a value
 * listed twice would make two runs of one name; durations need a unit
 * and take decimal digits only. */
static void no_silent_second_values(void **state)
{
	(void)state;
	expect_error("[a]\nguests=5\nmemory=8\nguests=6\n",
		     "t.plan:4: guests is set already in [a], at t.plan:2");
	expect_error("[global]\nbridges=2\nbridges=3\n[a]\n",
		     "t.plan:3: bridges is set already in [global], at t.plan:2");
	expect_error("[a]\nprofile=lean,lean\n", "'lean' is listed twice");
	expect_error("[a]\nguests=1,2,1\n", "'1' is listed twice");
	expect_error("[a]\nboot_delay=100\n", "a number and a unit");
	expect_error("[a]\nboot_delay=0x10ms\n", "is not a duration");
	struct plan p;
	struct hd_err err;
	/* [global] then the job's own: not a duplicate. */
	assert_int_equal(parse("[global]\nguests=5\n[a]\nguests=6\n"
			       "boot_delay=0\n", &p, &err), HD_OK);
	assert_int_equal(p.jobs[0].guests, 6);
	assert_int_equal(EMU(&p.jobs[0]).boot_delay_ns, 0);
	plan_free(&p);
}

/* Plans cannot take the machine before anything runs: the run count is
 * capped over the whole plan, not only within a sweep, and a plan of
 * many sections is parsed in time linear in its size. */
static void plan_size_caps(void **state)
{
	(void)state;
	size_t cap = 30000 * 24 + 1, len = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 30000; i++)
		len += (size_t)snprintf(text + len, cap - len, "[j%d]\nguests=1\n", i);
	struct plan p;
	struct hd_err err;
	assert_int_not_equal(plan_parse("t.plan", text, len, &p, &err), HD_OK);
	assert_non_null(strstr(err.msg, "the plan makes more than 10000 runs"));
	assert_non_null(strstr(err.msg, "[j10000]"));
	/* 10,000 sections are allowed, each its run. */
	len = 0;
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len, "[j%d]\nguests=1\n", i);
	assert_int_equal(plan_parse("t.plan", text, len, &p, &err), HD_OK);
	assert_int_equal(p.njobs, 10000);
	plan_free(&p);
	free(text);
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
	/* A value is whole: what follows it, however far, is part of it. */
	char text[512];
	snprintf(text, sizeof(text), "[a]\nguests=3%300sjunk\n", "");
	expect_error(text, "t.plan:2: guests: '3");
	snprintf(text, sizeof(text), "[a]\nboot_delay=0%300sxyz\n", "");
	expect_error(text, "t.plan:2: boot_delay: '0");
	expect_error("[a]\nguests=1:3:1 junk\n", "t.plan:2: guests: range '1:3:1 junk'");
	expect_error("[a]\nguests=1:3:1:4\n", "t.plan:2: guests: a range is FIRST:LAST:STEP");
	expect_error("[a]\nguests=1:3\n", "t.plan:2: guests: a range is FIRST:LAST:STEP");
	expect_error("[a]\nguests=1:3:\n", "t.plan:2: guests: a range is FIRST:LAST:STEP");
}

static void structure_errors(void **state)
{
	(void)state;
	expect_error("guests=5\n[a]\n", "t.plan:1: key outside any section");
	expect_error("[a]\njust words\n", "t.plan:2: expected key=value");
	expect_error("[a\n", "t.plan:1: malformed section header");
	expect_error("[a]\n[a]\n", "t.plan:2: job [a] already defined at t.plan:1");
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

static void sweeps_expand(void **state)
{
	(void)state;
	struct plan p;
	struct hd_err err;
	const char *text = "[global]\nguests=1000:3000:1000\n"
			   "[a]\nprofile=lean,xl\ndescription=one, two\n"
			   "[b]\nboot_delay=10ms:30ms:10ms\nguests=7\n";
	assert_int_equal(parse(text, &p, &err), HD_OK);
	assert_int_equal(p.njobs, 6 + 3);
	/* The key declared last in the option table varies fastest. */
	assert_string_equal(p.jobs[0].name, "a/profile=lean/guests=1000");
	assert_string_equal(p.jobs[1].name, "a/profile=lean/guests=2000");
	assert_string_equal(p.jobs[3].name, "a/profile=xl/guests=1000");
	assert_string_equal(p.jobs[5].name, "a/profile=xl/guests=3000");
	assert_int_equal(p.jobs[5].guests, 3000);
	assert_int_equal(p.jobs[5].profile, XCL_PROFILE_XL);
	assert_string_equal(p.jobs[5].description, "one, two"); /* text: whole */
	assert_string_equal(p.jobs[6].name, "b/boot_delay=10ms");
	assert_int_equal(EMU(&p.jobs[8]).boot_delay_ns, 30000000);
	assert_int_equal(p.jobs[8].guests, 7); /* the job's own, not swept */
	assert_true(plan_job_matches(&p.jobs[4], "a"));
	assert_true(plan_job_matches(&p.jobs[4], p.jobs[4].name));
	assert_false(plan_job_matches(&p.jobs[4], "b"));
	assert_false(plan_job_matches(&p.jobs[4], "a/profile=lean"));
	plan_free(&p);

	expect_error("[a]\nguests=5:1:1\n", "t.plan:2: guests: range '5:1:1'");
	expect_error("[a]\nguests=1:5000:1\n", "more than 1000 values");
	expect_error("[a]\nprofile=lean,,xl\n", "t.plan:2: profile: an empty value");
	expect_error("[a]\nplatform=emu,vmware\n", "t.plan:2: platform: 'vmware' is not one of");
	expect_error("[a]\nguests=10,lots\n", "t.plan:2: guests: 'lots' is not a whole number");
	expect_error("[a]\nguests=1:2:1\nmemory=1:11:1\nbucket=1:11:1\n"
		     "probe_rate=10:110:1\n", "the plan makes more than 10000 runs");
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void includes(void **state)
{
	(void)state;
	char dir[] = "/tmp/horde-test-plan-XXXXXX", path[128], sub[128];
	struct plan p;
	struct hd_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/common.inc", dir);
	write_text(sub, "[global]\nguests=42\n");
	snprintf(path, sizeof(path), "%s/main.plan", dir);
	write_text(path, "include = common.inc\n[a]\nmemory=4\n");
	assert_int_equal(plan_load(path, &p, &err), HD_OK);
	assert_int_equal(p.jobs[0].guests, 42);
	assert_int_equal(p.jobs[0].memory_mib, 4);
	/* The stored text stands alone: the include, in place. */
	assert_non_null(strstr(p.text, "# include = common.inc (included here)\n"
				       "[global]\nguests=42\n"));
	/* It parses again from memory, to the same jobs. */
	struct plan again;
	assert_int_equal(plan_parse(p.path, p.text, strlen(p.text), &again, &err),
			 HD_OK);
	assert_int_equal(again.jobs[0].guests, 42);
	plan_free(&again);
	plan_free(&p);

	/* Errors name the included file and its line. */
	write_text(sub, "[global]\nguests=zero\n");
	assert_int_not_equal(plan_load(path, &p, &err), HD_OK);
	assert_non_null(strstr(err.msg, "common.inc:2: guests: 'zero'"));
	write_text(path, "[a]\ninclude=missing.inc\n");
	assert_int_not_equal(plan_load(path, &p, &err), HD_OK);
	assert_non_null(strstr(err.msg, "main.plan:2: include:"));
	assert_non_null(strstr(err.msg, "missing.inc"));
	write_text(path, "include=main.plan\n[a]\n"); /* itself, forever */
	assert_int_not_equal(plan_load(path, &p, &err), HD_OK);
	assert_non_null(strstr(err.msg, "includes nest deeper than 8"));
	expect_error("include=x.inc\n[a]\n", "t.plan:1: include= only in a plan file");
	unlink(sub);
	unlink(path);
	rmdir(dir);
}

static void help_lists_every_key(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	plan_print_help(f, PLAN_HELP_MARKDOWN);
	fclose(f);
	const char *keys[] = { "platform", "profile", "guests", "memory",
			       "boot_delay", "alive_timeout", "probe_interval",
			       "host_memory", "emu_latency", "bucket",
			       "description", "kernel", "bridge" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "| `%s` |", keys[i]);
		assert_non_null(strstr(buf, needle));
	}
	/* Each table once, under whose keys they are: xen and xl share. */
	assert_non_null(strstr(buf, "Keys of platform emu:"));
	const char *xen = strstr(buf, "Keys of platforms xen and xl:");
	assert_non_null(xen);
	assert_null(strstr(xen + 1, "Keys of platforms xen and xl:"));
	assert_true(strstr(buf, "| `kernel` |") > xen);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plan),
		cmocka_unit_test(defaults_are_the_documented_ones),
		cmocka_unit_test(text_values_are_data),
		cmocka_unit_test(no_silent_second_values),
		cmocka_unit_test(plan_size_caps),
		cmocka_unit_test(typo_in_key),    cmocka_unit_test(negative_guests),
		cmocka_unit_test(bad_values),     cmocka_unit_test(structure_errors),
		cmocka_unit_test(sweeps_expand),
		cmocka_unit_test(platform_keys),
		cmocka_unit_test(includes),
		cmocka_unit_test(help_lists_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
