/* sampler.c: see sampler.h. */
#define _GNU_SOURCE
#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sampler {
	struct sampler_config cfg;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct sample *samples;
	size_t n, cap;
	size_t lost; /* samples that found no memory */
	/* Of the sample being taken (thread only). */
	uint64_t now_ns;
	uint32_t guests;
};

static void add(void *ctx, const char *source, const char *metric,
		double value)
{
	struct sampler *s = ctx;

	pthread_mutex_lock(&s->lock);
	if (hd_reserve((void **)&s->samples, &s->cap, sizeof(*s->samples),
		       s->n + 1)) {
		s->lost++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	struct sample *x = &s->samples[s->n++];
	x->at_ns = s->now_ns;
	x->guests = s->guests;
	hd_strlcpy(x->source, source, sizeof(x->source));
	hd_strlcpy(x->metric, metric, sizeof(x->metric));
	x->value = value;
	pthread_mutex_unlock(&s->lock);
}

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

int sampler_read_proc(pid_t pid, struct proc_usage *out)
{
	char path[64], buf[1024];
	static long ticks, page_kib;

	if (!ticks) {
		ticks = sysconf(_SC_CLK_TCK);
		page_kib = sysconf(_SC_PAGESIZE) / 1024;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	/* The command name may hold spaces and parentheses: fields count
	 * from the last ')'. utime and stime are fields 14 and 15, threads
	 * 20, rss 24 (pages). */
	char *p = strrchr(buf, ')');
	unsigned long long utime, stime, rss;
	long threads;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu %*d %*d %*d %*d %ld %*d %*u %*u %llu",
			 &utime, &stime, &threads, &rss) != 4)
		return -1;
	out->cpu_ns = (double)(utime + stime) * (1e9 / (double)ticks);
	out->threads = (double)threads;
	out->rss_kib = (double)rss * (double)page_kib;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	long fds = 0;
	for (struct dirent *e; (e = readdir(d));)
		fds += e->d_name[0] != '.';
	closedir(d);
	out->fds = (double)fds;
	return 0;
}

size_t sampler_read_threads(struct thread_cpu *out, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	size_t n = 0;

	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], name[16] = "", stat[128];
		unsigned long long ns;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		if (read_text(path, name, sizeof(name)))
			continue;
		name[strcspn(name, "\n")] = '\0';
		for (size_t l = strlen(name); l > 1 && name[l - 1] >= '0' &&
					      name[l - 1] <= '9';)
			name[--l] = '\0';
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat",
			 e->d_name);
		if (read_text(path, stat, sizeof(stat)) ||
		    sscanf(stat, "%llu", &ns) != 1)
			continue;
		size_t i = 0;
		while (i < n && strcmp(out[i].name, name) != 0)
			i++;
		if (i == n) {
			if (n == max)
				continue;
			hd_strlcpy(out[n].name, name, sizeof(out[n].name));
			out[n++].cpu_ns = 0;
		}
		out[i].cpu_ns += ns;
	}
	closedir(d);
	return n;
}

static void sample_host(struct sampler *s)
{
	char buf[4096];
	double load1;

	if (read_text("/proc/loadavg", buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%lf", &load1) == 1)
		add(s, "host", "load1", load1);
	if (read_text("/proc/meminfo", buf, sizeof(buf)) == 0) {
		const char *m = strstr(buf, "MemAvailable:");
		unsigned long long kib;
		if (m && sscanf(m, "MemAvailable: %llu", &kib) == 1)
			add(s, "host", "mem_available_kib", (double)kib);
	}
}

static void take_sample(struct sampler *s)
{
	s->now_ns = hd_now_ns() - s->cfg.t0_ns;
	s->guests = s->cfg.guests ? atomic_load(s->cfg.guests) : 0;
	for (size_t i = 0; i < s->cfg.nprocs; i++) {
		struct proc_usage u;
		const char *name = s->cfg.procs[i].name;
		if (sampler_read_proc(s->cfg.procs[i].pid, &u))
			continue; /* gone: its series stops */
		add(s, name, "cpu_ns", u.cpu_ns);
		add(s, name, "rss_kib", u.rss_kib);
		add(s, name, "fds", u.fds);
		add(s, name, "threads", u.threads);
	}
	sample_host(s);
	if (s->cfg.extra)
		s->cfg.extra(s->cfg.extra_arg, add, s);
}

/* Samples at t0 + k * interval, never drifting, until told to stop. */
static void *run(void *arg)
{
	struct sampler *s = arg;
	pthread_setname_np(pthread_self(), "horde-sample");
	uint64_t due = hd_now_ns();

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		pthread_mutex_unlock(&s->lock);
		take_sample(s);
		due += s->cfg.interval_ns;
		uint64_t now = hd_now_ns();
		if (due < now) /* fell behind (a slow /proc): skip, not burst */
			due = now + s->cfg.interval_ns -
			      (now - due) % s->cfg.interval_ns;
		struct timespec ts = hd_timespec(due);
		pthread_mutex_lock(&s->lock);
		while (!s->stop &&
		       pthread_cond_timedwait(&s->wake, &s->lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->lock);
	take_sample(s); /* the last, at the moment of stopping */
	return NULL;
}

int sampler_start(const struct sampler_config *cfg, struct sampler **out,
		  struct hd_err *err)
{
	struct sampler *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return hd_fail(err, HD_ESYS, "sampler: out of memory");
	if (cfg->interval_ns == 0 || cfg->nprocs > SAMPLER_MAX_PROCS) {
		free(s);
		return hd_fail(err, HD_EINVAL, "sampler: bad configuration");
	}
	s->cfg = *cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&s->thread, NULL, run, s))) {
		int rc = hd_fail_errno(err, HD_ESYS, "sampler: thread");
		sampler_free(s);
		return rc;
	}
	s->started = true;
	*out = s;
	return HD_OK;
}

int sampler_take(struct sampler *s, struct sample *out, size_t max,
		 size_t *n, struct hd_err *err)
{
	pthread_mutex_lock(&s->lock);
	size_t lost = s->lost;
	*n = hd_take_front(s->samples, &s->n, sizeof(*out), out, max);
	pthread_mutex_unlock(&s->lock);
	if (lost)
		return hd_fail(err, HD_ESYS, "sampler: out of memory, %zu "
			       "samples lost", lost);
	return HD_OK;
}

void sampler_stop(struct sampler *s)
{
	if (!s || !s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	s->started = false;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	sampler_stop(s);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->samples);
	free(s);
}
