/* plan.c: the plan file parser. A plan is read in three passes: its
 * sources (the file and what it includes) into numbered lines; the lines
 * into sections and their key=value entries, each value checked as it is
 * read so that an error names its line; then each job section into its
 * runs, one per combination of swept values. The keys themselves are
 * declared in tables (plan_job.c, and each platform's). */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/hmap.h"
#include "platform.h"

/* Bounds that keep a plan from taking the machine before anything runs:
 * a file's size, the whole plan's once includes are in place (eight files
 * that each include the next ten times would otherwise make 10^8 lines),
 * and the runs it makes. */
#define INCLUDE_DEPTH_MAX 8
#define INCLUDES_MAX 256      /* files included, all told */
#define PLAN_BYTES_MAX (1u << 20)
#define PLAN_EXPANDED_MAX (8u << 20)
#define SWEEP_VALUES_MAX 1000 /* per key */
#define RUNS_MAX 10000        /* per plan, once swept */

/* ---- sources: a plan file and what it includes, as numbered lines ---- */

struct line {
	const char *file; /* owned by the source */
	int no;
	char *text;       /* owned by the source */
};

struct source {
	struct line *lines;
	size_t n, cap;
	char **owned;     /* file names and line texts */
	size_t nowned, capowned;
	char *expanded;   /* the whole plan, includes in place */
	size_t explen, expcap;
	unsigned nincludes;
};

static char *own(struct source *src, char *p)
{
	if (!p || hd_reserve((void **)&src->owned, &src->capowned,
			     sizeof(*src->owned), src->nowned + 1)) {
		free(p);
		return NULL;
	}
	return src->owned[src->nowned++] = p;
}

static int append_expanded(struct source *src, const char *s, size_t len)
{
	if (src->explen + len + 1 > src->expcap) {
		size_t cap = (src->explen + len + 1) * 2;
		char *e = realloc(src->expanded, cap);
		if (!e)
			return -1;
		src->expanded = e;
		src->expcap = cap;
	}
	memcpy(src->expanded + src->explen, s, len);
	src->explen += len;
	src->expanded[src->explen] = '\0';
	return 0;
}

static void source_free(struct source *src)
{
	for (size_t i = 0; i < src->nowned; i++)
		free(src->owned[i]);
	free(src->owned);
	free(src->lines);
	free(src->expanded);
	memset(src, 0, sizeof(*src));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Reads a plan file: a regular file only, opened without blocking, so
 * that a FIFO or /dev/stdin is refused at once rather than waited on. */
static int read_file(const char *path, char **text, size_t *len,
		     struct hd_err *err)
{
	struct stat st;
	size_t cap = 0;

	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hd_fail_errno(err, HD_ENOENT, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hd_fail(err, HD_EINVAL, "%s: not a regular file", path);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return hd_fail_errno(err, HD_ESYS, "%s", path);
	}
	for (;;) {
		if (*len + 4096 > cap) {
			if (cap >= PLAN_BYTES_MAX) {
				fclose(f);
				free(*text);
				return hd_fail(err, HD_EINVAL,
					       "%s: larger than 1 MiB", path);
			}
			cap = cap ? cap * 2 : 8192;
			char *nt = realloc(*text, cap);
			if (!nt) {
				fclose(f);
				free(*text);
				return hd_fail(err, HD_ESYS, "out of memory");
			}
			*text = nt;
		}
		size_t n = fread(*text + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(*text);
		return hd_fail_errno(err, HD_ESYS, "%s: read", path);
	}
	return HD_OK;
}

static int add_source(struct source *src, const char *name, const char *text,
		      size_t len, int depth, bool read_includes,
		      struct hd_err *err);

/* Line no of file name says include=PATH (s is the trimmed line): the
 * lines of PATH, relative to the including file, go in its place. In the
 * expanded text it becomes a comment followed by the file, so that the
 * stored plan stands alone. */
static int add_include(struct source *src, const char *name, int no,
		       const char *s, int depth, bool read_includes,
		       struct hd_err *err)
{
	char *path = trim(strchr(s, '=') + 1), full[4096], note[4200];
	char *itext;
	size_t ilen;

	if (!read_includes)
		return hd_fail(err, HD_EINVAL, "%s:%d: include= only in a plan "
			       "file", name, no);
	if (depth >= INCLUDE_DEPTH_MAX)
		return hd_fail(err, HD_EINVAL, "%s:%d: includes nest deeper "
			       "than %d", name, no, INCLUDE_DEPTH_MAX);
	if (++src->nincludes > INCLUDES_MAX)
		return hd_fail(err, HD_EINVAL, "%s:%d: more than %d includes "
			       "in one plan", name, no, INCLUDES_MAX);
	const char *slash = strrchr(name, '/');
	if (*path == '/' || !slash)
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - name), name,
			 path);
	if (read_file(full, &itext, &ilen, err))
		return hd_wrap(err, "%s:%d: include", name, no);
	int nn = snprintf(note, sizeof(note), "# %s (included here)\n", s);
	int rc = append_expanded(src, note, (size_t)nn)
			 ? hd_fail(err, HD_ESYS, "out of memory")
			 : add_source(src, full, itext, ilen, depth + 1, true, err);
	free(itext);
	return rc;
}

