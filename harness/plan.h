/* plan.h: experiment plan files.
 *
 * A plan is an ini file in the style of fio job files: a [global] section
 * whose keys are defaults for every job, then one section per job. Every key
 * is declared once in plan_options[] (plan.c); parsing, validation, defaults
 * and `horde help plan` all come from that table. Plans are data: nothing in
 * a plan is ever executed. */
#ifndef HORDE_PLAN_H
#define HORDE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"

#define PLAN_NAME_MAX 64       /* a section's name */
#define PLAN_JOB_NAME_MAX 192  /* a job's: the section's, and its sweep */

struct plan_job {
	/* The section's name; for a swept section, one job per combination
	 * of values: "ramp/guests=1000/profile=xl". */
	char name[PLAN_JOB_NAME_MAX];
	int line;                 /* line of the section header */
	char platform[16];        /* emu */
	char profile[16];         /* lean */
	char emu_latency[256];    /* emu: latency profile: default, zero, a file */
	char kernel[256];         /* xen, xl: the guests' PV kernel */
	char ramdisk[256];        /* xen, xl: their initramfs, or "" */
	char bridge[16];          /* xen, xl: dom0 bridge for the vifs */
	char description[256];
	long long guests;
	long long memory_mib;      /* per guest */
	long long host_memory_mib; /* emu: size of the emulated host */
	uint64_t boot_delay_ns;    /* emu: unpause to guest network up (median) */
	char boot_delay_dist[16];  /* emu: fixed, uniform, lognormal */
	uint64_t boot_delay_spread_ns; /* emu: uniform's half-width */
	double boot_delay_sigma;   /* emu: lognormal's sigma of ln(delay) */
	long long seed;            /* emu: of the modelled random draws */
	char evtchn_abi[16];       /* emu: 2level or fifo */
	long long dom0_own_ports;  /* emu: dom0's ports before any guest */
	long long max_grant_frames;    /* emu: frames of the grant table */
	long long max_maptrack_frames; /* emu: frames of dom0's maptrack */
	long long bridges;         /* emu: bridges the vifs are spread over */
	char console[16];          /* emu: eager or lazy PTYs */
	long long pty_max;         /* emu: the console daemon's devpts max */
	long long console_fd_limit;/* emu: the console daemon's RLIMIT_NOFILE */
	char on_failure[16];       /* continue or stop */
	char xs_handles[8];        /* xen, emu: libxcl's connections a worker */
	uint64_t alive_timeout_ns; /* give up on a guest's ARP reply after */
	uint64_t probe_interval_ns;/* gap between ARP probes of one guest */
	long long bucket;          /* guests per bucket in summaries */
	long long probe_rate;      /* ARP probes a second, at most */
	long long sweep_every;     /* sweep after this many creations; 0: no */
	uint64_t sweep_interval_ns;/* or this often; 0: no */
	uint64_t sweep_timeout_ns; /* a swept guest's time to answer */
	uint64_t sample_interval_ns; /* host sampler; 0: off */
	char pattern[16];          /* ramp, burst, steps, churn */
	long long concurrency;     /* operations in flight at most */
	long long burst;           /* burst: creations a burst */
	uint64_t burst_every_ns;
	char levels[256];          /* steps: "1000,2000,5000" */
	uint64_t hold_ns;          /* steps: time at each level */
	uint64_t churn_for_ns;     /* churn: how long */
	uint64_t lifetime_ns;      /* churn: mean lifetime */
	char lifetime_dist[16];    /* churn: fixed, exponential, uniform */
};

struct plan {
	char *path;  /* as given */
	char *text;  /* the whole plan, includes in place: stored with runs */
	struct plan_job *jobs;
	size_t njobs;
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

/* The steps pattern's levels, from the levels key (checked by the
 * parser): returns how many, at most max. */
size_t plan_job_levels(const struct plan_job *job, uint32_t *out, size_t max);
/* How many platform operations may be in flight at once for job. */
uint32_t plan_job_workers(const struct plan_job *job);

/* Fills job with every key's default (as if from an empty section); fails
 * only if the key table's own defaults are wrong. */
int plan_job_defaults(struct plan_job *job, const char *name,
		      struct hd_err *err);
/* Sets one key of job from text, checked as a plan's value is (for
 * command lines such as cosmos's). */
int plan_job_set(struct plan_job *job, const char *key, const char *value,
		 struct hd_err *err);

/* Calls fn with every key of job (in the option table's order), its
 * value as a plan writes it, and whether that is the default. */
void plan_job_each_setting(const struct plan_job *job,
			   void (*fn)(void *arg, const char *key,
				      const char *value, bool is_default),
			   void *arg);

enum plan_help_format { PLAN_HELP_TEXT, PLAN_HELP_MARKDOWN, PLAN_HELP_ROFF };

/* Writes the key reference, from the option table: for horde help plan,
 * the README's table, or the manual page. */
void plan_print_help(FILE *f, enum plan_help_format format);

/* Writes s as roff text: backslashes and leading dots escaped. */
void plan_roff_text(FILE *f, const char *s);

#endif
