/* xs_watcher.c: see xs_watcher.h. */
#define _GNU_SOURCE
#include "xs_watcher.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xenstore.h>

struct xs_watcher {
	struct xs_handle *xs;
	xs_watch_fn fn;
	void *arg;
	pthread_t thread;
	bool started;
	int stop_fd;
	atomic_bool stopping; /* checked between events */
};

static void *run(void *arg)
{
	struct xs_watcher *w = arg;
	pthread_setname_np(pthread_self(), "horde-xswatch");
	struct pollfd pfd[2] = {
		{ .fd = xs_fileno(w->xs), .events = POLLIN },
		{ .fd = w->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		char **ev;
		while (!atomic_load(&w->stopping) && (ev = xs_check_watch(w->xs))) {
			w->fn(w->arg, w->xs, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
			free(ev);
		}
	}
	return NULL;
}

int xs_watcher_start(const char *path, const char *token, xs_watch_fn fn,
		     void *arg, struct xs_watcher **out, struct hd_err *err)
{
	struct xs_watcher *w = calloc(1, sizeof(*w));
	int rc = HD_OK;

	if (!w)
		return hd_fail(err, HD_ESYS, "watcher: out of memory");
	w->fn = fn;
	w->arg = arg;
	w->stop_fd = -1;
	if (!(w->xs = xs_open(0)))
		rc = hd_fail_errno(err, HD_EXS, "watcher: open xenstore");
	else if (!xs_watch(w->xs, path, token))
		rc = hd_fail_errno(err, HD_EXS, "watcher: watch %s", path);
	else if ((w->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
		rc = hd_fail_errno(err, HD_ESYS, "watcher: eventfd");
	else if ((errno = pthread_create(&w->thread, NULL, run, w)))
		rc = hd_fail_errno(err, HD_ESYS, "watcher: thread");
	else
		w->started = true;
	if (rc) {
		xs_watcher_stop(w);
		return rc;
	}
	*out = w;
	return HD_OK;
}

void xs_watcher_stop(struct xs_watcher *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (w->started) {
		atomic_store(&w->stopping, true);
		if (write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(w->thread);
		pthread_join(w->thread, NULL);
	}
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	if (w->xs)
		xs_close(w->xs);
	free(w);
}
