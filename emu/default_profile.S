/* default_profile.S: the shipped default latency profile, measured in the
 * real-Xen lane (emu/profiles/xen-4.17-qemu.profile), linked into horde as
 * text so that emu_latency=default needs no file at run time. */
	.section .rodata
	.global emu_default_profile, emu_default_profile_end
emu_default_profile:
	.incbin "emu/profiles/xen-4.17-qemu.profile"
emu_default_profile_end:
	.byte 0
	.section .note.GNU-stack, "", @progbits
