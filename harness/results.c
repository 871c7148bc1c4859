/* results.c: see results.h. */
#define _GNU_SOURCE
#include "results.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef HORDE_VERSION
#define HORDE_VERSION "0.1.0"
#endif
#ifndef HORDE_COMMIT
#define HORDE_COMMIT "unknown"
#endif

const char *horde_version(void) { return HORDE_VERSION; }
const char *horde_commit(void) { return HORDE_COMMIT; }

static const char schema_v1[] =
	"CREATE TABLE runs("
	" id INTEGER PRIMARY KEY,"
	" plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, job TEXT NOT NULL,"
	" platform TEXT NOT NULL, profile TEXT NOT NULL,"
	" guests_planned INTEGER NOT NULL,"
	" host TEXT NOT NULL, kernel TEXT NOT NULL,"
	" platform_version TEXT NOT NULL, horde_version TEXT NOT NULL,"
	" git_commit TEXT NOT NULL, modelled TEXT NOT NULL,"
	" started_at TEXT NOT NULL, ended_at TEXT,"
	" status TEXT NOT NULL CHECK(status IN"
	"  ('running','done','failed','interrupted'))"
	") STRICT;"
	"CREATE TABLE guests("
	" run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,"
	" domid INTEGER, name TEXT NOT NULL, address TEXT NOT NULL,"
	" mac TEXT NOT NULL, created_at_ns INTEGER NOT NULL,"
	" create_ns INTEGER NOT NULL, unpaused_at_ns INTEGER,"
	" alive_ns INTEGER, reply_mac TEXT, probes INTEGER, failure TEXT,"
	" PRIMARY KEY(run_id, seq)"
	") STRICT;"
	"CREATE TABLE phases("
	" run_id INTEGER NOT NULL, seq INTEGER NOT NULL, phase TEXT NOT NULL,"
	" start_ns INTEGER NOT NULL, dur_ns INTEGER NOT NULL,"
	" calls INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, seq, phase),"
	" FOREIGN KEY(run_id, seq) REFERENCES guests(run_id, seq)"
	") STRICT;";

/* v2: the host sampler's time series (one row per metric and sample, so
 * that each platform can add its own metrics) and the ARP sweeps. */
static const char schema_v2[] =
	"CREATE TABLE samples("
	" run_id INTEGER NOT NULL REFERENCES runs(id), at_ns INTEGER NOT NULL,"
	" guests INTEGER NOT NULL, source TEXT NOT NULL, metric TEXT NOT NULL,"
	" value REAL NOT NULL"
	") STRICT;"
	"CREATE INDEX samples_by_series ON samples(run_id, source, metric, at_ns);"
	"CREATE TABLE sweeps("
	" run_id INTEGER NOT NULL REFERENCES runs(id), sweep INTEGER NOT NULL,"
	" at_ns INTEGER NOT NULL, guests INTEGER NOT NULL,"
	" probed INTEGER NOT NULL, answered INTEGER NOT NULL,"
	" wrong_mac INTEGER NOT NULL, sent INTEGER NOT NULL,"
	" duration_ns INTEGER NOT NULL, rtt_p50_ns INTEGER, rtt_p90_ns INTEGER,"
	" rtt_p99_ns INTEGER, rtt_max_ns INTEGER,"
	" PRIMARY KEY(run_id, sweep)"
	") STRICT;";

/* v3: a run whose horde died is marked 'crashed' (SQLite cannot change a
 * CHECK, so runs is rebuilt); runs say what host they ran on and which
 * process ran them (pid and boot id, to tell a crashed run from a running
 * one); destruction is timed per phase like creation. */
