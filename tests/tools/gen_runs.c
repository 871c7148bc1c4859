/* gen_runs.c: results databases with known distributions, for testing
 * `horde compare`: each run's guests take base_ms x a run factor (normal,
 * sd run_noise, the run-to-run noise) x a guest factor (normal, sd
 * guest_noise), times (1 + shift), plus slope_ms per 1,000 guests pivoted
 * at the middle of the run (so that a slope alone leaves the median
 * where it was). Written through the results store, as a run writes. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/results.h"

struct gen_params {
	uint32_t runs, guests;
	double base_ms, shift, slope_ms, run_noise, guest_noise;
	uint32_t failures; /* per run */
	double load1;      /* the host's load in 3 samples a run; < 0: none */
	uint64_t seed;
	const char *platform;
};

static int gen_runs(const char *path, const struct gen_params *p,
		    struct hd_err *err)
{
	struct results *r;
	uint64_t s = p->seed;
	int rc;

	unlink(path);
	if ((rc = results_open(path, &r, err)))
		return rc;
	struct run_meta m = { .plan_path = "gen.plan", .plan_text = "[gen]\n",
			      .job = "gen", .platform = p->platform,
			      .profile = "lean", .guests_planned = p->guests,
			      .platform_version = "generated", .modelled = "all" };
	for (uint32_t k = 0; k < p->runs && !rc; k++) {
		int64_t run;
		double factor = 1.0 + p->run_noise * hd_rand_normal(&s);
		uint64_t at = 0;
		if ((rc = results_run_begin(r, &m, &run, err)))
			break;
		for (uint32_t seq = 1; seq <= p->guests && !rc; seq++) {
			double ms = p->base_ms * factor *
					    (1.0 + p->guest_noise * hd_rand_normal(&s)) *
					    (1.0 + p->shift) +
				    p->slope_ms * ((double)seq - p->guests / 2.0) / 1000.0;
			struct xcl_timing t = { .total_ns = (uint64_t)(ms * 1e6) };
			t.phase_ns[XCL_PHASE_HYPERVISOR] = t.total_ns;
			char name[32];
			snprintf(name, sizeof(name), "g%u", seq);
			bool failed = seq > p->guests - p->failures;
			struct guest_row g = { .seq = seq, .domid = failed ? -1 : (int64_t)seq,
					       .name = name, .address = "198.18.0.2",
					       .mac = "00:16:3e:00:00:01",
					       .created_at_ns = at, .timing = &t,
					       .unpaused_at_ns = at + t.total_ns,
					       .failure = failed ? "generated" : NULL };
			at += t.total_ns;
			rc = results_guest(r, run, &g, err);
			if (!rc && !failed)
				rc = results_alive(r, run, seq,
						   (int64_t)(100e6 * (1 + 0.01 * hd_rand_normal(&s))),
						   "00:16:3e:00:00:01", 1, NULL, err);
		}
		for (int k = 0; k < 3 && !rc && p->load1 >= 0; k++)
			rc = results_sample(r, run, at * k / 2, p->guests * k / 2,
					    "host", "load1", p->load1, err);
		if (!rc)
			rc = results_run_end(r, run, "done", NULL, err);
	}
	results_close(r);
	return rc;
}

#ifndef GEN_RUNS_NO_MAIN
int main(int argc, char **argv)
{
	struct gen_params p = { .runs = 5, .guests = 300, .base_ms = 2,
				.run_noise = 0.02, .guest_noise = 0.1,
				.seed = 1, .platform = "emu", .load1 = -1 };
	struct hd_err err;
	int opt;

	while ((opt = getopt(argc, argv, "r:g:b:s:l:n:f:S:p:L:")) != -1) {
		switch (opt) {
		case 'r': p.runs = (uint32_t)atoi(optarg); break;
		case 'g': p.guests = (uint32_t)atoi(optarg); break;
		case 'b': p.base_ms = atof(optarg); break;
		case 's': p.shift = atof(optarg); break;
		case 'l': p.slope_ms = atof(optarg); break;
		case 'n': p.run_noise = atof(optarg); break;
		case 'f': p.failures = (uint32_t)atoi(optarg); break;
		case 'S': p.seed = strtoull(optarg, NULL, 10); break;
		case 'p': p.platform = optarg; break;
		case 'L': p.load1 = atof(optarg); break;
		default:
			fprintf(stderr, "usage: gen_runs [-r runs] [-g guests] "
				"[-b base_ms] [-s shift] [-l slope_ms] [-n "
				"run_noise] [-f failures] [-S seed] [-p platform] "
				"[-L host_load] DB\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "gen_runs: one database path\n");
		return 2;
	}
	if (gen_runs(argv[optind], &p, &err)) {
		fprintf(stderr, "gen_runs: %s\n", err.msg);
		return 1;
	}
	return 0;
}
#endif
