/* arp.c: see arp.h. The loop follows arp-scan: non-blocking capture with
 * immediate mode and a BPF filter, sends paced by a global rate, each target
 * with its own next-send time and timeout, and a wait in ppoll exactly
 * until the next send is due.
 *
 * Times come from where things happened, not from the loop: a reply's is
 * the kernel's capture timestamp (nanosecond precision, CLOCK_REALTIME
 * moved onto CLOCK_MONOTONIC), a request's is read just before and just
 * after pcap_inject. On a veth the whole exchange can complete inside the
 * send call; a reply captured before pcap_inject returned counts its round
 * trip from the stamp before it. */
#define _GNU_SOURCE
#include "arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_GAP_NS 250000000ull /* backoff cap for a guest slow to answer */
/* How far sending may lag behind the rate and catch up in a burst: long
 * enough to send many probes per wake-up, short enough to keep the rate. */
#define BURST_NS 2000000ull

struct target {
	uint32_t id, addr_be, iface;
	uint32_t sweep;          /* 0: a liveness probe */
	bool any_mac;            /* expected MAC unknown: broadcast */
	uint8_t mac[6];
	uint64_t start_ns, next_ns, gap_ns, timeout_ns;
	/* Around each of the last two pcap_injects, [0] the latest: a reply
	 * to the one before may be read only after the next was sent. */
	uint64_t sending_ns[2], sent_ns[2];
	uint64_t first_sending_ns;    /* before the first pcap_inject */
	uint32_t sends;
	struct target *prev, *next; /* active list */
};

/* Open addressing from address to target, with backward-shift deletion,
 * so lookups stay O(1) at any number of guests. */
struct addr_table {
	struct target **slots;
	size_t cap, count; /* cap is a power of two */
};

struct probe;

/* One capture handle per interface, all served by the one thread. */
struct iface {
	struct probe *probe;
	pcap_t *pcap;
	int fd;
	bool gone; /* its capture failed: the interface went away */
	uint8_t mac[6];
	uint64_t ts_unit_ns; /* of its timestamps' tv_usec: 1 (ns) or 1000 */
};

struct probe {
	struct probe_config cfg;
	struct iface ifaces[PROBE_MAX_IFACES];
	size_t nifaces;
	int wake_fd;
	uint32_t src_addr_be;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;      /* guards incoming, results, stop, stats */
	pthread_cond_t done;       /* signalled when a result is ready */
	struct target **incoming;
	size_t nincoming, capincoming;
	struct probe_result *results;
	size_t nresults, capresults;
	size_t nactive;
	bool stop;
	struct probe_stats stats; /* published copy of tstats */

	/* Owned by the thread. */
	struct target *active;
	struct addr_table table;
	bool incoming_held; /* guests left queued for want of memory */
	uint64_t next_slot_ns;
	struct probe_stats tstats;
};

static size_t slot_of(const struct addr_table *t, uint32_t addr)
{
	uint32_t h = addr * 0x9e3779b1u;
	return (size_t)h & (t->cap - 1);
}

static int table_grow(struct addr_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct target **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	struct addr_table n = { slots, cap, 0 };
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		size_t s = slot_of(&n, t->slots[i]->addr_be);
		while (n.slots[s])
			s = (s + 1) & (cap - 1);
		n.slots[s] = t->slots[i];
		n.count++;
	}
	free(t->slots);
	*t = n;
	return 0;
}

static int table_put(struct addr_table *t, struct target *x)
{
	if ((t->count + 1) * 2 > t->cap && table_grow(t))
		return -1;
	size_t s = slot_of(t, x->addr_be);
	while (t->slots[s] && t->slots[s]->addr_be != x->addr_be)
		s = (s + 1) & (t->cap - 1);
	if (!t->slots[s])
		t->count++;
	t->slots[s] = x;
	return 0;
}

static struct target *table_get(const struct addr_table *t, uint32_t addr)
{
	if (!t->cap)
		return NULL;
	for (size_t s = slot_of(t, addr); t->slots[s]; s = (s + 1) & (t->cap - 1))
		if (t->slots[s]->addr_be == addr)
			return t->slots[s];
	return NULL;
}