/* Keeps line no of file (raw, len bytes; s its trimmed copy). */
static int add_line(struct source *src, const char *file, int no,
		    const char *raw, size_t len, char *s, struct hd_err *err)
{
	if (src->explen + len + 1 > PLAN_EXPANDED_MAX)
		return hd_fail(err, HD_EINVAL, "%s:%d: the plan is larger than "
			       "%u MiB with its includes in place", file, no,
			       PLAN_EXPANDED_MAX >> 20);
	if (append_expanded(src, raw, len) || append_expanded(src, "\n", 1) ||
	    hd_reserve((void **)&src->lines, &src->cap, sizeof(*src->lines),
		       src->n + 1))
		return hd_fail(err, HD_ESYS, "out of memory");
	src->lines[src->n++] = (struct line){ file, no, s };
	return HD_OK;
}

/* Adds the lines of text (from file name) to src, includes in place when
 * files may be read. */
static int add_source(struct source *src, const char *name, const char *text,
		      size_t len, int depth, bool read_includes,
		      struct hd_err *err)
{
	if (memchr(text, '\0', len))
		return hd_fail(err, HD_EINVAL, "%s: not a text file (NUL byte)",
			       name);
	const char *file = own(src, strdup(name));
	if (!file)
		return hd_fail(err, HD_ESYS, "out of memory");
	int no = 0, rc = HD_OK;
	for (size_t at = 0; at < len && !rc;) {
		const char *raw = text + at, *nl = memchr(raw, '\n', len - at);
		size_t l = nl ? (size_t)(nl - raw) : len - at;
		char *t = own(src, strndup(raw, l));
		if (!t)
			return hd_fail(err, HD_ESYS, "out of memory");
		at += l + (nl != NULL);
		no++;
		char *s = trim(t);
		if (strncmp(s, "include", 7) == 0 && *trim(s + 7) == '=')
			rc = add_include(src, name, no, s, depth, read_includes,
					 err);
		else
			rc = add_line(src, file, no, raw, l, s, err);
	}
	return rc;
}

/* ---- the keys a plan may name ---- */

#define KEYS_MAX 128
#define PLATFORMS_MAX 16

/* The order in which swept keys vary (the last fastest) and appear in a
 * swept run's name: that of the one table every key was in before each
 * platform had its own. Stored runs are found again by their names, so
 * the order stays; a key not listed comes after these, in its table's
 * order. */
static const char *const sweep_order[] = {
	"description", "platform", "profile", "emu_latency", "kernel",
	"ramdisk", "bridge", "guests", "memory", "host_memory", "boot_delay",
	"boot_delay_dist", "boot_delay_spread", "boot_delay_sigma", "seed",
	"evtchn_abi", "dom0_own_ports", "max_grant_frames",
	"max_maptrack_frames", "bridges", "console", "pty_max",
	"console_fd_limit", "xs_handles", "on_failure", "alive_timeout",
	"probe_interval", "bucket", "probe_rate", "sweep_every",
	"sweep_interval", "sweep_timeout", "pattern", "concurrency", "burst",
	"burst_every", "levels", "hold", "churn_for", "lifetime",
	"lifetime_dist", "sample_interval",
};

/* Every key a plan may name, each once, in sweep order: the shared
 * table's declaration of it and each platform's (NULL where a table has
 * none), and the first of them, by which a value is split and checked
 * as soon as it is read. */
struct key_index {
	size_t n;
	const char *name[KEYS_MAX];
	const struct plan_key *first[KEYS_MAX];
	const struct plan_key *shared[KEYS_MAX];
	size_t nplatforms; /* platform_all's, in its order */
	const struct plan_key *own[PLATFORMS_MAX][KEYS_MAX];
	size_t platform_key; /* the index of platform= */
};

static int index_find(const struct key_index *ix, const char *name)
{
	for (size_t i = 0; i < ix->n; i++)
		if (strcmp(ix->name[i], name) == 0)
			return (int)i;
	return -1;
}

