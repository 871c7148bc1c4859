/* workers.c: see workers.h. */
#define _GNU_SOURCE
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct queue {
	struct op *items;
	size_t n, cap;
};

struct workers {
	const struct platform_ops *ops;
	struct platform *plat;
	uint32_t n;
	pthread_t threads[PLATFORM_MAX_WORKERS];
	uint32_t started;
	pthread_mutex_t lock;
	pthread_cond_t todo_cv, done_cv;
	struct queue todo, done;
	uint32_t pending;  /* submitted, not taken back */
	bool stop;
};

static int reserve(struct queue *q, size_t need)
{
	return hd_reserve((void **)&q->items, &q->cap, sizeof(*q->items), need);
}

/* Adds op; the room was reserved (see workers_submit). */
static void push(struct queue *q, const struct op *op)
{
	q->items[q->n++] = *op;
}

static void perform(struct workers *w, struct op *op, uint32_t worker)
{
	memset(&op->err, 0, sizeof(op->err));
	op->started_ns = hd_now_ns();
	if (op->kind == OP_CREATE) {
		op->spec.worker = worker;
		op->rc = w->ops->create(w->plat, &op->spec, &op->domid, &op->t,
					&op->err);
	} else {
		op->rc = w->ops->destroy(w->plat, worker, op->domid, &op->t,
					 &op->err);
	}
}

struct thread_arg {
	struct workers *w;
	uint32_t index;
};

static void *run(void *arg)
{
	struct thread_arg *ta = arg;
	struct workers *w = ta->w;
	uint32_t index = ta->index;
	char name[16];

	snprintf(name, sizeof(name), "horde-work%u", index);
	pthread_setname_np(pthread_self(), name);

	free(ta);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && w->todo.n == 0)
			pthread_cond_wait(&w->todo_cv, &w->lock);
		if (w->todo.n == 0)
			break; /* stopping, and nothing left to do */
		/* First in, first out: creations start in seq order. */
		struct op op = w->todo.items[0];
		memmove(w->todo.items, w->todo.items + 1,
			(w->todo.n - 1) * sizeof(op));
		w->todo.n--;
		pthread_mutex_unlock(&w->lock);
		perform(w, &op, index);
		pthread_mutex_lock(&w->lock);
		push(&w->done, &op);
		pthread_cond_broadcast(&w->done_cv);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int workers_start(const struct platform_ops *ops, struct platform *plat,
		  uint32_t n, struct workers **out, struct hd_err *err)
{
	struct workers *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (!w)
		return hd_fail(err, HD_ESYS, "out of memory");
	if (n < 1 || n > PLATFORM_MAX_WORKERS) {
		free(w);
		return hd_fail(err, HD_EINVAL, "workers: 1..%d",
			       PLATFORM_MAX_WORKERS);
	}
	w->ops = ops;
	w->plat = plat;
	w->n = n;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->todo_cv, &ca);
	pthread_cond_init(&w->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = w;
	if (n == 1)
		return HD_OK; /* inline */
	for (; w->started < n; w->started++) {
		struct thread_arg *ta = malloc(sizeof(*ta));
		if (ta)
			*ta = (struct thread_arg){ w, w->started };
		if (!ta || (errno = pthread_create(&w->threads[w->started], NULL,
						   run, ta))) {
			free(ta);
			int rc = hd_fail_errno(err, HD_ESYS, "start worker");
			workers_stop(w);
			*out = NULL;
			return rc;
		}
	}
	return HD_OK;
}

/* Every operation handed out has its room in the done queue reserved
 * first: a finished creation can never be dropped for want of memory (on
 * Xen that would leak a running domain nobody destroys). */
int workers_submit(struct workers *w, const struct op *op, struct hd_err *err)
{
	pthread_mutex_lock(&w->lock);
	bool room = reserve(&w->done, w->done.n + w->pending + 1) == 0 &&
		    (w->n == 1 || reserve(&w->todo, w->todo.n + 1) == 0);
	if (room)
		w->pending++;
	pthread_mutex_unlock(&w->lock);
	if (!room)
		return hd_fail(err, HD_ESYS, "workers: out of memory before "
			       "guest %u", op->seq);
	if (w->n == 1) {
		struct op done = *op;
		perform(w, &done, 0);
		pthread_mutex_lock(&w->lock);
		push(&w->done, &done);
	} else {
		pthread_mutex_lock(&w->lock);
		push(&w->todo, op);
		pthread_cond_signal(&w->todo_cv);
	}
	pthread_mutex_unlock(&w->lock);
	return HD_OK;
}

size_t workers_done(struct workers *w, struct op *out, size_t max,
		    uint64_t wait_ns)
{
	uint64_t deadline = hd_now_ns() + wait_ns;
	struct timespec ts = hd_timespec(deadline);

	pthread_mutex_lock(&w->lock);
	while (w->n > 1 && wait_ns && w->done.n == 0 && w->pending > 0 &&
	       pthread_cond_timedwait(&w->done_cv, &w->lock, &ts) == 0)
		;
	size_t n = hd_take_front(w->done.items, &w->done.n, sizeof(*out), out,
				 max);
	w->pending -= (uint32_t)n;
	pthread_mutex_unlock(&w->lock);
	return n;
}

uint32_t workers_pending(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	uint32_t n = w->pending;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void workers_stop(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->todo_cv);
	pthread_mutex_unlock(&w->lock);
	for (uint32_t i = 0; i < w->started; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->todo_cv);
	pthread_cond_destroy(&w->done_cv);
	pthread_mutex_destroy(&w->lock);
	free(w->todo.items);
	free(w->done.items);
	free(w);
}
