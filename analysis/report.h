/* report.h: what horde tells people about runs: the closing summary, the
 * list of runs, and the figures (CSV files plus gnuplot PNGs). */
#ifndef HORDE_REPORT_H
#define HORDE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"

struct sqlite3;

/* Prints created/alive counts, median and p99 creation time and
 * time-to-alive per bucket of guests, and failures grouped by reason. */
int report_summary(struct sqlite3 *db, int64_t run_id, long long bucket,
		   FILE *f, struct hd_err *err);

/* One line per run: id, job, platform, status, guests, start; or, with
 * json, the same as a JSON document. */
int report_runs(struct sqlite3 *db, FILE *f, bool json, struct hd_err *err);

/* The newest run's id, or HD_ENOENT when there is none. */
int report_last_run(struct sqlite3 *db, int64_t *run_id, struct hd_err *err);

/* What report_figures writes for a run. Figures are given without their
 * extension: each is there as .png and as .svg. */
struct run_files {
	char guests_csv[4096], buckets_csv[4096], cdf_csv[4096];
	char samples_csv[4096], sweeps_csv[4096], list_csv[4096];
	char creation[4096], growth[4096], cdf[4096], host[4096];
	char label[128]; /* the run in overlays: its job, and its id */
	bool has_host; /* the sampler took more than one sample */
};

/* Writes <outdir>/<stem>-run<id>-guests.csv, -buckets.csv, -cdf.csv,
 * -samples.csv, -sweeps.csv, -list.csv (the run as the overlay scripts
 * take runs) and the figures drawn from them by
 * analysis/creation.gp, growth.gp, cdf.gp and host.gp. bucket 0 picks about 20
 * buckets. */
int report_figures(struct sqlite3 *db, int64_t run_id, const char *outdir,
		   const char *stem, long long bucket, struct run_files *rf,
		   struct hd_err *err);

/* Writes the list of runs the overlay scripts read (runs.gp): a line
 * "label,buckets_csv,cdf_csv" a run. */
int report_write_list(const char *path, const struct run_files *rf,
		      size_t n, struct hd_err *err);

/* Runs analysis/<script> twice, for out_stem.png and out_stem.svg, with
 * the arguments before and after the output's. */
int report_plot(const char *script, char *const *before, size_t nbefore,
		const char *out_stem, char *const *after, size_t nafter,
		struct hd_err *err);

/* Figures and data of each run (report_figures), the runs overlaid when
 * there are several, and <outdir>/<stem>.html holding them all, whose
 * path goes to html. */
int report_page(struct sqlite3 *db, const int64_t *runs, size_t nruns,
		const char *outdir, const char *stem, long long bucket,
		char *html, size_t len, struct hd_err *err);

#endif
