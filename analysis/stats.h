/* stats.h: the statistics `horde compare` rests on. Guests within one run
 * form a trend, not independent samples, so the unit is the run: each run
 * is reduced to one number per metric, and the two sides' numbers are
 * compared with a permutation test, which assumes nothing about their
 * distribution. */
#ifndef HORDE_STATS_H
#define HORDE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The median of v (n > 0); v is reordered. */
double stats_median(double *v, size_t n);

/* Least-squares slope of y against x. */
double stats_slope(const double *x, const double *y, size_t n);

/* One-sided permutation test of "b's values are larger than a's": the
 * share of the ways to split a and b's values into groups of their sizes
 * whose second group's sum is at least b's. Exact (every split) when
 * there are at most 2^22 splits, else 200,000 splits drawn with a fixed
 * seed. With 5 runs a side the smallest p is 1/252. */
double stats_perm_p(const double *a, size_t na, const double *b, size_t nb);

#endif
