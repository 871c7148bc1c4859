/* plan.c: plan file parser, driven by one option table. */
#define _GNU_SOURCE
#include "plan.h"

#include "../lib/domid.h"
#include "../lib/hmap.h"
#include "../xcl/xcl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum opt_type { OPT_INT, OPT_FLOAT, OPT_DURATION, OPT_ENUM, OPT_STRING };

struct opt_value {
	const char *name;
	const char *help;
};

struct plan_option {
	const char *name;
	enum opt_type type;
	size_t offset;     /* into struct plan_job */
	size_t size;       /* of the field, for strings and enums */
	const char *def;   /* default, as it would be written in a plan */
	long long min, max;/* OPT_INT, OPT_FLOAT; for OPT_DURATION in ns */
	const struct opt_value *values; /* OPT_ENUM, ends with {NULL} */
	const char *help;
	/* OPT_STRING: what the value may hold (for help), and the check
	 * that holds it to that: text reaches config files, command lines
	 * and interface names, so only what they can take safely passes. */
	const struct text_form *form;
};

struct text_form {
	const char *says;
	int (*check)(const char *what, const char *value, struct hd_err *err);
};

static int check_free_text(const char *what, const char *v, struct hd_err *err)
{
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return hd_fail(err, HD_EINVAL, "%s: control character "
				       "0x%02x", what, *c);
	return HD_OK;
}

static int check_path(const char *what, const char *v, struct hd_err *err)
{
	return hd_check_chars(what, v, "/._+-", err);
}

static int check_ifname(const char *what, const char *v, struct hd_err *err)
{
	if (!*v)
		return hd_fail(err, HD_EINVAL, "%s: empty", what);
	return hd_check_chars(what, v, XCL_BRIDGE_CHARS, err);
}

static int check_levels(const char *what, const char *v, struct hd_err *err);

static const struct text_form free_text = {
	"printable text", check_free_text };
static const struct text_form path_text = {
	"a path: letters, digits, / . _ + -", check_path };
static const struct text_form ifname_text = {
	"an interface name: letters, digits, - _", check_ifname };
static const struct text_form levels_text = {
	"rising whole numbers, comma-separated", check_levels };

#define FIELD(f) offsetof(struct plan_job, f), sizeof(((struct plan_job *)0)->f)

static const struct opt_value platform_values[] = {
	{ "emu", "the emulated host in emu/: real XenStore daemon, real veth "
		 "pairs on real bridges, real ARP; hypervisor and boot delay "
		 "modelled" },
	{ "xen", "real Xen through libxcl; run horde in dom0" },
	{ "xl", "real Xen through Xen's own xl, one `xl create` per guest; "
		"run horde in dom0" },
	{ NULL, NULL },
};

static const struct opt_value profile_values[] = {
	{ "lean", "libxcl's minimal entry set (17 entries per guest)" },
	{ "xl", "the entries xl 4.17 writes (61 per guest), and xl's read of "
		"every guest's name before each creation" },
	{ NULL, NULL },
};

static const struct opt_value dist_values[] = {
	{ "fixed", "every guest takes boot_delay" },
	{ "uniform", "uniform in boot_delay +- boot_delay_spread" },
	{ "lognormal", "median boot_delay, sigma boot_delay_sigma of ln(delay)" },
	{ NULL, NULL },
};

static const struct opt_value abi_values[] = {
	{ "fifo", "FIFO ABI: 131,072 ports per domain (Linux's choice since "
		  "3.14 when Xen offers it)" },
	{ "2level", "2-level ABI: 4,096 ports for a 64-bit dom0 (the seed "
		    "work's limit near 1,300 guests)" },
	{ NULL, NULL },
};

static const struct opt_value console_values[] = {
	{ "eager", "a PTY (3 fds) per guest console at creation, as "
		   "xenconsoled does" },
	{ "lazy", "the seed's fix: 1 fd per console, the PTY only when a "
		  "user attaches" },
	{ NULL, NULL },
};

static const struct opt_value pattern_values[] = {
	{ "ramp", "create guests 1..guests, concurrency at a time" },
	{ "burst", "every burst_every, burst creations at once, up to guests" },
	{ "steps", "ramp to each of levels; at each, sweep the probes and "
		   "hold for hold" },
	{ "churn", "ramp to a population of guests, then for churn_for "
		   "destroy each guest at the end of its lifetime and create "
		   "another in its place" },
	{ NULL, NULL },
};

static const struct opt_value lifetime_values[] = {
	{ "exponential", "memoryless: mean lifetime" },
	{ "fixed", "every guest lives lifetime" },
	{ "uniform", "uniform in 0 .. 2 x lifetime" },
	{ NULL, NULL },
};

static const struct opt_value xs_handles_values[] = {
	{ "two", "one connection for requests and one for watches, so that "
		 "replies reach the caller without libxenstore's reader thread" },
	{ "one", "requests and watches on one connection, as a simple "
		 "toolstack does: every reply then passes the reader thread" },
	{ NULL, NULL },
};

static const struct opt_value on_failure_values[] = {
	{ "continue", "store the failure with its cause and go on" },
	{ "stop", "stop creating at the first failed guest" },
	{ NULL, NULL },
};

#define NS_PER_S 1000000000ll

