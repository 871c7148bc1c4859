/* xs_watcher.h: a thread that serves XenStore watch events, as dom0's
 * backends do: its own libxenstore handle, one watch to start with, and a
 * handler called for every event until stopped. The emulated dom0 and the
 * xen platform's vif hotplug both run on it. */
#ifndef HORDE_XS_WATCHER_H
#define HORDE_XS_WATCHER_H

#include "util.h"

struct xs_handle;
struct xs_watcher;

/* Called on the watcher's thread; xs is the watcher's handle, free to read,
 * write and add watches with. */
typedef void (*xs_watch_fn)(void *arg, struct xs_handle *xs, const char *path,
			    const char *token);

/* Watches path with token and starts the thread. */
int xs_watcher_start(const char *path, const char *token, xs_watch_fn fn,
		     void *arg, struct xs_watcher **out, struct hd_err *err);
/* Stops after the event in hand (events still queued are dropped: the
 * caller is tearing down) and frees the watcher; safe with NULL. */
void xs_watcher_stop(struct xs_watcher *w);

#endif
