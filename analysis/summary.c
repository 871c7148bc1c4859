/* summary.c: see summary.h. */
#define _GNU_SOURCE
#include "summary.h"

#include "reader.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static int db_fail(sqlite3 *db, struct hd_err *err, const char *what)
{
	return hd_fail(err, HD_ESYS, "%s: %s", what, sqlite3_errmsg(db));
}

int summary_load_guests(sqlite3 *db, int64_t run_id, struct guest_fig **out,
			size_t *n, struct hd_err *err)
{
	const char *sql =
		"SELECT g.seq, g.domid IS NOT NULL,"
		" g.create_ns, coalesce(g.alive_ns, -1),"
		" sum(CASE p.phase WHEN 'toolstack' THEN p.dur_ns END),"
		" sum(CASE p.phase WHEN 'xenstore' THEN p.dur_ns END),"
		" sum(CASE p.phase WHEN 'hypervisor' THEN p.dur_ns END),"
		" sum(CASE p.phase WHEN 'dom0' THEN p.dur_ns END)"
		" FROM guests g LEFT JOIN phases p"
		"  ON p.run_id = g.run_id AND p.seq = g.seq"
		" WHERE g.run_id = ? GROUP BY g.seq ORDER BY g.seq";
	sqlite3_stmt *st;
	struct guest_fig *v = NULL;
	size_t cap = 0, len = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return db_fail(db, err, "query guests");
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 1024;
			struct guest_fig *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				sqlite3_finalize(st);
				return hd_fail(err, HD_ESYS, "out of memory");
			}
			v = nv;
		}
		struct guest_fig *g = &v[len++];
		g->seq = (uint32_t)sqlite3_column_int64(st, 0);
		g->ok = sqlite3_column_int(st, 1);
		g->create_ns = (uint64_t)sqlite3_column_int64(st, 2);
		g->alive_ns = sqlite3_column_int64(st, 3);
		for (int p = 0; p < XCL_PHASE_COUNT; p++)
			g->phase_ns[p] = (uint64_t)sqlite3_column_int64(st, 4 + p);
	}
	sqlite3_finalize(st);
	*out = v;
	*n = len;
	return HD_OK;
}

/* The median of scratch[0..n), which it sorts. */
static uint64_t median_of(uint64_t *scratch, size_t n)
{
	qsort(scratch, n, sizeof(*scratch), hd_cmp_u64);
	return hd_quantile_sorted(scratch, n, 0.5);
}

void summary_bucket(const struct guest_fig *v, size_t from, size_t to,
		    uint64_t *scratch, struct bucket_stats *b)
{
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	b->first = v[from].seq;
	b->last = v[to - 1].seq;
	for (int p = 0; p < XCL_PHASE_COUNT; p++) {
		n = 0;
		for (size_t i = from; i < to; i++)
			if (v[i].ok)
				scratch[n++] = v[i].phase_ns[p];
		if (n)
			b->phase_p50[p] = median_of(scratch, n);
	}
	n = 0;
	for (size_t i = from; i < to; i++)
		if (v[i].ok)
			scratch[n++] = v[i].create_ns;
	b->created = (uint32_t)n;
	if (n) {
		b->create_p50 = median_of(scratch, n);
		b->create_p99 = hd_quantile_sorted(scratch, n, 0.99);
	}
	n = 0;
	for (size_t i = from; i < to; i++)
		if (v[i].ok && v[i].alive_ns >= 0)
			scratch[n++] = (uint64_t)v[i].alive_ns;
	b->alive = (uint32_t)n;
	if (n) {
		b->alive_p50 = median_of(scratch, n);
		b->alive_p99 = hd_quantile_sorted(scratch, n, 0.99);
	}
}

/* A failure's kind: its text with every number replaced by N, so that
 * "domain 1024: ... horde1024.0: Exchange full" and the same for 1025
 * count as one. The summary shows the first guest's own text. */