static size_t sweep_rank(const char *name)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(sweep_order); i++)
		if (strcmp(sweep_order[i], name) == 0)
			return i;
	return HD_ARRAY_SIZE(sweep_order);
}

/* Adds t's key names not yet known, in t's order (the table checks
 * itself first: a default its own key refuses is a bug, reported, never
 * ignored). */
static int index_names(struct key_index *ix, const struct plan_keys *t,
		       struct hd_err *err)
{
	int rc = plan_keys_selfcheck(t, err);
	for (size_t i = 0; i < t->n && !rc; i++) {
		if (index_find(ix, t->keys[i].name) >= 0)
			continue;
		if (ix->n == KEYS_MAX)
			return hd_fail(err, HD_EINVAL, "more than %d plan keys",
				       KEYS_MAX);
		ix->name[ix->n] = t->keys[i].name;
		ix->first[ix->n++] = &t->keys[i];
	}
	return rc;
}

/* Puts the names in sweep order; a stable insertion sort, so that keys
 * not in the order keep their tables' order after those that are. */
static void index_sort(struct key_index *ix)
{
	for (size_t i = 1; i < ix->n; i++) {
		const char *name = ix->name[i];
		const struct plan_key *first = ix->first[i];
		size_t r = sweep_rank(name), j = i;
		for (; j > 0 && sweep_rank(ix->name[j - 1]) > r; j--) {
			ix->name[j] = ix->name[j - 1];
			ix->first[j] = ix->first[j - 1];
		}
		ix->name[j] = name;
		ix->first[j] = first;
	}
}

static int index_keys(struct key_index *ix, struct hd_err *err)
{
	const struct platform_ops *const *all = platform_all(&ix->nplatforms);
	int rc = index_names(ix, &plan_shared_keys, err);

	if (ix->nplatforms > PLATFORMS_MAX)
		return hd_fail(err, HD_EINVAL, "more than %d platforms",
			       PLATFORMS_MAX);
	for (size_t p = 0; p < ix->nplatforms && !rc; p++)
		rc = index_names(ix, plan_platform_keys(all[p]), err);
	if (rc)
		return rc;
	index_sort(ix);
	for (size_t k = 0; k < ix->n; k++) {
		ix->shared[k] = plan_keys_find(&plan_shared_keys, ix->name[k]);
		for (size_t p = 0; p < ix->nplatforms; p++)
			ix->own[p][k] = plan_keys_find(plan_platform_keys(all[p]),
						       ix->name[k]);
	}
	ix->platform_key = (size_t)index_find(ix, "platform");
	/* The order names keys that exist: a renamed key is renamed there. */
	for (size_t i = 0; i < HD_ARRAY_SIZE(sweep_order); i++)
		if (index_find(ix, sweep_order[i]) < 0)
			return hd_fail(err, HD_EINVAL, "plan: the sweep order "
				       "names %s, which no table declares",
				       sweep_order[i]);
	return HD_OK;
}

/* The known key closest to a typo, if close enough to suggest. */
static const char *closest_key(const struct key_index *ix, const char *key)
{
	const char *best = NULL;
	unsigned best_d = 3; /* suggest only close typos */

	for (size_t i = 0; i < ix->n; i++) {
		unsigned d = hd_edit_distance(key, ix->name[i]);
		if (d < best_d) {
			best_d = d;
			best = ix->name[i];
		}
	}
	return best;
}

/* ---- sweeps: a key with several values ---- */

/* One key=value line, kept until jobs are built so that [global] can come
 * first and apply to every job. values are the key's alternatives: one,
 * or several for a sweep. */
struct entry {
	const struct line *line;
	size_t key; /* in the key index */
	char **values;
	size_t nvalues;
};

static void entry_free(struct entry *e)
{
	for (size_t i = 0; i < e->nvalues; i++)
		free(e->values[i]);
	free(e->values);
}

/* Adds a value to the key's alternatives; -1 when out of memory, -2 when
 * the key has it already. */
static int push_value(struct entry *e, const char *v, size_t len)
{
	for (size_t i = 0; i < e->nvalues; i++)
		if (strlen(e->values[i]) == len && !memcmp(e->values[i], v, len))
			return -2; /* a value twice: two runs of one name */
	char **n = realloc(e->values, (e->nvalues + 1) * sizeof(*n));
	if (!n)
		return -1;
	e->values = n;
	return (e->values[e->nvalues] = strndup(v, len)) ? (e->nvalues++, 0) : -1;
}

