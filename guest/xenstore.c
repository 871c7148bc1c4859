/* xenstore.c: the guest's end of its XenStore ring (xen/io/xs_wire.h):
 * one request at a time, written to the request ring, the reply read back
 * from the response ring, the store's event channel kicked and polled.
 * Only what horde-guest needs: READ. */
#include "guest.h"

#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *ring(void)
{
	return mfn_to_virt(si->store_mfn);
}

static void put(const void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	const char *p = data;
	while (len) {
		while (r->req_prod - r->req_cons >= XENSTORE_RING_SIZE) {
			notify(si->store_evtchn);
			wait_for(si->store_evtchn);
		}
		r->req[MASK_XENSTORE_IDX(r->req_prod)] = *p++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->req_prod++;
		len--;
	}
	notify(si->store_evtchn);
}

static void get(void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	char *p = data;
	while (len) {
		while (r->rsp_prod == r->rsp_cons)
			wait_for(si->store_evtchn);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		*p++ = r->rsp[MASK_XENSTORE_IDX(r->rsp_cons)];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->rsp_cons++;
		len--;
	}
	notify(si->store_evtchn);
}

int xs_read(const char *path, char *buf, size_t len)
{
	static uint32_t req_id;
	struct xsd_sockmsg m = { .type = XS_READ, .req_id = ++req_id,
				 .len = (uint32_t)str_len(path) + 1 };
	char skip;

	put(&m, sizeof(m));
	put(path, m.len);
	/* No watches are set, so the next message is this reply. */
	get(&m, sizeof(m));
	if (m.type != XS_READ || m.len >= len) {
		for (uint32_t i = 0; i < m.len; i++)
			get(&skip, 1);
		return -1;
	}
	get(buf, m.len);
	buf[m.len] = '\0';
	return (int)m.len;
}
