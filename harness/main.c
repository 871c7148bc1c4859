/* main.c: the horde command. Each subcommand is one entry of commands[]:
 * its name, arguments, options and help all come from that entry, so the
 * usage text cannot drift from what is parsed. Errors are printed here and
 * nowhere else. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../analysis/calibrate.h"
#include "../analysis/compare.h"
#include "../analysis/reader.h"
#include "../analysis/summary.h"
#include "../analysis/report.h"
#include "../probes/arping.h"
#include "plan.h"
#include "progress.h"
#include "platform.h"
#include "results.h"
#include "runner.h"

struct cli_opt {
	const char *name;
	const char *arg; /* NULL: a flag */
	const char *help;
	char short_name; /* 0: none */
};

#define CLI_MAX_SETS 32

struct cli_args {
	const char *values[8]; /* by option index; flags get "1" */
	const char *sets[CLI_MAX_SETS]; /* every --set, in order */
	size_t nsets;
	char **pos;
	int npos;
};

struct command {
	const char *name;
	const char *args;    /* positional arguments, for the usage line */
	const char *summary;
	int min_pos, max_pos;
	const struct cli_opt *opts;
	int (*run)(const struct cli_args *a);
	const char *exits;   /* its exit statuses, for --help, man and README */
};

extern char **environ;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested++;
	if (stop_requested == 1) {
		static const char msg[] = "\nhorde: stopping: tearing down "
					  "(Ctrl-C again to skip destroying "
					  "guests one by one)\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* nothing to do */
		}
	}
}

static int fail(const struct hd_err *err)
{
	fprintf(stderr, "horde: %s\n", err->msg);
	return 1;
}

/* horde's own CPU while creating, a created guest, thread by thread. */
static void print_thread_cpu(const struct run_outcome *out)
{
	uint64_t total = 0;
	if (!out->created || !out->nthreads)
		return;
	for (size_t i = 0; i < out->nthreads; i++)
		total += out->threads[i].cpu_ns;
	printf("  horde's own CPU: %.1f us a created guest (", (double)total /
	       out->created / 1e3);
	for (size_t i = 0; i < out->nthreads; i++)
		printf("%s%s %.1f", i ? ", " : "", out->threads[i].name,
		       (double)out->threads[i].cpu_ns / out->created / 1e3);
	printf(")\n");
}

static int fail_msg(const char *msg)
{
	fprintf(stderr, "horde: %s\n", msg);
	return 1;
}

/* ---- horde run ---- */

/* horde run -v: each failed guest as it is stored, on a line of its own
 * (past the redrawn progress line on a terminal). */
static void tell_failure(void *arg, uint32_t seq, const char *cause)
{
	struct progress_view *v = arg;
	fprintf(stderr, "%shorde: guest %u failed: %s\n", v->tty ? "\r\033[K" : "",
		seq, cause);
}

static void show_progress(void *arg, const struct run_progress *p)
{
	progress_line(arg, p, hd_now_ns(), stderr);
}

static void default_db_path(const char *plan_path, char *out, size_t len)
{
	char copy[PATH_MAX];
	hd_strlcpy(copy, plan_path, sizeof(copy));
	char *base = basename(copy);
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	snprintf(out, len, "results/%s.db", base);
}

/* Opens (creating) the results database, saying which runs it finds
 * whose horde died. */
static int open_results(const char *path, struct results **res,
			struct hd_err *err)
{
	char dir[PATH_MAX];
	int64_t ids[64];
	size_t n;

	hd_strlcpy(dir, path, sizeof(dir));
	mkdir(dirname(dir), 0755);
	if (results_open(path, res, err))
		return err->code;
	if (results_mark_crashed(*res, ids, HD_ARRAY_SIZE(ids), &n, err)) {
		results_close(*res);
		*res = NULL;
		return err->code;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "horde: run %lld in %s did not finish (its horde "
			"is gone): marked crashed; 'horde run PLAN --resume "
			"%lld' goes on with it, 'horde clean' removes what it "
			"left\n", (long long)ids[i], path, (long long)ids[i]);
	return HD_OK;
}

/* --resume ID: the run's own plan and job, as stored with it. */
static int load_resumed(struct results *res, const char *id_s, int64_t *id,
			struct plan *plan, char *job, size_t job_len,
			struct hd_err *err)
{
	struct stored_run run;
	long long v;

