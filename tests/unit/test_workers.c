/* test_workers.c: the runner's pool of platform operations never drops a
 * finished one. A creation that completed has made a domain; losing it
 * would leak the domain on Xen. realloc is wrapped (-Wl,--wrap=realloc) so
 * that the test can make every allocation fail from a chosen moment, as
 * SQLite's tests inject faults. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../harness/workers.h"

#include "fail_alloc.h"

/* A platform whose creations wait until the test opens the gate. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static unsigned created;

static int fake_create(struct platform *p, const struct guest_spec *g,
		       uint32_t *domid, struct xcl_timing *t, struct hd_err *err)
{
	(void)p;
	(void)err;
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_lock);
	created++;
	pthread_mutex_unlock(&gate_lock);
	*domid = g->seq;
	return HD_OK;
}

static const struct platform_ops fake = { .name = "fake",
					  .create = fake_create };

static void open_gate(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_lock);
}

static struct op create_op(uint32_t seq)
{
	struct op op = { .kind = OP_CREATE, .seq = seq };
	op.spec.seq = seq;
	return op;
}

/* Takes back every operation, checking that each of seq first..first+n-1
 * comes back once. */
static void take_all_from(struct workers *w, uint32_t first, uint32_t n)
{
	bool *seen = calloc(n + 1, 1);
	struct op out[16];
	uint32_t got = 0;

	while (workers_pending(w) > 0) {
		size_t k = workers_done(w, out, 16, 1000000000ull);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(out[i].rc, HD_OK);
			assert_int_equal(out[i].domid, out[i].seq);
			assert_true(out[i].seq >= first && out[i].seq < first + n);
			assert_false(seen[out[i].seq - first]);
			seen[out[i].seq - first] = true;
			got++;
		}
	}
	assert_int_equal(got, n);
	free(seen);
}

/* Creations in flight when memory runs out still all come back. */
static void finished_creations_survive_out_of_memory(void **state)
{
	(void)state;
	struct workers *w;
	struct hd_err err;
	const uint32_t n = 100;

	created = 0;
	open_gate(false);
	assert_int_equal(workers_start(&fake, NULL, 4, &w, &err), HD_OK);
	for (uint32_t seq = 1; seq <= n; seq++) {
		struct op op = create_op(seq);
		assert_int_equal(workers_submit(w, &op, &err), HD_OK);
	}
	alloc_fails = true;
	open_gate(true);
	take_all_from(w, 1, n);
	assert_int_equal(created, n);
	/* Still out of memory: new creations are taken while the room
	 * already there lasts, then refused before they are made; every one
	 * taken comes back. */
	uint32_t seq = n;
	int rc;
	do {
		struct op op = create_op(++seq);
		rc = workers_submit(w, &op, &err);
	} while (rc == HD_OK && seq < 10 * n);
	assert_int_equal(rc, HD_ESYS);
	uint32_t accepted = seq - n - 1;
	alloc_fails = false;
	take_all_from(w, n + 1, accepted);
	assert_int_equal(created, n + accepted);
	workers_stop(w);
}

/* With one worker the operation runs inline: refused before it runs. */
static void inline_refuses_before_creating(void **state)
{
	(void)state;
	struct workers *w;
	struct hd_err err;
	uint32_t seq;

	created = 0;
	open_gate(true);
	assert_int_equal(workers_start(&fake, NULL, 1, &w, &err), HD_OK);
	alloc_fails = true;
	for (seq = 1; seq <= 1000; seq++) {
		struct op op = create_op(seq);
		if (workers_submit(w, &op, &err) != HD_OK)
			break;
	}
	alloc_fails = false;
	assert_true(seq <= 1000);
	assert_int_equal(created, seq - 1);
	struct op out[64];
	uint32_t got = 0;
	size_t k;
	while ((k = workers_done(w, out, 64, 0)) > 0)
		got += (uint32_t)k;
	assert_int_equal(got, created);
	workers_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finished_creations_survive_out_of_memory),
		cmocka_unit_test(inline_refuses_before_creating),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
