/* netfront.c: vif 0, one queue, as Linux netback expects it
 * (drivers/net/xen-netback/xenbus.c): TX and RX rings in pages granted to
 * the backend, one unbound event channel for both, request-rx-copy and
 * feature-rx-notify, then state Connected. The backend copies each
 * received frame into one of the RX pages posted; a reply is copied into a
 * granted TX page and pushed. */
#include "guest.h"

/* ring.h leaves the barriers to its user. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xen/grant_table.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#include "hypercall.h"
#include "net.h"

#define PAGE_SIZE 4096
#define NRX 16
#define NTX 4
#define BACKEND_DOMID 0

static char tx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char rx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char rx_buf[NRX][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char tx_buf[NTX][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Remapped to the domain's first grant table frame. */
static char grant_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static grant_entry_v1_t *grants;
static grant_ref_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;
static grant_ref_t rx_ref[NRX], tx_ref[NTX];
static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static evtchn_port_t vif_evtchn; /* both rings, one event channel */
static uint8_t tx_busy[NTX];
static struct net_self self;

/* Lets the backend (dom0) at page. */
static grant_ref_t grant(void *page)
{
	grant_ref_t ref = next_ref++;
	grants[ref].frame = (uint32_t)virt_to_mfn(page);
	grants[ref].domid = BACKEND_DOMID;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	grants[ref].flags = GTF_permit_access;
	return ref;
}

static int setup_grants(void)
{
	xen_pfn_t frame;
	struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = 1 };
	set_xen_guest_handle(setup.frame_list, &frame);
	if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
		       (unsigned long)&setup, 1) || setup.status != GNTST_okay)
		return -1;
	map_frame(grant_page, frame);
	grants = (grant_entry_v1_t *)grant_page;
	return 0;
}

static void post_rx(unsigned id)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&rx, rx.req_prod_pvt);
	req->id = (uint16_t)id;
	req->gref = rx_ref[id];
	rx.req_prod_pvt++;
}

static void push_rx(void)
{
	int notify_backend;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify_backend);
	if (notify_backend)
		notify(vif_evtchn);
}

static void vif_send(const uint8_t *frame, size_t len)
{
	unsigned id = 0;
	while (id < NTX && tx_busy[id])
		id++;
	if (id == NTX || RING_FULL(&tx))
		return; /* no room: drop, as a busy NIC would */
	uint8_t *buf = (uint8_t *)tx_buf[id];
	for (size_t i = 0; i < len; i++)
		buf[i] = frame[i];
	netif_tx_request_t *req = RING_GET_REQUEST(&tx, tx.req_prod_pvt);
	*req = (netif_tx_request_t){ .gref = tx_ref[id], .offset = 0,
				     .flags = 0, .id = (uint16_t)id,
				     .size = (uint16_t)len };
	tx_busy[id] = 1;
	tx.req_prod_pvt++;
	int notify_backend;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, notify_backend);
	if (notify_backend)
		notify(vif_evtchn);
}

static void reap_tx(void)
{
	int more;
	do {
		while (tx.rsp_cons != tx.sring->rsp_prod) {
			xen_rmb();
			netif_tx_response_t *r = RING_GET_RESPONSE(&tx, tx.rsp_cons);
			if (r->status != NETIF_RSP_NULL && r->id < NTX)
				tx_busy[r->id] = 0;
			tx.rsp_cons++;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&tx, more);
	} while (more);
}

static void receive(void)
{
	static uint8_t out[PAGE_SIZE];
	int more;
	do {
		while (rx.rsp_cons != rx.sring->rsp_prod) {
			xen_rmb();
			netif_rx_response_t *r = RING_GET_RESPONSE(&rx, rx.rsp_cons);
			unsigned id = r->id < NRX ? r->id : 0;
			if (r->status > 0 && r->offset + r->status <= PAGE_SIZE) {
				size_t n = net_reply(&self,
						     (uint8_t *)rx_buf[id] + r->offset,
						     (size_t)r->status, out);
				if (n)
					vif_send(out, n);
			}
			rx.rsp_cons++;
			post_rx(id);
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&rx, more);
	} while (more);
	push_rx();
}

/* Writes a number at device/vif/0/KEY. */
static int write_number(const char *key, unsigned v)
{
	char path[64] = "device/vif/0/", num[16], rev[16];
	size_t l = str_len(path);
	int n = 0;

	for (; *key && l + 1 < sizeof(path); key++)
		path[l++] = *key;
	path[l] = '\0';
	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		num[i] = rev[n - 1 - i];
	num[n] = '\0';
	return store_write(path, num);
}

/* The frontend's keys, then Connected (netback connects on it). */
static int vif_connect(void)
{
	if (write_number("tx-ring-ref", grant(tx_ring_page)) ||
	    write_number("rx-ring-ref", grant(rx_ring_page)) ||
	    write_number("event-channel", vif_evtchn) ||
	    store_write("device/vif/0/request-rx-copy", "1") ||
	    store_write("device/vif/0/feature-rx-notify", "1") ||
	    store_write("device/vif/0/state", "4"))
		return -1;
	return 0;
}

void netfront_run(void)
{
	char mac[32];

	if (store_read("device/vif/0/mac", mac, sizeof(mac)) < 0 ||
	    net_parse_mac(mac, self.mac)) {
		say("no vif 0 in the store: idle", "", "");
		return;
	}
	if (net_parse_ip((const char *)start_info->cmd_line, self.ip)) {
		say("no ip= on the command line: idle", "", "");
		return;
	}
	if (setup_grants()) {
		say("grant table setup failed: idle", "", "");
		return;
	}
	struct evtchn_alloc_unbound alloc = { .dom = DOMID_SELF,
					      .remote_dom = BACKEND_DOMID };
	if (hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
		       (unsigned long)&alloc)) {
		say("no event channel for vif 0: idle", "", "");
		return;
	}
	vif_evtchn = alloc.port;
	SHARED_RING_INIT((netif_tx_sring_t *)tx_ring_page);
	FRONT_RING_INIT(&tx, (netif_tx_sring_t *)tx_ring_page, PAGE_SIZE);
	SHARED_RING_INIT((netif_rx_sring_t *)rx_ring_page);
	FRONT_RING_INIT(&rx, (netif_rx_sring_t *)rx_ring_page, PAGE_SIZE);
	for (unsigned i = 0; i < NRX; i++) {
		rx_ref[i] = grant(rx_buf[i]);
		post_rx(i);
	}
	for (unsigned i = 0; i < NTX; i++)
		tx_ref[i] = grant(tx_buf[i]);
	push_rx();
	if (vif_connect()) {
		say("could not write vif 0's keys: idle", "", "");
		return;
	}
	say("vif 0 connected, mac ", mac, "");
	for (;;) {
		wait_for(vif_evtchn);
		reap_tx();
		receive();
	}
}
