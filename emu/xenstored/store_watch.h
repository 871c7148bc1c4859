/* store_watch.h: watches: registering them and firing them. */
#ifndef HORDE_XS_STORE_WATCH_H
#define HORDE_XS_STORE_WATCH_H

#include "store_types.h"

void xsd_fire_exact(struct xs_store *s, const char *key, const char *path,
		       const struct perms *perms);
/* A change at path, whose node now has perms (NULL: gone, or a special
 * @ event), fires the watches on path and on each of its ancestors. */
void xsd_fire(struct xs_store *s, const char *path, const struct perms *perms);
/* The store's changed hook (see store_types.h): exact fires only the
 * watches on path itself. */
void xsd_changed(struct xs_store *s, const char *path,
		 const struct perms *perms, bool exact);
void xsd_conn_drop_watches(struct xs_conn *c);
int xsd_do_watch(const struct req *r);
int xsd_do_unwatch(const struct req *r);

#endif
