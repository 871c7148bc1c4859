/* xen_late_faults.c: what dom0 found wrong with a guest after its
 * creation (xen_late_faults.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../lib/pty_limit.h"
#include "xen_late_faults.h"

struct pending {
	uint32_t domid;
	uint64_t created_ns;
	bool console_done, vif_done; /* seen well, or failed */
};

struct xen_late_faults {
	struct xs_handle *xs; /* the collector's */
	pthread_mutex_t lock; /* workers add, the runner looks */
	struct pending *pending;
	size_t npending, cap;
	size_t lost; /* guests that found no room to be kept */
	uint64_t looked_ns; /* the last look, for looks between creations */
};

int xen_late_faults_new(struct xen_late_faults **out, struct hd_err *err)
{
	struct xen_late_faults *lf = calloc(1, sizeof(*lf));
	if (!lf)
		return hd_fail(err, HD_ESYS, "out of memory");
	if (!(lf->xs = xs_open(0))) {
		free(lf);
		return hd_fail_errno(err, HD_EXS, "late faults: open xenstore");
	}
	pthread_mutex_init(&lf->lock, NULL);
	*out = lf;
	return HD_OK;
}

void xen_late_faults_free(struct xen_late_faults *lf)
{
	if (!lf)
		return;
	xs_close(lf->xs);
	pthread_mutex_destroy(&lf->lock);
	free(lf->pending);
	free(lf);
}

void xen_late_faults_created(struct xen_late_faults *lf, uint32_t domid)
{
	pthread_mutex_lock(&lf->lock);
	if (hd_reserve((void **)&lf->pending, &lf->cap, sizeof(*lf->pending),
		       lf->npending + 1))
		lf->lost++;
	else
		lf->pending[lf->npending++] =
			(struct pending){ .domid = domid, .created_ns = hd_now_ns() };
	pthread_mutex_unlock(&lf->lock);
}

void xen_late_faults_destroyed(struct xen_late_faults *lf, uint32_t domid)
{
	pthread_mutex_lock(&lf->lock);
	for (size_t i = 0; i < lf->npending; i++)
		if (lf->pending[i].domid == domid) {
			lf->pending[i] = lf->pending[--lf->npending];
			break;
		}
	pthread_mutex_unlock(&lf->lock);
}

/* A node's value, or NULL when it is not there (or empty). */
static char *read_node(struct xs_handle *xs, const char *fmt, uint32_t domid)
{
	char path[96];
	unsigned len;
	snprintf(path, sizeof(path), fmt, domid);
	char *v = xs_read(xs, XBT_NULL, path, &len);
	if (v && !len) {
		free(v);
		v = NULL;
	}
	return v;
}

static void console_fault(struct platform_fault *f, uint32_t domid)
{
	struct pty_sysctls k;
	if (pty_read_sysctls(&k))
		k.nr = k.max = -1;
	f->domid = domid;
	snprintf(f->cause, sizeof(f->cause), "console: xenconsoled gave it no "
		 "PTY (no console/tty %llu s after creation; dom0's PTYs: %ld "
		 "in use, kernel.pty.max %ld)",
		 LATE_CONSOLE_GRACE_NS / 1000000000ull, k.nr, k.max);
}

/* One look at every pending guest, moving what went wrong into out while
 * there is room. Returns how many still wait for their console within
 * its grace. Under the lock. */
static size_t look(struct xen_late_faults *lf, struct platform_fault *out,
		   size_t max, size_t *n)
{
	uint64_t now = hd_now_ns();
	size_t kept = 0, waiting = 0;
	for (size_t i = 0; i < lf->npending; i++) {
		struct pending g = lf->pending[i];
		char *v;
		if (!g.console_done && *n < max) {
			if ((v = read_node(lf->xs, "/local/domain/%u/console/tty",
					   g.domid)))
				g.console_done = true;
			else if (now - g.created_ns >= LATE_CONSOLE_GRACE_NS) {
				console_fault(&out[(*n)++], g.domid);
				g.console_done = true;
			}
			free(v);
		}
		if (!g.vif_done && *n < max) {
			if ((v = read_node(lf->xs, "/local/domain/0/error/backend/"
					   "vif/%u/0/error", g.domid))) {
				out[*n].domid = g.domid;
				snprintf(out[(*n)++].cause, sizeof(out->cause),
					 "vif: netback: %s", v);
				g.vif_done = true;
			} else if ((v = read_node(lf->xs, "/local/domain/0/backend/"
						  "vif/%u/0/state", g.domid)))
				g.vif_done = atoi(v) == 4; /* XenbusStateConnected */
			free(v);
		}
		if (g.console_done && g.vif_done)
			continue;
		waiting += !g.console_done && now - g.created_ns < LATE_CONSOLE_GRACE_NS;
		lf->pending[kept++] = g;
	}
	lf->npending = kept;
	return waiting;
}

int xen_late_faults_collect(struct xen_late_faults *lf,
			    struct platform_fault *out, size_t max, int settle,
			    size_t *n, struct hd_err *err)
{
	*n = 0;
	/* Between creations a look a second is enough, and keeps the
	 * workers (which add under the same lock) from waiting on reads. */
	if (!settle && hd_now_ns() - lf->looked_ns < 1000000000ull)
		return HD_OK;
	for (;;) {
		lf->looked_ns = hd_now_ns();
		pthread_mutex_lock(&lf->lock);
		size_t waiting = look(lf, out, max, n);
		size_t lost = lf->lost;
		pthread_mutex_unlock(&lf->lock);
		if (lost)
			return hd_fail(err, HD_ESYS, "out of memory: %zu guests "
				       "could not be kept to be looked at", lost);
		if (!settle || !waiting || *n == max)
			return HD_OK;
		hd_sleep_until_ns(hd_now_ns() + 100000000ull);
	}
}