static int add_value(const struct plan_key *k, struct entry *e, const char *v,
		     size_t len, struct hd_err *err)
{
	int r = push_value(e, v, len);
	if (r == -2)
		return hd_fail(err, HD_EINVAL, "%s: '%.*s' is listed twice (two "
			       "runs of one name)", k->name, (int)len, v);
	return r ? hd_fail(err, HD_ESYS, "out of memory") : HD_OK;
}

/* A duration as a plan would say it, in the largest unit that is exact. */
static int fmt_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct { uint64_t ns; const char *unit; } units[] = {
		{ 1000000000ull, "s" }, { 1000000ull, "ms" }, { 1000ull, "us" },
		{ 1ull, "ns" },
	};
	size_t i = 0;
	while (ns && ns % units[i].ns)
		i++;
	return snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns),
			units[i].unit);
}

/* Copies the n-th of value's colon-separated parts into out, or fails
 * when there are not exactly three or the part does not fit: every
 * character of a value is part of it, none dropped. */
static int range_part(const char *value, int n, char *out, size_t len)
{
	const char *p = value;
	for (int i = 0; i < n; i++)
		if (!(p = strchr(p, ':')) || !*++p)
			return -1;
	size_t l = strcspn(p, ":");
	if (l >= len || (n < 2 && !p[l]) || (n == 2 && p[l]))
		return -1;
	memcpy(out, p, l);
	out[l] = '\0';
	return 0;
}

/* "FIRST:LAST:STEP" of a whole number or a duration, one value each. */
static int split_range(const struct plan_key *k, const char *value,
		       struct entry *e, struct hd_err *err)
{
	char a[64], b[64], c[64];
	uint64_t first, last, step;
	int bad;

	if (range_part(value, 0, a, sizeof(a)) ||
	    range_part(value, 1, b, sizeof(b)) ||
	    range_part(value, 2, c, sizeof(c)))
		return hd_fail(err, HD_EINVAL, "%s: a range is FIRST:LAST:STEP",
			       k->name);
	if (k->type == KEY_INT) {
		long long x, y, z;
		bad = hd_parse_int(a, 0, LLONG_MAX, &x) ||
		      hd_parse_int(b, 0, LLONG_MAX, &y) ||
		      hd_parse_int(c, 1, LLONG_MAX, &z);
		first = (uint64_t)x, last = (uint64_t)y, step = (uint64_t)z;
	} else {
		bad = hd_parse_duration(a, &first) || hd_parse_duration(b, &last) ||
		      hd_parse_duration(c, &step) || step == 0;
	}
	if (bad || last < first)
		return hd_fail(err, HD_EINVAL, "%s: range '%s': FIRST:LAST:STEP "
			       "with FIRST <= LAST and STEP above 0", k->name,
			       value);
	if ((last - first) / step >= SWEEP_VALUES_MAX)
		return hd_fail(err, HD_EINVAL, "%s: range '%s' has more than %d "
			       "values", k->name, value, SWEEP_VALUES_MAX);
	for (uint64_t v = first; v <= last; v += step) {
		char buf[32];
		int n = k->type == KEY_INT
				? snprintf(buf, sizeof(buf), "%llu",
					   (unsigned long long)v)
				: fmt_duration(v, buf, sizeof(buf));
		if (add_value(k, e, buf, (size_t)n, err))
			return err->code;
		if (last - v < step)
			break;
	}
	return HD_OK;
}

/* "a,b,c", each alternative trimmed, whole: what is between two commas
 * is one value, however long. */
static int split_list(const struct plan_key *k, const char *value,
		      struct entry *e, struct hd_err *err)
{
	for (const char *p = value;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (p == end && (comma || e->nvalues))
			return hd_fail(err, HD_EINVAL, "%s: an empty value in the "
				       "list '%s'", k->name, value);
		if (add_value(k, e, p, (size_t)(end - p), err))
			return err->code;
		if (e->nvalues > SWEEP_VALUES_MAX)
			return hd_fail(err, HD_EINVAL, "%s: more than %d values",
				       k->name, SWEEP_VALUES_MAX);
		if (!comma)
			return HD_OK;
		p = comma + 1;
	}
}

/* Splits a value into its alternatives: "a,b,c", or for a whole number or
 * a duration "FIRST:LAST:STEP"; text and lists are never split (they may
 * hold commas). Each alternative is checked against the key. */