static void cause_of(const char *text, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 2 < len; p++) {
		if (*p >= '0' && *p <= '9') {
			if (o == 0 || out[o - 1] != 'N')
				out[o++] = 'N';
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

static int load_failures(sqlite3 *db, struct run_summary *s,
			 struct hd_err *err)
{
	sqlite3_stmt *st;
	char kinds[SUMMARY_MAX_KINDS][256];

	if (sqlite3_prepare_v2(db,
			       "SELECT seq, failure FROM guests WHERE run_id = ?"
			       " AND failure IS NOT NULL ORDER BY seq",
			       -1, &st, NULL))
		return db_fail(db, err, "query failures");
	sqlite3_bind_int64(st, 1, s->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char kind[256];
		size_t i;
		const char *text = (const char *)sqlite3_column_text(st, 1);
		cause_of(text, kind, sizeof(kind));
		for (i = 0; i < s->nkinds; i++)
			if (strcmp(kinds[i], kind) == 0)
				break;
		if (i == s->nkinds) {
			if (s->nkinds == SUMMARY_MAX_KINDS) {
				s->other_failures++;
				continue;
			}
			hd_strlcpy(kinds[i], kind, sizeof(kinds[i]));
			hd_strlcpy(s->kinds[i].text, text, sizeof(s->kinds[i].text));
			s->kinds[i].first = (uint32_t)sqlite3_column_int64(st, 0);
			s->nkinds++;
		}
		s->kinds[i].count++;
	}
	sqlite3_finalize(st);
	/* Most frequent first; the sort is stable enough for equal counts
	 * to keep their order of appearance. */
	for (size_t i = 1; i < s->nkinds; i++)
		for (size_t j = i; j > 0 && s->kinds[j].count > s->kinds[j - 1].count; j--) {
			struct failure_kind t = s->kinds[j];
			s->kinds[j] = s->kinds[j - 1];
			s->kinds[j - 1] = t;
		}
	return HD_OK;
}

/* Slope of y against x over the buckets with guests, per 1,000 guests. */
static double growth(const struct run_summary *s, int phase)
{
	double n = 0, mx = 0, my = 0, sxx = 0, sxy = 0;
	for (size_t i = 0; i < s->nbuckets; i++) {
		const struct bucket_stats *b = &s->buckets[i];
		if (!b->created)
			continue;
		n++;
		mx += (b->first + b->last) / 2.0;
		my += phase < XCL_PHASE_COUNT ? (double)b->phase_p50[phase]
					      : (double)b->create_p50;
	}
	if (n < 2)
		return 0;
	mx /= n;
	my /= n;
	for (size_t i = 0; i < s->nbuckets; i++) {
		const struct bucket_stats *b = &s->buckets[i];
		if (!b->created)
			continue;
		double x = (b->first + b->last) / 2.0 - mx;
		double y = (phase < XCL_PHASE_COUNT ? (double)b->phase_p50[phase]
						    : (double)b->create_p50) - my;
		sxx += x * x;
		sxy += x * y;
	}
	return sxx > 0 ? sxy / sxx * 1000.0 : 0;
}

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	hd_strlcpy(out, v ? v : "", len);
}

int summary_load(sqlite3 *db, int64_t run_id, long long bucket,
		 struct run_summary *s, struct hd_err *err)
{
	struct guest_fig *v = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	s->id = run_id;
	s->bucket = bucket > 0 ? bucket : 1000;
	/* A database from before schema 8 has no cause, and from before 7
	 * no overhead columns. */
	static const char *const queries[] = {
		"SELECT job, platform, status, harness_ns, platform_ns, (SELECT"
		" count(*) FROM guests WHERE run_id = ?1 AND domid IS NOT NULL),"
		" cause FROM runs WHERE id = ?1",
		"SELECT job, platform, status, harness_ns, platform_ns, (SELECT"
		" count(*) FROM guests WHERE run_id = ?1 AND domid IS NOT NULL),"
		" NULL FROM runs WHERE id = ?1",
		"SELECT job, platform, status, NULL, NULL, 0, NULL FROM runs"
		" WHERE id = ?1",
	};
	size_t q = 0;
	while (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL))
		if (++q == HD_ARRAY_SIZE(queries))
			return db_fail(db, err, "query runs");
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_text(st, 0, s->job, sizeof(s->job));
		copy_text(st, 1, s->platform, sizeof(s->platform));
		copy_text(st, 2, s->status, sizeof(s->status));
		copy_text(st, 6, s->cause, sizeof(s->cause));
		double harness = sqlite3_column_double(st, 3);
		double platform = sqlite3_column_double(st, 4);
		double created = sqlite3_column_double(st, 5);
		s->has_overhead = sqlite3_column_type(st, 4) != SQLITE_NULL &&
				  platform > 0;
		if (s->has_overhead) {
			s->overhead_pct = 100.0 * harness / platform;
			s->overhead_ns_per_guest = created ? harness / created : 0;
		}
	}
	sqlite3_finalize(st);
	if ((rc = summary_load_guests(db, run_id, &v, &n, err)))
		return rc;
	uint64_t *scratch = malloc((n ? n : 1) * sizeof(*scratch));
	s->buckets = calloc(n / (size_t)s->bucket + 1, sizeof(*s->buckets));
	if (!scratch || !s->buckets) {
		free(scratch);
		free(v);
		summary_free(s);
		return hd_fail(err, HD_ESYS, "out of memory");
	}
	s->attempted = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		s->created += v[i].ok != 0;
		s->alive += v[i].ok && v[i].alive_ns >= 0;
	}
	for (size_t from = 0; from < n; from += (size_t)s->bucket) {
		size_t to = from + (size_t)s->bucket < n ? from + (size_t)s->bucket : n;
		summary_bucket(v, from, to, scratch, &s->buckets[s->nbuckets++]);
	}
	free(scratch);
	free(v);
	size_t with_guests = 0;
	for (size_t i = 0; i < s->nbuckets; i++)
		with_guests += s->buckets[i].created > 0;
	s->has_growth = with_guests >= 2;
	for (int p = 0; p <= XCL_PHASE_COUNT; p++)
		s->growth_ns[p] = growth(s, p);
	s->has_load = reader_host_load(db, run_id, &s->load1, &s->cpus);
	s->busy = s->has_load && s->cpus > 0 && s->load1 > s->cpus;
	if ((rc = load_failures(db, s, err)))
		summary_free(s);
	return rc;
}

