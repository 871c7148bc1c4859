/* util.h: the few helpers every part of horde shares: errors carried as
 * data, monotonic time, and small string functions. */
#ifndef HORDE_UTIL_H
#define HORDE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Error codes shared by the harness, emu and probes. Functions return one
 * of these (0 on success) and, where the caller passed a struct hd_err, fill
 * it with a message that names what failed. Only the CLI prints it. */
enum hd_code {
	HD_OK = 0,
	HD_EINVAL,   /* bad input: plan value, argument, message */
	HD_ESYS,     /* a system call failed; errno is in the message */
	HD_ELIMIT,   /* a resource limit of the (emulated) host was hit */
	HD_ETIMEOUT, /* something did not happen in time */
	HD_EXS,      /* a XenStore operation failed */
	HD_ENOENT,   /* a named thing does not exist */
	HD_EINTR,    /* interrupted by the user */
	HD_ECODE_COUNT
};

const char *hd_code_name(int code);

struct hd_err {
	int code;
	int errnum; /* the errno behind it (hd_fail_errno), else 0 */
	char msg[512];
};

/* Sets err (if not NULL) and returns code, so that callers can write
 * `return hd_fail(err, HD_EINVAL, "guests: %d is below 1", n);`. */
int hd_fail(struct hd_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like hd_fail, with ": strerror(errno)" appended. */
int hd_fail_errno(struct hd_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes an error already set with more context ("creating guest 7: "). */
int hd_wrap(struct hd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Makes room for need items of size bytes in *items (capacity *cap),
 * doubling; returns 0, or -1 when out of memory (nothing changed). Queues
 * reserve room when work is handed out, so that handing a result back can
 * never fail and lose it. */
int hd_reserve(void **items, size_t *cap, size_t size, size_t need);

/* Moves up to max items of size bytes from the front of the array items
 * (holding *count) into out, shifting the rest forward; returns how many.
 * For the queues a thread fills and the runner drains, under their lock. */
size_t hd_take_front(void *items, size_t *count, size_t size, void *out,
		     size_t max);

/* A process as horde records it, to tell crashed runs and leftovers from
 * those of a horde still going: its pid, its start time (clock ticks after
 * boot, field 22 of /proc/PID/stat) and the boot it ran in, so that a pid
 * reused later, or in another boot, is never taken for it; never its name
 * (a second build may be called horde.orig). */
struct hd_proc {
	long long pid;
	unsigned long long start;
	char boot[40];
};

/* Calls fn for each running process whose name (/proc/PID/comm) is one
 * of names (n of them), with its pid and name. */
void hd_each_process_named(const char *const *names, size_t n,
			   void (*fn)(void *arg, long long pid, const char *name),
			   void *arg);

/* This boot's id (/proc/sys/kernel/random/boot_id), "" when unknown. */
void hd_boot_id(char *buf, size_t len);
/* The running process pid as a record; -1 when there is none. */
int hd_proc_of(long long pid, struct hd_proc *out);
/* Whether the process p records is still running. */
bool hd_proc_alive(const struct hd_proc *p);

/* Where horde makes its temporary folders: $TMPDIR when it is an absolute
 * path, else /tmp (so that a test, or a user, keeps them apart). */
const char *hd_tmpdir(void);
/* Makes a new folder hd_tmpdir()/<stem>XXXXXX into buf (size len). */
int hd_mkdtemp(char *buf, size_t len, const char *stem, struct hd_err *err);

/* CLOCK_MONOTONIC in nanoseconds: every duration horde measures uses it. */
uint64_t hd_now_ns(void);
/* A CLOCK_REALTIME time (ns), such as a capture timestamp, on the
 * CLOCK_MONOTONIC scale, by the offset between the two clocks now. */
uint64_t hd_mono_from_real_ns(uint64_t real_ns);
/* ns as a struct timespec (an absolute deadline or a wait). */
struct timespec hd_timespec(uint64_t ns);
/* Sleeps until the monotonic clock reaches t_ns (no drift over a loop). */
void hd_sleep_until_ns(uint64_t t_ns);

/* Parses "250ms", "2s", "1.5s", "300us", "10m", "1h": decimal digits and
 * a unit, which only 0 may go without. Returns HD_OK and sets *ns. */
int hd_parse_duration(const char *s, uint64_t *ns);
/* Formats ns as "1.23 ms" style into buf; returns buf. */
char *hd_fmt_ns(uint64_t ns, char *buf, size_t len);

/* strtoll with full-string and range checks. */
int hd_parse_int(const char *s, long long min, long long max, long long *out);

/* Copies src into dst (size len) always terminated; returns 0 if it fit. */
int hd_strlcpy(char *dst, const char *src, size_t len);

/* Checks that s holds only ASCII letters, digits and the characters in
 * extra, and does not start with '-' (it may become a command's argument);
 * else fails naming what ("kernel") and the first bad character. */
int hd_check_chars(const char *what, const char *s, const char *extra,
		   struct hd_err *err);

/* Levenshtein distance, for "did you mean" hints. */
unsigned hd_edit_distance(const char *a, const char *b);

/* Compare function for qsort over uint64_t, and the q-quantile (0..1) of a
 * sorted array by nearest rank. */
int hd_cmp_u64(const void *a, const void *b);
uint64_t hd_quantile_sorted(const uint64_t *v, size_t n, double q);

/* A small seeded generator (splitmix64) for the models' draws: the same
 * seed gives the same sequence. unit is uniform in (0, 1), never 0;
 * normal is N(0, 1) (Box-Muller). */
uint64_t hd_rand_u64(uint64_t *state);
double hd_rand_unit(uint64_t *state);
double hd_rand_normal(uint64_t *state);

/* Writes s to f as a JSON string, quoted and escaped. */
void hd_json_string(FILE *f, const char *s);
/* Writes s as roff text: backslashes and leading dots escaped. */
void hd_roff_text(FILE *f, const char *s);

#define HD_NS_PER_S 1000000000ll

#define HD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
