/* store_txn.c: what a request sees, and transactions.
 *
 * Transactions are optimistic, like cxenstored's since Xen 4.9: a
 * transaction records the generation of every node it looked at and keeps
 * its changes in an overlay plus an operation log; at commit, if any node it
 * looked at changed since, the reply is EAGAIN, otherwise the log is replayed
 * onto the tree and watches fire then. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_tree.h"
#include "store_txn.h"
#include "store_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* Views: what a request sees, in or out of a transaction            */

static void readmark_free(struct readmark *r)
{
	free(r->path);
	free(r->value);
	free(r->perms.p);
	free(r->children);
	free(r);
}

/* Counts one more node the transaction holds; an unprivileged one may
 * hold quota.trans_nodes (cxenstored's quota-trans-nodes). */
static bool txn_take_node(struct xs_store *s, struct txn *t)
{
	if (!xsd_is_privileged(t->conn) && t->nodes >= s->quota.trans_nodes) {
		t->failed = ENOSPC;
		return false;
	}
	t->nodes++;
	return true;
}

struct readmark *xsd_snapshot(struct xs_store *s, struct txn *t,
			      const char *path)
{
	struct readmark *r = hmap_get(&t->reads, path);
	if (r)
		return r;
	if (!txn_take_node(s, t))
		return NULL;
	struct node *n = xsd_node_get(s, path);
	if (!(r = calloc(1, sizeof(*r))) || !(r->path = strdup(path)))
		goto oom;
	if (n) {
		r->gen = n->gen;
		r->vlen = n->vlen;
		if (!(r->value = xsd_memdup0(n->value, n->vlen)) ||
		    xsd_perms_copy(&r->perms, &n->perms))
			goto oom;
	}
	if (hmap_put(&t->reads, r->path, r))
		goto oom;
	return r;
oom:
	if (r)
		readmark_free(r);
	t->failed = ENOMEM;
	return NULL;
}

int xsd_snapshot_children(struct xs_store *s, struct txn *t,
			  struct readmark *r)
{
	if (r->listed)
		return 0;
	struct node *n = xsd_node_get(s, r->path);
	size_t len = 0, off = 0;
	for (struct node *ch = n ? n->first : NULL; ch; ch = ch->next)
		len += strlen(xsd_basename_of(ch->path)) + 1;
	if (!(r->children = malloc(len + 1))) {
		t->failed = ENOMEM;
		return ENOMEM;
	}
	for (struct node *ch = n ? n->first : NULL; ch; ch = ch->next) {
		size_t l = strlen(xsd_basename_of(ch->path)) + 1;
		memcpy(r->children + off, xsd_basename_of(ch->path), l);
		off += l;
	}
	r->childlen = len;
	r->listed = true;
	return 0;
}

void xsd_lookup(struct xs_store *s, struct txn *t, const char *path,
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
			xsd_parent_path(buf, up);
			strcpy(buf, up);
			struct ov *a = hmap_get(&t->overlay, buf);
			if (a) {
				if (!a->exists || a->fresh)
					return;
				break;
			}
		}
	}
	if (t) {
		/* What the transaction saw first, whatever happened since. */
		struct readmark *r = xsd_snapshot(s, t, path);
		if (!r || !r->gen)
			return;
		v->snap = r;
		v->exists = true;
		v->value = r->value;
		v->vlen = r->vlen;
		v->perms = &r->perms;
		return;
	}
	struct node *n = xsd_node_get(s, path);
	if (!n)
		return;
	v->node = n;
	v->exists = true;
	v->value = n->value;
	v->vlen = n->vlen;
	v->perms = &n->perms;
}

struct ov *xsd_ov_get_or_add(struct txn *t, const char *path,
				const struct view *from)
{
	struct ov *o = hmap_get(&t->overlay, path);
	if (o)
		return o;
	if (!txn_take_node(t->conn->store, t))
		return NULL;
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
		o->value = xsd_memdup0(from->value, from->vlen);
		o->vlen = from->vlen;
		xsd_perms_copy(&o->perms, from->perms);
	}
	return o;
}

void xsd_ov_clear(struct ov *o)
{
	free(o->value);
	free(o->perms.p);
	o->value = NULL;
	o->vlen = 0;
	o->perms.p = NULL;
	o->perms.n = 0;
}

