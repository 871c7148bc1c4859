/* compare.c: see compare.h. */
#define _GNU_SOURCE
#include "compare.h"

#include "reader.h"


#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAX_BUCKETS 20

/* One run, reduced to the numbers compared. */
struct run_figures {
	int64_t id;
	char *plan_text, *platform, *host, *job;
	int64_t guests_planned;
	double bucket_p50[MAX_BUCKETS]; /* NAN: no guest created there */
	double slope;     /* ns of creation time per 1,000 guests */
	double total_ns;  /* to the end of the last creation */
	double alive_p50; /* NAN: none answered */
	double failures;
	double create_p50;
	double load1;     /* NAN: no samples */
	int cpus;
};

struct side {
	struct run_figures runs[COMPARE_MAX_RUNS];
	size_t n;
};

int compare_parse_side(const char *s, struct compare_side *out,
		       struct hd_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *colon = strrchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	if (len == 0 || len >= sizeof(out->db_path))
		return hd_fail(err, HD_EINVAL, "'%s': want DB or DB:ID,ID,...", s);
	memcpy(out->db_path, s, len);
	if (!colon)
		return HD_OK; /* every run of DB */
	/* After the colon, each id a whole number between commas: "DB:"
	 * and "DB:1," name no run, and must not mean every run. */
	for (const char *p = colon + 1;; p++) {
		char id_s[24];
		long long id;
		size_t n = strcspn(p, ",");
		if (n >= sizeof(id_s) || out->nids == COMPARE_MAX_RUNS)
			n = 0;
		memcpy(id_s, p, n);
		id_s[n] = '\0';
		if (hd_parse_int(id_s, 1, INT64_MAX, &id))
			return hd_fail(err, HD_EINVAL, "'%s': run ids are whole "
				       "numbers, comma separated, at most %d",
				       s, COMPARE_MAX_RUNS);
		/* A run counted twice would weigh twice in the test. */
		for (size_t i = 0; i < out->nids; i++)
			if (out->ids[i] == id)
				return hd_fail(err, HD_EINVAL, "'%s': run %lld is "
					       "named twice", s, id);
		out->ids[out->nids++] = id;
		p += n;
		if (!*p)
			break;
	}
	return HD_OK;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return strdup(t ? (const char *)t : "");
}

static void free_side(struct side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->runs[i].plan_text);
		free(s->runs[i].platform);
		free(s->runs[i].host);
		free(s->runs[i].job);
	}
	s->n = 0;
}

/* Reduces run r (its row already read) to its figures. */
static int figures_of(sqlite3 *db, struct run_figures *r, uint32_t nbuckets,
		      struct hd_err *err)
{
	sqlite3_stmt *st;
	size_t cap = 1024, n = 0;
	double *seq = malloc(cap * sizeof(*seq)), *ns = malloc(cap * sizeof(*ns));
	double *alive = malloc(cap * sizeof(*alive));
	size_t nalive = 0;
	double end = 0;
	int rc = HD_OK;

	r->failures = 0;
	if (!seq || !ns || !alive) {
		rc = hd_fail(err, HD_ESYS, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT seq, domid IS NOT NULL, create_ns,"
			       " created_at_ns, alive_ns, failure IS NOT NULL"
			       " FROM guests WHERE run_id = ? ORDER BY seq",
			       -1, &st, NULL)) {
		rc = hd_fail(err, HD_ESYS, "read guests: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, r->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r->failures += sqlite3_column_int(st, 5);
		if (!sqlite3_column_int(st, 1))
			continue;
		if (n == cap) {
			cap *= 2;
			double *a = realloc(seq, cap * sizeof(*a));
			double *b = a ? realloc(ns, cap * sizeof(*b)) : NULL;
			double *c = b ? realloc(alive, cap * sizeof(*c)) : NULL;
			seq = a ? a : seq;
			ns = b ? b : ns;
			alive = c ? c : alive;
			if (!c) {
				sqlite3_finalize(st);
				rc = hd_fail(err, HD_ESYS, "out of memory");
				goto out;
			}
		}
		seq[n] = (double)sqlite3_column_int64(st, 0);
		ns[n] = (double)sqlite3_column_int64(st, 2);
		double e = (double)sqlite3_column_int64(st, 3) + ns[n];
		if (e > end)
			end = e;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			alive[nalive++] = (double)sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0) {
		rc = hd_fail(err, HD_ENOENT, "run %lld created no guest",
			     (long long)r->id);
		goto out;
	}
	r->slope = stats_slope(seq, ns, n) * 1000.0;
	r->total_ns = end;
	r->alive_p50 = nalive ? stats_median(alive, nalive) : NAN;
	/* Buckets of the planned count, so that runs line up. */
	double size = ceil((double)r->guests_planned / nbuckets);
	for (uint32_t b = 0; b < nbuckets; b++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (seq[i] > b * size && seq[i] <= (b + 1) * size)
				alive[k++] = ns[i]; /* alive[] is free now */
		r->bucket_p50[b] = k ? stats_median(alive, k) : NAN;
	}
	r->create_p50 = stats_median(ns, n); /* reorders ns: last */
out:
	free(seq);
	free(ns);
	free(alive);
	return rc;
}

static int load_side(const struct compare_side *cs, struct side *s,
		     uint32_t nbuckets, struct hd_err *err)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = HD_OK;

