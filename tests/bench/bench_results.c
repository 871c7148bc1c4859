/* bench_results.c: how fast the results store takes rows, through the
 * same calls the runner makes (a guest row and its four phase rows per
 * guest, then its ARP verdict), committed as a run commits them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/results.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/tmp/horde-bench-results.db";
	uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 200000;
	struct results *r;
	struct hd_err err;
	int64_t run;

	unlink(path);
	struct run_meta m = { .plan_path = "bench", .plan_text = "[bench]\n",
			      .job = "bench", .platform = "emu", .profile = "lean",
			      .guests_planned = n, .platform_version = "bench",
			      .modelled = "" };
	if (results_open(path, &r, &err) || results_run_begin(r, &m, &run, &err)) {
		fprintf(stderr, "bench_results: %s\n", err.msg);
		return 1;
	}
	struct xcl_timing t = { .start_ns = 1000, .total_ns = 2000000 };
	for (int p = 0; p < XCL_PHASE_COUNT; p++) {
		t.phase_first_ns[p] = 1000 + (uint64_t)p * 100;
		t.phase_ns[p] = 500000;
		t.phase_calls[p] = 3;
	}
	uint64_t start = hd_now_ns();
	for (uint32_t seq = 1; seq <= n; seq++) {
		char name[32];
		snprintf(name, sizeof(name), "horde-r1-%u", seq);
		struct guest_row g = { .seq = seq, .domid = seq, .name = name,
				       .address = "198.18.0.2",
				       .mac = "00:16:3e:00:00:01",
				       .created_at_ns = seq * 2000000ull,
				       .timing = &t, .unpaused_at_ns = 1 };
		if (results_guest(r, run, &g, &err) ||
		    results_alive(r, run, seq, 100000000, "00:16:3e:00:00:01", 1,
				  NULL, &err) ||
		    results_commit(r, 0, &err)) {
			fprintf(stderr, "bench_results: %s\n", err.msg);
			return 1;
		}
	}
	if (results_commit(r, 1, &err)) {
		fprintf(stderr, "bench_results: %s\n", err.msg);
		return 1;
	}
	double secs = (double)(hd_now_ns() - start) / 1e9;
	/* Rows written: the guest, its 4 phases, and the guest's update. */
	double rows = (double)n * 6;
	printf("guests stored           %u (a guest row, 4 phase rows, an ARP "
	       "update each)\n", n);
	printf("rows a second           %.0f (%.2f s for %.0f rows)\n",
	       rows / secs, secs, rows);
	printf("guests a second         %.0f\n", n / secs);
	results_close(r);
	unlink(path);
	return 0;
}