static const char schema_v3[] =
	"CREATE TABLE runs_v3("
	" id INTEGER PRIMARY KEY,"
	" plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, job TEXT NOT NULL,"
	" platform TEXT NOT NULL, profile TEXT NOT NULL,"
	" guests_planned INTEGER NOT NULL,"
	" host TEXT NOT NULL, kernel TEXT NOT NULL,"
	" platform_version TEXT NOT NULL, horde_version TEXT NOT NULL,"
	" git_commit TEXT NOT NULL, modelled TEXT NOT NULL,"
	" started_at TEXT NOT NULL, ended_at TEXT,"
	" status TEXT NOT NULL CHECK(status IN"
	"  ('running','done','failed','interrupted','crashed')),"
	" cpu_model TEXT NOT NULL DEFAULT '', cpus INTEGER NOT NULL DEFAULT 0,"
	" memory_kib INTEGER NOT NULL DEFAULT 0,"
	" pid INTEGER NOT NULL DEFAULT 0, boot_id TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"INSERT INTO runs_v3(id, plan_path, plan_text, job, platform, profile,"
	" guests_planned, host, kernel, platform_version, horde_version,"
	" git_commit, modelled, started_at, ended_at, status)"
	" SELECT id, plan_path, plan_text, job, platform, profile,"
	" guests_planned, host, kernel, platform_version, horde_version,"
	" git_commit, modelled, started_at, ended_at, status FROM runs;"
	"DROP TABLE runs;"
	"ALTER TABLE runs_v3 RENAME TO runs;"
	"ALTER TABLE guests ADD COLUMN destroyed_at_ns INTEGER;"
	"ALTER TABLE guests ADD COLUMN destroy_ns INTEGER;"
	"CREATE TABLE destroy_phases("
	" run_id INTEGER NOT NULL, seq INTEGER NOT NULL, phase TEXT NOT NULL,"
	" start_ns INTEGER NOT NULL, dur_ns INTEGER NOT NULL,"
	" calls INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, seq, phase),"
	" FOREIGN KEY(run_id, seq) REFERENCES guests(run_id, seq)"
	") STRICT;";

/* v4: what each phase row's time was: modelled_ns, the nominal time a
 * model (emu's hypervisor) charged in the phase, and measured_ns, the time
 * really measured (the phase less the model's sleeps); NULL in rows from
 * before v4, when it was not recorded. retries: XenStore commits retried
 * (on the xenstore row). */
static const char schema_v4[] =
	"ALTER TABLE phases ADD COLUMN modelled_ns INTEGER;"
	"ALTER TABLE phases ADD COLUMN measured_ns INTEGER;"
	"ALTER TABLE phases ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE destroy_phases ADD COLUMN modelled_ns INTEGER;"
	"ALTER TABLE destroy_phases ADD COLUMN measured_ns INTEGER;"
	"ALTER TABLE destroy_phases ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;";

/* Each entry takes the database from version i to i + 1; a database made
 * by an older horde is brought up to date when it is opened. Foreign keys
 * are enforced only after, since a migration may rebuild a table. */
/* v5: runs record their process's start time (clock ticks after boot)
 * beside its pid and boot id, so that a reused pid is never taken for the
 * run's horde; 0 in older rows, where it was not recorded. */
static const char schema_v5[] =
	"ALTER TABLE runs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;";

/* v6: the hypervisor phase operation by operation (libxcl's xcl_hv_op),
 * for creation and destruction: a row for each operation a guest made,
 * with its calls and, where a model stood in for Xen, what it charged. */
static const char schema_v6[] =
	"CREATE TABLE hv_ops("
	" run_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" stage TEXT NOT NULL CHECK(stage IN ('create','destroy')),"
	" op TEXT NOT NULL, dur_ns INTEGER NOT NULL, calls INTEGER NOT NULL,"
	" modelled_ns INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, seq, stage, op),"
	" FOREIGN KEY(run_id, seq) REFERENCES guests(run_id, seq)"
	") STRICT;";

/* v7: what horde itself cost while creating (a ramp with one worker):
 * the creation stage's time outside the platform's calls, and inside
 * them; NULL where it was not measured. */
static const char schema_v7[] =
	"ALTER TABLE runs ADD COLUMN harness_ns INTEGER;"
	"ALTER TABLE runs ADD COLUMN platform_ns INTEGER;";

/* v8: when a run began destroying its guests (from its start; NULL
 * before), so that a resumed run finishes a teardown rather than a ramp;
 * and the cause of a run that failed or stopped for something other than
 * a guest (a daemon of the host died, the database failed), so that it is
 * stored, not only said on standard error. */
static const char schema_v8[] =
	"ALTER TABLE runs ADD COLUMN teardown_ns INTEGER;"
	"ALTER TABLE runs ADD COLUMN cause TEXT;";

static const char *const migrations[] = { schema_v1, schema_v2, schema_v3,
					  schema_v4, schema_v5, schema_v6,
					  schema_v7, schema_v8 };

#define FAILURE_APPEND(v) \
	"CASE WHEN " v " IS NULL THEN failure WHEN failure IS NULL THEN " v \
	" ELSE failure || '; ' || " v " END"

enum stmt { S_GUEST, S_PHASE, S_ALIVE, S_FAILURE, S_SAMPLE, S_SWEEP,
	    S_DESTROYED, S_DESTROY_PHASE, S_HV_OP, S_COUNT };

static const char *const stmt_sql[S_COUNT] = {
	[S_GUEST] = "INSERT INTO guests(run_id, seq, domid, name, address, mac,"
		    " created_at_ns, create_ns, unpaused_at_ns, failure)"
		    " VALUES(?,?,?,?,?,?,?,?,?,?)",
	[S_PHASE] = "INSERT INTO phases(run_id, seq, phase, start_ns, dur_ns,"
		    " calls, modelled_ns, measured_ns, retries)"
		    " VALUES(?,?,?,?,?,?,?,?,?)",
	/* A guest's failures add up: a creation's timeout and the cause dom0
	 * found later are both kept, in the order they were learnt. */
	[S_ALIVE] = "UPDATE guests SET alive_ns=?, reply_mac=?, probes=?,"
		    " failure=" FAILURE_APPEND("?4") " WHERE run_id=? AND seq=?",
	[S_FAILURE] = "UPDATE guests SET failure=" FAILURE_APPEND("?1")
		      " WHERE run_id=? AND seq=?",
	/* Once: a destruction stored already is never rewritten. */
	[S_DESTROYED] = "UPDATE guests SET destroyed_at_ns=?, destroy_ns=?,"
			" failure=" FAILURE_APPEND("?3")
			" WHERE run_id=? AND seq=? AND destroyed_at_ns IS NULL",
	[S_DESTROY_PHASE] = "INSERT INTO destroy_phases(run_id, seq, phase,"
			    " start_ns, dur_ns, calls, modelled_ns, measured_ns,"
			    " retries) VALUES(?,?,?,?,?,?,?,?,?)",
	[S_HV_OP] = "INSERT INTO hv_ops(run_id, seq, stage, op, dur_ns, calls,"
		    " modelled_ns) VALUES(?,?,?,?,?,?,?)",
	[S_SAMPLE] = "INSERT INTO samples(run_id, at_ns, guests, source, metric,"
		     " value) VALUES(?,?,?,?,?,?)",
	[S_SWEEP] = "INSERT INTO sweeps(run_id, sweep, at_ns, guests, probed,"
		    " answered, wrong_mac, sent, duration_ns, rtt_p50_ns,"
		    " rtt_p90_ns, rtt_p99_ns, rtt_max_ns)"
		    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
};

#define ROW_VALUES 13 /* the most a statement takes (S_SWEEP) */

/* One value for a statement's parameter. */
struct row_value {
	enum { V_NULL, V_INT, V_REAL, V_TEXT } type;
	int64_t i;
	double d;
	char *s;  /* V_TEXT: a copy, or a string that lives for ever */
	bool own; /* s is a copy, to free */
};

/* A statement to run at the next commit, with its values: rows are kept
 * in memory and written in one short transaction, so that a horde holds
 * the database's write lock for the milliseconds the writing takes, not
 * for the second between commits, and several hordes can share it. */
struct row {
	enum stmt stmt;
	const char *what; /* for an error: "insert guest" */
	bool one_row;     /* an UPDATE that must change exactly one row: */
	uint32_t seq;     /* the guest's */
	struct row_value v[ROW_VALUES];
};

struct results {
	sqlite3 *db;
	sqlite3_stmt *stmts[S_COUNT];
	struct row *rows; /* waiting for the next commit */
	size_t nrows, caprows;
	bool rows_lost;   /* a value could not be kept: out of memory */
	uint64_t batch_started_ns; /* when the first waiting row came */
	char path[4096];
};

static int db_fail(struct results *r, struct hd_err *err, const char *what)
{
	return hd_fail(err, HD_ESYS, "%s: %s: %s", r->path, what,
		       sqlite3_errmsg(r->db));
}

static int exec(struct results *r, const char *sql, struct hd_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hd_fail(err, HD_ESYS, "%s: %s", r->path, msg ? msg : "?");
		sqlite3_free(msg);
		return HD_ESYS;
	}
	return HD_OK;
}

