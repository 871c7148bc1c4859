/* xen_hotplug.c: dom0's vif hotplug (xen_hotplug.h). */
#define _GNU_SOURCE
#include "xen_hotplug.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../lib/netlink.h"
#include "../lib/xs_watcher.h"
#include "../xcl/xcl.h"

struct xen_hotplug {
	struct xs_watcher *watcher;
	struct xs_handle *xs; /* the watcher's, on its thread */
	struct nl *nl;
};

static void be_key(unsigned domid, unsigned devid, const char *key, char *buf,
		   size_t len)
{
	snprintf(buf, len, XCL_BACKEND_VIF_ROOT "/%u/%u/%s", domid, devid, key);
}

/* Linux netback switches the backend to InitWait before it registers the
 * vif's net device (netback_probe, then backend_create_xenvif), and
 * writes nothing to the store after: so the device may come a moment
 * after the state. Returns its index, or 0 after 10 s without it. */
static int wait_for_interface(const char *ifname)
{
	uint64_t deadline = hd_now_ns() + 10000000000ull;
	unsigned idx;
	while (!(idx = if_nametoindex(ifname)) && hd_now_ns() < deadline)
		hd_sleep_until_ns(hd_now_ns() + 1000000);
	return (int)idx;
}

/* Attaches one vif once netback is waiting for its hotplug. */
static void attach(struct xen_hotplug *hp, unsigned domid, unsigned devid)
{
	char path[128], ifname[IF_NAMESIZE];
	unsigned len;
	struct hd_err err = { 0 };

	be_key(domid, devid, "state", path, sizeof(path));
	char *state = xs_read(hp->xs, XBT_NULL, path, &len);
	be_key(domid, devid, "hotplug-status", path, sizeof(path));
	char *done = xs_read(hp->xs, XBT_NULL, path, &len);
	bool ready = state && atoi(state) == 2 && !done;
	free(state);
	free(done);
	if (!ready)
		return;
	be_key(domid, devid, "bridge", path, sizeof(path));
	char *bridge = xs_read(hp->xs, XBT_NULL, path, &len);
	snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, devid);
	int ifindex = wait_for_interface(ifname);
	int br = bridge ? (int)if_nametoindex(bridge) : 0;
	if (!ifindex || !br)
		hd_fail(&err, HD_ENOENT, "hotplug: no %s", !ifindex ? ifname : "bridge");
	else
		nl_link_attach(hp->nl, ifindex, br, &err);
	free(bridge);
	if (err.msg[0]) {
		be_key(domid, devid, "hotplug-error", path, sizeof(path));
		xs_write(hp->xs, XBT_NULL, path, err.msg, (unsigned)strlen(err.msg));
	}
	be_key(domid, devid, "hotplug-status", path, sizeof(path));
	const char *status = err.msg[0] ? "error" : "connected";
	xs_write(hp->xs, XBT_NULL, path, status, (unsigned)strlen(status));
}

static void hotplug_event(void *arg, struct xs_handle *xs, const char *path,
			  const char *token)
{
	struct xen_hotplug *hp = arg;
	unsigned domid, devid;
	char key[32];

	(void)token;
	hp->xs = xs;
	if (sscanf(path, XCL_BACKEND_VIF_ROOT "/%u/%u/%31s", &domid, &devid,
		   key) == 3 && strcmp(key, "state") == 0)
		attach(hp, domid, devid);
}

int xen_hotplug_start(struct xen_hotplug **out, struct hd_err *err)
{
	struct xen_hotplug *hp = calloc(1, sizeof(*hp));
	int rc;

	if (!hp)
		return hd_fail(err, HD_ESYS, "hotplug: out of memory");
	if ((rc = nl_open(&hp->nl, err)) ||
	    (rc = xs_watcher_start(XCL_BACKEND_VIF_ROOT, "vif", hotplug_event,
				   hp, &hp->watcher, err))) {
		xen_hotplug_stop(hp);
		return hd_wrap(err, "hotplug");
	}
	*out = hp;
	return HD_OK;
}

void xen_hotplug_stop(struct xen_hotplug *hp)
{
	if (!hp)
		return;
	xs_watcher_stop(hp->watcher);
	nl_close(hp->nl);
	free(hp);
}
