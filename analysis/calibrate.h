/* calibrate.h: fits emu's latency model (emu/latency.c) to the hypervisor
 * operations a real run stored (table hv_ops), operation by operation:
 * each operation's median on an empty host, its growth per 1,000 domains,
 * and its spread, so that emu_latency=FILE replays a real host. */
#ifndef HORDE_CALIBRATE_H
#define HORDE_CALIBRATE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "../emu/emu.h"

/* How one operation's fit came out: rows used, and the domain counts
 * they span. */
struct calibrate_fit {
	uint32_t rows;
	uint32_t min_domains, max_domains;
};

/* Fits the profile named name to run run_id of db (path names it in the
 * profile's source). Fails when the run has no hypervisor operations of
 * its own (emu with a model, or xl) or too few of one. */
int calibrate_run(sqlite3 *db, const char *path, int64_t run_id,
		  const char *name, struct emu_latency *out,
		  struct calibrate_fit fits[XCL_HV_OP_COUNT],
		  struct hd_err *err);

#endif
