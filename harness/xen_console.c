/* xen_console.c: the guests xenconsoled gave no PTY (xen_console.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <xenstore.h>

#include "xen_console.h"

struct pending {
	uint32_t domid;
	uint64_t created_ns;
};

struct xen_console {
	struct xs_handle *xs; /* the faults caller's */
	pthread_mutex_t lock; /* workers add, the runner looks */
	struct pending *pending;
	size_t npending, cap;
	size_t lost; /* guests that found no room to be kept */
	uint64_t looked_ns; /* the last look, for looks between creations */
};

int xen_console_new(struct xen_console **out, struct hd_err *err)
{
	struct xen_console *c = calloc(1, sizeof(*c));
	if (!c)
		return hd_fail(err, HD_ESYS, "out of memory");
	if (!(c->xs = xs_open(0))) {
		free(c);
		return hd_fail_errno(err, HD_EXS, "console check: open xenstore");
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return HD_OK;
}

void xen_console_free(struct xen_console *c)
{
	if (!c)
		return;
	xs_close(c->xs);
	pthread_mutex_destroy(&c->lock);
	free(c->pending);
	free(c);
}

void xen_console_created(struct xen_console *c, uint32_t domid)
{
	pthread_mutex_lock(&c->lock);
	if (hd_reserve((void **)&c->pending, &c->cap, sizeof(*c->pending),
		       c->npending + 1))
		c->lost++;
	else
		c->pending[c->npending++] = (struct pending){ domid, hd_now_ns() };
	pthread_mutex_unlock(&c->lock);
}

void xen_console_destroyed(struct xen_console *c, uint32_t domid)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->npending; i++)
		if (c->pending[i].domid == domid) {
			c->pending[i] = c->pending[--c->npending];
			break;
		}
	pthread_mutex_unlock(&c->lock);
}

/* dom0's PTYs in use and its kernel's limit, for the cause. */
static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void fault(struct platform_fault *f, uint32_t domid)
{
	f->domid = domid;
	snprintf(f->cause, sizeof(f->cause), "console: xenconsoled gave it no "
		 "PTY (no console/tty %llu s after creation; dom0's PTYs: %ld "
		 "in use, kernel.pty.max %ld)",
		 CONSOLE_GRACE_NS / 1000000000ull,
		 read_long("/proc/sys/kernel/pty/nr"),
		 read_long("/proc/sys/kernel/pty/max"));
}

/* One look at every pending guest: those with a tty are done, those past
 * their grace without one move to out. Returns how many are still within
 * their grace. Under the lock. */
static size_t look(struct xen_console *c, struct platform_fault *out,
		   size_t max, size_t *n)
{
	uint64_t now = hd_now_ns();
	size_t kept = 0, waiting = 0;
	for (size_t i = 0; i < c->npending; i++) {
		struct pending g = c->pending[i];
		char path[64];
		unsigned len;
		snprintf(path, sizeof(path), "/local/domain/%u/console/tty", g.domid);
		char *tty = xs_read(c->xs, XBT_NULL, path, &len);
		bool has_tty = tty && len > 0;
		free(tty);
		if (has_tty)
			continue;
		if (now - g.created_ns >= CONSOLE_GRACE_NS && *n < max) {
			fault(&out[(*n)++], g.domid);
			continue;
		}
		waiting += now - g.created_ns < CONSOLE_GRACE_NS;
		c->pending[kept++] = g;
	}
	c->npending = kept;
	return waiting;
}

int xen_console_faults(struct xen_console *c, struct platform_fault *out,
		       size_t max, int settle, size_t *n, struct hd_err *err)
{
	*n = 0;
	/* Between creations a look a second is enough, and keeps the
	 * workers (which add under the same lock) from waiting on reads. */
	if (!settle && hd_now_ns() - c->looked_ns < 1000000000ull)
		return HD_OK;
	for (;;) {
		c->looked_ns = hd_now_ns();
		pthread_mutex_lock(&c->lock);
		size_t waiting = look(c, out, max, n);
		size_t lost = c->lost;
		pthread_mutex_unlock(&c->lock);
		if (lost)
			return hd_fail(err, HD_ESYS, "out of memory: %zu guests' "
				       "consoles could not be looked at", lost);
		if (!settle || !waiting || *n == max)
			return HD_OK;
		hd_sleep_until_ns(hd_now_ns() + 100000000ull);
	}
}
