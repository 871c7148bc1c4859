/* stats.c: see stats.h. */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double stats_slope(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
	}
	return sxx > 0 ? sxy / sxx : 0.0;
}

#define EXACT_MAX_BITS 22
#define DRAWS 200000

double stats_perm_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;
	double *all = malloc(n * sizeof(*all)), observed = 0, eps;
	uint64_t hits = 0, total = 0;

	if (!all || na == 0 || nb == 0) {
		free(all);
		return 1.0;
	}
	memcpy(all, a, na * sizeof(*a));
	memcpy(all + na, b, nb * sizeof(*b));
	for (size_t i = 0; i < nb; i++)
		observed += b[i];
	/* Sums equal but for rounding count as equal. */
	eps = 1e-9 * (observed < 0 ? -observed : observed) + 1e-12;
	if (n <= EXACT_MAX_BITS) {
		for (uint32_t mask = 0; mask < (1u << n); mask++) {
			if ((size_t)__builtin_popcount(mask) != nb)
				continue;
			double sum = 0;
			for (size_t i = 0; i < n; i++)
				if (mask & (1u << i))
					sum += all[i];
			total++;
			hits += sum >= observed - eps;
		}
	} else {
		uint64_t state = 0x9e3779b97f4a7c15ull;
		for (; total < DRAWS; total++) {
			/* A random group of nb: a partial Fisher-Yates. */
			double sum = 0;
			for (size_t i = 0; i < nb; i++) {
				state = state * 6364136223846793005ull +
					1442695040888963407ull;
				size_t j = i + (size_t)((state >> 33) % (n - i));
				double t = all[i];
				all[i] = all[j];
				all[j] = t;
				sum += all[i];
			}
			hits += sum >= observed - eps;
		}
		hits++, total++; /* the observed split itself */
	}
	free(all);
	return (double)hits / (double)total;
}
