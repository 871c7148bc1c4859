/* test_store.c: the emulated XenStore's semantics, driven message by
 * message without sockets: tree, permissions, watches, transactions,
 * domains, quotas and malformed input. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../emu/xenstored/store.h"
#include "../../lib/domid.h"

struct msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

/* A client: what the store sent it, replies and events apart. */
struct client {
	struct xs_conn *conn;
	struct msg reply;
	int nreplies;
	struct msg events[64];
	int nevents;
};

static void capture(void *io, const struct xsd_sockmsg *hdr, const void *body)
{
	struct client *c = io;
	struct msg *m = hdr->type == XS_WATCH_EVENT ? &c->events[c->nevents++]
						    : &c->reply;
	if (hdr->type != XS_WATCH_EVENT)
		c->nreplies++;
	assert_true(c->nevents <= 64);
	assert_true(hdr->len <= XENSTORE_PAYLOAD_MAX);
	m->hdr = *hdr;
	memcpy(m->body, body, hdr->len);
	m->body[hdr->len] = '\0';
}

static struct xs_store *store;
static struct client dom0, guest;

static int setup(void **state)
{
	(void)state;
	struct xs_quota q;
	xs_quota_defaults(&q);
	q.nodes_per_domain = 20;
	store = xs_store_new(&q);
	memset(&dom0, 0, sizeof(dom0));
	memset(&guest, 0, sizeof(guest));
	dom0.conn = xs_conn_new(store, 0, capture, &dom0);
	guest.conn = xs_conn_new(store, 5, capture, &guest);
	return store && dom0.conn && guest.conn ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	xs_store_free(store); /* frees the connections too */
	return 0;
}

/* Sends a request with a body of len bytes; returns the reply. */
static struct msg *send_raw(struct client *c, uint32_t type, uint32_t tx,
			    const char *body, uint32_t len)
{
	struct xsd_sockmsg hdr = { type, 77, tx, len };
	c->nreplies = 0;
	xs_store_request(store, c->conn, &hdr, body);
	assert_int_equal(c->nreplies, 1);
	assert_int_equal(c->reply.hdr.req_id, 77);
	assert_int_equal(c->reply.hdr.tx_id, tx);
	return &c->reply;
}

/* Joins strings with nuls: "a", "b" -> "a\0b\0". */
static uint32_t join(char *buf, int n, ...)
{
	va_list ap;
	uint32_t off = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *s = va_arg(ap, const char *);
		size_t l = strlen(s) + 1;
		memcpy(buf + off, s, l);
		off += (uint32_t)l;
	}
	va_end(ap);
	return off;
}

static struct msg *req1(struct client *c, uint32_t type, uint32_t tx,
			const char *arg)
{
	return send_raw(c, type, tx, arg, (uint32_t)strlen(arg) + 1);
}

static const char *error_of(const struct msg *m)
{
	return m->hdr.type == XS_ERROR ? m->body : "no error";
}

static void ok(const struct msg *m)
{
	if (m->hdr.type == XS_ERROR) {
		print_error("unexpected error %s\n", m->body);
		fail();
	}
}

static struct msg *write_tx(struct client *c, uint32_t tx, const char *path,
			    const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(value);
	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	return send_raw(c, XS_WRITE, tx, buf, (uint32_t)(pl + vl));
}

static const char *read_tx(struct client *c, uint32_t tx, const char *path)
{
	struct msg *m = req1(c, XS_READ, tx, path);
	return m->hdr.type == XS_ERROR ? m->body : m->body;
}

