/* net.h: what horde-guest answers on its vif: ARP requests for its IPv4
 * address, from its MAC, and ICMP echo requests to it; nothing else. Pure
 * functions over frames, so that the host's unit tests run them too. */
#ifndef HORDE_GUEST_NET_H
#define HORDE_GUEST_NET_H

#include <stddef.h>
#include <stdint.h>

struct net_self {
	uint8_t mac[6];
	uint8_t ip[4];
};

/* The reply to the Ethernet frame in (len bytes) into out (room for len
 * bytes, at least 42), or 0 when there is none to send. */
size_t net_reply(const struct net_self *self, const uint8_t *in, size_t len,
		 uint8_t *out);

/* Parses "ip=A.B.C.D" out of a kernel command line; 0, or -1. */
int net_parse_ip(const char *cmdline, uint8_t ip[4]);
/* Parses "xx:xx:xx:xx:xx:xx"; 0, or -1. */
int net_parse_mac(const char *s, uint8_t mac[6]);

#endif
