/* xen_console.h: on a real Xen host, the guests xenconsoled gave no PTY.
 *
 * xenconsoled finds each new domain by itself, opens a PTY for its console
 * and writes the PTY's path to console/tty. When openpty fails (dom0 out of
 * PTYs: kernel.pty.max) it logs, leaves the guest running with no console
 * and tells no toolstack (tools/console/daemon/io.c, console_create_tty and
 * console_create_ring). So horde looks: a guest whose console/tty has not
 * appeared CONSOLE_GRACE_NS after its creation has failed. */
#ifndef HORDE_XEN_CONSOLE_H
#define HORDE_XEN_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

#define CONSOLE_GRACE_NS 10000000000ull

struct xen_console;

int xen_console_new(struct xen_console **out, struct hd_err *err);
void xen_console_free(struct xen_console *c);
/* From any thread: a guest created now, or destroyed (no longer looked at). */
void xen_console_created(struct xen_console *c, uint32_t domid);
void xen_console_destroyed(struct xen_console *c, uint32_t domid);
/* Moves up to max guests whose console/tty is still missing a grace after
 * their creation into out (platform_ops.faults). With settle, first waits
 * until every guest has its tty or has had its grace. Fails when a guest
 * could not be kept to be looked at (out of memory). */
int xen_console_faults(struct xen_console *c, struct platform_fault *out,
		       size_t max, int settle, size_t *n, struct hd_err *err);

#endif