static const struct plan_option plan_options[] = {
	{ "description", OPT_STRING, FIELD(description), "", 0, 0, NULL,
	  "free text stored with the run", &free_text },
	{ "platform", OPT_ENUM, FIELD(platform), "emu", 0, 0, platform_values,
	  "where guests are created", NULL },
	{ "profile", OPT_ENUM, FIELD(profile), "lean", 0, 0, profile_values,
	  "which XenStore entries libxcl writes per guest", NULL },
	{ "emu_latency", OPT_STRING, FIELD(emu_latency), "default", 0, 0, NULL,
	  "emu: modelled cost of each hypervisor operation: default (the "
	  "profile measured in the real-Xen lane, emu/profiles/xen-4.17-qemu"
	  ".profile), zero "
	  "(none: horde, XenStore and dom0 alone), or a profile file written "
	  "by horde calibrate", &path_text },
	{ "kernel", OPT_STRING, FIELD(kernel), "", 0, 0, NULL,
	  "xen, xl: the guests' PV kernel image (ELF or gzip'd ELF)",
	  &path_text },
	{ "ramdisk", OPT_STRING, FIELD(ramdisk), "", 0, 0, NULL,
	  "xen, xl: the guests' initramfs (optional)", &path_text },
	{ "bridge", OPT_STRING, FIELD(bridge), "horde-br0", 0, 0, NULL,
	  "xen, xl: the dom0 bridge the guests' vifs join", &ifname_text },
	{ "guests", OPT_INT, FIELD(guests), "100", 1, HD_DOMID_LAST, NULL,
	  "number of guests to create (up to the last Xen domain id)", NULL },
	{ "memory", OPT_INT, FIELD(memory_mib), "8", 1, 1048576, NULL,
	  "memory per guest, MiB", NULL },
	{ "host_memory", OPT_INT, FIELD(host_memory_mib), "262144", 64,
	  1ll << 32, NULL,
	  "emu: memory of the emulated host available to guests, MiB", NULL },
	{ "boot_delay", OPT_DURATION, FIELD(boot_delay_ns), "100ms", 0,
	  600 * NS_PER_S, NULL,
	  "emu: modelled time from unpause until the guest's network is up "
	  "(the median)", NULL },
	{ "boot_delay_dist", OPT_ENUM, FIELD(boot_delay_dist), "fixed", 0, 0,
	  dist_values, "emu: distribution of the boot delay", NULL },
	{ "boot_delay_spread", OPT_DURATION, FIELD(boot_delay_spread_ns), "0",
	  0, 600 * NS_PER_S, NULL,
	  "emu: half-width of the uniform boot delay (at most boot_delay)", NULL },
	{ "boot_delay_sigma", OPT_FLOAT, FIELD(boot_delay_sigma), "0.5", 0, 3,
	  NULL, "emu: sigma of ln(boot delay) for lognormal", NULL },
	{ "seed", OPT_INT, FIELD(seed), "1", 0, 4294967295ll, NULL,
	  "emu: seed of the modelled random draws (same seed, same delays)", NULL },
	{ "evtchn_abi", OPT_ENUM, FIELD(evtchn_abi), "fifo", 0, 0, abi_values,
	  "emu: dom0's event channel ABI (3 dom0 ports per guest with one "
	  "vif)", NULL },
	{ "dom0_own_ports", OPT_INT, FIELD(dom0_own_ports), "24", 0, 4000,
	  NULL, "emu: event channel ports dom0 holds before any guest (VIRQs, "
	  "IPIs, its own devices): 24 on the real-Xen lane's dom0 of 2 vCPUs, "
	  "counted with lsevtchn", NULL },
	{ "max_grant_frames", OPT_INT, FIELD(max_grant_frames), "64", 1, 4096,
	  NULL, "emu: each guest's own grant table frames of 512 grants (64 in "
	  "Xen 4.17); its 2 seeded grants fit in one, so this limits nothing "
	  "host-wide, unlike the seed's shared table", NULL },
	{ "max_maptrack_frames", OPT_INT, FIELD(max_maptrack_frames), "1024", 1,
	  65536, NULL, "emu: dom0's maptrack frames of 256 maps (1024 in Xen "
	  "4.17); 6 maps per guest: its store and console pages, twice each "
	  "(gntdev in a PV dom0), and its vif's two rings", NULL },
	{ "bridges", OPT_INT, FIELD(bridges), "1", 1, 64, NULL,
	  "emu: bridges horde-br0.. the vifs are spread over, round robin (a "
	  "Linux bridge takes 1,023 ports)", NULL },
	{ "console", OPT_ENUM, FIELD(console), "eager", 0, 0, console_values,
	  "emu: when the console daemon opens a guest's PTY", NULL },
	{ "pty_max", OPT_INT, FIELD(pty_max), "4096", 1, 1048576, NULL,
	  "emu: PTYs in the console daemon's own devpts (the kernel's "
	  "kernel.pty.max also applies)", NULL },
	{ "console_fd_limit", OPT_INT, FIELD(console_fd_limit), "0", 0,
	  1048576, NULL, "emu: the console daemon's open file limit; 0: the "
	  "hard limit horde runs under (1024 is what a daemon gets by "
	  "default)", NULL },
	{ "xs_handles", OPT_ENUM, FIELD(xs_handles), "two", 0, 0,
	  xs_handles_values, "xen, emu: XenStore connections of each of "
	  "libxcl's workers", NULL },
	{ "on_failure", OPT_ENUM, FIELD(on_failure), "continue", 0, 0,
	  on_failure_values, "what a failed guest does to the run", NULL },
	{ "alive_timeout", OPT_DURATION, FIELD(alive_timeout_ns), "30s",
	  NS_PER_S / 1000, 3600 * NS_PER_S, NULL,
	  "a guest with no ARP reply this long after unpause counts as dead", NULL },
	{ "probe_interval", OPT_DURATION, FIELD(probe_interval_ns), "5ms",
	  NS_PER_S / 10000, 10 * NS_PER_S, NULL,
	  "gap between ARP probes of one guest that has not answered yet "
	  "(the resolution of time-to-alive)", NULL },
	{ "bucket", OPT_INT, FIELD(bucket), "1000", 1, HD_DOMID_LAST, NULL,
	  "guests per bucket in the closing summary", NULL },
	{ "probe_rate", OPT_INT, FIELD(probe_rate), "20000", 10, 1000000, NULL,
	  "ARP requests a second at most, all guests and retries together", NULL },
	{ "sweep_every", OPT_INT, FIELD(sweep_every), "0", 0, HD_DOMID_LAST,
	  NULL,
	  "probe every living guest again after each this many creations, "
	  "and once at the end (0: no sweeps)", NULL },
	{ "sweep_interval", OPT_DURATION, FIELD(sweep_interval_ns), "0", 0,
	  86400 * NS_PER_S, NULL,
	  "probe every living guest again this often, and once at the end "
	  "(0: no sweeps)", NULL },
	{ "sweep_timeout", OPT_DURATION, FIELD(sweep_timeout_ns), "1s",
	  NS_PER_S / 1000, 600 * NS_PER_S, NULL,
	  "a swept guest with no reply this long counts as a miss", NULL },
	{ "pattern", OPT_ENUM, FIELD(pattern), "ramp", 0, 0, pattern_values,
	  "how guests arrive (and, with churn, leave)", NULL },
	{ "concurrency", OPT_INT, FIELD(concurrency), "1", 1, 64, NULL,
	  "creations and destructions in flight at once", NULL },
	{ "burst", OPT_INT, FIELD(burst), "10", 1, 64, NULL,
	  "burst: creations a burst, all at once", NULL },
	{ "burst_every", OPT_DURATION, FIELD(burst_every_ns), "1s",
	  NS_PER_S / 1000, 3600 * NS_PER_S, NULL,
	  "burst: from one burst's start to the next (a burst waits for the "
	  "one before)", NULL },
	{ "levels", OPT_STRING, FIELD(levels), "", 0, 0, NULL,
	  "steps: rising guest counts, like 1000,2000,5000", &levels_text },
	{ "hold", OPT_DURATION, FIELD(hold_ns), "10s", 0, 86400 * NS_PER_S,
	  NULL, "steps: time at each level after its sweep", NULL },
	{ "churn_for", OPT_DURATION, FIELD(churn_for_ns), "60s",
	  NS_PER_S / 1000, 86400 * NS_PER_S, NULL,
	  "churn: how long to churn once the population is up", NULL },
	{ "lifetime", OPT_DURATION, FIELD(lifetime_ns), "10s", NS_PER_S / 1000,
	  86400 * NS_PER_S, NULL, "churn: a guest's mean lifetime", NULL },
	{ "lifetime_dist", OPT_ENUM, FIELD(lifetime_dist), "exponential", 0, 0,
	  lifetime_values, "churn: distribution of lifetimes", NULL },
	{ "sample_interval", OPT_DURATION, FIELD(sample_interval_ns), "1s", 0,
	  3600 * NS_PER_S, NULL,
	  "how often the host sampler reads dom0's daemons and the host "
	  "(0: never)", NULL },
};

