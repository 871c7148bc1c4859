/* sampler.h: the host sampler.
 *
 * A thread that, every interval, reads what dom0's daemons cost (CPU time,
 * resident memory, open descriptors, threads, from /proc), the host's load
 * average and available memory, and whatever the platform adds (the
 * store's own statistics, the hypervisor's free memory and domain count),
 * each tied to the number of guests living at that moment. The caller
 * takes the samples from its own thread and stores them. */
#ifndef HORDE_PROBE_SAMPLER_H
#define HORDE_PROBE_SAMPLER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/util.h"

#define SAMPLER_MAX_PROCS 16

struct sampler_proc {
	char name[32]; /* the series' source, e.g. "horde-xenstored" */
	pid_t pid;
};

struct sample {
	uint64_t at_ns;  /* from the caller's t0 */
	uint32_t guests; /* living guests when it was taken */
	char source[32], metric[32];
	double value;
};

/* How a platform hands its own metrics to the sampler. */
typedef void (*sampler_emit_fn)(void *ctx, const char *source,
				const char *metric, double value);
/* Called on the sampler's thread at every sample. */
typedef void (*sampler_extra_fn)(void *arg, sampler_emit_fn emit, void *ctx);

struct sampler_config {
	uint64_t interval_ns;
	uint64_t t0_ns;                /* at_ns counts from here */
	struct sampler_proc procs[SAMPLER_MAX_PROCS];
	size_t nprocs;
	sampler_extra_fn extra;        /* may be NULL */
	void *extra_arg;
	const _Atomic uint32_t *guests;
};

struct sampler;

/* Starts the thread; the first sample is taken at once. */
int sampler_start(const struct sampler_config *cfg, struct sampler **out,
		  struct hd_err *err);
/* Moves up to max samples into out and sets *n. Fails once a sample
 * could not be kept (out of memory): the caller stops rather than store
 * a series with holes. */
int sampler_take(struct sampler *s, struct sample *out, size_t max,
		 size_t *n, struct hd_err *err);
/* Takes one last sample and stops the thread; samples not yet taken stay
 * until sampler_free. */
void sampler_stop(struct sampler *s);
void sampler_free(struct sampler *s);

/* What the sampler reads of one process, exposed for the tests: 0, or -1
 * when the process is gone. */
struct proc_usage {
	double cpu_ns, rss_kib, fds, threads;
};
int sampler_read_proc(pid_t pid, struct proc_usage *out);

/* CPU time of this process's threads, added up by thread name with any
 * trailing digits dropped ("horde-work3" counts as "horde-work"): up to
 * max names into out; returns how many. From each thread's schedstat
 * (nanoseconds on the CPU). */
struct thread_cpu {
	char name[16];
	uint64_t cpu_ns;
};
size_t sampler_read_threads(struct thread_cpu *out, size_t max);

#endif
