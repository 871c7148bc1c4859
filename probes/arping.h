/* arping.h: `horde arping IFACE RANGE`, the prober as a command, in the
 * manner of arp-scan: every address of the range probed (by broadcast ARP,
 * retried with backoff, paced at a rate) and each answer printed with the
 * answering MAC and its round-trip time. */
#ifndef HORDE_PROBE_ARPING_H
#define HORDE_PROBE_ARPING_H

#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"

/* horde's own range, RFC 2544's benchmarking network, the only one the
 * command probes unless told otherwise. */
#define ARPING_SAFE_NET 0xc6120000u  /* 198.18.0.0 */
#define ARPING_SAFE_MASK 0xfffe0000u /* /15 */

struct arping_opts {
	const char *iface;
	uint32_t first;          /* host byte order */
	uint32_t count;
	uint32_t src_addr_be;    /* the sender address in requests */
	uint32_t rate;           /* requests a second */
	uint64_t interval_ns;    /* first gap between retries */
	uint64_t timeout_ns;     /* per address */
};

/* Parses "A.B.C.D", "A.B.C.D-E.F.G.H" or "A.B.C.D/N" (a /N without its
 * network and broadcast addresses when N < 31) into first and count. */
int arping_parse_range(const char *s, uint32_t *first, uint32_t *count,
		       struct hd_err *err);

/* Probes the range and prints one line per answer to out, then a
 * summary. Returns HD_OK (answers or not) or an error. */
int arping_run(const struct arping_opts *o, FILE *out, uint32_t *answered,
	       struct hd_err *err);

#endif