static const struct plan_option *find_option(const char *key)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++)
		if (strcmp(plan_options[i].name, key) == 0)
			return &plan_options[i];
	return NULL;
}

static const char *closest_option(const char *key)
{
	const char *best = NULL;
	unsigned best_d = 3; /* suggest only close typos */

	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++) {
		unsigned d = hd_edit_distance(key, plan_options[i].name);
		if (d < best_d) {
			best_d = d;
			best = plan_options[i].name;
		}
	}
	return best;
}

/* Parses value for opt into job; on error fills err without position. */
static int set_option(struct plan_job *job, const struct plan_option *opt,
		      const char *value, struct hd_err *err)
{
	char *field = (char *)job + opt->offset;

	switch (opt->type) {
	case OPT_INT: {
		long long v;
		int rc = hd_parse_int(value, opt->min, opt->max, &v);
		if (rc == HD_EINVAL)
			return hd_fail(err, HD_EINVAL,
				       "%s: '%s' is not a whole number",
				       opt->name, value);
		if (rc)
			return hd_fail(err, HD_EINVAL,
				       "%s: %s is out of range %lld..%lld",
				       opt->name, value, opt->min, opt->max);
		memcpy(field, &v, sizeof(v));
		return HD_OK;
	}
	case OPT_FLOAT: {
		char *end;
		errno = 0;
		double v = strtod(value, &end);
		if (errno || end == value || *end || v != v)
			return hd_fail(err, HD_EINVAL, "%s: '%s' is not a number",
				       opt->name, value);
		if (v < (double)opt->min || v > (double)opt->max)
			return hd_fail(err, HD_EINVAL,
				       "%s: %s is out of range %lld..%lld",
				       opt->name, value, opt->min, opt->max);
		memcpy(field, &v, sizeof(v));
		return HD_OK;
	}
	case OPT_DURATION: {
		uint64_t ns;
		if (hd_parse_duration(value, &ns))
			return hd_fail(err, HD_EINVAL,
				       "%s: '%s' is not a duration: a number and "
				       "a unit (ns, us, ms, s, m, h), like 250ms, "
				       "2s, 1.5m", opt->name, value);
		if ((long long)ns < opt->min || (long long)ns > opt->max) {
			char lo[32], hi[32];
			return hd_fail(err, HD_EINVAL,
				       "%s: %s is out of range %s..%s",
				       opt->name, value,
				       hd_fmt_ns((uint64_t)opt->min, lo, sizeof(lo)),
				       hd_fmt_ns((uint64_t)opt->max, hi, sizeof(hi)));
		}
		memcpy(field, &ns, sizeof(ns));
		return HD_OK;
	}
	case OPT_ENUM:
		for (const struct opt_value *v = opt->values; v->name; v++) {
			if (strcmp(v->name, value) == 0) {
				hd_strlcpy(field, value, opt->size);
				return HD_OK;
			}
		}
		{
			char allowed[256] = "";
			for (const struct opt_value *v = opt->values; v->name; v++) {
				if (allowed[0])
					strncat(allowed, ", ",
						sizeof(allowed) - strlen(allowed) - 1);
				strncat(allowed, v->name,
					sizeof(allowed) - strlen(allowed) - 1);
			}
			return hd_fail(err, HD_EINVAL,
				       "%s: '%s' is not one of: %s", opt->name,
				       value, allowed);
		}
	case OPT_STRING:
		if (strlen(value) >= opt->size)
			return hd_fail(err, HD_EINVAL,
				       "%s: value longer than %zu characters",
				       opt->name, opt->size - 1);
		if (opt->form) {
			int rc = opt->form->check(opt->name, value, err);
			if (rc)
				return rc;
		}
		hd_strlcpy(field, value, opt->size);
		return HD_OK;
	}
	return hd_fail(err, HD_EINVAL, "%s: bad option type", opt->name);
}

/* Fills job with every key's default. The table checks itself here: a
 * default its own key refuses is a bug, reported, never ignored. */
