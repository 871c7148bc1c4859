/* store_ops.c: the request handlers, one per message type (watches and
 * transactions have theirs beside their own code). Each checks its
 * arguments and permissions, then applies the change to the tree, or to
 * the transaction it belongs to. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_conn.h"
#include "store_ops.h"
#include "store_tree.h"
#include "store_txn.h"
#include "store_util.h"
#include "store_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- */
/* Requests                                                          */

/* Handlers return 0 after replying themselves, or an errno to reply. */

static int one_path(const struct req *r, char *path, bool special)
{
	const char *argv[2];
	if (xsd_split(r->body, r->hdr->len, argv, 2) != 1)
		return EINVAL;
	return xsd_canonical(r->c, argv[0], path, special);
}

int xsd_do_read(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	xsd_lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(xsd_access_of(r->c, v.perms) & 1))
		return EACCES;
	xsd_reply(r->c, r->hdr, v.value, v.vlen);
	return 0;
}

/* Collects the names of path's children as the request sees them into the
 * scratch buffer; returns 0 and the byte count in *len. */
static int add_name(struct xs_store *s, size_t *off, const char *name)
{
	size_t l = strlen(name) + 1;
	if (xsd_scratch_reserve(s, *off + l))
		return ENOMEM;
	memcpy(s->scratch + *off, name, l);
	*off += l;
	return 0;
}

static int list_children(const struct req *r, const char *path,
			 const struct view *v, size_t *len)
{
	struct xs_store *s = r->s;
	size_t off = 0;
	int rc;

	if (!r->t) {
		for (struct node *ch = v->node->first; ch; ch = ch->next)
			if ((rc = add_name(s, &off, xsd_basename_of(ch->path))))
				return rc;
		*len = off;
		return 0;
	}
	/* In a transaction: the children of its first look at the node
	 * (children added or removed outside since stay unseen), unless it
	 * made the node itself; what it changed comes from its overlay. */
	if (!(v->ov && v->ov->fresh)) {
		struct readmark *snap = v->snap ? v->snap
						: xsd_snapshot(s, r->t, path);
		if (!snap)
			return r->t->failed;
		if ((rc = xsd_snapshot_children(s, r->t, snap)))
			return rc;
		char child[XENSTORE_ABS_PATH_MAX + 1];
		for (size_t i = 0; i < snap->childlen;) {
			const char *name = snap->children + i;
			i += strlen(name) + 1;
			snprintf(child, sizeof(child), "%s/%s",
				 strcmp(path, "/") ? path : "", name);
			if (hmap_get(&r->t->overlay, child))
				continue; /* listed from the overlay below */
			if ((rc = add_name(s, &off, name)))
				return rc;
		}
	}
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	for (struct ov *o = r->t->ovs; o; o = o->next) {
		if (!o->exists || strcmp(o->path, "/") == 0)
			continue;
		xsd_parent_path(o->path, parent);
		if (strcmp(parent, path) == 0 &&
		    (rc = add_name(s, &off, xsd_basename_of(o->path))))
			return rc;
	}
	*len = off;
	return 0;
}

int xsd_do_directory(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	size_t len;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	xsd_lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(xsd_access_of(r->c, v.perms) & 1))
		return EACCES;
	if ((rc = list_children(r, path, &v, &len)))
		return rc;
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	xsd_reply(r->c, r->hdr, r->s->scratch, (uint32_t)len);
	return 0;
}

/* DIRECTORY_PART: "path\0offset\0" -> "generation\0" then as many names as
 * fit, and one more nul when the list is complete. */
int xsd_do_directory_part(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	size_t len;
	long long off;
	char *end;

	if (xsd_split(r->body, r->hdr->len, argv, 3) != 2)
		return EINVAL;
	int rc = xsd_canonical(r->c, argv[0], path, false);
	if (rc)
		return rc;
	errno = 0;
	off = strtoll(argv[1], &end, 10);
	if (*end || errno || off < 0 || argv[1][0] == '\0')
		return EINVAL;
	xsd_lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(xsd_access_of(r->c, v.perms) & 1))
		return EACCES;
	if ((rc = list_children(r, path, &v, &len)))
		return rc;
	/* An offset past the end gets an empty list, as from cxenstored. */
	if ((size_t)off > len)
		off = (long long)len;

	char gen[24];
	uint64_t g = v.snap ? v.snap->gen : v.node ? v.node->gen : 0;
	int gl = snprintf(gen, sizeof(gen), "%llu", (unsigned long long)g) + 1;
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
	xsd_reply(r->c, r->hdr, out, (uint32_t)total);
	free(out);
	return 0;
}