/* Reads the schema version. Called inside the migration's transaction, so
 * that two hordes opening one new database cannot both apply a step. */
static int schema_version(struct results *r, int *version, struct hd_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &st, NULL))
		return db_fail(r, err, "read schema version");
	*version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return HD_OK;
}

/* Another program's database is not made a horde's: horde's tables, and
 * WAL mode, would change it for good. A new file has no tables, and a
 * horde's has a schema version; both are read in one statement, and a
 * horde making the schema writes both in one transaction. */
static int check_ours(struct results *r, struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc = HD_OK;

	if (sqlite3_prepare_v2(r->db, "SELECT (SELECT user_version FROM "
			       "pragma_user_version), (SELECT count(*) FROM "
			       "sqlite_master)", -1, &st, NULL))
		return db_fail(r, err, "read its schema");
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = db_fail(r, err, "read its schema");
	else if (sqlite3_column_int(st, 0) == 0 && sqlite3_column_int(st, 1) > 0)
		rc = hd_fail(err, HD_EINVAL, "%s: a SQLite database of another "
			     "program (tables, no horde schema version), not a "
			     "horde results database: horde leaves it as it is",
			     r->path);
	sqlite3_finalize(st);
	return rc;
}

/* Applies the missing migrations, each read and applied under one
 * BEGIN IMMEDIATE (the busy timeout makes a second horde wait for it). */