static void table_del(struct addr_table *t, uint32_t addr)
{
	size_t s = slot_of(t, addr);
	while (t->slots[s] && t->slots[s]->addr_be != addr)
		s = (s + 1) & (t->cap - 1);
	if (!t->slots[s])
		return;
	t->slots[s] = NULL;
	t->count--;
	/* Shift later members of the run back so lookups still find them. */
	for (size_t j = (s + 1) & (t->cap - 1); t->slots[j];
	     j = (j + 1) & (t->cap - 1)) {
		size_t home = slot_of(t, t->slots[j]->addr_be);
		bool between = s <= j ? (home > s && home <= j)
				      : (home > s || home <= j);
		if (!between) {
			t->slots[s] = t->slots[j];
			t->slots[j] = NULL;
			s = j;
		}
	}
}

/* ---- frames ---------------------------------------------------------- */

void arp_build_request(uint8_t f[ARP_FRAME_LEN], const uint8_t src_mac[6],
		       uint32_t src_addr_be, const uint8_t dst_mac[6],
		       uint32_t target_addr_be)
{
	memcpy(f, dst_mac, 6);          /* Ethernet destination */
	memcpy(f + 6, src_mac, 6);      /* Ethernet source */
	f[12] = 0x08, f[13] = 0x06;     /* ARP */
	f[14] = 0x00, f[15] = 0x01;     /* hardware: Ethernet */
	f[16] = 0x08, f[17] = 0x00;     /* protocol: IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0x00, f[21] = 0x01;     /* request */
	memcpy(f + 22, src_mac, 6);
	memcpy(f + 28, &src_addr_be, 4);
	memset(f + 32, 0, 6);           /* target MAC: unknown in a request */
	memcpy(f + 38, &target_addr_be, 4);
}

int arp_parse_reply(const uint8_t *f, size_t len, uint8_t sender_mac[6],
		    uint32_t *sender_addr_be)
{
	if (len < ARP_FRAME_LEN || f[12] != 0x08 || f[13] != 0x06 ||
	    f[14] != 0 || f[15] != 1 || f[16] != 0x08 || f[17] != 0 ||
	    f[18] != 6 || f[19] != 4 || f[20] != 0 || f[21] != 2)
		return -1;
	memcpy(sender_mac, f + 22, 6);
	memcpy(sender_addr_be, f + 28, 4);
	return 0;
}

/* ---- the loop -------------------------------------------------------- */

static void finish(struct probe *p, struct target *t, int alive,
		   uint64_t reply_ns, const uint8_t *mac)
{
	struct probe_result r = {
		.id = t->id, .sweep = t->sweep, .alive = alive,
		.reply_ns = reply_ns, .start_ns = t->start_ns, .sends = t->sends,
		.iface = t->iface, .iface_gone = !alive && p->ifaces[t->iface].gone,
	};
	if (alive) {
		/* From the latest request that left before the reply came
		 * (on_packet took only replies after the first). */
		uint64_t from = t->first_sending_ns;
		for (int k = 1; k >= 0; k--)
			if (t->sends > (uint32_t)k && reply_ns >= t->sending_ns[k])
				from = reply_ns >= t->sent_ns[k] ? t->sent_ns[k]
								 : t->sending_ns[k];
		r.rtt_ns = reply_ns - from;
	}
	if (mac) {
		memcpy(r.mac, mac, 6);
		r.mac_mismatch = !t->any_mac && memcmp(mac, t->mac, 6) != 0;
	}
	if (t->prev)
		t->prev->next = t->next;
	else
		p->active = t->next;
	if (t->next)
		t->next->prev = t->prev;
	table_del(&p->table, t->addr_be);
	free(t);

	/* Its room was reserved when it was added (add_target). */
	pthread_mutex_lock(&p->lock);
	p->results[p->nresults++] = r;
	p->nactive--;
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->lock);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	struct iface *ifc = (struct iface *)user;
	struct probe *p = ifc->probe;
	uint8_t mac[6];
	uint32_t addr;

	if (arp_parse_reply(bytes, h->caplen, mac, &addr) != 0)
		return;
	struct target *t = table_get(&p->table, addr);
	if (!t) {
		p->tstats.unmatched++;
		return;
	}
	uint64_t real = (uint64_t)h->ts.tv_sec * 1000000000ull +
			(uint64_t)h->ts.tv_usec * ifc->ts_unit_ns;
	uint64_t at = hd_mono_from_real_ns(real);
	/* A reply that came before this probe's first request answered an
	 * earlier one to the address (a liveness probe before a sweep, a
	 * guest before the one that reused its address): not this one's. */
	if (!t->sends || at < t->first_sending_ns) {
		p->tstats.unmatched++;
		return;
	}
	p->tstats.replies++;
	finish(p, t, 1, at, mac);
}