static void tree_basics(void **state)
{
	(void)state;
	ok(write_tx(&dom0, 0, "/a/b/c", "hello"));
	assert_string_equal(read_tx(&dom0, 0, "/a/b/c"), "hello");
	assert_int_equal(dom0.reply.hdr.len, 5); /* no trailing nul */
	assert_string_equal(read_tx(&dom0, 0, "/a/b"), ""); /* implied parent */
	assert_string_equal(read_tx(&dom0, 0, "/nope"), "ENOENT");
	ok(req1(&dom0, XS_MKDIR, 0, "/a/d"));
	ok(req1(&dom0, XS_MKDIR, 0, "/a/d")); /* exists: fine */
	struct msg *m = req1(&dom0, XS_DIRECTORY, 0, "/a");
	assert_int_equal(m->hdr.len, 4);
	assert_memory_equal(m->body, "b\0d\0", 4);
	ok(req1(&dom0, XS_RM, 0, "/a/b"));
	assert_string_equal(read_tx(&dom0, 0, "/a/b/c"), "ENOENT");
	ok(req1(&dom0, XS_RM, 0, "/a/b"));              /* parent exists */
	assert_string_equal(error_of(req1(&dom0, XS_RM, 0, "/x/y")), "ENOENT");
	assert_string_equal(error_of(req1(&dom0, XS_RM, 0, "/")), "EINVAL");
	/* Relative paths are under the connection's domain. */
	ok(write_tx(&dom0, 0, "rel", "0"));
	assert_string_equal(read_tx(&dom0, 0, "/local/domain/0/rel"), "0");
	/* Binary values survive. */
	ok(send_raw(&dom0, XS_WRITE, 0, "/bin\0a\0b", 8));
	m = req1(&dom0, XS_READ, 0, "/bin");
	assert_int_equal(m->hdr.len, 3);
	assert_memory_equal(m->body, "a\0b", 3);
}

/* Paths as cxenstored 4.17's is_valid_nodename takes them. */
static void bad_paths(void **state)
{
	(void)state;
	const char *bad[] = { "/a//b", "/a/", "/a b", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(error_of(write_tx(&dom0, 0, bad[i], "v")),
				    "EINVAL");
	/* '@' is a path character like any other past the first. */
	ok(write_tx(&dom0, 0, "/a/@x", "v"));
	assert_string_equal(read_tx(&dom0, 0, "/a/@x"), "v");
	char longp[XENSTORE_ABS_PATH_MAX + 8];
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_string_equal(error_of(req1(&dom0, XS_READ, 0, longp)), "EINVAL");
	/* At most XENSTORE_REL_PATH_MAX (2048) characters, counted past
	 * /local/domain/N/ under a domain's directory, in all elsewhere. */
	char p[XENSTORE_ABS_PATH_MAX + 1];
	memset(p, 'b', sizeof(p));
	p[0] = '/';
	p[XENSTORE_REL_PATH_MAX + 1] = '\0';
	assert_string_equal(error_of(write_tx(&dom0, 0, p, "v")), "EINVAL");
	p[XENSTORE_REL_PATH_MAX] = '\0';
	ok(write_tx(&dom0, 0, p, "v"));
	int n = snprintf(p, sizeof(p), "/local/domain/7/");
	memset(p + n, 'c', XENSTORE_REL_PATH_MAX);
	p[n + XENSTORE_REL_PATH_MAX] = '\0';
	ok(write_tx(&dom0, 0, p, "v"));
}

static void malformed(void **state)
{
	(void)state;
	/* Body without its nul, unknown type, missing arguments. */
	assert_string_equal(error_of(send_raw(&dom0, XS_READ, 0, "/a", 2)), "EINVAL");
	/* A type the store does not serve: ENOSYS, as from cxenstored. */
	assert_string_equal(error_of(send_raw(&dom0, 999, 0, "", 0)), "ENOSYS");
	assert_string_equal(error_of(send_raw(&dom0, XS_WATCH_EVENT, 0, "", 0)),
			    "ENOSYS");
	assert_string_equal(error_of(req1(&dom0, XS_WATCH, 0, "/a")), "EINVAL");
	assert_string_equal(error_of(send_raw(&dom0, XS_WRITE, 0, "/a", 2)), "EINVAL");
	assert_string_equal(error_of(req1(&dom0, XS_INTRODUCE, 0, "5")), "EINVAL");
	/* Domain ids end below HD_DOMID_FIRST_RESERVED; port 0 is none. */
	char buf[32], reserved[16];
	snprintf(reserved, sizeof(reserved), "%u", HD_DOMID_FIRST_RESERVED);
	assert_string_equal(error_of(send_raw(&dom0, XS_INTRODUCE, 0, buf,
					      join(buf, 3, reserved, "1", "1"))),
			    "EINVAL");
	assert_string_equal(error_of(send_raw(&dom0, XS_INTRODUCE, 0, buf,
					      join(buf, 3, "9", "1", "0"))),
			    "EINVAL");
	/* A transaction id nobody started. */
	assert_string_equal(error_of(req1(&dom0, XS_READ, 4242, "/")), "ENOENT");
}

static void permissions(void **state)
{
	(void)state;
	char buf[256];
	ok(write_tx(&dom0, 0, "/p/secret", "x"));
	/* Default n0: domain 5 can neither read nor write. */
	assert_string_equal(read_tx(&guest, 0, "/p/secret"), "EACCES");
	assert_string_equal(error_of(write_tx(&guest, 0, "/p/secret", "y")), "EACCES");
	assert_string_equal(error_of(write_tx(&guest, 0, "/p/new", "y")), "EACCES");
	/* Grant read to 5. */
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 3, "/p/secret", "n0", "r5")));
	assert_string_equal(read_tx(&guest, 0, "/p/secret"), "x");
	assert_string_equal(error_of(write_tx(&guest, 0, "/p/secret", "y")), "EACCES");
	struct msg *m = req1(&dom0, XS_GET_PERMS, 0, "/p/secret");
	assert_int_equal(m->hdr.len, 6);
	assert_memory_equal(m->body, "n0\0r5\0", 6);
	/* Hand /p to 5: it owns it, and what it creates below. */
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf, join(buf, 2, "/p", "n5")));
	ok(write_tx(&guest, 0, "/p/mine", "z"));
	m = req1(&dom0, XS_GET_PERMS, 0, "/p/mine");
	assert_memory_equal(m->body, "n5\0", 3);
	/* Only the owner may change permissions. */
	assert_string_equal(error_of(send_raw(&guest, XS_SET_PERMS, 0, buf,
					      join(buf, 2, "/p/secret", "b5"))),
			    "EACCES");
	assert_string_equal(error_of(send_raw(&dom0, XS_SET_PERMS, 0, buf,
					      join(buf, 2, "/p", "q5"))),
			    "EINVAL");
	/* Privileged-only operations. */
	assert_string_equal(error_of(send_raw(&guest, XS_INTRODUCE, 0, buf,
					      join(buf, 3, "9", "1", "1"))),
			    "EACCES");
}

