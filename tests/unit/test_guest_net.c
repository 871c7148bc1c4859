/* test_guest_net.c: what horde-guest answers, run on the host: an ARP
 * request for its address gets its MAC from it; an ICMP echo request gets
 * the same data back with valid checksums; anything else, nothing. The
 * frames are built here byte by byte and the replies checked against the
 * RFCs' layouts, not against the code's own helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../guest/net.h"

static const struct net_self self = { { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x99 },
				      { 198, 18, 0, 2 } };
static const uint8_t asker_mac[6] = { 0x02, 0x68, 0x6f, 0x72, 0x64, 0x65 };
static const uint8_t asker_ip[4] = { 198, 18, 0, 1 };

static size_t arp_request(uint8_t *f, const uint8_t target[4])
{
	memset(f, 0xff, 6);
	memcpy(f + 6, asker_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	const uint8_t hdr[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 };
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, asker_mac, 6);
	memcpy(f + 28, asker_ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, target, 4);
	return 42;
}

static void answers_arp_for_its_address(void **state)
{
	(void)state;
	uint8_t in[64], out[64];
	size_t n = net_reply(&self, in, arp_request(in, self.ip), out);
	assert_int_equal(n, 42);
	assert_memory_equal(out, asker_mac, 6);       /* to the asker */
	assert_memory_equal(out + 6, self.mac, 6);
	assert_int_equal(out[13], 0x06);
	assert_int_equal(out[21], 2);                 /* a reply */
	assert_memory_equal(out + 22, self.mac, 6);   /* sender: us */
	assert_memory_equal(out + 28, self.ip, 4);
	assert_memory_equal(out + 32, asker_mac, 6);  /* target: the asker */
	assert_memory_equal(out + 38, asker_ip, 4);
	const uint8_t other[4] = { 198, 18, 0, 3 };
	assert_int_equal(net_reply(&self, in, arp_request(in, other), out), 0);
	in[21] = 2; /* a reply is not answered */
	assert_int_equal(net_reply(&self, in, 42, out), 0);
}

static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void answers_ping(void **state)
{
	(void)state;
	uint8_t in[128] = { 0 }, out[128];
	memcpy(in, self.mac, 6);
	memcpy(in + 6, asker_mac, 6);
	in[12] = 0x08, in[13] = 0x00;
	uint8_t *ip = in + 14;
	ip[0] = 0x45, ip[3] = 20 + 8 + 16; /* total length 44 */
	ip[8] = 64, ip[9] = 1;
	memcpy(ip + 12, asker_ip, 4);
	memcpy(ip + 16, self.ip, 4);
	uint8_t *icmp = ip + 20;
	icmp[0] = 8, icmp[4] = 0x12, icmp[5] = 0x34, icmp[7] = 1;
	for (int i = 0; i < 16; i++)
		icmp[8 + i] = (uint8_t)i;
	size_t n = net_reply(&self, in, 14 + 44, out);
	assert_int_equal(n, 14 + 44);
	assert_memory_equal(out, asker_mac, 6);
	assert_memory_equal(out + 6, self.mac, 6);
	const uint8_t *rip = out + 14, *ricmp = rip + 20;
	assert_memory_equal(rip + 12, self.ip, 4);
	assert_memory_equal(rip + 16, asker_ip, 4);
	assert_int_equal(sum16(rip, 20), 0xffff);     /* IP header checksum */
	assert_int_equal(ricmp[0], 0);                /* echo reply */
	assert_memory_equal(ricmp + 4, icmp + 4, 4 + 16); /* id, seq, data */
	assert_int_equal(sum16(ricmp, 24), 0xffff);   /* ICMP checksum */
	/* Not to us, not an echo request, a fragment: nothing. */
	ip[19] = 3;
	assert_int_equal(net_reply(&self, in, 58, out), 0);
	ip[19] = 2, icmp[0] = 0;
	assert_int_equal(net_reply(&self, in, 58, out), 0);
	icmp[0] = 8, ip[6] = 0x20;
	assert_int_equal(net_reply(&self, in, 58, out), 0);
	/* A short or odd frame: nothing, and no read past its end. */
	assert_int_equal(net_reply(&self, in, 13, out), 0);
	in[12] = 0x86, in[13] = 0xdd;
	assert_int_equal(net_reply(&self, in, 58, out), 0);
}

static void parses_its_settings(void **state)
{
	(void)state;
	uint8_t ip[4], mac[6];
	assert_int_equal(net_parse_ip("console=hvc0 quiet ip=198.18.1.27", ip), 0);
	assert_memory_equal(ip, ((uint8_t[]){ 198, 18, 1, 27 }), 4);
	assert_int_equal(net_parse_ip("ip=10.0.0.1 x", ip), 0);
	assert_int_equal(net_parse_ip("vip=1.2.3.4", ip), -1);
	assert_int_equal(net_parse_ip("ip=1.2.3", ip), -1);
	assert_int_equal(net_parse_ip("ip=1.2.3.256", ip), -1);
	assert_int_equal(net_parse_mac("00:16:3e:0A:ff:99", mac), 0);
	assert_memory_equal(mac, ((uint8_t[]){ 0, 0x16, 0x3e, 0x0a, 0xff, 0x99 }), 6);
	assert_int_equal(net_parse_mac("00:16:3e:0a:ff", mac), -1);
	assert_int_equal(net_parse_mac("00:16:3e:0a:ff:99:", mac), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_arp_for_its_address),
		cmocka_unit_test(answers_ping),
		cmocka_unit_test(parses_its_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