/* Moves the guests added since into the active list. When the address
 * table cannot grow, the rest stay queued (p->incoming_held) and are tried
 * again on the next pass: a guest is never dropped unprobed. */
static void take_incoming(struct probe *p)
{
	uint64_t v;
	size_t i;
	if (read(p->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->nincoming; i++) {
		struct target *t = p->incoming[i];
		struct target *old = table_get(&p->table, t->addr_be);
		if (old) {
			/* The address was reused: the newer guest wins. */
			pthread_mutex_unlock(&p->lock);
			finish(p, old, 0, 0, NULL);
			pthread_mutex_lock(&p->lock);
		}
		if (table_put(&p->table, t))
			break;
		t->next = p->active;
		if (p->active)
			p->active->prev = t;
		p->active = t;
	}
	if (i)
		memmove(p->incoming, p->incoming + i,
			(p->nincoming - i) * sizeof(*p->incoming));
	p->nincoming -= i;
	p->incoming_held = p->nincoming > 0;
	pthread_mutex_unlock(&p->lock);
}

/* Sends what is due; returns the time of the next send. */
static uint64_t send_due(struct probe *p, uint64_t now)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint64_t next = now + 1000000000ull;
	uint64_t slot_gap = 1000000000ull / (p->cfg.max_rate ? p->cfg.max_rate : 1);
	uint8_t frame[ARP_FRAME_LEN];

	if (p->next_slot_ns + BURST_NS < now)
		p->next_slot_ns = now - BURST_NS;
	for (struct target *t = p->active, *n; t; t = n) {
		n = t->next;
		if (now - t->start_ns >= t->timeout_ns ||
		    p->ifaces[t->iface].gone) {
			finish(p, t, 0, 0, NULL);
			continue;
		}
		if (t->next_ns > now) {
			if (t->next_ns < next)
				next = t->next_ns;
			continue;
		}
		if (p->next_slot_ns > now) {
			/* Over the rate: try again when a slot frees. */
			if (p->next_slot_ns < next)
				next = p->next_slot_ns;
			continue;
		}
		struct iface *ifc = &p->ifaces[t->iface];
		arp_build_request(frame, ifc->mac, p->src_addr_be,
				  t->any_mac ? broadcast : t->mac, t->addr_be);
		uint64_t sending = hd_now_ns();
		if (pcap_inject(ifc->pcap, frame, sizeof(frame)) == sizeof(frame)) {
			p->tstats.sent++;
			t->sends++;
			t->sending_ns[1] = t->sending_ns[0];
			t->sent_ns[1] = t->sent_ns[0];
			t->sending_ns[0] = sending;
			t->sent_ns[0] = hd_now_ns();
			if (t->sends == 1)
				t->first_sending_ns = sending;
		}
		p->next_slot_ns += slot_gap;
		/* Back off for guests slow to answer, so a host full of
		 * dead guests does not drown the live ones. */
		if (now - t->start_ns > 1000000000ull && t->gap_ns < MAX_GAP_NS)
			t->gap_ns = t->gap_ns * 3 / 2;
		t->next_ns = now + t->gap_ns;
		if (t->next_ns < next)
			next = t->next_ns;
		uint64_t deadline = t->start_ns + t->timeout_ns;
		if (deadline < next)
			next = deadline;
	}
	return next;
}

/* The interface went away under its capture (an error it will never
 * recover from): it is polled no more, which would wake the thread for
 * ever, and its guests are given up on the next pass of send_due. */
static void iface_gone(struct probe *p, struct iface *ifc, struct pollfd *pfd)
{
	pfd->fd = -1;
	pthread_mutex_lock(&p->lock);
	ifc->gone = true;
	pthread_mutex_unlock(&p->lock);
}

