/* test_xe_state.c: the emulated host's event channels as Xen's daemons
 * rely on them. An interdomain bind needs a port left unbound for the
 * binding domain (Xen's evtchn_bind_interdomain); an event reaches the
 * peer's handle once, and while the port is masked further events stay
 * pending until unmask delivers them again; closing one end leaves the
 * other unbound; a VIRQ reaches each port bound to it; closing a handle
 * frees its ports; a kick to a handle whose process died (its FIFO with
 * no reader) is lost without killing the kicker by SIGPIPE; a domain's
 * table entry is what getinfo walks. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../emu/xenlibs/xe_state.h"

static char dir[] = "/tmp/horde-test-xe-XXXXXX";
static struct xe x;

/* The ports waiting in a handle's FIFO, at most max; -1 ends the list. */
static int drain(int fd, uint32_t *ports, int max)
{
	int n = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (n < max && poll(&p, 1, 0) == 1 &&
	       read(fd, &ports[n], sizeof(ports[n])) == sizeof(ports[n]))
		n++;
	return n;
}

static int setup(void **state)
{
	(void)state;
	char path[256];
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/s", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	return xe_open(path, true, &x);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	xe_close(&x);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void interdomain_needs_an_unbound_port(void **state)
{
	(void)state;
	uint32_t h;
	int fd;
	assert_int_equal(xe_handle_new(&x, &h, &fd, true), 0);
	/* No such port, then a port unbound for domain 9, not dom0. */
	assert_int_equal(xe_bind_interdomain(&x, 0, 5, 1, h), -1);
	assert_int_equal(errno, EINVAL);
	int other = xe_bind_unbound(&x, 5, 9, 0);
	assert_true(other > 0);
	assert_int_equal(xe_bind_interdomain(&x, 0, 5, (uint32_t)other, h), -1);
	int guest = xe_bind_unbound(&x, 5, 0, 0);
	int local = xe_bind_interdomain(&x, 0, 5, (uint32_t)guest, h);
	assert_true(local > 0);
	/* Bound once: a second bind of the same port is refused. */
	assert_int_equal(xe_bind_interdomain(&x, 0, 5, (uint32_t)guest, h), -1);
	xe_handle_close(&x, h, fd);
	xe_dom_ports_free(&x, 5);
}

static void masked_events_wait_for_unmask(void **state)
{
	(void)state;
	uint32_t daemon, guest_h, got[8];
	int dfd, gfd;
	assert_int_equal(xe_handle_new(&x, &daemon, &dfd, true), 0);
	assert_int_equal(xe_handle_new(&x, &guest_h, &gfd, true), 0);
	int gport = xe_bind_unbound(&x, 7, 0, guest_h);
	int dport = xe_bind_interdomain(&x, 0, 7, (uint32_t)gport, daemon);
	assert_true(dport > 0);

	/* Three kicks from the guest: one delivery, the port now masked. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(xe_notify(&x, 7, (uint32_t)gport), 0);
	assert_int_equal(drain(dfd, got, 8), 1);
	assert_int_equal(got[0], (uint32_t)dport);
	/* Unmask with events pending: delivered again, masked again. */
	assert_int_equal(xe_unmask(&x, 0, (uint32_t)dport), 0);
	assert_int_equal(drain(dfd, got, 8), 1);
	assert_int_equal(xe_unmask(&x, 0, (uint32_t)dport), 0);
	assert_int_equal(drain(dfd, got, 8), 0);
	/* Unmasked and quiet: the next kick is delivered at once. */
	assert_int_equal(xe_notify(&x, 7, (uint32_t)gport), 0);
	assert_int_equal(drain(dfd, got, 8), 1);

	/* The daemon's kick reaches the guest's handle, not its own. */
	assert_int_equal(xe_notify(&x, 0, (uint32_t)dport), 0);
	assert_int_equal(drain(gfd, got, 8), 1);
	uint32_t dom, port;
	xe_event_decode(got[0], &dom, &port); /* a guest's, with its domain */
	assert_int_equal(dom, 7);
	assert_int_equal(port, (uint32_t)gport);
	assert_int_equal(drain(dfd, got, 8), 0);

	/* The daemon closes its end: the guest's is unbound again, for dom0,
	 * and can be bound anew. */
	assert_int_equal(xe_unbind(&x, 0, (uint32_t)dport), 0);
	assert_int_equal(xe_notify(&x, 7, (uint32_t)gport), 0);
	assert_int_equal(drain(dfd, got, 8), 0);
	int again = xe_bind_interdomain(&x, 0, 7, (uint32_t)gport, daemon);
	assert_true(again > 0);
	xe_handle_close(&x, daemon, dfd);
	xe_handle_close(&x, guest_h, gfd);
	xe_dom_ports_free(&x, 7);
}

static void virq_and_handle_close(void **state)
{
	(void)state;
	uint32_t a, b, got[4];
	int afd, bfd;
	assert_int_equal(xe_handle_new(&x, &a, &afd, true), 0);
	assert_int_equal(xe_handle_new(&x, &b, &bfd, true), 0);
	int pa = xe_bind_virq(&x, XE_VIRQ_DOM_EXC, a);
	int pb = xe_bind_virq(&x, XE_VIRQ_DOM_EXC, b);
	assert_true(pa > 0 && pb > 0 && pa != pb);
	xe_raise_virq(&x, XE_VIRQ_DOM_EXC);
	assert_int_equal(drain(afd, got, 4), 1);
	assert_int_equal(got[0], (uint32_t)pa);
	assert_int_equal(drain(bfd, got, 4), 1);
	assert_int_equal(got[0], (uint32_t)pb);

	/* a's handle closes: its VIRQ port is free, b still hears it. */
	xe_handle_close(&x, a, afd);
	assert_int_equal(xe_unmask(&x, 0, (uint32_t)pb), 0);
	xe_raise_virq(&x, XE_VIRQ_DOM_EXC);
	assert_int_equal(drain(bfd, got, 4), 1);
	assert_int_equal(xe_unbind(&x, 0, (uint32_t)pa), -1);
	xe_handle_close(&x, b, bfd);
}

static void kick_to_a_dead_handle(void **state)
{
	(void)state;
	uint32_t dead, live, got[2];
	int dead_fd, live_fd;
	assert_int_equal(xe_handle_new(&x, &dead, &dead_fd, true), 0);
	assert_int_equal(xe_handle_new(&x, &live, &live_fd, true), 0);
	int gport = xe_bind_unbound(&x, 8, 0, dead);
	int dport = xe_bind_interdomain(&x, 0, 8, (uint32_t)gport, live);
	/* The kick opens the guest's FIFO while its reader lives ... */
	assert_int_equal(xe_notify(&x, 0, (uint32_t)dport), 0);
	/* ... which then dies without closing its handle. */
	close(dead_fd);
	assert_int_equal(xe_unmask(&x, 8, (uint32_t)gport), 0);
	assert_int_equal(xe_notify(&x, 0, (uint32_t)dport), 0);
	assert_int_equal(xe_notify(&x, 8, (uint32_t)gport), 0);
	assert_int_equal(drain(live_fd, got, 2), 1);
	xe_handle_close(&x, live, live_fd);
	xe_dom_ports_free(&x, 8);
}

static void domains_as_getinfo_walks_them(void **state)
{
	(void)state;
	assert_int_equal(xe_dom_next(&x, 1), -1);
	xe_dom_set(&x, 3, XE_DOM_RUNNING);
	xe_dom_set(&x, HD_DOMID_LAST, XE_DOM_DYING);
	assert_int_equal(xe_dom_next(&x, 1), 3);
	assert_int_equal(xe_dom_next(&x, 4), HD_DOMID_LAST);
	assert_int_equal(xe_dom_get(&x, HD_DOMID_LAST), XE_DOM_DYING);
	assert_int_equal(xe_dom_get(&x, HD_DOMID_LAST + 1), XE_DOM_NONE);
	xe_dom_set(&x, 3, XE_DOM_NONE);
	xe_dom_set(&x, HD_DOMID_LAST, XE_DOM_NONE);
	assert_int_equal(xe_dom_next(&x, 0), -1);
	/* A domain's ring, mapped on its own, is the same page. */
	char *own = xe_ring_map(&x, 3);
	assert_non_null(own);
	own[0] = 'x';
	assert_int_equal(((char *)xe_ring(&x, 3))[0], 'x');
	munmap(own, XE_PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interdomain_needs_an_unbound_port),
		cmocka_unit_test(masked_events_wait_for_unmask),
		cmocka_unit_test(virq_and_handle_close),
		cmocka_unit_test(kick_to_a_dead_handle),
		cmocka_unit_test(domains_as_getinfo_walks_them),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
