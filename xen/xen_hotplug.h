/* xen_hotplug.h: dom0's vif hotplug on a real Xen host that has no udev
 * for it, done the way xendevd does: a thread watches the vif backends,
 * and when Linux netback has made vif<D>.<N> (backend state InitWait) it
 * attaches the interface to the bridge the backend entry names, sets it
 * up, and reports hotplug-status "connected", which netback and libxcl
 * both wait for ("error", with hotplug-error, when it cannot). */
#ifndef HORDE_XEN_HOTPLUG_H
#define HORDE_XEN_HOTPLUG_H

#include "../lib/util.h"

struct xen_hotplug;

int xen_hotplug_start(struct xen_hotplug **out, struct hd_err *err);
/* Stops the thread; safe with NULL. */
void xen_hotplug_stop(struct xen_hotplug *hp);

#endif
