/* reader.c: see reader.h. */
#include "reader.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

/* A database in WAL mode is read through its -shm file, made beside it
 * when missing: in a read-only folder (an archive, a read-only mount)
 * it cannot be. With no -wal file there either, every row is in the
 * database file itself, and no horde can be writing it (a writer's -wal
 * would be there), so it is opened as immutable, without the -shm. */
static int open_immutable(const char *path, sqlite3 **db, struct hd_err *err)
{
	char wal[PATH_MAX + 8], uri[3 * PATH_MAX + 32], *u = uri;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (access(wal, F_OK) == 0)
		return hd_fail(err, HD_EINVAL, "%s: in a folder horde cannot "
			       "write, with rows still in %s: copy both to a "
			       "writable folder to read them", path, wal);
	if (strlen(path) >= PATH_MAX)
		return hd_fail(err, HD_EINVAL, "%s: path too long", path);
	u += sprintf(u, "file:");
	for (const char *c = path; *c; c++)
		u += strchr("?#%", *c) ? sprintf(u, "%%%02X", *c)
				       : sprintf(u, "%c", *c);
	sprintf(u, "?immutable=1");
	sqlite3_close(*db);
	if (sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			    NULL))
		return hd_fail(err, HD_ESYS, "%s: %s", path, sqlite3_errmsg(*db));
	return HD_OK;
}

int reader_open(const char *path, sqlite3 **db, struct hd_err *err)
{
	static const char *const has_runs = "SELECT 1 FROM sqlite_master WHERE "
					    "type = 'table' AND name = 'runs'";
	struct stat st;
	sqlite3_stmt *q;

	*db = NULL;
	if (stat(path, &st) != 0)
		return hd_fail_errno(err, HD_ENOENT, "%s", path);
	if (st.st_size == 0)
		return hd_fail(err, HD_EINVAL, "%s: empty, not a horde results "
			       "database", path);
	bool read_only = false;
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY ||
	    access(path, W_OK) != 0) {
		sqlite3_close(*db);
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
		read_only = true;
	}
	if (rc) {
		hd_fail(err, HD_ESYS, "%s: %s", path, sqlite3_errmsg(*db));
		goto fail;
	}
	sqlite3_busy_timeout(*db, 5000);
	rc = sqlite3_prepare_v2(*db, has_runs, -1, &q, NULL);
	if (rc == SQLITE_CANTOPEN && read_only) {
		if (open_immutable(path, db, err))
			goto fail;
		rc = sqlite3_prepare_v2(*db, has_runs, -1, &q, NULL);
	}
	if (rc) {
		if (rc == SQLITE_NOTADB)
			hd_fail(err, HD_EINVAL, "%s: not a horde results "
				"database (%s)", path, sqlite3_errmsg(*db));
		else
			hd_fail(err, HD_ESYS, "%s: %s", path,
				sqlite3_errmsg(*db));
		goto fail;
	}
	bool ours = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (!ours) {
		hd_fail(err, HD_EINVAL, "%s: not a horde results database (no "
			"runs table)", path);
		goto fail;
	}
	return HD_OK;
fail:
	sqlite3_close(*db);
	*db = NULL;
	return err->code;
}

int reader_check_run(sqlite3 *db, const char *path, int64_t id,
		     struct hd_err *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = ?", -1, &st,
			       NULL))
		return hd_fail(err, HD_ESYS, "query runs: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found ? HD_OK : hd_fail(err, HD_ENOENT, "%s: no run %lld", path,
				       (long long)id);
}


bool reader_host_load(sqlite3 *db, int64_t run_id, double *load1, int *cpus)
{
	sqlite3_stmt *st;
	bool found = false;
	const char *sql =
		"SELECT value, (SELECT cpus FROM runs WHERE id = ?1) FROM samples"
		" WHERE run_id = ?1 AND source = 'host' AND metric = 'load1'"
		" ORDER BY value LIMIT 1 OFFSET (SELECT (count(*) - 1) / 2 FROM"
		" samples WHERE run_id = ?1 AND source = 'host' AND"
		" metric = 'load1')";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return false;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*load1 = sqlite3_column_double(st, 0);
		*cpus = sqlite3_column_int(st, 1);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

bool reader_loads_differ(double a, double b)
{
	double hi = a > b ? a : b, lo = a > b ? b : a;
	return (1.0 + hi) / (1.0 + lo) > READER_LOAD_FACTOR;
}
