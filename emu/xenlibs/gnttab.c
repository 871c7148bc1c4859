/* gnttab.c: libxengnttab.so.1 for Xen's daemons on the emulated host.
 * cxenstored maps a guest's ring through the grant Xen reserves for it
 * (GNTTAB_RESERVED_XENSTORE; xenstored_domain.c, map_interface): that is
 * the one grant an emulated domain has, its page of xe_state's rings. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "xe_state.h"

struct xengntdev_handle {
	struct xe xe;
};

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	(void)logger, (void)open_flags;
	xengnttab_handle *h = calloc(1, sizeof(*h));
	if (h && xe_open_env(&h->xe) != 0) {
		free(h);
		return NULL;
	}
	return h;
}

int xengnttab_close(xengnttab_handle *h)
{
	if (h) {
		xe_close(&h->xe);
		free(h);
	}
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr_grants)
{
	(void)h, (void)nr_grants;
	return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid,
			      uint32_t ref, int prot)
{
	(void)prot;
	if (ref != GNTTAB_RESERVED_XENSTORE) {
		errno = EINVAL;
		return NULL;
	}
	return xe_ring_map(&h->xe, domid);
}

int xengnttab_unmap(xengnttab_handle *h, void *start_address, uint32_t count)
{
	(void)h;
	return munmap(start_address, (size_t)count * XE_PAGE);
}