static int set_defaults(struct plan_job *job, struct hd_err *err)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++) {
		const struct plan_option *o = &plan_options[i];
		int rc = set_option(job, o, o->def, err);
		if (rc)
			return hd_wrap(err, "plan key table: default of %s",
				       o->name);
	}
	return HD_OK;
}

int plan_job_set(struct plan_job *job, const char *key, const char *value,
		 struct hd_err *err)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++)
		if (strcmp(plan_options[i].name, key) == 0)
			return set_option(job, &plan_options[i], value, err);
	return hd_fail(err, HD_EINVAL, "unknown key %s", key);
}

int plan_job_defaults(struct plan_job *job, const char *name, struct hd_err *err)
{
	memset(job, 0, sizeof(*job));
	hd_strlcpy(job->name, name, sizeof(job->name));
	return set_defaults(job, err);
}

size_t plan_job_levels(const struct plan_job *job, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (const char *p = job->levels; *p && n < max;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		out[n++] = (uint32_t)v;
		p = *end == ',' ? end + 1 : end + strlen(end);
	}
	return n;
}

uint32_t plan_job_workers(const struct plan_job *job)
{
	uint32_t w = (uint32_t)job->concurrency;
	if (strcmp(job->pattern, "burst") == 0 && (uint32_t)job->burst > w)
		w = (uint32_t)job->burst;
	return w;
}

/* levels: guest counts, rising, at most 32 of them. */
static int check_levels(const char *what, const char *s, struct hd_err *err)
{
	long prev = 0;
	int n = 0;

	(void)what;
	for (const char *p = s; *p;) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || (*end && *end != ',') || v < 1 ||
		    v > HD_DOMID_LAST || v <= prev || ++n > 32)
			return hd_fail(err, HD_EINVAL, "levels: '%s': up to 32 "
				       "rising whole numbers 1..%u, comma "
				       "separated", s, HD_DOMID_LAST);
		prev = v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return hd_fail(err, HD_EINVAL, "levels: '%s' ends with "
				       "a comma", s);
	}
	return HD_OK;
}

/* Rules that tie keys together, checked once a job has all its keys. */
static int check_job(const struct plan_job *job, struct hd_err *err)
{
	if (strcmp(job->pattern, "steps") == 0 && !*job->levels)
		return hd_fail(err, HD_EINVAL, "pattern=steps needs levels, "
			       "like levels=1000,2000,5000");
	if (job->sample_interval_ns && job->sample_interval_ns < NS_PER_S / 100)
		return hd_fail(err, HD_EINVAL, "sample_interval: at least 10ms "
			       "(or 0 for none)");
	if (strcmp(job->boot_delay_dist, "uniform") == 0 &&
	    job->boot_delay_spread_ns > job->boot_delay_ns)
		return hd_fail(err, HD_EINVAL, "boot_delay_spread is larger "
			       "than boot_delay (delays cannot be negative)");
	return HD_OK;
}

/* ---- sources: a plan file and what it includes, as numbered lines ---- */

/* Bounds that keep a plan from taking the machine before anything runs:
 * a file's size, the whole plan's once includes are in place (eight files
 * that each include the next ten times would otherwise make 10^8 lines),
 * and the runs it makes. */
#define INCLUDE_DEPTH_MAX 8
#define INCLUDES_MAX 256      /* files included, all told */
#define PLAN_BYTES_MAX (1u << 20)
#define PLAN_EXPANDED_MAX (8u << 20)
#define SWEEP_VALUES_MAX 1000 /* per key */
#define RUNS_MAX 10000        /* per plan, once swept */

struct line {
	const char *file; /* owned by the source */
	int no;
	char *text;       /* owned by the source */
};

struct source {
	struct line *lines;
	size_t n, cap;
	char **owned;     /* file names and line texts */
	size_t nowned, capowned;
	char *expanded;   /* the whole plan, includes in place */
	size_t explen, expcap;
	unsigned nincludes;
};

static char *own(struct source *src, char *p)
{
	if (!p || hd_reserve((void **)&src->owned, &src->capowned,
			     sizeof(*src->owned), src->nowned + 1)) {
		free(p);
		return NULL;
	}
	return src->owned[src->nowned++] = p;
}

static int append_expanded(struct source *src, const char *s, size_t len)
{
	if (src->explen + len + 1 > src->expcap) {
		size_t cap = (src->explen + len + 1) * 2;
		char *e = realloc(src->expanded, cap);
		if (!e)
			return -1;
		src->expanded = e;
		src->expcap = cap;
	}
	memcpy(src->expanded + src->explen, s, len);
	src->explen += len;
	src->expanded[src->explen] = '\0';
	return 0;
}

