/* pty_limit.c: see pty_limit.h. */
#include "pty_limit.h"

#include <stdio.h>

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int pty_read_sysctls(struct pty_sysctls *out)
{
	out->max = read_long("/proc/sys/kernel/pty/max");
	out->reserve = read_long("/proc/sys/kernel/pty/reserve");
	out->nr = read_long("/proc/sys/kernel/pty/nr");
	return out->max < 0 || out->reserve < 0 || out->nr < 0 ? -1 : 0;
}

void pty_limit_cause(char *buf, size_t len, long own_open, long own_max,
		     const struct pty_sysctls *k)
{
	if (own_open >= own_max)
		snprintf(buf, len, "pty: devpts max=%ld reached (the console "
			 "daemon's own instance)", own_max);
	else if (k) /* a new PTY must leave the count below max - reserve */
		snprintf(buf, len, "pty: kernel limit: kernel.pty.max %ld - "
			 "kernel.pty.reserve %ld leaves %ld for non-initial "
			 "devpts instances; %ld in use on the host, %ld here",
			 k->max, k->reserve, k->max - k->reserve - 1, k->nr,
			 own_open);
	else
		snprintf(buf, len, "pty: kernel limit (kernel.pty.max - "
			 "kernel.pty.reserve); %ld of max=%ld in use here",
			 own_open, own_max);
}