static int split_values(const struct plan_key *k, const char *value,
			struct entry *e, struct hd_err *err)
{
	int rc;
	if (k->type == KEY_TEXT || k->type == KEY_LIST)
		rc = add_value(k, e, value, strlen(value), err);
	else if (strchr(value, ':') && (k->type == KEY_INT ||
					k->type == KEY_DURATION))
		rc = split_range(k, value, e, err);
	else
		rc = split_list(k, value, e, err);
	for (size_t i = 0; i < e->nvalues && !rc; i++) {
		struct plan_job scratch; /* room for any table's struct */
		rc = plan_key_set(k, &scratch, e->values[i], err);
	}
	return rc;
}

/* ---- sections and their entries ---- */

struct section {
	char name[PLAN_NAME_MAX];
	const char *file; /* the source's; the jobs get the plan's copy */
	int line;
	size_t first_entry, nentries; /* its key=value lines, contiguous */
};

/* What the line pass gathers. */
struct parse {
	const char *name; /* the plan, for messages */
	struct key_index keys;
	struct section *sections; /* [0] is [global] */
	size_t nsections, capsections;
	struct entry *entries;
	size_t nentries, capentries;
	struct hmap names; /* job name -> its header line, to refuse a second */
	int cur;           /* the section being read; -1 before any */
	int set;           /* the [set] section, or -1 */
};

static void parse_dispose(struct parse *ps)
{
	for (size_t e = 0; e < ps->nentries; e++)
		entry_free(&ps->entries[e]);
	free(ps->entries);
	free(ps->sections);
	hmap_dispose(&ps->names);
}

static int valid_job_name(const char *s)
{
	return *s && hd_check_chars("job", s, XCL_NAME_CHARS, NULL) == HD_OK;
}

/* A job's section header: [NAME], or [set] after the jobs. */
static int open_job_section(struct parse *ps, const struct line *ln,
			    const char *sname, struct hd_err *err)
{
	bool is_set = strcmp(sname, "set") == 0;
	if (ps->set >= 0)
		return hd_fail(err, HD_EINVAL, is_set ? "%s:%d: a second [set]"
						      : "%s:%d: [set] must come "
							"after the jobs",
			       ln->file, ln->no);
	if (!valid_job_name(sname) || strlen(sname) >= PLAN_NAME_MAX)
		return hd_fail(err, HD_EINVAL, "%s:%d: job name '%s': use up to "
			       "%d letters, digits, '-', '_', '.'", ln->file,
			       ln->no, sname, PLAN_NAME_MAX - 1);
	const struct line *first = hmap_get(&ps->names, sname);
	if (first)
		return hd_fail(err, HD_EINVAL, "%s:%d: job [%s] already defined "
			       "at %s:%d", ln->file, ln->no, sname, first->file,
			       first->no);
	/* Keyed by the line's own text, which does not move. */
	if (hd_reserve((void **)&ps->sections, &ps->capsections,
		       sizeof(*ps->sections), ps->nsections + 1) ||
	    hmap_put(&ps->names, sname, (void *)ln))
		return hd_fail(err, HD_ESYS, "out of memory");
	struct section *sec = &ps->sections[ps->nsections];
	*sec = (struct section){ .file = ln->file, .line = ln->no,
				 .first_entry = ps->nentries };
	hd_strlcpy(sec->name, sname, PLAN_NAME_MAX);
	ps->cur = (int)ps->nsections++;
	if (is_set)
		ps->set = ps->cur;
	return HD_OK;
}

/* A line that starts with '['. */
static int read_header(struct parse *ps, const struct line *ln,
		       struct hd_err *err)
{
	char *s = ln->text, *close = strchr(s, ']');
	if (!close || *trim(close + 1))
		return hd_fail(err, HD_EINVAL, "%s:%d: malformed section header",
			       ln->file, ln->no);
	*close = '\0';
	char *sname = trim(s + 1);
	if (strcmp(sname, "global") != 0)
		return open_job_section(ps, ln, sname, err);
	if (ps->nsections > 1)
		return hd_fail(err, HD_EINVAL, "%s:%d: [global] must come before "
			       "the jobs", ln->file, ln->no);
	ps->cur = 0;
	ps->sections[0].line = ln->no;
	return HD_OK;
}

/* A key=value line of the current section, its values checked now so
 * that an error names this line. */
