/* test_arp.c: ARP frames as the prober builds and reads them, and the
 * prober itself against a real kernel: in a network namespace of the test's
 * own, a bridge and one veth "guest" with an address, answering ARP. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/netlink.h"
#include "../../probes/arp.h"
#include "../../probes/arping.h"

#include "fail_alloc.h"

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

static void ranges(void **state)
{
	(void)state;
	uint32_t first, count;
	struct hd_err err;
	assert_int_equal(arping_parse_range("198.18.0.2", &first, &count, &err), HD_OK);
	assert_int_equal(first, 0xc6120002u);
	assert_int_equal(count, 1);
	assert_int_equal(arping_parse_range("198.18.0.2-198.18.1.1", &first,
					    &count, &err), HD_OK);
	assert_int_equal(first, 0xc6120002u);
	assert_int_equal(count, 256);
	assert_int_equal(arping_parse_range("198.18.4.77/24", &first, &count,
					    &err), HD_OK);
	assert_int_equal(first, 0xc6120401u); /* no network address */
	assert_int_equal(count, 254);         /* nor broadcast */
	assert_int_equal(arping_parse_range("198.18.0.8/31", &first, &count,
					    &err), HD_OK);
	assert_int_equal(count, 2);
	assert_int_equal(arping_parse_range("198.18.0.9-198.18.0.2", &first,
					    &count, &err), HD_EINVAL);
	assert_int_equal(arping_parse_range("198.18.0.0/33", &first, &count,
					    &err), HD_EINVAL);
	assert_int_equal(arping_parse_range("guests", &first, &count, &err),
			 HD_EINVAL);
	assert_non_null(strstr(err.msg, "not an IPv4 address"));
}

/* ---- the prober on a real interface ---- */

#define GUEST_ADDR "198.18.0.2"
#define NOBODY_ADDR "198.18.0.9"
static const uint8_t guest_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
static const char ifaces[1][16] = { "tbr" };

static uint32_t addr(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The test's own namespace: nothing it sends leaves it, and it goes
 * when the test ends. */
static int make_host(void **state)
{
	struct nl *nl;
	struct hd_err err;
	(void)state;
	if (unshare(CLONE_NEWNET) != 0) {
		perror("unshare (the prober tests need root)");
		return -1;
	}
	if (nl_open(&nl, &err) || nl_bridge_add(nl, "tbr", prober, &err) ||
	    nl_veth_add(nl, "tp", "tg", guest_mac, (int)if_nametoindex("tbr"),
			&err) ||
	    nl_link_up(nl, (int)if_nametoindex("tg"), &err) ||
	    nl_addr_add(nl, (int)if_nametoindex("tg"), addr(GUEST_ADDR), &err)) {
		fprintf(stderr, "test host: %s\n", err.msg);
		return -1;
	}
	nl_close(nl);
	return 0;
}

static struct probe *open_probe(uint64_t timeout_ns)
{
	struct probe_config pc = { .interval_ns = 5000000, .timeout_ns = timeout_ns,
				   .max_rate = 20000 };
	struct probe *p;
	struct hd_err err;
	assert_int_equal(probe_open(ifaces, 1, addr("198.18.0.1"), &pc, &p, &err),
			 HD_OK);
	return p;
}

/* The one result of a probe with one target. */
static struct probe_result one_result(struct probe *p)
{
	struct probe_result r;
	size_t n = 0;
	while (n == 0 && probe_pending(p) > 0)
		n = probe_wait(p, &r, 1, 1000000000ull);
	assert_int_equal(n, 1);
	return r;
}

static void answers_from_its_mac(void **state)
{
	(void)state;
	struct probe *p = open_probe(2000000000ull);
	uint64_t added = hd_now_ns();
	assert_int_equal(probe_add(p, 7, 0, addr(GUEST_ADDR), guest_mac, added),
			 HD_OK);
	struct probe_result r = one_result(p);
	uint64_t taken = hd_now_ns();
	assert_int_equal(r.id, 7);
	assert_int_equal(r.alive, 1);
	assert_int_equal(r.mac_mismatch, 0);
	assert_memory_equal(r.mac, guest_mac, 6);
	assert_true(r.sends >= 1);
	/* The capture's clock, moved onto the monotonic one, lands between. */
	assert_true(r.reply_ns >= added && r.reply_ns <= taken);
	probe_close(p);
}

/* Plays a misbehaving guest on the guest's side of the veth: waits for the
 * prober's request for addr_s and answers it from another MAC. *sending
 * and *sent bracket the send of the answer. */
static void answer_as_impostor(const char *addr_s, const uint8_t mac[6],
			       uint64_t *sending, uint64_t *sent)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ARP),
				   .sll_ifindex = (int)if_nametoindex("tg") };
	uint8_t f[128], reply[ARP_FRAME_LEN];
	uint32_t target = addr(addr_s), sender;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 5000), 1);
		ssize_t n = recv(fd, f, sizeof(f), 0);
		assert_true(n > 0);
		if (n >= ARP_FRAME_LEN && f[21] == 1 &&
		    memcmp(f + 38, &target, 4) == 0)
			break;
	}
	memcpy(&sender, f + 28, 4);
	arp_build_request(reply, mac, target, f + 6, sender);
	reply[21] = 2; /* a reply */
	memcpy(reply + 32, f + 6, 6);
	*sending = hd_now_ns();
	assert_int_equal(send(fd, reply, sizeof(reply), 0), (ssize_t)sizeof(reply));
	*sent = hd_now_ns();
	close(fd);
}

