/* store_watch.c: watches. A change fires the watches registered at the
 * changed path and at each of its ancestors, found by one hash lookup per
 * ancestor, so firing never walks the list of all watches. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_watch.h"
#include "store_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (xsd_scratch_reserve(s, pl + tl))
		return;
	memcpy(s->scratch, shown, pl);
	memcpy(s->scratch + pl, w->token, tl);
	s->stats.watch_events++;
	xsd_send_msg(w->conn, XS_WATCH_EVENT, 0, 0, s->scratch, (uint32_t)(pl + tl));
}

/* Sends the event to every watch registered at key. As in cxenstored, an
 * unprivileged watcher hears only of nodes it may read (perms is NULL for
 * a node that is gone) and of no special @ events. */
void xsd_fire_exact(struct xs_store *s, const char *key, const char *path,
		       const struct perms *perms)
{
	for (struct watch *w = hmap_get(&s->watches, key); w;
	     w = w->next_same_path) {
		if (!xsd_is_privileged(w->conn) &&
		    (path[0] == '@' || (perms && !(xsd_access_of(w->conn, perms) & 1))))
			continue;
		send_event(s, w, path);
	}
}

void xsd_fire(struct xs_store *s, const char *path, const struct perms *perms)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];

	if (path[0] == '@') {
		xsd_fire_exact(s, path, path, NULL);
		return;
	}
	if (s->watches.count == 0)
		return;
	strcpy(buf, path);
	for (;;) {
		xsd_fire_exact(s, buf, path, perms);
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

void xsd_conn_drop_watches(struct xs_conn *c)
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

/* WATCH and UNWATCH take "path\0token\0"; path may be relative or @special. */
static int watch_args(const struct req *r, const char **argv, char *path)
{
	if (xsd_split(r->body, r->hdr->len, argv, 3) != 2)
		return EINVAL;
	return xsd_canonical(r->c, argv[0], path, true);
}

int xsd_do_watch(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int rc;

	if ((rc = watch_args(r, argv, path)))
		return rc;
	if (watch_find(r->s, r->c, path, argv[1]))
		return EEXIST;
	if (!xsd_is_privileged(r->c) &&
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
	xsd_reply_ok(r->c, r->hdr);
	/* Every new watch fires once at once, so clients need not race. */
	send_event(r->s, w, w->path);
	return 0;
}

int xsd_do_unwatch(const struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int rc;

	if ((rc = watch_args(r, argv, path)))
		return rc;
	struct watch *w = watch_find(r->s, r->c, path, argv[1]);
	if (!w)
		return ENOENT;
	watch_unlink(r->s, w);
	watch_free(w);
	xsd_reply_ok(r->c, r->hdr);
	return 0;
}

void xsd_changed(struct xs_store *s, const char *path,
		 const struct perms *perms, bool exact)
{
	if (!exact)
		xsd_fire(s, path, perms);
	else if (s->watches.count)
		xsd_fire_exact(s, path, path, perms);
}
