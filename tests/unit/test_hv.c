/* test_hv.c: the emulated hypervisor's accounting: each limit bites at the
 * guest hv.c's comment says, with its cause, and destroying a guest gives
 * back what it held. */
#define _GNU_SOURCE /* pthread barriers */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../emu/emu.h"
#include "../../lib/domid.h"

static const struct emu_limits roomy = {
	.host_memory_kib = 1ull << 40,
	.dom0_evtchn_ports = 131072,
	.grant_frames = 64,
	.maptrack_frames = 1024,
};

static struct emu_hv *new_hv_with(const struct emu_limits *l,
				  const struct emu_latency *lat)
{
	struct emu_hv *hv;
	struct hd_err err;
	assert_int_equal(emu_hv_new(l, lat, 1, NULL, NULL, NULL, &hv, &err),
			 HD_OK);
	return hv;
}

static struct emu_hv *new_hv(const struct emu_limits *l)
{
	struct emu_latency zero;
	struct hd_err err;
	assert_int_equal(emu_latency_load("zero", &zero, &err), HD_OK);
	return new_hv_with(l, &zero);
}

/* What libxcl and dom0 ask of the hypervisor for one guest with one vif:
 * a domain, its xenstore and console channels, its build and grants, the vif's
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
	    emu_hv_ops.gnttab_seed(hv, domid, &br, err) ||
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
	l.dom0_own_ports = 24;
	struct emu_hv *hv = new_hv(&l);

	/* 4,095 usable ports, 24 of them dom0's own, 3 a guest. */
	assert_int_equal(first_failure(hv, 2000, &err), 1358);
	assert_int_equal(err.code, HD_ELIMIT);
	assert_string_equal(err.msg, "evtchn: dom0 out of event channels (4096)");
	assert_int_equal(emu_hv_domains(hv), 1357);
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

	/* FIFO and 1,024 maptrack frames outlast the domain ids. */
	struct emu_hv *hv = new_hv(&l);
	char want[64];
	snprintf(want, sizeof(want), "domid: all %u domain ids in use",
		 HD_DOMID_LAST);
	assert_int_equal(first_failure(hv, 40000, &err), HD_DOMID_LAST + 1);
	assert_string_equal(err.msg, want);
	emu_hv_free(hv);
}

/* Grant tables are per domain: 1 frame a guest refuses nothing. dom0's
 * maptrack (256 maps a frame, 6 a guest) does: guest 43 gets its pages
 * mapped but not its vif's rings, as on the lane's real Xen. */
static void grants_and_maptrack(void **state)
{
	(void)state;
	struct emu_limits l = roomy;
	struct hd_err err;

	l.grant_frames = 1;
	struct emu_hv *hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 1000, &err), 0);
	emu_hv_free(hv);

	l = roomy;
	l.maptrack_frames = 1;
	hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 1000, &err), 43);
	assert_string_equal(err.msg, "grant: dom0 maptrack full (1 frames, 256 maps)");
	/* A destroyed guest gives its 6 maps back. */
	assert_int_equal(emu_hv_ops.destroy(hv, 1, &err), HD_OK);
	assert_int_equal(first_failure(hv, 1, &err), 0);
	emu_hv_free(hv);

	l.maptrack_frames = 2;
	hv = new_hv(&l);
	assert_int_equal(first_failure(hv, 1000, &err), 86);
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

/* Xen's domctl lock: two threads' domain creations (one domctl each)
 * queue, while their event channel allocations (not domctls) and their
 * builds (memory_op and foreign mappings, outside the lock) overlap. */
struct racer {
	struct emu_hv *hv;
	pthread_barrier_t *start;
	uint32_t domid;
	uint64_t create_from, create_to, evtchn_from, evtchn_to;
	uint64_t build_from, build_to;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct xcl_domain_config cfg = { .memory_kib = 4096, .vcpus = 1 };
	struct hd_err err;
	uint32_t port;

