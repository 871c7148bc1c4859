/* arp.h: the ARP liveness prober.
 *
 * One libpcap handle per interface, one thread for all. Each guest added is
 * probed by unicast ARP request to its known MAC every interval until it
 * answers or its timeout passes; replies are matched by a BPF filter on
 * ARP replies addressed to the prober's own MAC. Results are collected by
 * the caller with probe_take(). */
#ifndef HORDE_PROBE_ARP_H
#define HORDE_PROBE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/util.h"

struct probe_config {
	uint64_t interval_ns;  /* between probes of one guest */
	uint64_t timeout_ns;   /* dead when no reply this long after start */
	uint32_t max_rate;     /* probes per second, all guests together */
};

struct probe_result {
	uint32_t id;           /* the caller's id for the guest */
	uint32_t sweep;        /* the sweep it was part of; 0: liveness */
	int alive;             /* 1: answered; 0: timed out */
	uint64_t rtt_ns;       /* from the probe answered to its reply */
	uint64_t reply_ns;     /* CLOCK_MONOTONIC of the first reply */
	uint64_t start_ns;     /* as given to probe_add */
	uint8_t mac[6];        /* the reply's sender MAC */
	int mac_mismatch;      /* the reply came from another MAC than expected */
	uint32_t sends;        /* probes sent */
	uint32_t iface;        /* as given to probe_add */
	int iface_gone;        /* not alive: its interface went away (deleted,
				  or down), so no probe could reach it */
};

struct probe_stats {
	uint64_t sent, replies, unmatched, pcap_drops;
};

struct probe;

#define PROBE_MAX_IFACES 64

/* Opens the interfaces and starts the prober thread. src_addr_be is the
 * sender address put in requests (must not be any guest's); each
 * interface's own MAC is the sender MAC on it. */
int probe_open(const char (*ifaces)[16], size_t nifaces, uint32_t src_addr_be,
	       const struct probe_config *cfg, struct probe **out,
	       struct hd_err *err);
/* Starts probing a guest on ifaces[iface] until it answers or the
 * configured timeout passes: id is returned in its result; start_ns is the
 * moment time-to-alive counts from. mac is the MAC the guest should answer
 * from; NULL probes by broadcast and accepts any. */
int probe_add(struct probe *p, uint32_t id, uint32_t iface, uint32_t addr_be,
	      const uint8_t mac[6], uint64_t start_ns);
/* Probes a guest known alive once more, as part of sweep (> 0), giving up
 * after timeout_ns; the result carries the round-trip time. */
int probe_add_sweep(struct probe *p, uint32_t sweep, uint32_t id,
		    uint32_t iface, uint32_t addr_be, const uint8_t mac[6],
		    uint64_t timeout_ns);
/* Moves up to max finished results into out; returns how many. */
size_t probe_take(struct probe *p, struct probe_result *out, size_t max);
/* Like probe_take, but waits up to timeout_ns for a result while any guest
 * is still being probed. */
size_t probe_wait(struct probe *p, struct probe_result *out, size_t max,
		  uint64_t timeout_ns);
/* Guests still being probed (added, not yet taken as results). */
size_t probe_pending(struct probe *p);
void probe_get_stats(struct probe *p, struct probe_stats *out);
/* Stops the thread; guests still pending are dropped. */
void probe_close(struct probe *p);

/* Frame helpers, exposed for the tests. An ARP request frame is 42
 * bytes. */
#define ARP_FRAME_LEN 42
void arp_build_request(uint8_t frame[ARP_FRAME_LEN], const uint8_t src_mac[6],
		       uint32_t src_addr_be, const uint8_t dst_mac[6],
		       uint32_t target_addr_be);
/* Parses an ARP reply; returns 0 and fills sender fields, or -1. */
int arp_parse_reply(const uint8_t *frame, size_t len, uint8_t sender_mac[6],
		    uint32_t *sender_addr_be);

#endif
