/* store_util.c: see store_util.h. */
#define _GNU_SOURCE
#include <errno.h> /* before xs_wire.h, which then defines xsd_errors */

#include "store_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
	return c->domid <= HD_DOMID_FIRST_RESERVED && c->store->domains[c->domid].target
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

void xsd_reply_error(struct xs_conn *c, const struct xsd_sockmsg *req,
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
		xsd_reply_error(c, req, t->failed);
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
	if (*end || errno || d >= HD_DOMID_FIRST_RESERVED)
		return EINVAL;
	*out = (uint32_t)d;
	return 0;
}

struct txn *xsd_txn_find(struct xs_conn *c, uint32_t id)
{
	for (struct txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}
