/* store.c: the emulated XenStore without I/O (see store.h): message
 * dispatch, the helpers every part shares (paths, permissions, replies),
 * and the store's lifetime and statistics. The tree is in store_tree.c,
 * watches in store_watch.c, transactions in store_txn.c, and the request
 * handlers in store_ops.c.
 *
 * Cost model: every single-node operation is a hash lookup by full path plus
 * a walk over the path's ancestors, never a walk over all nodes or all
 * watches. Removing a subtree costs the size of the subtree. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	q->trans_nodes = 1024;
	q->perms_per_node = 5;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

char *xsd_memdup0(const char *p, size_t n)
{
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, p, n);
		r[n] = '\0';
	}
	return r;
}

int xsd_perms_copy(struct perms *dst, const struct perms *src)
{
	dst->p = malloc(src->n * sizeof(*src->p));
	if (!dst->p && src->n)
		return -1;
	memcpy(dst->p, src->p, src->n * sizeof(*src->p));
	dst->n = src->n;
	return 0;
}

bool xsd_is_privileged(const struct xs_conn *c)
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
int xsd_access_of(const struct xs_conn *c, const struct perms *p)
{
	char mode;
	uint32_t target = target_of(c);

	if (xsd_is_privileged(c) || p->p[0].domid == c->domid ||
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
void xsd_parent_path(const char *path, char *buf)
{
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

const char *xsd_basename_of(const char *path)
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
int xsd_canonical(const struct xs_conn *c, const char *in, char *out,
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
	/* As cxenstored's is_valid_nodename: no "//", no trailing '/', and
	 * at most XENSTORE_REL_PATH_MAX characters past /local/domain/N/
	 * (or in all, elsewhere). '@' may stand anywhere but first. */
	len = strlen(out);
	unsigned domid;
	int local_off = 0;
	if (sscanf(out, "/local/domain/%5u/%n", &domid, &local_off) != 1)
		local_off = 0;
	if (!valid_path_chars(out) || strstr(out, "//") ||
	    (len > 1 && out[len - 1] == '/') ||
	    len > (size_t)local_off + XENSTORE_REL_PATH_MAX)
		return EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Sending                                                           */

int xsd_scratch_reserve(struct xs_store *s, size_t len)
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

void xsd_send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
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
	xsd_send_msg(c, XS_ERROR, req->req_id, req->tx_id, name,
		 (uint32_t)strlen(name) + 1);
}

void xsd_reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  const void *body, uint32_t len)
{
	/* A transaction that failed while this request looked at a node (out
	 * of memory, over its node quota) answers with why, not with what it
	 * could not see. */
	struct txn *t = req->tx_id ? xsd_txn_find(c, req->tx_id) : NULL;
	if (t && t->failed) {
		reply_error(c, req, t->failed);
		return;
	}
	xsd_send_msg(c, req->type, req->req_id, req->tx_id, body, len);
}

void xsd_reply_ok(struct xs_conn *c, const struct xsd_sockmsg *req)
{
	xsd_reply(c, req, "OK", 3);
}

/* Splits body into nul-terminated strings; returns how many, or -1 when
 * the body does not end in a nul. */
int xsd_split(const char *body, uint32_t len, const char **argv, int max)
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

int xsd_parse_perms(const char **argv, int n, struct perms *out)
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

int xsd_parse_domid(const char *s, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	unsigned long d = strtoul(s, &end, 10);
	if (*end || errno || d >= MAX_DOMID)
		return EINVAL;
	*out = (uint32_t)d;
	return 0;
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
		reply_error(c, hdr, ENOSYS); /* as cxenstored */
		return;
	}
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		reply_error(c, hdr, E2BIG);
		return;
	}
	/* As cxenstored: any request may name a transaction, and one that
	 * does not exist is ENOENT whatever the request. */
	if (hdr->tx_id != 0) {
		r.t = xsd_txn_find(c, hdr->tx_id);
		if (!r.t) {
			reply_error(c, hdr, ENOENT);
			goto out;
		}
	}
	/* The transaction ended with the request (TRANSACTION_END) is gone. */
	bool ends = hdr->type == XS_TRANSACTION_END;
	if (r.t && r.t->failed && !ends) {
		reply_error(c, hdr, r.t->failed);
		goto out;
	}
	rc = handlers[hdr->type](&r);
	if (rc && r.t && !ends && r.t->failed)
		rc = r.t->failed;
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
	if (xsd_scratch_reserve(s, XENSTORE_PAYLOAD_MAX + 1))
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
	if (domid > MAX_DOMID) {
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