static int migrate(struct results *r, struct hd_err *err)
{
	const int latest = (int)HD_ARRAY_SIZE(migrations);
	int version = 0, rc;

	for (;;) {
		char bump[64];
		if ((rc = exec(r, "BEGIN IMMEDIATE", err)))
			return rc;
		if ((rc = schema_version(r, &version, err)))
			goto rollback;
		if (version > latest) {
			rc = hd_fail(err, HD_EINVAL, "%s: schema version %d is "
				     "newer than this horde knows (%d)",
				     r->path, version, latest);
			goto rollback;
		}
		if (version == latest)
			return exec(r, "COMMIT", err);
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d", version + 1);
		if ((rc = exec(r, migrations[version], err)) ||
		    (rc = exec(r, bump, err)))
			goto rollback;
		if ((rc = exec(r, "COMMIT", err)))
			return rc;
	}
rollback:
	exec(r, "ROLLBACK", NULL);
	return rc;
}

int results_open(const char *path, struct results **out, struct hd_err *err)
{
	struct results *r;
	int rc;

	if (!*path)
		return hd_fail(err, HD_EINVAL, "results database: an empty path "
			       "(SQLite would make a temporary one, lost at "
			       "exit)");
	if (!(r = calloc(1, sizeof(*r))))
		return hd_fail(err, HD_ESYS, "out of memory");
	hd_strlcpy(r->path, path, sizeof(r->path));
	if (sqlite3_open_v2(path, &r->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		rc = db_fail(r, err, "open");
		goto fail;
	}
	sqlite3_busy_timeout(r->db, 5000);
	if ((rc = check_ours(r, err)))
		goto fail;
	/* Turning a new database to WAL needs it to itself, and SQLite says
	 * "database is locked" at once, without the busy handler, while a
	 * second horde opening it holds a lock: try again for as long as the
	 * busy timeout would wait (concurrent_open.sh). */
	uint64_t give_up = hd_now_ns() + 5000000000ull;
	while ((rc = exec(r, "PRAGMA journal_mode=WAL;", err)) &&
	       sqlite3_errcode(r->db) == SQLITE_BUSY && hd_now_ns() < give_up)
		hd_sleep_until_ns(hd_now_ns() + 10000000);
	if (rc ||
	    (rc = exec(r, "PRAGMA synchronous=NORMAL;", err)) ||
	    (rc = migrate(r, err)) ||
	    (rc = exec(r, "PRAGMA foreign_keys=ON;", err)))
		goto fail;
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v2(r->db, stmt_sql[i], -1, &r->stmts[i],
				       NULL)) {
			rc = db_fail(r, err, "prepare");
			goto fail;
		}
	}
	*out = r;
	return HD_OK;
fail:
	results_close(r);
	return rc;
}

static void row_free(struct row *w)
{
	for (int i = 0; i < ROW_VALUES; i++)
		if (w->v[i].own)
			free(w->v[i].s);
}

/* A new row for stmt, to be written at the next commit. */
static struct row *row_add(struct results *r, enum stmt stmt,
			   const char *what, struct hd_err *err)
{
	if (hd_reserve((void **)&r->rows, &r->caprows, sizeof(*r->rows),
		       r->nrows + 1)) {
		hd_fail(err, HD_ESYS, "%s: out of memory", what);
		return NULL;
	}
	if (!r->nrows)
		r->batch_started_ns = hd_now_ns();
	struct row *w = &r->rows[r->nrows++];
	memset(w, 0, sizeof(*w));
	w->stmt = stmt;
	w->what = what;
	return w;
}

/* Parameter n (1-based, as SQLite counts) of row w. */
static void row_int(struct row *w, int n, int64_t v)
{
	w->v[n - 1] = (struct row_value){ .type = V_INT, .i = v };
}

static void row_real(struct row *w, int n, double v)
{
	w->v[n - 1] = (struct row_value){ .type = V_REAL, .d = v };
}

/* A text value (NULL: SQL's NULL), copied unless it lives for ever (a
 * string literal, a name from a table). */
static void row_text(struct results *r, struct row *w, int n, const char *v,
		     bool lives)
{
	if (!v)
		return;
	char *s = lives ? (char *)v : strdup(v);
	if (!s)
		r->rows_lost = true;
	else
		w->v[n - 1] = (struct row_value){ .type = V_TEXT, .s = s,
						  .own = !lives };
}