int xsd_do_get_perms(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct view v;
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t off = 0;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	xsd_lookup(r->s, r->t, path, &v);
	if (!v.exists)
		return ENOENT;
	if (!(xsd_access_of(r->c, v.perms) & 1))
		return EACCES;
	for (uint32_t i = 0; i < v.perms->n; i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%c%u",
				 v.perms->p[i].perm, v.perms->p[i].domid);
		if (n < 0 || off + (size_t)n + 1 > sizeof(buf))
			return E2BIG;
		off += (size_t)n + 1;
	}
	xsd_reply(r->c, r->hdr, buf, (uint32_t)off);
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
	xsd_lookup(r->s, r->t, path, v);
	if (v->exists)
		return xsd_access_of(r->c, v->perms) & 2 ? 0 : EACCES;
	strcpy(buf, path);
	struct view a;
	do {
		char up[XENSTORE_ABS_PATH_MAX + 1];
		(*creates)++;
		xsd_parent_path(buf, up);
		strcpy(buf, up);
		xsd_lookup(r->s, r->t, buf, &a);
	} while (!a.exists);
	if (!(xsd_access_of(r->c, a.perms) & 2))
		return EACCES;
	/* What a transaction has created counts too: its commit adds it. */
	if (!xsd_is_privileged(r->c) &&
	    r->s->owned[r->c->domid] + (r->t ? r->t->new_nodes : 0) +
			    (uint32_t)*creates >
		    r->s->quota.nodes_per_domain)
		return ENOSPC;
	return 0;
}

/* A node's size as cxenstored accounts it against quota-max-entry-size:
 * its record header, permissions, value and children's names. */
static size_t node_size(struct xs_store *s, const struct view *v,
			uint32_t vlen)
{
	size_t size = 24 + vlen + 8 * (v->exists ? v->perms->n : 1);
	const struct node *n = v->node;
	if (v->snap && v->snap->listed)
		return size + v->snap->childlen;
	if (!n && v->snap)
		n = xsd_node_get(s, v->snap->path);
	for (const struct node *ch = n ? n->first : NULL; ch; ch = ch->next)
		size += strlen(xsd_basename_of(ch->path)) + 1;
	return size;
}

int xsd_do_write(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	const char *nul = memchr(r->body, '\0', r->hdr->len);
	struct view v;
	int creates, rc;

	if (!nul)
		return EINVAL;
	if ((rc = xsd_canonical(r->c, r->body, path, false)))
		return rc;
	const char *value = nul + 1;
	uint32_t vlen = r->hdr->len - (uint32_t)(value - r->body);
	if ((rc = may_write(r, path, &v, &creates)))
		return rc;
	if (!xsd_is_privileged(r->c) &&
	    node_size(r->s, &v, vlen) >= r->s->quota.node_size)
		return ENOSPC;
	if (!r->t) {
		if ((rc = xsd_apply_write(r->s, r->c->domid, path, value, vlen)))
			return rc;
	} else {
		if ((rc = xsd_tx_create_path(r->s, r->t, r->c, path)))
			return rc;
		xsd_lookup(r->s, r->t, path, &v);
		struct ov *o = xsd_ov_get_or_add(r->t, path, &v);
		if (!o)
			return ENOMEM;
		free(o->value);
		o->value = xsd_memdup0(value, vlen);
		o->vlen = vlen;
		if (!o->value ||
		    (rc = xsd_log_op(r->t, OP_WRITE, path, value, vlen, NULL)))
			return ENOMEM;
	}
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

int xsd_do_mkdir(const struct req *r)
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
			rc = xsd_apply_mkdir(r->s, r->c->domid, path);
		else if (!(rc = xsd_tx_create_path(r->s, r->t, r->c, path)))
			rc = xsd_log_op(r->t, OP_MKDIR, path, NULL, 0, NULL);
		if (rc)
			return rc;
	}
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

