/* pty_limit.h: why a devpts instance refused a PTY (ENOSPC), in words
 * that name the limit actually hit. Two limits apply to a devpts instance
 * mounted with newinstance, as horde-consoled's is: its own max= mount
 * option, and the kernel's budget for all instances but the initial one,
 * kernel.pty.max less kernel.pty.reserve, less one (fs/devpts/inode.c,
 * devpts_new_index: only the initial instance may use the reserve, and a
 * new PTY must leave the count below the limit), shared by every such
 * instance on the host (another horde's console daemon, containers). */
#ifndef HORDE_EMU_PTY_LIMIT_H
#define HORDE_EMU_PTY_LIMIT_H

#include <stddef.h>

struct pty_sysctls {
	long max;     /* kernel.pty.max */
	long reserve; /* kernel.pty.reserve */
	long nr;      /* kernel.pty.nr: PTYs in use on the host */
};

/* Reads them from /proc/sys/kernel/pty; 0, or -1 (then unknown). */
int pty_read_sysctls(struct pty_sysctls *out);

/* The cause for a refused PTY, into buf: the instance's own max= when it
 * holds own_max PTYs (own_open), else the kernel's budget (k may be NULL
 * when the sysctls could not be read). */
void pty_limit_cause(char *buf, size_t len, long own_open, long own_max,
		     const struct pty_sysctls *k);

#endif
