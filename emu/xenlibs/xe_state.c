/* xe_state.c: see xe_state.h. Built into each emulated Xen library and
 * into horde, so it reports errors as libxc does: -1 and errno. */
#define _GNU_SOURCE
#include "xe_state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XE_MAGIC 0x30657868u /* "hxe0" */
#define XE_VERSION 1u

struct xe_shared {
	uint32_t magic, version;
	pthread_mutex_t lock; /* robust, process-shared: ports and handles */
	uint32_t next_handle, next_dom0_port;
	uint32_t virq_ports[XE_VIRQ_SUBSCRIBERS]; /* dom0's; 0: none */
	struct {
		_Atomic uint32_t state;
		uint32_t store_port; /* what start_info tells a PV guest */
	} dom[XE_DOMAINS];
	struct xe_port dom0[XE_DOM0_PORTS];
	struct xe_port domu[XE_DOMAINS][XE_DOMU_PORTS];
};

static void lock(struct xe *x)
{
	if (pthread_mutex_lock(&x->s->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&x->s->lock); /* its holder died */
}

static void unlock(struct xe *x)
{
	pthread_mutex_unlock(&x->s->lock);
}

static void *map_file(const char *dir, const char *name, size_t size,
		      bool create)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0),
		      0600);
	if (fd < 0)
		return NULL;
	void *p = MAP_FAILED;
	if (!create || ftruncate(fd, (off_t)size) == 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int saved = errno;
	close(fd);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

static int init_shared(struct xe_shared *s)
{
	pthread_mutexattr_t a;
	if (pthread_mutexattr_init(&a) ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutex_init(&s->lock, &a))
		return -1;
	pthread_mutexattr_destroy(&a);
	s->next_dom0_port = 1;
	s->version = XE_VERSION;
	atomic_thread_fence(memory_order_release);
	s->magic = XE_MAGIC;
	return 0;
}

int xe_open(const char *dir, bool create, struct xe *x)
{
	memset(x, 0, sizeof(*x));
	pthread_mutex_init(&x->fifo_lock, NULL);
	if (strlen(dir) >= sizeof(x->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(x->dir, dir);
	if (!(x->s = map_file(dir, "state", sizeof(*x->s), create)) ||
	    !(x->rings = map_file(dir, "rings", (size_t)XE_DOMAINS * XE_PAGE,
				  create))) {
		int saved = errno;
		xe_close(x);
		errno = saved;
		return -1;
	}
	if (create ? init_shared(x->s) != 0
		   : x->s->magic != XE_MAGIC || x->s->version != XE_VERSION) {
		xe_close(x);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int xe_open_env(struct xe *x)
{
	const char *dir = getenv(XE_STATE_ENV);
	if (!dir || !*dir) {
		errno = ENOENT; /* not on horde's emulated host */
		return -1;
	}
	return xe_open(dir, false, x);
}

void xe_close(struct xe *x)
{
	for (uint32_t h = 0; h < XE_MAX_HANDLES; h++)
		if (x->fifo_fds[h] > 0)
			close(x->fifo_fds[h] - 1);
	memset(x->fifo_fds, 0, sizeof(x->fifo_fds));
	if (x->s)
		munmap(x->s, sizeof(*x->s));
	if (x->rings)
		munmap(x->rings, (size_t)XE_DOMAINS * XE_PAGE);
	x->s = NULL;
	x->rings = NULL;
}

/* ---- domains ---- */

void xe_dom_set(struct xe *x, uint32_t domid, enum xe_dom_state state)
{
	if (domid < XE_DOMAINS)
		atomic_store(&x->s->dom[domid].state, state);
}

enum xe_dom_state xe_dom_get(struct xe *x, uint32_t domid)
{
	return domid < XE_DOMAINS ? atomic_load(&x->s->dom[domid].state)
				  : XE_DOM_NONE;
}

void xe_dom_set_store_port(struct xe *x, uint32_t domid, uint32_t port)
{
	if (domid < XE_DOMAINS)
		x->s->dom[domid].store_port = port;
}

uint32_t xe_dom_store_port(struct xe *x, uint32_t domid)
{
	return domid < XE_DOMAINS ? x->s->dom[domid].store_port : 0;
}

int xe_dom_next(struct xe *x, uint32_t domid)
{
	for (uint32_t d = domid; d < XE_DOMAINS; d++)
		if (atomic_load(&x->s->dom[d].state) != XE_DOM_NONE)
			return (int)d;
	return -1;
}

void *xe_ring(struct xe *x, uint32_t domid)
{
	return domid < XE_DOMAINS ? x->rings + (size_t)domid * XE_PAGE : NULL;
}

void xe_path(const struct xe *x, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", x->dir, name);
}

void *xe_ring_map(const struct xe *x, uint32_t domid)
{
	char path[256];
	if (domid >= XE_DOMAINS) {
		errno = EINVAL;
		return NULL;
	}
	xe_path(x, "rings", path, sizeof(path));
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	void *p = mmap(NULL, XE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)domid * XE_PAGE);
	int saved = errno;
	close(fd);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

/* ---- handles ---- */

static void fifo_path(const struct xe *x, uint32_t handle, char *out,
		      size_t len)
{
	char name[32];
	snprintf(name, sizeof(name), "evtchn-%u", handle);
	xe_path(x, name, out, len);
}

int xe_handle_new(struct xe *x, uint32_t *handle, int *fd, bool cloexec)
{
	char path[256];
	lock(x);
	uint32_t h = ++x->s->next_handle;
	unlock(x);
	if (h >= XE_MAX_HANDLES) {
		errno = EMFILE;
		return -1;
	}
	fifo_path(x, h, path, sizeof(path));
	if (mkfifo(path, 0600) != 0)
		return -1;
	/* Read and write: the FIFO never reports a hang-up (cxenstored
	 * exits on one), whoever writes to it comes and goes. */
	if ((*fd = open(path, O_RDWR | (cloexec ? O_CLOEXEC : 0))) < 0) {
		int saved = errno;
		unlink(path);
		errno = saved;
		return -1;
	}
	/* One entry a port at most is queued (a delivered port is masked):
	 * room for every guest's. */
	fcntl(*fd, F_SETPIPE_SZ, 1 << 20);
	*handle = h;
	return 0;
}

static void port_clear(struct xe_port *p)
{
	p->kind = XE_PORT_FREE;
	p->virq = 0;
	p->remote_dom = 0;
	p->remote_port = 0;
	p->handle = 0;
	atomic_store(&p->flags, 0);
}

static struct xe_port *port_of(struct xe *x, uint32_t dom, uint32_t port)
{
	if (port == 0)
		return NULL;
	if (dom == 0)
		return port < XE_DOM0_PORTS ? &x->s->dom0[port] : NULL;
	if (dom < XE_DOMAINS && port < XE_DOMU_PORTS)
		return &x->s->domu[dom][port];
	return NULL;
}

/* Frees port and makes its peer unbound again, waiting for this domain
 * (Xen's evtchn_close). Called with the lock held. */
static void close_port(struct xe *x, uint32_t dom, uint32_t port)
{
	struct xe_port *p = port_of(x, dom, port);
	if (!p)
		return;
	if (p->kind == XE_PORT_INTERDOMAIN) {
		struct xe_port *peer = port_of(x, p->remote_dom, p->remote_port);
		if (peer && peer->kind == XE_PORT_INTERDOMAIN) {
			peer->kind = XE_PORT_UNBOUND;
			peer->remote_dom = (uint16_t)dom;
			peer->remote_port = 0;
		}
	}
	if (p->kind == XE_PORT_VIRQ)
		for (int i = 0; i < XE_VIRQ_SUBSCRIBERS; i++)
			if (x->s->virq_ports[i] == port)
				x->s->virq_ports[i] = 0;
	port_clear(p);
}

void xe_handle_close(struct xe *x, uint32_t handle, int fd)
{
	char path[256];
	lock(x);
	for (uint32_t port = 1; port < XE_DOM0_PORTS; port++)
		if (x->s->dom0[port].handle == handle)
			close_port(x, 0, port);
	/* Guests' ports it had taken stay bound, with nobody listening. */
	for (uint32_t dom = 1; dom < XE_DOMAINS; dom++)
		for (uint32_t port = 1; port < XE_DOMU_PORTS; port++)
			if (x->s->domu[dom][port].handle == handle) {
				x->s->domu[dom][port].handle = 0;
				atomic_store(&x->s->domu[dom][port].flags, 0);
			}
	unlock(x);
	close(fd);
	fifo_path(x, handle, path, sizeof(path));
	unlink(path);
}

/* ---- ports ---- */

/* A free port of dom, or 0. With the lock held. */
static uint32_t alloc_port(struct xe *x, uint32_t dom)
{
	if (dom != 0) {
		for (uint32_t port = 1; port < XE_DOMU_PORTS; port++)
			if (x->s->domu[dom][port].kind == XE_PORT_FREE)
				return port;
		return 0;
	}
	uint32_t port = x->s->next_dom0_port;
	for (uint32_t i = 1; i < XE_DOM0_PORTS; i++, port++) {
		if (port >= XE_DOM0_PORTS)
			port = 1;
		if (x->s->dom0[port].kind == XE_PORT_FREE) {
			x->s->next_dom0_port = port + 1;
			return port;
		}
	}
	return 0;
}

static int bind_done(struct xe *x, uint32_t port, int err)
{
	unlock(x);
	if (!port) {
		errno = err;
		return -1;
	}
	return (int)port;
}

int xe_bind_unbound(struct xe *x, uint32_t dom, uint32_t remote_dom,
		    uint32_t handle)
{
	if (dom >= XE_DOMAINS || remote_dom >= XE_DOMAINS) {
		errno = EINVAL;
		return -1;
	}
	lock(x);
	uint32_t port = alloc_port(x, dom);
	if (port) {
		struct xe_port *p = port_of(x, dom, port);
		p->kind = XE_PORT_UNBOUND;
		p->remote_dom = (uint16_t)remote_dom;
		p->handle = handle;
	}
	return bind_done(x, port, ENOSPC);
}

int xe_bind_interdomain(struct xe *x, uint32_t dom, uint32_t remote_dom,
			uint32_t remote_port, uint32_t handle)
{
	lock(x);
	struct xe_port *r = port_of(x, remote_dom, remote_port);
	/* Xen's evtchn_bind_interdomain: the remote port must be unbound,
	 * waiting for this domain. */
	if (dom >= XE_DOMAINS || !r || r->kind != XE_PORT_UNBOUND ||
	    r->remote_dom != dom)
		return bind_done(x, 0, EINVAL);
	uint32_t port = alloc_port(x, dom);
	if (port) {
		struct xe_port *p = port_of(x, dom, port);
		p->kind = XE_PORT_INTERDOMAIN;
		p->remote_dom = (uint16_t)remote_dom;
		p->remote_port = remote_port;
		p->handle = handle;
		r->kind = XE_PORT_INTERDOMAIN;
		r->remote_port = port;
	}
	return bind_done(x, port, ENOSPC);
}

int xe_bind_virq(struct xe *x, uint32_t virq, uint32_t handle)
{
	lock(x);
	int slot = -1;
	for (int i = 0; i < XE_VIRQ_SUBSCRIBERS && slot < 0; i++)
		if (!x->s->virq_ports[i])
			slot = i;
	uint32_t port = slot < 0 ? 0 : alloc_port(x, 0);
	if (port) {
		struct xe_port *p = &x->s->dom0[port];
		p->kind = XE_PORT_VIRQ;
		p->virq = (uint8_t)virq;
		p->handle = handle;
		x->s->virq_ports[slot] = port;
	}
	return bind_done(x, port, ENOSPC);
}

static void raise_port(struct xe *x, struct xe_port *p, uint32_t dom,
		       uint32_t port);

int xe_attach(struct xe *x, uint32_t dom, uint32_t port, uint32_t handle)
{
	lock(x);
	struct xe_port *p = port_of(x, dom, port);
	bool ok = p && p->kind != XE_PORT_FREE;
	uint32_t was = 0;
	if (ok) {
		/* A new owner starts unmasked; what was pending is its. */
		p->handle = handle;
		was = atomic_exchange(&p->flags, 0);
	}
	unlock(x);
	if (!ok) {
		errno = EINVAL;
		return -1;
	}
	if (was & XE_PENDING)
		raise_port(x, p, dom, port);
	return 0;
}

int xe_unbind(struct xe *x, uint32_t dom, uint32_t port)
{
	lock(x);
	struct xe_port *p = port_of(x, dom, port);
	bool ok = p && p->kind != XE_PORT_FREE;
	if (ok)
		close_port(x, dom, port);
	unlock(x);
	if (!ok)
		errno = EINVAL;
	return ok ? 0 : -1;
}

void xe_dom_ports_free(struct xe *x, uint32_t dom)
{
	if (dom == 0 || dom >= XE_DOMAINS)
		return;
	lock(x);
	for (uint32_t port = 1; port < XE_DOMU_PORTS; port++)
		close_port(x, dom, port);
	unlock(x);
}

static void deliver(struct xe *x, uint32_t handle, uint32_t dom, uint32_t port)
{
	uint32_t event = xe_event(dom, port);
	char path[256];
	if (!handle || handle >= XE_MAX_HANDLES)
		return; /* nobody listens: the event is lost, as in Xen */
	pthread_mutex_lock(&x->fifo_lock);
	int fd = x->fifo_fds[handle] - 1;
	if (fd < 0) {
		fifo_path(x, handle, path, sizeof(path));
		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			x->fifo_fds[handle] = fd + 1;
	}
	pthread_mutex_unlock(&x->fifo_lock);
	if (fd < 0)
		return;
	/* A handle whose process died has a FIFO with no reader: the write
	 * fails with EPIPE, and its SIGPIPE, taken here, must not kill a
	 * daemon that kicks a dead guest. A full FIFO loses the event. */
	sigset_t pipe, old;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	if (write(fd, &event, sizeof(event)) < 0 && errno == EPIPE) {
		struct timespec now = { 0, 0 };
		sigtimedwait(&pipe, NULL, &now);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Sets port pending, delivering it unless masked (and masking it). */
static void raise_port(struct xe *x, struct xe_port *p, uint32_t dom,
		       uint32_t port)
{
	uint32_t f = atomic_load(&p->flags);
	for (;;) {
		if (f & XE_MASKED) {
			if (atomic_compare_exchange_weak(&p->flags, &f,
							 f | XE_PENDING))
				return;
		} else if (atomic_compare_exchange_weak(&p->flags, &f,
							f | XE_MASKED)) {
			deliver(x, p->handle, dom, port);
			return;
		}
	}
}

int xe_notify(struct xe *x, uint32_t dom, uint32_t port)
{
	lock(x);
	struct xe_port *p = port_of(x, dom, port);
	struct xe_port *peer = p && p->kind == XE_PORT_INTERDOMAIN ?
			       port_of(x, p->remote_dom, p->remote_port) : NULL;
	uint32_t peer_port = peer ? p->remote_port : 0;
	uint32_t peer_dom = peer ? p->remote_dom : 0;
	unlock(x);
	if (!p || p->kind == XE_PORT_FREE) {
		errno = EINVAL;
		return -1;
	}
	if (peer)
		raise_port(x, peer, peer_dom, peer_port);
	return 0;
}

int xe_unmask(struct xe *x, uint32_t dom, uint32_t port)
{
	struct xe_port *p = port_of(x, dom, port);
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	uint32_t f = atomic_load(&p->flags);
	for (;;) {
		if (f & XE_PENDING) {
			/* Stays masked: it is delivered again now. */
			if (atomic_compare_exchange_weak(&p->flags, &f, XE_MASKED)) {
				deliver(x, p->handle, dom, port);
				return 0;
			}
		} else if (atomic_compare_exchange_weak(&p->flags, &f, 0)) {
			return 0;
		}
	}
}

void xe_raise_virq(struct xe *x, uint32_t virq)
{
	uint32_t ports[XE_VIRQ_SUBSCRIBERS];
	lock(x);
	for (int i = 0; i < XE_VIRQ_SUBSCRIBERS; i++) {
		uint32_t port = x->s->virq_ports[i];
		ports[i] = port && x->s->dom0[port].virq == virq ? port : 0;
	}
	unlock(x);
	for (int i = 0; i < XE_VIRQ_SUBSCRIBERS; i++)
		if (ports[i])
			raise_port(x, &x->s->dom0[ports[i]], 0, ports[i]);
}
