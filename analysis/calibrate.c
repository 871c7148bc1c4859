/* calibrate.c: see calibrate.h.
 *
 * The fit, for each operation: every call's time t (a row's time over its
 * calls) with D, the other domains on the host when its creation or
 * destruction began (guests started before it and not yet being
 * destroyed). Rows are
 * cut by D into up to 10 groups of equal size; a least-squares line
 * through the groups' (median D, median t) gives the median on an empty
 * host and the growth per 1,000 domains, robust to the outliers a loaded
 * host throws. The spread is the sigma of ln(t / line(D)), estimated from
 * its median absolute deviation (x 1.4826, a normal's). */
#include "calibrate.h"

#include "../harness/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ROWS 10
#define GROUPS 10

struct span { int64_t start, end; }; /* end: INT64_MAX while alive */

struct point { double d, t; };

static int db_fail(sqlite3 *db, struct hd_err *err, const char *what)
{
	return hd_fail(err, HD_ESYS, "%s: %s", what, sqlite3_errmsg(db));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_point_d(const void *a, const void *b)
{
	return cmp_double(&((const struct point *)a)->d,
			  &((const struct point *)b)->d);
}

/* Entries of sorted v[0..n) below x (or at most x with or_equal). */
static size_t count_below(const int64_t *v, size_t n, int64_t x, int or_equal)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x || (or_equal && v[mid] == x))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The run's domains over time: sorted starts of creations and of
 * destructions, so that D(t) = starts before t - destructions by t. */
struct population {
	int64_t *starts, *ends;
	size_t n, nends;
};

static int load_population(sqlite3 *db, int64_t run_id, struct population *p,
			   struct hd_err *err)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT created_at_ns, destroyed_at_ns FROM guests"
			  " WHERE run_id = ? AND domid IS NOT NULL";
	size_t cap = 0;

	memset(p, 0, sizeof(*p));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return db_fail(db, err, "query guests");
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (p->n == cap) {
			cap = cap ? cap * 2 : 1024;
			int64_t *s = realloc(p->starts, cap * sizeof(*s));
			int64_t *e = s ? realloc(p->ends, cap * sizeof(*e)) : NULL;
			if (s)
				p->starts = s;
			if (e)
				p->ends = e;
			if (!s || !e) {
				sqlite3_finalize(st);
				return hd_fail(err, HD_ESYS, "out of memory");
			}
		}
		p->starts[p->n++] = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			p->ends[p->nends++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	qsort(p->starts, p->n, sizeof(int64_t), cmp_i64);
	qsort(p->ends, p->nends, sizeof(int64_t), cmp_i64);
	return HD_OK;
}

static uint32_t domains_at(const struct population *p, int64_t t)
{
	size_t started = count_below(p->starts, p->n, t, 0);
	size_t ended = count_below(p->ends, p->nends, t, 0);
	return (uint32_t)(started - ended);
}

/* Fits one operation's points (sorted by d here) into *cost. */
static void fit(struct point *pt, size_t n, struct emu_op_cost *cost)
{
	size_t groups = n / MIN_ROWS < GROUPS ? n / MIN_ROWS : GROUPS;
	double gd[GROUPS], gt[GROUPS];
	double *tmp = malloc(n * sizeof(double));

	qsort(pt, n, sizeof(*pt), cmp_point_d);
	for (size_t g = 0; g < groups; g++) {
		size_t from = n * g / groups, to = n * (g + 1) / groups;
		for (size_t i = from; i < to; i++)
			tmp[i - from] = pt[i].d;
		gd[g] = median(tmp, to - from);
		for (size_t i = from; i < to; i++)
			tmp[i - from] = pt[i].t;
		gt[g] = median(tmp, to - from);
	}
	double md = 0, mt = 0, sdd = 0, sdt = 0;
	for (size_t g = 0; g < groups; g++) {
		md += gd[g] / (double)groups;
		mt += gt[g] / (double)groups;
	}
	for (size_t g = 0; g < groups; g++) {
		sdd += (gd[g] - md) * (gd[g] - md);
		sdt += (gd[g] - md) * (gt[g] - mt);
	}
	double slope = sdd > 0 ? sdt / sdd : 0; /* one group: no growth */
	double at0 = mt - slope * md;
	if (at0 < 0) { /* a line through 0 would go negative: keep the level */
		at0 = 0;
		slope = md > 0 ? mt / md : 0;
	}
	size_t nres = 0;
	for (size_t i = 0; i < n; i++) {
		double line = at0 + slope * pt[i].d;
		if (line > 0 && pt[i].t > 0)
			tmp[nres++] = log(pt[i].t / line);
	}
	double sigma = 0;
	if (nres) {
		double mid = median(tmp, nres);
		for (size_t i = 0; i < nres; i++)
			tmp[i] = fabs(tmp[i] - mid);
		sigma = 1.4826 * median(tmp, nres);
	}
	free(tmp);
	cost->median_ns = (uint64_t)llround(at0);
	cost->growth_ns = (int64_t)llround(slope * 1000.0);
	cost->sigma = sigma > 3 ? 3 : sigma;
}

