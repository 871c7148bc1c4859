/* report_page.c: `horde report`'s page: one self-contained HTML file with
 * each run's metadata, summary and figures (inline SVG), and, for several
 * runs, the figures that overlay them. */
#define _GNU_SOURCE
#include "report.h"

#include "../harness/plan.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The SVG file at stem.svg, in place (without its XML declaration). */
static int inline_svg(FILE *f, const char *stem, struct hd_err *err)
{
	char path[PATH_MAX + 8], line[4096];
	snprintf(path, sizeof(path), "%s.svg", stem);
	FILE *in = fopen(path, "r");
	if (!in)
		return hd_fail_errno(err, HD_ENOENT, "%s", path);
	fputs("<figure>", f);
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, "<?xml", 5) != 0 && strncmp(line, "<!DOCTYPE", 9) &&
		    strncmp(line, " \"http://www.w3.org/Graphics/SVG", 32))
			fputs(line, f);
	fclose(in);
	const char *base = strrchr(stem, '/');
	fprintf(f, "<figcaption>%s.png, .svg</figcaption></figure>\n",
		base ? base + 1 : stem);
	return HD_OK;
}

static void metadata(FILE *f, sqlite3 *db, int64_t run_id)
{
	static const char *const cols[] = {
		"job", "platform", "profile", "status", "guests_planned",
		"started_at", "ended_at", "host", "kernel", "cpu_model", "cpus",
		"memory_kib", "platform_version", "horde_version", "git_commit",
		"modelled",
		"cause", /* last: a database from before schema 8 has none */
	};
	size_t ncols = HD_ARRAY_SIZE(cols);
	sqlite3_stmt *st;
	for (;; ncols--) {
		char sql[512];
		int n = snprintf(sql, sizeof(sql), "SELECT ");
		for (size_t i = 0; i < ncols; i++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%s%s",
				      i ? "," : "", cols[i]);
		snprintf(sql + n, sizeof(sql) - (size_t)n,
			 " FROM runs WHERE id = ?");
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
			break;
		if (ncols < HD_ARRAY_SIZE(cols))
			return;
	}
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		fputs("<table class=\"meta\">\n", f);
		for (size_t i = 0; i < ncols; i++) {
			const unsigned char *v = sqlite3_column_text(st, (int)i);
			fprintf(f, "<tr><th>%s</th><td>", cols[i]);
			html_text(f, v ? (const char *)v : "");
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	sqlite3_finalize(st);
}

/* A table of the job's settings: those the plan set, or (defaults) the
 * rest. */
struct settings_table {
	FILE *f;
	bool defaults;
};

static void setting_row(void *arg, const char *key, const char *value,
			bool is_default)
{
	struct settings_table *t = arg;
	if (is_default != t->defaults)
		return;
	fprintf(t->f, "<tr><th>%s</th><td>", key);
	html_text(t->f, value);
	fputs("</td></tr>\n", t->f);
}

/* The plan the run came from: its path, the job's description and every
 * setting that shapes the result (those set in the plan first), and the
 * whole text as stored. */
static void plan_section(FILE *f, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT plan_path, plan_text, job FROM runs "
			       "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		const char *job = (const char *)sqlite3_column_text(st, 2);
		struct plan plan;
		struct hd_err err;
		fputs("<p>Plan <code>", f);
		html_text(f, path ? path : "");
		fputs("</code>, job <code>", f);
		html_text(f, job ? job : "");
		fputs("</code>", f);
		if (text && !plan_parse(path ? path : "plan", text, strlen(text),
					&plan, &err)) {
			for (size_t i = 0; i < plan.njobs; i++) {
				if (strcmp(plan.jobs[i].name, job) != 0)
					continue;
				if (plan.jobs[i].description[0]) {
					fputs(": ", f);
					html_text(f, plan.jobs[i].description);
				}
				fputs("</p>\n<table class=\"meta\">\n", f);
				struct settings_table t = { f, false };
				plan_job_each_setting(&plan.jobs[i], setting_row, &t);
				fputs("</table>\n<details><summary>the other "
				      "settings, at their defaults</summary>"
				      "<table class=\"meta\">\n", f);
				t.defaults = true;
				plan_job_each_setting(&plan.jobs[i], setting_row, &t);
				fputs("</table></details>\n", f);
			}
			plan_free(&plan);
		} else {
			fputs("</p>\n", f);
		}
		fputs("<details><summary>the plan as stored</summary><pre>", f);
		html_text(f, text ? text : "");
		fputs("</pre></details>\n", f);
	}
	sqlite3_finalize(st);
}

