/* store_txn.h: what a request sees, and transactions. */
#ifndef HORDE_XS_STORE_TXN_H
#define HORDE_XS_STORE_TXN_H

#include "store_types.h"

/* The transaction's first look at path: a copy of the node as it is now
 * (or its absence), or NULL when out of memory or over the transaction
 * node quota (t->failed then says which). */
struct readmark *xsd_snapshot(struct xs_store *s, struct txn *t,
			      const char *path);
/* Copies the children of the node r was taken of, once (see struct
 * readmark); 0, or ENOMEM (t->failed too). */
int xsd_snapshot_children(struct xs_store *s, struct txn *t,
			  struct readmark *r);
void xsd_lookup(struct xs_store *s, struct txn *t, const char *path,
		   struct view *v);
struct ov *xsd_ov_get_or_add(struct txn *t, const char *path,
				const struct view *from);
void xsd_ov_clear(struct ov *o);
int xsd_log_op(struct txn *t, enum op_kind kind, const char *path,
		  const char *value, uint32_t vlen, const struct perms *perms);
int xsd_tx_create_path(struct xs_store *s, struct txn *t,
			  struct xs_conn *c, const char *path);
void xsd_txn_remove(struct xs_conn *c, struct txn *t);
int xsd_do_transaction_start(const struct req *r);
int xsd_do_transaction_end(const struct req *r);

#endif
