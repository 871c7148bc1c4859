/* entry.S: what a Xen 4.17 PV domain builder needs of horde-guest: the
 * ELF notes that describe it, the entry point, the hypercall page Xen
 * fills, and a stack. Xen enters in 64-bit mode with the start_info page
 * in %rsi and the guest's memory mapped from virtual address 0. */
#include <xen/elfnote.h>

/* One ELF note: name "Xen", a type from xen/elfnote.h, a description. */
#define NOTE(type, desc)                        \
	.pushsection .note.Xen, "a", @note;     \
	.balign 4;                              \
	.long 4;        /* "Xen" and its nul */ \
	.long 8f - 7f;                          \
	.long type;                             \
	.asciz "Xen";                           \
	.balign 4;                              \
7:	desc;                                   \
8:	.balign 4;                              \
	.popsection

NOTE(XEN_ELFNOTE_GUEST_OS, .asciz "horde-guest")
NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
NOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
NOTE(XEN_ELFNOTE_VIRT_BASE, .quad 0)
NOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
NOTE(XEN_ELFNOTE_ENTRY, .quad _start)
NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

	.text
	.globl _start
_start:
	cld
	leaq stack_top(%rip), %rsp
	movq %rsi, %rdi
	call guest_main
1:	hlt /* guest_main never returns; a PV guest may not hlt, so a fault */
	jmp 1b

	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0

	.bss
	.balign 16
stack:
	.fill 16384, 1, 0
stack_top:
