/* guests.c: emulated guests. After unpause and the modelled boot delay, a
 * guest does what horde-guest's netfront does at boot: it reads its MAC
 * and writes its vif's keys and state Connected (4) to the store, and
 * brings its interface (the guest end of its vif's veth pair) up with the
 * address from its command line. From then on
 * the Linux kernel answers ARP for it. One thread serves all guests from a
 * queue ordered by boot time. A guest makes its requests through its
 * store ring, as a PV guest does. */
#define _GNU_SOURCE
#include "emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../lib/domid.h"
#include "../lib/heap.h"
#include "../lib/netlink.h"
#include "xenlibs/xe_ring.h"
#include <xen/io/xs_wire.h>


/* A guest's boot, due after its delay. */
struct boot {
	uint64_t due_ns; /* first: the queue's key */
	uint32_t domid;
	uint32_t gen; /* matches gen[domid] unless the domain went away */
	uint32_t addr_be;
};

struct emu_guests {
	struct emu_guests_config cfg; /* its delay is drawn under lock */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct heap queue; /* of struct boot, by due_ns */
	uint32_t *gen;     /* per domid */
	struct nl *nl;
	struct xe_guest_io ring; /* every guest's event channels */
	int cancel_fd; /* written at stop: a wait on the daemon gives up */
};

static void queue(struct emu_guests *g, struct boot b)
{
	if (heap_push(&g->queue, &b))
		g->cfg.on_fault(g->cfg.fault_arg, b.domid,
				"guest: boot queue out of memory");
}

/* Reads "ip=A.B.C.D" from a kernel command line. */
static int cmdline_ip(const char *cmdline, uint32_t *addr_be)
{
	const char *p = strstr(cmdline, "ip=");
	char buf[16];
	size_t n = 0;

	if (!p)
		return -1;
	p += 3;
	while (p[n] && p[n] != ' ' && n < sizeof(buf) - 1) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr_be = a.s_addr;
	return 0;
}

/* One request of the guest's through its ring, relative to
 * /local/domain/<domid> as a frontend makes it; a read's value goes to
 * out (out_len bytes). */
static int guest_request(struct emu_guests *g, uint32_t domid, bool write,
			 const char *path, const char *value, char *out,
			 size_t out_len, struct hd_err *err)
{
	char msg[160], reply[160];
	uint32_t type;
	size_t pl = strlen(path) + 1, vl = write ? strlen(value) : 0;

	if (pl + vl > sizeof(msg))
		return hd_fail(err, HD_EINVAL, "guest %u: %s too long", domid,
			       path);
	memcpy(msg, path, pl);
	memcpy(msg + pl, write ? value : "", vl);
	if (xe_ring_request(&g->ring, domid, write ? XS_WRITE : XS_READ, msg,
			    (uint32_t)(pl + vl), &type, reply, sizeof(reply)) < 0)
		return hd_fail_errno(err, HD_EXS, "guest %u: its ring", domid);
	if (type == XS_ERROR)
		return hd_fail(err, HD_EXS, "guest %u: %s %s: %s", domid,
			       write ? "write" : "read", path, reply);
	if (out)
		hd_strlcpy(out, reply, out_len);
	return HD_OK;
}

/* What horde-guest's netfront does in the store at boot (guest/netfront.c,
 * netfront_run and vif_connect), in its order: read its MAC, write its
 * rings' grant references and event channel (the values horde-guest
 * gets: 8 reserved grants, then 16 rx and 4 tx buffers; its first port
 * after the store's and the console's), its features, then Connected. */
static int netfront(struct emu_guests *g, uint32_t domid, struct hd_err *err)
{
	static const char *const keys[][2] = {
		{ "device/vif/0/tx-ring-ref", "28" },
		{ "device/vif/0/rx-ring-ref", "29" },
		{ "device/vif/0/event-channel", "3" },
		{ "device/vif/0/request-rx-copy", "1" },
		{ "device/vif/0/feature-rx-notify", "1" },
		{ "device/vif/0/state", "4" },
	};
	char mac[32];
	int rc = guest_request(g, domid, false, "device/vif/0/mac", NULL, mac,
			       sizeof(mac), err);
	for (size_t i = 0; rc == HD_OK && i < sizeof(keys) / sizeof(keys[0]); i++)
		rc = guest_request(g, domid, true, keys[i][0], keys[i][1], NULL,
				   0, err);
	return rc;
}