	pthread_barrier_wait(r->start);
	r->create_from = hd_now_ns();
	assert_int_equal(emu_hv_ops.domain_create(r->hv, &cfg, &r->domid, &err), HD_OK);
	r->create_to = hd_now_ns();
	pthread_barrier_wait(r->start);
	r->evtchn_from = hd_now_ns();
	assert_int_equal(emu_hv_ops.evtchn_alloc(r->hv, r->domid, 0, &port, &err), HD_OK);
	r->evtchn_to = hd_now_ns();
	struct xcl_build_result br;
	pthread_barrier_wait(r->start);
	r->build_from = hd_now_ns();
	assert_int_equal(emu_hv_ops.build(r->hv, r->domid, &cfg, port, port,
					  &br, &err), HD_OK);
	r->build_to = hd_now_ns();
	return NULL;
}

static bool overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static void domctl_lock(void **state)
{
	struct emu_latency lat;
	struct hd_err err;
	pthread_barrier_t start;
	struct racer r[2];
	pthread_t t[2];
	(void)state;
	assert_int_equal(emu_latency_load("zero", &lat, &err), HD_OK);
	lat.op[XCL_HV_CREATE].median_ns = 50000000;
	lat.op[XCL_HV_EVTCHN].median_ns = 50000000;
	lat.op[XCL_HV_BUILD].median_ns = 200000000;
	struct emu_hv *hv = new_hv_with(&roomy, &lat);
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct racer){ .hv = hv, .start = &start };
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* The second creation waited out the first's 50 ms, then slept its
	 * own: two sleeps in one call. */
	uint64_t c0 = r[0].create_to - r[0].create_from;
	uint64_t c1 = r[1].create_to - r[1].create_from;
	assert_true((c0 > c1 ? c0 : c1) >= 100000000);
	assert_true(overlap(r[0].evtchn_from, r[0].evtchn_to, r[1].evtchn_from,
			    r[1].evtchn_to));
	/* Queued, one build would have taken two builds' 400 ms; each
	 * took about its own 200. */
	uint64_t b0 = r[0].build_to - r[0].build_from;
	uint64_t b1 = r[1].build_to - r[1].build_from;
	assert_true((b0 > b1 ? b0 : b1) < 350000000);
	pthread_barrier_destroy(&start);
	emu_hv_free(hv);
}

/* The modelled times of three creations on a new model, as drawn. */
static void three_draws(const struct emu_latency *lat, uint64_t out[3])
{
	struct emu_hv *hv = new_hv_with(&roomy, lat);
	struct xcl_domain_config cfg = { .memory_kib = 8192, .vcpus = 1 };
	struct xcl_modelled before, after;
	struct hd_err err;
	uint32_t domid;
	for (int i = 0; i < 3; i++) {
		emu_hv_ops.modelled(hv, &before);
		assert_int_equal(emu_hv_ops.domain_create(hv, &cfg, &domid, &err),
				 HD_OK);
		emu_hv_ops.modelled(hv, &after);
		out[i] = after.nominal_ns - before.nominal_ns;
	}
	emu_hv_free(hv);
}

/* A thread that outlives a model (horde's main thread across a plan's
 * jobs) draws the next model's times from that model's seed, as a new
 * thread would: the same seed, the same times. */
static void each_model_draws_from_its_seed(void **state)
{
	struct emu_latency lat;
	struct hd_err err;
	uint64_t first[3], second[3];
	(void)state;
	assert_int_equal(emu_latency_load("zero", &lat, &err), HD_OK);
	lat.op[XCL_HV_CREATE].median_ns = 1000000;
	lat.op[XCL_HV_CREATE].sigma = 0.5;
	three_draws(&lat, first);
	three_draws(&lat, second);
	assert_true(first[0] != first[1]); /* spread: draws differ */
	for (int i = 0; i < 3; i++)
		assert_int_equal(first[i], second[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(evtchn_2level),
		cmocka_unit_test(evtchn_fifo_and_domids),
		cmocka_unit_test(grants_and_maptrack),
		cmocka_unit_test(memory),
		cmocka_unit_test(domctl_lock),
		cmocka_unit_test(each_model_draws_from_its_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
