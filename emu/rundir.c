/* rundir.c: the emulated host's run folder, and cleaning up after hordes
 * that died.
 *
 * A run folder (TMPDIR/horde-XXXXXX) holds the store's socket and a record
 * of what its horde made, written as it makes it:
 *
 *   horde PID START BOOT      the horde itself
 *   netns NAME                the network namespace, before it is made
 *   daemon NAME PID START     each daemon, once started
 *
 * A process is known by its pid, start time and boot (struct hd_proc),
 * never by its name. `horde clean` touches only what a dead horde of this
 * boot recorded, and says what it left alone: a live horde's folder and
 * namespace, daemons nobody dead recorded (one started by hand, another
 * user's). The folder is made before the namespace and removed after it,
 * so a namespace whose horde died has a record, unless someone removed the
 * folder: such a namespace is removed only when no running process of its
 * pid can have made it. */
#define _GNU_SOURCE
#include "emu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_FILE "owner"
#define MAX_DAEMONS 4

struct record {
	struct hd_proc horde;
	char netns[32];
	struct {
		char name[32];
		struct hd_proc proc;
	} daemons[MAX_DAEMONS];
	size_t ndaemons;
};

static int append(const char *dir, const char *line, bool create,
		  struct hd_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/" RECORD_FILE, dir);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC |
				    (create ? O_CREAT | O_EXCL : 0), 0644);
	size_t len = strlen(line);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len) {
		int rc = hd_fail_errno(err, HD_ESYS, "write %s", path);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	return HD_OK;
}

int emu_rundir_make(char *dir, size_t len, const char *netns,
		    struct hd_err *err)
{
	struct hd_proc self;
	char line[160];
	int rc;

	if ((rc = hd_mkdtemp(dir, len, "horde-", err)))
		return rc;
	if (hd_proc_of(getpid(), &self))
		return hd_fail(err, HD_ESYS, "read this process's start time");
	snprintf(line, sizeof(line), "horde %lld %llu %s\nnetns %s\n", self.pid,
		 self.start, self.boot, netns);
	return append(dir, line, true, err);
}

int emu_rundir_add_daemon(const char *dir, const char *name, pid_t pid,
			  struct hd_err *err)
{
	struct hd_proc d;
	char line[128];

	if (hd_proc_of(pid, &d))
		return hd_fail(err, HD_ESYS, "%s (pid %d) is gone", name, (int)pid);
	snprintf(line, sizeof(line), "daemon %s %lld %llu\n", name, d.pid,
		 d.start);
	return append(dir, line, false, err);
}

/* A folder of the run's that only emu writes in, with all it holds. */
static void remove_own_folder(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 300];
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

void emu_rundir_remove(const char *dir)
{
	static const char *const files[] = { RECORD_FILE, "xenstored.sock",
					     "xenstored.stats",
					     "xenstored.stats.tmp" };
	/* Xen's own daemons: the Xen they saw, their socket and files. */
	static const char *const folders[] = { EMU_XEN_STATE_DIR,
					       EMU_XSD_RUN_DIR };
	char path[PATH_MAX + 32];
	for (size_t i = 0; i < HD_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	for (size_t i = 0; i < HD_ARRAY_SIZE(folders); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, folders[i]);
		remove_own_folder(path);
	}
	rmdir(dir);
}

/* Reads a run folder's record; -1 when dir is not a run folder. A record
 * of an older horde holds only its pid: its start is then unknown (0). */
static int read_record(const char *dir, struct record *r)
{
	char path[PATH_MAX + 16], line[256];
	snprintf(path, sizeof(path), "%s/" RECORD_FILE, dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	memset(r, 0, sizeof(*r));
	while (fgets(line, sizeof(line), f)) {
		long long pid;
		unsigned long long start;
		char word[40], boot[40];
		if (sscanf(line, "horde %lld %llu %39s", &pid, &start, boot) == 3) {
			r->horde = (struct hd_proc){ .pid = pid, .start = start };
			hd_strlcpy(r->horde.boot, boot, sizeof(r->horde.boot));
		} else if (sscanf(line, "netns %31s", word) == 1) {
			hd_strlcpy(r->netns, word, sizeof(r->netns));
		} else if (sscanf(line, "daemon %31s %lld %llu", word, &pid,
				  &start) == 3 && r->ndaemons < MAX_DAEMONS) {
			hd_strlcpy(r->daemons[r->ndaemons].name, word,
				   sizeof(r->daemons[0].name));
			r->daemons[r->ndaemons++].proc =
				(struct hd_proc){ .pid = pid, .start = start };
		} else if (sscanf(line, "%lld", &pid) == 1) {
			r->horde.pid = pid; /* an older horde's record */
		}
	}
	fclose(f);
	return 0;
}

/* Whether the horde a record names is running: by pid, start and boot; an
 * older record, without a start, by its pid alone, so that a live run is
 * never taken for dead. */
static bool record_alive(const struct record *r)
{
	struct hd_proc now;
	if (!r->horde.start)
		return hd_proc_of(r->horde.pid, &now) == 0;
	return hd_proc_alive(&r->horde);
}

/* A recorded daemon, of this boot like its horde. */
static bool daemon_alive(const struct record *r, size_t i)
{
	struct hd_proc p = r->daemons[i].proc;
	hd_strlcpy(p.boot, r->horde.boot, sizeof(p.boot));
	return r->horde.start && hd_proc_alive(&p);
}

static bool remove_netns(const char *netns_dir, const char *name, FILE *log)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", netns_dir, name);
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return false;
	fprintf(log, "removed network namespace %s\n", name);
	return true;
}