	if (hd_parse_int(id_s, 1, INT64_MAX, &v))
		return hd_fail(err, HD_EINVAL, "--resume: '%s' is not a run id",
			       id_s);
	*id = v;
	if (results_run_info(res, *id, &run, err))
		return err->code;
	int rc = HD_OK;
	if (strcmp(run.status, "crashed") != 0 &&
	    strcmp(run.status, "interrupted") != 0)
		rc = hd_fail(err, HD_EINVAL, "run %lld is %s: only a crashed or "
			     "interrupted run can be resumed", v, run.status);
	else if (!(rc = plan_parse(run.plan_path, run.plan_text,
				   strlen(run.plan_text), plan, err)))
		hd_strlcpy(job, run.job, job_len);
	free(run.plan_path);
	free(run.plan_text);
	return rc;
}

/* The closing summary of a job: text, or a JSON object of the runs
 * array (n: how many came before it). */
static void print_closing(struct run_summary *s, const struct run_outcome *out,
			  bool json, int n)
{
	if (json) {
		fputs(n ? ", " : "", stdout);
		summary_print_json(s, stdout);
		return;
	}
	summary_print_text(s, stdout);
	print_thread_cpu(out);
	printf("  status: %s\n", out->status);
}

static int cmd_run(const struct cli_args *a)
{
	struct plan plan;
	struct hd_err err = { 0 };
	struct results *res = NULL;
	char db_path[PATH_MAX], resumed_job[64];
	const char *job_name = a->values[1];
	int64_t resume_id = 0;
	int failed = 0;

	/* Everything about the plan is checked before anything is made. */
	if (plan_load_set(a->pos[0], a->sets, a->nsets, &plan, &err))
		return fail(&err);
	if (a->values[0])
		hd_strlcpy(db_path, a->values[0], sizeof(db_path));
	else
		default_db_path(a->pos[0], db_path, sizeof(db_path));
	if (a->values[4]) {
		plan_free(&plan);
		if (open_results(db_path, &res, &err) ||
		    load_resumed(res, a->values[4], &resume_id, &plan,
				 resumed_job, sizeof(resumed_job), &err)) {
			results_close(res);
			return fail(&err);
		}
		job_name = resumed_job; /* the whole name: just that run */
	}
	if (job_name) {
		size_t j;
		for (j = 0; j < plan.njobs; j++)
			if (plan_job_matches(&plan.jobs[j], job_name))
				break;
		if (j == plan.njobs) {
			fprintf(stderr, "horde: %s: no job [%s]\n", plan.path,
				job_name);
			plan_free(&plan);
			return 1;
		}
	}
	for (size_t j = 0; j < plan.njobs; j++) {
		const struct plan_job *job = &plan.jobs[j];
		if (job_name && !plan_job_matches(job, job_name))
			continue;
		if (job->platform->check(job, &err)) {
			plan_free(&plan);
			results_close(res);
			return fail(&err);
		}
	}
	if (!res && open_results(db_path, &res, &err)) {
		plan_free(&plan);
		return fail(&err);
	}

	/* Each emulated guest keeps a XenStore connection: thousands of fds. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* Ctrl-C, a kill, and a closed terminal or SSH session (SIGHUP) all
	 * stop the run the same way: stop creating, commit, tear down. With
	 * the terminal gone, writing to it must not kill horde (SIGPIPE). */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct progress_view view = { .tty = isatty(STDERR_FILENO) };
	struct run_options opts = {
		.stop = &stop_requested,
		.progress = a->values[2] ? NULL : show_progress,
		.progress_arg = &view,
		.keep = a->values[3] != NULL,
		.resume_run_id = resume_id,
		.on_failure = a->values[7] ? tell_failure : NULL,
		.failure_arg = &view,
	};
	bool json = a->values[5] != NULL;
	int printed = 0;
	if (json)
		printf("{\"schema_version\": %d, \"command\": \"run\", "
		       "\"runs\": [", SUMMARY_JSON_SCHEMA);
	for (size_t j = 0; j < plan.njobs && !stop_requested; j++) {
		const struct plan_job *job = &plan.jobs[j];
		struct run_outcome out;
		if (job_name && !plan_job_matches(job, job_name))
			continue;
		fprintf(stderr, "horde: job [%s]: %lld guests on %s (%s), "
				"results in %s\n", job->name, job->guests,
			job->platform->name, xcl_profile_name(job->profile), db_path);
		int rc = runner_run(&plan, job, res, &opts, &out, &err);
		if (view.tty && !a->values[2])
			fputc('\n', stderr);
		fflush(stderr);
		if (out.run_id) {
			struct hd_err serr;
			struct run_summary sum;
			if (summary_load(results_db(res), out.run_id,
					 job->bucket, &sum, &serr)) {
				fail(&serr);
			} else {
				print_closing(&sum, &out, json, printed++);
				summary_free(&sum);
			}
			/* Each job's summary as it ends, not at exit. */
			fflush(stdout);
		}
		if (rc) {
			fail(&err);
			failed = 1;
			break;
		}
		if (strcmp(out.status, "done") != 0 || out.failed || out.dead ||
		    out.faulty)
			failed = 1;
	}
	if (json)
		printf("]}\n");
	results_close(res);
	plan_free(&plan);
	if (stop_requested)
		return 130;
	return failed;
}

