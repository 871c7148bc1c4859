/* util.c: see util.h. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const code_names[HD_ECODE_COUNT] = {
	[HD_OK] = "ok",
	[HD_EINVAL] = "invalid",
	[HD_ESYS] = "system",
	[HD_ELIMIT] = "limit",
	[HD_ETIMEOUT] = "timeout",
	[HD_EXS] = "xenstore",
	[HD_ENOENT] = "not found",
	[HD_EINTR] = "interrupted",
};

const char *hd_code_name(int code)
{
	if (code < 0 || code >= HD_ECODE_COUNT)
		return "unknown";
	return code_names[code];
}

static int vfail(struct hd_err *err, int code, int with_errno, const char *fmt,
		 va_list ap)
{
	int saved = errno;

	if (!err)
		return code;
	err->code = code;
	err->errnum = with_errno ? saved : 0;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(saved));
	errno = saved;
	return code;
}

int hd_fail(struct hd_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int hd_fail_errno(struct hd_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, code, 1, fmt, ap);
	va_end(ap);
	return code;
}

int hd_wrap(struct hd_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return HD_EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation keeps the start of both parts, which is what matters. */
	size_t n = strlen(prefix);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	hd_strlcpy(err->msg + n + 2, old, sizeof(err->msg) - n - 2);
	return err->code;
}

uint64_t hd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct timespec hd_timespec(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

uint64_t hd_mono_from_real_ns(uint64_t real_ns)
{
	struct timespec r;
	uint64_t mono = hd_now_ns();
	clock_gettime(CLOCK_REALTIME, &r);
	uint64_t real = (uint64_t)r.tv_sec * 1000000000ull + (uint64_t)r.tv_nsec;
	return mono - (real - real_ns);
}

const char *hd_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && t[0] == '/' ? t : "/tmp";
}

int hd_mkdtemp(char *buf, size_t len, const char *stem, struct hd_err *err)
{
	if ((size_t)snprintf(buf, len, "%s/%sXXXXXX", hd_tmpdir(), stem) >= len) {
		buf[0] = '\0';
		return hd_fail(err, HD_EINVAL, "TMPDIR %s: path too long",
			       hd_tmpdir());
	}
	if (!mkdtemp(buf)) {
		int rc = hd_fail_errno(err, HD_ESYS, "make a folder in %s",
				       hd_tmpdir());
		buf[0] = '\0';
		return rc;
	}
	return HD_OK;
}

void hd_sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts = hd_timespec(t_ns);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int hd_parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "h", 3600e9 },
	};
	char num[32], *end;
	size_t n = 0;

	/* Decimal digits and an optional fraction, nothing strtod would
	 * also take (hex, exponents, "inf"), then a unit: only 0 may go
	 * without one, since a bare 100 could mean seconds or ms. */
	while ((s[n] >= '0' && s[n] <= '9') || (s[n] == '.' && n > 0))
		n++;
	if (n == 0 || n >= sizeof(num) || s[n - 1] == '.' ||
	    memchr(s, '.', n) != memrchr(s, '.', n))
		return HD_EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	errno = 0;
	double v = strtod(num, &end);
	if (*end || errno || !isfinite(v))
		return HD_EINVAL;
	if (s[n] == '\0' && v == 0) {
		*ns = 0;
		return HD_OK;
	}
	end = (char *)s + n;
	for (size_t i = 0; i < HD_ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double t = v * units[i].scale;
			if (t > 1e18)
				return HD_EINVAL;
			*ns = (uint64_t)llround(t);
			return HD_OK;
		}
	}
	return HD_EINVAL;
}

char *hd_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	/* Four significant digits in the largest unit below the value. */
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.4g us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.4g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.4g s", ns / 1e9);
	return buf;
}

int hd_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno)
		return HD_EINVAL;
	if (v < min || v > max)
		return HD_ELIMIT;
	*out = v;
	return HD_OK;
}

int hd_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len == 0)
		return -1;
	if (n >= len) {
		memcpy(dst, src, len - 1);
		dst[len - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

unsigned hd_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (lb >= HD_ARRAY_SIZE(row))
		return (unsigned)(la > lb ? la : lb);
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int hd_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t hd_quantile_sorted(const uint64_t *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	size_t rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

int hd_check_chars(const char *what, const char *s, const char *extra,
		   struct hd_err *err)
{
	if (s[0] == '-')
		return hd_fail(err, HD_EINVAL, "%s '%s' must not start with '-'",
			       what, s);
	for (const char *c = s; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || strchr(extra, *c);
		if (!ok) {
			unsigned char u = (unsigned char)*c;
			if (u < 0x20 || u >= 0x7f)
				return hd_fail(err, HD_EINVAL, "%s: byte 0x%02x "
					       "is not allowed; use letters, "
					       "digits and %s", what, u, extra);
			return hd_fail(err, HD_EINVAL, "%s '%s': '%c' is not "
				       "allowed; use letters, digits and %s",
				       what, s, *c, extra);
		}
	}
	return HD_OK;
}

int hd_reserve(void **items, size_t *cap, size_t size, size_t need)
{
	size_t n = *cap ? *cap : 64;
	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	void *grown = realloc(*items, n * size);
	if (!grown)
		return -1;
	*items = grown;
	*cap = n;
	return 0;
}

size_t hd_take_front(void *items, size_t *count, size_t size, void *out,
		     size_t max)
{
	size_t n = *count < max ? *count : max;
	if (n) { /* items may be NULL while empty */
		memcpy(out, items, n * size);
		memmove(items, (char *)items + n * size, (*count - n) * size);
		*count -= n;
	}
	return n;
}

void hd_each_process_named(const char *const *names, size_t n,
			   void (*fn)(void *arg, long long pid, const char *name),
			   void *arg)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], comm[32] = "";
		long long pid = atoll(e->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%lld/comm", pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (strcmp(comm, names[i]) == 0)
				fn(arg, pid, comm);
	}
	closedir(d);
}

void hd_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

int hd_proc_of(long long pid, struct hd_proc *out)
{
	char path[64], stat[1024];

	if (pid <= 0 || pid > INT32_MAX)
		return -1;
	snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* The name may hold spaces and parentheses: count from the last
	 * ')'; the start time is field 22, the 20th after it. */
	char *p = strrchr(stat, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &out->start) != 1)
		return -1;
	out->pid = pid;
	hd_boot_id(out->boot, sizeof(out->boot));
	return 0;
}

bool hd_proc_alive(const struct hd_proc *p)
{
	struct hd_proc now;
	return hd_proc_of(p->pid, &now) == 0 && now.start == p->start &&
	       strcmp(now.boot, p->boot) == 0;
}

uint64_t hd_rand_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double hd_rand_unit(uint64_t *state)
{
	return ((double)(hd_rand_u64(state) >> 11) + 0.5) / 9007199254740992.0;
}

double hd_rand_normal(uint64_t *state)
{
	/* Box-Muller; one of the pair is enough here. */
	double u1 = hd_rand_unit(state), u2 = hd_rand_unit(state);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void hd_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void hd_roff_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}
