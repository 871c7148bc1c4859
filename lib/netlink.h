/* netlink.h: the few rtnetlink requests the emulated host makes, over
 * libmnl. Each request waits for the kernel's answer, so an error such as
 * the bridge's EXFULL comes back from the kernel itself, with its errno.
 * A handle belongs to one thread and to the network namespace that thread
 * was in when it opened the handle. */
#ifndef HORDE_EMU_NETLINK_H
#define HORDE_EMU_NETLINK_H

#include <stdint.h>

#include "util.h"

struct nl;

int nl_open(struct nl **out, struct hd_err *err);
void nl_close(struct nl *nl);

/* Creates a bridge (STP off) with a fixed MAC and sets it up. */
int nl_bridge_add(struct nl *nl, const char *name, const uint8_t mac[6],
		  struct hd_err *err);
/* Creates a veth pair: host end enslaved to the bridge and up, peer down
 * with peer_mac. */
int nl_veth_add(struct nl *nl, const char *host, const char *peer,
		const uint8_t peer_mac[6], int bridge_ifindex,
		struct hd_err *err);
/* A static FDB entry for mac on a bridge port, so that frames to a guest
 * that has not spoken yet are not flooded to every port. */
int nl_fdb_add(struct nl *nl, int port_ifindex, const uint8_t mac[6],
	       struct hd_err *err);
/* A permanent ARP entry for addr on ifindex. */
int nl_neigh_add(struct nl *nl, int ifindex, uint32_t addr_be,
		 const uint8_t mac[6], struct hd_err *err);
int nl_link_up(struct nl *nl, int ifindex, struct hd_err *err);
/* Enslaves ifindex to the bridge and sets it up, in one request. */
int nl_link_attach(struct nl *nl, int ifindex, int bridge_ifindex,
		   struct hd_err *err);
/* Adds addr/32 (network byte order) to ifindex. */
int nl_addr_add(struct nl *nl, int ifindex, uint32_t addr_be,
		struct hd_err *err);
int nl_link_del(struct nl *nl, int ifindex, struct hd_err *err);

#endif
