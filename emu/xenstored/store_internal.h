/* store_internal.h: what the parts of the emulated XenStore share (see
 * store.c for the map of files). Not for users of the store: store.h is. */
#ifndef HORDE_XS_STORE_INTERNAL_H
#define HORDE_XS_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/hmap.h"
#include "store.h"

/* DOMID_FIRST_RESERVED: domain ids are below it; arrays by domid have
 * MAX_DOMID + 1 entries. */
#define MAX_DOMID 0x7FF0u

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
 * fails with EAGAIN if the node changed meanwhile. */
struct readmark {
	char *path;
	uint64_t gen;     /* 0: was absent */
	char *value;
	uint32_t vlen;
	struct perms perms;
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
	xs_close_fn close;   /* asks the daemon to drop a connection */
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

/* store.c */
char *xsd_memdup0(const char *p, size_t n);
int xsd_perms_copy(struct perms *dst, const struct perms *src);
bool xsd_is_privileged(const struct xs_conn *c);
int xsd_access_of(const struct xs_conn *c, const struct perms *p);
void xsd_parent_path(const char *path, char *buf);
const char *xsd_basename_of(const char *path);
int xsd_canonical(const struct xs_conn *c, const char *in, char *out,
		     bool allow_special);
int xsd_scratch_reserve(struct xs_store *s, size_t len);
void xsd_send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *body, uint32_t len);
void xsd_reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  const void *body, uint32_t len);
void xsd_reply_ok(struct xs_conn *c, const struct xsd_sockmsg *req);
int xsd_split(const char *body, uint32_t len, const char **argv, int max);
int xsd_parse_perms(const char **argv, int n, struct perms *out);
int xsd_parse_domid(const char *s, uint32_t *out);
void xsd_conn_set_domain(struct xs_conn *c, uint32_t domid);

/* store_watch.c */
void xsd_fire_exact(struct xs_store *s, const char *key, const char *path,
		       const struct perms *perms);
void xsd_fire(struct xs_store *s, const char *path);
void xsd_conn_drop_watches(struct xs_conn *c);
int xsd_do_watch(const struct req *r);
int xsd_do_unwatch(const struct req *r);
int xsd_do_reset_watches(const struct req *r);

/* store_tree.c */
struct node *xsd_node_get(struct xs_store *s, const char *path);
void xsd_owned_add(struct xs_store *s, uint32_t domid, int delta);
void xsd_node_free_subtree(struct xs_store *s, struct node *n, bool notify);
int xsd_apply_write(struct xs_store *s, uint32_t creator, const char *path,
		       const char *value, uint32_t vlen);
int xsd_apply_mkdir(struct xs_store *s, uint32_t creator, const char *path);
int xsd_apply_rm(struct xs_store *s, const char *path);
int xsd_apply_setperms(struct xs_store *s, const char *path,
			  const struct perms *perms);

/* store_txn.c */
/* The transaction's first look at path: a copy of the node as it is now
 * (or its absence), or NULL when out of memory or over the transaction
 * node quota (t->failed then says which). */
struct readmark *xsd_snapshot(struct xs_store *s, struct txn *t,
			      const char *path);
void xsd_lookup(struct xs_store *s, struct txn *t, const char *path,
		   struct view *v);
struct ov *xsd_ov_get_or_add(struct txn *t, const char *path,
				const struct view *from);
void xsd_ov_clear(struct ov *o);
int xsd_log_op(struct txn *t, enum op_kind kind, const char *path,
		  const char *value, uint32_t vlen, const struct perms *perms);
int xsd_tx_create_path(struct xs_store *s, struct txn *t,
			  struct xs_conn *c, const char *path);
struct txn *xsd_txn_find(struct xs_conn *c, uint32_t id);
void xsd_txn_remove(struct xs_conn *c, struct txn *t);
int xsd_do_transaction_start(const struct req *r);
int xsd_do_transaction_end(const struct req *r);

/* store_ops.c */
int xsd_do_read(const struct req *r);
int xsd_do_directory(const struct req *r);
int xsd_do_directory_part(const struct req *r);
int xsd_do_get_perms(const struct req *r);
int xsd_do_write(const struct req *r);
int xsd_do_mkdir(const struct req *r);
int xsd_do_rm(const struct req *r);
int xsd_do_set_perms(const struct req *r);
int xsd_do_introduce(const struct req *r);
int xsd_do_release(const struct req *r);
int xsd_do_is_domain_introduced(const struct req *r);
int xsd_do_get_domain_path(const struct req *r);
int xsd_do_resume(const struct req *r);
int xsd_do_set_target(const struct req *r);
int xsd_do_control(const struct req *r);

#endif
