/* netback.c: what dom0's Linux kernel does in the store for each vif, in
 * its order, from its own connection: dom0's store ring.
 *
 * It follows Linux 6.1 (Debian 12's dom0 kernel), whose requests a real
 * Xen 4.17 traced request by request (tests/xen/trace.sh):
 *   - the backend bus watches "backend"; each event's path is checked
 *     with a DIRECTORY (xenbus_dev_changed -> xenbus_exists); a device
 *     not yet known whose state is Initialising is probed, reading its
 *     frontend's id and path and checking the frontend exists, twice
 *     (backend_bus_id, then talk_to_otherend), and watching the
 *     frontend's state (watch_otherend);  drivers/xen/xenbus/xenbus_probe.c,
 *     xenbus_probe_backend.c
 *   - netback_probe writes its features (nine in a transaction, three
 *     after), switches to InitWait (a transaction: read state, write it),
 *     reads script and handle; drivers/net/xen-netback/xenbus.c
 *   - when the frontend is Connected, connect() reads the frontend's
 *     keys, watches the backend's rate and the frontend's
 *     request-multicast-control, and watches hotplug-status, on which it
 *     switches to Connected and drops that watch;
 *   - when the backend's directory or the frontend goes, the device is
 *     closed and removed: netback drops its watches and hotplug-status.
 * A watch's token is its address in hex ("%lX"), as xenbus_xs.c makes
 * it. The vif's network device is the hotplug's (dom0.c): here only the
 * store's side is done. */
#define _GNU_SOURCE
#include "emu.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "../lib/domid.h"
#include "xenlibs/xe_ring.h"

#define MAX_DEVID 4
#define BUS_ROOT "backend" /* relative: dom0's /local/domain/0/backend */

enum { XB_UNKNOWN = 0, XB_INITIALISING = 1, XB_INITWAIT = 2, XB_CONNECTED = 4 };

/* One vif's device, as the kernel knows it. Each watch's token is the
 * address of its byte here. */
struct kvif {
	uint8_t state; /* the backend's, as last switched; 0: no device */
	bool connected_once;
	char w_otherend, w_rate, w_mcast, w_hotplug; /* tokens' addresses */
	bool watching_hotplug;
};

struct emu_netback {
	struct xe_guest_io io; /* dom0's end of its store ring */
	int stop_fd;
	pthread_t thread;
	char w_bus;            /* the bus watch's token */
	struct kvif *vifs;     /* [domid * MAX_DEVID + devid] */
	unsigned nqueues;      /* multi-queue-max-queues: dom0's CPUs */
	bool txn_failed;       /* a request of the open transaction failed */
	/* Devices probed and not yet removed: at stop, their removal is
	 * waited for (a while), as a real dom0 goes on working it off. */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned devices;
	emu_fault_fn on_fault;
	void *fault_arg;
};

/* ---- the connection: dom0's ring, one request at a time ---------------- */

/* One request; its reply's payload in reply. Returns the reply's type,
 * or -1 with errno (the connection failed). */
static int request(struct emu_netback *k, uint32_t type, const char *a,
		   const char *b, char *reply, size_t reply_len)
{
	char msg[XENSTORE_PAYLOAD_MAX + 1];
	size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
	uint32_t rtype;

	/* WRITE's value has no nul; WATCH's token and others' single
	 * argument have theirs. */
	if (type != XS_WRITE && b)
		lb++;
	if (la + lb > XENSTORE_PAYLOAD_MAX) {
		errno = E2BIG;
		return -1;
	}
	memcpy(msg, a, la);
	if (b)
		memcpy(msg + la, b, lb);
	if (xe_ring_request(&k->io, 0, type, msg, (uint32_t)(la + lb), &rtype,
			    reply, reply_len) < 0)
		return -1;
	return (int)rtype;
}

/* A read: true with the value in buf, false if the store has none. */
static bool kread(struct emu_netback *k, const char *path, char *buf,
		  size_t len)
{
	if (request(k, XS_READ, path, NULL, buf, len) == XS_READ)
		return true;
	k->txn_failed = true;
	return false;
}

