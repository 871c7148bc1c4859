/* xen_late_faults.h: on a real Xen host, what dom0 found wrong with a
 * guest after its creation and told no toolstack.
 *
 * - xenconsoled finds each new domain by itself, opens a PTY for its
 *   console and writes the PTY's path to console/tty. When openpty fails
 *   (dom0 out of PTYs: kernel.pty.max) it logs, leaves the guest running
 *   with no console and tells nobody (tools/console/daemon/io.c,
 *   console_create_tty and console_create_ring). A guest whose console/tty
 *   has not appeared LATE_CONSOLE_GRACE_NS after its creation has failed.
 * - Linux netback, when it cannot map a vif's rings (dom0's maptrack
 *   full), writes the error under dom0's error/ directory
 *   (xenbus_dev_fatal) and closes the vif; the guest then never answers
 *   ARP, and this names why. */
#ifndef HORDE_XEN_LATE_FAULTS_H
#define HORDE_XEN_LATE_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#include "../harness/platform.h"

#define LATE_CONSOLE_GRACE_NS 10000000000ull

struct xen_late_faults;

int xen_late_faults_new(struct xen_late_faults **out, struct hd_err *err);
void xen_late_faults_free(struct xen_late_faults *lf);
/* From any thread: a guest created now, or destroyed (no longer looked at). */
void xen_late_faults_created(struct xen_late_faults *lf, uint32_t domid);
void xen_late_faults_destroyed(struct xen_late_faults *lf, uint32_t domid);
/* Moves up to max faults found into out (platform_ops.faults). With
 * settle, first waits until every guest has its console/tty or has had its
 * grace. Fails when a guest could not be kept to be looked at (out of
 * memory). */
int xen_late_faults_collect(struct xen_late_faults *lf,
			    struct platform_fault *out, size_t max, int settle,
			    size_t *n, struct hd_err *err);

#endif
