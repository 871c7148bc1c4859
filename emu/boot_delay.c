/* boot_delay.c: the modelled guest boot delay, drawn per guest from the
 * plan's distribution with a seeded generator, so that the same plan gives
 * the same delays in the same order of unpause. */
#define _GNU_SOURCE /* M_PI */
#include "emu.h"

#include <math.h>
#include <string.h>

/* splitmix64: small, fast, and good enough for drawing delays. */
static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() below is finite. */
static double next_unit(uint64_t *state)
{
	return ((double)(next_u64(state) >> 11) + 0.5) / 9007199254740992.0;
}

int emu_delay_init(struct emu_delay *d, const char *dist, uint64_t median_ns,
		   uint64_t spread_ns, double sigma, uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	if (strcmp(dist, "fixed") == 0)
		d->dist = EMU_DELAY_FIXED;
	else if (strcmp(dist, "uniform") == 0)
		d->dist = EMU_DELAY_UNIFORM;
	else if (strcmp(dist, "lognormal") == 0)
		d->dist = EMU_DELAY_LOGNORMAL;
	else
		return -1;
	if (d->dist == EMU_DELAY_UNIFORM && spread_ns > median_ns)
		return -1;
	d->median_ns = median_ns;
	d->spread_ns = spread_ns;
	d->sigma = sigma;
	d->state = seed;
	return 0;
}

uint64_t emu_delay_draw(struct emu_delay *d)
{
	switch (d->dist) {
	case EMU_DELAY_FIXED:
		break;
	case EMU_DELAY_UNIFORM: {
		double u = next_unit(&d->state) * 2.0 - 1.0;
		return (uint64_t)((double)d->median_ns + u * (double)d->spread_ns);
	}
	case EMU_DELAY_LOGNORMAL: {
		/* Box-Muller; one of the pair is enough here. */
		double u1 = next_unit(&d->state), u2 = next_unit(&d->state);
		double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
		return (uint64_t)((double)d->median_ns * exp(d->sigma * z));
	}
	}
	return d->median_ns;
}
