/* arping.c: see arping.h. */
#define _GNU_SOURCE
#include "arping.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"

static int parse_addr(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

int arping_parse_range(const char *s, uint32_t *first, uint32_t *count,
		       struct hd_err *err)
{
	char buf[64];
	uint32_t a, b;

	if (hd_strlcpy(buf, s, sizeof(buf)))
		return hd_fail(err, HD_EINVAL, "range '%s': too long", s);
	char *dash = strchr(buf, '-'), *slash = strchr(buf, '/');
	if (dash) {
		*dash = '\0';
		if (parse_addr(buf, &a) || parse_addr(dash + 1, &b) || b < a)
			return hd_fail(err, HD_EINVAL, "range '%s': want "
				       "FIRST-LAST, FIRST <= LAST", s);
		*first = a;
		*count = b - a + 1;
		return HD_OK;
	}
	if (slash) {
		long long bits;
		*slash = '\0';
		if (parse_addr(buf, &a) || hd_parse_int(slash + 1, 0, 32, &bits))
			return hd_fail(err, HD_EINVAL, "range '%s': want "
				       "ADDRESS/BITS, BITS 0..32", s);
		uint32_t mask = bits ? ~0u << (32 - bits) : 0;
		uint64_t size = 1ull << (32 - bits);
		a &= mask;
		if (size > 2) { /* no network or broadcast address */
			a++;
			size -= 2;
		}
		*first = a;
		*count = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
		return HD_OK;
	}
	if (parse_addr(buf, &a))
		return hd_fail(err, HD_EINVAL, "range '%s': not an IPv4 "
			       "address", s);
	*first = a;
	*count = 1;
	return HD_OK;
}

int arping_run(const struct arping_opts *o, FILE *out, uint32_t *answered,
	       struct hd_err *err)
{
	struct probe_config pc = { .interval_ns = o->interval_ns,
				   .timeout_ns = o->timeout_ns,
				   .max_rate = o->rate };
	char ifaces[1][16];
	struct probe *p;
	struct probe_result r[256];
	uint64_t start = hd_now_ns();
	int rc;

	*answered = 0;
	if (hd_strlcpy(ifaces[0], o->iface, sizeof(ifaces[0])))
		return hd_fail(err, HD_EINVAL, "interface name '%s' too long",
			       o->iface);
	if ((rc = probe_open((const char (*)[16])ifaces, 1, o->src_addr_be, &pc,
			     &p, err)))
		return rc;
	for (uint32_t i = 0; i < o->count; i++)
		if (probe_add(p, i, 0, htonl(o->first + i), NULL, start)) {
			probe_close(p);
			return hd_fail(err, HD_ESYS, "prober: out of memory");
		}
	fprintf(out, "Interface: %s, sender %u.%u.%u.%u, %u addresses\n",
		o->iface, ((uint8_t *)&o->src_addr_be)[0],
		((uint8_t *)&o->src_addr_be)[1], ((uint8_t *)&o->src_addr_be)[2],
		((uint8_t *)&o->src_addr_be)[3], o->count);
	for (uint32_t done = 0; done < o->count;) {
		size_t n = probe_wait(p, r, HD_ARRAY_SIZE(r), 100000000ull);
		for (size_t i = 0; i < n; i++, done++) {
			if (!r[i].alive)
				continue;
			struct in_addr a = { htonl(o->first + r[i].id) };
			const uint8_t *m = r[i].mac;
			fprintf(out, "%s\t%02x:%02x:%02x:%02x:%02x:%02x\t%.3f ms"
				"\t%u probe%s\n", inet_ntoa(a), m[0], m[1], m[2],
				m[3], m[4], m[5], (double)r[i].rtt_ns / 1e6,
				r[i].sends, r[i].sends == 1 ? "" : "s");
			(*answered)++;
		}
	}
	struct probe_stats st;
	probe_get_stats(p, &st);
	probe_close(p);
	double secs = (double)(hd_now_ns() - start) / 1e9;
	fprintf(out, "Ending horde arping: %u addresses probed in %.3f s "
		"(%.0f/s), %u responded, %u missed, %llu requests sent\n",
		o->count, secs, secs > 0 ? o->count / secs : 0.0, *answered,
		o->count - *answered, (unsigned long long)st.sent);
	return HD_OK;
}
