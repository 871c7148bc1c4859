/* xen_owner.c: which horde made a domain, and `horde clean` of the
 * domains of hordes gone (xen_owner.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xen_owner.h"

#include "../harness/platform.h"
#include "../xcl/xcl_xen.h"

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

/* Destroys a horde-* domain unless its horde is running, saying which. */
static void clean_domain(FILE *log, struct xs_handle *xs, struct xcl_ctx *ctx,
			 uint32_t domid, const char *name)
{
	long long owner;
	struct xcl_timing t;
	struct hd_err err;

	if (xen_owner_alive(xs, domid, &owner))
		fprintf(log, "left domain %u (%s): its horde (pid %lld) is "
			"running\n", domid, name, owner);
	else if (xcl_destroy(ctx, domid, &t, &err) == HD_OK) {
		xen_owner_forget(xs, domid);
		fprintf(log, "destroyed domain %u (%s)\n", domid, name);
	} else
		fprintf(log, "could not destroy domain %u (%s): %s\n", domid,
			name, err.msg);
}

int xen_owner_clean(FILE *log, struct hd_err *err)
{
	const char *prefix = PLATFORM_GUEST_PREFIX;
	struct xcl_xen *x;
	struct xs_handle *xs = NULL;
	struct xcl_ctx *ctx = NULL;
	struct hd_err quiet;
	unsigned n = 0, len;
	int rc = HD_OK;

	if (xcl_xen_open(&x, &quiet))
		return HD_OK; /* no Xen here: no domains to clean */
	if (!(xs = xs_open(0))) {
		rc = hd_fail_errno(err, HD_EXS, "clean: open xenstore");
		goto out;
	}
	if ((rc = xcl_ctx_new(xs, NULL, &xcl_xen_ops, x, 10ull * 1000000000ull, &ctx,
			      err)))
		goto out;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (unsigned i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		char *name = xs_read(xs, XBT_NULL, path, &len);
		uint32_t domid = (uint32_t)atoi(doms[i]);
		if (name && domid && strncmp(name, prefix, strlen(prefix)) == 0)
			clean_domain(log, xs, ctx, domid, name);
		free(name);
	}
	free(doms);
	/* Records of domains gone some other way (xl destroy by hand). */
	char **owned = xs_directory(xs, XBT_NULL, XEN_OWNER_ROOT, &n);
	for (unsigned i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/%s", owned[i]);
		char *dom = xs_read(xs, XBT_NULL, path, &len);
		if (!dom)
			xen_owner_forget(xs, (uint32_t)atoi(owned[i]));
		free(dom);
	}
	free(owned);
out:
	xcl_ctx_free(ctx);
	if (xs)
		xs_close(xs);
	xcl_xen_close(x);
	return rc;
}