static void source_free(struct source *src)
{
	for (size_t i = 0; i < src->nowned; i++)
		free(src->owned[i]);
	free(src->owned);
	free(src->lines);
	free(src->expanded);
	memset(src, 0, sizeof(*src));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int read_file(const char *path, char **text, size_t *len,
		     struct hd_err *err);

/* Adds the lines of text (from file name) to src. An include=PATH line,
 * when files may be read, is replaced by the lines of PATH (relative to
 * the including file); in the expanded text it becomes a comment followed
 * by the file, so that the stored plan stands alone. */
static int add_source(struct source *src, const char *name, const char *text,
		      size_t len, int depth, bool read_includes,
		      struct hd_err *err)
{
	if (memchr(text, '\0', len))
		return hd_fail(err, HD_EINVAL, "%s: not a text file (NUL byte)",
			       name);
	const char *file = own(src, strdup(name));
	if (!file)
		return hd_fail(err, HD_ESYS, "out of memory");
	int no = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : len - at;
		char *t = own(src, strndup(text + at, l));
		if (!t)
			return hd_fail(err, HD_ESYS, "out of memory");
		const char *raw = text + at;
		at += l + (nl != NULL);
		no++;
		char *s = trim(t);
		if (strncmp(s, "include", 7) == 0 && *trim(s + 7) == '=') {
			char *path = trim(strchr(s, '=') + 1), full[4096];
			char *itext;
			size_t ilen;
			if (!read_includes)
				return hd_fail(err, HD_EINVAL, "%s:%d: include= "
					       "only in a plan file", name, no);
			if (depth >= INCLUDE_DEPTH_MAX)
				return hd_fail(err, HD_EINVAL, "%s:%d: includes "
					       "nest deeper than %d", name, no,
					       INCLUDE_DEPTH_MAX);
			if (++src->nincludes > INCLUDES_MAX)
				return hd_fail(err, HD_EINVAL, "%s:%d: more than "
					       "%d includes in one plan", name, no,
					       INCLUDES_MAX);
			const char *slash = strrchr(name, '/');
			if (*path == '/' || !slash)
				snprintf(full, sizeof(full), "%s", path);
			else
				snprintf(full, sizeof(full), "%.*s/%s",
					 (int)(slash - name), name, path);
			if (read_file(full, &itext, &ilen, err))
				return hd_wrap(err, "%s:%d: include", name, no);
			char note[4200];
			int nn = snprintf(note, sizeof(note), "# %s (included "
					  "here)\n", s);
			int rc = append_expanded(src, note, (size_t)nn) ? HD_ESYS : 0;
			if (!rc)
				rc = add_source(src, full, itext, ilen, depth + 1,
						true, err);
			free(itext);
			if (rc)
				return rc == HD_ESYS && !err->msg[0]
					       ? hd_fail(err, HD_ESYS, "out of memory")
					       : rc;
			continue;
		}
		if (src->explen + l + 1 > PLAN_EXPANDED_MAX)
			return hd_fail(err, HD_EINVAL, "%s:%d: the plan is larger "
				       "than %u MiB with its includes in place",
				       name, no, PLAN_EXPANDED_MAX >> 20);
		if (append_expanded(src, raw, l) || append_expanded(src, "\n", 1))
			return hd_fail(err, HD_ESYS, "out of memory");
		if (src->n == src->cap) {
			size_t cap = src->cap ? src->cap * 2 : 64;
			struct line *nl2 = realloc(src->lines, cap * sizeof(*nl2));
			if (!nl2)
				return hd_fail(err, HD_ESYS, "out of memory");
			src->lines = nl2;
			src->cap = cap;
		}
		src->lines[src->n++] = (struct line){ file, no, s };
	}
	return HD_OK;
}

/* ---- sweeps: a key with several values ---- */

/* One key=value line, kept until jobs are built so that [global] can come
 * first and apply to every job. values are the key's alternatives: one,
 * or several for a sweep. */
struct entry {
	const struct line *line;
	const struct plan_option *opt;
	char **values;
	size_t nvalues;
};

struct section {
	char name[PLAN_NAME_MAX];
	int line;
	size_t first_entry, nentries; /* its key=value lines, contiguous */
};

static void entry_free(struct entry *e)
{
	for (size_t i = 0; i < e->nvalues; i++)
		free(e->values[i]);
	free(e->values);
}

/* Adds a value to the key's alternatives; -1 when out of memory, -2 when
 * the key has it already. */
static int push_value(struct entry *e, const char *v, size_t len)
{
	for (size_t i = 0; i < e->nvalues; i++)
		if (strlen(e->values[i]) == len && !memcmp(e->values[i], v, len))
			return -2; /* a value twice: two runs of one name */
	char **n = realloc(e->values, (e->nvalues + 1) * sizeof(*n));
	if (!n)
		return -1;
	e->values = n;
	return (e->values[e->nvalues] = strndup(v, len)) ? (e->nvalues++, 0) : -1;
}

static int add_value(const struct plan_option *opt, struct entry *e,
		     const char *v, size_t len, struct hd_err *err)
{
	int r = push_value(e, v, len);
	if (r == -2)
		return hd_fail(err, HD_EINVAL, "%s: '%.*s' is listed twice (two "
			       "runs of one name)", opt->name, (int)len, v);
	return r ? hd_fail(err, HD_ESYS, "out of memory") : HD_OK;
}

/* A duration as a plan would say it, in the largest unit that is exact. */
static int fmt_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct { uint64_t ns; const char *unit; } units[] = {
		{ 1000000000ull, "s" }, { 1000000ull, "ms" }, { 1000ull, "us" },
		{ 1ull, "ns" },
	};
	size_t i = 0;
	while (ns && ns % units[i].ns)
		i++;
	return snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns),
			units[i].unit);
}

/* Splits a value into its alternatives: "a,b,c", or for a whole number or
 * a duration "FIRST:LAST:STEP"; text values are never split (they may
 * hold commas). Each alternative is checked against the option. */
static int split_values(const struct plan_option *opt, const char *value,
			struct entry *e, struct hd_err *err)
{
	struct plan_job scratch;
	const char *colon = strchr(value, ':');

