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
	for (const char *p = colon ? colon + 1 : NULL; p && *p;) {
		char *end;
		long long id = strtoll(p, &end, 10);
		if (end == p || id < 1 || (*end && *end != ',') ||
		    out->nids == COMPARE_MAX_RUNS)
			return hd_fail(err, HD_EINVAL, "'%s': run ids are whole "
				       "numbers, comma separated, at most %d",
				       s, COMPARE_MAX_RUNS);
		/* A run counted twice would weigh twice in the test. */
		for (size_t i = 0; i < out->nids; i++)
			if (out->ids[i] == id)
				return hd_fail(err, HD_EINVAL, "'%s': run %lld is "
					       "named twice", s, id);
		out->ids[out->nids++] = id;
		p = *end ? end + 1 : end;
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

/* Says which side ran on a busy host (load past its CPUs in most of its
 * runs): its times include other work. JSON: a "warnings" array. */
static void busy_warnings(FILE *out, const struct side *a,
			  const struct side *b, bool json)
{
	int n = 0;
	if (json)
		fprintf(out, "\"warnings\": [");
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
		char msg[200];
		snprintf(msg, sizeof(msg), "the %s ran on a busy host (1-minute "
			 "load %.1f on %d CPUs, median of its runs): its times "
			 "include other work", k ? "candidate" : "base",
			 stats_median(loads, nl), cpus);
		if (json) {
			fputs(n++ ? ", " : "", out);
			hd_json_string(out, msg);
		} else {
			fprintf(out, "warning: %s\n", msg);
		}
	}
	if (json)
		fprintf(out, "], ");
}

enum unit { U_NS, U_COUNT };

/* Tests one metric: values[i] of each side's runs; prints its row and
 * says whether it regressed. */
static bool metric(FILE *out, int *nmetrics, const char *name,
		   const double *a, size_t na, const double *b, size_t nb,
		   enum unit unit, double effect_scale, bool absolute,
		   const struct compare_opts *o)
{
	double av[COMPARE_MAX_RUNS], bv[COMPARE_MAX_RUNS];
	size_t ka = 0, kb = 0;

	for (size_t i = 0; i < na; i++)
		if (!isnan(a[i]))
			av[ka++] = a[i];
	for (size_t i = 0; i < nb; i++)
		if (!isnan(b[i]))
			bv[kb++] = b[i];
	if (!ka || !kb) {
		if (o->json)
			fprintf(out, "%s{\"name\": \"%s\", \"verdict\": \"no data\"}",
				(*nmetrics)++ ? ", " : "", name);
		else
			fprintf(out, "  %-28s %14s %14s %9s %8s  %s\n", name,
				"-", "-", "", "", "no data");
		return false;
	}
	double p_worse = stats_perm_p(av, ka, bv, kb);
	double p_better = stats_perm_p(bv, kb, av, ka);
	double mb = stats_median(av, ka), mc = stats_median(bv, kb);
	double change;
	if (absolute) {
		double sa = 0, sb = 0;
		for (size_t i = 0; i < ka; i++)
			sa += av[i];
		for (size_t i = 0; i < kb; i++)
			sb += bv[i];
		change = (sb / kb - sa / ka) / effect_scale;
	} else {
		change = (mc - mb) / (effect_scale > 0 ? effect_scale : fabs(mb));
	}
	bool worse = p_worse < o->alpha && change >= o->min_effect;
	bool better = p_better < o->alpha && change <= -o->min_effect;
	const char *v = worse ? "REGRESSION" : better ? "better" : "same";
	if (o->json) {
		/* Change: relative (0.05 is 5%), or for an absolute metric
		 * its difference of means. */
		fprintf(out, "%s{\"name\": \"%s\", \"unit\": \"%s\", \"base\": "
			"%.6g, \"candidate\": %.6g, \"change\": %.6g, "
			"\"change_is\": \"%s\", \"p\": %.6g, \"verdict\": \"%s\"}",
			(*nmetrics)++ ? ", " : "", name,
			unit == U_NS ? "ns" : "count", mb, mc,
			absolute ? change * effect_scale : change,
			absolute ? "difference" : "relative",
			better ? p_better : p_worse, worse ? "regression" : v);
		return worse;
	}
	char x[32], y[32], ch[24];
	if (unit == U_NS) {
		hd_fmt_ns((uint64_t)fabs(mb), x, sizeof(x));
		hd_fmt_ns((uint64_t)fabs(mc), y, sizeof(y));
		if (mb < 0)
			memmove(x + 1, x, strlen(x) + 1), x[0] = '-';
		if (mc < 0)
			memmove(y + 1, y, strlen(y) + 1), y[0] = '-';
	} else {
		snprintf(x, sizeof(x), "%.1f", mb);
		snprintf(y, sizeof(y), "%.1f", mc);
	}
	if (absolute)
		snprintf(ch, sizeof(ch), "%+.1f", change * effect_scale);
	else
		snprintf(ch, sizeof(ch), "%+.1f%%", 100.0 * change);
	fprintf(out, "  %-28s %14s %14s %9s %8.4f  %s\n", name, x, y, ch,
		better ? p_better : p_worse, v);
	return worse;
}

int compare_runs(const struct compare_side *base, const struct compare_side *cand,
		 const struct compare_opts *o, FILE *out,
		 enum compare_verdict *verdict, struct hd_err *err)
{
	struct side *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint32_t nb = o->buckets < 1 ? 1 : o->buckets > MAX_BUCKETS ? MAX_BUCKETS
								      : o->buckets;
	int rc;

