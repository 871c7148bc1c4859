/* net.c: see net.h. Frames are read and written byte by byte (network
 * order), with no structure overlays, so alignment never matters. */
#include "net.h"

static void copy(uint8_t *d, const uint8_t *s, size_t n)
{
	while (n--)
		*d++ = *s++;
}

static int same(const uint8_t *a, const uint8_t *b, size_t n)
{
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* The Internet checksum of n bytes. */
static uint16_t checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ARP (RFC 826) for IPv4 over Ethernet: a request for our address gets
 * our MAC back. */
static size_t arp_reply(const struct net_self *self, const uint8_t *in,
			size_t len, uint8_t *out)
{
	const uint8_t *a = in + 14;
	if (len < 42 || a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 ||
	    a[4] != 6 || a[5] != 4 || a[6] != 0 || a[7] != 1 ||
	    !same(a + 24, self->ip, 4))
		return 0;
	copy(out, in + 6, 6);          /* to the asker */
	copy(out + 6, self->mac, 6);
	out[12] = 0x08, out[13] = 0x06;
	uint8_t *r = out + 14;
	copy(r, a, 6);                 /* hardware and protocol, sizes */
	r[6] = 0, r[7] = 2;            /* a reply */
	copy(r + 8, self->mac, 6);
	copy(r + 14, self->ip, 4);
	copy(r + 18, a + 8, 6);        /* the asker's MAC and address */
	copy(r + 24, a + 14, 4);
	return 42;
}

/* ICMP echo (RFC 792) to our address: the same data back. */
static size_t echo_reply(const struct net_self *self, const uint8_t *in,
			 size_t len, uint8_t *out)
{
	const uint8_t *ip = in + 14;
	if (len < 14 + 20 + 8)
		return 0;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = (size_t)(ip[2] << 8 | ip[3]);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 ||
	    14 + total > len || ip[9] != 1 || !same(ip + 16, self->ip, 4) ||
	    (ip[6] & 0x3f) != 0 || ip[7] != 0 || /* a fragment */
	    ip[ihl] != 8 || ip[ihl + 1] != 0)
		return 0;
	copy(out, in + 6, 6);
	copy(out + 6, self->mac, 6);
	out[12] = 0x08, out[13] = 0x00;
	uint8_t *r = out + 14;
	copy(r, ip, total);
	copy(r + 12, self->ip, 4);     /* from us, to the sender */
	copy(r + 16, ip + 12, 4);
	r[8] = 64;                     /* TTL */
	r[10] = r[11] = 0;
	uint16_t c = checksum(r, ihl);
	r[10] = (uint8_t)(c >> 8), r[11] = (uint8_t)c;
	uint8_t *icmp = r + ihl;
	icmp[0] = 0;                   /* echo reply */
	icmp[2] = icmp[3] = 0;
	c = checksum(icmp, total - ihl);
	icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
	return 14 + total;
}

size_t net_reply(const struct net_self *self, const uint8_t *in, size_t len,
		 uint8_t *out)
{
	if (len < 14)
		return 0;
	if (in[12] == 0x08 && in[13] == 0x06)
		return arp_reply(self, in, len, out);
	if (in[12] == 0x08 && in[13] == 0x00)
		return echo_reply(self, in, len, out);
	return 0;
}

static int parse_byte(const char **s, unsigned *v, unsigned base, int max_digits)
{
	int n = 0;
	*v = 0;
	for (;; n++) {
		char c = **s;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : base == 16 && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : base == 16 && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			     : 99;
		if (d >= base || n == max_digits)
			break;
		*v = *v * base + d;
		(*s)++;
	}
	return n > 0 && *v <= 255 ? 0 : -1;
}

int net_parse_ip(const char *cmdline, uint8_t ip[4])
{
	for (const char *s = cmdline; *s; s++) {
		if (!(s[0] == 'i' && s[1] == 'p' && s[2] == '=' &&
		      (s == cmdline || s[-1] == ' ')))
			continue;
		const char *p = s + 3;
		for (int i = 0; i < 4; i++) {
			unsigned v;
			if (parse_byte(&p, &v, 10, 3) || (i < 3 && *p++ != '.'))
				return -1;
			ip[i] = (uint8_t)v;
		}
		return *p == '\0' || *p == ' ' ? 0 : -1;
	}
	return -1;
}

int net_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v;
		if (parse_byte(&s, &v, 16, 2) || (i < 5 && *s++ != ':'))
			return -1;
		mac[i] = (uint8_t)v;
	}
	return *s == '\0' ? 0 : -1;
}
