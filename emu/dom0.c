/* dom0.c: the emulated dom0's vif hotplug, doing in the store what horde's
 * hotplug does on real Xen (xen/xen_hotplug.c: on each backend state
 * event, read the state and hotplug-status; at InitWait, read the bridge
 * and report hotplug-status "connected") and on the host what netback and
 * the hotplug script do together: a real veth pair, dom0's end enslaved
 * to the bridge the entry names, the guest's MAC pinned to that port. The
 * kernel's side in the store (probe, InitWait, Connected) is netback.c's.
 * When the domain's backend directory goes, the pair is deleted. A
 * failure is reported as the hotplug scripts do, in hotplug-error, with
 * the limit's own words ("bridge horde-br0: EXFULL at port 1024").
 *
 * Where the store itself fails it (a write or watch refused, a read that
 * errs), nobody would learn why from the store: such failures go to the
 * platform as faults of the guest, with their cause. */
#define _GNU_SOURCE
#include "emu.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../xcl/xcl.h"
#include "../lib/domid.h"
#include "../lib/xs_watcher.h"
#include "../lib/netlink.h"

#define MAX_DEVID 4

enum xenbus_state { XB_INITWAIT = 2 };

struct vif {
	bool plugged;
	int host_ifindex;
	int bridge; /* index into emu_dom0's bridges */
};

struct bridge {
	char name[IF_NAMESIZE];
	int ifindex;
	uint32_t ports; /* vifs enslaved now */
};

struct emu_dom0 {
	struct emu_hv *hv;
	struct bridge *bridges;
	uint32_t nbridges;
	struct xs_watcher *watcher;
	struct xs_handle *xs; /* the watcher's, on its thread */
	struct nl *nl;
	struct vif *vifs; /* [domid * MAX_DEVID + devid] */
	emu_fault_fn on_fault;
	void *fault_arg;
};

/* A store operation on a guest's vif failed (errno set): says so. */
static void store_fault(struct emu_dom0 *d, uint32_t domid, uint32_t devid,
			const char *what, const char *path)
{
	char cause[160];
	snprintf(cause, sizeof(cause), "dom0: vif %u.%u: %s %s: %s", domid,
		 devid, what, path, strerror(errno));
	d->on_fault(d->fault_arg, domid, cause);
}

void emu_vif_names(uint32_t domid, uint32_t devid, char host[16],
		   char guest[16])
{
	snprintf(host, 16, "horde%u.%u", domid, devid);
	snprintf(guest, 16, "hordeg%u.%u", domid, devid);
}

static void be_path(uint32_t domid, uint32_t devid, const char *key,
		    char *buf, size_t len)
{
	snprintf(buf, len, XCL_BACKEND_VIF_ROOT "/%u/%u%s%s", domid, devid,
		 key ? "/" : "", key ? key : "");
}

/* Reads a key of the guest's vif, or NULL: gone (ENOENT) is an answer,
 * any other failure is a fault. */
static char *read_path(struct emu_dom0 *d, uint32_t domid, uint32_t devid,
		       const char *path)
{
	unsigned len;
	char *v = xs_read(d->xs, XBT_NULL, path, &len);
	if (!v && errno != ENOENT)
		store_fault(d, domid, devid, "read", path);
	return v;
}

static char *read_key(struct emu_dom0 *d, uint32_t domid, uint32_t devid,
		      const char *key)
{
	char path[128];
	be_path(domid, devid, key, path, sizeof(path));
	return read_path(d, domid, devid, path);
}

