/* platform.c: the list of platforms, and guest addressing shared by all. */
#include "platform.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

static const struct platform_ops *const all[] = { &platform_emu,
						   &platform_xen,
						   &platform_xl };

const struct platform_ops *const *platform_all(size_t *n)
{
	*n = HD_ARRAY_SIZE(all);
	return all;
}

const struct platform_ops *platform_find(const char *name)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

uint32_t platform_guest_addr(uint32_t seq)
{
	return htonl(0xC6120001u + seq); /* 198.18.0.1 + seq */
}

void platform_guest_mac(uint32_t seq, uint8_t mac[6])
{
	const uint8_t m[6] = { 0x00, 0x16, 0x3e, (uint8_t)(seq >> 16),
			       (uint8_t)(seq >> 8), (uint8_t)seq };
	memcpy(mac, m, 6);
}

uint32_t platform_prober_addr(void)
{
	return platform_guest_addr(0);
}

void platform_guest_cmdline(const struct guest_spec *g, char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &g->addr_be, addr, sizeof(addr));
	snprintf(buf, len, "console=hvc0 quiet ip=%s", addr);
}

int xcl_workers_open(struct xcl_workers *w, const struct plan_job *job,
		     const struct xcl_hv_ops *ops, void *const *hv_args,
		     uint64_t backend_timeout_ns, struct hd_err *err)
{
	uint32_t n = plan_job_workers(job);
	bool one = strcmp(job->xs_handles, "one") == 0;

	memset(w, 0, sizeof(*w));
	if (n < 1 || n > PLATFORM_MAX_WORKERS)
		return hd_fail(err, HD_EINVAL, "concurrency: 1..%d",
			       PLATFORM_MAX_WORKERS);
	while (w->n < n) {
		/* Counted first, so that a half-opened worker is closed. */
		uint32_t i = w->n++;
		if (!(w->xs[i] = xs_open(one ? XS_UNWATCH_FILTER : 0)) ||
		    (!one && !(w->watch_xs[i] = xs_open(XS_UNWATCH_FILTER))))
			return hd_fail_errno(err, HD_EXS, "open xenstore");
		int rc = xcl_ctx_new(w->xs[i], one ? w->xs[i] : w->watch_xs[i],
				     ops, hv_args[i],
				     backend_timeout_ns, &w->xcl[i], err);
		if (rc)
			return rc;
	}
	return HD_OK;
}

void xcl_workers_close(struct xcl_workers *w)
{
	for (uint32_t i = 0; i < w->n; i++) {
		xcl_ctx_free(w->xcl[i]);
		if (w->xs[i])
			xs_close(w->xs[i]);
		if (w->watch_xs[i])
			xs_close(w->watch_xs[i]);
	}
	memset(w, 0, sizeof(*w));
}
