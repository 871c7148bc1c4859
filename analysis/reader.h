/* reader.h: opening a results database to read it (report, runs,
 * compare, calibrate), and the checks every reader makes first. */
#ifndef HORDE_READER_H
#define HORDE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/util.h"

struct sqlite3;

/* Opens a results database to read: one clear error when it is missing,
 * empty or not horde's. Read-write when it may be, so that closing the
 * last connection folds the write-ahead log back and leaves no -wal and
 * -shm files beside it; read-only where the file or folder is. */
int reader_open(const char *path, struct sqlite3 **db, struct hd_err *err);

/* HD_ENOENT "PATH: no run ID" unless the database holds run id. */
int reader_check_run(struct sqlite3 *db, const char *path, int64_t id,
		     struct hd_err *err);

/* The host's 1-minute load during a run (the median of the sampler's
 * samples) and its CPUs. Returns false when the run took no samples. A
 * host whose load passed its CPUs ran other work beside horde: the run's
 * times are not comparable with a quiet host's. */
bool reader_host_load(struct sqlite3 *db, int64_t run_id, double *load1,
		      int *cpus);

/* Loads a and b differ by more than READER_LOAD_FACTOR, taken as
 * (1 + a) / (1 + b) either way so that near-idle hosts never differ. */
#define READER_LOAD_FACTOR 2.0
bool reader_loads_differ(double a, double b);

#endif
