/* boot_delay.c: the modelled guest boot delay, drawn per guest from the
 * plan's distribution with a seeded generator, so that the same plan gives
 * the same delays in the same order of unpause. */
#include "emu.h"

#include <math.h>
#include <string.h>

int emu_delay_init(struct emu_delay *d, enum emu_delay_dist dist,
		   uint64_t median_ns, uint64_t spread_ns, double sigma,
		   uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->dist = dist;
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
		double u = hd_rand_unit(&d->state) * 2.0 - 1.0;
		return (uint64_t)((double)d->median_ns + u * (double)d->spread_ns);
	}
	case EMU_DELAY_LOGNORMAL:
		return (uint64_t)((double)d->median_ns *
				  exp(d->sigma * hd_rand_normal(&d->state)));
	}
	return d->median_ns;
}