static bool kexists(struct emu_netback *k, const char *path)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	return request(k, XS_DIRECTORY, path, NULL, buf, sizeof(buf)) ==
	       XS_DIRECTORY;
}

static void kwrite(struct emu_netback *k, const char *path, const char *v)
{
	char buf[64];
	request(k, XS_WRITE, path, v, buf, sizeof(buf));
}

static void kwatch(struct emu_netback *k, uint32_t type, const char *path,
		   const char *token_at)
{
	char token[24], buf[64];
	snprintf(token, sizeof(token), "%lX", (unsigned long)token_at);
	request(k, type, path, token, buf, sizeof(buf));
}

/* Runs body (requests that set k->txn_failed when one fails) in a
 * transaction, ending it with commit, or abort after a failure, and again
 * while the daemon answers EAGAIN, as xenbus' callers do. */
#define IN_TRANSACTION(k, body)                                                \
	for (int again_ = 1; again_;) {                                        \
		char id_[16], end_[16];                                        \
		if (request(k, XS_TRANSACTION_START, "", NULL, id_,            \
			    sizeof(id_)) != XS_TRANSACTION_START)              \
			break;                                                 \
		(k)->io.tx_id = (uint32_t)strtoul(id_, NULL, 10);              \
		(k)->txn_failed = false;                                       \
		body;                                                          \
		int t_ = request(k, XS_TRANSACTION_END,                        \
				 (k)->txn_failed ? "F" : "T", NULL, end_,      \
				 sizeof(end_));                                \
		(k)->io.tx_id = 0;                                             \
		again_ = t_ == XS_ERROR && strcmp(end_, "EAGAIN") == 0;        \
	}

/* ---- a vif's device ---------------------------------------------------- */

static void path_of(char *buf, size_t len, unsigned domid, unsigned devid,
		    bool frontend, const char *key)
{
	if (frontend)
		snprintf(buf, len, "/local/domain/%u/device/vif/%u/%s", domid,
			 devid, key);
	else
		snprintf(buf, len, BUS_ROOT "/vif/%u/%u/%s", domid, devid, key);
}

/* xenbus_switch_state: the backend's state, in a transaction that reads
 * it first. */
static void switch_state(struct emu_netback *k, struct kvif *v, unsigned domid,
			 unsigned devid, int state)
{
	char path[96], buf[16], val[4];
	path_of(path, sizeof(path), domid, devid, false, "state");
	snprintf(val, sizeof(val), "%d", state);
	IN_TRANSACTION(k, {
		if (kread(k, path, buf, sizeof(buf)))
			kwrite(k, path, val);
	});
	v->state = (uint8_t)state;
}

/* backend_bus_id and read_otherend_details: the frontend's id and path,
 * and that it exists. */
static bool read_otherend(struct emu_netback *k, unsigned domid,
			  unsigned devid, char *fe, size_t len)
{
	char path[96], id[16];
	path_of(path, sizeof(path), domid, devid, false, "frontend-id");
	if (!kread(k, path, id, sizeof(id)))
		return false;
	path_of(path, sizeof(path), domid, devid, false, "frontend");
	return kread(k, path, fe, len) && kexists(k, fe);
}

