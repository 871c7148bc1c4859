/* netlink.c: see netlink.h. */
#define _GNU_SOURCE
#include "netlink.h"

#include <errno.h>
#include <net/if.h> /* before the linux/ headers, which it conflicts with */
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char buf[32768]; /* above MNL_SOCKET_BUFFER_SIZE on any page size */
};

int nl_open(struct nl **out, struct hd_err *err)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	if (!nl)
		return hd_fail(err, HD_ESYS, "netlink: out of memory");
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = hd_fail_errno(err, HD_ESYS, "netlink: open");
		if (nl->sock)
			mnl_socket_close(nl->sock);
		free(nl);
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return HD_OK;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

static struct nlmsghdr *start(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* Sends the request and waits for its ack; returns 0 or the kernel's
 * errno. */
static int transact(struct nl *nl, struct nlmsghdr *h)
{
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		int r = mnl_cb_run(nl->buf, (size_t)n, h->nlmsg_seq, nl->portid,
				   NULL, NULL);
		if (r == MNL_CB_ERROR)
			return errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int code_for(int e)
{
	switch (e) {
	case EXFULL: case ENOSPC: case ENOMEM: case ENOBUFS: case EMFILE:
	case ENFILE:
		return HD_ELIMIT;
	case ENODEV: case ENOENT:
		return HD_ENOENT;
	default:
		return HD_ESYS;
	}
}

static int fail(struct hd_err *err, int e, const char *what, const char *name)
{
	errno = e;
	return hd_fail_errno(err, code_for(e), "%s %s", what, name);
}

/* A request for a new link called name, created up. */
static struct nlmsghdr *new_link(struct nl *nl, const char *name)
{
	struct nlmsghdr *h = start(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	return h;
}

int nl_bridge_add(struct nl *nl, const char *name, const uint8_t mac[6],
		  struct hd_err *err)
{
	struct nlmsghdr *h = new_link(nl, name);
	mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	mnl_attr_put_u32(h, IFLA_BR_STP_STATE, 0);
	mnl_attr_put_u32(h, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, li);
	int e = transact(nl, h);
	return e ? fail(err, e, "create bridge", name) : HD_OK;
}

int nl_veth_add(struct nl *nl, const char *host, const char *peer,
		const uint8_t peer_mac[6], int bridge_ifindex,
		struct hd_err *err)
{
	struct nlmsghdr *h = new_link(nl, host);
	/* The kernel enslaves the new device in the same request, so a full
	 * bridge refuses the whole pair with its own errno. */
	mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)bridge_ifindex);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *pe = mnl_attr_nest_start(h, VETH_INFO_PEER);
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(h, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(h, pe);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, li);
	int e = transact(nl, h);
	return e ? fail(err, e, "create veth", host) : HD_OK;
}

/* A permanent neighbour entry: a bridge FDB entry (PF_BRIDGE, no address)
 * or an ARP entry (AF_INET). */
static int neigh_add(struct nl *nl, int family, int ifindex, uint32_t addr_be,
		     const uint8_t mac[6], struct hd_err *err)
{
	/* An ARP entry replaces one the kernel may have learnt already. */
	struct nlmsghdr *h = start(nl, RTM_NEWNEIGH, NLM_F_CREATE |
				   (family == PF_BRIDGE ? NLM_F_EXCL
							: NLM_F_REPLACE));
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = family == PF_BRIDGE ? NUD_NOARP | NUD_PERMANENT
					    : NUD_PERMANENT;
	if (family == PF_BRIDGE)
		nd->ndm_flags = NTF_MASTER;
	else
		mnl_attr_put_u32(h, NDA_DST, addr_be);
	mnl_attr_put(h, NDA_LLADDR, 6, mac);
	int e = transact(nl, h);
	if (e) {
		char name[IF_NAMESIZE] = "?";
		if_indextoname((unsigned)ifindex, name);
		return fail(err, e, family == PF_BRIDGE ? "add fdb entry on"
					: "add neighbour on", name);
	}
	return HD_OK;
}

int nl_fdb_add(struct nl *nl, int port_ifindex, const uint8_t mac[6],
	       struct hd_err *err)
{
	return neigh_add(nl, PF_BRIDGE, port_ifindex, 0, mac, err);
}

int nl_neigh_add(struct nl *nl, int ifindex, uint32_t addr_be,
		 const uint8_t mac[6], struct hd_err *err)
{
	return neigh_add(nl, AF_INET, ifindex, addr_be, mac, err);
}

static int link_set(struct nl *nl, int ifindex, int master, struct hd_err *err)
{
	struct nlmsghdr *h = start(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	int e = transact(nl, h);
	if (e) {
		char name[IF_NAMESIZE] = "?";
		if_indextoname((unsigned)ifindex, name);
		return fail(err, e, master ? "attach to bridge" : "set up", name);
	}
	return HD_OK;
}

int nl_link_up(struct nl *nl, int ifindex, struct hd_err *err)
{
	return link_set(nl, ifindex, 0, err);
}

int nl_link_attach(struct nl *nl, int ifindex, int bridge_ifindex,
		   struct hd_err *err)
{
	return link_set(nl, ifindex, bridge_ifindex, err);
}

int nl_addr_add(struct nl *nl, int ifindex, uint32_t addr_be,
		struct hd_err *err)
{
	struct nlmsghdr *h = start(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(h, IFA_LOCAL, addr_be);
	mnl_attr_put_u32(h, IFA_ADDRESS, addr_be);
	int e = transact(nl, h);
	if (e) {
		char name[IF_NAMESIZE] = "?";
		if_indextoname((unsigned)ifindex, name);
		return fail(err, e, "add address on", name);
	}
	return HD_OK;
}

int nl_link_del(struct nl *nl, int ifindex, struct hd_err *err)
{
	struct nlmsghdr *h = start(nl, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	int e = transact(nl, h);
	if (e) {
		char name[16];
		snprintf(name, sizeof(name), "#%d", ifindex);
		return fail(err, e, "delete link", name);
	}
	return HD_OK;
}
