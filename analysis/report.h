/* report.h: what horde tells people about runs: the closing summary, the
 * list of runs, and the figures (CSV files plus gnuplot PNGs). */
#ifndef HORDE_REPORT_H
#define HORDE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../harness/util.h"

struct sqlite3;

/* Prints created/alive counts, median and p99 creation time and
 * time-to-alive per bucket of guests, and failures grouped by reason. */
int report_summary(struct sqlite3 *db, int64_t run_id, long long bucket,
		   FILE *f, struct hd_err *err);

/* One line per run: id, job, platform, status, guests, start. */
int report_runs(struct sqlite3 *db, FILE *f, struct hd_err *err);

/* The newest run's id, or HD_ENOENT when there is none. */
int report_last_run(struct sqlite3 *db, int64_t *run_id, struct hd_err *err);

/* Writes <outdir>/<stem>-run<id>-guests.csv, -buckets.csv and .png (via
 * analysis/creation.gp) and returns the PNG's path in png (len bytes).
 * bucket 0 picks about 20 buckets. */
int report_figures(struct sqlite3 *db, int64_t run_id, const char *outdir,
		   const char *stem, long long bucket, char *png, size_t len,
		   struct hd_err *err);

#endif
