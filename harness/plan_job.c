/* plan_job.c: the plan keys every platform takes, and what a job is made
 * of once parsed: its defaults, one key set by hand (cosmos), the rules
 * that tie keys together, and its settings written back for the page and
 * the help. The parser itself is plan.c. */
#define _GNU_SOURCE
#include "plan.h"

#include <string.h>

#include "../lib/domid.h"
#include "platform.h"

static const struct plan_key_value profile_values[] = {
	{ "lean", XCL_PROFILE_LEAN,
	  "libxcl's minimal entry set (17 entries per guest)" },
	{ "xl", XCL_PROFILE_XL,
	  "the entries xl 4.17 writes (61 per guest), and xl's read of every "
	  "guest's name before each creation" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value pattern_values[] = {
	{ "ramp", LOADGEN_RAMP, "create guests 1..guests, concurrency at a time" },
	{ "burst", LOADGEN_BURST,
	  "every burst_every, burst creations at once, up to guests" },
	{ "steps", LOADGEN_STEPS, "ramp to each of levels; at each, sweep the "
				  "probes and hold for hold" },
	{ "churn", LOADGEN_CHURN,
	  "ramp to a population of guests, then for churn_for destroy each "
	  "guest at the end of its lifetime and create another in its place" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value lifetime_values[] = {
	{ "exponential", LIFETIME_EXPONENTIAL, "memoryless: mean lifetime" },
	{ "fixed", LIFETIME_FIXED, "every guest lives lifetime" },
	{ "uniform", LIFETIME_UNIFORM, "uniform in 0 .. 2 x lifetime" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value xs_handles_values[] = {
	{ "two", XCL_HANDLES_TWO,
	  "one connection for requests and one for watches, so that replies "
	  "reach the caller without libxenstore's reader thread" },
	{ "one", XCL_HANDLES_ONE,
	  "requests and watches on one connection, as a simple toolstack "
	  "does: every reply then passes the reader thread" },
	{ NULL, 0, NULL },
};

static const struct plan_key_value on_failure_values[] = {
	{ "continue", PLAN_ON_FAILURE_CONTINUE,
	  "store the failure with its cause and go on" },
	{ "stop", PLAN_ON_FAILURE_STOP, "stop creating at the first failed guest" },
	{ NULL, 0, NULL },
};

#define JOB(member) PLAN_FIELD(struct plan_job, member)

static const struct plan_key shared_keys[] = {
	{ "description", KEY_TEXT, JOB(description), "", 0, 0, NULL,
	  &plan_text_free, "free text stored with the run" },
	{ "platform", KEY_PLATFORM, JOB(platform), "emu", 0, 0, NULL, NULL,
	  "where guests are created" },
	{ "profile", KEY_ENUM, JOB(profile), "lean", 0, 0, profile_values, NULL,
	  "which XenStore entries libxcl writes per guest" },
	{ "guests", KEY_INT, JOB(guests), "100", 1, HD_DOMID_LAST, NULL, NULL,
	  "number of guests to create (up to the last Xen domain id)" },
	{ "memory", KEY_INT, JOB(memory_mib), "8", 1, 1048576, NULL, NULL,
	  "memory per guest, MiB" },
	{ "seed", KEY_INT, JOB(seed), "1", 0, 4294967295ll, NULL, NULL,
	  "seed of the random draws: emu's modelled delays, churn's lifetimes "
	  "(same seed, same draws)" },
	{ "xs_handles", KEY_ENUM, JOB(xs_handles), "two", 0, 0,
	  xs_handles_values, NULL,
	  "libxcl (platforms xen and emu): XenStore connections of each "
	  "worker" },
	{ "on_failure", KEY_ENUM, JOB(on_failure), "continue", 0, 0,
	  on_failure_values, NULL, "what a failed guest does to the run" },
	{ "alive_timeout", KEY_DURATION, JOB(alive_timeout_ns), "30s",
	  HD_NS_PER_S / 1000, 3600 * HD_NS_PER_S, NULL, NULL,
	  "a guest with no ARP reply this long after unpause counts as dead" },
	{ "probe_interval", KEY_DURATION, JOB(probe_interval_ns), "5ms",
	  HD_NS_PER_S / 10000, 10 * HD_NS_PER_S, NULL, NULL,
	  "gap between ARP probes of one guest that has not answered yet "
	  "(the resolution of time-to-alive)" },
	{ "bucket", KEY_INT, JOB(bucket), "1000", 1, HD_DOMID_LAST, NULL, NULL,
	  "guests per bucket in the closing summary" },
	{ "probe_rate", KEY_INT, JOB(probe_rate), "20000", 10, 1000000, NULL,
	  NULL,
	  "ARP requests a second at most, all guests and retries together" },
	{ "sweep_every", KEY_INT, JOB(sweep_every), "0", 0, HD_DOMID_LAST, NULL,
	  NULL, "probe every living guest again after each this many "
		"creations, and once at the end (0: no sweeps)" },
	{ "sweep_interval", KEY_DURATION, JOB(sweep_interval_ns), "0", 0,
	  86400 * HD_NS_PER_S, NULL, NULL,
	  "probe every living guest again this often, and once at the end "
	  "(0: no sweeps)" },
	{ "sweep_timeout", KEY_DURATION, JOB(sweep_timeout_ns), "1s",
	  HD_NS_PER_S / 1000, 600 * HD_NS_PER_S, NULL, NULL,
	  "a swept guest with no reply this long counts as a miss" },
	{ "pattern", KEY_ENUM, JOB(pattern), "ramp", 0, 0, pattern_values, NULL,
	  "how guests arrive (and, with churn, leave)" },
	{ "concurrency", KEY_INT, JOB(concurrency), "1", 1, 64, NULL, NULL,
	  "creations and destructions in flight at once" },
	{ "burst", KEY_INT, JOB(burst), "10", 1, 64, NULL, NULL,
	  "burst: creations a burst, all at once" },
	{ "burst_every", KEY_DURATION, JOB(burst_every_ns), "1s",
	  HD_NS_PER_S / 1000, 3600 * HD_NS_PER_S, NULL, NULL,
	  "burst: from one burst's start to the next (a burst waits for the "
	  "one before)" },
	{ "levels", KEY_LIST, JOB(levels), "", 1, HD_DOMID_LAST, NULL, NULL,
	  "steps: rising guest counts, like 1000,2000,5000" },
	{ "hold", KEY_DURATION, JOB(hold_ns), "10s", 0, 86400 * HD_NS_PER_S, NULL,
	  NULL, "steps: time at each level after its sweep" },
	{ "churn_for", KEY_DURATION, JOB(churn_for_ns), "60s", HD_NS_PER_S / 1000,
	  86400 * HD_NS_PER_S, NULL, NULL,
	  "churn: how long to churn once the population is up" },
	{ "lifetime", KEY_DURATION, JOB(lifetime_ns), "10s", HD_NS_PER_S / 1000,
	  86400 * HD_NS_PER_S, NULL, NULL, "churn: a guest's mean lifetime" },
	{ "lifetime_dist", KEY_ENUM, JOB(lifetime_dist), "exponential", 0, 0,
	  lifetime_values, NULL, "churn: distribution of lifetimes" },
	{ "sample_interval", KEY_DURATION, JOB(sample_interval_ns), "1s", 0,
	  3600 * HD_NS_PER_S, NULL, NULL,
	  "how often the host sampler reads dom0's daemons and the host "
	  "(0: never)" },
};

/* Rules that tie the shared keys together. */
static int check_shared(const void *settings, struct hd_err *err)
{
	const struct plan_job *job = settings;
	if (job->pattern == LOADGEN_STEPS && job->levels.n == 0)
		return hd_fail(err, HD_EINVAL, "pattern=steps needs levels, "
			       "like levels=1000,2000,5000");
	if (job->sample_interval_ns && job->sample_interval_ns < HD_NS_PER_S / 100)
		return hd_fail(err, HD_EINVAL, "sample_interval: at least 10ms "
			       "(or 0 for none)");
	return HD_OK;
}

const struct plan_keys plan_shared_keys = {
	"every platform", shared_keys, HD_ARRAY_SIZE(shared_keys),
	sizeof(struct plan_job), check_shared,
};

static const struct plan_keys no_keys = { "", NULL, 0, 0, NULL };

const struct plan_keys *plan_platform_keys(const struct platform_ops *ops)
{
	return ops && ops->keys ? ops->keys : &no_keys;
}

int plan_job_settings_defaults(struct plan_job *job, struct hd_err *err)
{
	const struct plan_keys *t = plan_platform_keys(job->platform);
	if (t->size > sizeof(job->settings))
		return hd_fail(err, HD_EINVAL, "platform %s: its settings take "
			       "%zu bytes, more than %d", job->platform->name,
			       t->size, PLAN_SETTINGS_MAX);
	memset(job->settings, 0, sizeof(job->settings));
	return plan_keys_defaults(t, job->settings, err);
}

int plan_job_check(const struct plan_job *job, struct hd_err *err)
{
	const struct plan_keys *t = plan_platform_keys(job->platform);
	int rc = check_shared(job, err);
	if (!rc && t->check)
		rc = t->check(job->settings, err);
	return rc;
}

int plan_job_defaults(struct plan_job *job, const char *name, struct hd_err *err)
{
	memset(job, 0, sizeof(*job));
	hd_strlcpy(job->name, name, sizeof(job->name));
	int rc = plan_keys_defaults(&plan_shared_keys, job, err);
	return rc ? rc : plan_job_settings_defaults(job, err);
}

int plan_job_set(struct plan_job *job, const char *key, const char *value,
		 struct hd_err *err)
{
	const struct plan_key *k = plan_keys_find(&plan_shared_keys, key);
	if (k) {
		const struct platform_ops *was = job->platform;
		int rc = plan_key_set(k, job, value, err);
		if (!rc && k->type == KEY_PLATFORM && job->platform != was)
			rc = plan_job_settings_defaults(job, err);
		return rc;
	}
	if ((k = plan_keys_find(plan_platform_keys(job->platform), key)))
		return plan_key_set(k, job->settings, value, err);
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);
	for (size_t i = 0; i < n; i++)
		if (plan_keys_find(plan_platform_keys(all[i]), key))
			return hd_fail(err, HD_EINVAL, "platform %s takes no key "
				       "%s", job->platform->name, key);
	return hd_fail(err, HD_EINVAL, "unknown key %s", key);
}

uint32_t plan_job_workers(const struct plan_job *job)
{
	uint32_t w = (uint32_t)job->concurrency;
	if (job->pattern == LOADGEN_BURST && (uint32_t)job->burst > w)
		w = (uint32_t)job->burst;
	return w;
}

bool plan_job_matches(const struct plan_job *job, const char *name)
{
	size_t n = strlen(name);
	return strncmp(job->name, name, n) == 0 &&
	       (job->name[n] == '\0' || job->name[n] == '/');
}

void plan_job_text(const struct plan_job *job, const char *key, char *buf,
		   size_t len)
{
	const struct plan_key *k = plan_keys_find(&plan_shared_keys, key);
	if (k) {
		plan_key_text(k, job, buf, len);
		return;
	}
	k = plan_keys_find(plan_platform_keys(job->platform), key);
	if (k)
		plan_key_text(k, job->settings, buf, len);
	else if (len)
		buf[0] = '\0';
}

/* Calls fn with each key of t in the struct at base and at defaults. */
static void each_setting(const struct plan_keys *t, const void *base,
			 const void *defaults,
			 void (*fn)(void *arg, const char *key,
				    const char *value, bool is_default),
			 void *arg)
{
	for (size_t i = 0; i < t->n; i++) {
		char v[512], d[512];
		plan_key_text(&t->keys[i], base, v, sizeof(v));
		plan_key_text(&t->keys[i], defaults, d, sizeof(d));
		fn(arg, t->keys[i].name, v, strcmp(v, d) == 0);
	}
}

void plan_job_each_setting(const struct plan_job *job,
			   void (*fn)(void *arg, const char *key,
				      const char *value, bool is_default),
			   void *arg)
{
	struct plan_job defaults;
	struct hd_err ignored;
	if (plan_job_defaults(&defaults, job->name, &ignored))
		memset(&defaults, 0, sizeof(defaults));
	each_setting(&plan_shared_keys, job, &defaults, fn, arg);
	/* The platform's keys against its own defaults. */
	defaults.platform = job->platform;
	if (plan_job_settings_defaults(&defaults, &ignored))
		memset(defaults.settings, 0, sizeof(defaults.settings));
	each_setting(plan_platform_keys(job->platform), job->settings,
		     defaults.settings, fn, arg);
}

static void help_heading(FILE *f, const struct plan_keys *t,
			 enum plan_help_format format, bool first)
{
	switch (format) {
	case PLAN_HELP_ROFF:
		fprintf(f, ".SS \"Keys of %s\"\n", t->whose);
		break;
	case PLAN_HELP_MARKDOWN:
		fprintf(f, "%sKeys of %s:\n\n| key | type | default | range or "
			   "values | meaning |\n| --- | --- | --- | --- | --- "
			   "|\n", first ? "" : "\n", t->whose);
		break;
	case PLAN_HELP_TEXT:
		fprintf(f, "\nKeys of %s:\n\n", t->whose);
		break;
	}
}

void plan_print_help(FILE *f, enum plan_help_format format)
{
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);

	if (format == PLAN_HELP_ROFF)
		fprintf(f, ".SH PLAN KEYS\nIn [global] or in a job section; "
			"\\fBhorde help plan\\fR prints the same.\n");
	else if (format == PLAN_HELP_TEXT)
		fprintf(f, "Plan keys, in [global] or in a job section. A "
			   "platform's own keys apply to\nthe jobs on it; in a "
			   "job's own section, only its platform's are taken.\n");
	help_heading(f, &plan_shared_keys, format, true);
	plan_keys_help(f, &plan_shared_keys, format);
	/* Each platform's table once: platforms may share one (xen, xl). */
	for (size_t i = 0; i < n; i++) {
		const struct plan_keys *t = plan_platform_keys(all[i]);
		bool seen = t->n == 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = plan_platform_keys(all[k]) == t;
		if (seen)
			continue;
		help_heading(f, t, format, false);
		plan_keys_help(f, t, format);
	}
}
