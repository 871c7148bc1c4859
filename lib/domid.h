/* domid.h: Xen's domain ids, for every part that keeps something per
 * domain or checks an id: the one place horde writes down where they end.
 * The values are Xen's (xen/include/public/xen.h); xcl/xcl_hv_xen.c, which
 * includes Xen's header, checks at compile time that they still agree.
 * Xen's header itself is not included here: it defines macros such as
 * console_mfn that would rename fields of horde's own structs. */
#ifndef HORDE_DOMID_H
#define HORDE_DOMID_H

/* Ids from here on name DOMID_SELF, DOMID_IO and the like, no domain. */
#define HD_DOMID_FIRST_RESERVED 0x7FF0u
/* Ordinary domains have ids 0 (dom0) to HD_DOMID_LAST, 32751; an array
 * by domid has HD_DOMID_LAST + 1 entries. */
#define HD_DOMID_LAST (HD_DOMID_FIRST_RESERVED - 1)

#endif
