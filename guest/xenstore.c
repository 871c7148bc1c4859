/* xenstore.c: the guest's end of its XenStore ring (xen/io/xs_wire.h):
 * one request at a time, written to the request ring, the reply read back
 * from the response ring, the store's event channel kicked and polled.
 * Only what horde-guest needs: READ and WRITE. */
#include "guest.h"

#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *ring(void)
{
	return mfn_to_virt(start_info->store_mfn);
}

static void put(const void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	const char *p = data;
	while (len) {
		while (r->req_prod - r->req_cons >= XENSTORE_RING_SIZE) {
			notify(start_info->store_evtchn);
			wait_for(start_info->store_evtchn);
		}
		r->req[MASK_XENSTORE_IDX(r->req_prod)] = *p++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->req_prod++;
		len--;
	}
	notify(start_info->store_evtchn);
}

static void get(void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	char *p = data;
	while (len) {
		while (r->rsp_prod == r->rsp_cons)
			wait_for(start_info->store_evtchn);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		*p++ = r->rsp[MASK_XENSTORE_IDX(r->rsp_cons)];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->rsp_cons++;
		len--;
	}
	notify(start_info->store_evtchn);
}

/* One request (its strings, nul-separated; the last without its nul for
 * a WRITE's value) and its reply into buf; the reply's length, or -1. */
static int request(uint32_t type, const char *a, const char *b, char *buf,
		   size_t len)
{
	static uint32_t req_id;
	uint32_t la = (uint32_t)str_len(a) + 1, lb = b ? (uint32_t)str_len(b) : 0;
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id,
				 .len = la + lb };
	char skip;

	put(&m, sizeof(m));
	put(a, la);
	if (b)
		put(b, lb);
	/* No watches are set, so the next message is this reply. */
	get(&m, sizeof(m));
	if (m.type != type || m.len >= len) {
		for (uint32_t i = 0; i < m.len; i++)
			get(&skip, 1);
		return -1;
	}
	get(buf, m.len);
	buf[m.len] = '\0';
	return (int)m.len;
}

int store_read(const char *path, char *buf, size_t len)
{
	return request(XS_READ, path, NULL, buf, len);
}

int store_write(const char *path, const char *value)
{
	char ok[8];
	return request(XS_WRITE, path, value, ok, sizeof(ok)) < 0 ? -1 : 0;
}
