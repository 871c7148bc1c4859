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

/* Every key: the shared ones first, in their table's order, then each
 * platform's, each name once, with the first table that declares it, by
 * which a value is split and checked as soon as it is read. A platform's
 * own declaration sets it in a job of that platform. */
struct key_index {
	size_t n;
	const char *name[KEYS_MAX];
	const struct plan_key *first[KEYS_MAX];
};

static int index_find(const struct key_index *ix, const char *name)
{
	for (size_t i = 0; i < ix->n; i++)
		if (strcmp(ix->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* Adds t's keys (the table checks itself first: a default its own key
 * refuses is a bug, reported, never ignored). */
static int index_table(struct key_index *ix, const struct plan_keys *t,
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

static int index_keys(struct key_index *ix, struct hd_err *err)
{
	size_t n;
	const struct platform_ops *const *all = platform_all(&n);
	int rc = index_table(ix, &plan_shared_keys, err);
	for (size_t i = 0; i < n && !rc; i++)
		rc = index_table(ix, plan_platform_keys(all[i]), err);
	return rc;
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

/* "FIRST:LAST:STEP" of a whole number or a duration, one value each. */
static int split_range(const struct plan_key *k, const char *value,
		       struct entry *e, struct hd_err *err)
{
	char a[64], b[64], c[64];
	uint64_t first, last, step;
	int bad;

	if (sscanf(value, "%63[^:]:%63[^:]:%63s", a, b, c) != 3)
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

/* "a,b,c", each alternative trimmed. */
static int split_list(const struct plan_key *k, const char *value,
		      struct entry *e, struct hd_err *err)
{
	for (const char *p = value;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		char *t = trim(one);
		if (!*t && (comma || e->nvalues))
			return hd_fail(err, HD_EINVAL, "%s: an empty value in the "
				       "list '%s'", k->name, value);
		if (add_value(k, e, t, strlen(t), err))
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
	*sec = (struct section){ .line = ln->no, .first_entry = ps->nentries };
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

/* The entry that sets key k of table t in view, or NULL. */
static const struct entry *entry_of(const struct parse *ps,
				    const struct section_view *v,
				    const struct plan_key *k)
{
	return v->eff[index_find(&ps->keys, k->name)];
}

/* One table's keys that view sets, applied to the struct at base for
 * combination pick (the key last in the table varies fastest), the swept
 * ones added to the job's name as the plan wrote them. */
static int apply_keys(const struct parse *ps, const struct section_view *v,
		      const struct plan_keys *t, size_t pick, void *base,
		      char *name, size_t *used, struct hd_err *err)
{
	size_t which[KEYS_MAX];

	for (size_t i = t->n; i-- > 0;) {
		const struct entry *e = entry_of(ps, v, &t->keys[i]);
		which[i] = e ? pick % e->nvalues : 0;
		pick /= e ? e->nvalues : 1;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = entry_of(ps, v, &t->keys[i]);
		if (!e)
			continue;
		const char *val = e->values[which[i]];
		if (plan_key_set(&t->keys[i], base, val, err))
			return hd_wrap(err, "%s:%d", e->line->file, e->line->no);
		if (e->nvalues > 1 && *used < PLAN_JOB_NAME_MAX)
			*used += (size_t)snprintf(name + *used,
						  PLAN_JOB_NAME_MAX - *used,
						  "/%s=%s", t->keys[i].name, val);
	}
	return HD_OK;
}

/* How many combinations t's swept keys make in view; fails past
 * room runs. */
static int combinations(const struct parse *ps, const struct section_view *v,
			const struct plan_keys *t, size_t room, size_t *out,
			struct hd_err *err)
{
	*out = 1;
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = entry_of(ps, v, &t->keys[i]);
		if (e)
			*out *= e->nvalues;
		if (*out > room)
			return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the plan "
				       "makes more than %d runs", ps->name,
				       v->sec->line, v->sec->name, RUNS_MAX);
	}
	return HD_OK;
}

/* A key the section itself sets must be one the job's platform takes;
 * [global]'s and [set]'s apply to the jobs whose platform takes them. */
static int check_own_keys(const struct parse *ps, const struct section_view *v,
			  const struct plan_job *job, struct hd_err *err)
{
	const struct plan_keys *t = plan_platform_keys(job->platform);
	for (size_t k = 0; k < ps->keys.n; k++) {
		const struct entry *e = v->own[k];
		if (e && !plan_keys_find(&plan_shared_keys, ps->keys.name[k]) &&
		    !plan_keys_find(t, ps->keys.name[k]))
			return hd_fail(err, HD_EINVAL, "%s:%d: %s: job [%s] runs "
				       "on platform %s, which takes no such key",
				       e->line->file, e->line->no,
				       ps->keys.name[k], v->sec->name,
				       job->platform->name);
	}
	return HD_OK;
}

/* Adds job to the plan, once its platform's keys and rules hold. */
static int add_job(struct plan *out, size_t *cap, const struct section *sec,
		   const char *plan_name, struct plan_job *job,
		   struct hd_err *err)
{
	if (plan_job_check(job, err))
		return hd_wrap(err, "%s:%d: [%s]", plan_name, sec->line, job->name);
	if (hd_reserve((void **)&out->jobs, cap, sizeof(*out->jobs),
		       out->njobs + 1))
		return hd_fail(err, HD_ESYS, "out of memory");
	memcpy(&out->jobs[out->njobs++], job, sizeof(*job));
	return HD_OK;
}

/* The runs of one combination of the shared keys' values: its platform
 * known, one per combination of that platform's swept keys. */
static int build_platform_runs(const struct parse *ps,
			       const struct section_view *v,
			       const struct plan_job *shared, size_t used,
			       struct plan *out, size_t *cap,
			       struct hd_err *err)
{
	const struct plan_keys *t = plan_platform_keys(shared->platform);
	size_t total;
	int rc = check_own_keys(ps, v, shared, err);
	if (!rc)
		rc = combinations(ps, v, t, RUNS_MAX - out->njobs, &total, err);
	for (size_t m = 0; m < total && !rc; m++) {
		struct plan_job job;
		size_t n = used;
		memcpy(&job, shared, sizeof(job));
		if ((rc = plan_job_settings_defaults(&job, err)) ||
		    (rc = apply_keys(ps, v, t, m, job.settings, job.name, &n, err)))
			break;
		if (n >= PLAN_JOB_NAME_MAX)
			return hd_fail(err, HD_EINVAL, "%s:%d: [%s]: the swept "
				       "run's name is longer than %d characters",
				       ps->name, v->sec->line, v->sec->name,
				       PLAN_JOB_NAME_MAX - 1);
		rc = add_job(out, cap, v->sec, ps->name, &job, err);
	}
	return rc;
}

/* A section's runs: one, or one per combination of its swept keys'
 * values, named job/key=value/key=value. The shared keys combine first:
 * they choose the platform, whose own keys then combine. */
static int build_section(const struct parse *ps, const struct section_view *v,
			 struct plan *out, size_t *cap, struct hd_err *err)
{
	size_t total;
	int rc = combinations(ps, v, &plan_shared_keys, RUNS_MAX - out->njobs,
			      &total, err);
	for (size_t k = 0; k < total && !rc; k++) {
		struct plan_job job;
		size_t used;
		memset(&job, 0, sizeof(job));
		used = (size_t)snprintf(job.name, sizeof(job.name), "%s",
					v->sec->name);
		job.line = v->sec->line;
		if ((rc = plan_keys_defaults(&plan_shared_keys, &job, err)) ||
		    (rc = apply_keys(ps, v, &plan_shared_keys, k, &job, job.name,
				     &used, err)))
			break;
		rc = build_platform_runs(ps, v, &job, used, out, cap, err);
	}
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
	memset(plan, 0, sizeof(*plan));
}
