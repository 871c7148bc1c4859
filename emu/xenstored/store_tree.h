/* store_tree.h: the tree of nodes and the operations as applied
 * to it. A change is told to watchers through the store's changed hook
 * (xs_store.changed), so the tree does not depend on watches. */
#ifndef HORDE_XS_STORE_TREE_H
#define HORDE_XS_STORE_TREE_H

#include "store_types.h"

struct node *xsd_node_get(struct xs_store *s, const char *path);
void xsd_owned_add(struct xs_store *s, uint32_t domid, int delta);
void xsd_node_free_subtree(struct xs_store *s, struct node *n, bool notify);
int xsd_apply_write(struct xs_store *s, uint32_t creator, const char *path,
		       const char *value, uint32_t vlen);
int xsd_apply_mkdir(struct xs_store *s, uint32_t creator, const char *path);
int xsd_apply_rm(struct xs_store *s, const char *path);
int xsd_apply_setperms(struct xs_store *s, const char *path,
			  const struct perms *perms);

#endif
