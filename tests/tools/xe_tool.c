/* xe_tool.c: plays the emulated hypervisor and a guest around Xen's own
 * XenStore daemons running on emu/xenlibs, for tests/e2e/xen_daemons.sh.
 *   xe_tool DIR init             make the state; print dom0's store port
 *   xe_tool DIR create D         domain D, with an unbound store port for
 *                                dom0; print the port
 *   xe_tool DIR introduce D PORT XS_INTRODUCE over the daemon's socket
 *                                (XENSTORED_PATH), as a toolstack does
 *   xe_tool DIR read D PATH      as guest D, XS_READ through its ring;
 *                                print the value, or the daemon's error
 *   xe_tool DIR destroy D        D dying, its ports closed, VIRQ_DOM_EXC
 * Exit 0 done, 1 failed (said on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include <xenstore.h>

#include "../../emu/xenlibs/xe_ring.h"

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
	xe_dom_set_store_port(x, dom, (uint32_t)port);
	printf("%d\n", port);
	return 0;
}

/* XS_INTRODUCE (port: the guest's store port) or, port -1, XS_RELEASE,
 * as the toolstack sends them. */
static int introduce(uint32_t dom, int port)
{
	struct xs_handle *xs = xs_open(0);
	if (!xs)
		return die("open the daemon's socket");
	bool ok = port < 0 ? xs_release_domain(xs, dom)
			   : xs_introduce_domain(xs, dom, dom, (unsigned)port);
	xs_close(xs);
	return ok ? 0 : die(port < 0 ? "XS_RELEASE" : "XS_INTRODUCE");
}

/* Prints the watch events that came on the ring: "event: PATH TOKEN". */
static void print_events(struct xe_guest_io *io)
{
	struct xe_watch_event *ev;
	while ((ev = xe_ring_next_event(io))) {
		printf("event: %s %s\n", ev->body,
		       ev->body + strnlen(ev->body, ev->len) + 1);
		free(ev);
	}
}

/* A request of guest dom through its ring: READ PATH, WATCH PATH TOKEN
 * (then waits for the watch's first event, which the daemon sends after
 * its reply, so that nothing of it is left in the ring), or with an
 * empty path TRANSACTION_START. Prints the events that came first, then
 * the reply. */
static int guest_request(struct xe *x, uint32_t dom, const char *path,
			 const char *token)
{
	struct xe_guest_io io = { .xe = x, .timeout_ms = 5000 };
	char msg[256], reply[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t type;
	size_t pl = strlen(path) + 1, tl = token ? strlen(token) + 1 : 0;

	if (pl + tl > sizeof(msg))
		return die("path too long");
	memcpy(msg, path, pl);
	if (token)
		memcpy(msg + pl, token, tl);
	if (xe_handle_new(x, &io.handle, &io.fd, true) != 0)
		return die("event-channel handle");
	uint32_t req = token ? XS_WATCH : *path ? XS_READ : XS_TRANSACTION_START;
	int n = xe_ring_request(&io, dom, req, msg,
				(uint32_t)(pl + tl), &type, reply, sizeof(reply));
	while (n >= 0 && token && type != XS_ERROR && !io.events &&
	       (n = xe_ring_wait(&io)) == 0)
		n = xe_ring_take_events(&io, dom);
	print_events(&io);
	xe_handle_close(x, io.handle, io.fd);
	if (n < 0)
		return die("the ring");
	printf("%s%s\n", type == XS_ERROR ? "error: " : "", reply);
	return 0;
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
			"PORT|release D|read D PATH|watch D PATH TOKEN|txn D|destroy D\n");
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
		rc = introduce(dom, (int)port);
	else if (!strcmp(cmd, "release") && argc == 4)
		rc = introduce(dom, -1);
	else if (!strcmp(cmd, "read") && argc == 5)
		rc = guest_request(&x, dom, argv[4], NULL);
	else if (!strcmp(cmd, "watch") && argc == 6)
		rc = guest_request(&x, dom, argv[4], argv[5]);
	else if (!strcmp(cmd, "txn") && argc == 4)
		rc = guest_request(&x, dom, "", NULL);
	else if (!strcmp(cmd, "destroy") && argc == 4)
		rc = destroy(&x, dom);
	else
		fprintf(stderr, "xe_tool: bad command\n");
	xe_close(&x);
	return rc;
}