	if (opt->type == OPT_STRING) {
		if (add_value(opt, e, value, strlen(value), err))
			return err->code;
	} else if (colon && (opt->type == OPT_INT || opt->type == OPT_DURATION)) {
		char a[64], b[64], c[64];
		uint64_t first, last, step;
		if (sscanf(value, "%63[^:]:%63[^:]:%63s", a, b, c) != 3)
			return hd_fail(err, HD_EINVAL, "%s: a range is "
				       "FIRST:LAST:STEP", opt->name);
		int bad;
		if (opt->type == OPT_INT) {
			long long x, y, z;
			bad = hd_parse_int(a, 0, LLONG_MAX, &x) ||
			      hd_parse_int(b, 0, LLONG_MAX, &y) ||
			      hd_parse_int(c, 1, LLONG_MAX, &z);
			first = (uint64_t)x, last = (uint64_t)y, step = (uint64_t)z;
		} else {
			bad = hd_parse_duration(a, &first) ||
			      hd_parse_duration(b, &last) ||
			      hd_parse_duration(c, &step) || step == 0;
		}
		if (bad || last < first)
			return hd_fail(err, HD_EINVAL, "%s: range '%s': FIRST:"
				       "LAST:STEP with FIRST <= LAST and STEP "
				       "above 0", opt->name, value);
		if ((last - first) / step >= SWEEP_VALUES_MAX)
			return hd_fail(err, HD_EINVAL, "%s: range '%s' has more "
				       "than %d values", opt->name, value,
				       SWEEP_VALUES_MAX);
		for (uint64_t v = first; v <= last; v += step) {
			char buf[32];
			int n = opt->type == OPT_INT
					? snprintf(buf, sizeof(buf), "%llu",
						   (unsigned long long)v)
					: fmt_duration(v, buf, sizeof(buf));
			if (add_value(opt, e, buf, (size_t)n, err))
				return err->code;
			if (last - v < step)
				break;
		}
	} else {
		for (const char *p = value;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char one[256];
			snprintf(one, sizeof(one), "%.*s", (int)len, p);
			char *t = trim(one);
			if (!*t && (comma || e->nvalues))
				return hd_fail(err, HD_EINVAL, "%s: an empty value "
					       "in the list '%s'", opt->name,
					       value);
			if (add_value(opt, e, t, strlen(t), err))
				return err->code;
			if (e->nvalues > SWEEP_VALUES_MAX)
				return hd_fail(err, HD_EINVAL, "%s: more than %d "
					       "values", opt->name,
					       SWEEP_VALUES_MAX);
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	for (size_t i = 0; i < e->nvalues; i++) {
		memset(&scratch, 0, sizeof(scratch));
		if (set_option(&scratch, opt, e->values[i], err))
			return err->code;
	}
	return HD_OK;
}

static int valid_job_name(const char *s)
{
	return *s && hd_check_chars("job", s, XCL_NAME_CHARS, NULL) == HD_OK;
}

#define NOPTIONS HD_ARRAY_SIZE(plan_options)

/* The entries a section sets, by option (each key at most once: a second
 * setting is an error naming both lines). A section's entries are
 * contiguous, so this is one pass over them. */
static int section_keys(const struct section *sec, const struct entry *entries,
			const struct entry **keys, struct hd_err *err)
{
	for (size_t o = 0; o < NOPTIONS; o++)
		keys[o] = NULL;
	for (size_t e = sec->first_entry; e < sec->first_entry + sec->nentries; e++) {
		const struct entry *x = &entries[e];
		size_t o = (size_t)(x->opt - plan_options);
		if (keys[o])
			return hd_fail(err, HD_EINVAL, "%s:%d: %s is set already "
				       "in [%s], at %s:%d", x->line->file,
				       x->line->no, x->opt->name, sec->name,
				       keys[o]->line->file, keys[o]->line->no);
		keys[o] = x;
	}
	return HD_OK;
}

/* Builds a section's jobs from eff, the entry that sets each option (its
 * own, else [global]'s): one job, or one per combination of its swept
 * keys' values, named job/key=value/key=value. *cap is out->jobs's room. */
static int build_jobs(struct plan *out, size_t *cap, const struct section *sec,
		      const struct entry *const *eff, const char *name,
		      struct hd_err *err)
{
	size_t total = 1;

	for (size_t o = 0; o < NOPTIONS; o++) {
		if (eff[o] && eff[o]->nvalues > 1)
			total *= eff[o]->nvalues;
		if (total + out->njobs > RUNS_MAX)
			return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the plan "
				       "makes more than %d runs", name,
				       sec->line, sec->name, RUNS_MAX);
	}
	if (hd_reserve((void **)&out->jobs, cap, sizeof(*out->jobs),
		       out->njobs + total))
		return hd_fail(err, HD_ESYS, "out of memory");
	for (size_t k = 0; k < total; k++) {
		struct plan_job *job = &out->jobs[out->njobs];
		size_t rest = k, used = 0;
		char jname[PLAN_JOB_NAME_MAX];

		size_t pick[HD_ARRAY_SIZE(plan_options)] = { 0 };
		/* Combination k: the last swept key varies fastest. */
		for (size_t o = HD_ARRAY_SIZE(plan_options); o-- > 0;) {
			if (eff[o]) {
				pick[o] = rest % eff[o]->nvalues;
				rest /= eff[o]->nvalues;
			}
		}
		memset(job, 0, sizeof(*job));
		int rc = set_defaults(job, err);
		if (rc)
			return rc;
		used = (size_t)snprintf(jname, sizeof(jname), "%s", sec->name);
		for (size_t o = 0; o < HD_ARRAY_SIZE(plan_options); o++) {
			if (!eff[o])
				continue;
			const char *v = eff[o]->values[pick[o]];
			/* Checked when read (split_values): cannot fail. */
			if ((rc = set_option(job, eff[o]->opt, v, err)))
				return rc;
			if (eff[o]->nvalues > 1 && used < sizeof(jname))
				used += (size_t)snprintf(jname + used,
							 sizeof(jname) - used,
							 "/%s=%s",
							 plan_options[o].name, v);
		}
		if (used >= sizeof(jname))
			return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the swept "
				       "run's name is longer than %d characters",
				       name, sec->line, sec->name,
				       PLAN_JOB_NAME_MAX - 1);
		hd_strlcpy(job->name, jname, sizeof(job->name));
		job->line = sec->line;
		out->njobs++;
		if ((rc = check_job(job, err)))
			return hd_wrap(err, "%s:%d: [%s]", name, sec->line,
				       job->name);
	}
	return HD_OK;
}

static int parse_source(const char *name, struct source *src, struct plan *out,
			struct hd_err *err)
{
	struct section *sections = NULL;
	struct entry *entries = NULL;
	size_t nsections = 1, nentries = 0, capsections = 0, capentries = 0;
	size_t capjobs = 0;
	struct hmap names; /* job name -> its section, to refuse a second */
	int rc = HD_OK;

	hmap_init(&names);
	out->path = strdup(name);
	out->text = strdup(src->expanded ? src->expanded : "");
	if (!out->path || !out->text ||
	    hd_reserve((void **)&sections, &capsections, sizeof(*sections), 1)) {
		rc = hd_fail(err, HD_ESYS, "%s: out of memory", name);
		goto out;
	}
	memset(sections, 0, sizeof(*sections));
	strcpy(sections[0].name, "global");

