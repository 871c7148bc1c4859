/* console.c: the console ring xenconsoled reads (xen/io/console.h). */
#include "guest.h"

#include <xen/io/console.h>

void console_write(const char *s)
{
	struct xencons_interface *c = mfn_to_virt(start_info->console.domU.mfn);
	for (; *s; s++) {
		/* Full: let xenconsoled drain it. */
		while (c->out_prod - c->out_cons >= sizeof(c->out))
			notify(start_info->console.domU.evtchn);
		c->out[MASK_XENCONS_IDX(c->out_prod, c->out)] = *s;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		c->out_prod++;
	}
	notify(start_info->console.domU.evtchn);
}