static void quota(void **state)
{
	(void)state;
	char buf[64], path[64];
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 2, "/local/domain", "b0")));
	ok(req1(&dom0, XS_MKDIR, 0, "/local/domain/5"));
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 2, "/local/domain/5", "n5")));
	int i;
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		struct msg *m = write_tx(&guest, 0, path, "v");
		if (m->hdr.type == XS_ERROR) {
			assert_string_equal(m->body, "ENOSPC");
			break;
		}
	}
	assert_int_equal(i, 19); /* owns /local/domain/5 plus 19 more = 20 */
	char big[3000];
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(error_of(write_tx(&guest, 0, "n0", big)), "ENOSPC");
	ok(write_tx(&dom0, 0, "/big", big)); /* dom0 has no quota */
}

static int event_is(const struct msg *m, const char *path, const char *token)
{
	return m->hdr.type == XS_WATCH_EVENT && strcmp(m->body, path) == 0 &&
	       strcmp(m->body + strlen(path) + 1, token) == 0;
}

static void watches(void **state)
{
	(void)state;
	char buf[128];
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "/w", "tok")));
	/* Registration fires once at once. */
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "/w", "tok"));
	assert_string_equal(error_of(send_raw(&dom0, XS_WATCH, 0, buf,
					      join(buf, 2, "/w", "tok"))),
			    "EEXIST");
	dom0.nevents = 0;
	ok(write_tx(&dom0, 0, "/w/x/y", "1"));
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "/w/x/y", "tok"));
	dom0.nevents = 0;
	ok(write_tx(&dom0, 0, "/other", "1"));
	ok(write_tx(&dom0, 0, "/wx", "1")); /* a sibling, not a child */
	assert_int_equal(dom0.nevents, 0);
	/* A watch below a removed subtree fires with its own path. */
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "/w/x/y", "deep")));
	dom0.nevents = 0;
	ok(req1(&dom0, XS_RM, 0, "/w"));
	assert_int_equal(dom0.nevents, 2);
	assert_true(event_is(&dom0.events[0], "/w", "tok"));
	assert_true(event_is(&dom0.events[1], "/w/x/y", "deep"));
	/* Relative watches get relative events. */
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "rel", "r")));
	dom0.nevents = 0;
	ok(write_tx(&dom0, 0, "/local/domain/0/rel/k", "1"));
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "rel/k", "r"));
	/* Unwatch, and unwatching what is not there. */
	ok(send_raw(&dom0, XS_UNWATCH, 0, buf, join(buf, 2, "/w", "tok")));
	assert_string_equal(error_of(send_raw(&dom0, XS_UNWATCH, 0, buf,
					      join(buf, 2, "/w", "tok"))),
			    "ENOENT");
	dom0.nevents = 0;
	ok(write_tx(&dom0, 0, "/w", "1"));
	assert_int_equal(dom0.nevents, 0);
	/* Reset drops them all. */
	ok(send_raw(&dom0, XS_RESET_WATCHES, 0, "", 0));
	dom0.nevents = 0;
	ok(write_tx(&dom0, 0, "/local/domain/0/rel/k", "2"));
	assert_int_equal(dom0.nevents, 0);
	/* Another connection's change reaches the watcher. */
	ok(req1(&dom0, XS_MKDIR, 0, "/shared"));
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "/shared", "s")));
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf, join(buf, 2, "/shared", "b5")));
	dom0.nevents = 0;
	ok(write_tx(&guest, 0, "/shared/g", "1"));
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "/shared/g", "s"));
}