static void *run(void *arg)
{
	struct probe *p = arg;
	/* Named, so that horde's CPU can be told thread by thread. */
	pthread_setname_np(pthread_self(), "horde-probe");
	struct pollfd pfd[PROBE_MAX_IFACES + 1] = {
		{ .fd = p->wake_fd, .events = POLLIN },
	};
	for (size_t i = 0; i < p->nifaces; i++)
		pfd[i + 1] = (struct pollfd){ .fd = p->ifaces[i].fd,
					      .events = POLLIN };

	for (;;) {
		pthread_mutex_lock(&p->lock);
		bool stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		uint64_t now = hd_now_ns();
		uint64_t next = send_due(p, now);
		uint64_t wait = next > now ? next - now : 0;
		struct timespec ts = hd_timespec(wait);
		if (ppoll(pfd, p->nifaces + 1, &ts, NULL) < 0 && errno != EINTR)
			break;
		if ((pfd[0].revents & POLLIN) || p->incoming_held)
			take_incoming(p);
		for (size_t i = 0; i < p->nifaces; i++) {
			short ev = pfd[i + 1].revents;
			if (((ev & POLLIN) &&
			     pcap_dispatch(p->ifaces[i].pcap, -1, on_packet,
					   (u_char *)&p->ifaces[i]) < 0) ||
			    (ev & (POLLERR | POLLHUP | POLLNVAL)))
				iface_gone(p, &p->ifaces[i], &pfd[i + 1]);
		}
		pthread_mutex_lock(&p->lock);
		p->stats = p->tstats;
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

static int iface_mac(const char *iface, uint8_t mac[6], struct hd_err *err)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hd_fail_errno(err, HD_ESYS, "socket");
	memset(&ifr, 0, sizeof(ifr));
	hd_strlcpy(ifr.ifr_name, iface, sizeof(ifr.ifr_name));
	int r = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (r < 0)
		return hd_fail_errno(err, HD_ENOENT, "MAC of %s", iface);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return HD_OK;
}

static int open_iface(struct iface *ifc, const char *name, struct hd_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	char filter[128];
	int rc;

	if ((rc = iface_mac(name, ifc->mac, err)))
		return rc;
	ifc->pcap = pcap_create(name, errbuf);
	if (!ifc->pcap)
		return hd_fail(err, HD_ESYS, "prober: pcap on %s: %s", name, errbuf);
	pcap_set_snaplen(ifc->pcap, 64);
	pcap_set_immediate_mode(ifc->pcap, 1);
	pcap_set_buffer_size(ifc->pcap, 8 << 20);
	pcap_set_tstamp_precision(ifc->pcap, PCAP_TSTAMP_PRECISION_NANO);
	if (pcap_activate(ifc->pcap) < 0)
		return hd_fail(err, HD_ESYS, "prober: activate %s: %s", name,
			       pcap_geterr(ifc->pcap));
	ifc->ts_unit_ns = pcap_get_tstamp_precision(ifc->pcap) ==
			  PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	/* Only ARP replies to us: every other frame on a bridge of
	 * thousands of guests stays in the kernel. */
	snprintf(filter, sizeof(filter),
		 "arp and arp[6:2] == 2 and ether dst %02x:%02x:%02x:%02x:%02x:%02x",
		 ifc->mac[0], ifc->mac[1], ifc->mac[2], ifc->mac[3], ifc->mac[4],
		 ifc->mac[5]);
	if (pcap_compile(ifc->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return hd_fail(err, HD_ESYS, "prober: filter: %s",
			       pcap_geterr(ifc->pcap));
	rc = pcap_setfilter(ifc->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0)
		return hd_fail(err, HD_ESYS, "prober: filter: %s",
			       pcap_geterr(ifc->pcap));
	if (pcap_setnonblock(ifc->pcap, 1, errbuf) < 0 ||
	    (ifc->fd = pcap_get_selectable_fd(ifc->pcap)) < 0)
		return hd_fail(err, HD_ESYS, "prober: non-blocking capture on "
			       "%s: %s", name, errbuf);
	return HD_OK;
}

int probe_open(const char (*ifaces)[16], size_t nifaces, uint32_t src_addr_be,
	       const struct probe_config *cfg, struct probe **out,
	       struct hd_err *err)
{
	int rc = HD_OK;
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return hd_fail(err, HD_ESYS, "prober: out of memory");
	if (nifaces < 1 || nifaces > PROBE_MAX_IFACES) {
		free(p);
		return hd_fail(err, HD_EINVAL, "prober: %zu interfaces (1..%d)",
			       nifaces, PROBE_MAX_IFACES);
	}
	p->cfg = *cfg;
	p->src_addr_be = src_addr_be;
	p->wake_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done, &ca);
	pthread_condattr_destroy(&ca);
	for (; p->nifaces < nifaces; p->nifaces++) {
		p->ifaces[p->nifaces].probe = p;
		if ((rc = open_iface(&p->ifaces[p->nifaces], ifaces[p->nifaces],
				     err))) {
			p->nifaces++; /* so that probe_close closes it */
			goto fail;
		}
	}
	if ((p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "prober: eventfd");
		goto fail;
	}
	if ((errno = pthread_create(&p->thread, NULL, run, p))) {
		rc = hd_fail_errno(err, HD_ESYS, "prober: thread");
		goto fail;
	}
	p->started = true;
	*out = p;
	return HD_OK;
fail:
	probe_close(p);
	return rc;
}

static int add_target(struct probe *p, const struct target *proto)
{
	struct target *t;
	uint64_t one = 1;

	if (proto->iface >= p->nifaces || !(t = malloc(sizeof(*t))))
		return HD_ESYS;
	*t = *proto;
	t->next_ns = 0; /* at once */
	t->gap_ns = p->cfg.interval_ns;
	pthread_mutex_lock(&p->lock);
	/* Room for its verdict is reserved now, so that no verdict is ever
	 * dropped once the guest is being probed. */
	if (hd_reserve((void **)&p->incoming, &p->capincoming,
		       sizeof(*p->incoming), p->nincoming + 1) ||
	    hd_reserve((void **)&p->results, &p->capresults, sizeof(*p->results),
		       p->nresults + p->nactive + 1)) {
		pthread_mutex_unlock(&p->lock);
		free(t);
		return HD_ESYS;
	}
	p->incoming[p->nincoming++] = t;
	p->nactive++;
	pthread_mutex_unlock(&p->lock);
	if (write(p->wake_fd, &one, sizeof(one)) != sizeof(one))
		return HD_ESYS;
	return HD_OK;
}

int probe_add(struct probe *p, uint32_t id, uint32_t iface, uint32_t addr_be,
	      const uint8_t mac[6], uint64_t start_ns)
{
	struct target t = { .id = id, .iface = iface, .addr_be = addr_be,
			    .any_mac = mac == NULL, .start_ns = start_ns,
			    .timeout_ns = p->cfg.timeout_ns };
	if (mac)
		memcpy(t.mac, mac, 6);
	return add_target(p, &t);
}

int probe_add_sweep(struct probe *p, uint32_t sweep, uint32_t id,
		    uint32_t iface, uint32_t addr_be, const uint8_t mac[6],
		    uint64_t timeout_ns)
{
	struct target t = { .id = id, .iface = iface, .addr_be = addr_be,
			    .sweep = sweep, .start_ns = hd_now_ns(),
			    .timeout_ns = timeout_ns };
	memcpy(t.mac, mac, 6);
	return add_target(p, &t);
}

size_t probe_take(struct probe *p, struct probe_result *out, size_t max)
{
	return probe_wait(p, out, max, 0);
}

size_t probe_wait(struct probe *p, struct probe_result *out, size_t max,
		  uint64_t timeout_ns)
{
	uint64_t deadline = hd_now_ns() + timeout_ns;
	struct timespec ts = hd_timespec(deadline);
	pthread_mutex_lock(&p->lock);
	while (timeout_ns && p->nresults == 0 && p->nactive > 0 &&
	       pthread_cond_timedwait(&p->done, &p->lock, &ts) == 0)
		;
	size_t n = hd_take_front(p->results, &p->nresults, sizeof(*out), out, max);
	pthread_mutex_unlock(&p->lock);
	return n;
}

size_t probe_pending(struct probe *p)
{
	pthread_mutex_lock(&p->lock);
	size_t n = p->nactive + p->nresults;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void probe_get_stats(struct probe *p, struct probe_stats *out)
{
	struct pcap_stat ps;
	pthread_mutex_lock(&p->lock);
	*out = p->stats;
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->nifaces; i++)
		if (p->ifaces[i].pcap && pcap_stats(p->ifaces[i].pcap, &ps) == 0)
			out->pcap_drops += ps.ps_drop;
}

void probe_close(struct probe *p)
{
	if (!p)
		return;
	if (p->started) {
		uint64_t one = 1;
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_mutex_unlock(&p->lock);
		if (write(p->wake_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(p->thread);
		pthread_join(p->thread, NULL);
	}
	while (p->active) {
		struct target *t = p->active;
		p->active = t->next;
		free(t);
	}
	for (size_t i = 0; i < p->nincoming; i++)
		free(p->incoming[i]);
	free(p->incoming);
	free(p->results);
	free(p->table.slots);
	for (size_t i = 0; i < p->nifaces; i++)
		if (p->ifaces[i].pcap)
			pcap_close(p->ifaces[i].pcap);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