/* Runs one waiting row's statement. */
static int row_write(struct results *r, const struct row *w,
		     struct hd_err *err)
{
	sqlite3_stmt *st = r->stmts[w->stmt];
	for (int i = 0; i < ROW_VALUES; i++) {
		const struct row_value *v = &w->v[i];
		if (v->type == V_INT)
			sqlite3_bind_int64(st, i + 1, v->i);
		else if (v->type == V_REAL)
			sqlite3_bind_double(st, i + 1, v->d);
		else if (v->type == V_TEXT)
			sqlite3_bind_text(st, i + 1, v->s, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK : db_fail(r, err, w->what);
	if (!rc && w->one_row && sqlite3_changes(r->db) != 1)
		rc = hd_fail(err, HD_EINVAL, "%s: %s of guest %u: stored "
			     "already, or no such guest", r->path, w->what,
			     w->seq);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static void drop_rows(struct results *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		row_free(&r->rows[i]);
	r->nrows = 0;
	r->rows_lost = false;
}

/* Writes every waiting row in one transaction, taken IMMEDIATE so that
 * the write lock is waited for under the busy timeout; rows that could
 * not get it wait for the next commit. A row that fails does not keep the
 * others out: they are written, and the first error is returned. */
static int flush(struct results *r, struct hd_err *err)
{
	struct hd_err e2;
	int rc = HD_OK;

	if (r->rows_lost)
		rc = hd_fail(err, HD_ESYS, "%s: out of memory: rows lost",
			     r->path);
	r->rows_lost = false;
	if (!r->nrows)
		return rc;
	if (exec(r, "BEGIN IMMEDIATE", rc ? &e2 : err))
		return rc ? rc : err->code;
	for (size_t i = 0; i < r->nrows; i++)
		if (row_write(r, &r->rows[i], rc ? &e2 : err) && !rc)
			rc = err->code;
	if (exec(r, "COMMIT", rc ? &e2 : err)) {
		exec(r, "ROLLBACK", NULL);
		rc = rc ? rc : err->code;
	}
	drop_rows(r);
	return rc;
}

int results_commit(struct results *r, int force, struct hd_err *err)
{
	if (r->nrows && !force &&
	    hd_now_ns() - r->batch_started_ns < 1000000000ull)
		return HD_OK;
	return flush(r, err);
}

void results_close(struct results *r)
{
	struct hd_err ignored;
	if (!r)
		return;
	if (r->db)
		flush(r, &ignored);
	free(r->rows);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(r->stmts[i]);
	sqlite3_close(r->db);
	free(r);
}

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The first line of path that starts with key, after "key<spaces>:". */
static void proc_field(const char *path, const char *key, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)) != 0)
			continue;
		char *v = strchr(line, ':');
		if (!v)
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = '\0';
		hd_strlcpy(out, v, len);
		break;
	}
	fclose(f);
}

