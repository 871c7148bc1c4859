/* xe_tool.c: plays the emulated hypervisor and a guest around Xen's own
 * XenStore daemons running on emu/xenlibs, for tests/e2e/xen_daemons.sh.
 *   xe_tool DIR init             make the state; print dom0's store port
 *   xe_tool DIR create D         domain D, with an unbound store port for
 *                                dom0; print the port
 *   xe_tool DIR introduce D PORT XS_INTRODUCE over the daemon's socket
 *                                (XENSTORED_PATH), as a toolstack does
 *   xe_tool DIR read D PORT PATH as guest D, XS_READ through its ring;
 *                                print the value, or the daemon's error
 *   xe_tool DIR destroy D        D dying, its ports closed, VIRQ_DOM_EXC
 * Exit 0 done, 1 failed (said on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include <xenstore.h>

#include "../../emu/xenlibs/xe_state.h"

static int die(const char *what)
{
	fprintf(stderr, "xe_tool: %s: %s\n", what, strerror(errno));
	return 1;
}

static int init(struct xe *x)
{
	xe_dom_set(x, 0, XE_DOM_RUNNING);
	/* As Linux's dom0 does when its store runs in dom0 (xenbus_probe.c,
	 * xenbus_init): an unbound port for dom0 itself, in /proc/xen. */
	int port = xe_bind_unbound(x, 0, 0, 0);
	if (port < 0)
		return die("dom0's store port");
	char path[256];
	xe_path(x, "xsd_port", path, sizeof(path));
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%d", port) < 0 || fclose(f) != 0)
		return die(path); /* oxenstored wants no newline */
	printf("%d\n", port);
	return 0;
}

static int create(struct xe *x, uint32_t dom)
{
	xe_dom_set(x, dom, XE_DOM_RUNNING);
	memset(xe_ring(x, dom), 0, XE_PAGE);
	int port = xe_bind_unbound(x, dom, 0, 0);
	if (port < 0)
		return die("the guest's store port");
	printf("%d\n", port);
	return 0;
}

static int introduce(uint32_t dom, uint32_t port)
{
	struct xs_handle *xs = xs_open(0);
	if (!xs)
		return die("open the daemon's socket");
	bool ok = xs_introduce_domain(xs, dom, dom, port);
	xs_close(xs);
	return ok ? 0 : die("XS_INTRODUCE");
}

/* Waits for an event on the guest's port (5 s at most). */
static int wait_event(struct xe *x, int fd, uint32_t dom, uint32_t port)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t got;
	if (poll(&pfd, 1, 5000) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (read(fd, &got, sizeof(got)) != sizeof(got))
		return -1;
	return xe_unmask(x, dom, port);
}

/* Copies len bytes through the ring, waiting on the port when it must. */
static int ring_io(struct xe *x, int fd, uint32_t dom, uint32_t port,
		   char *buf, size_t len, bool to_daemon)
{
	struct xenstore_domain_interface *r = xe_ring(x, dom);
	while (len) {
		XENSTORE_RING_IDX *cons = to_daemon ? &r->req_cons : &r->rsp_cons;
		XENSTORE_RING_IDX *prod = to_daemon ? &r->req_prod : &r->rsp_prod;
		char *ring = to_daemon ? r->req : r->rsp;
		XENSTORE_RING_IDX c = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX p = __atomic_load_n(prod, __ATOMIC_ACQUIRE);
		bool room = to_daemon ? p - c < XENSTORE_RING_SIZE : p != c;
		if (!room) {
			if (wait_event(x, fd, dom, port) != 0)
				return -1;
			continue;
		}
		if (to_daemon) {
			ring[MASK_XENSTORE_IDX(p)] = *buf;
			__atomic_store_n(prod, p + 1, __ATOMIC_RELEASE);
		} else {
			*buf = ring[MASK_XENSTORE_IDX(c)];
			__atomic_store_n(cons, c + 1, __ATOMIC_RELEASE);
		}
		buf++;
		len--;
		if (!len && xe_notify(x, dom, port) != 0)
			return -1;
	}
	return 0;
}

static int guest_read(struct xe *x, uint32_t dom, uint32_t port,
		      const char *path)
{
	uint32_t handle;
	int fd;
	char reply[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg m = { .type = XS_READ, .req_id = 1,
				 .len = (uint32_t)strlen(path) + 1 };

	if (xe_handle_new(x, &handle, &fd, true) != 0)
		return die("event-channel handle");
	int rc = 1;
	if (xe_attach(x, dom, port, handle) != 0)
		die("the guest's port");
	else if (ring_io(x, fd, dom, port, (char *)&m, sizeof(m), true) ||
		 ring_io(x, fd, dom, port, (char *)path, m.len, true) ||
		 ring_io(x, fd, dom, port, (char *)&m, sizeof(m), false) ||
		 m.len > XENSTORE_PAYLOAD_MAX ||
		 ring_io(x, fd, dom, port, reply, m.len, false))
		die("the ring");
	else {
		reply[m.len] = '\0';
		printf("%s%s\n", m.type == XS_ERROR ? "error: " : "", reply);
		rc = 0;
	}
	xe_handle_close(x, handle, fd);
	return rc;
}

static int destroy(struct xe *x, uint32_t dom)
{
	xe_dom_set(x, dom, XE_DOM_DYING);
	xe_dom_ports_free(x, dom);
	xe_raise_virq(x, XE_VIRQ_DOM_EXC);
	return 0;
}

int main(int argc, char **argv)
{
	struct xe x;
	if (argc < 3) {
		fprintf(stderr, "usage: xe_tool DIR init|create D|introduce D "
			"PORT|read D PORT PATH|destroy D\n");
		return 2;
	}
	const char *cmd = argv[2];
	bool make = strcmp(cmd, "init") == 0;
	if (make && mkdir(argv[1], 0700) != 0 && errno != EEXIST)
		return die(argv[1]);
	if (xe_open(argv[1], make, &x) != 0)
		return die(argv[1]);
	uint32_t dom = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
	uint32_t port = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
	int rc = 2;
	if (make)
		rc = init(&x);
	else if (!strcmp(cmd, "create") && argc == 4)
		rc = create(&x, dom);
	else if (!strcmp(cmd, "introduce") && argc == 5)
		rc = introduce(dom, port);
	else if (!strcmp(cmd, "read") && argc == 6)
		rc = guest_read(&x, dom, port, argv[5]);
	else if (!strcmp(cmd, "destroy") && argc == 4)
		rc = destroy(&x, dom);
	else
		fprintf(stderr, "xe_tool: bad command\n");
	xe_close(&x);
	return rc;
}