static int read_entry(struct parse *ps, const struct line *ln,
		      struct hd_err *err)
{
	char *s = ln->text, *eq = strchr(s, '=');
	if (!eq)
		return hd_fail(err, HD_EINVAL, "%s:%d: expected key=value, got "
			       "'%s'", ln->file, ln->no, s);
	if (ps->cur < 0)
		return hd_fail(err, HD_EINVAL, "%s:%d: key outside any section "
			       "(start with [global] or [job-name])", ln->file,
			       ln->no);
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	int k = index_find(&ps->keys, key);
	if (k < 0) {
		const char *hint = closest_key(&ps->keys, key);
		return hd_fail(err, HD_EINVAL, "%s:%d: unknown key '%s'%s%s%s "
			       "(see 'horde help plan')", ln->file, ln->no, key,
			       hint ? " (did you mean '" : "", hint ? hint : "",
			       hint ? "'?)" : "");
	}
	if (hd_reserve((void **)&ps->entries, &ps->capentries,
		       sizeof(*ps->entries), ps->nentries + 1))
		return hd_fail(err, HD_ESYS, "out of memory");
	struct entry *e = &ps->entries[ps->nentries++];
	*e = (struct entry){ ln, (size_t)k, NULL, 0 };
	ps->sections[ps->cur].nentries++;
	if (split_values(ps->keys.first[k], value, e, err))
		return hd_wrap(err, "%s:%d", ln->file, ln->no);
	return HD_OK;
}

static int read_lines(struct parse *ps, const struct source *src,
		      struct hd_err *err)
{
	int rc = HD_OK;
	for (size_t i = 0; i < src->n && !rc; i++) {
		const struct line *ln = &src->lines[i];
		if (!*ln->text || *ln->text == '#' || *ln->text == ';')
			continue;
		rc = *ln->text == '[' ? read_header(ps, ln, err)
				      : read_entry(ps, ln, err);
	}
	if (!rc && ps->nsections == 1 + (ps->set >= 0))
		rc = hd_fail(err, HD_EINVAL, "%s: no job section (add one like "
			     "[smoke])", ps->name);
	return rc;
}

/* The entries a section sets, by key (each key at most once: a second
 * setting is an error naming both lines). A section's entries are
 * contiguous, so this is one pass over them. */
static int section_keys(const struct parse *ps, const struct section *sec,
			const struct entry **keys, struct hd_err *err)
{
	for (size_t k = 0; k < ps->keys.n; k++)
		keys[k] = NULL;
	for (size_t i = sec->first_entry; i < sec->first_entry + sec->nentries;
	     i++) {
		const struct entry *x = &ps->entries[i];
		if (keys[x->key])
			return hd_fail(err, HD_EINVAL, "%s:%d: %s is set already "
				       "in [%s], at %s:%d", x->line->file,
				       x->line->no, ps->keys.name[x->key],
				       sec->name, keys[x->key]->line->file,
				       keys[x->key]->line->no);
		keys[x->key] = x;
	}
	return HD_OK;
}

/* ---- jobs: a section's runs ---- */

/* A section's keys as its jobs see them: for each key, the entry that
 * sets it ([set]'s, else the section's own, else [global]'s), and the
 * section's own, which must be keys of the job's platform. */
struct section_view {
	const struct section *sec;
	const struct entry *eff[KEYS_MAX];
	const struct entry *own[KEYS_MAX];
};

/* One platform's runs of a section: the platform's place in platform_all,
 * the job every run starts from (its platform set, defaults elsewhere),
 * and which keys apply to it. */
struct platform_runs {
	size_t p;
	struct plan_job base;
	const char *platform; /* as the plan wrote it, for the name */
	const struct plan_key *decl[KEYS_MAX]; /* NULL: not the job's key */
	size_t total; /* runs: the combinations of its swept keys */
};

/* The keys that apply to the platform's jobs, refusing one the section
 * itself sets that the platform does not take ([global]'s and [set]'s
 * apply to the jobs whose platform takes them, and pass the others by),
 * and the number of runs its swept keys make; fails past room runs. */
static int count_runs(const struct parse *ps, const struct section_view *v,
		      struct platform_runs *r, size_t room, struct hd_err *err)
{
	const struct key_index *ix = &ps->keys;

	r->total = 1;
	for (size_t k = 0; k < ix->n; k++) {
		r->decl[k] = ix->shared[k] ? ix->shared[k] : ix->own[r->p][k];
		const struct entry *e = v->own[k];
		if (e && !r->decl[k])
			return hd_fail(err, HD_EINVAL, "%s:%d: %s: job [%s] runs "
				       "on platform %s, which takes no such key",
				       e->line->file, e->line->no, ix->name[k],
				       v->sec->name, r->base.platform->name);
		if (r->decl[k] && v->eff[k] && k != ix->platform_key)
			r->total *= v->eff[k]->nvalues;
		if (r->total > room)
			return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the plan "
				       "makes more than %d runs", ps->name,
				       v->sec->line, v->sec->name, RUNS_MAX);
	}
	return HD_OK;
}

