/* xen_owner.h: which horde made a domain on a real Xen host, so that
 * `horde clean` on a shared host destroys only the domains of hordes that
 * died. The record sits in dom0's part of the store, where no guest
 * writes: XEN_OWNER_ROOT/<domid> = "<pid> <start> <boot id>" of the horde
 * (struct hd_proc). A domain named horde-* with no record (made by hand,
 * or by a horde older than the record) is taken as nobody's. */
#ifndef HORDE_XEN_OWNER_H
#define HORDE_XEN_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xenstore.h>

#include "../lib/util.h"

#define XEN_OWNER_ROOT "/tool/horde/owner"

/* This process made domid. Should the write fail, the domain is nobody's
 * to clean, as one made by hand. */
void xen_owner_record(struct xs_handle *xs, uint32_t domid);
void xen_owner_forget(struct xs_handle *xs, uint32_t domid);
/* Whether the horde that made domid is still running (its pid in *pid). */
bool xen_owner_alive(struct xs_handle *xs, uint32_t domid, long long *pid);

/* `horde clean` on a Xen host (platform xen's platform_ops.clean, which
 * covers xl's guests too: both name theirs PLATFORM_GUEST_PREFIX*):
 * destroys such domains whose horde is gone, and the records of domains
 * gone some other way, saying what on log. Not on a Xen host, there is
 * nothing to do. */
int xen_owner_clean(FILE *log, struct hd_err *err);

#endif
