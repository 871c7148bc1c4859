/* main.c: the horde command. Each subcommand is one entry of commands[]
 * (cli.h): its name, arguments, options and help all come from that
 * entry, and it reads its options by name. Errors are printed here and
 * nowhere else. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
#include "cli.h"
#include "plan.h"
#include "progress.h"
#include "platform.h"
#include "results.h"
#include "runner.h"

extern char **environ;

static volatile sig_atomic_t stop_requested;

/* The first signal says what it does, in the words of the signal that
 * came: a Ctrl-C, a kill, or a terminal that hung up (where the write
 * goes nowhere, harmlessly). A second skips destroying guests one by
 * one. */
static void on_signal(int sig)
{
	static const char intr[] = "\nhorde: stopping: tearing down (Ctrl-C "
				   "again to skip destroying guests one by "
				   "one)\n";
	static const char term[] = "\nhorde: SIGTERM: stopping: tearing down "
				   "(a second SIGTERM skips destroying guests "
				   "one by one)\n";
	static const char hup[] = "\nhorde: SIGHUP (the terminal hung up): "
				  "stopping: tearing down (a second signal "
				  "skips destroying guests one by one)\n";
	stop_requested++;
	if (stop_requested == 1) {
		const char *msg = sig == SIGINT ? intr : sig == SIGTERM ? term : hup;
		if (write(STDERR_FILENO, msg, strlen(msg)) < 0) {
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

/* --json: a command's output is one JSON document on standard output,
 * also when it fails: the error goes in it as "error" (and to standard
 * error, as always), so that `horde run --json | jq` sees the failure. */
struct json_doc {
	bool on;
	const char *command;
	bool begun, in_runs;
};

static void json_begin(struct json_doc *d)
{
	if (!d->on || d->begun)
		return;
	printf("{\"schema_version\": %d, \"command\": \"%s\"",
	       SUMMARY_JSON_SCHEMA, d->command);
	d->begun = true;
}

/* Opens the document's "runs" array; each run is printed after it. */
static void json_runs(struct json_doc *d)
{
	json_begin(d);
	if (d->on) {
		fputs(", \"runs\": [", stdout);
		d->in_runs = true;
	}
}

static void json_end_runs(struct json_doc *d)
{
	if (d->in_runs)
		fputc(']', stdout);
	d->in_runs = false;
}

/* Ends the document; err: what ended the command, or NULL. */
static void json_end(struct json_doc *d, const struct hd_err *err)
{
	if (!d->on)
		return;
	json_begin(d);
	json_end_runs(d);
	if (err) {
		fputs(", \"error\": ", stdout);
		hd_json_string(stdout, err->msg);
	}
	fputs("}\n", stdout);
	fflush(stdout);
}

static int fail_doc(struct json_doc *d, const struct hd_err *err)
{
	json_end(d, err);
	return fail(err);
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

/* What horde run works from: the plan (or the resumed run's own), the
 * job it is limited to, and the results database. */
struct run_cmd {
	struct plan plan;
	struct results *res;
	char db_path[PATH_MAX];
	char job[PLAN_JOB_NAME_MAX]; /* --job's, or the resumed run's */
	bool one_job;                /* only job (and its sweep) runs */
	int64_t resume_id;
};

static void run_cmd_dispose(struct run_cmd *c)
{
	results_close(c->res);
	plan_free(&c->plan);
}

/* The plan with its --set keys, and the database's path; with --resume,
 * the run's own plan and job as stored with it. */
static int load_run(const struct cli_args *a, struct run_cmd *c,
		    struct hd_err *err)
{
	const char *db = cli_opt(a, "db"), *resume = cli_opt(a, "resume");

	if (plan_load_set(a->pos[0], a->many, a->nmany, &c->plan, err))
		return err->code;
	if (db)
		hd_strlcpy(c->db_path, db, sizeof(c->db_path));
	else
		default_db_path(a->pos[0], c->db_path, sizeof(c->db_path));
	if ((c->one_job = cli_opt(a, "job") != NULL))
		hd_strlcpy(c->job, cli_opt(a, "job"), sizeof(c->job));
	if (!resume)
		return HD_OK;
	plan_free(&c->plan);
	c->one_job = true; /* the run's whole name: just that run */
	if (open_results(c->db_path, &c->res, err) ||
	    load_resumed(c->res, resume, &c->resume_id, &c->plan, c->job,
			 sizeof(c->job), err))
		return err->code;
	return HD_OK;
}

static bool runs_job(const struct run_cmd *c, const struct plan_job *job)
{
	return !c->one_job || plan_job_matches(job, c->job);
}

/* Everything about the plan is checked before anything is made: the job
 * asked for is there, and each platform can run here. */
static int check_jobs(const struct run_cmd *c, struct hd_err *err)
{
	size_t n = 0;
	for (size_t j = 0; j < c->plan.njobs; j++) {
		const struct plan_job *job = &c->plan.jobs[j];
		if (!runs_job(c, job))
			continue;
		n++;
		if (job->platform->check(job, err))
			return hd_wrap(err, "%s:%d: [%s]", job->file, job->line,
				       job->name);
	}
	if (!n)
		return hd_fail(err, HD_ENOENT, "%s: no job [%s]", c->plan.path,
			       c->job);
	return HD_OK;
}

/* Each emulated guest keeps a XenStore connection: thousands of fds.
 * Ctrl-C, a kill, and a closed terminal or SSH session (SIGHUP) all stop
 * the run the same way: stop creating, commit, tear down. With the
 * terminal gone, writing to it must not kill horde (SIGPIPE). */
static void prepare_process(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Whether a stored run fell short of its plan: not done, a guest not
 * created or not alive, or any failure stored (a resumed run's earlier
 * guests included). */
static bool fell_short(const struct run_summary *s)
{
	return strcmp(s->status, "done") != 0 || s->created < s->attempted ||
	       s->alive < s->created || s->nkinds || s->other_failures;
}

/* Runs one job and prints its closing summary as it ends, not at exit.
 * Returns the runner's code, or the summary's if the run's figures
 * cannot be read back; *failed says whether the job fell short. */
static int run_job(const struct run_cmd *c, const struct plan_job *job,
		   const struct run_options *opts, bool json, int *printed,
		   bool *failed, struct hd_err *err)
{
	struct run_outcome out;
	fprintf(stderr, "horde: job [%s]: %lld guests on %s (%s), results in "
		"%s\n", job->name, job->guests, job->platform->name,
		xcl_profile_name(job->profile), c->db_path);
	int rc = runner_run(&c->plan, job, c->res, opts, &out, err);
	const struct progress_view *view = opts->progress_arg;
	if (view->tty && opts->progress)
		fputc('\n', stderr);
	fflush(stderr);
	*failed = true;
	if (out.run_id) {
		struct hd_err serr;
		struct run_summary sum;
		if (summary_load(results_db(c->res), out.run_id, job->bucket, &sum,
				 &serr)) {
			if (!rc)
				rc = hd_fail(err, serr.code, "%s", serr.msg);
			else
				fail(&serr);
		} else {
			print_closing(&sum, &out, json, (*printed)++);
			*failed = rc || fell_short(&sum);
			summary_free(&sum);
		}
		fflush(stdout);
	}
	return rc;
}

static int cmd_run(const struct cli_args *a)
{
	struct run_cmd c = { 0 };
	struct hd_err err = { 0 };
	struct json_doc doc = { .on = cli_flag(a, "json"), .command = "run" };

	if (load_run(a, &c, &err) || check_jobs(&c, &err) ||
	    (!c.res && open_results(c.db_path, &c.res, &err))) {
		run_cmd_dispose(&c);
		return fail_doc(&doc, &err);
	}
	prepare_process();
	struct progress_view view = { .tty = isatty(STDERR_FILENO) };
	struct run_options opts = {
		.stop = &stop_requested,
		.progress = cli_flag(a, "quiet") ? NULL : show_progress,
		.progress_arg = &view,
		.keep = cli_flag(a, "keep"),
		.resume_run_id = c.resume_id,
		.on_failure = cli_flag(a, "verbose") ? tell_failure : NULL,
		.failure_arg = &view,
	};
	bool failed = false, error = false;
	int printed = 0;
	json_runs(&doc);
	for (size_t j = 0; j < c.plan.njobs && !stop_requested; j++) {
		bool job_failed;
		if (!runs_job(&c, &c.plan.jobs[j]))
			continue;
		int rc = run_job(&c, &c.plan.jobs[j], &opts, doc.on, &printed,
				 &job_failed, &err);
		failed |= job_failed;
		if (rc) {
			fail(&err);
			error = true;
			break;
		}
	}
	json_end(&doc, error ? &err : NULL);
	run_cmd_dispose(&c);
	return stop_requested ? 130 : failed;
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
	struct json_doc doc = { .on = cli_flag(a, "json"), .command = "report" };

	if (reader_open(a->pos[0], &db, &err))
		return fail_doc(&doc, &err);
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
	const char *bucket_s = cli_opt(a, "bucket"), *out_s = cli_opt(a, "out");
	if (bucket_s && hd_parse_int(bucket_s, 1, 1000000, &bucket)) {
		rc = hd_fail(&err, HD_EINVAL, "--bucket: '%s' is not 1..1000000",
			     bucket_s);
		goto out;
	}
	hd_strlcpy(outdir, a->pos[0], sizeof(outdir));
	hd_strlcpy(outdir, out_s ? out_s : dirname(outdir),
		   sizeof(outdir));
	mkdir(outdir, 0755); /* --out may name a new folder */
	hd_strlcpy(stem, a->pos[0], sizeof(stem));
	char *base = basename(stem);
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	json_runs(&doc);
	for (size_t i = 0; i < nruns && (doc.on || !cli_flag(a, "quiet")); i++) {
		struct run_summary sum;
		if ((rc = summary_load(db, runs[i], bucket ? bucket : 1000,
				       &sum, &err)))
			goto out;
		fputs(doc.on && i ? ", " : "", stdout);
		if (doc.on)
			summary_print_json(&sum, stdout);
		else
			summary_print_text(&sum, stdout);
		summary_free(&sum);
	}
	fflush(stdout);
	if ((rc = report_page(db, runs, nruns, outdir, base, bucket, html,
			      sizeof(html), &err)))
		goto out;
	if (doc.on) {
		json_end_runs(&doc);
		printf(", \"page\": ");
		hd_json_string(stdout, html);
	} else {
		printf("report: %s (figures beside it, as .png and .svg, with "
		       "their CSV)\n", html);
	}
out:
	sqlite3_close(db);
	if (rc)
		return fail_doc(&doc, &err);
	json_end(&doc, NULL);
	return 0;
}

/* ---- horde runs ---- */

static int cmd_runs(const struct cli_args *a)
{
	struct hd_err err = { 0 };
	struct json_doc doc = { .on = cli_flag(a, "json"), .command = "runs" };
	sqlite3 *db;

	/* report_runs prints its whole document, or nothing on an error. */
	if (reader_open(a->pos[0], &db, &err))
		return fail_doc(&doc, &err);
	int rc = report_runs(db, stdout, doc.on, &err);
	sqlite3_close(db);
	return rc ? fail_doc(&doc, &err) : 0;
}

/* ---- horde compare, horde ab ---- */

static const struct cli_opt compare_opts[] = {
	{ "alpha", "P", "significance needed (default 0.01)", 0, false },
	{ "min-effect", "PERCENT", "smallest change that counts (default 5)", 0, false },
	{ "buckets", "N", "guest-count buckets compared (default 4)", 0, false },
	{ "force", NULL, "compare runs of different plans, platforms or hosts", 0, false },
	{ "json", NULL, "the verdict table as JSON (README: Machine-readable "
	  "output)", 0, false },
	{ NULL, NULL, NULL, 0, false },
};

/* The options compare and ab share. */
static int compare_options(const struct cli_args *a, struct compare_opts *o)
{
	const char *alpha = cli_opt(a, "alpha"), *effect = cli_opt(a, "min-effect");
	const char *buckets = cli_opt(a, "buckets");
	char *end;
	*o = (struct compare_opts){ .alpha = 0.01, .min_effect = 0.05,
				    .buckets = 4, .force = cli_flag(a, "force") };
	if (alpha) {
		o->alpha = strtod(alpha, &end);
		if (*end || !(o->alpha > 0 && o->alpha < 1))
			return fail_msg("--alpha: a number between 0 and 1");
	}
	if (effect) {
		o->min_effect = strtod(effect, &end) / 100.0;
		if (*end || !(o->min_effect >= 0 && o->min_effect < 100))
			return fail_msg("--min-effect: a percentage, like 5");
	}
	if (buckets) {
		long long n;
		if (hd_parse_int(buckets, 1, 20, &n))
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
	struct json_doc doc = { .on = o->json, .command = "compare" };
	enum compare_verdict v;

	/* compare_runs prints its document only once it has a verdict. */
	if (compare_parse_side(base_s, &base, &err) ||
	    compare_parse_side(cand_s, &cand, &err) ||
	    compare_runs(&base, &cand, o, stdout, &v, &err)) {
		fail_doc(&doc, &err);
		return 2;
	}
	return (int)v;
}

static int cmd_compare(const struct cli_args *a)
{
	struct compare_opts o;
	if (compare_options(a, &o))
		return 2;
	o.json = cli_flag(a, "json");
	return compare_sides(a->pos[0], a->pos[1], &o);
}

static const struct cli_opt ab_opts[] = {
	{ "alpha", "P", "as for compare", 0, false },
	{ "min-effect", "PERCENT", "as for compare", 0, false },
	{ "buckets", "N", "as for compare", 0, false },
	{ "force", NULL, "as for compare", 0, false },
	{ "base", "BIN", "the horde binary of the base (required)", 0, false },
	{ "cand", "BIN", "the horde binary of the candidate (required)", 0, false },
	{ "runs", "K", "runs a side (default 5; at least 5 for p < 0.01)", 0, false },
	{ "out", "DIR", "where base.db and cand.db go (default: a new "
	  "folder in /tmp)", 0, false },
	{ NULL, NULL, NULL, 0, false },
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
	const char *bins[2] = { cli_opt(a, "base"), cli_opt(a, "cand") };
	const char *runs_s = cli_opt(a, "runs"), *out = cli_opt(a, "out");
	if (!bins[0] || !bins[1]) {
		fail_msg("--base and --cand are required");
		return 2;
	}
	if (runs_s && hd_parse_int(runs_s, 1, 64, &runs)) {
		fail_msg("--runs: 1..64");
		return 2;
	}
	if (out) {
		hd_strlcpy(dir, out, sizeof(dir));
		mkdir(dir, 0755);
	} else {
		struct hd_err err;
		if (hd_mkdtemp(dir, sizeof(dir), "horde-ab-", &err)) {
			fail_msg(err.msg);
			return 2;
		}
	}
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
		if (!cli_flag(a, "plan-only") && job->platform->check(job, &err)) {
			printf("    cannot run here: %s\n", err.msg);
			bad = 1;
		}
	}
	plan_free(&plan);
	return bad;
}

static const struct cli_opt check_opts[] = {
	{ "plan-only", NULL, "check the plan, not whether this host can run it", 0, false },
	{ NULL, NULL, NULL, 0, false },
};

/* ---- horde clean ---- */

static int cmd_clean(const struct cli_args *a)
{
	struct hd_err err = { 0 };
	int bad = 0;

	/* Safe beside running hordes: each platform touches only what a
	 * dead horde recorded as its own (see emu/rundir.c). A database
	 * that cannot be opened does not keep the host from being cleaned:
	 * each error is told, and the exit status says there was one. */
	for (int i = 0; i < a->npos; i++) {
		struct results *res;
		if (access(a->pos[i], F_OK) != 0) { /* a typo makes none */
			hd_fail_errno(&err, HD_ENOENT, "%s", a->pos[i]);
			bad |= fail(&err);
		} else if (open_results(a->pos[i], &res, &err)) {
			bad |= fail(&err);
		} else {
			results_close(res);
		}
	}
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->clean && all[i]->clean(stdout, &err))
			bad |= fail(&err);
	return bad;
}

/* ---- horde calibrate ---- */

static const struct cli_opt calibrate_opts[] = {
	{ "out", "FILE", "where the profile goes (default: beside DB, named "
	  "after the profile)", 0, false },
	{ "name", "NAME", "the profile's name (default: DB's name and the run, "
	  "like xen-bench-run3)", 0, false },
	{ NULL, NULL, NULL, 0, false },
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
		if (cli_opt(a, "name"))
			hd_strlcpy(name, cli_opt(a, "name"), sizeof(name));
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
	if (cli_opt(a, "out"))
		hd_strlcpy(out, cli_opt(a, "out"), sizeof(out));
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
	{ "db", "PATH", "results database (default results/<plan name>.db)", 0, false },
	{ "job", "NAME", "run only this job of the plan", 0, false },
	{ "quiet", NULL, "no progress line", 'q', false },
	{ "keep", NULL, "leave the guests when the run ends (on Xen; an "
	  "emulated host ends with horde)", 0, false },
	{ "resume", "ID", "go on with crashed or interrupted run ID of the "
	  "database, with its stored plan and job", 0, false },
	{ "json", NULL, "the closing summary as JSON on standard output "
	  "(README: Machine-readable output)", 0, false },
	{ "set", "KEY=VALUE", "a plan key for this run, over every job's "
	  "(again for more; stored with the plan)", 0, true },
	{ "verbose", NULL, "a line on standard error for each guest that "
	  "fails, with its cause, as it happens", 'v', false },
	{ NULL, NULL, NULL, 0, false },
};
static const struct cli_opt report_opts[] = {
	{ "out", "DIR", "where figures and CSV go (default: the database's folder)", 0, false },
	{ "bucket", "N", "guests per bucket (default: about 20 buckets; 1000 "
			 "in the summary)", 0, false },
	{ "quiet", NULL, "no summary: only where the page is", 'q', false },
	{ "json", NULL, "the summaries and the page's path as JSON (README: "
	  "Machine-readable output)", 0, false },
	{ NULL, NULL, NULL, 0, false },
};
static const struct cli_opt no_opts[] = { { NULL, NULL, NULL, 0, false } };
static const struct cli_opt json_opts[] = {
	{ "json", NULL, "as JSON (README: Machine-readable output)", 0, false },
	{ NULL, NULL, NULL, 0, false },
};

/* ---- horde arping ---- */

static const struct cli_opt arping_opts[] = {
	{ "rate", "N", "requests a second at most (default 20000)", 0, false },
	{ "interval", "DURATION", "first gap between retries of an address "
	  "(default 5ms; it grows after 1 s)", 0, false },
	{ "timeout", "DURATION", "give up on an address after (default 1s)", 0, false },
	{ "source", "ADDRESS", "sender address in requests (default "
	  "198.18.0.1)", 0, false },
	{ "any-range", NULL, "allow addresses outside 198.18.0.0/15", 0, false },
	{ NULL, NULL, NULL, 0, false },
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
	const char *rate_s = cli_opt(a, "rate"), *interval = cli_opt(a, "interval");
	const char *timeout = cli_opt(a, "timeout"), *source = cli_opt(a, "source");
	if (rate_s) {
		if (hd_parse_int(rate_s, 10, 1000000, &rate))
			return fail_msg("--rate: a whole number 10..1000000");
		o.rate = (uint32_t)rate;
	}
	if ((interval && hd_parse_duration(interval, &o.interval_ns)) ||
	    (timeout && hd_parse_duration(timeout, &o.timeout_ns)) ||
	    o.interval_ns == 0 || o.timeout_ns == 0)
		return fail_msg("--interval, --timeout: a duration above 0, like 5ms");
	if (source && inet_pton(AF_INET, source, &o.src_addr_be) != 1)
		return fail_msg("--source: not an IPv4 address");
	/* Probing is sending: by default only into horde's own network. */
	uint64_t last = (uint64_t)o.first + o.count - 1;
	if (!cli_flag(a, "any-range") &&
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
	  "0 done; 1 an error (a DB missing or not horde's: the host is "
	  "cleaned all the same); 2 bad usage" },
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
	cli_man_commands(f, commands, HD_ARRAY_SIZE(commands));
	plan_print_help(f, PLAN_HELP_ROFF);
	fprintf(f, ".SH ENVIRONMENT\n.TP\n.B HORDE_DATADIR\nwhere horde "
		"report finds its gnuplot scripts (default: the analysis/ folder "
		"beside the binary's, or the installed share/horde)\n"
		".SH SEE ALSO\n.BR cosmos (1),\n.BR xl (1)\n");
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
		cli_exits_markdown(stdout, commands, HD_ARRAY_SIZE(commands));
		return 0;
	}
	for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, a->pos[0]) == 0) {
			cli_usage_of(stdout, &commands[i]);
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

	struct cli_args a;
	int status = cli_parse(c, argc, argv, &a);
	return status >= 0 ? status : c->run(&a);
}