int xsd_do_rm(const struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	struct view v, pv;
	int rc = one_path(r, path, false);
	if (rc)
		return rc;
	if (strcmp(path, "/") == 0)
		return EINVAL;
	xsd_lookup(r->s, r->t, path, &v);
	if (!v.exists) {
		/* Like cxenstored: removing what is not there is fine as
		 * long as its parent is. */
		xsd_parent_path(path, parent);
		xsd_lookup(r->s, r->t, parent, &pv);
		if (!pv.exists)
			return ENOENT;
		xsd_reply_ok(r->c, r->hdr);
		return 0;
	}
	if (!(xsd_access_of(r->c, v.perms) & 2))
		return EACCES;
	if (!r->t) {
		xsd_apply_rm(r->s, path);
	} else {
		/* Hide the subtree: the node and anything the transaction
		 * wrote below it. */
		size_t pl = strlen(path);
		for (struct ov *o = r->t->ovs; o; o = o->next) {
			if (strncmp(o->path, path, pl) == 0 &&
			    o->path[pl] == '/' && o->exists) {
				r->t->new_nodes -= o->fresh;
				xsd_ov_clear(o);
				o->exists = false;
			}
		}
		struct ov *o = xsd_ov_get_or_add(r->t, path, NULL);
		if (!o)
			return r->t->failed ? r->t->failed : ENOMEM;
		r->t->new_nodes -= o->fresh && o->exists;
		xsd_ov_clear(o);
		o->exists = false;
		o->fresh = false;
		/* The lookup above took the node as the transaction first saw
		 * it, children and all: a commit fails if it changed. */
		if ((rc = xsd_log_op(r->t, OP_RM, path, NULL, 0, NULL)))
			return rc;
	}
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

int xsd_do_set_perms(const struct req *r)
{
	const char *argv[XENSTORE_PAYLOAD_MAX / 2];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct perms perms;
	struct view v;
	int n = xsd_split(r->body, r->hdr->len, argv, (int)(sizeof(argv) / sizeof(argv[0])));
	int rc;

	if (n < 2)
		return EINVAL;
	if (!xsd_is_privileged(r->c) &&
	    (uint32_t)(n - 1) > r->s->quota.perms_per_node)
		return ENOSPC;
	if ((rc = xsd_canonical(r->c, argv[0], path, false)))
		return rc;
	if ((rc = xsd_parse_perms(argv + 1, n - 1, &perms)))
		return rc;
	/* Entries for domains that cannot exist (ids from DOMID_FIRST_
	 * RESERVED on) are ignored, as cxenstored ignores those of domains
	 * the hypervisor does not have; an owner that cannot exist is
	 * ENOENT. horde's store has no hypervisor to ask about the others. */
	uint32_t kept = 1;
	for (uint32_t i = 1; i < perms.n; i++)
		if (perms.p[i].domid < HD_DOMID_FIRST_RESERVED)
			perms.p[kept++] = perms.p[i];
	perms.n = kept;
	xsd_lookup(r->s, r->t, path, &v);
	if (perms.p[0].domid >= HD_DOMID_FIRST_RESERVED || !v.exists)
		rc = ENOENT;
	else if (!(xsd_access_of(r->c, v.perms) & 2) ||
		 (!xsd_is_privileged(r->c) && v.perms->p[0].domid != r->c->domid))
		rc = EACCES;
	/* Only dom0 hands a node to another owner: a domain giving its nodes
	 * away would escape its quota, or fill another's (as cxenstored). */
	else if (!xsd_is_privileged(r->c) &&
		 perms.p[0].domid != v.perms->p[0].domid)
		rc = EPERM;
	else if (!r->t)
		rc = xsd_apply_setperms(r->s, path, &perms);
	else {
		struct ov *o = xsd_ov_get_or_add(r->t, path, &v);
		if (!o)
			rc = ENOMEM;
		else {
			free(o->perms.p);
			o->perms.p = NULL;
			o->perms.n = 0;
			rc = xsd_perms_copy(&o->perms, &perms) ? ENOMEM :
				xsd_log_op(r->t, OP_SETPERMS, path, NULL, 0, &perms);
		}
	}
	free(perms.p);
	if (rc)
		return rc;
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

int xsd_do_introduce(const struct req *r)
{
	const char *argv[4];
	uint32_t domid;
	char *end;

	if (!xsd_is_privileged(r->c))
		return EACCES;
	if (xsd_split(r->body, r->hdr->len, argv, 4) != 3 ||
	    xsd_parse_domid(argv[0], &domid) || domid == 0)
		return EINVAL;
	errno = 0;
	unsigned long long mfn = strtoull(argv[1], &end, 10);
	if (*end || errno || argv[1][0] == '\0')
		return EINVAL;
	unsigned long port = strtoul(argv[2], &end, 10);
	if (*end || errno || argv[2][0] == '\0' || port == 0 ||
	    port > 0xFFFFFFFFul)
		return EINVAL;
	struct domain *d = &r->s->domains[domid];
	if (d->introduced) {
		/* A second introduce with the same page is a no-op. */
		if (d->mfn != mfn)
			return EINVAL;
		xsd_reply_ok(r->c, r->hdr);
		return 0;
	}
	if (r->s->introduce) {
		int rc = r->s->introduce(r->s->introduce_arg, domid, mfn,
					 (uint32_t)port);
		if (rc)
			return rc;
	}
	*d = (struct domain){ true, mfn, (uint32_t)port, 0, d->conns };
	r->s->stats.domains++;
	xsd_reply_ok(r->c, r->hdr);
	xsd_fire(r->s, "@introduceDomain", NULL);
	return 0;
}

static int domid_arg(const struct req *r, uint32_t *domid)
{
	const char *argv[2];
	if (xsd_split(r->body, r->hdr->len, argv, 2) != 1)
		return EINVAL;
	return xsd_parse_domid(argv[0], domid);
}

/* The privileged-only requests that name one domain. */
static int privileged_domid_arg(const struct req *r, uint32_t *domid)
{
	if (!xsd_is_privileged(r->c))
		return EACCES;
	return domid_arg(r, domid);
}

/* Removes the nodes below n that domid owns, each with its subtree, as
 * cxenstored's domain_tree_remove does when a domain goes: what a dead
 * domain owned would count against nobody's quota. Stops once the
 * domain owns none. */
static void remove_owned(struct xs_store *s, struct node *n, uint32_t domid)
{
	for (struct node *c = n->first, *next; c && s->owned[domid]; c = next) {
		next = c->next;
		if (c->perms.p[0].domid == domid)
			xsd_apply_rm(s, c->path);
		else
			remove_owned(s, c, domid);
	}
}

int xs_store_release(struct xs_store *s, uint32_t domid)
{
	if (domid == 0 || domid > HD_DOMID_LAST || !s->domains[domid].introduced)
		return ENOENT;
	struct domain *d = &s->domains[domid];
	*d = (struct domain){ .conns = d->conns };
	s->stats.domains--;
	if (s->owned[domid])
		remove_owned(s, xsd_node_get(s, "/"), domid);
	/* The domain's ring goes with it. */
	for (struct xs_conn *c = d->conns; c && s->close; c = c->dom_next)
		s->close(c->io);
	xsd_fire(s, "@releaseDomain", NULL);
	return 0;
}

int xsd_do_release(const struct req *r)
{
	uint32_t domid;
	int rc;

	if ((rc = privileged_domid_arg(r, &domid)))
		return rc;
	if (domid == 0)
		return EINVAL;
	if (!r->s->domains[domid].introduced)
		return ENOENT;
	xsd_reply_ok(r->c, r->hdr);
	return xs_store_release(r->s, domid);
}

int xsd_do_is_domain_introduced(const struct req *r)
{
	uint32_t domid;
	int rc;

	if ((rc = privileged_domid_arg(r, &domid)))
		return rc;
	bool yes = domid == 0 || r->s->domains[domid].introduced;
	xsd_reply(r->c, r->hdr, yes ? "T" : "F", 2);
	return 0;
}

int xsd_do_get_domain_path(const struct req *r)
{
	uint32_t domid;
	char buf[32];
	int rc;

	if ((rc = domid_arg(r, &domid)))
		return rc;
	int n = snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	xsd_reply(r->c, r->hdr, buf, (uint32_t)n + 1);
	return 0;
}

int xsd_do_resume(const struct req *r)
{
	uint32_t domid;
	int rc;

	if ((rc = privileged_domid_arg(r, &domid)))
		return rc;
	if (domid != 0 && !r->s->domains[domid].introduced)
		return ENOENT;
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

int xsd_do_set_target(const struct req *r)
{
	const char *argv[3];
	uint32_t domid, target;

	if (!xsd_is_privileged(r->c))
		return EACCES;
	if (xsd_split(r->body, r->hdr->len, argv, 3) != 2 ||
	    xsd_parse_domid(argv[0], &domid) || xsd_parse_domid(argv[1], &target))
		return EINVAL;
	if (!r->s->domains[domid].introduced ||
	    (target != 0 && !r->s->domains[target].introduced))
		return ENOENT;
	r->s->domains[domid].target = target;
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

/* CONTROL "stats": the statistics as text; "print TEXT": accepted and
 * ignored (cxenstored logs it); "connect-domain D": see store.h. */
int xsd_do_control(const struct req *r)
{
	const char *argv[3];
	if (!xsd_is_privileged(r->c))
		return EACCES;
	const char *nul = memchr(r->body, '\0', r->hdr->len);
	if (!nul)
		return EINVAL;
	argv[0] = r->body;
	if (strcmp(argv[0], "print") == 0) {
		xsd_reply_ok(r->c, r->hdr);
		return 0;
	}
	if (strcmp(argv[0], "connect-domain") == 0) {
		uint32_t domid;
		if (xsd_split(r->body, r->hdr->len, argv, 3) != 2 ||
		    xsd_parse_domid(argv[1], &domid) || domid == 0)
			return EINVAL;
		if (!r->s->domains[domid].introduced)
			return ENOENT;
		if (r->c->txns)
			return EBUSY;
		xsd_reply_ok(r->c, r->hdr);
		xsd_conn_set_domain(r->c, domid);
		return 0;
	}
	if (strcmp(argv[0], "stats") == 0) {
		size_t need = xs_store_format_stats(r->s, NULL, 0) + 1;
		if (need > XENSTORE_PAYLOAD_MAX || xsd_scratch_reserve(r->s, need))
			return E2BIG;
		xs_store_format_stats(r->s, r->s->scratch, need);
		xsd_reply(r->c, r->hdr, r->s->scratch, (uint32_t)need);
		return 0;
	}
	return EINVAL;
}

/* Drops the connection's watches and its transactions. */
int xsd_do_reset_watches(const struct req *r)
{
	xsd_conn_drop_watches(r->c);
	while (r->c->txns)
		xsd_txn_remove(r->c, r->c->txns);
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Dispatch                                                          */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const handler_fn handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = xsd_do_control,
	[XS_DIRECTORY] = xsd_do_directory,
	[XS_READ] = xsd_do_read,
	[XS_GET_PERMS] = xsd_do_get_perms,
	[XS_WATCH] = xsd_do_watch,
	[XS_UNWATCH] = xsd_do_unwatch,
	[XS_TRANSACTION_START] = xsd_do_transaction_start,
	[XS_TRANSACTION_END] = xsd_do_transaction_end,
	[XS_INTRODUCE] = xsd_do_introduce,
	[XS_RELEASE] = xsd_do_release,
	[XS_GET_DOMAIN_PATH] = xsd_do_get_domain_path,
	[XS_WRITE] = xsd_do_write,
	[XS_MKDIR] = xsd_do_mkdir,
	[XS_RM] = xsd_do_rm,
	[XS_SET_PERMS] = xsd_do_set_perms,
	[XS_IS_DOMAIN_INTRODUCED] = xsd_do_is_domain_introduced,
	[XS_RESUME] = xsd_do_resume,
	[XS_SET_TARGET] = xsd_do_set_target,
	[XS_RESET_WATCHES] = xsd_do_reset_watches,
	[XS_DIRECTORY_PART] = xsd_do_directory_part,
};

void xs_store_request(struct xs_store *s, struct xs_conn *c,
		      const struct xsd_sockmsg *hdr, const char *body)
{
	uint64_t t0 = now_ns();
	struct req r = { s, c, hdr, body, NULL };
	int rc;

	if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type]) {
		xsd_reply_error(c, hdr, ENOSYS); /* as cxenstored */
		return;
	}
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		xsd_reply_error(c, hdr, E2BIG);
		return;
	}
	/* As cxenstored: any request may name a transaction, and one that
	 * does not exist is ENOENT whatever the request. */
	if (hdr->tx_id != 0) {
		r.t = xsd_txn_find(c, hdr->tx_id);
		if (!r.t) {
			xsd_reply_error(c, hdr, ENOENT);
			goto out;
		}
	}
	/* The transaction ended with the request (TRANSACTION_END) is gone. */
	bool ends = hdr->type == XS_TRANSACTION_END;
	if (r.t && r.t->failed && !ends) {
		xsd_reply_error(c, hdr, r.t->failed);
		goto out;
	}
	rc = handlers[hdr->type](&r);
	if (rc && r.t && !ends && r.t->failed)
		rc = r.t->failed;
	if (rc)
		xsd_reply_error(c, hdr, rc);
out:
	s->stats.ops[hdr->type].count++;
	s->stats.ops[hdr->type].total_ns += now_ns() - t0;
}