int results_run_begin(struct results *r, const struct run_meta *m,
		      int64_t *run_id, struct hd_err *err)
{
	char cpu[256], mem[64];
	struct utsname u;
	struct hd_proc self;
	char started[32];
	sqlite3_stmt *st;
	int rc;

	uname(&u);
	utc_now(started, sizeof(started));
	if ((rc = results_commit(r, 1, err)))
		return rc;
	if (sqlite3_prepare_v2(r->db,
			       "INSERT INTO runs(plan_path, plan_text, job,"
			       " platform, profile, guests_planned, host, kernel,"
			       " platform_version, horde_version, git_commit,"
			       " modelled, started_at, status, cpu_model, cpus,"
			       " memory_kib, pid, boot_id, pid_start)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,'running',"
			       " ?,?,?,?,?,?)",
			       -1, &st, NULL))
		return db_fail(r, err, "prepare run");
	sqlite3_bind_text(st, 1, m->plan_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->plan_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->job, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->platform, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->profile, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, m->guests_planned);
	sqlite3_bind_text(st, 7, u.nodename, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, u.release, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, m->platform_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, horde_version(), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, horde_commit(), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, m->modelled, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, started, -1, SQLITE_TRANSIENT);
	proc_field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	proc_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
	if (hd_proc_of(getpid(), &self))
		memset(&self, 0, sizeof(self));
	sqlite3_bind_text(st, 14, cpu, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 15, sysconf(_SC_NPROCESSORS_ONLN));
	sqlite3_bind_int64(st, 16, atoll(mem));
	sqlite3_bind_int64(st, 17, getpid());
	sqlite3_bind_text(st, 18, self.boot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 19, (int64_t)self.start);
	rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK : db_fail(r, err, "insert run");
	sqlite3_finalize(st);
	*run_id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

/* A guest's four phase rows (creation's or destruction's). start_ns: the
 * first entry into the phase, from the start of the whole operation. */
static int add_phases(struct results *r, enum stmt stmt, int64_t run_id,
		      uint32_t seq, const struct xcl_timing *t,
		      struct hd_err *err)
{
	for (int p = 0; p < XCL_PHASE_COUNT; p++) {
		uint64_t first = t->phase_first_ns[p];
		struct row *w = row_add(r, stmt, "insert phase", err);
		if (!w)
			return err->code;
		row_int(w, 1, run_id);
		row_int(w, 2, seq);
		row_text(r, w, 3, xcl_phase_name((enum xcl_phase)p), true);
		row_int(w, 4, first ? (int64_t)(first - t->start_ns) : 0);
		row_int(w, 5, (int64_t)t->phase_ns[p]);
		row_int(w, 6, t->phase_calls[p]);
		row_int(w, 7, (int64_t)t->phase_modelled_ns[p]);
		row_int(w, 8, (int64_t)(t->phase_ns[p] - t->phase_slept_ns[p]));
		row_int(w, 9, p == XCL_PHASE_XENSTORE ? t->commit_retries : 0);
	}
	return HD_OK;
}

/* A row for each hypervisor operation the guest's creation or
 * destruction made. */
static int add_hv_ops(struct results *r, int64_t run_id, uint32_t seq,
		      const char *stage, const struct xcl_timing *t,
		      struct hd_err *err)
{
	for (int op = 0; op < XCL_HV_OP_COUNT; op++) {
		if (!t->op_calls[op])
			continue;
		struct row *w = row_add(r, S_HV_OP, "insert hypervisor operation",
					err);
		if (!w)
			return err->code;
		row_int(w, 1, run_id);
		row_int(w, 2, seq);
		row_text(r, w, 3, stage, true);
		row_text(r, w, 4, xcl_hv_op_name((enum xcl_hv_op)op), true);
		row_int(w, 5, (int64_t)t->op_ns[op]);
		row_int(w, 6, t->op_calls[op]);
		row_int(w, 7, (int64_t)t->op_modelled_ns[op]);
	}
	return HD_OK;
}

int results_destroyed(struct results *r, int64_t run_id, uint32_t seq,
		      uint64_t at_ns, const struct xcl_timing *t,
		      const char *failure, struct hd_err *err)
{
	struct row *w = row_add(r, S_DESTROYED, "store destruction", err);
	int rc;

	if (!w)
		return err->code;
	w->one_row = true;
	w->seq = seq;
	row_int(w, 1, (int64_t)at_ns);
	row_int(w, 2, (int64_t)t->total_ns);
	row_text(r, w, 3, failure, false);
	row_int(w, 4, run_id);
	row_int(w, 5, seq);
	if ((rc = add_phases(r, S_DESTROY_PHASE, run_id, seq, t, err)))
		return rc;
	return add_hv_ops(r, run_id, seq, "destroy", t, err);
}

int results_guest(struct results *r, int64_t run_id, const struct guest_row *g,
		  struct hd_err *err)
{
	const struct xcl_timing *t = g->timing;
	struct row *w = row_add(r, S_GUEST, "insert guest", err);
	int rc;

	if (!w)
		return err->code;
	row_int(w, 1, run_id);
	row_int(w, 2, g->seq);
	if (g->domid >= 0)
		row_int(w, 3, g->domid);
	row_text(r, w, 4, g->name, false);
	row_text(r, w, 5, g->address, false);
	row_text(r, w, 6, g->mac, false);
	row_int(w, 7, (int64_t)g->created_at_ns);
	row_int(w, 8, (int64_t)t->total_ns);
	if (g->unpaused_at_ns)
		row_int(w, 9, (int64_t)g->unpaused_at_ns);
	row_text(r, w, 10, g->failure, false);
	if (g->failure)
		return HD_OK;
	if ((rc = add_phases(r, S_PHASE, run_id, g->seq, t, err)))
		return rc;
	return add_hv_ops(r, run_id, g->seq, "create", t, err);
}

int results_alive(struct results *r, int64_t run_id, uint32_t seq,
		  int64_t alive_ns, const char *reply_mac, uint32_t probes,
		  const char *failure, struct hd_err *err)
{
	struct row *w = row_add(r, S_ALIVE, "update guest", err);

	if (!w)
		return err->code;
	if (alive_ns >= 0)
		row_int(w, 1, alive_ns);
	row_text(r, w, 2, reply_mac, false);
	row_int(w, 3, probes);
	row_text(r, w, 4, failure, false);
	row_int(w, 5, run_id);
	row_int(w, 6, seq);
	return HD_OK;
}

int results_failure(struct results *r, int64_t run_id, uint32_t seq,
		    const char *failure, struct hd_err *err)
{
	struct row *w = row_add(r, S_FAILURE, "store guest failure", err);

	if (!w)
		return err->code;
	row_text(r, w, 1, failure, false);
	row_int(w, 2, run_id);
	row_int(w, 3, seq);
	return HD_OK;
}

int results_sample(struct results *r, int64_t run_id, uint64_t at_ns,
		   uint32_t guests, const char *source, const char *metric,
		   double value, struct hd_err *err)
{
	struct row *w = row_add(r, S_SAMPLE, "insert sample", err);

	if (!w)
		return err->code;
	row_int(w, 1, run_id);
	row_int(w, 2, (int64_t)at_ns);
	row_int(w, 3, guests);
	row_text(r, w, 4, source, false);
	row_text(r, w, 5, metric, false);
	row_real(w, 6, value);
	return HD_OK;
}

int results_sweep(struct results *r, int64_t run_id, const struct sweep_row *sw,
		  struct hd_err *err)
{
	struct row *w = row_add(r, S_SWEEP, "insert sweep", err);

	if (!w)
		return err->code;
	row_int(w, 1, run_id);
	row_int(w, 2, sw->sweep);
	row_int(w, 3, (int64_t)sw->at_ns);
	row_int(w, 4, sw->guests);
	row_int(w, 5, sw->probed);
	row_int(w, 6, sw->answered);
	row_int(w, 7, sw->wrong_mac);
	row_int(w, 8, (int64_t)sw->sent);
	row_int(w, 9, (int64_t)sw->duration_ns);
	if (sw->answered) {
		row_int(w, 10, (int64_t)sw->rtt_p50_ns);
		row_int(w, 11, (int64_t)sw->rtt_p90_ns);
		row_int(w, 12, (int64_t)sw->rtt_p99_ns);
		row_int(w, 13, (int64_t)sw->rtt_max_ns);
	}
	return HD_OK;
}

/* Whether the process that ran a run is still running. A row from
 * before v5 has no start time: then any live process of that pid in the
 * same boot counts, so that a live run is never marked crashed. */
static bool run_alive(int64_t pid, const char *boot, int64_t start)
{
	struct hd_proc p = { .pid = pid, .start = (unsigned long long)start };
	if (start == 0 && hd_proc_of(pid, &p))
		return false;
	hd_strlcpy(p.boot, boot ? boot : "", sizeof(p.boot));
	return hd_proc_alive(&p);
}

int results_mark_crashed(struct results *r, int64_t *ids, size_t max,
			 size_t *n, struct hd_err *err)
{
	struct utsname u;
	sqlite3_stmt *st;
	int rc = HD_OK;

	*n = 0;
	uname(&u);
	if ((rc = results_commit(r, 1, err)))
		return rc;
	if (sqlite3_prepare_v2(r->db, "SELECT id, pid, boot_id, pid_start FROM"
			       " runs WHERE status = 'running' AND host = ?",
			       -1, &st, NULL))
		return db_fail(r, err, "find unfinished runs");
	sqlite3_bind_text(st, 1, u.nodename, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW && *n < max) {
		if (!run_alive(sqlite3_column_int64(st, 1),
			       (const char *)sqlite3_column_text(st, 2),
			       sqlite3_column_int64(st, 3)))
			ids[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < *n && !rc; i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "UPDATE runs SET status = 'crashed'"
			 " WHERE id = %lld", (long long)ids[i]);
		rc = exec(r, sql, err);
	}
	return rc;
}

/* Who holds a run another horde took first: its status and pid. */
static int run_holder(struct results *r, int64_t run_id, struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(r->db, "SELECT status, pid FROM runs WHERE id = ?",
			       -1, &st, NULL))
		return db_fail(r, err, "read run");
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = hd_fail(err, HD_ENOENT, "%s: no run %lld", r->path,
			     (long long)run_id);
	else if (strcmp((const char *)sqlite3_column_text(st, 0), "running") == 0)
		rc = hd_fail(err, HD_EINVAL, "run %lld is being resumed by another "
			     "horde (pid %lld)", (long long)run_id,
			     (long long)sqlite3_column_int64(st, 1));
	else
		rc = hd_fail(err, HD_EINVAL, "run %lld is %s: only a crashed or "
			     "interrupted run can be resumed", (long long)run_id,
			     sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

int results_run_resume(struct results *r, int64_t run_id, struct hd_err *err)
{
	char sql[320];
	struct hd_proc self;
	sqlite3_stmt *st;

	if (hd_proc_of(getpid(), &self))
		memset(&self, 0, sizeof(self));
	int rc = results_commit(r, 1, err);
	if (rc)
		return rc;
	/* One statement claims the run: of two hordes resuming it at once,
	 * one changes its row and the other finds it running. */
	snprintf(sql, sizeof(sql), "UPDATE runs SET status = 'running',"
		 " ended_at = NULL, pid = %d, boot_id = ?, pid_start = %llu"
		 " WHERE id = %lld AND status IN ('crashed', 'interrupted')",
		 (int)getpid(), (unsigned long long)self.start,
		 (long long)run_id);
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL))
		return db_fail(r, err, "resume run");
	sqlite3_bind_text(st, 1, self.boot, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK : db_fail(r, err, "resume run");
	sqlite3_finalize(st);
	if (!rc && sqlite3_changes(r->db) != 1)
		rc = run_holder(r, run_id, err);
	return rc;
}

int results_run_info(struct results *r, int64_t run_id,
		     struct stored_run *out, struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc = HD_OK;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(r->db, "SELECT plan_path, plan_text, job, status,"
			       " teardown_ns IS NOT NULL, (SELECT coalesce("
			       "max(sweep), 0) FROM sweeps WHERE run_id = id)"
			       " FROM runs WHERE id = ?", -1, &st, NULL))
		return db_fail(r, err, "read run");
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = hd_fail(err, HD_ENOENT, "%s: no run %lld", r->path,
			     (long long)run_id);
	} else {
		out->plan_path = strdup((const char *)sqlite3_column_text(st, 0));
		out->plan_text = strdup((const char *)sqlite3_column_text(st, 1));
		hd_strlcpy(out->job, (const char *)sqlite3_column_text(st, 2),
			   sizeof(out->job));
		hd_strlcpy(out->status, (const char *)sqlite3_column_text(st, 3),
			   sizeof(out->status));
		out->tearing_down = sqlite3_column_int(st, 4);
		out->sweeps = (uint32_t)sqlite3_column_int64(st, 5);
		if (!out->plan_path || !out->plan_text)
			rc = hd_fail(err, HD_ESYS, "out of memory");
	}
	sqlite3_finalize(st);
	return rc;
}