/* The guests' memory in the job the run ran, from its stored plan. */
static uint32_t job_memory(const char *plan_path, const char *text,
			   const char *job)
{
	struct plan plan;
	struct hd_err ignored;
	uint32_t mib = 0;

	if (plan_parse(plan_path, text, strlen(text), &plan, &ignored))
		return 0;
	for (size_t i = 0; i < plan.njobs; i++)
		if (strcmp(plan.jobs[i].name, job) == 0)
			mib = (uint32_t)plan.jobs[i].memory_mib;
	plan_free(&plan);
	return mib;
}

/* The source line (where the numbers come from, as the run stored it)
 * and the guests' memory. */
static int describe(sqlite3 *db, const char *path, int64_t run_id,
		    struct emu_latency *prof, struct hd_err *err)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT platform, platform_version, host, cpu_model,"
			  " job, guests_planned, started_at, plan_path, plan_text"
			  " FROM runs WHERE id = ?";
	int rc = HD_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return db_fail(db, err, "query runs");
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = hd_fail(err, HD_ENOENT, "%s: no run %lld", path,
			     (long long)run_id);
	} else if (strcmp((const char *)sqlite3_column_text(st, 0), "xen") != 0) {
		rc = hd_fail(err, HD_EINVAL, "%s: run %lld ran on platform %s; "
			     "only a real Xen run through libxcl (platform xen) "
			     "times each hypervisor operation", path,
			     (long long)run_id, sqlite3_column_text(st, 0));
	} else {
		char *src = prof->source;
		snprintf(src, sizeof(prof->source), "%s; host %s (%s); run "
			 "%lld of %s: job %s, %lld guests, started %s UTC",
			 sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
			 sqlite3_column_text(st, 3), (long long)run_id, path,
			 sqlite3_column_text(st, 4),
			 (long long)sqlite3_column_int64(st, 5),
			 sqlite3_column_text(st, 6));
		for (char *c = src; *c; c++) /* one printable line, no comment */
			if (*c < 0x20 || *c > 0x7e || *c == '#')
				*c = '?';
		prof->memory_mib = job_memory(
			(const char *)sqlite3_column_text(st, 7),
			(const char *)sqlite3_column_text(st, 8),
			(const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	return rc;
}

int calibrate_run(sqlite3 *db, const char *path, int64_t run_id,
		  const char *name, struct emu_latency *out,
		  struct calibrate_fit fits[XCL_HV_OP_COUNT],
		  struct hd_err *err)
{
	const char *sql =
		"SELECT h.op, h.dur_ns, h.calls, CASE h.stage WHEN 'create'"
		" THEN g.created_at_ns ELSE g.destroyed_at_ns END,"
		" h.stage = 'destroy'"
		" FROM hv_ops h JOIN guests g ON g.run_id = h.run_id"
		" AND g.seq = h.seq WHERE h.run_id = ? AND h.calls > 0";
	struct population pop;
	struct point *pts[XCL_HV_OP_COUNT] = { 0 };
	size_t n[XCL_HV_OP_COUNT] = { 0 }, cap[XCL_HV_OP_COUNT] = { 0 };
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(fits, 0, sizeof(*fits) * XCL_HV_OP_COUNT);
	if (strlen(name) >= sizeof(out->name))
		return hd_fail(err, HD_EINVAL, "profile name: at most %zu "
			       "characters", sizeof(out->name) - 1);
	hd_strlcpy(out->name, name, sizeof(out->name));
	if ((rc = describe(db, path, run_id, out, err)) ||
	    (rc = load_population(db, run_id, &pop, err)))
		return rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) {
		rc = db_fail(db, err, "query hv_ops (a database from before "
			     "schema 6 has none)");
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *opname = (const char *)sqlite3_column_text(st, 0);
		int op = 0;
		while (op < XCL_HV_OP_COUNT &&
		       strcmp(opname, xcl_hv_op_name((enum xcl_hv_op)op)))
			op++;
		if (op == XCL_HV_OP_COUNT)
			continue; /* an operation this horde does not model */
		if (n[op] == cap[op]) {
			cap[op] = cap[op] ? cap[op] * 2 : 1024;
			struct point *np = realloc(pts[op], cap[op] * sizeof(*np));
			if (!np) {
				rc = hd_fail(err, HD_ESYS, "out of memory");
				goto out;
			}
			pts[op] = np;
		}
		/* A domain being destroyed is there, but not of the others. */
		uint32_t d = domains_at(&pop, sqlite3_column_int64(st, 3)) -
			     (uint32_t)sqlite3_column_int(st, 4);
		pts[op][n[op]++] = (struct point){
			.d = d,
			.t = (double)sqlite3_column_int64(st, 1) /
			     (double)sqlite3_column_int64(st, 2),
		};
		struct calibrate_fit *f = &fits[op];
		if (!f->rows || d < f->min_domains)
			f->min_domains = d;
		if (d > f->max_domains)
			f->max_domains = d;
		f->rows++;
	}
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		if (n[op] < MIN_ROWS) {
			rc = hd_fail(err, HD_EINVAL, "%s: run %lld has %zu timed "
				     "'%s' operations; a fit needs %d", path,
				     (long long)run_id, n[op],
				     xcl_hv_op_name((enum xcl_hv_op)op), MIN_ROWS);
			goto out;
		}
		fit(pts[op], n[op], &out->op[op]);
	}
out:
	sqlite3_finalize(st);
	for (int op = 0; op < XCL_HV_OP_COUNT; op++)
		free(pts[op]);
	free(pop.starts);
	free(pop.ends);
	return rc;
}
