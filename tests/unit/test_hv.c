/* test_hv.c: the emulated hypervisor's accounting: each limit bites at the
 * guest hv.c's comment says, with its cause, and destroying a guest gives
 * back what it held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../emu/emu.h"

static const struct emu_limits roomy = {
	.host_memory_kib = 1ull << 40,
	.dom0_evtchn_ports = 131072,
	.grant_frames = 64,
	.maptrack_frames = 1024,
};

static struct emu_hv *new_hv(const struct emu_limits *l)
{
	struct emu_hv *hv;
	struct hd_err err;
	assert_int_equal(emu_hv_new(l, emu_latency_find("zero"), NULL, NULL,
				    NULL, &hv, &err), HD_OK);
	return hv;
}

/* What libxcl and dom0 ask of the hypervisor for one guest with one vif:
 * a domain, its xenstore and console channels, its build, the vif's
 * channel bound by netback. Returns the domid, or 0 with err set. */
static uint32_t make_guest(struct emu_hv *hv, struct hd_err *err)
{
	struct xcl_domain_config cfg = { .memory_kib = 8192, .vcpus = 1,
					 .cmdline = "ip=198.18.0.2" };
	struct xcl_build_result br;
	uint32_t domid, store, console;

	if (emu_hv_ops.domain_create(hv, &cfg, &domid, err))
		return 0;
	if (emu_hv_ops.evtchn_alloc(hv, domid, 0, &store, err) ||
	    emu_hv_ops.evtchn_alloc(hv, domid, 0, &console, err) ||
	    emu_hv_ops.build(hv, domid, &cfg, store, console, &br, err) ||
	    emu_hv_bind_vif(hv, domid, err)) {
		struct hd_err e2;
		emu_hv_ops.destroy(hv, domid, &e2);
		return 0;
	}
	return domid;
}

/* Creates guests until one fails; returns the 1-based number of the
 * failing guest (0 if max were made). */
static uint32_t first_failure(struct emu_hv *hv, uint32_t max, struct hd_err *err)
{
	for (uint32_t n = 1; n <= max; n++)
		if (!make_guest(hv, err))
			return n;
	return 0;
}

static void evtchn_2level(void **state)
{
	(void)state;
	struct emu_limits l = roomy;
	struct hd_err err;
	l.dom0_evtchn_ports = 4096;
	struct emu_hv *hv = new_hv(&l);

	/* 4,095 usable ports, 3 a guest. */
	assert_int_equal(first_failure(hv, 2000, &err), 1366);
	assert_int_equal(err.code, HD_ELIMIT);
	assert_string_equal(err.msg, "evtchn: dom0 out of event channels (4096)");
	assert_int_equal(emu_hv_domains(hv), 1365);
	/* A guest gone gives back its three ports: one more fits, then not. */
	assert_int_equal(emu_hv_ops.destroy(hv, 7, &err), HD_OK);
	assert_int_not_equal(make_guest(hv, &err), 0);
	assert_int_equal(make_guest(hv, &err), 0);
	emu_hv_free(hv);
}

static void evtchn_fifo_and_domids(void **state)
{
	(void)state;
	struct emu_limits l = roomy;
	struct hd_err err;

	/* 64 grant frames hold 16,384 guests' grants... */
	struct emu_hv *hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 40000, &err), 16385);
	emu_hv_free(hv);
	/* ...with 128, FIFO outlasts the domain ids: 32,751 guests. */
	l.grant_frames = 128;
	hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 40000, &err), 32752);
	assert_string_equal(err.msg, "domid: all 32751 domain ids in use");
	emu_hv_free(hv);
}

static void grants_and_maptrack(void **state)
{
	(void)state;
	struct emu_limits l = roomy;
	struct hd_err err;

	l.grant_frames = 1;
	struct emu_hv *hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 1000, &err), 257);
	assert_string_equal(err.msg, "grant: grant table full (1 frames, 512 grants)");
	emu_hv_free(hv);

	l.grant_frames = 32;
	hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 9000, &err), 8193);
	emu_hv_free(hv);

	l = roomy;
	l.maptrack_frames = 2;
	hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 1000, &err), 513);
	assert_string_equal(err.msg, "grant: dom0 maptrack full (2 frames, 1024 maps)");
	emu_hv_free(hv);
}

static void memory(void **state)
{
	(void)state;
	struct emu_limits l = roomy;
	struct hd_err err;
	l.host_memory_kib = 256 << 10;
	struct emu_hv *hv = new_hv(&l);

	assert_int_equal(first_failure(hv, 100, &err), 33);
	assert_string_equal(err.msg, "memory: host out of memory (256 of 256 MiB used)");
	assert_int_equal(emu_hv_ops.destroy(hv, 1, &err), HD_OK);
	uint32_t d = make_guest(hv, &err);
	/* Like Xen, the next domid after the last handed out (32; guest 33
	 * got none), not the freed one. */
	assert_int_equal(d, 33);
	assert_int_equal(emu_hv_ops.destroy(hv, 1, &err), HD_ENOENT);
	emu_hv_free(hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(evtchn_2level),
		cmocka_unit_test(evtchn_fifo_and_domids),
		cmocka_unit_test(grants_and_maptrack),
		cmocka_unit_test(memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