static void flags_another_mac(void **state)
{
	(void)state;
	static const uint8_t impostor[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x66 };
	struct probe *p = open_probe(5000000000ull);

	uint64_t sending, sent;
	assert_int_equal(probe_add(p, 1, 0, addr(NOBODY_ADDR), guest_mac,
				   hd_now_ns()), HD_OK);
	answer_as_impostor(NOBODY_ADDR, impostor, &sending, &sent);
	struct probe_result r = one_result(p);
	assert_int_equal(r.alive, 1);
	assert_int_equal(r.mac_mismatch, 1);
	assert_memory_equal(r.mac, impostor, 6);
	/* The reply is timed when the kernel took it in, inside the send
	 * that made it (a veth delivers in the sender's call), not when the
	 * prober's thread got round to it. */
	assert_true(r.reply_ns >= sending && r.reply_ns <= sent);
	/* Broadcast, any MAC accepted: no flag. */
	assert_int_equal(probe_add(p, 2, 0, addr(GUEST_ADDR), NULL, hd_now_ns()),
			 HD_OK);
	r = one_result(p);
	assert_int_equal(r.alive, 1);
	assert_int_equal(r.mac_mismatch, 0);
	assert_memory_equal(r.mac, guest_mac, 6);
	probe_close(p);
}

static void dead_after_timeout_with_retries(void **state)
{
	(void)state;
	uint64_t timeout = 300000000ull;
	struct probe *p = open_probe(timeout);
	uint64_t start = hd_now_ns();
	assert_int_equal(probe_add(p, 3, 0, addr(NOBODY_ADDR), guest_mac, start),
			 HD_OK);
	struct probe_result r = one_result(p);
	uint64_t end = hd_now_ns();
	assert_int_equal(r.alive, 0);
	assert_true(end - start >= timeout);
	/* Retried every 5 ms (no backoff within the first second). */
	assert_true(r.sends >= 10 && r.sends <= 61);
	struct probe_stats st;
	probe_get_stats(p, &st);
	assert_int_equal(st.sent, r.sends);
	assert_int_equal(st.replies, 0);
	probe_close(p);
}

/* A capture of the test's own on the bridge: the times the kernel gave
 * the last request for and the last reply from addr_s, CLOCK_MONOTONIC. */
struct exchange {
	uint64_t request_ns, reply_ns;
};

