/* guest.h: what horde-guest's parts share: the start_info page, the
 * shared_info page, frame addresses, and event channels. */
#ifndef HORDE_GUEST_H
#define HORDE_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

extern start_info_t *si;
extern shared_info_t *shared;

/* A machine frame's address in the guest (memory is mapped from 0). */
void *mfn_to_virt(unsigned long mfn);
/* Kicks the other end of an event channel. */
void notify(evtchn_port_t port);
/* Waits in SCHEDOP_poll until port is pending, then clears it. */
void wait_for(evtchn_port_t port);

/* console.c: writes s to the console ring. */
void console_write(const char *s);

/* xenstore.c: reads path (relative to the domain's own directory, or
 * absolute) into buf, nul-terminated; its length, or -1 (an error reply,
 * or a value longer than len - 1). */
int xs_read(const char *path, char *buf, size_t len);

/* Small string helpers (no libc). */
size_t str_len(const char *s);

#endif
