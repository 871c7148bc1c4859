/* store_tree.c: the tree of nodes, and the operations as applied to it
 * once every check has passed (directly, or when a transaction commits). */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_tree.h"
#include "store_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* The tree                                                          */

struct node *xsd_node_get(struct xs_store *s, const char *path)
{
	return hmap_get(&s->nodes, path);
}

static void touch(struct xs_store *s, struct node *n)
{
	n->gen = ++s->gen;
}

void xsd_owned_add(struct xs_store *s, uint32_t domid, int delta)
{
	if (domid <= HD_DOMID_FIRST_RESERVED)
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
	if (!n->path || !n->value || xsd_perms_copy(&n->perms, &parent->perms) ||
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
	xsd_owned_add(s, n->perms.p[0].domid, 1);
	s->stats.nodes++;
	return n;
}

/* Returns the node at path, creating it and any missing ancestors. */
static struct node *node_create_path(struct xs_store *s, const char *path,
				     uint32_t creator)
{
	struct node *n = xsd_node_get(s, path);
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	if (n)
		return n;
	xsd_parent_path(path, parent);
	struct node *p = node_create_path(s, parent, creator);
	return p ? node_new(s, p, path, creator) : NULL;
}

void xsd_node_free_subtree(struct xs_store *s, struct node *n, bool notify)
{
	while (n->first)
		xsd_node_free_subtree(s, n->first, notify);
	/* Watches set below a removed node fire with their own path. */
	if (notify)
		s->changed(s, n->path, &n->perms, true);
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
	xsd_owned_add(s, n->perms.p[0].domid, -1);
	s->stats.nodes--;
	free(n->path);
	free(n->value);
	free(n->perms.p);
	free(n);
}

/* The operations as applied to the tree, after all checks passed. They are
 * used directly outside transactions and when a transaction commits. */
int xsd_apply_write(struct xs_store *s, uint32_t creator, const char *path,
		       const char *value, uint32_t vlen)
{
	struct node *n = node_create_path(s, path, creator);
	char *v = xsd_memdup0(value, vlen);
	if (!n || !v) {
		free(v);
		return ENOMEM;
	}
	free(n->value);
	n->value = v;
	n->vlen = vlen;
	touch(s, n);
	s->changed(s, path, &n->perms, false);
	return 0;
}

int xsd_apply_mkdir(struct xs_store *s, uint32_t creator, const char *path)
{
	if (xsd_node_get(s, path))
		return 0;
	struct node *n = node_create_path(s, path, creator);
	if (!n)
		return ENOMEM;
	s->changed(s, path, &n->perms, false);
	return 0;
}

int xsd_apply_rm(struct xs_store *s, const char *path)
{
	struct node *n = xsd_node_get(s, path);
	if (!n)
		return 0;
	s->changed(s, path, &n->perms, false);
	/* The node's own watches fired above; fire only those below it. */
	while (n->first)
		xsd_node_free_subtree(s, n->first, true);
	xsd_node_free_subtree(s, n, false);
	return 0;
}

int xsd_apply_setperms(struct xs_store *s, const char *path,
			  const struct perms *perms)
{
	struct node *n = xsd_node_get(s, path);
	struct perms np;
	if (!n)
		return ENOENT;
	if (xsd_perms_copy(&np, perms))
		return ENOMEM;
	xsd_owned_add(s, n->perms.p[0].domid, -1);
	free(n->perms.p);
	n->perms = np;
	xsd_owned_add(s, n->perms.p[0].domid, 1);
	touch(s, n);
	s->changed(s, path, &n->perms, false);
	return 0;
}
