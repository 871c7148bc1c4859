/* store.c: tree, permissions, watches, transactions and domains of the
 * emulated XenStore. See store.h.
 *
 * Cost model: every single-node operation is a hash lookup by full path plus
 * a walk over the path's ancestors, never a walk over all nodes or all
 * watches. A watch fires by looking up each ancestor of the changed path in
 * the watch table. Removing a subtree costs the size of the subtree.
 *
 * Transactions are optimistic, like cxenstored's since Xen 4.9: a
 * transaction records the generation of every node it looked at and keeps
 * its changes in an overlay plus an operation log; at commit, if any node it
 * looked at changed since, the reply is EAGAIN, otherwise the log is replayed
 * onto the tree and watches fire then. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../harness/hmap.h"

#define MAX_DOMID 0x7FF0u /* DOMID_FIRST_RESERVED */

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

struct readmark {
	char *path;
	uint64_t gen; /* 0: was absent */
};

struct txn {
	uint32_t id;
	struct hmap overlay;  /* path -> struct ov */
	struct ov *ovs;       /* all overlay entries, for listing and freeing */
	struct hmap reads;    /* path -> struct readmark */
	struct op *ops;
	size_t nops, capops;
	struct txn *next;
};

struct domain {
	bool introduced;
	uint64_t mfn;
	uint32_t port;
	uint32_t target;
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
	struct xs_conn *prev, *next;
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

/* ---------------------------------------------------------------- */
/* Small helpers                                                     */

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
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *memdup0(const char *p, size_t n)
{
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, p, n);
		r[n] = '\0';
	}
	return r;
}

static int perms_copy(struct perms *dst, const struct perms *src)
{
	dst->p = malloc(src->n * sizeof(*src->p));
	if (!dst->p && src->n)
		return -1;
	memcpy(dst->p, src->p, src->n * sizeof(*src->p));
	dst->n = src->n;
	return 0;
}

static bool is_privileged(const struct xs_conn *c)
{
	return c->domid == 0;
}

/* The domain conn may act for besides its own (SET_TARGET: a device
 * model stub domain acts for its guest), or its own domid. */
static uint32_t target_of(const struct xs_conn *c)
{
	return c->domid <= MAX_DOMID && c->store->domains[c->domid].target
		       ? c->store->domains[c->domid].target
		       : c->domid;
}

/* What access conn has under perms: a mask of 1 (read) and 2 (write). */
static int access_of(const struct xs_conn *c, const struct perms *p)
{
	char mode;
	uint32_t target = target_of(c);

	if (is_privileged(c) || p->p[0].domid == c->domid ||
	    p->p[0].domid == target)
		return 3;
	mode = p->p[0].perm;
	for (uint32_t i = 1; i < p->n; i++)
		if (p->p[i].domid == c->domid || p->p[i].domid == target)
			mode = p->p[i].perm;
	switch (mode) {
	case 'r': return 1;
	case 'w': return 2;
	case 'b': return 3;
	default: return 0;
	}
}

/* The parent path of an absolute path ("/a/b" -> "/a", "/a" -> "/"),
 * written into buf. */
static void parent_path(const char *path, char *buf)
{
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

static const char *basename_of(const char *path)
{
	return strrchr(path, '/') + 1;
}

static bool valid_path_chars(const char *p)
{
	for (; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
		      ch == '_' || ch == '@'))
			return false;
	}
	return true;
}

/* Turns a client path into an absolute one in out (XENSTORE_ABS_PATH_MAX+1
 * bytes). Relative paths are under the connection's domain path. Returns 0
 * or EINVAL. */
static int canonical(const struct xs_conn *c, const char *in, char *out,
		     bool allow_special)
{
	size_t len = strlen(in);

	if (allow_special && in[0] == '@') {
		if (len > XENSTORE_ABS_PATH_MAX || !valid_path_chars(in) ||
		    strchr(in, '/'))
			return EINVAL;
		strcpy(out, in);
		return 0;
	}
	if (in[0] == '/') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
		strcpy(out, in);
	} else {
		if (len > XENSTORE_REL_PATH_MAX || len == 0)
			return EINVAL;
		int n = snprintf(out, XENSTORE_ABS_PATH_MAX + 1,
				 "/local/domain/%u/%s", c->domid, in);
		if (n < 0 || n > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
	}
	len = strlen(out);
	if (!valid_path_chars(out) || strstr(out, "//") ||
	    (len > 1 && out[len - 1] == '/') || strchr(out, '@'))
		return EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Sending                                                           */

static int scratch_reserve(struct xs_store *s, size_t len)
{
	if (len <= s->scratch_len)
		return 0;
	char *n = realloc(s->scratch, len);
	if (!n)
		return -1;
	s->scratch = n;
	s->scratch_len = len;
	return 0;
}

static void send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *body, uint32_t len)
{
	struct xsd_sockmsg hdr = { type, req_id, tx_id, len };
	c->send(c->io, &hdr, body);
}

static void reply_error(struct xs_conn *c, const struct xsd_sockmsg *req,
			int err)
{
	const char *name = "EINVAL";
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			name = xsd_errors[i].errstring;
	c->store->stats.errors++;
	send_msg(c, XS_ERROR, req->req_id, req->tx_id, name,
		 (uint32_t)strlen(name) + 1);
}

static void reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  const void *body, uint32_t len)
{
	send_msg(c, req->type, req->req_id, req->tx_id, body, len);
}

static void reply_ok(struct xs_conn *c, const struct xsd_sockmsg *req)
{
	reply(c, req, "OK", 3);
}

/* ---------------------------------------------------------------- */
/* Watches                                                           */

static void send_event(struct xs_store *s, struct watch *w, const char *path)
{
	const char *shown = path;
	char prefix[40];

	/* A watch given as a relative path gets relative event paths. */
	if (w->given[0] != '/' && w->given[0] != '@') {
		int n = snprintf(prefix, sizeof(prefix), "/local/domain/%u/",
				 w->conn->domid);
		if (strncmp(path, prefix, (size_t)n) == 0)
			shown = path + n;
	}
	size_t pl = strlen(shown) + 1, tl = strlen(w->token) + 1;
	if (scratch_reserve(s, pl + tl))
		return;
	memcpy(s->scratch, shown, pl);
	memcpy(s->scratch + pl, w->token, tl);
	s->stats.watch_events++;
	send_msg(w->conn, XS_WATCH_EVENT, 0, 0, s->scratch, (uint32_t)(pl + tl));
}

/* Sends the event to every watch registered at key. As in cxenstored, an
 * unprivileged watcher hears only of nodes it may read (perms is NULL for
 * a node that is gone) and of no special @ events. */
static void fire_exact(struct xs_store *s, const char *key, const char *path,
		       const struct perms *perms)
{
	for (struct watch *w = hmap_get(&s->watches, key); w;
	     w = w->next_same_path) {
		if (!is_privileged(w->conn) &&
		    (path[0] == '@' || (perms && !(access_of(w->conn, perms) & 1))))
			continue;
		send_event(s, w, path);
	}
}

static struct node *node_get(struct xs_store *s, const char *path);

/* A change at path fires the watches on path and on each of its ancestors. */
static void fire(struct xs_store *s, const char *path)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];

	if (path[0] == '@') {
		fire_exact(s, path, path, NULL);
		return;
	}
	if (s->watches.count == 0)
		return;
	struct node *n = node_get(s, path);
	const struct perms *perms = n ? &n->perms : NULL;
	strcpy(buf, path);
	for (;;) {
		fire_exact(s, buf, path, perms);
		if (strcmp(buf, "/") == 0)
			break;
		char *slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

static void watch_unlink(struct xs_store *s, struct watch *w)
{
	if (w->prev_conn)
		w->prev_conn->next_conn = w->next_conn;
	else
		w->conn->watches = w->next_conn;
	if (w->next_conn)
		w->next_conn->prev_conn = w->prev_conn;
	w->conn->nwatches--;
	if (w->prev_same_path)
		w->prev_same_path->next_same_path = w->next_same_path;
	else if (w->next_same_path)
		hmap_put(&s->watches, w->next_same_path->path, w->next_same_path);
	else
		hmap_del(&s->watches, w->path);
	if (w->next_same_path)
		w->next_same_path->prev_same_path = w->prev_same_path;
	s->stats.watches--;
}

static void watch_free(struct watch *w)
{
	free(w->path);
	free(w->given);
	free(w->token);
	free(w);
}

static void conn_drop_watches(struct xs_conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;
		watch_unlink(c->store, w);
		watch_free(w);
	}
}

/* The connection's watch on path with token, found through the watch table
 * so that a connection with thousands of watches costs no more. */
static struct watch *watch_find(struct xs_store *s, struct xs_conn *c,
				const char *path, const char *token)
{
	for (struct watch *w = hmap_get(&s->watches, path); w;
	     w = w->next_same_path)
		if (w->conn == c && strcmp(w->token, token) == 0)
			return w;
	return NULL;
}

/* ---------------------------------------------------------------- */
/* The tree                                                          */

static struct node *node_get(struct xs_store *s, const char *path)
{
	return hmap_get(&s->nodes, path);
}

static void touch(struct xs_store *s, struct node *n)
{
	n->gen = ++s->gen;
}

static void owned_add(struct xs_store *s, uint32_t domid, int delta)
{
	if (domid <= MAX_DOMID)
		s->owned[domid] += (uint32_t)delta;
}

/* Creates the node at path under an existing parent, inheriting its
 * permissions; an unprivileged creator owns what it creates. */
static struct node *node_new(struct xs_store *s, struct node *parent,
			     const char *path, uint32_t creator)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->path = strdup(path);
	n->value = strdup("");
	if (!n->path || !n->value || perms_copy(&n->perms, &parent->perms) ||
	    hmap_put(&s->nodes, n->path, n)) {
		free(n->path);
		free(n->value);
		free(n->perms.p);
		free(n);
		return NULL;
	}
	if (creator != 0)
		n->perms.p[0].domid = creator;
	n->parent = parent;
	n->prev = parent->last;
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	parent->nchildren++;
	touch(s, parent);
	touch(s, n);
	owned_add(s, n->perms.p[0].domid, 1);
	s->stats.nodes++;
	return n;
}

/* Returns the node at path, creating it and any missing ancestors. */
static struct node *node_create_path(struct xs_store *s, const char *path,
				     uint32_t creator)
{
	struct node *n = node_get(s, path);
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	if (n)
		return n;
	parent_path(path, parent);
	struct node *p = node_create_path(s, parent, creator);
	return p ? node_new(s, p, path, creator) : NULL;
}

