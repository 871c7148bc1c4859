/* xcl_workers.c: see xcl_workers.h. */
#include "xcl_workers.h"

#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

int xcl_workers_open(struct xcl_workers *w, uint32_t n, enum xcl_handles handles,
		     const struct xcl_hv_ops *ops, void *const *hv_args,
		     size_t nargs, uint64_t backend_timeout_ns,
		     struct hd_err *err)
{
	bool one = handles == XCL_HANDLES_ONE;

	memset(w, 0, sizeof(*w));
	if (n < 1 || n > nargs)
		return hd_fail(err, HD_EINVAL, "concurrency: 1..%zu", nargs);
	if (!(w->w = calloc(n, sizeof(*w->w))))
		return hd_fail(err, HD_ESYS, "libxcl workers: out of memory");
	while (w->n < n) {
		/* Counted first, so that a half-opened worker is closed. */
		struct xcl_worker *k = &w->w[w->n++];
		int rc;
		/* Not XS_UNWATCH_FILTER: it leaks (see drain_watch, xcl.c). */
		if (!(k->xs = xs_open(0)) ||
		    (!one && !(k->watch_xs = xs_open(0)))) {
			rc = hd_fail_errno(err, HD_EXS, "open xenstore");
		} else {
			rc = xcl_ctx_new(k->xs, one ? k->xs : k->watch_xs, ops,
					 hv_args[w->n - 1], backend_timeout_ns,
					 &k->ctx, err);
		}
		if (rc) {
			xcl_workers_close(w);
			return rc;
		}
	}
	return HD_OK;
}

void xcl_workers_close(struct xcl_workers *w)
{
	for (uint32_t i = 0; i < w->n; i++) {
		xcl_ctx_free(w->w[i].ctx);
		if (w->w[i].xs)
			xs_close(w->w[i].xs);
		if (w->w[i].watch_xs)
			xs_close(w->w[i].watch_xs);
	}
	free(w->w);
	memset(w, 0, sizeof(*w));
}
