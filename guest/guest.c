/* guest.c: horde-guest, a tiny PV guest of horde's own. This first part
 * comes up, says so on its console ring, and waits in SCHEDOP_poll on its
 * event channels. It takes no interrupts: event upcalls stay masked (as
 * Xen starts a PV vcpu), and a poll wakes it instead. */
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/io/console.h>

#include "hypercall.h"

#define PAGE_SHIFT 12
#define PAGE_MASK (~0xfffUL)
#define PTE_KERNEL_RW 0x7 /* present, writable, user: a PV kernel runs in ring 3 */

static start_info_t *si;
/* A whole page of our own address space, remapped to shared_info: nothing
 * else may share it. */
static union {
	shared_info_t info;
	char page[4096];
} shared_page __attribute__((aligned(4096)));
#define shared (shared_page.info)

/* A machine frame's virtual address: its guest frame through Xen's
 * machine-to-phys table, and memory is mapped from 0. */
static void *mfn_to_virt(unsigned long mfn)
{
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	return (void *)(m2p[mfn] << PAGE_SHIFT);
}

static void notify(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
		   (unsigned long)&send);
}

/* Writes s to the console ring, waiting for room (xenconsoled drains). */
static void console_write(const char *s)
{
	struct xencons_interface *c = mfn_to_virt(si->console.domU.mfn);
	for (; *s; s++) {
		while (c->out_prod - c->out_cons >= sizeof(c->out))
			notify(si->console.domU.evtchn);
		c->out[MASK_XENCONS_IDX(c->out_prod, c->out)] = *s;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		c->out_prod++;
	}
	notify(si->console.domU.evtchn);
}

/* Waits until one of ports is pending, then clears them. */
static void wait_for(evtchn_port_t *ports, unsigned n)
{
	struct sched_poll poll = { .nr_ports = n, .timeout = 0 };
	set_xen_guest_handle(poll.ports, ports);
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&poll);
	for (unsigned i = 0; i < n; i++)
		__atomic_fetch_and(&shared.evtchn_pending[ports[i] / 64],
				   ~(1UL << (ports[i] % 64)), __ATOMIC_SEQ_CST);
}

void guest_main(start_info_t *start_info);
void guest_main(start_info_t *start_info)
{
	si = start_info;
	hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)&shared_page,
		   (si->shared_info & PAGE_MASK) | PTE_KERNEL_RW, UVMF_INVLPG);
	shared.vcpu_info[0].evtchn_upcall_mask = 1;
	console_write("horde-guest: up\r\n");
	evtchn_port_t ports[1] = { si->console.domU.evtchn };
	for (;;)
		wait_for(ports, 1);
}
