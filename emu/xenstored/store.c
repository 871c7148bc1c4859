/* store.c: the emulated XenStore without I/O (see store.h): the store's
 * and its connections' lifetime, and its statistics. The parts, each with
 * its own header, depend on each other in one direction only:
 *
 *   store_types.h   the data they share, no functions
 *   store_util.c    paths, permissions, argument parsing, replies
 *   store_tree.c    the nodes; tells of changes through xs_store.changed
 *   store_watch.c   watches (the changed hook fires them)
 *   store_txn.c     what a request sees, and transactions (uses the tree)
 *   store_ops.c     the request handlers and the dispatch (uses them all)
 *   store.c         lifetime (uses the tree, watches, transactions)
 *
 * Cost model: every single-node operation is a hash lookup by full path plus
 * a walk over the path's ancestors, never a walk over all nodes or all
 * watches. Removing a subtree costs the size of the subtree. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_conn.h"
#include "store_tree.h"
#include "store_txn.h"
#include "store_util.h"
#include "store_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

const char *xs_type_name(uint32_t type)
{
	return type < XS_TYPE_COUNT ? type_names[type] : NULL;
}

void xs_quota_defaults(struct xs_quota *q)
{
	q->nodes_per_domain = 1000;
	q->node_size = 2048;
	q->watches_per_conn = 128;
	q->transactions_per_conn = 10;
	q->trans_nodes = 1024;
	q->perms_per_node = 5;
}

/* ---------------------------------------------------------------- */
/* Lifetime                                                          */

struct xs_store *xs_store_new(const struct xs_quota *quota)
{
	struct xs_store *s = calloc(1, sizeof(*s));
	static const char *const initial[] = { "/local", "/local/domain",
					       "/tool", "/tool/xenstored" };
	if (!s)
		return NULL;
	if (quota)
		s->quota = *quota;
	else
		xs_quota_defaults(&s->quota);
	s->changed = xsd_changed;
	/* Replies are assembled here; never NULL, even for empty ones. */
	if (xsd_scratch_reserve(s, XENSTORE_PAYLOAD_MAX + 1))
		goto fail;
	s->owned = calloc(HD_DOMID_FIRST_RESERVED + 1, sizeof(*s->owned));
	s->domains = calloc(HD_DOMID_FIRST_RESERVED + 1, sizeof(*s->domains));
	s->root = calloc(1, sizeof(*s->root));
	if (!s->owned || !s->domains || !s->root || hmap_init(&s->nodes) ||
	    hmap_init(&s->watches))
		goto fail;
	s->root->path = strdup("/");
	s->root->value = strdup("");
	s->root->perms.p = calloc(1, sizeof(*s->root->perms.p));
	if (!s->root->path || !s->root->value || !s->root->perms.p ||
	    hmap_put(&s->nodes, s->root->path, s->root))
		goto fail;
	s->root->perms.n = 1;
	s->root->perms.p[0] = (struct xs_perm){ 0, 'n' };
	s->stats.nodes = 1;
	xsd_owned_add(s, 0, 1);
	for (size_t i = 0; i < sizeof(initial) / sizeof(initial[0]); i++)
		if (xsd_apply_mkdir(s, 0, initial[i]))
			goto fail;
	return s;
fail:
	xs_store_free(s);
	return NULL;
}

void xs_store_set_close(struct xs_store *s, xs_close_fn close)
{
	s->close = close;
}

void xs_store_set_introduce(struct xs_store *s, xs_introduce_fn introduce,
			    void *arg)
{
	s->introduce = introduce;
	s->introduce_arg = arg;
}

void xs_store_free(struct xs_store *s)
{
	if (!s)
		return;
	while (s->conns)
		xs_conn_free(s->conns);
	if (s->root && s->nodes.buckets) {
		while (s->root->first)
			xsd_node_free_subtree(s, s->root->first, false);
	}
	if (s->root) {
		free(s->root->path);
		free(s->root->value);
		free(s->root->perms.p);
		free(s->root);
	}
	hmap_dispose(&s->nodes);
	hmap_dispose(&s->watches);
	free(s->owned);
	free(s->domains);
	free(s->scratch);
	free(s);
}

struct xs_conn *xs_conn_new(struct xs_store *s, uint32_t domid,
			    xs_send_fn send, void *io)
{
	struct xs_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->store = s;
	if (domid > HD_DOMID_FIRST_RESERVED) {
		free(c);
		return NULL;
	}
	xsd_conn_set_domain(c, domid);
	c->send = send;
	c->io = io;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->stats.connections++;
	return c;
}

/* Moves c to domid's list of connections, so that releasing a domain
 * finds its connections without a walk over all of them. */
void xsd_conn_set_domain(struct xs_conn *c, uint32_t domid)
{
	struct domain *old = &c->store->domains[c->domid];
	if (c->domid != 0) {
		if (c->dom_prev)
			c->dom_prev->dom_next = c->dom_next;
		else
			old->conns = c->dom_next;
		if (c->dom_next)
			c->dom_next->dom_prev = c->dom_prev;
		c->dom_prev = c->dom_next = NULL;
	}
	c->domid = domid;
	if (domid != 0) {
		struct domain *d = &c->store->domains[domid];
		c->dom_next = d->conns;
		if (d->conns)
			d->conns->dom_prev = c;
		d->conns = c;
	}
}

void xs_conn_free(struct xs_conn *c)
{
	if (!c)
		return;
	struct xs_store *s = c->store;
	xsd_conn_set_domain(c, 0);
	xsd_conn_drop_watches(c);
	while (c->txns)
		xsd_txn_remove(c, c->txns);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->stats.connections--;
	free(c);
}

void xs_store_get_stats(const struct xs_store *s, struct xs_store_stats *out)
{
	*out = s->stats;
}

size_t xs_store_format_stats(const struct xs_store *s, char *buf, size_t len)
{
	size_t off = 0;
	const struct xs_store_stats *st = &s->stats;

#define EMIT(...)                                                          \
	do {                                                               \
		int n_ = snprintf(buf ? buf + (off < len ? off : len) : NULL, \
				  off < len ? len - off : 0, __VA_ARGS__);  \
		if (n_ > 0)                                                \
			off += (size_t)n_;                                 \
	} while (0)

	EMIT("nodes %llu\nwatches %llu\ntransactions %llu\nconnections %llu\n"
	     "domains %llu\nwatch_events %llu\ntx_conflicts %llu\nerrors %llu\n",
	     (unsigned long long)st->nodes, (unsigned long long)st->watches,
	     (unsigned long long)st->transactions,
	     (unsigned long long)st->connections,
	     (unsigned long long)st->domains,
	     (unsigned long long)st->watch_events,
	     (unsigned long long)st->tx_conflicts,
	     (unsigned long long)st->errors);
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++) {
		if (!type_names[t] || !st->ops[t].count)
			continue;
		EMIT("op %s %llu %llu\n", type_names[t],
		     (unsigned long long)st->ops[t].count,
		     (unsigned long long)st->ops[t].total_ns);
	}
#undef EMIT
	return off;
}
