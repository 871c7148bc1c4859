/* report.c: see report.h. Figures are drawn by gnuplot from CSV files that
 * stay beside them, so a figure can be redrawn by hand:
 *   gnuplot -c analysis/creation.gp GUESTS.csv BUCKETS.csv OUT.png TITLE */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <sqlite3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../xcl/xcl.h"
#include "summary.h"

extern char **environ;

static int db_fail(sqlite3 *db, struct hd_err *err, const char *what)
{
	return hd_fail(err, HD_ESYS, "%s: %s", what, sqlite3_errmsg(db));
}

int report_last_run(sqlite3 *db, int64_t *run_id, struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc = HD_OK;

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM runs", -1, &st, NULL))
		return db_fail(db, err, "query runs");
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		rc = hd_fail(err, HD_ENOENT, "no runs in this database yet");
	else
		*run_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* One table of the runs, its columns as wide as their longest value (a
 * sweep's job names run long). */
#define RUNS_COLS 10

/* The runs as JSON: an object a row, keyed by the table's columns. */
static void runs_json(FILE *f, char **cell, size_t rows)
{
	static const char *const key[RUNS_COLS] = {
		"id", "job", "platform", "profile", "status", "planned",
		"created", "alive", "started_at", "commit" };
	static const int number[RUNS_COLS] = { 1, 0, 0, 0, 0, 1, 1, 1, 0, 0 };
	fprintf(f, "{\"schema_version\": %d, \"command\": \"runs\", \"runs\": [",
		SUMMARY_JSON_SCHEMA);
	for (size_t r = 0; r < rows; r++) {
		fputs(r ? ", {" : "{", f);
		for (int c = 0; c < RUNS_COLS; c++) {
			const char *v = cell[r * RUNS_COLS + c];
			fprintf(f, "%s\"%s\": ", c ? ", " : "", key[c]);
			if (number[c])
				fputs(v && *v ? v : "null", f);
			else
				hd_json_string(f, v ? v : "");
		}
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

int report_runs(sqlite3 *db, FILE *f, bool json, struct hd_err *err)
{
	static const char *const head[RUNS_COLS] = {
		"id", "job", "platform", "profile", "status", "planned",
		"created", "alive", "started (UTC)", "commit" };
	/* Numbers right-aligned, text left. */
	static const int right[RUNS_COLS] = { 0, 0, 0, 0, 0, 1, 1, 1, 0, 0 };
	const char *sql =
		"SELECT r.id, r.job, r.platform, r.profile, r.status,"
		" r.guests_planned, count(g.seq), count(g.alive_ns),"
		" r.started_at, r.git_commit"
		" FROM runs r LEFT JOIN guests g ON g.run_id = r.id"
		" GROUP BY r.id ORDER BY r.id";
	sqlite3_stmt *st;
	char **cell = NULL;
	size_t rows = 0, cap = 0;
	int width[RUNS_COLS], rc = HD_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return db_fail(db, err, "query runs");
	for (int c = 0; c < RUNS_COLS; c++)
		width[c] = (int)strlen(head[c]);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (rows == cap) {
			cap = cap ? cap * 2 : 64;
			char **n = realloc(cell, cap * RUNS_COLS * sizeof(*n));
			if (!n) {
				rc = hd_fail(err, HD_ESYS, "out of memory");
				break;
			}
			cell = n;
		}
		for (int c = 0; c < RUNS_COLS; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			char *copy = strdup(v ? v : "");
			cell[rows * RUNS_COLS + c] = copy;
			int w = copy ? (int)strlen(copy) : 0;
			if (w > width[c])
				width[c] = w;
		}
		rows++;
	}
	sqlite3_finalize(st);
	if (json && !rc)
		runs_json(f, cell, rows);
	for (size_t r = 0; r <= rows && !rc && !json; r++) {
		for (int c = 0; c < RUNS_COLS; c++) {
			const char *v = r ? cell[(r - 1) * RUNS_COLS + c] : head[c];
			int w = right[c] ? width[c]
					 : c == RUNS_COLS - 1 ? 0 : -width[c];
			fprintf(f, "%s%*s", c ? "  " : "", w, v ? v : "");
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < rows * RUNS_COLS; i++)
		free(cell[i]);
	free(cell);
	return rc;
}

int report_summary(sqlite3 *db, int64_t run_id, long long bucket, FILE *f,
		   struct hd_err *err)
{
	struct run_summary s;
	int rc = summary_load(db, run_id, bucket, &s, err);
	if (!rc) {
		summary_print_text(&s, f);
		summary_free(&s);
	}
	return rc;
}

/* Where analysis/ is: $HORDE_DATADIR; else, from the binary's folder,
 * ../analysis (a build tree) or ../share/horde/analysis (make install). */
static int script_path(const char *name, char *out, size_t len)
{
	const char *dir = getenv("HORDE_DATADIR");
	char self[PATH_MAX];

	if (dir)
		return snprintf(out, len, "%s/%s", dir, name) < (int)len ? 0 : -1;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(self, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	static const char *const places[] = { "analysis", "share/horde/analysis" };
	for (size_t i = 0; i < HD_ARRAY_SIZE(places); i++)
		if (snprintf(out, len, "%s/%s/%s", self, places[i], name) < (int)len &&
		    access(out, R_OK) == 0)
			return 0;
	return -1;
}

/* Runs gnuplot with a fixed argument list: never a shell. */
static int run_gnuplot(char *const argv[], struct hd_err *err)
{
	pid_t pid;
	int status;
	int e = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (e) {
		errno = e;
		return hd_fail_errno(err, HD_ENOENT, "start gnuplot");
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hd_fail_errno(err, HD_ESYS, "wait for gnuplot");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hd_fail(err, HD_ESYS, "gnuplot failed (status %d)", status);
	return HD_OK;
}

/* Median of a window of creation times around each guest: a trend line
 * that one slow guest does not move. */
#define ROLLING 51

static void rolling_medians(const struct guest_fig *v, size_t n, double *out,
			    uint64_t *scratch)
{
	for (size_t i = 0; i < n; i++) {
		size_t from = i > ROLLING / 2 ? i - ROLLING / 2 : 0;
		size_t to = i + ROLLING / 2 + 1 < n ? i + ROLLING / 2 + 1 : n;
		size_t k = 0;
		for (size_t j = from; j < to; j++)
			if (v[j].ok)
				scratch[k++] = v[j].create_ns;
		if (!k) {
			out[i] = NAN;
			continue;
		}
		qsort(scratch, k, sizeof(*scratch), hd_cmp_u64);
		out[i] = (double)hd_quantile_sorted(scratch, k, 0.5) / 1e6;
	}
}

/* Runs one of analysis/'s scripts for both a PNG and an SVG; args[0] is
 * the output without its extension, the rest go after it. */
int report_write_list(const char *path, const struct run_files *rf,
		      size_t n, struct hd_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return hd_fail_errno(err, HD_ESYS, "write %s", path);
	for (size_t i = 0; i < n; i++) {
		for (const char *c = rf[i].label; *c; c++)
			fputc(*c == ',' ? ';' : *c, f); /* the separator */
		fprintf(f, ",%s,%s\n", rf[i].buckets_csv, rf[i].cdf_csv);
	}
	if (fclose(f))
		return hd_fail_errno(err, HD_ESYS, "write %s", path);
	return HD_OK;
}

int report_plot(const char *script_name, char *const *before, size_t nbefore,
		const char *out_stem, char *const *after, size_t nafter,
		struct hd_err *err)
{
	char script[PATH_MAX], out[PATH_MAX + 8];
	char *argv[32];

	if (script_path(script_name, script, sizeof(script)))
		return hd_fail(err, HD_ENOENT, "cannot find analysis/%s",
			       script_name);
	if (nbefore + nafter + 5 > HD_ARRAY_SIZE(argv))
		return hd_fail(err, HD_EINVAL, "too many files for one figure");
	for (int kind = 0; kind < 2; kind++) {
		size_t n = 0;
		snprintf(out, sizeof(out), "%s.%s", out_stem, kind ? "svg" : "png");
		argv[n++] = "gnuplot";
		argv[n++] = "-c";
		argv[n++] = script;
		for (size_t i = 0; i < nbefore; i++)
			argv[n++] = before[i];
		argv[n++] = out;
		for (size_t i = 0; i < nafter; i++)
			argv[n++] = after[i];
		argv[n] = NULL;
		int rc = run_gnuplot(argv, err);
		if (rc)
			return hd_wrap(err, "%s", script_name);
	}
	return HD_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* fraction,create_ms,alive_ms: the two distributions, each sorted. */
static int write_cdf(const char *path, const struct guest_fig *v, size_t n,
		     struct hd_err *err)
{
	double *c = malloc((n + 1) * sizeof(*c)), *a = malloc((n + 1) * sizeof(*a));
	size_t nc = 0, na = 0;
	FILE *f = c && a ? fopen(path, "w") : NULL;

	if (!f) {
		free(c);
		free(a);
		return hd_fail_errno(err, HD_ESYS, "write %s", path);
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].ok)
			continue;
		c[nc++] = (double)v[i].create_ns / 1e6;
		if (v[i].alive_ns >= 0)
			a[na++] = (double)v[i].alive_ns / 1e6;
	}
	qsort(c, nc, sizeof(*c), cmp_double);
	qsort(a, na, sizeof(*a), cmp_double);
	fprintf(f, "fraction,create_ms,alive_ms\n");
	for (size_t i = 0; i < nc; i++) {
		fprintf(f, "%.6f,%.4f,", (double)(i + 1) / (double)nc, c[i]);
		/* The alive curve, resampled to the same fractions. */
		size_t j = na ? (size_t)((double)i * (double)na / (double)nc) : 0;
		if (na)
			fprintf(f, "%.4f\n", a[j]);
		else
			fprintf(f, "NaN\n");
	}
	free(c);
	free(a);
	return fclose(f) ? hd_fail_errno(err, HD_ESYS, "write %s", path) : HD_OK;
}

/* The sampler's series and the sweeps, as host.gp reads them; *any says
 * whether there was anything to plot. */
static int write_host(sqlite3 *db, int64_t run_id, const char *samples_path,
		      const char *sweeps_path, bool *any, int *nsweeps,
		      struct hd_err *err)
{
	static const char *const cols[] = {
		"'horde-xenstored','xenstored','oxenstored'|cpu_ns|1e9",
		"'horde-xenstored','xenstored','oxenstored'|fds|1",
		"'horde-xenstored','xenstored','oxenstored'|rss_kib|1024",
		"'horde-consoled','xenconsoled'|fds|1",
		"'host'|mem_available_kib|1024",
	};
	char sql[2048];
	int n = snprintf(sql, sizeof(sql), "SELECT guests");
	for (size_t i = 0; i < HD_ARRAY_SIZE(cols); i++) {
		char src[128], metric[32], scale[16];
		sscanf(cols[i], "%127[^|]|%31[^|]|%15s", src, metric, scale);
		n += snprintf(sql + n, sizeof(sql) - (size_t)n,
			      ", max(CASE WHEN source IN (%s) AND metric = '%s'"
			      " THEN value / %s END)", src, metric, scale);
	}
	/* As the host fills: up to the first sample at the peak count. */
	snprintf(sql + n, sizeof(sql) - (size_t)n, " FROM samples WHERE run_id = ?1"
		 " AND at_ns <= (SELECT min(at_ns) FROM samples WHERE run_id = ?1"
		 " AND guests = (SELECT max(guests) FROM samples WHERE"
		 " run_id = ?1)) GROUP BY at_ns ORDER BY at_ns");
	sqlite3_stmt *st;
	FILE *f = fopen(samples_path, "w");
	int rows = 0;

	*any = false;
	if (!f)
		return hd_fail_errno(err, HD_ESYS, "write %s", samples_path);
	fprintf(f, "guests,xenstored_cpu_s,xenstored_fds,xenstored_rss_mib,"
		   "consoled_fds,mem_available_mib\n");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(f, "%lld", (long long)sqlite3_column_int64(st, 0));
			/* The figure plots the XenStore daemon's series: only
			 * rows that have it count (a host series alone, the
			 * load, draws nothing there). */
			rows += sqlite3_column_type(st, 1) != SQLITE_NULL;
			for (int c = 1; c <= (int)HD_ARRAY_SIZE(cols); c++)
				if (sqlite3_column_type(st, c) == SQLITE_NULL)
					fprintf(f, ",NaN");
				else
					fprintf(f, ",%.4f", sqlite3_column_double(st, c));
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	if (fclose(f))
		return hd_fail_errno(err, HD_ESYS, "write %s", samples_path);
	if (!(f = fopen(sweeps_path, "w")))
		return hd_fail_errno(err, HD_ESYS, "write %s", sweeps_path);
	fprintf(f, "guests,answered_fraction,rtt_p50_us,rtt_p99_us\n");
	if (sqlite3_prepare_v2(db, "SELECT guests, 1.0 * answered / max(probed, 1),"
			       " rtt_p50_ns / 1e3, rtt_p99_ns / 1e3 FROM sweeps"
			       " WHERE run_id = ? ORDER BY sweep", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		*nsweeps = 0;
		while (sqlite3_step(st) == SQLITE_ROW && ++*nsweeps)
			fprintf(f, "%lld,%.4f,%.3f,%.3f\n",
				(long long)sqlite3_column_int64(st, 0),
				sqlite3_column_double(st, 1),
				sqlite3_column_double(st, 2),
				sqlite3_column_double(st, 3));
		sqlite3_finalize(st);
	}
	if (fclose(f))
		return hd_fail_errno(err, HD_ESYS, "write %s", sweeps_path);
	*any = rows > 1;
	return HD_OK;
}

int report_figures(sqlite3 *db, int64_t run_id, const char *outdir,
		   const char *stem, long long bucket, struct run_files *rf,
		   struct hd_err *err)
{
	char title[256];
	struct guest_fig *v;
	size_t n;
	int rc, nsweeps = 0;

	memset(rf, 0, sizeof(*rf));
	if ((rc = summary_load_guests(db, run_id, &v, &n, err)))
		return rc;
	if (n == 0) {
		free(v);
		return hd_fail(err, HD_ENOENT, "run %lld has no guests",
			       (long long)run_id);
	}
	if (bucket <= 0)
		bucket = (long long)(n + 19) / 20;
#define PATH_OF(field, suffix)                                               \
	snprintf(rf->field, sizeof(rf->field), "%s/%s-run%lld%s", outdir, stem, \
		 (long long)run_id, suffix)
	PATH_OF(guests_csv, "-guests.csv");
	PATH_OF(buckets_csv, "-buckets.csv");
	PATH_OF(cdf_csv, "-cdf.csv");
	PATH_OF(samples_csv, "-samples.csv");
	PATH_OF(sweeps_csv, "-sweeps.csv");
	PATH_OF(list_csv, "-list.csv");
	PATH_OF(creation, "");
	PATH_OF(growth, "-growth");
	PATH_OF(cdf, "-cdf");
	PATH_OF(host, "-host");
#undef PATH_OF
	snprintf(title, sizeof(title), "%s, run %lld", stem, (long long)run_id);
	snprintf(rf->label, sizeof(rf->label), "run %lld", (long long)run_id);
	sqlite3_stmt *js;
	if (sqlite3_prepare_v2(db, "SELECT job FROM runs WHERE id = ?", -1, &js,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(js, 1, run_id);
		if (sqlite3_step(js) == SQLITE_ROW)
			snprintf(rf->label, sizeof(rf->label), "%s (run %lld)",
				 sqlite3_column_text(js, 0), (long long)run_id);
		sqlite3_finalize(js);
	}

	FILE *gf = fopen(rf->guests_csv, "w");
	FILE *bf = gf ? fopen(rf->buckets_csv, "w") : NULL;
	uint64_t *scratch = malloc(n * sizeof(*scratch));
	double *rolling = malloc(n * sizeof(*rolling));
	if (!gf || !bf || !scratch || !rolling) {
		rc = hd_fail_errno(err, HD_ESYS, "write %s", gf ? rf->buckets_csv
								   : rf->guests_csv);
		goto out;
	}
	rolling_medians(v, n, rolling, scratch);
	fprintf(gf, "seq,create_ms,toolstack_ms,xenstore_ms,hypervisor_ms,"
		    "dom0_ms,alive_ms,rolling_median_ms\n");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].ok)
			continue;
		fprintf(gf, "%u,%.4f,%.4f,%.4f,%.4f,%.4f,", v[i].seq,
			v[i].create_ns / 1e6, v[i].phase_ns[0] / 1e6,
			v[i].phase_ns[1] / 1e6, v[i].phase_ns[2] / 1e6,
			v[i].phase_ns[3] / 1e6);
		if (v[i].alive_ns >= 0)
			fprintf(gf, "%.4f,", v[i].alive_ns / 1e6);
		else
			fprintf(gf, "NaN,");
		fprintf(gf, "%.4f\n", rolling[i]);
	}
	fprintf(bf, "first,last,mid,created,toolstack_ms,xenstore_ms,"
		    "hypervisor_ms,dom0_ms,create_p50_ms,create_p99_ms,"
		    "alive_p50_ms,alive_p99_ms\n");
	for (size_t from = 0; from < n; from += (size_t)bucket) {
		size_t to = from + (size_t)bucket < n ? from + (size_t)bucket : n;
		struct bucket_stats s;
		summary_bucket(v, from, to, scratch, &s);
		if (!s.created)
			continue;
		fprintf(bf, "%u,%u,%.1f,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n",
			s.first, s.last, (s.first + s.last) / 2.0, s.created,
			s.phase_p50[0] / 1e6, s.phase_p50[1] / 1e6,
			s.phase_p50[2] / 1e6, s.phase_p50[3] / 1e6,
			s.create_p50 / 1e6, s.create_p99 / 1e6,
			s.alive_p50 / 1e6, s.alive_p99 / 1e6);
	}
	if (fclose(gf) != 0 || fclose(bf) != 0) {
		gf = bf = NULL;
		rc = hd_fail_errno(err, HD_ESYS, "write CSV in %s", outdir);
		goto out;
	}
	gf = bf = NULL;
	char bucket_s[24];
	snprintf(bucket_s, sizeof(bucket_s), "%lld", bucket);
	char *csvs[] = { rf->guests_csv, rf->buckets_csv };
	char *after[] = { title, bucket_s };
	char *growth_csvs[] = { rf->buckets_csv };
	char growth_title[sizeof(title) + 48];
	snprintf(growth_title, sizeof(growth_title), "%s: median creation per "
		 "phase as the host fills", title);
	char *growth_after[] = { growth_title };
	if ((rc = report_plot("creation.gp", csvs, 2, rf->creation, after, 2, err)) ||
	    (rc = report_plot("growth.gp", growth_csvs, 1, rf->growth,
			      growth_after, 1, err)) ||
	    (rc = write_cdf(rf->cdf_csv, v, n, err)))
		goto out;
	if ((rc = report_write_list(rf->list_csv, rf, 1, err)))
		goto out;
	char *cdf_after[] = { title, rf->list_csv };
	if ((rc = report_plot("cdf.gp", NULL, 0, rf->cdf, cdf_after, 2, err)) ||
	    (rc = write_host(db, run_id, rf->samples_csv, rf->sweeps_csv,
			     &rf->has_host, &nsweeps, err)))
		goto out;
	if (rf->has_host) {
		char sweeps_s[16];
		snprintf(sweeps_s, sizeof(sweeps_s), "%d", nsweeps);
		char *host_csvs[] = { rf->samples_csv, rf->sweeps_csv };
		char *host_after[] = { title, sweeps_s };
		rc = report_plot("host.gp", host_csvs, 2, rf->host, host_after, 2,
				 err);
	}
out:
	if (gf)
		fclose(gf);
	if (bf)
		fclose(bf);
	free(rolling);
	free(scratch);
	free(v);
	return rc;
}