/* ---- horde report ---- */

static int cmd_report(const struct cli_args *a)
{
	struct hd_err err = { 0 };
	sqlite3 *db;
	int64_t runs[64];
	size_t nruns = 0;
	long long bucket = 0;
	char html[PATH_MAX], outdir[PATH_MAX], stem[PATH_MAX];

	if (reader_open(a->pos[0], &db, &err))
		return fail(&err);
	int rc = HD_OK;
	for (int i = 1; i < a->npos; i++) {
		long long v;
		if (hd_parse_int(a->pos[i], 1, INT64_MAX, &v)) {
			rc = hd_fail(&err, HD_EINVAL, "'%s' is not a run id",
				     a->pos[i]);
			goto out;
		}
		if ((rc = reader_check_run(db, a->pos[0], v, &err)))
			goto out;
		runs[nruns++] = v;
	}
	if (!nruns && (rc = report_last_run(db, &runs[nruns++], &err)))
		goto out;
	if (a->values[1] && hd_parse_int(a->values[1], 1, 1000000, &bucket)) {
		rc = hd_fail(&err, HD_EINVAL, "--bucket: '%s' is not 1..1000000",
			     a->values[1]);
		goto out;
	}
	hd_strlcpy(outdir, a->pos[0], sizeof(outdir));
	hd_strlcpy(outdir, a->values[0] ? a->values[0] : dirname(outdir),
		   sizeof(outdir));
	mkdir(outdir, 0755); /* --out may name a new folder */
	hd_strlcpy(stem, a->pos[0], sizeof(stem));
	char *base = basename(stem);
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	bool json = a->values[3] != NULL;
	if (json)
		printf("{\"schema_version\": %d, \"command\": \"report\", "
		       "\"runs\": [", SUMMARY_JSON_SCHEMA);
	for (size_t i = 0; i < nruns && (json || !a->values[2]); i++) {
		struct run_summary sum;
		if ((rc = summary_load(db, runs[i], bucket ? bucket : 1000,
				       &sum, &err)))
			goto out;
		fputs(json && i ? ", " : "", stdout);
		if (json)
			summary_print_json(&sum, stdout);
		else
			summary_print_text(&sum, stdout);
		summary_free(&sum);
	}
	fflush(stdout);
	if ((rc = report_page(db, runs, nruns, outdir, base, bucket, html,
			      sizeof(html), &err)))
		goto out;
	if (json) {
		printf("], \"page\": ");
		hd_json_string(stdout, html);
		printf("}\n");
	} else {
		printf("report: %s (figures beside it, as .png and .svg, with "
		       "their CSV)\n", html);
	}
out:
	sqlite3_close(db);
	return rc ? fail(&err) : 0;
}

/* ---- horde runs ---- */

static int cmd_runs(const struct cli_args *a)
{
	struct hd_err err = { 0 };
	sqlite3 *db;

	if (reader_open(a->pos[0], &db, &err))
		return fail(&err);
	int rc = report_runs(db, stdout, a->values[0] != NULL, &err);
	sqlite3_close(db);
	return rc ? fail(&err) : 0;
}

/* ---- horde compare, horde ab ---- */