static void probe(struct emu_netback *k, unsigned domid, unsigned devid)
{
	static const char *const txn_features[][2] = {
		{ "feature-sg", "1" }, { "feature-gso-tcpv4", "1" },
		{ "feature-gso-tcpv6", "1" }, { "feature-ipv6-csum-offload", "1" },
		{ "feature-rx-copy", "1" }, { "feature-xdp-headroom", "1" },
		{ "feature-rx-flip", "0" }, { "feature-multicast-control", "1" },
		{ "feature-dynamic-multicast-control", "1" },
	};
	struct kvif *v = &k->vifs[domid * MAX_DEVID + devid];
	char path[112], buf[128], fe[96], queues[12];

	path_of(path, sizeof(path), domid, devid, false, "state");
	if (!kread(k, path, buf, sizeof(buf)) || atoi(buf) != XB_INITIALISING)
		return;
	if (!read_otherend(k, domid, devid, fe, sizeof(fe)) ||
	    !read_otherend(k, domid, devid, fe, sizeof(fe)))
		return;
	IN_TRANSACTION(k, {
		for (size_t i = 0; i < sizeof(txn_features) / sizeof(txn_features[0]); i++) {
			path_of(path, sizeof(path), domid, devid, false,
				txn_features[i][0]);
			kwrite(k, path, txn_features[i][1]);
		}
	});
	snprintf(queues, sizeof(queues), "%u", k->nqueues);
	const char *after[][2] = { { "feature-split-event-channels", "1" },
				   { "multi-queue-max-queues", queues },
				   { "feature-ctrl-ring", "1" } };
	for (size_t i = 0; i < 3; i++) {
		path_of(path, sizeof(path), domid, devid, false, after[i][0]);
		kwrite(k, path, after[i][1]);
	}
	switch_state(k, v, domid, devid, XB_INITWAIT);
	pthread_mutex_lock(&k->lock);
	k->devices++;
	pthread_mutex_unlock(&k->lock);
	path_of(path, sizeof(path), domid, devid, false, "script");
	kread(k, path, buf, sizeof(buf));
	path_of(path, sizeof(path), domid, devid, false, "handle");
	kread(k, path, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/state", fe);
	kwatch(k, XS_WATCH, path, &v->w_otherend);
}

/* connect(): the frontend's keys, then the watches netback keeps while
 * connected. */
static void connect_vif(struct emu_netback *k, struct kvif *v, unsigned domid,
			unsigned devid)
{
	static const char *const fe_keys[] = {
		"request-rx-copy", "feature-rx-notify", "feature-sg",
		"feature-gso-tcpv4", "feature-gso-tcpv6", "feature-no-csum-offload",
		"feature-ipv6-csum-offload", "xdp-headroom", "ctrl-ring-ref",
		"tx-ring-ref", "rx-ring-ref", "event-channel-tx", "event-channel",
	};
	char path[112], buf[128];

	path_of(path, sizeof(path), domid, devid, true, "multi-queue-num-queues");
	kread(k, path, buf, sizeof(buf));
	path_of(path, sizeof(path), domid, devid, false, "mac");
	kread(k, path, buf, sizeof(buf));
	path_of(path, sizeof(path), domid, devid, false, "rate");
	kread(k, path, buf, sizeof(buf));
	kwatch(k, XS_WATCH, path, &v->w_rate);
	path_of(path, sizeof(path), domid, devid, true, "request-multicast-control");
	kwatch(k, XS_WATCH, path, &v->w_mcast);
	for (size_t i = 0; i < sizeof(fe_keys) / sizeof(fe_keys[0]); i++) {
		path_of(path, sizeof(path), domid, devid, true, fe_keys[i]);
		kread(k, path, buf, sizeof(buf));
	}
	path_of(path, sizeof(path), domid, devid, false, "hotplug-status");
	kwatch(k, XS_WATCH, path, &v->w_hotplug);
	v->watching_hotplug = true;
	v->connected_once = true;
}

/* The device's end, as a real dom0 traced it when the toolstack removed
 * the backend's directory: netback's frontend_changed(Unknown) closes the
 * backend (backend_disconnect drops the watches connect() set; the
 * switches to Closing and Closed read a state that is gone and abort),
 * then device_unregister: free_otherend_watch, netback_remove (drops
 * hotplug-status), xenbus_dev_remove's last read of the state. */
static void remove_vif(struct emu_netback *k, struct kvif *v, unsigned domid,
		       unsigned devid, bool read_frontend)
{
	char path[112], buf[128];

	if (read_frontend) {
		path_of(path, sizeof(path), domid, devid, true, "state");
		kread(k, path, buf, sizeof(buf));
	}
	if (v->connected_once) {
		path_of(path, sizeof(path), domid, devid, true,
			"request-multicast-control");
		kwatch(k, XS_UNWATCH, path, &v->w_mcast);
		path_of(path, sizeof(path), domid, devid, false, "rate");
		kwatch(k, XS_UNWATCH, path, &v->w_rate);
	}
	path_of(path, sizeof(path), domid, devid, false, "state");
	for (int closing = 0; closing < 2; closing++)
		IN_TRANSACTION(k, {
			if (kread(k, path, buf, sizeof(buf)))
				kwrite(k, path, closing ? "6" : "5");
		});
	if (v->watching_hotplug) {
		path_of(path, sizeof(path), domid, devid, false, "hotplug-status");
		kwatch(k, XS_UNWATCH, path, &v->w_hotplug);
	}
	path_of(path, sizeof(path), domid, devid, true, "state");
	kwatch(k, XS_UNWATCH, path, &v->w_otherend);
	path_of(path, sizeof(path), domid, devid, false, "hotplug-status");
	request(k, XS_RM, path, NULL, buf, sizeof(buf));
	path_of(path, sizeof(path), domid, devid, false, "state");
	kread(k, path, buf, sizeof(buf));
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&k->lock);
	if (--k->devices == 0)
		pthread_cond_broadcast(&k->idle);
	pthread_mutex_unlock(&k->lock);
}

