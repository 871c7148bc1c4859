/* store_types.h: the data the parts of the emulated XenStore share, and
 * nothing else: each part's functions are in its own header (store_util.h,
 * store_tree.h, store_watch.h, store_txn.h, store_ops.h), which include
 * this one and no other, so the parts depend on each other in one
 * direction only (see store.c for the map). Not for users of the store:
 * store.h is. */
#ifndef HORDE_XS_STORE_TYPES_H
#define HORDE_XS_STORE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/domid.h"
#include "../../lib/hmap.h"
#include "store.h"

/* Domain ids are below HD_DOMID_FIRST_RESERVED (lib/domid.h); arrays by
 * domid have HD_DOMID_FIRST_RESERVED + 1 entries, so that an id from the
 * wire checked against it may index them. */

struct xs_perm {
	uint32_t domid;
	char perm; /* 'n' none, 'r' read, 'w' write, 'b' both */
};

struct perms {
	struct xs_perm *p; /* p[0]: owner and everyone else's access */
	uint32_t n;
};

struct node {
	char *path;
	char *value;
	uint32_t vlen;
	struct perms perms;
	uint64_t gen; /* store generation of the last change to the node or
			 its list of children */
	struct node *parent, *first, *last, *prev, *next;
	uint32_t nchildren;
};

struct watch {
	char *path;    /* absolute, or @special; the key in the watch table */
	char *given;   /* as the client wrote it (maybe relative) */
	char *token;
	struct xs_conn *conn;
	struct watch *next_same_path, *prev_same_path;
	struct watch *next_conn, *prev_conn;
};

/* One change in a transaction's overlay: what the transaction sees at path. */
struct ov {
	char *path;
	bool exists;
	bool fresh;  /* created in the transaction: hides the tree below it */
	char *value;
	uint32_t vlen;
	struct perms perms;
	struct ov *next;
};

enum op_kind { OP_WRITE, OP_MKDIR, OP_RM, OP_SETPERMS };

struct op {
	enum op_kind kind;
	char *path;
	char *value;
	uint32_t vlen;
	struct perms perms;
};

/* A node as a transaction first saw it. The transaction keeps seeing it
 * so (cxenstored's transactions read from their own copy), and its commit
 * fails with EAGAIN if the node changed meanwhile. The children's names
 * are copied when the transaction first lists them, not at every look (a
 * look at /local/domain would copy every guest's name): still the first
 * look's, as the node's generation shows, unless the node changed since,
 * in which case the commit fails anyway. */
struct readmark {
	char *path;
	uint64_t gen;     /* 0: was absent */
	char *value;
	uint32_t vlen;
	struct perms perms;
	bool listed;      /* children copied */
	char *children;   /* its children's names, each nul-terminated */
	size_t childlen;
};

struct txn {
	uint32_t id;
	struct xs_conn *conn; /* whose it is */
	struct hmap overlay;  /* path -> struct ov */
	struct ov *ovs;       /* all overlay entries, for listing and freeing */
	struct hmap reads;    /* path -> struct readmark */
	uint32_t nodes;       /* read or changed: quota_trans_nodes */
	uint32_t new_nodes;   /* created: count against the owner's quota */
	int failed;           /* an errno that ends the transaction, or 0 */
	struct op *ops;
	size_t nops, capops;
	struct txn *next;
};

struct domain {
	bool introduced;
	uint64_t mfn;
	uint32_t port;
	uint32_t target;
	struct xs_conn *conns; /* connections acting as this domain */
};

struct xs_conn {
	struct xs_store *store;
	uint32_t domid;
	xs_send_fn send;
	void *io;
	struct watch *watches;
	uint32_t nwatches;
	struct txn *txns;
	uint32_t ntxns;
	struct xs_conn *prev, *next;         /* all connections */
	struct xs_conn *dom_prev, *dom_next; /* the domain's connections */
};

struct xs_store {
	struct xs_quota quota;
	/* Told of every change to the tree (store_watch.c's xsd_changed):
	 * perms are the node's after the change, NULL when it is gone; exact
	 * fires the watches on path alone. */
	void (*changed)(struct xs_store *s, const char *path,
			const struct perms *perms, bool exact);
	xs_close_fn close;   /* asks the daemon to drop a connection */
	xs_introduce_fn introduce; /* takes on an introduced domain's ring */
	void *introduce_arg;
	struct hmap nodes;   /* path -> struct node */
	struct hmap watches; /* path -> first struct watch on that path */
	struct node *root;
	uint64_t gen;
	uint32_t next_txid;
	uint32_t *owned;     /* nodes owned per domid, for the quota */
	struct domain *domains;
	struct xs_conn *conns;
	struct xs_store_stats stats;
	char *scratch;       /* reply assembly */
	size_t scratch_len;
};

struct view {
	bool exists;
	const char *value;
	uint32_t vlen;
	const struct perms *perms;
	struct node *node;         /* when it comes from the tree */
	struct ov *ov;             /* from the transaction's overlay */
	struct readmark *snap;     /* from the transaction's first look */
};

/* A request's context, passed to each handler. */
struct req {
	struct xs_store *s;
	struct xs_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *body;
	struct txn *t; /* NULL outside a transaction */
};

typedef int (*handler_fn)(const struct req *r);

#endif