static uint32_t start_tx(struct client *c)
{
	struct msg *m = send_raw(c, XS_TRANSACTION_START, 0, "", 1);
	ok(m);
	return (uint32_t)strtoul(m->body, NULL, 10);
}

static struct msg *end_tx(struct client *c, uint32_t tx, int commit)
{
	return req1(c, XS_TRANSACTION_END, tx, commit ? "T" : "F");
}

static void transactions(void **state)
{
	(void)state;
	char buf[64];
	ok(write_tx(&dom0, 0, "/t/keep", "old"));
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "/t", "w")));

	/* Changes are seen inside, not outside, until commit. */
	uint32_t t = start_tx(&dom0);
	assert_int_not_equal(t, 0);
	dom0.nevents = 0;
	ok(write_tx(&dom0, t, "/t/new/leaf", "v"));
	assert_string_equal(read_tx(&dom0, t, "/t/new/leaf"), "v");
	assert_string_equal(read_tx(&dom0, 0, "/t/new/leaf"), "ENOENT");
	struct msg *m = req1(&dom0, XS_DIRECTORY, t, "/t");
	assert_int_equal(m->hdr.len, 9);
	assert_memory_equal(m->body, "keep\0new\0", 9);
	ok(req1(&dom0, XS_RM, t, "/t/keep"));
	assert_string_equal(read_tx(&dom0, t, "/t/keep"), "ENOENT");
	assert_string_equal(read_tx(&dom0, 0, "/t/keep"), "old");
	assert_int_equal(dom0.nevents, 0); /* nothing fires before commit */
	ok(end_tx(&dom0, t, 1));
	assert_string_equal(read_tx(&dom0, 0, "/t/new/leaf"), "v");
	assert_string_equal(read_tx(&dom0, 0, "/t/keep"), "ENOENT");
	assert_true(dom0.nevents >= 2);
	/* The transaction is gone after its end. */
	assert_string_equal(error_of(req1(&dom0, XS_READ, t, "/t")), "ENOENT");

	/* Abort leaves no trace. */
	t = start_tx(&dom0);
	ok(write_tx(&dom0, t, "/t/aborted", "v"));
	ok(end_tx(&dom0, t, 0));
	assert_string_equal(read_tx(&dom0, 0, "/t/aborted"), "ENOENT");

	/* A node read in the transaction and changed outside: EAGAIN. */
	t = start_tx(&dom0);
	assert_string_equal(read_tx(&dom0, t, "/t/new/leaf"), "v");
	ok(write_tx(&dom0, t, "/t/other", "1"));
	ok(write_tx(&dom0, 0, "/t/new/leaf", "changed"));
	assert_string_equal(error_of(end_tx(&dom0, t, 1)), "EAGAIN");
	assert_string_equal(read_tx(&dom0, 0, "/t/other"), "ENOENT");

	/* A node that was absent and got created outside: EAGAIN too. */
	t = start_tx(&dom0);
	assert_string_equal(read_tx(&dom0, t, "/t/later"), "ENOENT");
	ok(write_tx(&dom0, 0, "/t/later", "1"));
	assert_string_equal(error_of(end_tx(&dom0, t, 1)), "EAGAIN");

	/* Disjoint transactions both commit. */
	uint32_t a = start_tx(&dom0), b = start_tx(&dom0);
	ok(write_tx(&dom0, a, "/t/new/leaf", "a"));
	ok(write_tx(&dom0, b, "/t/keep2", "b")); /* parent /t touched by b only */
	ok(end_tx(&dom0, a, 1));
	ok(end_tx(&dom0, b, 1));
	assert_string_equal(read_tx(&dom0, 0, "/t/keep2"), "b");

	/* Nested start is refused; too many open for a domain is ENOSPC. */
	t = start_tx(&dom0);
	assert_string_equal(error_of(send_raw(&dom0, XS_TRANSACTION_START, t, "", 1)),
			    "EBUSY");
	assert_string_equal(error_of(send_raw(&dom0, XS_TRANSACTION_START, t + 99,
					      "", 1)),
			    "ENOENT");
	for (int i = 0; i < 10; i++)
		start_tx(&guest);
	assert_string_equal(error_of(send_raw(&guest, XS_TRANSACTION_START, 0, "", 1)),
			    "ENOSPC");
	assert_string_equal(error_of(req1(&dom0, XS_TRANSACTION_END, 0, "T")), "ENOENT");
}

