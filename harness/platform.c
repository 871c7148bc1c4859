/* platform.c: the list of platforms, and guest addressing shared by all. */
#include "platform.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const struct platform_ops *const all[] = { &platform_emu,
						   &platform_xen,
						   &platform_xl };

const struct platform_ops *const *platform_all(size_t *n)
{
	*n = HD_ARRAY_SIZE(all);
	return all;
}

const struct platform_ops *platform_find(const char *name)
{
	for (size_t i = 0; i < HD_ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

uint32_t platform_guest_addr(uint32_t seq)
{
	return htonl(0xC6120001u + seq); /* 198.18.0.1 + seq */
}

void platform_guest_mac(uint32_t seq, uint8_t mac[6])
{
	const uint8_t m[6] = { 0x00, 0x16, 0x3e, (uint8_t)(seq >> 16),
			       (uint8_t)(seq >> 8), (uint8_t)seq };
	memcpy(mac, m, 6);
}

uint32_t platform_prober_addr(void)
{
	return platform_guest_addr(0);
}

void platform_guest_cmdline(const struct guest_spec *g, char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &g->addr_be, addr, sizeof(addr));
	snprintf(buf, len, "console=hvc0 quiet ip=%s", addr);
}
