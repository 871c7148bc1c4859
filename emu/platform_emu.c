/* platform_emu.c: the emulated host as a horde platform.
 *
 * open() builds, in this order: a run folder /tmp/horde-XXXXXX, a network
 * namespace horde-<pid> that the calling thread moves into, the bridges
 * horde-br0.., horde-xenstored on a socket in the run folder, the
 * horde-consoled console daemon, the emulated hypervisor, guests and dom0
 * backends, and a libxcl context. close() undoes all of it in reverse, and
 * is safe after a partial open. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "../harness/platform.h"
#include "../xcl/xcl_workers.h"
#include "emu.h"
#include "xenlibs/xe_state.h"
#include "emu_keys.h"
#include "../lib/netlink.h"

extern char **environ;

#define NETNS_DIR "/run/netns"
#define READY_TIMEOUT_MS 10000


/* One of emu's helper processes. */
struct daemon {
	const char *name; /* horde-xenstored, cxenstored, horde-consoled */
	pid_t pid;
	int lifeline_w;   /* the daemon exits when this closes */
	bool gone;        /* it exited on its own, and was reaped: */
	char how[64];     /* "killed by signal 9 (Killed)" */
};

struct platform {
	char rundir[76]; /* its socket's path must fit a sun_path */
	char netns[32];
	char netns_path[96];
	int orig_netns; /* to go back to before removing ours */
	bool netns_mounted;
	char bridges[PLATFORM_MAX_IFACES][16];
	uint32_t nbridges;
	struct daemon xenstored, consoled;
	int console_report; /* consoled's "fail"/"sync" lines, non-blocking */
	char report_buf[1024];
	size_t report_len;
	unsigned sync_sent, sync_seen;
	pthread_mutex_t daemons_lock; /* the workers ask whether one is gone */
	pthread_mutex_t faults_lock; /* guests report from their thread */
	struct platform_fault *faults;
	size_t nfaults, capfaults;
	size_t faults_lost; /* that found no room: the run must stop */
	char sock[108]; /* sun_path */
	struct emu_hv *hv;
	struct emu_guests *guests;
	struct emu_dom0 *dom0;
	struct emu_netback *netback;
	struct xs_handle *xs;         /* horde's own, for the console sync */
	struct xs_handle *xs_sampler; /* the sampler thread's own */
	struct xcl_workers workers;
	struct emu_latency lat;
	struct emu_limits limits;
	struct emu_settings set;   /* the job's emu keys */
	struct xe xe;   /* with Xen's own daemon: the Xen it sees */
	bool have_xe;
	pid_t xsd_pid;  /* that daemon (xenstored is its launcher) */
	char xsd_build_id[41]; /* its binary's, in hex: which build it was */
	char *xenstored_path_was; /* XENSTORED_PATH before open, or NULL */
	bool xenstored_path_ours; /* it points at our store now */
	uint64_t guest_memory_kib;
	enum xcl_profile profile;
};

/* The prober sends from the bridges, which have a locally administered MAC
 * of horde's, the same on each: they are separate segments. */
static const uint8_t bridge_mac[6] = { 0x02, 0x68, 0x6f, 0x72, 0x64, 0x65 };

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Creates horde-<pid> the way `ip netns add` does, and moves the calling
 * thread into it. */
static int netns_enter(struct platform *p, struct hd_err *err)
{
	snprintf(p->netns_path, sizeof(p->netns_path), NETNS_DIR "/%s", p->netns);
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return hd_fail_errno(err, HD_ESYS, "mkdir %s", NETNS_DIR);
	int fd = open(p->netns_path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return hd_fail_errno(err, HD_ESYS, "create %s", p->netns_path);
	close(fd);
	p->orig_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->orig_netns < 0)
		return hd_fail_errno(err, HD_ESYS, "open own network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return hd_fail_errno(err, HD_ESYS,
				     "unshare network namespace (are you root?)");
	if (mount("/proc/thread-self/ns/net", p->netns_path, "none", MS_BIND,
		  NULL) < 0)
		return hd_fail_errno(err, HD_ESYS, "bind %s", p->netns_path);
	p->netns_mounted = true;
	/* Guests answer ARP only for the address on the interface asked
	 * (arp_ignore=1), as separate machines would; no IPv6 chatter on the
	 * bridge. */
	static const struct { const char *path, *value; } sysctls[] = {
		{ "/proc/sys/net/ipv4/conf/all/arp_ignore", "1" },
		{ "/proc/sys/net/ipv4/conf/default/arp_ignore", "1" },
		{ "/proc/sys/net/ipv6/conf/all/disable_ipv6", "1" },
		{ "/proc/sys/net/ipv6/conf/default/disable_ipv6", "1" },
	};
	for (size_t i = 0; i < HD_ARRAY_SIZE(sysctls); i++)
		if (write_file(sysctls[i].path, sysctls[i].value) < 0 &&
		    !strstr(sysctls[i].path, "ipv6"))
			return hd_fail_errno(err, HD_ESYS, "write %s",
					     sysctls[i].path);
	return HD_OK;
}