int results_run_guests(struct results *r, int64_t run_id,
		       struct stored_guest *out, size_t max, size_t *n,
		       struct hd_err *err)
{
	sqlite3_stmt *st;

	*n = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT seq, domid, alive_ns,"
			       " created_at_ns, failure IS NOT NULL,"
			       " destroyed_at_ns IS NOT NULL FROM guests"
			       " WHERE run_id = ? ORDER BY seq", -1, &st, NULL))
		return db_fail(r, err, "read the run's guests");
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW && *n < max) {
		struct stored_guest *g = &out[(*n)++];
		g->seq = (uint32_t)sqlite3_column_int64(st, 0);
		g->domid = sqlite3_column_type(st, 1) == SQLITE_NULL
				   ? -1 : sqlite3_column_int64(st, 1);
		g->alive = sqlite3_column_type(st, 2) != SQLITE_NULL;
		g->created_at_ns = (uint64_t)sqlite3_column_int64(st, 3);
		g->verdict = g->alive || sqlite3_column_int(st, 4);
		g->destroyed = sqlite3_column_int(st, 5);
	}
	sqlite3_finalize(st);
	return HD_OK;
}

int results_run_teardown(struct results *r, int64_t run_id, uint64_t at_ns,
			 struct hd_err *err)
{
	sqlite3_stmt *st;
	int rc = results_commit(r, 1, err);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(r->db, "UPDATE runs SET teardown_ns=? WHERE id=?"
			       " AND teardown_ns IS NULL", -1, &st, NULL))
		return db_fail(r, err, "prepare teardown");
	sqlite3_bind_int64(st, 1, (int64_t)at_ns);
	sqlite3_bind_int64(st, 2, run_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK : db_fail(r, err, "teardown");
	sqlite3_finalize(st);
	return rc;
}