	int cur = -1; /* -1: before any section */
	int set = -1; /* the [set] section, if any */
	for (size_t i = 0; i < src->n; i++) {
		const struct line *ln = &src->lines[i];
		char *s = ln->text;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || *trim(close + 1)) {
				rc = hd_fail(err, HD_EINVAL,
					     "%s:%d: malformed section header",
					     ln->file, ln->no);
				goto out;
			}
			*close = '\0';
			char *sname = trim(s + 1);
			if (strcmp(sname, "global") == 0) {
				if (nsections > 1) {
					rc = hd_fail(err, HD_EINVAL,
						     "%s:%d: [global] must come "
						     "before the jobs", ln->file,
						     ln->no);
					goto out;
				}
				cur = 0;
				sections[0].line = ln->no;
				continue;
			}
			bool is_set = strcmp(sname, "set") == 0;
			if (is_set && set >= 0) {
				rc = hd_fail(err, HD_EINVAL, "%s:%d: a second "
					     "[set]", ln->file, ln->no);
				goto out;
			}
			if (!is_set && set >= 0) {
				rc = hd_fail(err, HD_EINVAL, "%s:%d: [set] must "
					     "come after the jobs", ln->file,
					     ln->no);
				goto out;
			}
			if (!valid_job_name(sname) ||
			    strlen(sname) >= PLAN_NAME_MAX) {
				rc = hd_fail(err, HD_EINVAL,
					     "%s:%d: job name '%s': use up to "
					     "%d letters, digits, '-', '_', '.'",
					     ln->file, ln->no, sname,
					     PLAN_NAME_MAX - 1);
				goto out;
			}
			const struct line *first = hmap_get(&names, sname);
			if (first) {
				rc = hd_fail(err, HD_EINVAL,
					     "%s:%d: job [%s] already defined at "
					     "%s:%d", ln->file, ln->no, sname,
					     first->file, first->no);
				goto out;
			}
			if (hd_reserve((void **)&sections, &capsections,
				       sizeof(*sections), nsections + 1)) {
				rc = hd_fail(err, HD_ESYS, "out of memory");
				goto out;
			}
			struct section *sec = &sections[nsections];
			*sec = (struct section){ .line = ln->no,
						 .first_entry = nentries };
			hd_strlcpy(sec->name, sname, PLAN_NAME_MAX);
			/* Keyed by the line's own text, which does not move. */
			if (hmap_put(&names, sname, (void *)ln)) {
				rc = hd_fail(err, HD_ESYS, "out of memory");
				goto out;
			}
			cur = (int)nsections++;
			if (is_set)
				set = cur;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = hd_fail(err, HD_EINVAL,
				     "%s:%d: expected key=value, got '%s'",
				     ln->file, ln->no, s);
			goto out;
		}
		if (cur < 0) {
			rc = hd_fail(err, HD_EINVAL,
				     "%s:%d: key outside any section (start "
				     "with [global] or [job-name])", ln->file,
				     ln->no);
			goto out;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		const struct plan_option *opt = find_option(key);
		if (!opt) {
			const char *hint = closest_option(key);
			rc = hd_fail(err, HD_EINVAL,
				     "%s:%d: unknown key '%s'%s%s%s (see "
				     "'horde help plan')", ln->file, ln->no, key,
				     hint ? " (did you mean '" : "",
				     hint ? hint : "", hint ? "'?)" : "");
			goto out;
		}
		if (hd_reserve((void **)&entries, &capentries, sizeof(*entries),
			       nentries + 1)) {
			rc = hd_fail(err, HD_ESYS, "out of memory");
			goto out;
		}
		entries[nentries] = (struct entry){ ln, opt, NULL, 0 };
		sections[cur].nentries++;
		/* Validated now so that the error names this line. */
		rc = split_values(opt, value, &entries[nentries++], err);
		if (rc) {
			hd_wrap(err, "%s:%d", ln->file, ln->no);
			goto out;
		}
	}

	if (nsections == 1 + (set >= 0)) {
		rc = hd_fail(err, HD_EINVAL,
			     "%s: no job section (add one like [smoke])", name);
		goto out;
	}
	/* A key's value: [set]'s (horde run --set), else the job's own,
	 * else [global]'s. */
	const struct entry *global[NOPTIONS], *own[NOPTIONS], *eff[NOPTIONS];
	const struct entry *over[NOPTIONS] = { 0 };
	if ((rc = section_keys(&sections[0], entries, global, err)) ||
	    (set >= 0 && (rc = section_keys(&sections[set], entries, over, err))))
		goto out;
	for (size_t j = 1; j < nsections && !rc; j++) {
		if ((int)j == set)
			continue;
		if ((rc = section_keys(&sections[j], entries, own, err)))
			break;
		for (size_t o = 0; o < NOPTIONS; o++)
			eff[o] = over[o] ? over[o] : own[o] ? own[o] : global[o];
		rc = build_jobs(out, &capjobs, &sections[j], eff, name, err);
	}
out:
	for (size_t e = 0; e < nentries; e++)
		entry_free(&entries[e]);
	free(entries);
	free(sections);
	hmap_dispose(&names);
	if (rc)
		plan_free(out);
	return rc;
}

int plan_parse(const char *name, const char *text, size_t len,
	       struct plan *out, struct hd_err *err)
{
	struct source src = { 0 };

	memset(out, 0, sizeof(*out));
	int rc = add_source(&src, name, text, len, 0, false, err);
	if (!rc)
		rc = parse_source(name, &src, out, err);
	source_free(&src);
	return rc;
}

/* Reads a plan file: a regular file only, opened without blocking, so
 * that a FIFO or /dev/stdin is refused at once rather than waited on. */