static void domains(void **state)
{
	(void)state;
	char buf[64];
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "@introduceDomain", "i")));
	ok(send_raw(&dom0, XS_WATCH, 0, buf, join(buf, 2, "@releaseDomain", "r")));
	dom0.nevents = 0;
	assert_memory_equal(req1(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "7")->body, "F", 2);
	ok(send_raw(&dom0, XS_INTRODUCE, 0, buf, join(buf, 3, "7", "1234", "3")));
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "@introduceDomain", "i"));
	assert_memory_equal(req1(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "7")->body, "T", 2);
	ok(send_raw(&dom0, XS_INTRODUCE, 0, buf, join(buf, 3, "7", "1234", "3")));
	assert_string_equal(error_of(send_raw(&dom0, XS_INTRODUCE, 0, buf,
					      join(buf, 3, "7", "99", "3"))),
			    "EINVAL");
	struct msg *m = req1(&dom0, XS_GET_DOMAIN_PATH, 0, "7");
	assert_string_equal(m->body, "/local/domain/7");
	ok(req1(&dom0, XS_RESUME, 0, "7"));
	ok(send_raw(&dom0, XS_SET_TARGET, 0, buf, join(buf, 2, "7", "0")));
	dom0.nevents = 0;
	ok(req1(&dom0, XS_RELEASE, 0, "7"));
	assert_int_equal(dom0.nevents, 1);
	assert_true(event_is(&dom0.events[0], "@releaseDomain", "r"));
	assert_string_equal(error_of(req1(&dom0, XS_RELEASE, 0, "7")), "ENOENT");
	assert_string_equal(error_of(req1(&dom0, XS_RESUME, 0, "7")), "ENOENT");
	assert_string_equal(error_of(req1(&dom0, XS_GET_DOMAIN_PATH, 0, "x")), "EINVAL");
}

