/* guest.c: horde-guest, a tiny PV guest of horde's own: its start, the
 * frame and event-channel helpers its parts share, and nothing else. It
 * comes up, says so on its console ring, runs its vif (netfront.c), and
 * waits in SCHEDOP_poll on its event channels. It takes no interrupts:
 * event upcalls stay masked (as Xen starts a PV vcpu), and a poll wakes it
 * instead. */
#include "guest.h"
#include "hypercall.h"

#include <xen/sched.h>

#define PAGE_SHIFT 12
#define PAGE_MASK (~0xfffUL)
#define PTE_KERNEL_RW 0x7 /* present, writable, user: a PV kernel runs in ring 3 */

start_info_t *start_info;
shared_info_t *shared;
/* A whole page of our own address space, remapped to shared_info: nothing
 * else may share it. */
static char shared_page[4096] __attribute__((aligned(4096)));

void *mfn_to_virt(unsigned long mfn)
{
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	return (void *)(m2p[mfn] << PAGE_SHIFT);
}

void notify(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
		   (unsigned long)&send);
}

void wait_for(evtchn_port_t port)
{
	struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };
	set_xen_guest_handle(poll.ports, &port);
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&poll);
	__atomic_fetch_and(&shared->evtchn_pending[port / 64],
			   ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

unsigned long virt_to_mfn(const void *p)
{
	const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
	return p2m[(unsigned long)p >> PAGE_SHIFT];
}

void map_frame(void *page, unsigned long mfn)
{
	hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)page,
		   (mfn << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG);
}

/* The compiler may call these even in a freestanding program (ring.h's
 * SHARED_RING_INIT does); no libc provides them here. */
void *memset(void *d, int c, size_t n);
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void guest_main(start_info_t *info);
void say(const char *a, const char *b, const char *c)
{
	console_write("horde-guest: ");
	console_write(a);
	console_write(b);
	console_write(c);
	console_write("\r\n");
}

void guest_main(start_info_t *info)
{
	start_info = info;
	hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)shared_page,
		   (start_info->shared_info & PAGE_MASK) | PTE_KERNEL_RW, UVMF_INVLPG);
	shared = (shared_info_t *)shared_page;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	say("up", "", "");
	netfront_run();
	/* Something it needs is missing (it said what): idle, never spin. */
	for (;;)
		wait_for(start_info->console.domU.evtchn);
}