static void boot(struct emu_guests *g, const struct boot *b)
{
	char host[16], guest[16];
	struct hd_err err = { 0 };

	emu_vif_names(b->domid, 0, host, guest);
	int ifindex = (int)if_nametoindex(guest);
	if (!ifindex) {
		hd_fail_errno(&err, HD_ENOENT, "guest %u: no interface %s",
			      b->domid, guest);
		goto fail;
	}
	if (netfront(g, b->domid, &err))
		goto fail;
	if (nl_link_up(g->nl, ifindex, &err) ||
	    nl_neigh_add(g->nl, ifindex, g->cfg.prober_addr_be,
			 g->cfg.prober_mac, &err) ||
	    nl_addr_add(g->nl, ifindex, b->addr_be, &err))
		goto fail;
	return;
fail:
	g->cfg.on_fault(g->cfg.fault_arg, b->domid, err.msg);
}

static void *run(void *arg)
{
	struct emu_guests *g = arg;
	pthread_setname_np(pthread_self(), "horde-guests");

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		const struct boot *next = heap_top(&g->queue);
		if (!next) {
			pthread_cond_wait(&g->wake, &g->lock);
			continue;
		}
		uint64_t now = hd_now_ns();
		if (next->due_ns > now) {
			struct timespec ts = hd_timespec(next->due_ns);
			pthread_cond_timedwait(&g->wake, &g->lock, &ts);
			continue;
		}
		struct boot b;
		heap_pop(&g->queue, &b);
		if (b.gen != g->gen[b.domid])
			continue; /* destroyed before it booted */
		pthread_mutex_unlock(&g->lock);
		boot(g, &b);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int emu_guests_start(const struct emu_guests_config *cfg,
		     struct emu_guests **out, struct hd_err *err)
{
	struct emu_guests *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;
	int rc;

	if (!g || !(g->gen = calloc(HD_DOMID_LAST + 1, sizeof(*g->gen)))) {
		free(g);
		return hd_fail(err, HD_ESYS, "emu guests: out of memory");
	}
	g->cfg = *cfg;
	g->ring.fd = -1;
	g->cancel_fd = -1;
	heap_init(&g->queue, sizeof(struct boot));
	if ((rc = nl_open(&g->nl, err)))
		goto fail;
	if ((g->cancel_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "emu guests: eventfd");
		goto fail;
	}
	/* No timeout, as a PV guest has none: cxenstored may hold a guest
	 * back for a while (its write rate limit); stop cancels. */
	g->ring = (struct xe_guest_io){ .xe = cfg->xe, .timeout_ms = -1,
					.has_cancel = true,
					.cancel_fd = g->cancel_fd };
	if (xe_handle_new(cfg->xe, &g->ring.handle, &g->ring.fd, true)) {
		rc = hd_fail_errno(err, HD_ESYS, "emu guests: event channel "
				   "handle");
		g->ring.xe = NULL;
		goto fail;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&g->thread, NULL, run, g))) {
		rc = hd_fail_errno(err, HD_ESYS, "emu guests: start thread");
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		goto fail;
	}
	*out = g;
	return HD_OK;
fail:
	if (g->ring.xe)
		xe_handle_close(g->ring.xe, g->ring.handle, g->ring.fd);
	if (g->cancel_fd >= 0)
		close(g->cancel_fd);
	nl_close(g->nl);
	free(g->gen);
	free(g);
	return rc;
}

void emu_guests_unpaused(void *arg, uint32_t domid, const char *cmdline)
{
	struct emu_guests *g = arg;
	struct boot b = { hd_now_ns(), domid, 0, 0 };

	pthread_mutex_lock(&g->lock);
	b.due_ns += emu_delay_draw(&g->cfg.delay);
	if (cmdline_ip(cmdline, &b.addr_be) != 0) {
		g->cfg.on_fault(g->cfg.fault_arg, domid,
			    "guest: no ip= on its command line");
	} else {
		b.gen = g->gen[domid];
		queue(g, b);
		pthread_cond_signal(&g->wake);
	}
	pthread_mutex_unlock(&g->lock);
}

void emu_guests_destroyed(void *arg, uint32_t domid)
{
	struct emu_guests *g = arg;

	pthread_mutex_lock(&g->lock);
	g->gen[domid]++;
	pthread_mutex_unlock(&g->lock);
}

void emu_guests_stop(struct emu_guests *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	/* A boot waiting on a daemon that died gives up now. */
	uint64_t one = 1;
	if (write(g->cancel_fd, &one, sizeof(one)) < 0) {
		/* cannot fail: the counter is far below its maximum */
	}
	pthread_join(g->thread, NULL);
	close(g->cancel_fd);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	if (g->ring.xe)
		xe_handle_close(g->ring.xe, g->ring.handle, g->ring.fd);
	nl_close(g->nl);
	heap_free(&g->queue);
	free(g->gen);
	free(g);
}