int xsd_log_op(struct txn *t, enum op_kind kind, const char *path,
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
		op->value = xsd_memdup0(value, vlen);
	op->vlen = vlen;
	if (perms && xsd_perms_copy(&op->perms, perms))
		return ENOMEM;
	if (!op->path || (value && !op->value))
		return ENOMEM;
	t->nops++;
	return 0;
}

/* Makes path exist in the transaction's view, creating missing ancestors as
 * fresh overlay entries with inherited permissions. */
int xsd_tx_create_path(struct xs_store *s, struct txn *t,
			  struct xs_conn *c, const char *path)
{
	struct view v;
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	xsd_lookup(s, t, path, &v);
	if (v.exists)
		return 0;
	xsd_parent_path(path, parent);
	int rc = xsd_tx_create_path(s, t, c, parent);
	if (rc)
		return rc;
	struct view pv;
	xsd_lookup(s, t, parent, &pv);
	struct ov *o = xsd_ov_get_or_add(t, path, NULL);
	if (!o)
		return t->failed ? t->failed : ENOMEM;
	xsd_ov_clear(o);
	o->exists = true;
	o->fresh = true;
	t->new_nodes++;
	o->value = strdup("");
	if (!o->value || xsd_perms_copy(&o->perms, pv.perms))
		return ENOMEM;
	if (!xsd_is_privileged(c))
		o->perms.p[0].domid = c->domid;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Transactions                                                      */

static void txn_free(struct txn *t)
{
	for (struct ov *o = t->ovs; o;) {
		struct ov *next = o->next;
		xsd_ov_clear(o);
		free(o->path);
		free(o);
		o = next;
	}
	hmap_dispose(&t->overlay);
	for (size_t i = 0; i < t->reads.nbuckets; i++)
		for (struct hmap_entry *e = t->reads.buckets[i], *next; e;
		     e = next) {
			next = e->next;
			readmark_free(e->value);
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

void xsd_txn_remove(struct xs_conn *c, struct txn *t)
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
			struct node *n = xsd_node_get(s, r->path);
			if ((n ? n->gen : 0) != r->gen)
				return true;
		}
	}
	return false;
}

static int txn_commit(struct xs_store *s, struct xs_conn *c, struct txn *t)
{
	if (t->failed)
		return t->failed;
	if (txn_conflicts(s, t)) {
		s->stats.tx_conflicts++;
		return EAGAIN;
	}
	/* The nodes it creates count against the domain's quota, checked
	 * before anything is applied: a commit is whole or nothing. */
	if (!xsd_is_privileged(c) &&
	    s->owned[c->domid] + t->new_nodes > s->quota.nodes_per_domain)
		return ENOSPC;
	for (size_t i = 0; i < t->nops; i++) {
		struct op *op = &t->ops[i];
		int rc = 0;
		switch (op->kind) {
		case OP_WRITE:
			rc = xsd_apply_write(s, c->domid, op->path, op->value,
					 op->vlen);
			break;
		case OP_MKDIR:
			rc = xsd_apply_mkdir(s, c->domid, op->path);
			break;
		case OP_RM:
			rc = xsd_apply_rm(s, op->path);
			break;
		case OP_SETPERMS:
			rc = xsd_apply_setperms(s, op->path, &op->perms);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int xsd_do_transaction_start(const struct req *r)
{
	char id[16];

	if (r->t)
		return EBUSY;
	if (!xsd_is_privileged(r->c) &&
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
	t->conn = r->c;
	do {
		t->id = ++r->s->next_txid;
	} while (t->id == 0 || xsd_txn_find(r->c, t->id));
	t->next = r->c->txns;
	r->c->txns = t;
	r->c->ntxns++;
	r->s->stats.transactions++;
	int n = snprintf(id, sizeof(id), "%u", t->id);
	xsd_reply(r->c, r->hdr, id, (uint32_t)n + 1);
	return 0;
}

int xsd_do_transaction_end(const struct req *r)
{
	const char *argv[2];
	int rc = 0;

	if (!r->t)
		return ENOENT;
	if (xsd_split(r->body, r->hdr->len, argv, 2) != 1 ||
	    (strcmp(argv[0], "T") != 0 && strcmp(argv[0], "F") != 0))
		return EINVAL;
	if (argv[0][0] == 'T')
		rc = txn_commit(r->s, r->c, r->t);
	xsd_txn_remove(r->c, r->t);
	if (rc)
		return rc;
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}
