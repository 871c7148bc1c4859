/* plan.h: experiment plan files.
 *
 * A plan is an ini file in the style of fio job files: a [global] section
 * whose keys are defaults for every job, then one section per job. The
 * keys every platform takes are declared once in plan_job.c's table, and each
 * platform declares its own (platform_ops.keys), as fio's engines do:
 * parsing, validation, defaults and `horde help plan` all come from those
 * tables, and every value is parsed once, into the typed fields of struct
 * plan_job and the platform's settings. Plans are data: nothing in a plan
 * is ever executed. */
#ifndef HORDE_PLAN_H
#define HORDE_PLAN_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"
#include "../loadgen/loadgen.h"
#include "../xcl/xcl.h"
#include "../xcl/xcl_workers.h"
#include "plan_keys.h"

#define PLAN_NAME_MAX 64       /* a section's name */
#define PLAN_JOB_NAME_MAX 192  /* a job's: the section's, and its sweep */
#define PLAN_SETTINGS_MAX 1024 /* a platform's settings, at most */

struct platform_ops;

enum plan_on_failure {
	PLAN_ON_FAILURE_CONTINUE, /* store the failure and go on */
	PLAN_ON_FAILURE_STOP,     /* create no more guests */
};

struct plan_job {
	/* The section's name; for a swept section, one job per combination
	 * of values: "ramp/guests=1000/profile=xl". */
	char name[PLAN_JOB_NAME_MAX];
	const char *file;          /* where its section header is (the plan
				      owns it; NULL for a job made by hand) */
	int line;                  /* the section header's line there */
	const struct platform_ops *platform;
	enum xcl_profile profile;
	char description[256];
	long long guests;
	long long memory_mib;      /* per guest */
	long long seed;            /* of the random draws */
	enum xcl_handles xs_handles;
	enum plan_on_failure on_failure;
	uint64_t alive_timeout_ns; /* give up on a guest's ARP reply after */
	uint64_t probe_interval_ns;/* gap between ARP probes of one guest */
	long long bucket;          /* guests per bucket in summaries */
	long long probe_rate;      /* ARP probes a second, at most */
	long long sweep_every;     /* sweep after this many creations; 0: no */
	uint64_t sweep_interval_ns;/* or this often; 0: no */
	uint64_t sweep_timeout_ns; /* a swept guest's time to answer */
	uint64_t sample_interval_ns; /* host sampler; 0: off */
	enum loadgen_pattern pattern;
	long long concurrency;     /* operations in flight at most */
	long long burst;           /* burst: creations a burst */
	uint64_t burst_every_ns;
	struct plan_list levels;   /* steps: rising guest counts */
	uint64_t hold_ns;          /* steps: time at each level */
	uint64_t churn_for_ns;     /* churn: how long */
	uint64_t lifetime_ns;      /* churn: mean lifetime */
	enum loadgen_lifetime lifetime_dist;
	/* The platform's own keys, as its table (platform->keys) fills
	 * them: each platform reads them as its own struct. */
	alignas(max_align_t) unsigned char settings[PLAN_SETTINGS_MAX];
};

struct plan {
	char *path;  /* as given */
	char *text;  /* the whole plan, includes in place: stored with runs */
	struct plan_job *jobs;
	size_t njobs;
	char **files; /* the files the jobs' sections are in */
	size_t nfiles;
};

/* Reads and validates the plan at path. On error returns non-zero and err
 * says "path:line: what is wrong". The caller frees with plan_free(). */
int plan_load(const char *path, struct plan *out, struct hd_err *err);
/* Same, with keys from the command line (each "key=value") over every
 * job's: they go in a [set] section after the jobs, which the stored text
 * keeps. */
int plan_load_set(const char *path, const char *const *sets, size_t nsets,
		  struct plan *out, struct hd_err *err);

/* Same, from text already in memory (name is used in messages); include=
 * is refused, since no file is read (a stored plan has its includes in
 * place). */
int plan_parse(const char *name, const char *text, size_t len,
	       struct plan *out, struct hd_err *err);
/* Frees what plan_load filled; safe on a zeroed or already freed plan. */
void plan_free(struct plan *plan);

/* Whether job is the one called name, or one of the section name's
 * sweep. */
bool plan_job_matches(const struct plan_job *job, const char *name);

/* The keys every platform takes (plan_job.c), filling struct plan_job. */
extern const struct plan_keys plan_shared_keys;
/* The keys of platform ops alone (an empty table for none). */
const struct plan_keys *plan_platform_keys(const struct platform_ops *ops);
/* Gives job its platform's default settings. */
int plan_job_settings_defaults(struct plan_job *job, struct hd_err *err);
/* The rules that tie job's keys together: the shared ones', then its
 * platform's (pattern=steps needs levels; a spread no larger than its
 * median). */
int plan_job_check(const struct plan_job *job, struct hd_err *err);

/* How many platform operations may be in flight at once for job. */
uint32_t plan_job_workers(const struct plan_job *job);

/* Fills job with every key's default (as if from an empty section, on
 * platform emu); fails only if the key tables' own defaults are wrong. */
int plan_job_defaults(struct plan_job *job, const char *name,
		      struct hd_err *err);
/* Sets one key of job from text, checked as a plan's value is (for
 * command lines such as cosmos's): a key every platform takes, or one of
 * the job's platform. Setting platform gives the job that platform's
 * default settings. */
int plan_job_set(struct plan_job *job, const char *key, const char *value,
		 struct hd_err *err);

/* Calls fn with every key of job (the shared ones, then its platform's,
 * in their tables' order), its value as a plan writes it, and whether
 * that is the default. */
void plan_job_each_setting(const struct plan_job *job,
			   void (*fn)(void *arg, const char *key,
				      const char *value, bool is_default),
			   void *arg);

/* The value of job's key as a plan writes it ("" for no such key), for
 * messages: "pattern steps cannot go on from guest 7". */
void plan_job_text(const struct plan_job *job, const char *key, char *buf,
		   size_t len);

/* Writes the key reference, every table's: for horde help plan, the
 * README's tables, or the manual page. */
void plan_print_help(FILE *f, enum plan_help_format format);

#endif