/* The plan's own copy of a file name, for its jobs to point at. */
static int plan_file(struct plan *out, const char *name, const char **copy,
		     struct hd_err *err)
{
	for (size_t i = 0; i < out->nfiles; i++)
		if (strcmp(out->files[i], name) == 0)
			return *copy = out->files[i], HD_OK;
	char **files = realloc(out->files, (out->nfiles + 1) * sizeof(*files));
	if (!files)
		return hd_fail(err, HD_ESYS, "out of memory");
	out->files = files;
	if (!(files[out->nfiles] = strdup(name)))
		return hd_fail(err, HD_ESYS, "out of memory");
	*copy = files[out->nfiles++];
	return HD_OK;
}

/* The job every run of platform value pv starts from. */
static int base_job(const struct parse *ps, const struct section_view *v,
		    const char *pv, struct platform_runs *r, struct plan *out,
		    struct hd_err *err)
{
	const struct plan_key *k = ps->keys.shared[ps->keys.platform_key];
	const struct entry *e = v->eff[ps->keys.platform_key];
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);

	memset(&r->base, 0, sizeof(r->base));
	snprintf(r->base.name, sizeof(r->base.name), "%s", v->sec->name);
	r->base.line = v->sec->line;
	r->platform = pv;
	if (plan_file(out, v->sec->file, &r->base.file, err) ||
	    plan_keys_defaults(&plan_shared_keys, &r->base, err))
		return err->code;
	if (pv && plan_key_set(k, &r->base, pv, err))
		return hd_wrap(err, "%s:%d", e->line->file, e->line->no);
	for (r->p = 0; r->p < n && all[r->p] != r->base.platform; r->p++)
		;
	return plan_job_settings_defaults(&r->base, err);
}

/* Run m of a platform's runs: each key that applies set to its value for
 * combination m (the key last in sweep order varies fastest), the swept
 * ones named as the plan wrote them. */
static int platform_run(const struct parse *ps, const struct section_view *v,
			const struct platform_runs *r, size_t m,
			struct plan_job *job, struct hd_err *err)
{
	const struct key_index *ix = &ps->keys;
	size_t which[KEYS_MAX], used = strlen(r->base.name);

	memcpy(job, &r->base, sizeof(*job));
	for (size_t k = ix->n; k-- > 0;) {
		const struct entry *e = v->eff[k];
		bool swept = e && r->decl[k] && k != ix->platform_key;
		which[k] = swept ? m % e->nvalues : 0;
		m /= swept ? e->nvalues : 1;
	}
	for (size_t k = 0; k < ix->n; k++) {
		const struct entry *e = v->eff[k];
		if (!e || !r->decl[k])
			continue;
		const char *val = k == ix->platform_key ? r->platform
							: e->values[which[k]];
		void *base = ix->shared[k] ? (void *)job : (void *)job->settings;
		if (k != ix->platform_key &&
		    plan_key_set(r->decl[k], base, val, err))
			return hd_wrap(err, "%s:%d", e->line->file, e->line->no);
		if (e->nvalues > 1 && used < sizeof(job->name))
			used += (size_t)snprintf(job->name + used,
						 sizeof(job->name) - used,
						 "/%s=%s", ix->name[k], val);
	}
	if (used >= sizeof(job->name))
		return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the swept run's name "
			       "is longer than %d characters", ps->name,
			       v->sec->line, v->sec->name, PLAN_JOB_NAME_MAX - 1);
	if (plan_job_check(job, err))
		return hd_wrap(err, "%s:%d: [%s]", ps->name, v->sec->line,
			       job->name);
	return HD_OK;
}

/* A section's runs: one, or one per combination of its swept keys'
 * values, named job/key=value/key=value. The platform, first in sweep
 * order among the keys that can be swept, varies slowest: each of its
 * values brings its own keys. */
static int build_section(const struct parse *ps, const struct section_view *v,
			 struct plan *out, size_t *cap, struct hd_err *err)
{
	const struct entry *pe = v->eff[ps->keys.platform_key];
	size_t npv = pe ? pe->nvalues : 1, total = 0;
	struct platform_runs *runs = calloc(npv, sizeof(*runs));
	int rc = runs ? HD_OK : hd_fail(err, HD_ESYS, "out of memory");