	*verdict = COMPARE_CANNOT;
	if (!a || !b) {
		free(a);
		free(b);
		return hd_fail(err, HD_ESYS, "out of memory");
	}
	if ((rc = load_side(base, a, nb, err)) || (rc = load_side(cand, b, nb, err)))
		goto out;
	char why[192];
	bool apart = incomparable(a, b, why, sizeof(why));
	char reason[512] = "";
	int nmetrics = 0;
	if (o->json) {
		fprintf(out, "{\"schema_version\": 1, \"command\": \"compare\", "
			"\"alpha\": %g, \"min_effect\": %g, \"base\": {\"db\": ",
			o->alpha, o->min_effect);
		hd_json_string(out, base->db_path);
		fprintf(out, ", \"runs\": %zu}, \"candidate\": {\"db\": ", a->n);
		hd_json_string(out, cand->db_path);
		fprintf(out, ", \"runs\": %zu}, ", b->n);
	} else {
		fprintf(out, "base: %zu run%s of %s; candidate: %zu run%s of %s\n",
			a->n, a->n == 1 ? "" : "s", base->db_path, b->n,
			b->n == 1 ? "" : "s", cand->db_path);
	}
	busy_warnings(out, a, b, o->json);
	if (o->json)
		fprintf(out, "\"metrics\": [");
	if (apart && !o->force) {
		snprintf(reason, sizeof(reason), "%s (--force to compare anyway)",
			 why);
		goto verdict;
	}
	/* With few runs, p cannot fall below alpha whatever the data: such a
	 * comparison could not have found a regression, so it says nothing
	 * (a CI gate that passes it would pass anything). The smallest p of
	 * the one-sided rank test is 1 / C(n + m, m). */
	double smallest = 1.0;
	for (size_t k = 1; k <= b->n; k++)
		smallest *= (double)k / (double)(a->n + k);
	if (smallest >= o->alpha) {
		snprintf(reason, sizeof(reason), "with %zu and %zu runs no p can "
			 "fall below %.3f, so nothing could be flagged at p < "
			 "%g: run more (5 a side reach 0.004)%s", a->n, b->n,
			 smallest, o->alpha,
			 o->force ? "" : " (--force to compare anyway)");
		if (!o->force)
			goto verdict;
		if (!o->json)
			fprintf(out, "note: %s\n", reason);
		reason[0] = '\0';
	}
	if (!o->json)
		fprintf(out, "  %-28s %14s %14s %9s %8s  %s\n",
			"metric (median of runs)", "base", "candidate", "change",
			"p", "verdict");

	double va[COMPARE_MAX_RUNS], vb[COMPARE_MAX_RUNS], base_p50[COMPARE_MAX_RUNS];
	bool regressed = false;
	int64_t planned = a->runs[0].guests_planned;
	double size = ceil((double)planned / nb);
	for (uint32_t k = 0; k < nb; k++) {
		char name[64];
		for (size_t i = 0; i < a->n; i++)
			va[i] = a->runs[i].bucket_p50[k];
		for (size_t i = 0; i < b->n; i++)
			vb[i] = b->runs[i].bucket_p50[k];
		snprintf(name, sizeof(name), "creation, guests %.0f-%.0f",
			 k * size + 1, fmin((k + 1) * size, (double)planned));
		regressed |= metric(out, &nmetrics, name, va, a->n, vb, b->n, U_NS, 0, false, o);
	}
	/* The slope's change over the whole run, against the median
	 * creation time: a steeper rise of 5% of a creation by the last
	 * guest counts as 5%. */
	for (size_t i = 0; i < a->n; i++) {
		va[i] = a->runs[i].slope;
		base_p50[i] = a->runs[i].create_p50;
	}
	for (size_t i = 0; i < b->n; i++)
		vb[i] = b->runs[i].slope;
	double scale = stats_median(base_p50, a->n) / ((double)planned / 1000.0);
	regressed |= metric(out, &nmetrics, "growth per 1,000 guests", va, a->n, vb, b->n,
			    U_NS, scale, false, o);
	for (size_t i = 0; i < a->n; i++)
		va[i] = a->runs[i].total_ns;
	for (size_t i = 0; i < b->n; i++)
		vb[i] = b->runs[i].total_ns;
	regressed |= metric(out, &nmetrics, "time to reach all guests", va, a->n, vb, b->n,
			    U_NS, 0, false, o);
	for (size_t i = 0; i < a->n; i++)
		va[i] = a->runs[i].alive_p50;
	for (size_t i = 0; i < b->n; i++)
		vb[i] = b->runs[i].alive_p50;
	regressed |= metric(out, &nmetrics, "time to alive", va, a->n, vb, b->n, U_NS, 0,
			    false, o);
	for (size_t i = 0; i < a->n; i++)
		va[i] = a->runs[i].failures;
	for (size_t i = 0; i < b->n; i++)
		vb[i] = b->runs[i].failures;
	/* Failures: one more guest a run on average is the least effect. */
	regressed |= metric(out, &nmetrics, "failed guests a run", va, a->n, vb, b->n,
			    U_COUNT, 1.0 / o->min_effect, true, o);
	*verdict = regressed ? COMPARE_REGRESSION : COMPARE_SAME;
verdict:
	if (o->json) {
		static const char *const names[] = { "same", "regression",
						     "cannot compare" };
		fprintf(out, "], \"verdict\": \"%s\", \"exit_status\": %d, "
			"\"reason\": ", names[*verdict], (int)*verdict);
		hd_json_string(out, reason);
		fprintf(out, "}\n");
	} else if (*verdict == COMPARE_CANNOT) {
		fprintf(out, "cannot compare: %s\n", reason);
	} else {
		fprintf(out, "%s (p < %g and a change of at least %g%%)\n",
			*verdict == COMPARE_REGRESSION ? "REGRESSION"
						      : "no regression",
			o->alpha, 100.0 * o->min_effect);
	}
out:
	free_side(a);
	free_side(b);
	free(a);
	free(b);
	return rc;
}