static bool write_key(struct emu_dom0 *d, uint32_t domid, uint32_t devid,
		      const char *key, const char *value)
{
	char path[128];
	be_path(domid, devid, key, path, sizeof(path));
	if (xs_write(d->xs, XBT_NULL, path, value, (unsigned)strlen(value)))
		return true;
	store_fault(d, domid, devid, "write", path);
	return false;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char extra;
	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
			 &b[3], &b[4], &b[5], &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static void plug(struct emu_dom0 *d, uint32_t domid, uint32_t devid,
		 struct vif *v)
{
	char host[16], guest[16];
	struct hd_err err = { 0 };
	uint8_t mac[6];
	char fe_mac[96];
	/* Like netback: the MAC is the frontend's. */
	snprintf(fe_mac, sizeof(fe_mac), "/local/domain/%u/device/vif/%u/mac",
		 domid, devid);
	char *mac_s = read_path(d, domid, devid, fe_mac);
	char *bridge = read_key(d, domid, devid, "bridge");
	struct bridge *br = NULL;

	if (parse_mac(mac_s, mac) != 0) {
		hd_fail(&err, HD_EINVAL, "vif %u.%u: bad mac '%s'", domid, devid,
			mac_s ? mac_s : "");
		goto fail;
	}
	for (uint32_t i = 0; bridge && i < d->nbridges; i++)
		if (strcmp(bridge, d->bridges[i].name) == 0)
			br = &d->bridges[i];
	if (!br) {
		hd_fail(&err, HD_EINVAL, "vif %u.%u: unknown bridge '%s'", domid,
			devid, bridge ? bridge : "");
		goto fail;
	}
	if (emu_hv_bind_vif(d->hv, domid, &err))
		goto fail;
	emu_vif_names(domid, devid, host, guest);
	if (nl_veth_add(d->nl, host, guest, mac, br->ifindex, &err)) {
		if (err.errnum == EXFULL) /* the kernel's BR_MAX_PORTS */
			hd_fail(&err, HD_ELIMIT, "bridge %s: EXFULL at port %u",
				br->name, br->ports + 1);
		else if ((int)if_nametoindex(br->name) != br->ifindex)
			hd_wrap(&err, "bridge %s has gone (deleted while the run "
				"ran)", br->name);
		goto fail;
	}
	v->host_ifindex = (int)if_nametoindex(host);
	v->plugged = true;
	v->bridge = (int)(br - d->bridges);
	br->ports++;
	if (nl_fdb_add(d->nl, v->host_ifindex, mac, &err))
		goto fail;
	write_key(d, domid, devid, "hotplug-status", "connected");
	free(mac_s);
	free(bridge);
	return;
fail:
	/* As the hotplug scripts do: say why, then report the error. */
	write_key(d, domid, devid, "hotplug-error", err.msg);
	write_key(d, domid, devid, "hotplug-status", "error");
	free(mac_s);
	free(bridge);
}

static void unplug(struct emu_dom0 *d, struct vif *v)
{
	struct hd_err err;

	if (v->host_ifindex && nl_link_del(d->nl, v->host_ifindex, &err) == HD_OK)
		d->bridges[v->bridge].ports--;
	memset(v, 0, sizeof(*v));
}

/* A vif's backend state changed: as xen_hotplug.c's attach, read the
 * state and hotplug-status, and plug the vif once netback waits for it. */
static void state_changed(struct emu_dom0 *d, uint32_t domid, uint32_t devid)
{
	struct vif *v = &d->vifs[domid * MAX_DEVID + devid];
	char *state = read_key(d, domid, devid, "state");
	char *done = read_key(d, domid, devid, "hotplug-status");
	bool ready = state && atoi(state) == XB_INITWAIT && !done && !v->plugged;

	free(state);
	free(done);
	if (ready)
		plug(d, domid, devid, v);
}

static void handle_event(void *arg, struct xs_handle *xs, const char *path,
			 const char *token)
{
	struct emu_dom0 *d = arg;
	unsigned domid, devid;
	int n = 0;

	(void)token;
	d->xs = xs;
	const char *rest = path + strlen(XCL_BACKEND_VIF_ROOT);
	if (strncmp(path, XCL_BACKEND_VIF_ROOT, strlen(XCL_BACKEND_VIF_ROOT)) ||
	    sscanf(rest, "/%u%n", &domid, &n) != 1 || domid > HD_DOMID_LAST)
		return;
	rest += n;
	if (*rest == '\0') {
		/* The domain's backend directory went (the toolstack removes
		 * it whole): its vifs' pairs go, as netback_remove takes the
		 * vif's device. No store request: the path says it. */
		for (devid = 0; devid < MAX_DEVID; devid++)
			if (d->vifs[domid * MAX_DEVID + devid].plugged)
				unplug(d, &d->vifs[domid * MAX_DEVID + devid]);
		return;
	}
	if (sscanf(rest, "/%u%n", &devid, &n) == 1 && devid < MAX_DEVID &&
	    strcmp(rest + n, "/state") == 0)
		state_changed(d, domid, devid);
}

int emu_dom0_start(struct emu_hv *hv, char (*bridges)[16], uint32_t nbridges,
		   emu_fault_fn on_fault, void *fault_arg, struct emu_dom0 **out,
		   struct hd_err *err)
{
	struct emu_dom0 *d = calloc(1, sizeof(*d));
	int rc;

	if (!d || !(d->vifs = calloc((HD_DOMID_LAST + 1) * MAX_DEVID,
				     sizeof(*d->vifs))) ||
	    !(d->bridges = calloc(nbridges, sizeof(*d->bridges)))) {
		if (d)
			free(d->vifs);
		free(d);
		return hd_fail(err, HD_ESYS, "emu dom0: out of memory");
	}
	d->hv = hv;
	d->nbridges = nbridges;
	d->on_fault = on_fault;
	d->fault_arg = fault_arg;
	for (uint32_t i = 0; i < nbridges; i++) {
		struct bridge *br = &d->bridges[i];
		hd_strlcpy(br->name, bridges[i], sizeof(br->name));
		if (!(br->ifindex = (int)if_nametoindex(br->name))) {
			rc = hd_fail_errno(err, HD_ENOENT, "emu dom0: bridge %s",
					   br->name);
			goto fail;
		}
	}
	if ((rc = nl_open(&d->nl, err)))
		goto fail;
	if ((rc = xs_watcher_start(XCL_BACKEND_VIF_ROOT, "vif", handle_event, d,
				   &d->watcher, err))) {
		hd_wrap(err, "emu dom0");
		goto fail;
	}
	*out = d;
	return HD_OK;
fail:
	nl_close(d->nl);
	free(d->bridges);
	free(d->vifs);
	free(d);
	return rc;
}

void emu_dom0_stop(struct emu_dom0 *d)
{
	if (!d)
		return;
	/* At close the namespace takes the remaining vifs with it at once:
	 * events still queued are not worked off. */
	xs_watcher_stop(d->watcher);
	nl_close(d->nl);
	free(d->bridges);
	free(d->vifs);
	free(d);
}