/* ---- events ------------------------------------------------------------ */

/* xenbus_dev_changed: path's check, then a probe or the removal of the
 * devices under it. */
static void bus_changed(struct emu_netback *k, const char *path)
{
	unsigned domid, devid;
	int n = 0;

	if (strchr(path, '/') == strrchr(path, '/'))
		return; /* fewer than two slashes */
	bool exists = kexists(k, path);
	if (sscanf(path, BUS_ROOT "/vif/%u%n", &domid, &n) != 1 ||
	    domid == 0 || domid > HD_DOMID_LAST)
		return;
	if (!exists) {
		for (devid = 0; devid < MAX_DEVID; devid++) {
			struct kvif *v = &k->vifs[domid * MAX_DEVID + devid];
			char root[48];
			snprintf(root, sizeof(root), BUS_ROOT "/vif/%u/%u", domid,
				 devid);
			if (v->state && strncmp(root, path, strlen(path)) == 0)
				remove_vif(k, v, domid, devid, true);
		}
		return;
	}
	if (sscanf(path + n, "/%u", &devid) == 1 && devid < MAX_DEVID &&
	    !k->vifs[domid * MAX_DEVID + devid].state)
		probe(k, domid, devid);
}

static void handle_event(struct emu_netback *k, const char *path,
			 const char *token)
{
	char *end;
	unsigned long at = strtoul(token, &end, 16);
	char buf[128], key[112];

	if (*end)
		return;
	if (at == (unsigned long)&k->w_bus) {
		bus_changed(k, path);
		return;
	}
	unsigned long base = (unsigned long)k->vifs;
	size_t count = (size_t)(HD_DOMID_LAST + 1) * MAX_DEVID;
	if (at < base || at >= base + count * sizeof(struct kvif))
		return;
	size_t i = (at - base) / sizeof(struct kvif);
	struct kvif *v = &k->vifs[i];
	unsigned domid = (unsigned)(i / MAX_DEVID), devid = (unsigned)(i % MAX_DEVID);
	if (!v->state)
		return; /* removed since */
	if (at == (unsigned long)&v->w_otherend) {
		/* otherend_changed, then netback's frontend_changed */
		int fs = kread(k, path, buf, sizeof(buf)) ? atoi(buf) : XB_UNKNOWN;
		if (fs == XB_CONNECTED && !v->connected_once)
			connect_vif(k, v, domid, devid);
		else if (fs == XB_UNKNOWN)
			remove_vif(k, v, domid, devid, false);
	} else if (at == (unsigned long)&v->w_rate ||
		   at == (unsigned long)&v->w_mcast) {
		kread(k, path, buf, sizeof(buf));
	} else if (at == (unsigned long)&v->w_hotplug && v->watching_hotplug) {
		bool up = kread(k, path, buf, sizeof(buf)) &&
			  strcmp(buf, "connected") == 0;
		if (up) {
			switch_state(k, v, domid, devid, XB_CONNECTED);
			path_of(key, sizeof(key), domid, devid, false,
				"hotplug-status");
			kwatch(k, XS_UNWATCH, key, &v->w_hotplug);
			v->watching_hotplug = false;
		}
	}
}