/* When process pid started, in seconds since the epoch; 0 if it is gone. */
static time_t started_at(long long pid)
{
	static long long btime;
	struct hd_proc p;
	char line[128];

	if (!btime) {
		FILE *f = fopen("/proc/stat", "re");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "btime %lld", &btime) == 1)
				break;
		if (f)
			fclose(f);
	}
	if (hd_proc_of(pid, &p))
		return 0;
	return (time_t)(btime + (long long)(p.start / (unsigned long long)
						   sysconf(_SC_CLK_TCK)));
}

/* What the run folders account for: namespaces, and daemons' pids. */
struct seen {
	char (*names)[32];
	size_t n, cap;
	long long *pids;
	size_t npids, cappids;
};

static bool seen_has(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return true;
	return false;
}

static void seen_add(struct seen *s, const char *name)
{
	if (!hd_reserve((void **)&s->names, &s->cap, sizeof(*s->names), s->n + 1))
		hd_strlcpy(s->names[s->n++], name, sizeof(s->names[0]));
}

static void seen_add_pid(struct seen *s, long long pid)
{
	if (!hd_reserve((void **)&s->pids, &s->cappids, sizeof(*s->pids),
			s->npids + 1))
		s->pids[s->npids++] = pid;
}

static bool seen_has_pid(const struct seen *s, long long pid)
{
	for (size_t i = 0; i < s->npids; i++)
		if (s->pids[i] == pid)
			return true;
	return false;
}

/* One run folder: left alone while its horde runs, else its daemons
 * stopped, its namespace and the folder removed. */
static void clean_rundir(const char *dir, const char *netns_dir,
			 struct seen *seen, FILE *log)
{
	struct record r;

	if (read_record(dir, &r))
		return; /* not a run folder of horde's */
	if (r.netns[0])
		seen_add(seen, r.netns);
	for (size_t i = 0; i < r.ndaemons; i++)
		seen_add_pid(seen, r.daemons[i].proc.pid);
	if (record_alive(&r)) {
		fprintf(log, "left alone: %s and %s (horde pid %lld is "
			"running)\n", dir, r.netns[0] ? r.netns : "its namespace",
			r.horde.pid);
		return;
	}
	for (size_t i = 0; i < r.ndaemons; i++)
		if (daemon_alive(&r, i) &&
		    kill((pid_t)r.daemons[i].proc.pid, SIGTERM) == 0)
			fprintf(log, "stopped %s (pid %lld)\n", r.daemons[i].name,
				r.daemons[i].proc.pid);
	/* Gone when clean returns: a store daemon with thousands of rings
	 * takes a moment to close them; 5 s, then SIGKILL. */
	uint64_t deadline = hd_now_ns() + 5 * HD_NS_PER_S;
	for (size_t i = 0; i < r.ndaemons; i++) {
		while (daemon_alive(&r, i) && hd_now_ns() < deadline)
			hd_sleep_until_ns(hd_now_ns() + 10000000);
		if (daemon_alive(&r, i))
			kill((pid_t)r.daemons[i].proc.pid, SIGKILL);
	}
	if (r.netns[0])
		remove_netns(netns_dir, r.netns, log);
	emu_rundir_remove(dir);
	fprintf(log, "removed run folder %s\n", dir);
}

/* A namespace no run folder accounts for (its folder was removed): its
 * pid's process, if one runs and started before the namespace was made,
 * may be its horde, and it is left alone. */
static void clean_orphan_netns(const char *netns_dir, const char *name,
			       FILE *log)
{
	char path[PATH_MAX], extra;
	struct stat st;
	long long pid;

	if (sscanf(name, "horde-%lld%c", &pid, &extra) != 1)
		return;
	snprintf(path, sizeof(path), "%s/%s", netns_dir, name);
	time_t since = started_at(pid);
	if (since && stat(path, &st) == 0 && since <= st.st_mtime) {
		fprintf(log, "left alone: network namespace %s (pid %lld runs "
			"and is older than it)\n", name, pid);
		return;
	}
	remove_netns(netns_dir, name, log);
}

struct unrecorded {
	const struct seen *seen;
	FILE *log;
};

static void unrecorded_daemon(void *arg, long long pid, const char *name)
{
	struct unrecorded *u = arg;
	if (!seen_has_pid(u->seen, pid))
		fprintf(u->log, "left alone: %s (pid %lld): no horde recorded "
			"it\n", name, pid);
}

/* Says which horde daemons run that no horde recorded (one started by
 * hand, another user's): they are not clean's to stop. */
static void report_unrecorded_daemons(const struct seen *seen, FILE *log)
{
	static const char *const names[] = { "horde-xenstored",
					     "horde-consoled" };
	struct unrecorded u = { seen, log };
	hd_each_process_named(names, HD_ARRAY_SIZE(names), unrecorded_daemon,
			      &u);
}

int emu_rundir_clean(const char *netns_dir, FILE *log, struct hd_err *err)
{
	struct seen seen = { 0 };
	DIR *d;

	(void)err;
	if ((d = opendir(hd_tmpdir()))) {
		for (struct dirent *e; (e = readdir(d));) {
			char path[PATH_MAX];
			if (strncmp(e->d_name, "horde-", 6) != 0 ||
			    strlen(e->d_name) != 12)
				continue;
			snprintf(path, sizeof(path), "%s/%s", hd_tmpdir(),
				 e->d_name);
			clean_rundir(path, netns_dir, &seen, log);
		}
		closedir(d);
	}
	if ((d = opendir(netns_dir))) {
		for (struct dirent *e; (e = readdir(d));)
			if (strncmp(e->d_name, "horde-", 6) == 0 &&
			    !seen_has(&seen, e->d_name))
				clean_orphan_netns(netns_dir, e->d_name, log);
		closedir(d);
	}
	report_unrecorded_daemons(&seen, log);
	free(seen.names);
	free(seen.pids);
	return HD_OK;
}