static void node_free_subtree(struct xs_store *s, struct node *n, bool notify)
{
	while (n->first)
		node_free_subtree(s, n->first, notify);
	/* Watches set below a removed node fire with their own path. */
	if (notify && s->watches.count)
		fire_exact(s, n->path, n->path, &n->perms);
	struct node *p = n->parent;
	if (n->prev)
		n->prev->next = n->next;
	else
		p->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		p->last = n->prev;
	p->nchildren--;
	touch(s, p);
	hmap_del(&s->nodes, n->path);
	owned_add(s, n->perms.p[0].domid, -1);
	s->stats.nodes--;
	free(n->path);
	free(n->value);
	free(n->perms.p);
	free(n);
}

/* The operations as applied to the tree, after all checks passed. They are
 * used directly outside transactions and when a transaction commits. */
static int apply_write(struct xs_store *s, uint32_t creator, const char *path,
		       const char *value, uint32_t vlen)
{
	struct node *n = node_create_path(s, path, creator);
	char *v = memdup0(value, vlen);
	if (!n || !v) {
		free(v);
		return ENOMEM;
	}
	free(n->value);
	n->value = v;
	n->vlen = vlen;
	touch(s, n);
	fire(s, path);
	return 0;
}

static int apply_mkdir(struct xs_store *s, uint32_t creator, const char *path)
{
	if (node_get(s, path))
		return 0;
	if (!node_create_path(s, path, creator))
		return ENOMEM;
	fire(s, path);
	return 0;
}

static int apply_rm(struct xs_store *s, const char *path)
{
	struct node *n = node_get(s, path);
	if (!n)
		return 0;
	fire(s, path);
	/* The node's own watches fired above; fire only those below it. */
	while (n->first)
		node_free_subtree(s, n->first, true);
	node_free_subtree(s, n, false);
	return 0;
}

