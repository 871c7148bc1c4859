/* evtchn.c: libxenevtchn.so.1 for Xen's daemons on the emulated host: a
 * handle is a FIFO of xe_state's, its ports are dom0's. It also answers
 * cxenstored's two hard-wired opens, /proc/xen/xsd_kva and xsd_port
 * (tools/xenstore/xenstored_osdep.h): this library comes before libc in
 * cxenstored's NEEDED list, so its open() is the one the daemon calls;
 * every other path goes to the kernel as it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "xe_state.h"

struct xenevtchn_handle {
	struct xe xe;
	uint32_t id;
	int fd;
};

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	(void)logger;
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (xe_open_env(&h->xe) != 0) {
		free(h);
		return NULL;
	}
	if (xe_handle_new(&h->xe, &h->id, &h->fd,
			  !(flags & XENEVTCHN_NO_CLOEXEC)) != 0) {
		int saved = errno;
		xe_close(&h->xe);
		free(h);
		errno = saved;
		return NULL;
	}
	return h;
}

/* A live update's handle, passed on by the old daemon: not emulated. */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
				   unsigned open_flags)
{
	(void)logger, (void)fd, (void)open_flags;
	errno = ENOSYS;
	return NULL;
}

int xenevtchn_close(xenevtchn_handle *h)
{
	if (!h)
		return 0;
	xe_handle_close(&h->xe, h->id, h->fd);
	xe_close(&h->xe);
	free(h);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *h)
{
	return h->fd;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	return xe_notify(&h->xe, 0, port);
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h,
						      uint32_t domid)
{
	return xe_bind_unbound(&h->xe, 0, domid, h->id);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	return xe_bind_interdomain(&h->xe, 0, domid, remote_port, h->id);
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h,
					      unsigned int virq)
{
	return xe_bind_virq(&h->xe, virq, h->id);
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
	return xe_unbind(&h->xe, 0, port);
}

/* The next port with an event: the caller has polled the descriptor. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
	uint32_t port;
	ssize_t n;
	while ((n = read(h->fd, &port, sizeof(port))) < 0 && errno == EINTR)
		;
	if (n != sizeof(port)) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	return xe_unmask(&h->xe, 0, port);
}

int xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
	(void)h, (void)domid;
	errno = ENOSYS;
	return -1;
}

int open(const char *path, int flags, ...)
{
	char alt[256];
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	const char *dir = getenv(XE_STATE_ENV);
	if (dir) {
		/* dom0's ring is the rings file's first page. */
		const char *name = strcmp(path, "/proc/xen/xsd_kva") == 0 ? "rings" :
				   strcmp(path, "/proc/xen/xsd_port") == 0 ? "xsd_port" :
				   NULL;
		if (name) {
			struct xe x = { 0 };
			strncpy(x.dir, dir, sizeof(x.dir) - 1);
			xe_path(&x, name, alt, sizeof(alt));
			path = alt;
		}
	}
	return openat(AT_FDCWD, path, flags, mode);
}