static void *run(void *arg)
{
	struct emu_netback *k = arg;
	struct pollfd pfd[2] = {
		{ .fd = k->io.fd, .events = POLLIN },
		{ .fd = k->stop_fd, .events = POLLIN },
	};

	pthread_setname_np(pthread_self(), "horde-netback");
	for (;;) {
		struct xe_watch_event *ev;
		if (xe_ring_take_events(&k->io, 0) != 0)
			break;
		/* Events that came with a reply left no notice to wake on:
		 * the ring is looked at again before any wait. */
		if ((ev = xe_ring_next_event(&k->io))) {
			const char *path = ev->body;
			size_t pl = strnlen(path, ev->len);
			if (pl < ev->len)
				handle_event(k, path, path + pl + 1);
			free(ev);
			continue;
		}
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			return NULL;
		if ((pfd[0].revents & POLLIN) && xe_ring_wait(&k->io) != 0)
			break;
	}
	/* A wait cancelled by stop is no failure. */
	struct pollfd stopping = { .fd = k->stop_fd, .events = POLLIN };
	if (poll(&stopping, 1, 0) == 0)
		k->on_fault(k->fault_arg, 0, "dom0: netback: its store "
			    "connection failed");
	return NULL;
}

int emu_netback_start(struct xe *xe, emu_fault_fn on_fault, void *fault_arg,
		      struct emu_netback **out, struct hd_err *err)
{
	struct emu_netback *k = calloc(1, sizeof(*k));
	char buf[64];
	int rc;

	if (!k || !(k->vifs = calloc((size_t)(HD_DOMID_LAST + 1) * MAX_DEVID,
				     sizeof(*k->vifs)))) {
		free(k);
		return hd_fail(err, HD_ESYS, "dom0's netback: out of memory");
	}
	k->stop_fd = k->io.fd = -1;
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->idle, &ca);
	pthread_condattr_destroy(&ca);
	k->on_fault = on_fault;
	k->fault_arg = fault_arg;
	k->nqueues = (unsigned)get_nprocs(); /* xenvif_max_queues' default */
	if ((k->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "dom0's netback: eventfd");
		goto fail;
	}
	k->io = (struct xe_guest_io){ .xe = xe, .timeout_ms = -1,
				      .has_cancel = true, .cancel_fd = k->stop_fd };
	if (xe_handle_new(xe, &k->io.handle, &k->io.fd, true)) {
		k->io.xe = NULL;
		rc = hd_fail_errno(err, HD_ESYS, "dom0's netback: event channel "
				   "handle");
		goto fail;
	}
	char token[24];
	snprintf(token, sizeof(token), "%lX", (unsigned long)&k->w_bus);
	if (request(k, XS_WATCH, BUS_ROOT, token, buf, sizeof(buf)) != XS_WATCH) {
		rc = hd_fail_errno(err, HD_EXS, "dom0's netback: watch %s",
				   BUS_ROOT);
		goto fail;
	}
	if ((errno = pthread_create(&k->thread, NULL, run, k))) {
		rc = hd_fail_errno(err, HD_ESYS, "dom0's netback: thread");
		goto fail;
	}
	*out = k;
	return HD_OK;
fail:
	k->thread = 0;
	emu_netback_stop(k);
	return rc;
}

void emu_netback_stop(struct emu_netback *k)
{
	if (!k)
		return;
	if (k->thread) {
		/* The guests are gone by now: let their devices' removal be
		 * worked off, for at most 5 s (a dead daemon answers none). */
		struct timespec until = hd_timespec(hd_now_ns() + 5 * HD_NS_PER_S);
		pthread_mutex_lock(&k->lock);
		while (k->devices &&
		       pthread_cond_timedwait(&k->idle, &k->lock, &until) == 0)
			;
		pthread_mutex_unlock(&k->lock);
		uint64_t one = 1;
		if (write(k->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(k->thread, NULL);
	}
	struct xe_watch_event *ev;
	while ((ev = xe_ring_next_event(&k->io)))
		free(ev);
	if (k->io.xe)
		xe_handle_close(k->io.xe, k->io.handle, k->io.fd);
	if (k->stop_fd >= 0)
		close(k->stop_fd);
	pthread_cond_destroy(&k->idle);
	pthread_mutex_destroy(&k->lock);
	free(k->vifs);
	free(k);
}