static void netns_leave(struct platform *p)
{
	if (p->orig_netns >= 0) {
		setns(p->orig_netns, CLONE_NEWNET);
		close(p->orig_netns);
		p->orig_netns = -1;
	}
	if (p->netns_mounted) {
		umount2(p->netns_path, MNT_DETACH);
		p->netns_mounted = false;
	}
	if (p->netns[0])
		unlink(p->netns_path);
}

static int sibling_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return snprintf(out, len, "%s/%s", self, name) < (int)len ? 0 : -1;
}

/* Closes the ends of a pipe not handed on (set to -1). */
static void close_pipe(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Starts one of emu's daemons, found next to this program (or at
 * $env_bin), with its lifeline on descriptor 3 and its ready pipe on 4,
 * and waits until it says it is ready. stdin_fd (or -1) becomes its
 * stdin, extra_fd (or -1) its descriptor 5. */
static int spawn_daemon(const char *name, const char *env_bin, char **argv,
			int stdin_fd, int extra_fd, struct daemon *out,
			struct hd_err *err)
{
	char bin[PATH_MAX];
	int lifeline[2] = { -1, -1 }, ready[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	int rc = HD_OK;

	if (getenv(env_bin))
		hd_strlcpy(bin, getenv(env_bin), sizeof(bin));
	else if (sibling_path(name, bin, sizeof(bin)))
		return hd_fail(err, HD_ENOENT, "cannot find %s", name);
	if (pipe2(lifeline, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "pipe");
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, lifeline[0], 3);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 4);
	if (stdin_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
	if (extra_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, extra_fd, 5);
	out->name = name;
	int e = posix_spawn(&out->pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		errno = e;
		out->pid = 0;
		rc = hd_fail_errno(err, HD_ESYS, "start %s", bin);
		goto out;
	}
	close(ready[1]);
	ready[1] = -1;
	struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
	char c;
	if (poll(&pfd, 1, READY_TIMEOUT_MS) != 1 || read(ready[0], &c, 1) != 1) {
		rc = hd_fail(err, HD_ETIMEOUT, "%s did not start (see its "
			     "messages above)", name);
		goto out;
	}
	out->lifeline_w = lifeline[1];
	lifeline[1] = -1;
out:
	close_pipe(lifeline);
	close_pipe(ready);
	return rc;
}

/* Whether d has exited on its own (reaping it then), and if so why says
 * which and how. The host cannot go on without its daemons: what they
 * took down names them. Any thread. */
static bool daemon_gone(struct platform *p, struct daemon *d, char *why,
			size_t len)
{
	int status;

	pthread_mutex_lock(&p->daemons_lock);
	if (!d->gone && d->pid > 0 && waitpid(d->pid, &status, WNOHANG) == d->pid) {
		d->gone = true;
		if (WIFSIGNALED(status))
			snprintf(d->how, sizeof(d->how), "killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(d->how, sizeof(d->how), "exited with status %d",
				 WEXITSTATUS(status));
	}
	bool gone = d->gone;
	if (gone)
		snprintf(why, len, "%s (pid %d) has gone: %s", d->name,
			 (int)d->pid, d->how);
	pthread_mutex_unlock(&p->daemons_lock);
	return gone;
}

/* The same, waiting up to wait_ns for it to be seen gone: a client may
 * see its daemon's socket close a moment before the daemon has exited. */
static bool daemon_gone_within(struct platform *p, struct daemon *d,
			       uint64_t wait_ns, char *why, size_t len)
{
	uint64_t until = hd_now_ns() + wait_ns;
	while (!daemon_gone(p, d, why, len)) {
		if (hd_now_ns() >= until)
			return false;
		hd_sleep_until_ns(hd_now_ns() + 5000000);
	}
	return true;
}

static void stop_daemon(struct daemon *d)
{
	if (d->lifeline_w >= 0) {
		close(d->lifeline_w);
		d->lifeline_w = -1;
	}
	if (d->pid > 0 && !d->gone) {
		kill(d->pid, SIGTERM);
		while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	d->pid = 0;
}

/* libxenstore finds its daemon through XENSTORED_PATH, read at each
 * xs_open: the process's own clients (libxcl's workers, dom0's watchers,
 * the guests) and the console daemon it starts all reach the emulated
 * store through it. It points there while the platform is open and gets
 * its value back at close, so that whatever runs next in this process
 * (another job, on real Xen) reaches its own store. Set before any other
 * thread starts (platform_ops.open) and put back after they have all
 * stopped. */
static int point_xenstore(struct platform *p, struct hd_err *err)
{
	const char *was = getenv("XENSTORED_PATH");
	if (was && !(p->xenstored_path_was = strdup(was)))
		return hd_fail(err, HD_ESYS, "out of memory");
	if (setenv("XENSTORED_PATH", p->sock, 1) < 0)
		return hd_fail_errno(err, HD_ESYS, "setenv XENSTORED_PATH");
	p->xenstored_path_ours = true;
	return HD_OK;
}

static void unpoint_xenstore(struct platform *p)
{
	if (!p->xenstored_path_ours)
		return;
	if (p->xenstored_path_was)
		setenv("XENSTORED_PATH", p->xenstored_path_was, 1);
	else
		unsetenv("XENSTORED_PATH");
	p->xenstored_path_ours = false;
}

/* An ELF file's GNU build ID, in hex, into out ("" when it has none):
 * which build of Xen's daemon served a run, where the binary carries no
 * version of its own. Reads the notes its program headers point at. */
static void elf_build_id(const char *path, char *out, size_t len)
{
	Elf64_Ehdr eh;
	out[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fread(&eh, sizeof(eh), 1, f) != 1 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		goto out;
	for (unsigned i = 0; i < eh.e_phnum && !out[0]; i++) {
		Elf64_Phdr ph;
		unsigned char notes[512];
		if (fseek(f, (long)(eh.e_phoff + i * sizeof(ph)), SEEK_SET) ||
		    fread(&ph, sizeof(ph), 1, f) != 1 || ph.p_type != PT_NOTE ||
		    ph.p_filesz > sizeof(notes) ||
		    fseek(f, (long)ph.p_offset, SEEK_SET) ||
		    fread(notes, ph.p_filesz, 1, f) != 1)
			continue;
		for (size_t off = 0; off + sizeof(Elf64_Nhdr) <= ph.p_filesz;) {
			Elf64_Nhdr nh;
			memcpy(&nh, notes + off, sizeof(nh));
			size_t name = off + sizeof(nh);
			size_t desc = name + ((nh.n_namesz + 3) & ~3u);
			if (desc + nh.n_descsz > ph.p_filesz)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp(notes + name, "GNU", 4) == 0)
				for (size_t k = 0; k < nh.n_descsz && 2 * k + 3 <= len; k++)
					snprintf(out + 2 * k, 3, "%02x", notes[desc + k]);
			off = desc + ((nh.n_descsz + 3) & ~3u);
		}
	}
out:
	fclose(f);
}

/* emu's Xen libraries for Xen's daemons: beside this program in the
 * build folder, or in lib/horde/ once installed. */
static int xenlibs_path(char *out, size_t len)
{
	char probe[PATH_MAX + 32];
	static const char *const places[] = { "xenlibs", "../lib/horde/xenlibs" };
	for (size_t i = 0; i < HD_ARRAY_SIZE(places); i++) {
		if (sibling_path(places[i], out, len))
			continue;
		snprintf(probe, sizeof(probe), "%s/libxenevtchn.so.1", out);
		if (access(probe, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* Xen's own daemon's binary: the plan's, or where Debian's xen-utils-4.17
 * puts it. */
static void xen_daemon_bin(const struct emu_settings *set, char *out,
			   size_t len)
{
	if (set->xenstored_bin[0])
		hd_strlcpy(out, set->xenstored_bin, len);
	else
		snprintf(out, len, "/usr/lib/xen-4.17/bin/%s",
			 set->xenstored == EMU_XSD_OXENSTORED ? "oxenstored"
							      : "xenstored");
}

/* Xen's own XenStore daemon serves the run (guests and dom0's kernel on
 * rings), not horde-xenstored. */
static bool xen_daemon(const struct platform *p)
{
	return p->set.xenstored != EMU_XSD_HORDE;
}

/* The Xen the daemons see (xenlibs/xe_state.h), before any of them: dom0
 * running, its store port where Linux puts it in /proc/xen. Xen's own
 * XenStore daemon reads it through emu's libraries, horde-consoled the
 * domain table (as xenconsoled asks Xen), dom0's kernel its ring. */
static int make_xen_state(struct platform *p, struct hd_err *err)
{
	char state[96], port_file[128];
	snprintf(state, sizeof(state), "%s/" EMU_XEN_STATE_DIR, p->rundir);
	if (mkdir(state, 0700) != 0)
		return hd_fail_errno(err, HD_ESYS, "emu: make %s", state);
	if (xe_open(state, true, &p->xe) != 0)
		return hd_fail_errno(err, HD_ESYS, "emu: the Xen the daemons "
				     "see, in %s", state);
	p->have_xe = true;
	xe_dom_set(&p->xe, 0, XE_DOM_RUNNING);
	int port = xe_bind_unbound(&p->xe, 0, 0, 0);
	if (port > 0) /* where dom0's kernel finds it (netback.c) */
		xe_dom_set_store_port(&p->xe, 0, (uint32_t)port);
	snprintf(port_file, sizeof(port_file), "%s/xsd_port", state);
	FILE *f = port < 0 ? NULL : fopen(port_file, "we");
	/* No newline: oxenstored reads a bare number. */
	if (!f || fprintf(f, "%d", port) < 0 || fclose(f) != 0)
		return hd_fail_errno(err, HD_ESYS, "emu: dom0's store port");
	return HD_OK;
}

/* Xen's own daemon, through horde-xsd-launch, its socket in the run
 * folder. */
static int start_xen_daemon(struct platform *p, struct hd_err *err)
{
	char state[96], run[96], bin[PATH_MAX], libs[PATH_MAX];
	const char *kind = p->set.xenstored == EMU_XSD_OXENSTORED ? "oxenstored"
								  : "cxenstored";
	snprintf(state, sizeof(state), "%s/" EMU_XEN_STATE_DIR, p->rundir);
	snprintf(run, sizeof(run), "%s/" EMU_XSD_RUN_DIR, p->rundir);
	snprintf(p->sock, sizeof(p->sock), "%s/socket", run);
	if (mkdir(run, 0700) != 0)
		return hd_fail_errno(err, HD_ESYS, "%s: make its folder", kind);
	xen_daemon_bin(&p->set, bin, sizeof(bin));
	elf_build_id(bin, p->xsd_build_id, sizeof(p->xsd_build_id));
	if (xenlibs_path(libs, sizeof(libs)))
		return hd_fail(err, HD_ENOENT, "cannot find emu's xenlibs");
	char *argv[] = { "horde-xsd-launch", (char *)kind, bin, state, run, libs,
			 p->set.xenstored_trace[0] ? p->set.xenstored_trace : NULL,
			 NULL };
	int rc = spawn_daemon("horde-xsd-launch", "HORDE_XSD_LAUNCH", argv, -1,
			      -1, &p->xenstored, err);
	p->xenstored.name = kind;
	if (rc == HD_OK)
		rc = emu_rundir_add_daemon(p->rundir, "horde-xsd-launch",
					   p->xenstored.pid, err);
	char pid_file[128], pid_s[16] = "";
	snprintf(pid_file, sizeof(pid_file), "%s/daemon.pid", run);
	FILE *pf = rc ? NULL : fopen(pid_file, "re");
	if (pf && fgets(pid_s, sizeof(pid_s), pf))
		p->xsd_pid = (pid_t)atoi(pid_s);
	if (pf)
		fclose(pf);
	return rc ? rc : point_xenstore(p, err);
}

static int start_xenstored(struct platform *p, struct hd_err *err)
{
	char stats[128];

	if (p->set.xenstored != EMU_XSD_HORDE)
		return start_xen_daemon(p, err);
	snprintf(p->sock, sizeof(p->sock), "%s/xenstored.sock", p->rundir);
	snprintf(stats, sizeof(stats), "%s/xenstored.stats", p->rundir);
	char state[96];
	snprintf(state, sizeof(state), "%s/" EMU_XEN_STATE_DIR, p->rundir);
	char *argv[] = { "horde-xenstored", "--socket", p->sock, "--stats-file",
			 stats, "--xen-state", state, "--lifeline-fd", "3",
			 "--ready-fd", "4", NULL };
	int rc = spawn_daemon("horde-xenstored", "HORDE_XENSTORED", argv, -1, -1,
			      &p->xenstored, err);
	if (rc == HD_OK)
		rc = emu_rundir_add_daemon(p->rundir, "horde-xenstored",
					   p->xenstored.pid, err);
	return rc ? rc : point_xenstore(p, err);
}

/* After start_xenstored: the console daemon finds the store through
 * XENSTORED_PATH. Its standard input, where a user at a terminal would
 * ask for a lazy console ("attach DOMID"), is /dev/null: a run attaches
 * to no console, and the daemon must not read horde's terminal. */
static int start_consoled(struct platform *p, struct hd_err *err)
{
	char pty_max[24], fd_limit[24], state[96];
	int report[2] = { -1, -1 };
	int rc, null_fd = -1;

	snprintf(pty_max, sizeof(pty_max), "%lld", p->set.pty_max);
	snprintf(fd_limit, sizeof(fd_limit), "%lld", p->set.console_fd_limit);
	snprintf(state, sizeof(state), "%s/" EMU_XEN_STATE_DIR, p->rundir);
	bool lazy = p->set.console != EMU_CONSOLE_EAGER;
	bool shared = p->set.console == EMU_CONSOLE_SHARED;
	char *argv[] = { "horde-consoled", "--pty-max", pty_max, "--fd-limit",
			 fd_limit, "--report-fd", "5", "--lifeline-fd", "3",
			 "--ready-fd", "4", "--xen-state", state,
			 lazy ? "--lazy" : NULL, shared ? "--shared-evtchn" : NULL,
			 NULL };
	if (pipe2(report, O_CLOEXEC) < 0 ||
	    (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "console daemon's descriptors");
		goto out;
	}
	if ((rc = spawn_daemon("horde-consoled", "HORDE_CONSOLED", argv, null_fd,
			       report[1], &p->consoled, err)) ||
	    (rc = emu_rundir_add_daemon(p->rundir, "horde-consoled",
					p->consoled.pid, err)))
		goto out;
	fcntl(report[0], F_SETFL, O_NONBLOCK);
	p->console_report = report[0];
	report[0] = -1;
out:
	close_pipe(report);
	if (null_fd >= 0)
		close(null_fd);
	return rc;
}

/* Queues a failure found after create() returned; any thread. */
static void add_fault(void *arg, uint32_t domid, const char *cause)
{
	struct platform *p = arg;

	pthread_mutex_lock(&p->faults_lock);
	if (hd_reserve((void **)&p->faults, &p->capfaults, sizeof(*p->faults),
		       p->nfaults + 1)) {
		p->faults_lost++;
	} else {
		struct platform_fault *f = &p->faults[p->nfaults++];
		f->domid = domid;
		hd_strlcpy(f->cause, cause, sizeof(f->cause));
	}
	pthread_mutex_unlock(&p->faults_lock);
}

/* Reads what consoled has said; returns -1 once it has gone. */
static int read_console_reports(struct platform *p)
{
	for (;;) {
		ssize_t n = read(p->console_report, p->report_buf + p->report_len,
				 sizeof(p->report_buf) - 1 - p->report_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		p->report_len += (size_t)n;
		p->report_buf[p->report_len] = '\0';
		char *line = p->report_buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			unsigned domid, seq;
			int at = 0;
			*nl = '\0';
			if (sscanf(line, "fail %u %n", &domid, &at) == 1 && at)
				add_fault(p, domid, line + at);
			else if (sscanf(line, "sync %u", &seq) == 1)
				p->sync_seen = seq;
			line = nl + 1;
		}
		p->report_len -= (size_t)(line - p->report_buf);
		memmove(p->report_buf, line, p->report_len + 1);
		if (p->report_len == sizeof(p->report_buf) - 1)
			p->report_len = 0; /* a line too long to be ours */
	}
}

/* Waits until consoled has handled every console written so far: it
 * answers a write to the sync key after every event queued before it.
 * Without that answer, console failures may be missing: an error. */
/* The console daemon closed its report pipe: it has gone, and says how
 * once it can be reaped. */
static int console_gone(struct platform *p, struct hd_err *err)
{
	char why[192];
	if (!daemon_gone_within(p, &p->consoled, 1000000000ull, why, sizeof(why)))
		snprintf(why, sizeof(why), "%s (pid %d) has gone: its report "
			 "pipe closed", p->consoled.name, (int)p->consoled.pid);
	return hd_fail(err, HD_ESYS, "emu: %s", why);
}

static int settle_console(struct platform *p, struct hd_err *err)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%u", ++p->sync_sent);
	uint64_t deadline = hd_now_ns() + READY_TIMEOUT_MS * 1000000ull;

	if (!xs_write(p->xs, XBT_NULL, EMU_CONSOLE_SYNC_PATH, v, (unsigned)len))
		return hd_fail_errno(err, HD_EXS, "emu: ask the console daemon "
				     "to sync: write " EMU_CONSOLE_SYNC_PATH);
	while (p->sync_seen != p->sync_sent) {
		if (hd_now_ns() >= deadline)
			return hd_fail(err, HD_ETIMEOUT, "emu: the console daemon "
				       "did not sync within %d ms",
				       READY_TIMEOUT_MS);
		struct pollfd pfd = { .fd = p->console_report, .events = POLLIN };
		poll(&pfd, 1, 100);
		if (read_console_reports(p) < 0)
			return console_gone(p, err);
	}
	return HD_OK;
}

static int emu_faults(struct platform *p, struct platform_fault *out,
		      size_t max, int settle, size_t *n, struct hd_err *err)
{
	char why[192];
	int rc;

	/* A daemon gone takes the host down: the run stops, its cause
	 * stored. */
	if (daemon_gone(p, &p->xenstored, why, sizeof(why)) ||
	    daemon_gone(p, &p->consoled, why, sizeof(why)))
		return hd_fail(err, HD_ESYS, "emu: %s", why);
	if (settle && (rc = settle_console(p, err)))
		return rc;
	if (read_console_reports(p) < 0)
		return console_gone(p, err);
	pthread_mutex_lock(&p->faults_lock);
	size_t lost = p->faults_lost;
	*n = hd_take_front(p->faults, &p->nfaults, sizeof(*out), out, max);
	pthread_mutex_unlock(&p->faults_lock);
	if (lost)
		return hd_fail(err, HD_ESYS, "emu: out of memory: %zu guest "
			       "failures could not be kept", lost);
	return HD_OK;
}

static void emu_close(struct platform *p);

static void on_unpause(void *arg, uint32_t domid, const char *cmdline)
{
	struct platform *p = arg;
	emu_guests_unpaused(p->guests, domid, cmdline);
}

static void on_destroy(void *arg, uint32_t domid)
{
	struct platform *p = arg;
	emu_guests_destroyed(p->guests, domid);
}

/* Open files horde's own process and horde-xenstored need for job, and
 * why: guests are on rings (no descriptor a guest in either), each worker
 * keeps two XenStore connections, each bridge its capture; the rest
 * (standard streams, the database and its WAL, the daemons' pipes,
 * netlink sockets, the event-channel handles, the store's own clients) is
 * under HORDE_FDS and XENSTORED_FDS, measured at 27 and 15 on a 500-guest
 * run, with room. */
#define HORDE_FDS 40
#define XENSTORED_FDS 24

static uint64_t horde_fds(const struct plan_job *job)
{
	return 2ull * plan_job_workers(job) +
	       2ull * (uint64_t)emu_settings_of(job).bridges + HORDE_FDS;
}
static uint64_t xenstored_fds(const struct plan_job *job)
{
	return 2ull * plan_job_workers(job) + XENSTORED_FDS;
}

/* Refuses a plan whose workers and bridges would run horde or its store
 * out of file descriptors: the guests past that point would fail with
 * causes that hide it ("no interface", "Invalid argument"). Both run with their soft limit
 * raised to the hard one, which is the one that counts. The console
 * daemon's limit is a limit of the host under test, not of the harness:
 * it is left to break where it breaks, each failure stored with EMFILE. */
static int check_fd_budget(const struct plan_job *job, struct hd_err *err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return hd_fail_errno(err, HD_ESYS, "open file limit");
	if (rl.rlim_max == RLIM_INFINITY)
		return HD_OK;
	uint64_t need = horde_fds(job), xs_need = xenstored_fds(job);
	const char *who = need >= xs_need ? "horde" : "horde-xenstored";
	if (xs_need > need)
		need = xs_need;
	if (need > rl.rlim_max)
		return hd_fail(err, HD_ELIMIT, "%u workers need about %llu open "
			       "files in %s (2 a worker, 2 a bridge, and its "
			       "own), above the hard limit of %llu here: raise "
			       "it (ulimit -Hn as root) or plan fewer workers",
			       plan_job_workers(job), (unsigned long long)need,
			       who, (unsigned long long)rl.rlim_max);
	return HD_OK;
}

static int emu_check(const struct plan_job *job, struct hd_err *err)
{
	struct emu_settings set = emu_settings_of(job);
	char bin[PATH_MAX];
	if (geteuid() != 0)
		return hd_fail(err, HD_EINVAL, "platform emu needs root (network "
			       "namespaces, bridges, raw sockets)");
	struct emu_latency lat;
	if (emu_latency_load(set.latency, &lat, err))
		return HD_EINVAL;
	/* The programs the job starts, found as spawn_daemon finds them:
	 * the store's own, or the launcher of Xen's. */
	bool xen_store = set.xenstored != EMU_XSD_HORDE;
	const char *const daemons[][2] = {
		{ xen_store ? "horde-xsd-launch" : "horde-xenstored",
		  xen_store ? "HORDE_XSD_LAUNCH" : "HORDE_XENSTORED" },
		{ "horde-consoled", "HORDE_CONSOLED" },
	};
	for (size_t i = 0; i < HD_ARRAY_SIZE(daemons); i++)
		if (!getenv(daemons[i][1]) &&
		    (sibling_path(daemons[i][0], bin, sizeof(bin)) ||
		     access(bin, X_OK) != 0))
			return hd_fail(err, HD_ENOENT, "cannot find %s next to "
				       "this program", daemons[i][0]);
	if (xen_store) {
		if (xenlibs_path(bin, sizeof(bin)))
			return hd_fail(err, HD_ENOENT, "xenstored: cannot find "
				       "emu's xenlibs beside this program or in "
				       "../lib/horde/");
		xen_daemon_bin(&set, bin, sizeof(bin));
		if (access(bin, X_OK) != 0)
			return hd_fail_errno(err, HD_ENOENT, "xenstored: Xen's "
					     "daemon %s (from xen-utils-4.17: "
					     "`apt-get download xen-utils-4.17` "
					     "and `dpkg -x` it, then give its "
					     "path as xenstored_bin)", bin);
	}
	/* Raising a hard limit needs CAP_SYS_RESOURCE, which a container's
	 * root may lack: find out now, on horde itself, which the console
	 * daemon inherits. */
	struct rlimit rl;
	if (set.console_fd_limit && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    (rlim_t)set.console_fd_limit > rl.rlim_max) {
		rlim_t hard = rl.rlim_max;
		rl.rlim_max = (rlim_t)set.console_fd_limit;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return hd_fail(err, HD_EINVAL, "console_fd_limit %lld is "
				       "above the hard open file limit here "
				       "(%llu), which horde may not raise",
				       set.console_fd_limit,
				       (unsigned long long)hard);
	}
	return check_fd_budget(job, err);
}

/* The run folder, the network namespace this thread moves into, and the
 * bridges in it. The folder records whose it is and what it makes, for
 * `horde clean` after a crash; the namespace is named before it is made. */
static int make_network(struct platform *p, struct hd_err *err)
{
	struct nl *nl = NULL;
	int rc;

	snprintf(p->netns, sizeof(p->netns), "horde-%d", (int)getpid());
	if ((rc = emu_rundir_make(p->rundir, sizeof(p->rundir), p->netns, err)) ||
	    (rc = netns_enter(p, err)) || (rc = nl_open(&nl, err)))
		goto out;
	p->nbridges = (uint32_t)p->set.bridges;
	for (uint32_t i = 0; i < p->nbridges && !rc; i++) {
		/* bridges is at most PLATFORM_MAX_IFACES (its key's range). */
		snprintf(p->bridges[i], sizeof(p->bridges[i]), "horde-br%u",
			 i % PLATFORM_MAX_IFACES);
		rc = nl_bridge_add(nl, p->bridges[i], bridge_mac, err);
	}
out:
	nl_close(nl);
	return rc;
}

/* The guests, which boot after their modelled delay and answer ARP. */
static int start_guests(struct platform *p, uint64_t seed, struct hd_err *err)
{
	struct emu_guests_config gc = {
		.on_fault = add_fault,
		.fault_arg = p,
		.prober_addr_be = platform_prober_addr(),
		.xe = &p->xe,
	};
	memcpy(gc.prober_mac, bridge_mac, 6);
	if (emu_delay_init(&gc.delay, p->set.boot_delay_dist,
			   p->set.boot_delay_ns, p->set.boot_delay_spread_ns,
			   p->set.boot_delay_sigma, seed))
		return hd_fail(err, HD_EINVAL, "boot delay: spread past the "
			       "median");
	return emu_guests_start(&gc, &p->guests, err);
}

/* The hypervisor model, with the job's limits. */
static int start_hypervisor(struct platform *p, uint64_t seed,
			    struct hd_err *err)
{
	p->limits = (struct emu_limits){
		.host_memory_kib = (uint64_t)p->set.host_memory_mib << 10,
		.dom0_evtchn_ports =
			p->set.evtchn_abi == EMU_EVTCHN_2LEVEL ? 4096 : 131072,
		.dom0_own_ports = (uint32_t)p->set.dom0_own_ports,
		.grant_frames = (uint32_t)p->set.max_grant_frames,
		.maptrack_frames = (uint32_t)p->set.max_maptrack_frames,
	};
	int rc = emu_hv_new(&p->limits, &p->lat, seed, on_unpause, on_destroy,
			    p, &p->hv, err);
	if (!rc && p->have_xe)
		emu_hv_use_xen_state(p->hv, &p->xe);
	return rc;
}

/* horde's own connection (the console sync), and libxcl's workers, all
 * on the one hypervisor model. */
static int open_toolstack(struct platform *p, const struct plan_job *job,
			  struct hd_err *err)
{
	void *hv_args[PLATFORM_MAX_WORKERS];

	if (!(p->xs = xs_open(0)))
		return hd_fail_errno(err, HD_EXS, "open xenstore at %s", p->sock);
	for (size_t i = 0; i < PLATFORM_MAX_WORKERS; i++)
		hv_args[i] = p->hv;
	return xcl_workers_open(&p->workers, plan_job_workers(job),
				job->xs_handles, &emu_hv_ops, hv_args,
				HD_ARRAY_SIZE(hv_args), 10ull * 1000000000ull,
				err);
}

static int emu_open(const struct plan_job *job, struct platform **out,
		    struct hd_err *err)
{
	struct platform *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return hd_fail(err, HD_ESYS, "out of memory");
	p->orig_netns = -1;
	p->xenstored.lifeline_w = p->consoled.lifeline_w = -1;
	p->console_report = -1;
	pthread_mutex_init(&p->faults_lock, NULL);
	pthread_mutex_init(&p->daemons_lock, NULL);
	p->set = emu_settings_of(job);
	p->guest_memory_kib = (uint64_t)job->memory_mib << 10;
	p->profile = job->profile;
	/* Modelled latencies are slept; a fine timer slack keeps a 20 us
	 * sleep near 20 us instead of 70. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if ((rc = emu_latency_load(p->set.latency, &p->lat, err)) ||
	    (rc = make_network(p, err)) || (rc = make_xen_state(p, err)) ||
	    (rc = start_xenstored(p, err)) ||
	    (rc = start_consoled(p, err)) ||
	    (rc = start_guests(p, (uint64_t)job->seed, err)) ||
	    (rc = start_hypervisor(p, (uint64_t)job->seed, err)) ||
	    (rc = emu_netback_start(&p->xe, add_fault, p, &p->netback, err)) ||
	    (rc = emu_dom0_start(p->hv, p->bridges, p->nbridges, add_fault, p,
				 &p->dom0, err)) ||
	    (rc = open_toolstack(p, job, err))) {
		hd_wrap(err, "emu host");
		emu_close(p);
		return rc;
	}
	*out = p;
	return HD_OK;
}

static int emu_create(struct platform *p, const struct guest_spec *g,
		      uint32_t *domid, struct xcl_timing *t, struct hd_err *err)
{
	char cmdline[96];

	platform_guest_cmdline(g, cmdline, sizeof(cmdline));
	struct xcl_guest_config cfg = {
		.name = g->name,
		.memory_kib = p->guest_memory_kib,
		.kernel = "(emulated Mini-OS)",
		.cmdline = cmdline,
		.bridge = p->bridges[g->iface % p->nbridges],
		.profile = p->profile,
	};
	memcpy(cfg.mac, g->mac, 6);
	int rc = xcl_create(p->workers.w[g->worker].ctx, &cfg, domid, t, err);
	/* A guest a dead daemon took down says which. Its socket may close
	 * a moment before it can be seen gone: a XenStore failure waits
	 * for that moment, any other failure only looks. */
	char why[192];
	if (rc && daemon_gone_within(p, &p->xenstored,
				     rc == HD_EXS ? 200000000ull : 0, why,
				     sizeof(why)))
		hd_wrap(err, "%s", why);
	else if (!rc && daemon_gone(p, &p->consoled, why, sizeof(why))) {
		char cause[256];
		snprintf(cause, sizeof(cause), "console: %s", why);
		add_fault(p, *domid, cause);
	}
	return rc;
}

static int emu_destroy(struct platform *p, uint32_t worker, uint32_t domid,
		       struct xcl_timing *t, struct hd_err *err)
{
	return xcl_destroy(p->workers.w[worker].ctx, domid, t, err);
}

static void emu_info(struct platform *p, struct platform_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->probe_ifaces, p->bridges, sizeof(p->bridges));
	out->nifaces = p->nbridges;
	out->probe_addr_be = platform_prober_addr();
	/* Which XenStore served the run: its figures depend on it most. */
	snprintf(out->version, sizeof(out->version), "emu latency profile %s, "
		 "XenStore %s%s%s%s", p->lat.name,
		 xen_daemon(p) ? p->xenstored.name : "horde-xenstored",
		 p->xsd_build_id[0] ? " (build-id " : "", p->xsd_build_id,
		 p->xsd_build_id[0] ? ")" : "");
	char delay[32], dist[16];
	plan_key_text(plan_keys_find(&emu_keys, "boot_delay_dist"), &p->set,
		      dist, sizeof(dist));
	snprintf(out->modelled, sizeof(out->modelled),
		 "hypervisor modelled: latency profile '%s' (%s); limits: %u "
		 "dom0 event channel ports, %u grant frames a guest, %u dom0 "
		 "maptrack frames, %llu MiB of host memory; Xen's domctl "
		 "lock. Guest boot delay modelled (%s, median %s). XenStore, dom0's vifs and bridges, and the "
		 "console daemon's PTYs and descriptors are real and measured.",
		 p->lat.name, p->lat.source, p->limits.dom0_evtchn_ports,
		 p->limits.grant_frames, p->limits.maptrack_frames,
		 (unsigned long long)(p->limits.host_memory_kib >> 10),
		 dist, hd_fmt_ns(p->set.boot_delay_ns, delay, sizeof(delay)));
}

static size_t emu_daemons(struct platform *p, struct sampler_proc *out,
			  size_t max)
{
	struct sampler_proc all[] = {
		{ "horde-xenstored", p->xenstored.pid },
		{ "horde-consoled", p->consoled.pid },
		/* The toolstack, dom0's vif backend and the guests' threads. */
		{ "horde", getpid() },
	};
	if (xen_daemon(p)) { /* the daemon itself, not its launcher */
		hd_strlcpy(all[0].name, p->xenstored.name, sizeof(all[0].name));
		all[0].pid = p->xsd_pid;
	}
	size_t n = 0;
	for (size_t i = 0; i < HD_ARRAY_SIZE(all) && n < max; i++)
		if (all[i].pid > 0)
			out[n++] = all[i];
	return n;
}

/* The store's own statistics (CONTROL stats, on a connection of the
 * sampler's) and the hypervisor model's counts. */
static void emu_sample(struct platform *p, sampler_emit_fn emit, void *ctx)
{
	struct emu_hv_usage u;

	emu_hv_usage(p->hv, &u);
	emit(ctx, "hypervisor", "domains", u.domains);
	emit(ctx, "hypervisor", "dom0_evtchn_ports", u.dom0_ports);
	emit(ctx, "hypervisor", "dom0_maps", (double)u.dom0_maps);
	emit(ctx, "hypervisor", "free_memory_kib",
	     (double)(p->limits.host_memory_kib - u.memory_kib));
	if (!p->xs_sampler && !(p->xs_sampler = xs_open(0)))
		return;
	char *stats = xs_control_command(p->xs_sampler, "stats", "", 1);
	if (!stats)
		return;
	for (char *line = stats, *next; line && *line; line = next) {
		char name[32];
		double v;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* "nodes 123" and the like; per-operation lines are left. */
		if (sscanf(line, "%31[a-z_] %lf", name, &v) == 2 &&
		    strncmp(line, "op ", 3) != 0)
			emit(ctx, "store", name, v);
	}
	free(stats);
}

static void emu_close(struct platform *p)
{
	if (!p)
		return;
	if (p->xs_sampler)
		xs_close(p->xs_sampler);
	xcl_workers_close(&p->workers);
	if (p->xs)
		xs_close(p->xs);
	emu_dom0_stop(p->dom0);
	emu_netback_stop(p->netback);
	emu_guests_stop(p->guests);
	emu_hv_free(p->hv);
	stop_daemon(&p->consoled);
	stop_daemon(&p->xenstored);
	if (p->have_xe)
		xe_close(&p->xe);
	unpoint_xenstore(p);
	free(p->xenstored_path_was);
	if (p->console_report >= 0)
		close(p->console_report);
	free(p->faults);
	pthread_mutex_destroy(&p->faults_lock);
	pthread_mutex_destroy(&p->daemons_lock);
	netns_leave(p);
	if (p->rundir[0])
		emu_rundir_remove(p->rundir);
	free(p);
}

/* `horde clean`: see rundir.c. */
static int emu_clean(FILE *log, struct hd_err *err)
{
	return emu_rundir_clean(NETNS_DIR, log, err);
}

const struct platform_ops platform_emu = {
	.name = "emu",
	.help = "the emulated host in emu/: real XenStore daemon, real veth "
		"pairs on real bridges, real ARP; hypervisor and boot delay "
		"modelled",
	.keys = &emu_keys,
	.check = emu_check,
	.open = emu_open,
	.create = emu_create,
	.destroy = emu_destroy,
	.info = emu_info,
	.faults = emu_faults,
	.daemons = emu_daemons,
	.sample = emu_sample,
	.close = emu_close,
	.clean = emu_clean,
};
