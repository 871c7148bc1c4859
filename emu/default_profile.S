/* default_profile.S: emu/default.profile, linked into horde as text, so
 * that emu_latency=default needs no file at run time. */
	.section .rodata
	.global emu_default_profile, emu_default_profile_end
emu_default_profile:
	.incbin "emu/default.profile"
emu_default_profile_end:
	.byte 0
	.section .note.GNU-stack, "", @progbits