void summary_free(struct run_summary *s)
{
	free(s->buckets);
	s->buckets = NULL;
	s->nbuckets = 0;
}

/* "+1.25 ms" for a growth in ns. */
static const char *signed_ms(double ns, char *buf, size_t len)
{
	snprintf(buf, len, "%+.2f ms", ns / 1e6);
	return buf;
}

void summary_print_text(const struct run_summary *s, FILE *f)
{
	char a[32], b[32], c[32], d[32];

	fprintf(f, "run %lld: %u guests attempted, %u created, %u answered ARP\n",
		(long long)s->id, s->attempted, s->created, s->alive);
	/* A run that did not end on its own says so before its figures. */
	if (strcmp(s->status, "crashed") == 0)
		fprintf(f, "  CRASHED: its horde died; the figures stop at its "
			"last commit\n");
	else if (strcmp(s->status, "running") == 0)
		fprintf(f, "  still running: the figures so far\n");
	if (*s->cause)
		fprintf(f, "  %s: %s\n", strcmp(s->status, "failed") == 0
						  ? "FAILED" : s->status,
			s->cause);
	if (s->busy)
		fprintf(f, "  BUSY HOST: 1-minute load %.1f on %d CPUs (median "
			"during the run): other work competed with horde, so "
			"these times are not a quiet host's\n", s->load1, s->cpus);
	if (s->attempted) {
		fprintf(f, "  %-13s %8s %11s %11s %11s %11s   median of each "
			"phase:\n", "guests", "created", "create p50",
			"create p99", "alive p50", "alive p99");
		fprintf(f, "  %-13s %8s %11s %11s %11s %11s   %9s %9s %10s "
			"%9s\n", "", "", "", "", "", "", "toolstack",
			"xenstore", "hypervisor", "dom0");
	}
	for (size_t i = 0; i < s->nbuckets; i++) {
		const struct bucket_stats *k = &s->buckets[i];
		char range[32], ph[XCL_PHASE_COUNT][32];
		snprintf(range, sizeof(range), "%u-%u", k->first, k->last);
		for (int p = 0; p < XCL_PHASE_COUNT; p++)
			hd_fmt_ns(k->phase_p50[p], ph[p], sizeof(ph[p]));
		fprintf(f, "  %-13s %8u %11s %11s %11s %11s   %9s %9s %10s %9s\n",
			range, k->created,
			k->created ? hd_fmt_ns(k->create_p50, a, sizeof(a)) : "-",
			k->created ? hd_fmt_ns(k->create_p99, b, sizeof(b)) : "-",
			k->alive ? hd_fmt_ns(k->alive_p50, c, sizeof(c)) : "-",
			k->alive ? hd_fmt_ns(k->alive_p99, d, sizeof(d)) : "-",
			k->created ? ph[0] : "-", k->created ? ph[1] : "-",
			k->created ? ph[2] : "-", k->created ? ph[3] : "-");
	}
	if (s->has_growth) {
		fprintf(f, "  growth per 1,000 guests (median): creation %s",
			signed_ms(s->growth_ns[XCL_PHASE_COUNT], a, sizeof(a)));
		for (int p = 0; p < XCL_PHASE_COUNT; p++)
			fprintf(f, "%s%s %s", p ? ", " : " (",
				xcl_phase_name((enum xcl_phase)p),
				signed_ms(s->growth_ns[p], a, sizeof(a)));
		fprintf(f, ")\n");
	}
	if (s->has_load && !s->busy)
		fprintf(f, "  host: 1-minute load %.1f on %d CPUs (median during "
			"the run)\n", s->load1, s->cpus);
	if (s->has_overhead)
		fprintf(f, "  harness overhead: %.2f%% of creation time (%.1f us "
			"a guest outside platform calls)\n", s->overhead_pct,
			s->overhead_ns_per_guest / 1e3);
	if (!s->nkinds) {
		fprintf(f, "  no failures\n");
		return;
	}
	fprintf(f, "  failures by kind (guests, first guest, its cause):\n");
	for (size_t i = 0; i < s->nkinds; i++)
		fprintf(f, "    %6u  #%-6u %s\n", s->kinds[i].count,
			s->kinds[i].first, s->kinds[i].text);
	if (s->other_failures)
		fprintf(f, "    %6u  of other kinds\n", s->other_failures);
}

void summary_print_json(const struct run_summary *s, FILE *f)
{
	fprintf(f, "{\"id\": %lld, \"job\": ", (long long)s->id);
	hd_json_string(f, s->job);
	fprintf(f, ", \"platform\": ");
	hd_json_string(f, s->platform);
	fprintf(f, ", \"status\": ");
	hd_json_string(f, s->status);
	fprintf(f, ", \"cause\": ");
	if (*s->cause)
		hd_json_string(f, s->cause);
	else
		fputs("null", f);
	fprintf(f, ", \"attempted\": %u, \"created\": %u, \"alive\": %u, "
		"\"bucket\": %lld, \"buckets\": [", s->attempted, s->created,
		s->alive, s->bucket);
	for (size_t i = 0; i < s->nbuckets; i++) {
		const struct bucket_stats *k = &s->buckets[i];
		fprintf(f, "%s{\"first\": %u, \"last\": %u, \"created\": %u, "
			"\"alive\": %u", i ? ", " : "", k->first, k->last,
			k->created, k->alive);
		if (k->created) {
			fprintf(f, ", \"create_p50_ns\": %llu, \"create_p99_ns\": "
				"%llu, \"phase_p50_ns\": {",
				(unsigned long long)k->create_p50,
				(unsigned long long)k->create_p99);
			for (int p = 0; p < XCL_PHASE_COUNT; p++)
				fprintf(f, "%s\"%s\": %llu", p ? ", " : "",
					xcl_phase_name((enum xcl_phase)p),
					(unsigned long long)k->phase_p50[p]);
			fputc('}', f);
		}
		if (k->alive)
			fprintf(f, ", \"alive_p50_ns\": %llu, \"alive_p99_ns\": %llu",
				(unsigned long long)k->alive_p50,
				(unsigned long long)k->alive_p99);
		fputc('}', f);
	}
	fprintf(f, "], \"growth_ns_per_1000\": ");
	if (s->has_growth) {
		fprintf(f, "{\"creation\": %.0f", s->growth_ns[XCL_PHASE_COUNT]);
		for (int p = 0; p < XCL_PHASE_COUNT; p++)
			fprintf(f, ", \"%s\": %.0f", xcl_phase_name((enum xcl_phase)p),
				s->growth_ns[p]);
		fputc('}', f);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ", \"failures\": [");
	for (size_t i = 0; i < s->nkinds; i++) {
		fprintf(f, "%s{\"count\": %u, \"first_seq\": %u, \"cause\": ",
			i ? ", " : "", s->kinds[i].count, s->kinds[i].first);
		hd_json_string(f, s->kinds[i].text);
		fputc('}', f);
	}
	fprintf(f, "], \"other_failures\": %u", s->other_failures);
	if (s->has_load)
		fprintf(f, ", \"host_load\": {\"load1_median\": %.2f, \"cpus\": "
			"%d, \"busy\": %s}", s->load1, s->cpus,
			s->busy ? "true" : "false");
	if (s->has_overhead)
		fprintf(f, ", \"harness_overhead\": {\"percent_of_creation\": "
			"%.3f, \"ns_per_guest\": %.0f}", s->overhead_pct,
			s->overhead_ns_per_guest);
	fputc('}', f);
}