static void directory_part(void **state)
{
	(void)state;
	char path[64], buf[64];
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/dp/child-with-a-long-name-%03d", i);
		ok(write_tx(&dom0, 0, path, ""));
	}
	/* Too big for one DIRECTORY reply. */
	assert_string_equal(error_of(req1(&dom0, XS_DIRECTORY, 0, "/dp")), "E2BIG");
	/* Gather the parts as libxenstore does. */
	int seen = 0;
	unsigned off = 0;
	for (int rounds = 0; rounds < 10; rounds++) {
		char offs[16];
		snprintf(offs, sizeof(offs), "%u", off);
		struct msg *m = send_raw(&dom0, XS_DIRECTORY_PART, 0, buf,
					 join(buf, 2, "/dp", offs));
		ok(m);
		size_t gl = strlen(m->body) + 1;
		const char *p = m->body + gl, *end = m->body + m->hdr.len;
		while (p < end && *p) {
			seen++;
			off += (unsigned)strlen(p) + 1;
			p += strlen(p) + 1;
		}
		if (p < end && *p == '\0' && p + 1 == end)
			break; /* the closing nul: complete */
	}
	assert_int_equal(seen, 300);
	/* Past the end: the generation and an empty list, not an error. */
	struct msg *m = send_raw(&dom0, XS_DIRECTORY_PART, 0, buf,
				 join(buf, 2, "/dp", "999999"));
	ok(m);
	size_t gl = strlen(m->body) + 1;
	assert_int_equal(m->hdr.len, gl + 1);
	assert_int_equal(m->body[gl], '\0');
}

static void control_and_stats(void **state)
{
	(void)state;
	struct xs_store_stats st;
	ok(write_tx(&dom0, 0, "/s", "1"));
	struct msg *m = send_raw(&dom0, XS_CONTROL, 0, "stats", 6);
	ok(m);
	assert_non_null(strstr(m->body, "op WRITE "));
	assert_non_null(strstr(m->body, "nodes "));
	xs_store_get_stats(store, &st);
	assert_int_equal(st.connections, 2);
	assert_true(st.ops[XS_WRITE].count >= 1);
	assert_true(st.nodes >= 5);
	assert_string_equal(error_of(send_raw(&guest, XS_CONTROL, 0, "stats", 6)),
			    "EACCES");
	assert_string_equal(error_of(send_raw(&dom0, XS_CONTROL, 0, "bogus", 6)),
			    "EINVAL");
	assert_string_equal(xs_type_name(XS_READ), "READ");
	assert_null(xs_type_name(1000));
}

static void conn_close_drops_state(void **state)
{
	(void)state;
	char buf[64];
	struct client tmp = { 0 };
	tmp.conn = xs_conn_new(store, 0, capture, &tmp);
	ok(send_raw(&tmp, XS_WATCH, 0, buf, join(buf, 2, "/gone", "g")));
	start_tx(&tmp);
	xs_conn_free(tmp.conn);
	struct xs_store_stats st;
	xs_store_get_stats(store, &st);
	assert_int_equal(st.watches, 0);
	assert_int_equal(st.transactions, 0);
	ok(write_tx(&dom0, 0, "/gone/x", "1")); /* no event to a freed conn */
}

static int closed[3];

static void count_close(void *io)
{
	closed[(struct client *)io == &dom0 ? 0 : (struct client *)io == &guest ? 1 : 2]++;
}

static void release_closes_only_that_domains_connections(void **state)
{
	(void)state;
	char buf[64];
	struct client a = { 0 }, b = { 0 };
	memset(closed, 0, sizeof(closed));
	xs_store_set_close(store, count_close);
	ok(send_raw(&dom0, XS_INTRODUCE, 0, buf, join(buf, 3, "7", "1", "1")));
	a.conn = xs_conn_new(store, 0, capture, &a);
	b.conn = xs_conn_new(store, 0, capture, &b);
	ok(send_raw(&a, XS_CONTROL, 0, buf, join(buf, 2, "connect-domain", "7")));
	ok(send_raw(&b, XS_CONTROL, 0, buf, join(buf, 2, "connect-domain", "7")));
	/* Now unprivileged: b may not hand itself on again. */
	assert_string_equal(error_of(send_raw(&b, XS_CONTROL, 0, buf,
					      join(buf, 2, "connect-domain", "7"))),
			    "EACCES");
	assert_string_equal(error_of(send_raw(&dom0, XS_CONTROL, 0, buf,
					      join(buf, 2, "connect-domain", "8"))),
			    "ENOENT"); /* not introduced */
	ok(req1(&dom0, XS_RELEASE, 0, "7"));
	assert_int_equal(closed[2], 2); /* a and b */
	assert_int_equal(closed[0] + closed[1], 0);
	xs_conn_free(a.conn);
	xs_conn_free(b.conn);
	/* Introduced again, the domain starts with no connections. */
	ok(send_raw(&dom0, XS_INTRODUCE, 0, buf, join(buf, 3, "7", "1", "1")));
	ok(req1(&dom0, XS_RELEASE, 0, "7"));
	assert_int_equal(closed[2], 2);
}