static const struct cli_opt compare_opts[] = {
	{ "alpha", "P", "significance needed (default 0.01)", 0 },
	{ "min-effect", "PERCENT", "smallest change that counts (default 5)", 0 },
	{ "buckets", "N", "guest-count buckets compared (default 4)", 0 },
	{ "force", NULL, "compare runs of different plans, platforms or hosts", 0 },
	{ "json", NULL, "the verdict table as JSON (README: Machine-readable "
	  "output)", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* The options compare and ab share, at values[0..3]. */
static int compare_options(const struct cli_args *a, struct compare_opts *o)
{
	char *end;
	*o = (struct compare_opts){ .alpha = 0.01, .min_effect = 0.05,
				    .buckets = 4, .force = a->values[3] != NULL };
	if (a->values[0]) {
		o->alpha = strtod(a->values[0], &end);
		if (*end || !(o->alpha > 0 && o->alpha < 1))
			return fail_msg("--alpha: a number between 0 and 1");
	}
	if (a->values[1]) {
		o->min_effect = strtod(a->values[1], &end) / 100.0;
		if (*end || !(o->min_effect >= 0 && o->min_effect < 100))
			return fail_msg("--min-effect: a percentage, like 5");
	}
	if (a->values[2]) {
		long long n;
		if (hd_parse_int(a->values[2], 1, 20, &n))
			return fail_msg("--buckets: 1..20");
		o->buckets = (uint32_t)n;
	}
	return 0;
}

/* Exit status: 0 no regression, 1 regression, 2 cannot compare (an error
 * reading the runs included). */
static int compare_sides(const char *base_s, const char *cand_s,
			 const struct compare_opts *o)
{
	struct compare_side base, cand;
	struct hd_err err = { 0 };
	enum compare_verdict v;

	if (compare_parse_side(base_s, &base, &err) ||
	    compare_parse_side(cand_s, &cand, &err) ||
	    compare_runs(&base, &cand, o, stdout, &v, &err)) {
		fail(&err);
		return 2;
	}
	return (int)v;
}

static int cmd_compare(const struct cli_args *a)
{
	struct compare_opts o;
	if (compare_options(a, &o))
		return 2;
	o.json = a->values[4] != NULL;
	return compare_sides(a->pos[0], a->pos[1], &o);
}

static const struct cli_opt ab_opts[] = {
	{ "alpha", "P", "as for compare", 0 },
	{ "min-effect", "PERCENT", "as for compare", 0 },
	{ "buckets", "N", "as for compare", 0 },
	{ "force", NULL, "as for compare", 0 },
	{ "base", "BIN", "the horde binary of the base (required)", 0 },
	{ "cand", "BIN", "the horde binary of the candidate (required)", 0 },
	{ "runs", "K", "runs a side (default 5; at least 5 for p < 0.01)", 0 },
	{ "out", "DIR", "where base.db and cand.db go (default: a new "
	  "folder in /tmp)", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* Runs `BIN run PLAN --db DB --quiet`; returns its exit status or -1. */
static int run_horde(const char *bin, const char *plan, const char *db)
{
	char *argv[] = { (char *)bin, "run", (char *)plan, "--db", (char *)db,
			 "--quiet", NULL };
	pid_t pid;
	int status;
	if (posix_spawnp(&pid, bin, NULL, NULL, argv, environ))
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cmd_ab(const struct cli_args *a)
{
	struct compare_opts o;
	char dir[PATH_MAX], dbs[2][PATH_MAX + 16];
	long long runs = 5;

	if (compare_options(a, &o))
		return 2;
	if (!a->values[4] || !a->values[5]) {
		fail_msg("--base and --cand are required");
		return 2;
	}
	if (a->values[6] && hd_parse_int(a->values[6], 1, 64, &runs)) {
		fail_msg("--runs: 1..64");
		return 2;
	}
	if (a->values[7]) {
		hd_strlcpy(dir, a->values[7], sizeof(dir));
		mkdir(dir, 0755);
	} else {
		struct hd_err err;
		if (hd_mkdtemp(dir, sizeof(dir), "horde-ab-", &err)) {
			fail_msg(err.msg);
			return 2;
		}
	}
	const char *bins[2] = { a->values[4], a->values[5] };
	for (int side = 0; side < 2; side++) {
		snprintf(dbs[side], sizeof(dbs[side]), "%s/%s.db", dir,
			 side ? "cand" : "base");
		unlink(dbs[side]);
	}
	/* Alternating, so that a drift of the host over time falls on both
	 * sides alike. A run whose guests failed still counts (exit 1);
	 * one that could not run (other statuses) stops the comparison. */
	for (long long k = 0; k < runs && !stop_requested; k++) {
		for (int side = 0; side < 2; side++) {
			fprintf(stderr, "horde ab: run %lld of %lld, %s\n", k + 1,
				runs, side ? "candidate" : "base");
			int rc = run_horde(bins[side], a->pos[0], dbs[side]);
			if (rc != 0 && rc != 1) {
				fprintf(stderr, "horde: ab: %s run failed (status "
					"%d)\n", bins[side], rc);
				return 2;
			}
		}
	}
	printf("databases: %s, %s\n", dbs[0], dbs[1]);
	return compare_sides(dbs[0], dbs[1], &o);
}

/* ---- horde check ---- */

/* Everything horde run checks before it makes anything, and the runs the
 * plan's sweeps expand to. */
static int cmd_check(const struct cli_args *a)
{
	struct plan plan;
	struct hd_err err = { 0 };
	int bad = 0;

	if (plan_load(a->pos[0], &plan, &err))
		return fail(&err);
	printf("%s: %zu run%s\n", plan.path, plan.njobs,
	       plan.njobs == 1 ? "" : "s");
	for (size_t j = 0; j < plan.njobs; j++) {
		const struct plan_job *job = &plan.jobs[j];
		printf("  %-40s %-4s %6lld guests  %s\n", job->name,
		       job->platform->name, job->guests,
		       xcl_profile_name(job->profile));
		if (!a->values[0] && job->platform->check(job, &err)) {
			printf("    cannot run here: %s\n", err.msg);
			bad = 1;
		}
	}
	plan_free(&plan);
	return bad;
}

static const struct cli_opt check_opts[] = {
	{ "plan-only", NULL, "check the plan, not whether this host can run it", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* ---- horde clean ---- */

static int cmd_clean(const struct cli_args *a)
{
	struct hd_err err = { 0 };

	/* Safe beside running hordes: each platform touches only what a
	 * dead horde recorded as its own (see emu/rundir.c). */
	for (int i = 0; i < a->npos; i++) {
		struct results *res;
		if (open_results(a->pos[i], &res, &err))
			return fail(&err);
		results_close(res);
	}
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->clean && all[i]->clean(stdout, &err))
			return fail(&err);
	return 0;
}

/* ---- horde calibrate ---- */

static const struct cli_opt calibrate_opts[] = {
	{ "out", "FILE", "where the profile goes (default: beside DB, named "
	  "after the profile)", 0 },
	{ "name", "NAME", "the profile's name (default: DB's name and the run, "
	  "like xen-bench-run3)", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* The newest run on platform xen: the one a calibration wants. */
static int newest_xen_run(sqlite3 *db, int64_t *id, struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc = HD_OK;
	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM runs WHERE platform = "
			       "'xen'", -1, &st, NULL))
		return hd_fail(err, HD_ESYS, "query runs: %s", sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) == SQLITE_NULL)
		rc = hd_fail(err, HD_ENOENT, "no run on platform xen (real Xen "
			     "through libxcl) to calibrate from");
	else
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static int cmd_calibrate(const struct cli_args *a)
{
	struct hd_err err = { 0 };
	struct emu_latency prof;
	struct calibrate_fit fits[XCL_HV_OP_COUNT];
	char path[PATH_MAX], name[64], out[PATH_MAX];
	int64_t run;
	sqlite3 *db;

	struct compare_side side; /* DB[:RUN], as compare reads a side */
	if (compare_parse_side(a->pos[0], &side, &err))
		return fail(&err);
	if (side.nids > 1) {
		hd_fail(&err, HD_EINVAL, "'%s': calibrate fits one run", a->pos[0]);
		return fail(&err);
	}
	hd_strlcpy(path, side.db_path, sizeof(path));
	run = side.nids ? side.ids[0] : 0;
	if (reader_open(path, &db, &err))
		return fail(&err);
	int rc = run ? HD_OK : newest_xen_run(db, &run, &err);
	if (!rc) {
		char stem[PATH_MAX];
		hd_strlcpy(stem, path, sizeof(stem));
		char *base = basename(stem), *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		if (a->values[1])
			hd_strlcpy(name, a->values[1], sizeof(name));
		else
			snprintf(name, sizeof(name), "%.40s-run%lld", base,
				 (long long)run);
		rc = hd_check_chars("--name", name, "-_.", &err);
	}
	if (!rc)
		rc = calibrate_run(db, path, run, name, &prof, fits, &err);
	sqlite3_close(db);
	if (rc)
		return fail(&err);

	char dir[PATH_MAX];
	hd_strlcpy(dir, path, sizeof(dir));
	if (a->values[0])
		hd_strlcpy(out, a->values[0], sizeof(out));
	else
		snprintf(out, sizeof(out), "%s/%s.profile", dirname(dir), name);
	FILE *f = fopen(out, "w");
	if (f)
		emu_latency_write(f, &prof);
	if (!f || fclose(f) != 0) {
		hd_fail_errno(&err, HD_ESYS, "%s", out);
		return fail(&err);
	}

	printf("calibrate: %s\n  %-8s %6s %9s %12s %6s  %s\n", prof.source,
	       "op", "rows", "median", "growth/1000", "sigma", "domains");
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		char med[32], growth[32];
		const struct emu_op_cost *c = &prof.op[op];
		hd_fmt_ns(c->median_ns, med, sizeof(med));
		hd_fmt_ns((uint64_t)llabs(c->growth_ns), growth + 1,
			  sizeof(growth) - 1);
		growth[0] = c->growth_ns < 0 ? '-' : '+';
		printf("  %-8s %6u %9s %12s %6.2f  %u-%u\n",
		       xcl_hv_op_name((enum xcl_hv_op)op), fits[op].rows, med,
		       growth, c->sigma, fits[op].min_domains,
		       fits[op].max_domains);
	}
	printf("calibrate: profile %s in %s (plan key emu_latency=%s)\n", name,
	       out, out);
	return 0;
}

/* ---- horde help ---- */

static int cmd_help(const struct cli_args *a);

static const struct cli_opt run_opts[] = {
	{ "db", "PATH", "results database (default results/<plan name>.db)", 0 },
	{ "job", "NAME", "run only this job of the plan", 0 },
	{ "quiet", NULL, "no progress line", 'q' },
	{ "keep", NULL, "leave the guests when the run ends (on Xen; an "
	  "emulated host ends with horde)", 0 },
	{ "resume", "ID", "go on with crashed or interrupted run ID of the "
	  "database, with its stored plan and job", 0 },
	{ "json", NULL, "the closing summary as JSON on standard output "
	  "(README: Machine-readable output)", 0 },
	{ "set", "KEY=VALUE", "a plan key for this run, over every job's "
	  "(again for more; stored with the plan)", 0 },
	{ "verbose", NULL, "a line on standard error for each guest that "
	  "fails, with its cause, as it happens", 'v' },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt report_opts[] = {
	{ "out", "DIR", "where figures and CSV go (default: the database's folder)", 0 },
	{ "bucket", "N", "guests per bucket (default: about 20 buckets; 1000 "
			 "in the summary)", 0 },
	{ "quiet", NULL, "no summary: only where the page is", 'q' },
	{ "json", NULL, "the summaries and the page's path as JSON (README: "
	  "Machine-readable output)", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt no_opts[] = { { NULL, NULL, NULL, 0 } };
static const struct cli_opt json_opts[] = {
	{ "json", NULL, "as JSON (README: Machine-readable output)", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* ---- horde arping ---- */

static const struct cli_opt arping_opts[] = {
	{ "rate", "N", "requests a second at most (default 20000)", 0 },
	{ "interval", "DURATION", "first gap between retries of an address "
	  "(default 5ms; it grows after 1 s)", 0 },
	{ "timeout", "DURATION", "give up on an address after (default 1s)", 0 },
	{ "source", "ADDRESS", "sender address in requests (default "
	  "198.18.0.1)", 0 },
	{ "any-range", NULL, "allow addresses outside 198.18.0.0/15", 0 },
	{ NULL, NULL, NULL, 0 },
};

static int cmd_arping(const struct cli_args *a)
{
	struct arping_opts o = { .iface = a->pos[0], .rate = 20000,
				 .interval_ns = 5000000, .timeout_ns = 1000000000,
				 .src_addr_be = platform_prober_addr() };
	struct hd_err err = { 0 };
	long long rate;
	uint32_t answered;

	if (arping_parse_range(a->pos[1], &o.first, &o.count, &err))
		return fail(&err);
	if (a->values[0]) {
		if (hd_parse_int(a->values[0], 10, 1000000, &rate))
			return fail_msg("--rate: a whole number 10..1000000");
		o.rate = (uint32_t)rate;
	}
	if ((a->values[1] && hd_parse_duration(a->values[1], &o.interval_ns)) ||
	    (a->values[2] && hd_parse_duration(a->values[2], &o.timeout_ns)) ||
	    o.interval_ns == 0 || o.timeout_ns == 0)
		return fail_msg("--interval, --timeout: a duration above 0, like 5ms");
	if (a->values[3] && inet_pton(AF_INET, a->values[3], &o.src_addr_be) != 1)
		return fail_msg("--source: not an IPv4 address");
	/* Probing is sending: by default only into horde's own network. */
	uint64_t last = (uint64_t)o.first + o.count - 1;
	if (!a->values[4] &&
	    ((o.first & ARPING_SAFE_MASK) != ARPING_SAFE_NET ||
	     (last & ARPING_SAFE_MASK) != ARPING_SAFE_NET))
		return fail_msg("range outside 198.18.0.0/15, horde's own; "
			"--any-range to probe it anyway");
	if (arping_run(&o, stdout, &answered, &err))
		return fail(&err);
	return answered == o.count ? 0 : 1;
}

static const struct command commands[] = {
	{ "run", "PLAN", "run the jobs of a plan file, storing every figure",
	  1, 1, run_opts, cmd_run,
	  "0 every job done and every guest up; 1 a guest failed or died, a "
	  "job did not finish, or an error; 2 bad usage; 130 stopped by a "
	  "signal (the run is stored as interrupted)" },
	{ "report", "DB [RUN...]", "summary, figures (PNG, SVG, CSV) and an HTML "
	  "page of runs (default: the newest), overlaid when several", 1, 64,
	  report_opts, cmd_report,
	  "0 done; 1 an error (no such database or run, not a horde database, "
	  "gnuplot failed); 2 bad usage" },
	{ "runs", "DB", "list the runs in a results database", 1, 1, json_opts,
	  cmd_runs, "0 done; 1 an error; 2 bad usage" },
	{ "compare", "BASE CAND", "compare runs (DB or DB:ID,ID,...) as a CI "
	  "gate: exit 0 same, 1 regression, 2 cannot compare", 2, 2,
	  compare_opts, cmd_compare,
	  "0 no regression; 1 a regression; 2 cannot compare (too few runs for "
	  "--alpha; different plans, platforms, hosts or host loads; an error) "
	  "or bad usage" },
	{ "ab", "PLAN", "run two horde builds alternately on this host, then "
	  "compare them", 1, 1, ab_opts, cmd_ab,
	  "as compare's: 0 no regression; 1 a regression; 2 cannot compare, a "
	  "run failed, or bad usage" },
	{ "check", "PLAN", "check a plan and list the runs it expands to, "
	  "without running anything", 1, 1, check_opts, cmd_check,
	  "0 the plan is valid (and, without --plan-only, this host can run "
	  "it); 1 it is not; 2 bad usage" },
	{ "clean", "[DB...]", "remove what runs whose horde died left behind "
	  "(emu: namespaces, folders, daemons; Xen: domains named horde-*), "
	  "and mark those runs crashed in DB", 0, 8, no_opts, cmd_clean,
	  "0 done; 1 an error; 2 bad usage" },
	{ "calibrate", "DB[:RUN]", "fit emu's latency profile to a real Xen "
	  "run (default: the newest on platform xen), for emu_latency=FILE",
	  1, 1, calibrate_opts, cmd_calibrate,
	  "0 the profile written; 1 an error (no such run, not a real Xen run, "
	  "too few operations); 2 bad usage" },
	{ "arping", "IFACE RANGE", "ARP-probe an address range (A.B.C.D, "
	  "A-B, A/N) on an interface, like arp-scan; exit 1 if any missed",
	  2, 2, arping_opts, cmd_arping,
	  "0 every address answered; 1 one or more did not, or an error; 2 bad "
	  "usage" },
	{ "help", "[plan|man]", "this text, the reference of plan keys, or "
	  "horde's manual page (roff)", 0, 1, no_opts, cmd_help,
	  "0 done; 2 no such topic" },
};

static void usage_of(FILE *f, const struct command *c)
{
	fprintf(f, "usage: horde %s%s%s%s\n  %s\n", c->name,
		c->opts[0].name ? " [options]" : "", *c->args ? " " : "",
		c->args, c->summary);
	for (const struct cli_opt *o = c->opts; o->name; o++) {
		char left[48], sh[8] = "";
		if (o->short_name)
			snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
		snprintf(left, sizeof(left), "%s--%s%s%s", sh, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "    %-18s %s\n", left, o->help);
	}
	fprintf(f, "  exit status: %s\n", c->exits);
}

static void usage(FILE *f)
{
	fprintf(f, "horde %s: scale-test and profile the creation of thousands "
		   "of tiny Xen guests\n\nusage: horde COMMAND [options] ARGS\n\n",
		horde_version());
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'horde COMMAND --help' for a command's options; "
		   "'horde help plan' for plan keys; 'horde --version' (-V) "
		   "for the version.\n");
}

/* horde(1), from the command and option tables --help prints. */
static void print_man(FILE *f)
{
	fprintf(f, ".TH HORDE 1 \"\" \"horde %s\" \"User Commands\"\n"
		".SH NAME\nhorde \\- scale-test and profile the creation of "
		"thousands of tiny Xen guests\n.SH SYNOPSIS\n.B horde\n"
		".I COMMAND\n[options] ARGS\n.br\n.B horde \\-\\-version\n"
		".SH DESCRIPTION\nhorde boots guests to thousands through its own "
		"toolstack (libxcl) on the emulated host (platform emu) or on "
		"real Xen (platforms xen and xl, run in dom0), stamps every "
		"creation phase, checks every guest alive with ARP, keeps every "
		"figure in SQLite and plots creation time against guest count. "
		"The README says more.\n.SH COMMANDS\n", horde_version());
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++) {
		const struct command *c = &commands[i];
		fprintf(f, ".SS \"horde %s%s%s\"\n", c->name, *c->args ? " " : "",
			c->args);
		plan_roff_text(f, c->summary);
		fputc('\n', f);
		for (const struct cli_opt *o = c->opts; o->name; o++) {
			fprintf(f, ".TP\n");
			if (o->short_name)
				fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
			fprintf(f, "\\fB\\-\\-");
			plan_roff_text(f, o->name);
			fprintf(f, "\\fR%s%s\n", o->arg ? " " : "", o->arg ? o->arg : "");
			plan_roff_text(f, o->help);
			fputc('\n', f);
		}
		fprintf(f, ".PP\nExit status: ");
		plan_roff_text(f, c->exits);
		fputc('\n', f);
	}
	plan_print_help(f, PLAN_HELP_ROFF);
	fprintf(f, ".SH ENVIRONMENT\n.TP\n.B HORDE_DATADIR\nwhere horde "
		"report finds its gnuplot scripts (default: the analysis/ folder "
		"beside the binary's, or the installed share/horde)\n"
		".SH SEE ALSO\n.BR cosmos (1),\n.BR xl (1)\n");
}

/* The README's table of exit statuses, from the command table. */
static void print_exits_markdown(FILE *f)
{
	fprintf(f, "| command | exit status |\n| --- | --- |\n");
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++)
		fprintf(f, "| `horde %s` | %s |\n", commands[i].name,
			commands[i].exits);
}

static int cmd_help(const struct cli_args *a)
{
	if (a->npos == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(a->pos[0], "plan") == 0) {
		plan_print_help(stdout, PLAN_HELP_TEXT);
		return 0;
	}
	if (strcmp(a->pos[0], "plan-markdown") == 0) {
		plan_print_help(stdout, PLAN_HELP_MARKDOWN);
		return 0;
	}
	if (strcmp(a->pos[0], "man") == 0) {
		print_man(stdout);
		return 0;
	}
	if (strcmp(a->pos[0], "exits-markdown") == 0) {
		print_exits_markdown(stdout);
		return 0;
	}
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, a->pos[0]) == 0) {
			usage_of(stdout, &commands[i]);
			return 0;
		}
	}
	fprintf(stderr, "horde: no help on '%s'\n", a->pos[0]);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("horde %s (%s)\n", horde_version(), horde_commit());
		return 0;
	}
	const struct command *c = NULL;
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "horde: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}

	struct option longopts[10];
	struct cli_args a = { 0 };
	char shorts[32] = "h";
	size_t ns = 1;
	int n = 0;
	for (const struct cli_opt *o = c->opts; o->name && n < 8; o++, n++) {
		longopts[n] = (struct option){ o->name,
					       o->arg ? required_argument
						      : no_argument,
					       NULL, n };
		if (o->short_name) {
			shorts[ns++] = o->short_name;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	int opt;
	optind = 2;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage_of(stdout, c);
			return 0;
		}
		/* A short option stands for the long one that names it. */
		for (int i = 0; i < n - 1 && opt >= 8; i++)
			if (c->opts[i].short_name == opt)
				opt = i;
		if (opt < 0 || opt >= 8) {
			usage_of(stderr, c);
			return 2;
		}
		a.values[opt] = optarg ? optarg : "1";
		/* --set may come again and again, like fio's options. */
		if (strcmp(c->opts[opt].name, "set") == 0) {
			if (a.nsets == CLI_MAX_SETS) {
				fprintf(stderr, "horde: more than %d --set\n",
					CLI_MAX_SETS);
				return 2;
			}
			a.sets[a.nsets++] = optarg;
		}
	}
	a.pos = argv + optind;
	a.npos = argc - optind;
	if (a.npos < c->min_pos || a.npos > c->max_pos) {
		usage_of(stderr, c);
		return 2;
	}
	return c->run(&a);
}