/* The closing summary, as `horde run` prints it. */
static int summary(FILE *f, sqlite3 *db, int64_t run_id, long long bucket,
		   struct hd_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return hd_fail_errno(err, HD_ESYS, "memory stream");
	int rc = report_summary(db, run_id, bucket, m, err);
	fclose(m);
	if (!rc) {
		fputs("<pre>", f);
		html_text(f, text);
		fputs("</pre>\n", f);
	}
	free(text);
	return rc;
}

int report_page(sqlite3 *db, const int64_t *runs, size_t nruns,
		const char *outdir, const char *stem, long long bucket,
		char *html, size_t len, struct hd_err *err)
{
	struct run_files *rf = calloc(nruns, sizeof(*rf));
	char overlay[PATH_MAX], overlay_cdf[PATH_MAX], title[256];
	FILE *f = NULL;
	int rc = HD_OK;

	if (!rf)
		return hd_fail(err, HD_ESYS, "out of memory");
	for (size_t i = 0; i < nruns && !rc; i++)
		rc = report_figures(db, runs[i], outdir, stem, bucket, &rf[i], err);
	if (rc)
		goto out;
	snprintf(overlay, sizeof(overlay), "%s/%s-overlay", outdir, stem);
	snprintf(overlay_cdf, sizeof(overlay_cdf), "%s/%s-overlay-cdf", outdir,
		 stem);
	snprintf(title, sizeof(title), "%s: %zu runs", stem, nruns);
	if (nruns > 1) {
		char list[PATH_MAX + 16];
		snprintf(list, sizeof(list), "%s-runs.csv", overlay);
		char *after[] = { title, list };
		if ((rc = report_write_list(list, rf, nruns, err)) ||
		    (rc = report_plot("overlay.gp", NULL, 0, overlay, after, 2,
				      err)) ||
		    (rc = report_plot("cdf.gp", NULL, 0, overlay_cdf, after, 2,
				      err)))
			goto out;
	}
	snprintf(html, len, "%s/%s.html", outdir, stem);
	if (!(f = fopen(html, "w"))) {
		rc = hd_fail_errno(err, HD_ESYS, "write %s", html);
		goto out;
	}
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		   "<title>horde report: ");
	html_text(f, stem);
	fputs("</title><style>body{font-family:sans-serif;max-width:1250px;"
	      "margin:auto}table.meta{border-collapse:collapse}"
	      "table.meta th{text-align:left;padding-right:1em;color:#555}"
	      "figure{margin:1em 0}svg{max-width:100%;height:auto}"
	      "pre{background:#f6f6f6;padding:.5em}</style></head><body>\n", f);
	fputs("<h1>horde report: ", f);
	html_text(f, stem);
	fputs("</h1>\n", f);
	if (nruns > 1) {
		fputs("<h2>The runs together</h2>\n", f);
		if ((rc = inline_svg(f, overlay, err)) ||
		    (rc = inline_svg(f, overlay_cdf, err)))
			goto out;
	}
	for (size_t i = 0; i < nruns; i++) {
		fprintf(f, "<h2>Run %lld</h2>\n", (long long)runs[i]);
		metadata(f, db, runs[i]);
		plan_section(f, db, runs[i]);
		if ((rc = summary(f, db, runs[i], bucket > 0 ? bucket : 1000, err)) ||
		    (rc = inline_svg(f, rf[i].creation, err)) ||
		    (rc = inline_svg(f, rf[i].growth, err)) ||
		    (rc = inline_svg(f, rf[i].cdf, err)) ||
		    (rf[i].has_host && (rc = inline_svg(f, rf[i].host, err))))
			goto out;
		fputs("<p>Data: ", f);
		const char *csvs[] = { rf[i].guests_csv, rf[i].buckets_csv,
				       rf[i].cdf_csv, rf[i].samples_csv,
				       rf[i].sweeps_csv };
		for (size_t c = 0; c < HD_ARRAY_SIZE(csvs); c++) {
			const char *base = strrchr(csvs[c], '/');
			base = base ? base + 1 : csvs[c];
			fprintf(f, "%s<a href=\"%s\">", c ? ", " : "", base);
			html_text(f, base);
			fputs("</a>", f);
		}
		fputs(". Redraw by hand with the scripts in horde's analysis/."
		      "</p>\n", f);
	}
	fputs("</body></html>\n", f);
out:
	if (f && fclose(f) && !rc)
		rc = hd_fail_errno(err, HD_ESYS, "write %s", html);
	free(rf);
	return rc;
}