/* Domain 5 owns /local/domain/5 (one node of its quota of 20). */
static void give_domain_its_directory(void)
{
	char buf[64];
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 2, "/local/domain", "b0")));
	ok(req1(&dom0, XS_MKDIR, 0, "/local/domain/5"));
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 2, "/local/domain/5", "n5")));
}

/* Inside a transaction, reads come from the transaction's snapshot, as
 * in cxenstored: a node changed or a child added outside stays as it was
 * at the first look, and the commit then fails with EAGAIN. */
static void transactions_read_their_snapshot(void **state)
{
	(void)state;
	ok(write_tx(&dom0, 0, "/iso/x", "a"));
	uint32_t t = start_tx(&dom0);
	assert_string_equal(read_tx(&dom0, t, "/iso/x"), "a");
	struct msg *m = req1(&dom0, XS_DIRECTORY, t, "/iso");
	assert_int_equal(m->hdr.len, 2);
	ok(write_tx(&dom0, 0, "/iso/x", "b"));
	ok(write_tx(&dom0, 0, "/iso/y", "new"));
	assert_string_equal(read_tx(&dom0, t, "/iso/x"), "a");
	m = req1(&dom0, XS_DIRECTORY, t, "/iso");
	assert_int_equal(m->hdr.len, 2);
	assert_memory_equal(m->body, "x\0", 2);
	/* Its own changes show beside the snapshot. */
	ok(write_tx(&dom0, t, "/iso/z", "mine"));
	m = req1(&dom0, XS_DIRECTORY, t, "/iso");
	assert_int_equal(m->hdr.len, 4);
	assert_memory_equal(m->body, "x\0z\0", 4);
	assert_string_equal(error_of(end_tx(&dom0, t, 1)), "EAGAIN");
	assert_string_equal(read_tx(&dom0, 0, "/iso/z"), "ENOENT");
}

/* Only dom0 changes a node's owner; an unprivileged domain names at most
 * 5 permissions; an owner that cannot exist is ENOENT, other entries for
 * such domains are ignored. */
static void set_perms_rules(void **state)
{
	(void)state;
	char buf[128];
	give_domain_its_directory();
	ok(write_tx(&guest, 0, "mine", "v"));
	assert_string_equal(error_of(send_raw(&guest, XS_SET_PERMS, 0, buf,
					      join(buf, 2, "mine", "n0"))),
			    "EPERM");
	assert_string_equal(error_of(send_raw(&guest, XS_SET_PERMS, 0, buf,
					      join(buf, 2, "mine", "n7"))),
			    "EPERM");
	ok(send_raw(&guest, XS_SET_PERMS, 0, buf, join(buf, 3, "mine", "n5", "r0")));
	assert_string_equal(error_of(send_raw(&guest, XS_SET_PERMS, 0, buf,
					      join(buf, 7, "mine", "n5", "r1",
						   "r2", "r3", "r4", "r6"))),
			    "ENOSPC");
	ok(send_raw(&guest, XS_SET_PERMS, 0, buf,
		    join(buf, 6, "mine", "n5", "r1", "r2", "r3", "r4")));
	/* dom0 may hand it over, not to a domain that cannot exist. */
	assert_string_equal(error_of(send_raw(&dom0, XS_SET_PERMS, 0, buf,
					      join(buf, 2, "/local/domain/5/mine",
						   "n40000"))),
			    "ENOENT");
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf,
		    join(buf, 3, "/local/domain/5/mine", "n5", "r40000")));
	struct msg *m = req1(&dom0, XS_GET_PERMS, 0, "/local/domain/5/mine");
	assert_int_equal(m->hdr.len, 3);
	assert_memory_equal(m->body, "n5\0", 3);
	/* Giving nodes to dom0 cannot escape the node quota: it is EPERM
	 * above, so the 20th node is still refused. */
	int i;
	for (i = 0; i < 100; i++) {
		char path[16];
		snprintf(path, sizeof(path), "q%d", i);
		if (write_tx(&guest, 0, path, "v")->hdr.type == XS_ERROR)
			break;
	}
	assert_int_equal(i, 18); /* the directory, mine, and 18 more: 20 */
}