static int apply_setperms(struct xs_store *s, const char *path,
			  const struct perms *perms)
{
	struct node *n = node_get(s, path);
	struct perms np;
	if (!n)
		return ENOENT;
	if (perms_copy(&np, perms))
		return ENOMEM;
	owned_add(s, n->perms.p[0].domid, -1);
	free(n->perms.p);
	n->perms = np;
	owned_add(s, n->perms.p[0].domid, 1);
	touch(s, n);
	fire(s, path);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Views: what a request sees, in or out of a transaction            */

struct view {
	bool exists;
	const char *value;
	uint32_t vlen;
	const struct perms *perms;
	struct node *node; /* when it comes from the tree */
	struct ov *ov;     /* when it comes from the transaction's overlay */
};

static void mark_read(struct txn *t, const char *path, uint64_t gen)
{
	if (hmap_get(&t->reads, path))
		return;
	struct readmark *r = malloc(sizeof(*r));
	if (!r)
		return;
	r->path = strdup(path);
	r->gen = gen;
	if (!r->path || hmap_put(&t->reads, r->path, r)) {
		free(r->path);
		free(r);
	}
}

static void lookup(struct xs_store *s, struct txn *t, const char *path,
		   struct view *v)
{
	memset(v, 0, sizeof(*v));
	if (t) {
		struct ov *o = hmap_get(&t->overlay, path);
		if (o) {
			v->ov = o;
			v->exists = o->exists;
			v->value = o->value;
			v->vlen = o->vlen;
			v->perms = &o->perms;
			return;
		}
		/* The nearest ancestor the transaction changed decides
		 * whether the tree below it is still visible. */
		char buf[XENSTORE_ABS_PATH_MAX + 1];
		strcpy(buf, path);
		while (strcmp(buf, "/") != 0) {
			char up[XENSTORE_ABS_PATH_MAX + 1];
			parent_path(buf, up);
			strcpy(buf, up);
			struct ov *a = hmap_get(&t->overlay, buf);
			if (a) {
				if (!a->exists || a->fresh)
					return;
				break;
			}
		}
	}
	struct node *n = node_get(s, path);
	if (t)
		mark_read(t, path, n ? n->gen : 0);
	if (!n)
		return;
	v->node = n;
	v->exists = true;
	v->value = n->value;
	v->vlen = n->vlen;
	v->perms = &n->perms;
}

static struct ov *ov_get_or_add(struct txn *t, const char *path,
				const struct view *from)
{
	struct ov *o = hmap_get(&t->overlay, path);
	if (o)
		return o;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->path = strdup(path);
	if (!o->path || hmap_put(&t->overlay, o->path, o)) {
		free(o->path);
		free(o);
		return NULL;
	}
	o->next = t->ovs;
	t->ovs = o;
	if (from && from->exists) {
		o->exists = true;
		o->value = memdup0(from->value, from->vlen);
		o->vlen = from->vlen;
		perms_copy(&o->perms, from->perms);
	}
	return o;
}

static void ov_clear(struct ov *o)
{
	free(o->value);
	free(o->perms.p);
	o->value = NULL;
	o->vlen = 0;
	o->perms.p = NULL;
	o->perms.n = 0;
}

static int log_op(struct txn *t, enum op_kind kind, const char *path,
		  const char *value, uint32_t vlen, const struct perms *perms)
{
	if (t->nops == t->capops) {
		size_t cap = t->capops ? t->capops * 2 : 8;
		struct op *n = realloc(t->ops, cap * sizeof(*n));
		if (!n)
			return ENOMEM;
		t->ops = n;
		t->capops = cap;
	}
	struct op *op = &t->ops[t->nops];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->path = strdup(path);
	if (value)
		op->value = memdup0(value, vlen);
	op->vlen = vlen;
	if (perms && perms_copy(&op->perms, perms))
		return ENOMEM;
	if (!op->path || (value && !op->value))
		return ENOMEM;
	t->nops++;
	return 0;
}

/* Makes path exist in the transaction's view, creating missing ancestors as
 * fresh overlay entries with inherited permissions. */
static int tx_create_path(struct xs_store *s, struct txn *t,
			  struct xs_conn *c, const char *path)
{
	struct view v;
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	lookup(s, t, path, &v);
	if (v.exists)
		return 0;
	parent_path(path, parent);
	int rc = tx_create_path(s, t, c, parent);
	if (rc)
		return rc;
	struct view pv;
	lookup(s, t, parent, &pv);
	struct ov *o = ov_get_or_add(t, path, NULL);
	if (!o)
		return ENOMEM;
	ov_clear(o);
	o->exists = true;
	o->fresh = true;
	o->value = strdup("");
	if (!o->value || perms_copy(&o->perms, pv.perms))
		return ENOMEM;
	if (!is_privileged(c))
		o->perms.p[0].domid = c->domid;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Transactions                                                      */

static void txn_free(struct txn *t)
{
	for (struct ov *o = t->ovs; o;) {
		struct ov *next = o->next;
		ov_clear(o);
		free(o->path);
		free(o);
		o = next;
	}
	hmap_dispose(&t->overlay);
	for (size_t i = 0; i < t->reads.nbuckets; i++)
		for (struct hmap_entry *e = t->reads.buckets[i]; e; e = e->next) {
			struct readmark *r = e->value;
			free(r->path);
			free(r);
		}
	hmap_dispose(&t->reads);
	for (size_t i = 0; i < t->nops; i++) {
		free(t->ops[i].path);
		free(t->ops[i].value);
		free(t->ops[i].perms.p);
	}
	free(t->ops);
	free(t);
}

static struct txn *txn_find(struct xs_conn *c, uint32_t id)
{
	for (struct txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void txn_remove(struct xs_conn *c, struct txn *t)
{
	for (struct txn **pp = &c->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	c->ntxns--;
	c->store->stats.transactions--;
	txn_free(t);
}

static bool txn_conflicts(struct xs_store *s, struct txn *t)
{
	for (size_t i = 0; i < t->reads.nbuckets; i++) {
		for (struct hmap_entry *e = t->reads.buckets[i]; e; e = e->next) {
			struct readmark *r = e->value;
			struct node *n = node_get(s, r->path);
			if ((n ? n->gen : 0) != r->gen)
				return true;
		}
	}
	return false;
}

static int txn_commit(struct xs_store *s, struct xs_conn *c, struct txn *t)
{
	if (txn_conflicts(s, t)) {
		s->stats.tx_conflicts++;
		return EAGAIN;
	}
	for (size_t i = 0; i < t->nops; i++) {
		struct op *op = &t->ops[i];
		int rc = 0;
		switch (op->kind) {
		case OP_WRITE:
			rc = apply_write(s, c->domid, op->path, op->value,
					 op->vlen);
			break;
		case OP_MKDIR:
			rc = apply_mkdir(s, c->domid, op->path);
			break;
		case OP_RM:
			rc = apply_rm(s, op->path);
			break;
		case OP_SETPERMS:
			rc = apply_setperms(s, op->path, &op->perms);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Requests                                                          */

/* Splits body into nul-terminated strings; returns how many, or -1 when
 * the body does not end in a nul. */
static int split(const char *body, uint32_t len, const char **argv, int max)
{
	int n = 0;
	uint32_t i = 0;

	if (len == 0)
		return 0;
	if (body[len - 1] != '\0')
		return -1;
	while (i < len && n < max) {
		argv[n++] = body + i;
		i += (uint32_t)strlen(body + i) + 1;
	}
	return i == len ? n : -1;
}

static int parse_perms(const char **argv, int n, struct perms *out)
{
	out->p = calloc((size_t)n, sizeof(*out->p));
	out->n = (uint32_t)n;
	if (!out->p)
		return ENOMEM;
	for (int i = 0; i < n; i++) {
		char mode = argv[i][0];
		char *end;
		if (mode != 'n' && mode != 'r' && mode != 'w' && mode != 'b')
			goto bad;
		if (argv[i][1] < '0' || argv[i][1] > '9')
			goto bad;
		errno = 0;
		unsigned long d = strtoul(argv[i] + 1, &end, 10);
		if (*end || errno || d > 0xFFFF)
			goto bad;
		out->p[i].perm = mode;
		out->p[i].domid = (uint32_t)d;
	}
	return 0;
bad:
	free(out->p);
	out->p = NULL;
	return EINVAL;
}

static int parse_domid(const char *s, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	unsigned long d = strtoul(s, &end, 10);
	if (*end || errno || d > MAX_DOMID)
		return EINVAL;
	*out = (uint32_t)d;
	return 0;
}

/* A request's context, passed to each handler. */
struct req {
	struct xs_store *s;
	struct xs_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *body;
	struct txn *t; /* NULL outside a transaction */
};

/* Handlers return 0 after replying themselves, or an errno to reply. */

static int one_path(const struct req *r, char *path, bool special)
{
	const char *argv[2];
	if (split(r->body, r->hdr->len, argv, 2) != 1)
		return EINVAL;
	return canonical(r->c, argv[0], path, special);
}

static int do_read(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(access_of(r->c, v.perms) & 1))
		return EACCES;
	reply(r->c, r->hdr, v.value, v.vlen);
	return 0;
}

/* Collects the names of path's children as the request sees them into the
 * scratch buffer; returns 0 and the byte count in *len. */
static int list_children(const struct req *r, const char *path,
			 const struct view *v, size_t *len)
{
	struct xs_store *s = r->s;
	size_t off = 0;

	/* Children from the tree, unless the transaction replaced the node. */
	struct node *n = v->node;
	if (r->t && v->ov && !v->ov->fresh) {
		n = node_get(s, path);
		if (n)
			mark_read(r->t, path, n->gen);
	}
	if (n && !(v->ov && v->ov->fresh)) {
		for (struct node *ch = n->first; ch; ch = ch->next) {
			if (r->t && hmap_get(&r->t->overlay, ch->path))
				continue; /* listed from the overlay below */
			size_t l = strlen(basename_of(ch->path)) + 1;
			if (scratch_reserve(s, off + l))
				return ENOMEM;
			memcpy(s->scratch + off, basename_of(ch->path), l);
			off += l;
		}
	}
	if (r->t) {
		char parent[XENSTORE_ABS_PATH_MAX + 1];
		for (struct ov *o = r->t->ovs; o; o = o->next) {
			if (!o->exists || strcmp(o->path, "/") == 0)
				continue;
			parent_path(o->path, parent);
			if (strcmp(parent, path) != 0)
				continue;
			size_t l = strlen(basename_of(o->path)) + 1;
			if (scratch_reserve(s, off + l))
				return ENOMEM;
			memcpy(s->scratch + off, basename_of(o->path), l);
			off += l;
		}
	}
	*len = off;
	return 0;
}

static int do_directory(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	size_t len;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(access_of(r->c, v.perms) & 1))
		return EACCES;
	if ((rc = list_children(r, path, &v, &len)))
		return rc;
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	reply(r->c, r->hdr, r->s->scratch, (uint32_t)len);
	return 0;
}

/* DIRECTORY_PART: "path\0offset\0" -> "generation\0" then as many names as
 * fit, and one more nul when the list is complete. */
static int do_directory_part(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	size_t len;
	long long off;
	char *end;

	if (split(r->body, r->hdr->len, argv, 3) != 2)
		return EINVAL;
	int rc = canonical(r->c, argv[0], path, false);
	if (rc)
		return rc;
	errno = 0;
	off = strtoll(argv[1], &end, 10);
	if (*end || errno || off < 0 || argv[1][0] == '\0')
		return EINVAL;
	lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(access_of(r->c, v.perms) & 1))
		return EACCES;
	if ((rc = list_children(r, path, &v, &len)))
		return rc;
	if ((size_t)off > len)
		return EINVAL;

	char gen[24];
	int gl = snprintf(gen, sizeof(gen), "%llu",
			  (unsigned long long)(v.node ? v.node->gen : 0)) + 1;
	/* Whole names only, leaving room for the closing nul. */
	size_t start = (size_t)off, take = 0;
	while (start + take < len) {
		size_t l = strlen(r->s->scratch + start + take) + 1;
		if ((size_t)gl + take + l + 1 > XENSTORE_PAYLOAD_MAX)
			break;
		take += l;
	}
	bool complete = start + take == len;
	size_t total = (size_t)gl + take + (complete ? 1 : 0);
	char *out = malloc(total);
	if (!out)
		return ENOMEM;
	memcpy(out, gen, (size_t)gl);
	memcpy(out + gl, r->s->scratch + start, take);
	if (complete)
		out[total - 1] = '\0';
	reply(r->c, r->hdr, out, (uint32_t)total);
	free(out);
	return 0;
}

static int do_get_perms(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t off = 0;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(access_of(r->c, v.perms) & 1))
		return EACCES;
	for (uint32_t i = 0; i < v.perms->n; i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%c%u",
				 v.perms->p[i].perm, v.perms->p[i].domid);
		if (n < 0 || off + (size_t)n + 1 > sizeof(buf))
			return E2BIG;
		off += (size_t)n + 1;
	}
	reply(r->c, r->hdr, buf, (uint32_t)off);
	return 0;
}

/* Checks that conn may create or change path: write access to the node, or
 * to its nearest existing ancestor when it does not exist yet. Counts the
 * nodes that would be created into *creates. */
static int may_write(const struct req *r, const char *path, struct view *v,
		     int *creates)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];

	*creates = 0;
	lookup(r->s, r->t, path, v);
	if (v->exists)
		return access_of(r->c, v->perms) & 2 ? 0 : EACCES;
	strcpy(buf, path);
	struct view a;
	do {
		char up[XENSTORE_ABS_PATH_MAX + 1];
		(*creates)++;
		parent_path(buf, up);
		strcpy(buf, up);
		lookup(r->s, r->t, buf, &a);
	} while (!a.exists);
	if (!(access_of(r->c, a.perms) & 2))
		return EACCES;
	if (!is_privileged(r->c) &&
	    r->s->owned[r->c->domid] + (uint32_t)*creates >
		    r->s->quota.nodes_per_domain)
		return ENOSPC;
	return 0;
}

static int do_write(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	const char *nul = memchr(r->body, '\0', r->hdr->len);
	struct view v;
	int creates, rc;

	if (!nul)
		return EINVAL;
	if ((rc = canonical(r->c, r->body, path, false)))
		return rc;
	const char *value = nul + 1;
	uint32_t vlen = r->hdr->len - (uint32_t)(value - r->body);
	if (!is_privileged(r->c) && vlen > r->s->quota.node_size)
		return ENOSPC;
	if ((rc = may_write(r, path, &v, &creates)))
		return rc;
	if (!r->t) {
		if ((rc = apply_write(r->s, r->c->domid, path, value, vlen)))
			return rc;
	} else {
		if ((rc = tx_create_path(r->s, r->t, r->c, path)))
			return rc;
		lookup(r->s, r->t, path, &v);
		struct ov *o = ov_get_or_add(r->t, path, &v);
		if (!o)
			return ENOMEM;
		free(o->value);
		o->value = memdup0(value, vlen);
		o->vlen = vlen;
		if (!o->value ||
		    (rc = log_op(r->t, OP_WRITE, path, value, vlen, NULL)))
			return ENOMEM;
	}
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_mkdir(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	int creates, rc = one_path(r, path, false);
	if (rc)
		return rc;
	if ((rc = may_write(r, path, &v, &creates)))
		return rc;
	if (!v.exists) {
		if (!r->t)
			rc = apply_mkdir(r->s, r->c->domid, path);
		else if (!(rc = tx_create_path(r->s, r->t, r->c, path)))
			rc = log_op(r->t, OP_MKDIR, path, NULL, 0, NULL);
		if (rc)
			return rc;
	}
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_rm(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	struct view v, pv;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	if (strcmp(path, "/") == 0)
		return EINVAL;
	lookup(r->s, r->t, path, &v);
	if (!v.exists) {
		/* Like cxenstored: removing what is not there is fine as
		 * long as its parent is. */
		parent_path(path, parent);
		lookup(r->s, r->t, parent, &pv);
		if (!pv.exists)
			return ENOENT;
		reply_ok(r->c, r->hdr);
		return 0;
	}
	if (!(access_of(r->c, v.perms) & 2))
		return EACCES;
	if (!r->t) {
		apply_rm(r->s, path);
	} else {
		/* Hide the subtree: the node and anything the transaction
		 * wrote below it. */
		size_t pl = strlen(path);
		for (struct ov *o = r->t->ovs; o; o = o->next) {
			if (strncmp(o->path, path, pl) == 0 &&
			    o->path[pl] == '/') {
				ov_clear(o);
				o->exists = false;
			}
		}
		struct ov *o = ov_get_or_add(r->t, path, NULL);
		if (!o)
			return ENOMEM;
		ov_clear(o);
		o->exists = false;
		o->fresh = false;
		/* Whether children existed in the tree matters to a commit. */
		struct node *n = node_get(r->s, path);
		if (n)
			mark_read(r->t, path, n->gen);
		if ((rc = log_op(r->t, OP_RM, path, NULL, 0, NULL)))
			return rc;
	}
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_set_perms(const struct req *r)
{
	const char *argv[XENSTORE_PAYLOAD_MAX / 2];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct perms perms;
	struct view v;
	int n = split(r->body, r->hdr->len, argv, (int)(sizeof(argv) / sizeof(argv[0])));
	int rc;

	if (n < 2)
		return EINVAL;
	if ((rc = canonical(r->c, argv[0], path, false)))
		return rc;
	if ((rc = parse_perms(argv + 1, n - 1, &perms)))
		return rc;
	lookup(r->s, r->t, path, &v);
	if (!v.exists)
		rc = ENOENT;
	else if (!(access_of(r->c, v.perms) & 2) ||
		 (!is_privileged(r->c) && v.perms->p[0].domid != r->c->domid))
		rc = EACCES;
	else if (!r->t)
		rc = apply_setperms(r->s, path, &perms);
	else {
		struct ov *o = ov_get_or_add(r->t, path, &v);
		if (!o)
			rc = ENOMEM;
		else {
			free(o->perms.p);
			o->perms.p = NULL;
			o->perms.n = 0;
			rc = perms_copy(&o->perms, &perms) ? ENOMEM :
				log_op(r->t, OP_SETPERMS, path, NULL, 0, &perms);
		}
	}
	free(perms.p);
	if (rc)
		return rc;
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_watch(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int rc;

	if (split(r->body, r->hdr->len, argv, 3) != 2)
		return EINVAL;
	if ((rc = canonical(r->c, argv[0], path, true)))
		return rc;
	if (watch_find(r->s, r->c, path, argv[1]))
		return EEXIST;
	if (!is_privileged(r->c) &&
	    r->c->nwatches >= r->s->quota.watches_per_conn)
		return E2BIG;
	struct watch *w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->path = strdup(path);
	w->given = strdup(argv[0]);
	w->token = strdup(argv[1]);
	w->conn = r->c;
	struct watch *head = w->path ? hmap_get(&r->s->watches, w->path) : NULL;
	if (!w->path || !w->given || !w->token ||
	    hmap_put(&r->s->watches, w->path, w)) {
		watch_free(w);
		return ENOMEM;
	}
	w->next_same_path = head;
	if (head)
		head->prev_same_path = w;
	w->next_conn = r->c->watches;
	if (r->c->watches)
		r->c->watches->prev_conn = w;
	r->c->watches = w;
	r->c->nwatches++;
	r->s->stats.watches++;
	reply_ok(r->c, r->hdr);
	/* Every new watch fires once at once, so clients need not race. */
	send_event(r->s, w, w->path);
	return 0;
}

static int do_unwatch(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int rc;

	if (split(r->body, r->hdr->len, argv, 3) != 2)
		return EINVAL;
	if ((rc = canonical(r->c, argv[0], path, true)))
		return rc;
	struct watch *w = watch_find(r->s, r->c, path, argv[1]);
	if (!w)
		return ENOENT;
	watch_unlink(r->s, w);
	watch_free(w);
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_transaction_start(const struct req *r)
{
	char id[16];

	if (r->t)
		return EBUSY;
	if (!is_privileged(r->c) &&
	    r->c->ntxns >= r->s->quota.transactions_per_conn)
		return ENOSPC;
	struct txn *t = calloc(1, sizeof(*t));
	if (!t || hmap_init(&t->overlay) || hmap_init(&t->reads)) {
		if (t) {
			hmap_dispose(&t->overlay);
			free(t);
		}
		return ENOMEM;
	}
	do {
		t->id = ++r->s->next_txid;
	} while (t->id == 0 || txn_find(r->c, t->id));
	t->next = r->c->txns;
	r->c->txns = t;
	r->c->ntxns++;
	r->s->stats.transactions++;
	int n = snprintf(id, sizeof(id), "%u", t->id);
	reply(r->c, r->hdr, id, (uint32_t)n + 1);
	return 0;
}

static int do_transaction_end(const struct req *r)
{
	const char *argv[2];
	int rc = 0;

	if (!r->t)
		return ENOENT;
	if (split(r->body, r->hdr->len, argv, 2) != 1 ||
	    (strcmp(argv[0], "T") != 0 && strcmp(argv[0], "F") != 0))
		return EINVAL;
	if (argv[0][0] == 'T')
		rc = txn_commit(r->s, r->c, r->t);
	txn_remove(r->c, r->t);
	if (rc)
		return rc;
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_introduce(const struct req *r)
{
	const char *argv[4];
	uint32_t domid;
	char *end;

	if (!is_privileged(r->c))
		return EACCES;
	if (split(r->body, r->hdr->len, argv, 4) != 3 ||
	    parse_domid(argv[0], &domid) || domid == 0)
		return EINVAL;
	errno = 0;
	unsigned long long mfn = strtoull(argv[1], &end, 10);
	if (*end || errno || argv[1][0] == '\0')
		return EINVAL;
	unsigned long port = strtoul(argv[2], &end, 10);
	if (*end || errno || argv[2][0] == '\0' || port > 0xFFFFFFFFul)
		return EINVAL;
	struct domain *d = &r->s->domains[domid];
	if (d->introduced) {
		/* A second introduce with the same page is a no-op. */
		if (d->mfn != mfn)
			return EINVAL;
		reply_ok(r->c, r->hdr);
		return 0;
	}
	*d = (struct domain){ true, mfn, (uint32_t)port, 0 };
	r->s->stats.domains++;
	reply_ok(r->c, r->hdr);
	fire(r->s, "@introduceDomain");
	return 0;
}

static int domid_arg(const struct req *r, uint32_t *domid)
{
	const char *argv[2];
	if (split(r->body, r->hdr->len, argv, 2) != 1)
		return EINVAL;
	return parse_domid(argv[0], domid);
}

static int do_release(const struct req *r)
{
	uint32_t domid;
	int rc;

	if (!is_privileged(r->c))
		return EACCES;
	if ((rc = domid_arg(r, &domid)))
		return rc;
	if (domid == 0)
		return EINVAL;
	if (!r->s->domains[domid].introduced)
		return ENOENT;
	memset(&r->s->domains[domid], 0, sizeof(r->s->domains[domid]));
	r->s->stats.domains--;
	/* The domain's ring goes with it. */
	for (struct xs_conn *c = r->s->conns; c; c = c->next)
		if (c->domid == domid && r->s->close)
			r->s->close(c->io);
	reply_ok(r->c, r->hdr);
	fire(r->s, "@releaseDomain");
	return 0;
}

static int do_is_domain_introduced(const struct req *r)
{
	uint32_t domid;
	int rc;

	if (!is_privileged(r->c))
		return EACCES;
	if ((rc = domid_arg(r, &domid)))
		return rc;
	bool yes = domid == 0 || r->s->domains[domid].introduced;
	reply(r->c, r->hdr, yes ? "T" : "F", 2);
	return 0;
}

static int do_get_domain_path(const struct req *r)
{
	uint32_t domid;
	char buf[32];
	int rc;

	if ((rc = domid_arg(r, &domid)))
		return rc;
	int n = snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	reply(r->c, r->hdr, buf, (uint32_t)n + 1);
	return 0;
}

static int do_resume(const struct req *r)
{
	uint32_t domid;
	int rc;

	if (!is_privileged(r->c))
		return EACCES;
	if ((rc = domid_arg(r, &domid)))
		return rc;
	if (domid != 0 && !r->s->domains[domid].introduced)
		return ENOENT;
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_set_target(const struct req *r)
{
	const char *argv[3];
	uint32_t domid, target;

	if (!is_privileged(r->c))
		return EACCES;
	if (split(r->body, r->hdr->len, argv, 3) != 2 ||
	    parse_domid(argv[0], &domid) || parse_domid(argv[1], &target))
		return EINVAL;
	if (!r->s->domains[domid].introduced ||
	    (target != 0 && !r->s->domains[target].introduced))
		return ENOENT;
	r->s->domains[domid].target = target;
	reply_ok(r->c, r->hdr);
	return 0;
}

static int do_reset_watches(const struct req *r)
{
	conn_drop_watches(r->c);
	while (r->c->txns)
		txn_remove(r->c, r->c->txns);
	reply_ok(r->c, r->hdr);
	return 0;
}

/* CONTROL "stats": the statistics as text; "print TEXT": accepted and
 * ignored (cxenstored logs it); "connect-domain D": see store.h. */
static int do_control(const struct req *r)
{
	const char *argv[3];
	if (!is_privileged(r->c))
		return EACCES;
	const char *nul = memchr(r->body, '\0', r->hdr->len);
	if (!nul)
		return EINVAL;
	argv[0] = r->body;
	if (strcmp(argv[0], "print") == 0) {
		reply_ok(r->c, r->hdr);
		return 0;
	}
	if (strcmp(argv[0], "connect-domain") == 0) {
		uint32_t domid;
		if (split(r->body, r->hdr->len, argv, 3) != 2 ||
		    parse_domid(argv[1], &domid) || domid == 0)
			return EINVAL;
		if (!r->s->domains[domid].introduced)
			return ENOENT;
		if (r->c->txns)
			return EBUSY;
		reply_ok(r->c, r->hdr);
		r->c->domid = domid;
		return 0;
	}
	if (strcmp(argv[0], "stats") == 0) {
		size_t need = xs_store_format_stats(r->s, NULL, 0) + 1;
		if (need > XENSTORE_PAYLOAD_MAX || scratch_reserve(r->s, need))
			return E2BIG;
		xs_store_format_stats(r->s, r->s->scratch, need);
		reply(r->c, r->hdr, r->s->scratch, (uint32_t)need);
		return 0;
	}
	return EINVAL;
}

typedef int (*handler_fn)(const struct req *r);

static const handler_fn handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = do_control,
	[XS_DIRECTORY] = do_directory,
	[XS_READ] = do_read,
	[XS_GET_PERMS] = do_get_perms,
	[XS_WATCH] = do_watch,
	[XS_UNWATCH] = do_unwatch,
	[XS_TRANSACTION_START] = do_transaction_start,
	[XS_TRANSACTION_END] = do_transaction_end,
	[XS_INTRODUCE] = do_introduce,
	[XS_RELEASE] = do_release,
	[XS_GET_DOMAIN_PATH] = do_get_domain_path,
	[XS_WRITE] = do_write,
	[XS_MKDIR] = do_mkdir,
	[XS_RM] = do_rm,
	[XS_SET_PERMS] = do_set_perms,
	[XS_IS_DOMAIN_INTRODUCED] = do_is_domain_introduced,
	[XS_RESUME] = do_resume,
	[XS_SET_TARGET] = do_set_target,
	[XS_RESET_WATCHES] = do_reset_watches,
	[XS_DIRECTORY_PART] = do_directory_part,
};

void xs_store_request(struct xs_store *s, struct xs_conn *c,
		      const struct xsd_sockmsg *hdr, const char *body)
{
	uint64_t t0 = now_ns();
	struct req r = { s, c, hdr, body, NULL };
	int rc;

	if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type]) {
		reply_error(c, hdr, EINVAL);
		return;
	}
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		reply_error(c, hdr, E2BIG);
		return;
	}
	/* As cxenstored: any request may name a transaction, and one that
	 * does not exist is ENOENT whatever the request. */
	if (hdr->tx_id != 0) {
		r.t = txn_find(c, hdr->tx_id);
		if (!r.t) {
			reply_error(c, hdr, ENOENT);
			goto out;
		}
	}
	rc = handlers[hdr->type](&r);
	if (rc)
		reply_error(c, hdr, rc);
out:
	s->stats.ops[hdr->type].count++;
	s->stats.ops[hdr->type].total_ns += now_ns() - t0;
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
	/* Replies are assembled here; never NULL, even for empty ones. */
	if (scratch_reserve(s, XENSTORE_PAYLOAD_MAX + 1))
		goto fail;
	s->owned = calloc(MAX_DOMID + 1, sizeof(*s->owned));
	s->domains = calloc(MAX_DOMID + 1, sizeof(*s->domains));
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
	owned_add(s, 0, 1);
	for (size_t i = 0; i < sizeof(initial) / sizeof(initial[0]); i++)
		if (apply_mkdir(s, 0, initial[i]))
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

void xs_store_free(struct xs_store *s)
{
	if (!s)
		return;
	while (s->conns)
		xs_conn_free(s->conns);
	if (s->root && s->nodes.buckets) {
		while (s->root->first)
			node_free_subtree(s, s->root->first, false);
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
	c->domid = domid;
	c->send = send;
	c->io = io;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->stats.connections++;
	return c;
}

void xs_conn_free(struct xs_conn *c)
{
	if (!c)
		return;
	struct xs_store *s = c->store;
	conn_drop_watches(c);
	while (c->txns)
		txn_remove(c, c->txns);
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
