/* guest.h: what horde-guest's parts share: the start_info page, the
 * shared_info page, frame addresses, and event channels. */
#ifndef HORDE_GUEST_H
#define HORDE_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

extern start_info_t *start_info;
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
int store_read(const char *path, char *buf, size_t len);
/* Writes value at path; 0, or -1. */
int store_write(const char *path, const char *value);

/* netfront.c: connects vif 0 (its MAC and the address on the command
 * line), then answers ARP and ICMP echo on it forever; returns only when
 * it cannot connect, having said why. */
void netfront_run(void);

/* Says a line on the console: "horde-guest: " and the parts. */
void say(const char *a, const char *b, const char *c);
/* Frame helpers. */
unsigned long virt_to_mfn(const void *p);
void map_frame(void *page, unsigned long mfn);

/* Small string helpers (no libc). */
size_t str_len(const char *s);

#endif