static pcap_t *open_capture(void)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *pc = pcap_create("tbr", errbuf);
	assert_non_null(pc);
	pcap_set_immediate_mode(pc, 1);
	pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
	assert_true(pcap_activate(pc) >= 0);
	assert_int_equal(pcap_get_tstamp_precision(pc), PCAP_TSTAMP_PRECISION_NANO);
	assert_int_equal(pcap_compile(pc, &prog, "arp", 1, PCAP_NETMASK_UNKNOWN), 0);
	assert_int_equal(pcap_setfilter(pc, &prog), 0);
	pcap_freecode(&prog);
	assert_int_equal(pcap_setnonblock(pc, 1, errbuf), 0);
	return pc;
}

static struct exchange captured(pcap_t *pc, const char *addr_s)
{
	struct exchange x = { 0, 0 };
	struct pcap_pkthdr *h;
	const u_char *f;
	uint32_t a = addr(addr_s);

	while (pcap_next_ex(pc, &h, &f) == 1) {
		uint64_t at = hd_mono_from_real_ns((uint64_t)h->ts.tv_sec *
						   1000000000ull +
						   (uint64_t)h->ts.tv_usec);
		if (h->caplen < ARP_FRAME_LEN)
			continue;
		if (f[21] == 1 && memcmp(f + 38, &a, 4) == 0)
			x.request_ns = at;
		else if (f[21] == 2 && memcmp(f + 28, &a, 4) == 0)
			x.reply_ns = at;
	}
	return x;
}

static void sweep_measures_round_trip(void **state)
{
	(void)state;
	pcap_t *pc = open_capture();
	struct probe *p = open_probe(2000000000ull);
	assert_int_equal(probe_add_sweep(p, 4, 1, 0, addr(GUEST_ADDR), guest_mac,
					 1000000000ull), HD_OK);
	struct probe_result r = one_result(p);
	assert_int_equal(r.sweep, 4);
	assert_int_equal(r.alive, 1);
	assert_int_equal(r.sends, 1);
	/* Against the test's own capture of the same two frames: the reply
	 * is the kernel's timestamp of it (within the two clocks' reading),
	 * and the round trip is the capture's, plus at most what the send
	 * call took before the request reached the wire. */
	struct exchange x = captured(pc, GUEST_ADDR);
	assert_true(x.request_ns > 0 && x.reply_ns > x.request_ns);
	uint64_t gap = r.reply_ns > x.reply_ns ? r.reply_ns - x.reply_ns
					       : x.reply_ns - r.reply_ns;
	assert_true(gap < 2000);
	uint64_t wire_rtt = x.reply_ns - x.request_ns;
	assert_true(r.rtt_ns + 2000 >= wire_rtt);
	assert_true(r.rtt_ns < wire_rtt + 100000);
	probe_close(p);
	pcap_close(pc);
}

/* Every guest being probed gets its verdict, even when memory runs out
 * while they are out: room for each was set aside when it was added. */
static void verdicts_survive_out_of_memory(void **state)
{
	(void)state;
	struct probe *p = open_probe(50000000ull);
	const uint32_t n = 300;
	for (uint32_t i = 0; i < n; i++) /* 198.18.1.x: nobody's */
		assert_int_equal(probe_add(p, i, 0, htonl(0xc6120100u + i),
					   guest_mac, hd_now_ns()), HD_OK);
	alloc_fails = true;
	struct probe_result r[64];
	uint32_t got = 0;
	while (probe_pending(p) > 0)
		for (size_t k = probe_wait(p, r, 64, 1000000000ull), i = 0; i < k; i++) {
			assert_int_equal(r[i].alive, 0);
			got++;
		}
	alloc_fails = false;
	assert_int_equal(got, n);
	probe_close(p);
}

int main(void)
{
	const struct CMUnitTest frames[] = {
		cmocka_unit_test(request_layout),
		cmocka_unit_test(reply_parsing),
		cmocka_unit_test(ranges),
	};
	const struct CMUnitTest prober_tests[] = {
		cmocka_unit_test(answers_from_its_mac),
		cmocka_unit_test(flags_another_mac),
		cmocka_unit_test(dead_after_timeout_with_retries),
		cmocka_unit_test(sweep_measures_round_trip),
		cmocka_unit_test(verdicts_survive_out_of_memory),
	};
	return cmocka_run_group_tests(frames, NULL, NULL) |
	       cmocka_run_group_tests(prober_tests, make_host, NULL);
}