	s->n = 0;
	if ((rc = reader_open(cs->db_path, &db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT id, plan_text, platform, host, job,"
			       " guests_planned, status FROM runs ORDER BY id",
			       -1, &st, NULL)) {
		rc = hd_fail(err, HD_EINVAL, "%s: %s", cs->db_path,
			     sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	while (sqlite3_step(st) == SQLITE_ROW && s->n < COMPARE_MAX_RUNS) {
		int64_t id = sqlite3_column_int64(st, 0);
		bool wanted = cs->nids == 0 &&
			      strcmp((const char *)sqlite3_column_text(st, 6),
				     "done") == 0;
		for (size_t i = 0; i < cs->nids; i++)
			wanted |= cs->ids[i] == id;
		if (!wanted)
			continue;
		struct run_figures *r = &s->runs[s->n++];
		memset(r, 0, sizeof(*r));
		r->id = id;
		r->plan_text = dup_col(st, 1);
		r->platform = dup_col(st, 2);
		r->host = dup_col(st, 3);
		r->job = dup_col(st, 4);
		r->guests_planned = sqlite3_column_int64(st, 5);
		if (!r->plan_text || !r->platform || !r->host || !r->job)
			rc = hd_fail(err, HD_ESYS, "out of memory");
		else
			rc = figures_of(db, r, nbuckets, err);
		if (!reader_host_load(db, r->id, &r->load1, &r->cpus))
			r->load1 = NAN;
		if (rc) {
			hd_wrap(err, "%s", cs->db_path);
			break;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	for (size_t i = 0; !rc && i < cs->nids; i++) {
		bool found = false;
		for (size_t k = 0; k < s->n; k++)
			found |= s->runs[k].id == cs->ids[i];
		if (!found)
			rc = hd_fail(err, HD_ENOENT, "%s: no run %lld",
				     cs->db_path, (long long)cs->ids[i]);
	}
	if (!rc && s->n == 0)
		rc = hd_fail(err, HD_ENOENT, "%s: no finished run", cs->db_path);
	return rc;
}

/* Whether the two sides cannot be compared; if so, why, into why. */
static bool incomparable(const struct side *a, const struct side *b,
			 char *why, size_t len)
{
	const struct run_figures *r0 = &a->runs[0];
	for (int side = 0; side < 2; side++) {
		const struct side *s = side ? b : a;
		for (size_t i = 0; i < s->n; i++) {
			const struct run_figures *r = &s->runs[i];
			const char *differ = NULL;
			if (strcmp(r->plan_text, r0->plan_text) != 0 ||
			    strcmp(r->job, r0->job) != 0)
				differ = "come from different plans or jobs";
			else if (strcmp(r->platform, r0->platform) != 0)
				differ = "ran on different platforms";
			else if (strcmp(r->host, r0->host) != 0)
				differ = "ran on different hosts";
			if (differ)
				return snprintf(why, len, "the runs %s", differ) > 0;
		}
	}
	/* A busier host is slower whatever the code: the sides' median
	 * loads must be alike. */
	double la[COMPARE_MAX_RUNS], lb[COMPARE_MAX_RUNS];
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!isnan(a->runs[i].load1))
			la[na++] = a->runs[i].load1;
	for (size_t i = 0; i < b->n; i++)
		if (!isnan(b->runs[i].load1))
			lb[nb++] = b->runs[i].load1;
	if (na && nb) {
		double x = stats_median(la, na), y = stats_median(lb, nb);
		if (reader_loads_differ(x, y))
			return snprintf(why, len, "the hosts' load differed: "
					"1-minute load %.1f on the base's side, "
					"%.1f on the candidate's (more than %gx, 1 "
					"added to each)", x, y,
					READER_LOAD_FACTOR) > 0;
	}
	return false;
}

enum unit { U_NS, U_COUNT };

/* "no data": a side has no value for the metric. */
enum row_verdict { R_NO_DATA, R_SAME, R_BETTER, R_REGRESSION };

/* One metric's row of the table, worked out before either format
 * prints it. */
struct row {
	char name[64];
	enum unit unit;
	bool absolute;     /* change is a difference of means, not relative */
	double base, cand; /* the sides' medians of runs */
	double change;     /* relative (0.05 is 5%), or the difference */
	double p;          /* of the direction the verdict took */
	enum row_verdict verdict;
};

/* A bucket's creation time each, then slope, total, alive, failures. */
#define MAX_ROWS (MAX_BUCKETS + 4)
#define REASON_LEN 512

/* The whole comparison, computed first, then printed as text or JSON. */
struct table {
	const char *base_db, *cand_db;
	size_t nbase, ncand;
	char warnings[2][200]; /* a busy host, base's then candidate's */
	size_t nwarnings;
	char note[REASON_LEN];   /* text only: compared though few runs */
	char reason[REASON_LEN]; /* why not compared; "" when compared */
	struct row rows[MAX_ROWS];
	size_t nrows;
	enum compare_verdict verdict;
};

/* Which side ran on a busy host (load past its CPUs in most of its
 * runs): its times include other work. */
static void busy_warnings(const struct side *a, const struct side *b,
			  struct table *t)
{
	for (int k = 0; k < 2; k++) {
		const struct side *s = k ? b : a;
		double loads[COMPARE_MAX_RUNS];
		size_t busy = 0, nl = 0;
		int cpus = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct run_figures *r = &s->runs[i];
			if (isnan(r->load1))
				continue;
			loads[nl++] = r->load1;
			cpus = r->cpus;
			busy += r->cpus > 0 && r->load1 > r->cpus;
		}
		if (!nl || busy * 2 <= nl)
			continue;
		snprintf(t->warnings[t->nwarnings++], sizeof(t->warnings[0]),
			 "the %s ran on a busy host (1-minute load %.1f on %d "
			 "CPUs, median of its runs): its times include other "
			 "work", k ? "candidate" : "base",
			 stats_median(loads, nl), cpus);
	}
}

/* Whether the sides are compared; if not, why into t->reason. A forced
 * comparison of too few runs keeps its caveat in t->note, which only the
 * text prints. */
static bool can_compare(const struct side *a, const struct side *b,
			const struct compare_opts *o, struct table *t)
{
	char why[192];
	if (incomparable(a, b, why, sizeof(why)) && !o->force) {
		snprintf(t->reason, sizeof(t->reason),
			 "%s (--force to compare anyway)", why);
		return false;
	}
	/* With few runs, p cannot fall below alpha whatever the data: such a
	 * comparison could not have found a regression, so it says nothing
	 * (a CI gate that passes it would pass anything). The smallest p of
	 * the one-sided rank test is 1 / C(n + m, m). */
	double smallest = 1.0;
	for (size_t k = 1; k <= b->n; k++)
		smallest *= (double)k / (double)(a->n + k);
	if (smallest < o->alpha)
		return true;
	char *to = o->force ? t->note : t->reason;
	snprintf(to, REASON_LEN, "with %zu and %zu runs no p can fall below "
		 "%.3f, so nothing could be flagged at p < %g: run more (5 a "
		 "side reach 0.004)%s", a->n, b->n, smallest, o->alpha,
		 o->force ? "" : " (--force to compare anyway)");
	return o->force;
}

/* What a metric reads of each run and how its change is measured. */
struct metric_def {
	const char *name;
	size_t figure;       /* offset of its double in struct run_figures */
	enum unit unit;
	double effect_scale; /* change = difference / this; 0: base's median */
	bool absolute;       /* the difference of means, not of medians */
};

#define FIGURE(f) offsetof(struct run_figures, f)

/* The runs' figure at offset off into v, but for those without one
 * (NAN); returns how many. */
static size_t present(const struct side *s, size_t off, double *v)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *run = (const char *)&s->runs[i];
		double x = *(const double *)(run + off);
		if (!isnan(x))
			v[k++] = x;
	}
	return k;
}

static double mean(const double *v, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

/* Tests one metric into row; says whether it regressed. */
static bool metric(struct row *row, const struct metric_def *m,
		   const struct side *a, const struct side *b,
		   const struct compare_opts *o)
{
	double av[COMPARE_MAX_RUNS], bv[COMPARE_MAX_RUNS];
	size_t ka = present(a, m->figure, av), kb = present(b, m->figure, bv);

	snprintf(row->name, sizeof(row->name), "%s", m->name);
	row->unit = m->unit;
	row->absolute = m->absolute;
	row->verdict = R_NO_DATA;
	if (!ka || !kb)
		return false;
	double p_worse = stats_perm_p(av, ka, bv, kb);
	double p_better = stats_perm_p(bv, kb, av, ka);
	/* The medians reorder av and bv: the means come after. */
	double mb = stats_median(av, ka), mc = stats_median(bv, kb);
	double change;
	if (m->absolute)
		change = (mean(bv, kb) - mean(av, ka)) / m->effect_scale;
	else
		change = (mc - mb) / (m->effect_scale > 0 ? m->effect_scale
							  : fabs(mb));
	bool worse = p_worse < o->alpha && change >= o->min_effect;
	bool better = p_better < o->alpha && change <= -o->min_effect;
	row->base = mb;
	row->cand = mc;
	/* Shown: an absolute metric's difference itself, not its share of
	 * the least effect. */
	row->change = m->absolute ? change * m->effect_scale : change;
	row->p = better ? p_better : p_worse;
	row->verdict = worse ? R_REGRESSION : better ? R_BETTER : R_SAME;
	return worse;
}

/* Tests every metric into t->rows, in the table's order; says whether
 * any regressed. */
static bool test_metrics(const struct side *a, const struct side *b,
			 uint32_t nb, const struct compare_opts *o,
			 struct table *t)
{
	int64_t planned = a->runs[0].guests_planned;
	double size = ceil((double)planned / nb);
	bool regressed = false;
	char name[64];

	for (uint32_t k = 0; k < nb; k++) {
		snprintf(name, sizeof(name), "creation, guests %.0f-%.0f",
			 k * size + 1, fmin((k + 1) * size, (double)planned));
		struct metric_def m = { name, FIGURE(bucket_p50) +
					k * sizeof(double), U_NS, 0, false };
		regressed |= metric(&t->rows[t->nrows++], &m, a, b, o);
	}
	/* The slope's change over the whole run, against the median
	 * creation time: a steeper rise of 5% of a creation by the last
	 * guest counts as 5%. */
	double base_p50[COMPARE_MAX_RUNS];
	for (size_t i = 0; i < a->n; i++)
		base_p50[i] = a->runs[i].create_p50;
	double scale = stats_median(base_p50, a->n) / ((double)planned / 1000.0);
	/* Failures: one more guest a run on average is the least effect. */
	const struct metric_def rest[] = {
		{ "growth per 1,000 guests", FIGURE(slope), U_NS, scale, false },
		{ "time to reach all guests", FIGURE(total_ns), U_NS, 0, false },
		{ "time to alive", FIGURE(alive_p50), U_NS, 0, false },
		{ "failed guests a run", FIGURE(failures), U_COUNT,
		  1.0 / o->min_effect, true },
	};
	for (size_t i = 0; i < HD_ARRAY_SIZE(rest); i++)
		regressed |= metric(&t->rows[t->nrows++], &rest[i], a, b, o);
	return regressed;
}

/* A median as the table shows it: a duration, signed (a slope can fall),
 * or a count. */
static void fmt_value(double v, enum unit unit, char *buf, size_t len)
{
	if (unit == U_COUNT) {
		snprintf(buf, len, "%.1f", v);
		return;
	}
	hd_fmt_ns((uint64_t)fabs(v), buf, len);
	if (v < 0)
		memmove(buf + 1, buf, strlen(buf) + 1), buf[0] = '-';
}

static void text_row(FILE *out, const struct row *r)
{
	static const char *const verdicts[] = { "no data", "same", "better",
						"REGRESSION" };
	char x[32], y[32], ch[24];

	if (r->verdict == R_NO_DATA) {
		fprintf(out, "  %-28s %14s %14s %9s %8s  %s\n", r->name,
			"-", "-", "", "", verdicts[r->verdict]);
		return;
	}
	fmt_value(r->base, r->unit, x, sizeof(x));
	fmt_value(r->cand, r->unit, y, sizeof(y));
	if (r->absolute)
		snprintf(ch, sizeof(ch), "%+.1f", r->change);
	else
		snprintf(ch, sizeof(ch), "%+.1f%%", 100.0 * r->change);
	fprintf(out, "  %-28s %14s %14s %9s %8.4f  %s\n", r->name, x, y, ch,
		r->p, verdicts[r->verdict]);
}

static void print_text(FILE *out, const struct table *t,
		       const struct compare_opts *o)
{
	fprintf(out, "base: %zu run%s of %s; candidate: %zu run%s of %s\n",
		t->nbase, t->nbase == 1 ? "" : "s", t->base_db, t->ncand,
		t->ncand == 1 ? "" : "s", t->cand_db);
	for (size_t i = 0; i < t->nwarnings; i++)
		fprintf(out, "warning: %s\n", t->warnings[i]);
	if (t->verdict == COMPARE_CANNOT) {
		fprintf(out, "cannot compare: %s\n", t->reason);
		return;
	}
	if (t->note[0])
		fprintf(out, "note: %s\n", t->note);
	fprintf(out, "  %-28s %14s %14s %9s %8s  %s\n",
		"metric (median of runs)", "base", "candidate", "change",
		"p", "verdict");
	for (size_t i = 0; i < t->nrows; i++)
		text_row(out, &t->rows[i]);
	fprintf(out, "%s (p < %g and a change of at least %g%%)\n",
		t->verdict == COMPARE_REGRESSION ? "REGRESSION"
						 : "no regression",
		o->alpha, 100.0 * o->min_effect);
}

/* Change: relative (0.05 is 5%), or for an absolute metric its
 * difference of means. */
static void json_row(FILE *out, const struct row *r, const char *sep)
{
	static const char *const verdicts[] = { "no data", "same", "better",
						"regression" };

	if (r->verdict == R_NO_DATA) {
		fprintf(out, "%s{\"name\": \"%s\", \"verdict\": \"%s\"}", sep,
			r->name, verdicts[r->verdict]);
		return;
	}
	fprintf(out, "%s{\"name\": \"%s\", \"unit\": \"%s\", \"base\": %.6g, "
		"\"candidate\": %.6g, \"change\": %.6g, \"change_is\": \"%s\", "
		"\"p\": %.6g, \"verdict\": \"%s\"}", sep, r->name,
		r->unit == U_NS ? "ns" : "count", r->base, r->cand, r->change,
		r->absolute ? "difference" : "relative", r->p,
		verdicts[r->verdict]);
}

static void print_json(FILE *out, const struct table *t,
		       const struct compare_opts *o)
{
	static const char *const names[] = { "same", "regression",
					     "cannot compare" };

	fprintf(out, "{\"schema_version\": 1, \"command\": \"compare\", "
		"\"alpha\": %g, \"min_effect\": %g, \"base\": {\"db\": ",
		o->alpha, o->min_effect);
	hd_json_string(out, t->base_db);
	fprintf(out, ", \"runs\": %zu}, \"candidate\": {\"db\": ", t->nbase);
	hd_json_string(out, t->cand_db);
	fprintf(out, ", \"runs\": %zu}, \"warnings\": [", t->ncand);
	for (size_t i = 0; i < t->nwarnings; i++) {
		fputs(i ? ", " : "", out);
		hd_json_string(out, t->warnings[i]);
	}
	fprintf(out, "], \"metrics\": [");
	for (size_t i = 0; i < t->nrows; i++)
		json_row(out, &t->rows[i], i ? ", " : "");
	fprintf(out, "], \"verdict\": \"%s\", \"exit_status\": %d, "
		"\"reason\": ", names[t->verdict], (int)t->verdict);
	hd_json_string(out, t->reason);
	fprintf(out, "}\n");
}

int compare_runs(const struct compare_side *base, const struct compare_side *cand,
		 const struct compare_opts *o, FILE *out,
		 enum compare_verdict *verdict, struct hd_err *err)
{
	struct side *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint32_t nb = o->buckets < 1 ? 1 : o->buckets > MAX_BUCKETS ? MAX_BUCKETS
								      : o->buckets;
	struct table t = { .base_db = base->db_path, .cand_db = cand->db_path,
			   .verdict = COMPARE_CANNOT };
	int rc;

	*verdict = COMPARE_CANNOT;
	if (!a || !b) {
		free(a);
		free(b);
		return hd_fail(err, HD_ESYS, "out of memory");
	}
	if ((rc = load_side(base, a, nb, err)) || (rc = load_side(cand, b, nb, err)))
		goto out;
	t.nbase = a->n;
	t.ncand = b->n;
	busy_warnings(a, b, &t);
	if (can_compare(a, b, o, &t))
		t.verdict = test_metrics(a, b, nb, o, &t) ? COMPARE_REGRESSION
							  : COMPARE_SAME;
	if (o->json)
		print_json(out, &t, o);
	else
		print_text(out, &t, o);
	*verdict = t.verdict;
out:
	free_side(a);
	free_side(b);
	free(a);
	free(b);
	return rc;
}
