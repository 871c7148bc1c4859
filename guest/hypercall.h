/* hypercall.h: calls into Xen through the hypercall page it filled (each
 * entry 32 bytes), with the 64-bit PV convention: arguments in rdi, rsi,
 * rdx, r10, r8; the result in rax. */
#ifndef HORDE_GUEST_HYPERCALL_H
#define HORDE_GUEST_HYPERCALL_H

#include <xen/xen.h>

extern char hypercall_page[4096];

static inline long hypercall2(unsigned nr, unsigned long a1, unsigned long a2)
{
	long ret;
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	asm volatile("call *%[entry]"
		     : "=a"(ret), "+r"(rdi), "+r"(rsi)
		     : [entry] "r"(hypercall_page + nr * 32)
		     : "memory", "rcx", "r11");
	return ret;
}

static inline long hypercall3(unsigned nr, unsigned long a1, unsigned long a2,
			      unsigned long a3)
{
	long ret;
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	register unsigned long rdx asm("rdx") = a3;
	asm volatile("call *%[entry]"
		     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
		     : [entry] "r"(hypercall_page + nr * 32)
		     : "memory", "rcx", "r11");
	return ret;
}

#endif