int results_run_overhead(struct results *r, int64_t run_id,
			 uint64_t harness_ns, uint64_t platform_ns,
			 struct hd_err *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "UPDATE runs SET harness_ns=?, "
			       "platform_ns=? WHERE id=?", -1, &st, NULL))
		return db_fail(r, err, "prepare overhead");
	sqlite3_bind_int64(st, 1, (int64_t)harness_ns);
	sqlite3_bind_int64(st, 2, (int64_t)platform_ns);
	sqlite3_bind_int64(st, 3, run_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK
						 : db_fail(r, err, "store overhead");
	sqlite3_finalize(st);
	return rc;
}

int results_run_end(struct results *r, int64_t run_id, const char *status,
		    const char *cause, struct hd_err *err)
{
	char ended[32];
	sqlite3_stmt *st;
	int rc;

	utc_now(ended, sizeof(ended));
	/* A batch that cannot be committed (a full disk) is lost, but the
	 * run's end is still written on its own: a run must not stay
	 * 'running' after its horde said how it ended. */
	int batch_rc = results_commit(r, 1, err);
	if (batch_rc) {
		drop_rows(r);
		status = "failed";
		cause = err->msg;
	}
	if (sqlite3_prepare_v2(r->db, "UPDATE runs SET status=?, ended_at=?,"
			       " cause=? WHERE id=?", -1, &st, NULL))
		return batch_rc ? batch_rc : db_fail(r, err, "prepare run end");
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ended, -1, SQLITE_TRANSIENT);
	if (cause)
		sqlite3_bind_text(st, 3, cause, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, run_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? HD_OK : db_fail(r, err, "end run");
	sqlite3_finalize(st);
	return batch_rc ? batch_rc : rc;
}

sqlite3 *results_db(struct results *r)
{
	return r->db;
}
