/* fuzz_store.c: libFuzzer target for the XenStore message handling. The
 * input is a stream of wire messages (16-byte header, then body) sent by
 * two clients, dom0 and domain 5, chosen by the low bit of req_id. Any
 * stream must get one reply per message and never crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../emu/xenstored/store.h"

static unsigned replies;

static void count(void *io, const struct xsd_sockmsg *hdr, const void *body)
{
	(void)io;
	(void)body;
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		__builtin_trap();
	if (hdr->type != XS_WATCH_EVENT)
		replies++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_store *s = xs_store_new(NULL);
	struct xs_conn *c[2] = { xs_conn_new(s, 0, count, NULL),
				 xs_conn_new(s, 5, count, NULL) };
	static char body[XENSTORE_PAYLOAD_MAX + 1];

	for (int n = 0; n < 256 && size >= sizeof(struct xsd_sockmsg); n++) {
		struct xsd_sockmsg hdr;
		memcpy(&hdr, data, sizeof(hdr));
		data += sizeof(hdr);
		size -= sizeof(hdr);
		/* Small type and tx numbers reach the handlers more often. */
		hdr.type %= XS_TYPE_COUNT + 2;
		hdr.tx_id %= 8;
		if (hdr.len > size)
			hdr.len = (uint32_t)size;
		if (hdr.len > XENSTORE_PAYLOAD_MAX)
			hdr.len = XENSTORE_PAYLOAD_MAX;
		memcpy(body, data, hdr.len);
		body[hdr.len] = '\0';
		data += hdr.len;
		size -= hdr.len;
		replies = 0;
		xs_store_request(s, c[hdr.req_id & 1], &hdr, body);
		if (replies != 1)
			__builtin_trap();
	}
	xs_store_free(s);
	return 0;
}