	/* Every run counted before any is made. */
	for (size_t i = 0; i < npv && !rc; i++) {
		if (!(rc = base_job(ps, v, pe ? pe->values[i] : NULL,
				    &runs[i], out, err)))
			rc = count_runs(ps, v, &runs[i],
					RUNS_MAX - out->njobs - total, err);
		total += rc ? 0 : runs[i].total;
	}
	if (!rc && hd_reserve((void **)&out->jobs, cap, sizeof(*out->jobs),
			      out->njobs + total))
		rc = hd_fail(err, HD_ESYS, "out of memory");
	for (size_t i = 0; i < npv && !rc; i++)
		for (size_t m = 0; m < runs[i].total && !rc; m++)
			if (!(rc = platform_run(ps, v, &runs[i], m,
						&out->jobs[out->njobs], err)))
				out->njobs++;
	free(runs);
	return rc;
}

static int build_jobs(const struct parse *ps, struct plan *out,
		      struct hd_err *err)
{
	const struct entry *global[KEYS_MAX], *over[KEYS_MAX] = { 0 };
	struct section_view *v = calloc(1, sizeof(*v));
	size_t cap = 0;
	int rc;

	if (!v)
		return hd_fail(err, HD_ESYS, "out of memory");
	rc = section_keys(ps, &ps->sections[0], global, err);
	if (!rc && ps->set >= 0)
		rc = section_keys(ps, &ps->sections[ps->set], over, err);
	for (size_t j = 1; j < ps->nsections && !rc; j++) {
		if ((int)j == ps->set)
			continue;
		v->sec = &ps->sections[j];
		if ((rc = section_keys(ps, v->sec, v->own, err)))
			break;
		for (size_t k = 0; k < ps->keys.n; k++)
			v->eff[k] = over[k] ? over[k] : v->own[k] ? v->own[k]
								  : global[k];
		rc = build_section(ps, v, out, &cap, err);
	}
	free(v);
	return rc;
}

/* ---- a whole plan ---- */

static int parse_source(const char *name, const struct source *src,
			struct plan *out, struct hd_err *err)
{
	struct parse ps = { .name = name, .cur = -1, .set = -1 };
	int rc = HD_OK;

	hmap_init(&ps.names);
	out->path = strdup(name);
	out->text = strdup(src->expanded ? src->expanded : "");
	if (!out->path || !out->text ||
	    hd_reserve((void **)&ps.sections, &ps.capsections,
		       sizeof(*ps.sections), 1))
		rc = hd_fail(err, HD_ESYS, "%s: out of memory", name);
	if (!rc) {
		ps.sections[0] = (struct section){ .name = "global" };
		ps.nsections = 1;
		rc = index_keys(&ps.keys, err);
	}
	if (!rc)
		rc = read_lines(&ps, src, err);
	if (!rc)
		rc = build_jobs(&ps, out, err);
	parse_dispose(&ps);
	if (rc)
		plan_free(out);
	return rc;
}

int plan_parse(const char *name, const char *text, size_t len,
	       struct plan *out, struct hd_err *err)
{
	struct source src = { 0 };

	memset(out, 0, sizeof(*out));
	int rc = add_source(&src, name, text, len, 0, false, err);
	if (!rc)
		rc = parse_source(name, &src, out, err);
	source_free(&src);
	return rc;
}

int plan_load(const char *path, struct plan *out, struct hd_err *err)
{
	return plan_load_set(path, NULL, 0, out, err);
}

int plan_load_set(const char *path, const char *const *sets, size_t nsets,
		  struct plan *out, struct hd_err *err)
{
	struct source src = { 0 };
	char *text;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (read_file(path, &text, &len, err))
		return err->code;
	int rc = add_source(&src, path, text ? text : "", len, 0, true, err);
	free(text);
	/* The command line's keys go in a [set] section of their own, stored
	 * with the plan's text, so that the run says how it was changed and
	 * resumes so; each is a source of its own, named by itself in
	 * errors. */
	static const char header[] = "\n# from the command line (horde run "
				     "--set)\n[set]\n";
	if (!rc && nsets)
		rc = add_source(&src, "--set", header, sizeof(header) - 1, 0,
				false, err);
	for (size_t i = 0; i < nsets && !rc; i++) {
		char name[300];
		snprintf(name, sizeof(name), "--set %s", sets[i]);
		rc = add_source(&src, name, sets[i], strlen(sets[i]), 0, false, err);
	}
	if (!rc)
		rc = parse_source(path, &src, out, err);
	source_free(&src);
	return rc;
}

void plan_free(struct plan *plan)
{
	free(plan->path);
	free(plan->text);
	free(plan->jobs);
	for (size_t i = 0; i < plan->nfiles; i++)
		free(plan->files[i]);
	free(plan->files);
	memset(plan, 0, sizeof(*plan));
}