/* The node quota holds inside transactions, and at commit for what
 * transactions made together. */
static void quota_in_transactions(void **state)
{
	(void)state;
	char path[16];
	give_domain_its_directory();
	uint32_t t = start_tx(&guest);
	int i;
	for (i = 0; i < 30; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		if (write_tx(&guest, t, path, "v")->hdr.type == XS_ERROR)
			break;
	}
	assert_int_equal(i, 19);
	assert_string_equal(error_of(write_tx(&guest, t, "n99", "v")), "ENOSPC");
	ok(end_tx(&guest, t, 1));
	assert_string_equal(error_of(write_tx(&guest, 0, "one-more", "v")), "ENOSPC");
	/* Two transactions that each fit, but not together; they write
	 * under different directories, so neither conflicts with the other. */
	ok(req1(&dom0, XS_RM, 0, "/local/domain/5"));
	give_domain_its_directory();
	ok(req1(&guest, XS_MKDIR, 0, "A"));
	ok(req1(&guest, XS_MKDIR, 0, "B"));
	uint32_t a = start_tx(&guest), b = start_tx(&guest);
	for (i = 0; i < 9; i++) { /* 3 owned + 9 each = 12; together 21 */
		snprintf(path, sizeof(path), "A/a%d", i);
		ok(write_tx(&guest, a, path, "v"));
		snprintf(path, sizeof(path), "B/b%d", i);
		ok(write_tx(&guest, b, path, "v"));
	}
	ok(end_tx(&guest, a, 1));
	assert_string_equal(error_of(end_tx(&guest, b, 1)), "ENOSPC");
	assert_string_equal(read_tx(&guest, 0, "B/b0"), "ENOENT");
	assert_string_equal(read_tx(&guest, 0, "A/a8"), "v");
}

/* An unprivileged transaction holds at most 1,024 nodes (cxenstored's
 * quota-trans-nodes): past that the request and the commit are ENOSPC,
 * so one transaction cannot grow the daemon without bound. */
static void transaction_node_quota(void **state)
{
	(void)state;
	char path[32], buf[64];
	for (int i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/wide/%d", i);
		ok(write_tx(&dom0, 0, path, "v"));
	}
	ok(send_raw(&dom0, XS_SET_PERMS, 0, buf, join(buf, 2, "/wide", "r0")));
	uint32_t t = start_tx(&guest);
	int i;
	const char *e = "";
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/wide/%d", i);
		e = read_tx(&guest, t, path);
		if (strcmp(e, "ENOSPC") == 0)
			break;
	}
	assert_string_equal(e, "ENOSPC");
	assert_int_equal(i, 1024);
	assert_string_equal(read_tx(&guest, t, "/wide/0"), "ENOSPC");
	assert_string_equal(error_of(end_tx(&guest, t, 1)), "ENOSPC");
	/* dom0's transactions are not limited. */
	t = start_tx(&dom0);
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/wide/%d", i);
		assert_string_equal(read_tx(&dom0, t, path), "v");
	}
	ok(end_tx(&dom0, t, 1));
}

/* A node's size as cxenstored counts it (header, permissions, value)
 * stays below 2,048 bytes for a domain: a 2,048-byte value is refused. */
static void node_size_quota(void **state)
{
	(void)state;
	char v[2049];
	give_domain_its_directory();
	memset(v, 'v', sizeof(v));
	v[2048] = '\0';
	assert_string_equal(error_of(write_tx(&guest, 0, "big", v)), "ENOSPC");
	v[2000] = '\0';
	ok(write_tx(&guest, 0, "big", v));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(tree_basics), T(bad_paths), T(malformed), T(permissions),
		T(quota), T(watches), T(transactions), T(domains),
		T(directory_part), T(control_and_stats),
		T(conn_close_drops_state),
		T(release_closes_only_that_domains_connections),
		T(transactions_read_their_snapshot), T(set_perms_rules),
		T(quota_in_transactions), T(transaction_node_quota),
		T(node_size_quota),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
