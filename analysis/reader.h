/* reader.h: opening a results database to read it (report, runs,
 * compare, calibrate), and the checks every reader makes first. */
#ifndef HORDE_READER_H
#define HORDE_READER_H

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

#endif
