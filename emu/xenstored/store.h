/* store.h: the XenStore of horde's emulated host, without any I/O.
 *
 * The store keeps the tree, permissions, watches, transactions, domains,
 * quotas and per-message statistics, and answers one complete wire message
 * at a time (xs_store_request). The daemon (xenstored.c) owns the sockets;
 * tests and the fuzz target drive the store directly. Messages follow
 * xen/io/xs_wire.h and docs/misc/xenstore.txt of Xen 4.17. */
#ifndef HORDE_XS_STORE_H
#define HORDE_XS_STORE_H

#include <stdint.h>
#include <stddef.h>
#include <xen/io/xs_wire.h>

struct xs_store;
struct xs_conn;

/* What an unprivileged domain may use; dom0 is not limited. */
struct xs_quota {
	uint32_t nodes_per_domain;  /* nodes it may own, transactions' too */
	uint32_t node_size;         /* a node's size as cxenstored stores it:
				       24 + 8 a permission + value + the
				       children's names, below this */
	uint32_t watches_per_conn;
	uint32_t transactions_per_conn;
	uint32_t trans_nodes;       /* nodes one transaction reads or changes */
	uint32_t perms_per_node;    /* permission entries a node may have */
};

/* The defaults of cxenstored 4.17 (quota-nb-entry-per-domain 1000,
 * quota-max-entry-size 2048, quota-nb-watch-per-domain 128,
 * quota-max-transaction 10, quota-trans-nodes 1024,
 * quota-nb-perms-per-node 5). */
void xs_quota_defaults(struct xs_quota *q);

/* Sends one message (reply or watch event) to a connection. body has
 * hdr->len bytes. The store never keeps body after the call. */
typedef void (*xs_send_fn)(void *io, const struct xsd_sockmsg *hdr,
			   const void *body);

/* Asks the daemon to close a connection (its io): the store calls it when
 * a domain is released, for that domain's connections. The daemon then
 * calls xs_conn_free. */
typedef void (*xs_close_fn)(void *io);

/* Takes on the ring of a domain just introduced (XS_INTRODUCE: its ring's
 * frame and store port): returns 0, or an errno the introduce is refused
 * with. */
typedef int (*xs_introduce_fn)(void *arg, uint32_t domid, uint64_t mfn,
			       uint32_t port);

/* Creates an empty store (/, /local, /local/domain, /tool). quota may be
 * NULL for the defaults. Returns NULL when out of memory. */
struct xs_store *xs_store_new(const struct xs_quota *quota);
void xs_store_free(struct xs_store *s);
void xs_store_set_close(struct xs_store *s, xs_close_fn close);
void xs_store_set_introduce(struct xs_store *s, xs_introduce_fn introduce,
			    void *arg);
/* Releases an introduced domain as XS_RELEASE does (its connections
 * closed, @releaseDomain fired): for one found dead. Returns 0 or ENOENT
 * (not introduced). */
int xs_store_release(struct xs_store *s, uint32_t domid);

/* A client connection acting as domain domid (0 is privileged dom0): a
 * socket, or a domain's ring; a domain's connections are closed when it
 * is released. */
struct xs_conn *xs_conn_new(struct xs_store *s, uint32_t domid,
			    xs_send_fn send, void *io);
/* Drops the connection's watches and open transactions. */
void xs_conn_free(struct xs_conn *c);

/* Handles one request whose header and hdr->len bytes of body have been
 * read. The reply and any watch events go out through the send functions
 * before it returns. */
void xs_store_request(struct xs_store *s, struct xs_conn *c,
		      const struct xsd_sockmsg *hdr, const char *body);

struct xs_op_stats {
	uint64_t count;
	uint64_t total_ns;
};

struct xs_store_stats {
	struct xs_op_stats ops[XS_TYPE_COUNT];
	uint64_t nodes, watches, transactions, connections, domains;
	uint64_t watch_events, tx_conflicts, errors;
};

void xs_store_get_stats(const struct xs_store *s, struct xs_store_stats *out);
/* Writes the statistics as "key value" lines; returns bytes that would
 * have been written (snprintf-style). */
size_t xs_store_format_stats(const struct xs_store *s, char *buf, size_t len);

/* Name of a message type ("READ"), or NULL when unknown. */
const char *xs_type_name(uint32_t type);

#endif
