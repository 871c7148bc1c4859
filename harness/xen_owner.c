/* xen_owner.c: which horde made a domain (xen_owner.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xen_owner.h"

static void owner_path(char *buf, size_t len, uint32_t domid)
{
	snprintf(buf, len, XEN_OWNER_ROOT "/%u", domid);
}

void xen_owner_record(struct xs_handle *xs, uint32_t domid)
{
	struct hd_proc self;
	char path[64], value[96];
	if (hd_proc_of(getpid(), &self))
		return;
	owner_path(path, sizeof(path), domid);
	int n = snprintf(value, sizeof(value), "%lld %llu %s", self.pid,
			 self.start, self.boot);
	xs_write(xs, XBT_NULL, path, value, (unsigned)n);
}

void xen_owner_forget(struct xs_handle *xs, uint32_t domid)
{
	char path[64];
	owner_path(path, sizeof(path), domid);
	xs_rm(xs, XBT_NULL, path);
}

bool xen_owner_alive(struct xs_handle *xs, uint32_t domid, long long *pid)
{
	char path[64];
	unsigned len;
	struct hd_proc owner = { 0 };
	owner_path(path, sizeof(path), domid);
	char *v = xs_read(xs, XBT_NULL, path, &len);
	bool known = v && sscanf(v, "%lld %llu %39s", &owner.pid, &owner.start,
				 owner.boot) == 3;
	free(v);
	*pid = owner.pid;
	return known && hd_proc_alive(&owner);
}
