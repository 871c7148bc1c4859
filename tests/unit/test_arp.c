/* test_arp.c: ARP frames as the prober builds and reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../probes/arp.h"

static const uint8_t prober[6] = { 0x02, 0x68, 0x6f, 0x72, 0x64, 0x65 };
static const uint8_t guest[6] = { 0x00, 0x16, 0x3e, 0x00, 0x01, 0x02 };

static void request_layout(void **state)
{
	(void)state;
	uint8_t f[ARP_FRAME_LEN];
	uint32_t src = 0x010012c6u, dst = 0x020012c6u; /* 198.18.0.1, .2 */
	arp_build_request(f, prober, src, guest, dst);
	assert_memory_equal(f, guest, 6);       /* unicast to the guest */
	assert_memory_equal(f + 6, prober, 6);
	assert_int_equal(f[12], 0x08);
	assert_int_equal(f[13], 0x06);
	assert_int_equal(f[21], 1);             /* request */
	assert_memory_equal(f + 22, prober, 6);
	assert_memory_equal(f + 28, &src, 4);
	assert_memory_equal(f + 38, &dst, 4);
	/* A request is not a reply. */
	uint8_t mac[6];
	uint32_t addr;
	assert_int_equal(arp_parse_reply(f, sizeof(f), mac, &addr), -1);
}

static void reply_parsing(void **state)
{
	(void)state;
	uint8_t f[60] = { 0 };
	uint32_t addr, guest_addr = 0x020012c6u;
	uint8_t mac[6];
	/* Build a reply as the kernel would send it (padded to 60). */
	arp_build_request(f, guest, guest_addr, prober, 0x010012c6u);
	f[21] = 2;
	assert_int_equal(arp_parse_reply(f, sizeof(f), mac, &addr), 0);
	assert_memory_equal(mac, guest, 6);
	assert_int_equal(addr, guest_addr);
	/* Truncated, not ARP, not Ethernet/IPv4. */
	assert_int_equal(arp_parse_reply(f, 41, mac, &addr), -1);
	f[13] = 0x00;
	assert_int_equal(arp_parse_reply(f, sizeof(f), mac, &addr), -1);
	f[13] = 0x06;
	f[18] = 8;
	assert_int_equal(arp_parse_reply(f, sizeof(f), mac, &addr), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_layout),
		cmocka_unit_test(reply_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