static int read_file(const char *path, char **text, size_t *len,
		     struct hd_err *err)
{
	struct stat st;
	size_t cap = 0;

	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hd_fail_errno(err, HD_ENOENT, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hd_fail(err, HD_EINVAL, "%s: not a regular file", path);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return hd_fail_errno(err, HD_ESYS, "%s", path);
	}
	for (;;) {
		if (*len + 4096 > cap) {
			if (cap >= PLAN_BYTES_MAX) {
				fclose(f);
				free(*text);
				return hd_fail(err, HD_EINVAL,
					       "%s: larger than 1 MiB", path);
			}
			cap = cap ? cap * 2 : 8192;
			char *nt = realloc(*text, cap);
			if (!nt) {
				fclose(f);
				free(*text);
				return hd_fail(err, HD_ESYS, "out of memory");
			}
			*text = nt;
		}
		size_t n = fread(*text + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(*text);
		return hd_fail_errno(err, HD_ESYS, "%s: read", path);
	}
	return HD_OK;
}

int plan_load(const char *path, struct plan *out, struct hd_err *err)
{
	return plan_load_set(path, NULL, 0, out, err);
}

int plan_load_set(const char *path, const char *const *sets, size_t nsets,
		  struct plan *out, struct hd_err *err)
{
	struct source src = { 0 };
	char *text;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (read_file(path, &text, &len, err))
		return err->code;
	int rc = add_source(&src, path, text ? text : "", len, 0, true, err);
	free(text);
	/* The command line's keys go in a [set] section of their own, stored
	 * with the plan's text, so that the run says how it was changed and
	 * resumes so; each is a source of its own, named by itself in
	 * errors. */
	static const char header[] = "\n# from the command line (horde run "
				     "--set)\n[set]\n";
	if (!rc && nsets)
		rc = add_source(&src, "--set", header, sizeof(header) - 1, 0,
				false, err);
	for (size_t i = 0; i < nsets && !rc; i++) {
		char name[300];
		snprintf(name, sizeof(name), "--set %s", sets[i]);
		rc = add_source(&src, name, sets[i], strlen(sets[i]), 0, false, err);
	}
	if (!rc)
		rc = parse_source(path, &src, out, err);
	source_free(&src);
	return rc;
}

void plan_free(struct plan *plan)
{
	free(plan->path);
	free(plan->text);
	free(plan->jobs);
	memset(plan, 0, sizeof(*plan));
}

bool plan_job_matches(const struct plan_job *job, const char *name)
{
	size_t n = strlen(name);
	return strncmp(job->name, name, n) == 0 &&
	       (job->name[n] == '\0' || job->name[n] == '/');
}

static const char *type_name(enum opt_type t)
{
	switch (t) {
	case OPT_INT: return "integer";
	case OPT_FLOAT: return "number";
	case OPT_DURATION: return "duration";
	case OPT_ENUM: return "one of";
	case OPT_STRING: return "text";
	}
	return "?";
}

/* The value of opt in job, as a plan would write it. */
static void option_text(const struct plan_job *job, const struct plan_option *opt,
			char *buf, size_t len)
{
	const char *field = (const char *)job + opt->offset;
	switch (opt->type) {
	case OPT_INT: {
		long long v;
		memcpy(&v, field, sizeof(v));
		snprintf(buf, len, "%lld", v);
		return;
	}
	case OPT_FLOAT: {
		double v;
		memcpy(&v, field, sizeof(v));
		snprintf(buf, len, "%g", v);
		return;
	}
	case OPT_DURATION: {
		uint64_t v;
		memcpy(&v, field, sizeof(v));
		hd_fmt_ns(v, buf, len);
		return;
	}
	case OPT_ENUM:
	case OPT_STRING:
		hd_strlcpy(buf, field, len);
		return;
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
	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++) {
		char v[512], d[512];
		option_text(job, &plan_options[i], v, sizeof(v));
		option_text(&defaults, &plan_options[i], d, sizeof(d));
		fn(arg, plan_options[i].name, v, strcmp(v, d) == 0);
	}
}

void plan_roff_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void plan_print_help(FILE *f, enum plan_help_format format)
{
	bool markdown = format == PLAN_HELP_MARKDOWN;
	if (format == PLAN_HELP_ROFF)
		fprintf(f, ".SH PLAN KEYS\nIn [global] or in a job section; "
			"\\fBhorde help plan\\fR prints the same.\n");
	else if (markdown)
		fprintf(f, "| key | type | default | range or values | meaning |\n"
			   "| --- | --- | --- | --- | --- |\n");
	else
		fprintf(f, "Plan keys (in [global] or in a job section):\n\n");
	for (size_t i = 0; i < HD_ARRAY_SIZE(plan_options); i++) {
		const struct plan_option *o = &plan_options[i];
		char range[512] = "";
		if (o->type == OPT_INT || o->type == OPT_FLOAT)
			snprintf(range, sizeof(range), "%lld..%lld", o->min,
				 o->max);
		else if (o->type == OPT_DURATION) {
			char lo[32], hi[32];
			snprintf(range, sizeof(range), "%s..%s",
				 hd_fmt_ns((uint64_t)o->min, lo, sizeof(lo)),
				 hd_fmt_ns((uint64_t)o->max, hi, sizeof(hi)));
		} else if (o->type == OPT_ENUM) {
			for (const struct opt_value *v = o->values; v->name; v++) {
				size_t l = strlen(range);
				snprintf(range + l, sizeof(range) - l, "%s%s",
					 l ? ", " : "", v->name);
			}
		} else if (o->form) {
			snprintf(range, sizeof(range), "%s", o->form->says);
		}
		if (format == PLAN_HELP_ROFF) {
			fprintf(f, ".TP\n.B %s\n", o->name);
			char line[768];
			snprintf(line, sizeof(line), "%s, default '%s'%s%s. %s",
				 type_name(o->type), o->def, range[0] ? ", " : "",
				 range, o->help);
			plan_roff_text(f, line);
			fputc('\n', f);
			if (o->type == OPT_ENUM)
				for (const struct opt_value *v = o->values; v->name; v++) {
					fprintf(f, ".br\n\\fB%s\\fR: ", v->name);
					plan_roff_text(f, v->help);
					fputc('\n', f);
				}
			continue;
		}
		if (markdown) {
			fprintf(f, "| `%s` | %s | %s%s%s | %s | %s |\n", o->name,
				type_name(o->type), *o->def ? "`" : "",
				*o->def ? o->def : "(none)", *o->def ? "`" : "",
				range, o->help);
			continue;
		}
		fprintf(f, "  %-15s %s, default '%s'%s%s\n      %s\n", o->name,
			type_name(o->type), o->def, range[0] ? ", " : "", range,
			o->help);
		if (o->type == OPT_ENUM)
			for (const struct opt_value *v = o->values; v->name; v++)
				fprintf(f, "        %-8s %s\n", v->name, v->help);
	}
}
