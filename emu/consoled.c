/* consoled.c: horde-consoled, the emulated host's console daemon.
 *
 * It does for each guest what xenconsoled does (Xen 4.17's
 * tools/console/daemon/io.c, run as Debian runs it, without guest logs),
 * in the store request by request: it watches @introduceDomain and
 * @releaseDomain; on each, it lists the domains the hypervisor has (here
 * the emulated Xen's domain table, --xen-state, where xenconsoled asks
 * Xen with xc_domain_getinfo); for a new one it asks the domain's path,
 * watches its console node and reads ring-ref, port and type (again on
 * each event of that watch), binds the console's event channel (an
 * eventfd stands in for the /dev/xen/evtchn handle, so the descriptor is
 * real), reads limit and opens a PTY, master and slave, writing the
 * slave's path to console/tty; for a domain gone it drops the watch. That
 * is a PTY and 3 descriptors per guest, and the limits they meet are the
 * kernel's own: ENOSPC from a devpts instance that is full, EMFILE from
 * the daemon's open file limit.
 *
 * To make the PTY limit a plan key without touching the host, the daemon
 * mounts a devpts instance of its own (max=N) in a private mount namespace.
 * With --console lazy (the seed work's fix) a console costs one descriptor
 * and gets its PTY only when a user attaches ("attach DOMID" on stdin);
 * with --shared-evtchn too, one event-channel handle serves every console
 * and a console costs none.
 *
 * Failures go to the report descriptor as "fail DOMID cause" lines; a write
 * to /tool/horde/console-sync is answered with "sync VALUE" once every
 * console entry written before it has been handled (one XenStore
 * connection delivers events in order). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <dirent.h>
#include <unistd.h>
#include <xenstore.h>

#include "emu.h"
#include "xenlibs/xe_state.h"
#include "../lib/domid.h"
#include "../lib/pty_limit.h"

#define PTMX "/dev/pts/ptmx"

struct console {
	bool known;
	int remote_port; /* the guest's console port, once bound; -1 */
	int evtchn_fd; /* stands in for the bound event channel */
	int master_fd, slave_fd;
};

static struct {
	struct xs_handle *xs;
	struct xe xe; /* the hypervisor's domain table */
	int shared_evtchn; /* --shared-evtchn: every console's; else -1 */
	bool lazy;
	long pty_max, fd_limit;
	int own_fds; /* open before any console: for the EMFILE message */
	long npty;   /* PTYs open in the daemon's devpts instance */
	FILE *report;
	struct console cons[HD_DOMID_LAST + 1];
} d;

static void report_failure(unsigned domid, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report_failure(unsigned domid, const char *fmt, ...)
{
	va_list ap;
	fprintf(d.report, "fail %u ", domid);
	va_start(ap, fmt);
	vfprintf(d.report, fmt, ap);
	va_end(ap);
	fputc('\n', d.report);
	fflush(d.report);
}

/* The cause of a failed open, in the words the results store. */
static void report_errno(unsigned domid, int e, const char *what)
{
	if (e == EMFILE)
		report_failure(domid, "fd: EMFILE (console daemon limit %ld: "
			       "%d own + %d per console)", d.fd_limit,
			       d.own_fds, d.shared_evtchn >= 0 ? 0 : d.lazy ? 1 : 3);
	else if (e == ENOSPC && strcmp(what, "pty") == 0) {
		/* The instance's own max, or the kernel's budget shared by
		 * every devpts instance on the host: name the one hit. */
		struct pty_sysctls k;
		char cause[256];
		pty_limit_cause(cause, sizeof(cause), d.npty, d.pty_max,
				pty_read_sysctls(&k) == 0 ? &k : NULL);
		report_failure(domid, "%s", cause);
	}
	else
		report_failure(domid, "%s: %s", what, strerror(e));
}

static int open_pty(unsigned domid, struct console *c)
{
	char path[64], tty[32];
	int n;

	c->master_fd = open(PTMX, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->master_fd < 0) {
		report_errno(domid, errno, "pty");
		return -1;
	}
	d.npty++;
	if (ioctl(c->master_fd, TIOCGPTN, &n) < 0 || unlockpt(c->master_fd) < 0) {
		report_errno(domid, errno, "pty");
		return -1;
	}
	/* xenconsoled keeps the slave open so the tty never hangs up. */
	c->slave_fd = ioctl(c->master_fd, TIOCGPTPEER,
			    O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave_fd < 0) {
		report_errno(domid, errno, "pty");
		return -1;
	}
	/* As console_create_tty: the console's buffer limit, then the tty. */
	unsigned vlen;
	snprintf(path, sizeof(path), "/local/domain/%u/console/limit", domid);
	free(xs_read(d.xs, XBT_NULL, path, &vlen));
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
	int len = snprintf(tty, sizeof(tty), "/dev/pts/%d", n);
	if (!xs_write(d.xs, XBT_NULL, path, tty, (unsigned)len)) {
		report_errno(domid, errno, "xenstore");
		return -1;
	}
	return 0;
}

static void close_console(struct console *c)
{
	if (c->evtchn_fd >= 0)
		close(c->evtchn_fd);
	if (c->master_fd >= 0) {
		close(c->master_fd);
		d.npty--;
	}
	if (c->slave_fd >= 0)
		close(c->slave_fd);
	*c = (struct console){ .remote_port = -1, .evtchn_fd = -1,
			       .master_fd = -1, .slave_fd = -1 };
}

static char *read_console_key(unsigned domid, const char *key)
{
	char path[64];
	unsigned len;
	snprintf(path, sizeof(path), "/local/domain/%u/console/%s", domid, key);
	return xs_read(d.xs, XBT_NULL, path, &len);
}

/* console_create_ring: ring-ref and port (xs_gather: it stops at the
 * first missing), type; the event channel bound unless the port is the
 * one bound already; then the tty, unless lazy. */
static void create_ring(unsigned domid)
{
	struct console *c = &d.cons[domid];
	char *ref = read_console_key(domid, "ring-ref");
	char *port = ref ? read_console_key(domid, "port") : NULL;
	int remote_port = port ? atoi(port) : -1;

	free(ref);
	free(port);
	if (remote_port < 0)
		return;
	free(read_console_key(domid, "type"));
	if (remote_port == c->remote_port)
		return;
	if (c->evtchn_fd < 0 && d.shared_evtchn < 0 &&
	    (c->evtchn_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		report_errno(domid, errno, "evtchn");
		return;
	}
	c->remote_port = remote_port;
	if (!d.lazy && c->master_fd < 0)
		open_pty(domid, c);
}

/* watch_domain: the domain's console node, token "domD". */
static bool watch_console(unsigned domid, bool watch)
{
	char path[48], token[16];
	snprintf(path, sizeof(path), "/local/domain/%u/console", domid);
	snprintf(token, sizeof(token), "dom%u", domid);
	return watch ? xs_watch(d.xs, path, token) : xs_unwatch(d.xs, path, token);
}

/* create_domain and console_init: the domain's path, then its console. */
static void new_domain(unsigned domid)
{
	struct console *c = &d.cons[domid];

	*c = (struct console){ .known = true, .remote_port = -1,
			       .evtchn_fd = -1, .master_fd = -1, .slave_fd = -1 };
	free(xs_get_domain_path(d.xs, domid));
	if (!watch_console(domid, true)) {
		report_errno(domid, errno, "xenstore");
		return;
	}
	create_ring(domid);
}

/* enum_domains: every domain the hypervisor has; new ones get consoles,
 * those gone or dying lose them. */
static void enum_domains(void)
{
	int next = xe_dom_next(&d.xe, 1);
	for (unsigned domid = 1; domid <= HD_DOMID_LAST; domid++) {
		bool running = false;
		if (next >= 0 && (unsigned)next == domid) {
			enum xe_dom_state st = xe_dom_get(&d.xe, domid);
			running = st != XE_DOM_NONE && st != XE_DOM_DYING;
			next = xe_dom_next(&d.xe, domid + 1);
		}
		if (running && !d.cons[domid].known)
			new_domain(domid);
		else if (!running && d.cons[domid].known) {
			watch_console(domid, false);
			close_console(&d.cons[domid]);
		}
	}
}

static void handle_watch(const char *path, const char *token)
{
	unsigned domid;

	if (strcmp(token, "sync") == 0) {
		unsigned len;
		char *v = xs_read(d.xs, XBT_NULL, path, &len);
		if (v) {
			fprintf(d.report, "sync %s\n", v);
			fflush(d.report);
			free(v);
		}
	} else if (strcmp(token, "domlist") == 0) {
		enum_domains();
	} else if (sscanf(token, "dom%u", &domid) == 1 &&
		   domid <= HD_DOMID_LAST && d.cons[domid].known) {
		create_ring(domid);
	}
}

/* "attach DOMID": a user wants the console; lazy consoles get a PTY now. */
static void handle_command(const char *line)
{
	unsigned domid;

	if (sscanf(line, "attach %u", &domid) != 1 || domid > HD_DOMID_LAST ||
	    !d.cons[domid].known) {
		fprintf(d.report, "error %s\n", line);
		fflush(d.report);
		return;
	}
	struct console *c = &d.cons[domid];
	if (c->master_fd < 0 && open_pty(domid, c) < 0)
		return;
	int n;
	ioctl(c->master_fd, TIOCGPTN, &n);
	fprintf(d.report, "tty %u /dev/pts/%d\n", domid, n);
	fflush(d.report);
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;
	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n - 3; /* ".", "..", and the directory's own descriptor */
}

/* Its own mount namespace, so the devpts instance (and its max) is the
 * daemon's alone and goes when it exits. */
static int own_devpts(void)
{
	char opts[96];

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("horde-consoled: private mount namespace");
		return -1;
	}
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620,max=%ld",
		 d.pty_max);
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  opts) < 0) {
		perror("horde-consoled: mount devpts");
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: horde-consoled [--lazy] [--pty-max N] [--fd-limit N]\n"
		   "                      [--shared-evtchn] --report-fd FD "
		   "--xen-state DIR\n"
		   "                      [--lifeline-fd FD] [--ready-fd FD]\n"
		   "Emulated xenconsoled for horde's emu host; talks to the "
		   "XenStore daemon at $XENSTORED_PATH.\n");
}

static long number(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "horde-consoled: %s: '%s' is not a number\n",
			what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lazy", no_argument, NULL, 'z' },
		{ "pty-max", required_argument, NULL, 'p' },
		{ "fd-limit", required_argument, NULL, 'f' },
		{ "report-fd", required_argument, NULL, 'o' },
		{ "lifeline-fd", required_argument, NULL, 'l' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "xen-state", required_argument, NULL, 'x' },
		{ "shared-evtchn", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int report_fd = -1, lifeline = -1, ready = -1, opt;
	const char *xen_state = NULL;
	bool shared = false;

	d.pty_max = 4096;
	d.fd_limit = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'z': d.lazy = true; break;
		case 'p': d.pty_max = number(optarg, "--pty-max"); break;
		case 'f': d.fd_limit = number(optarg, "--fd-limit"); break;
		case 'o': report_fd = (int)number(optarg, "--report-fd"); break;
		case 'l': lifeline = (int)number(optarg, "--lifeline-fd"); break;
		case 'r': ready = (int)number(optarg, "--ready-fd"); break;
		case 'x': xen_state = optarg; break;
		case 's': shared = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (report_fd < 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(d.report = fdopen(report_fd, "w"))) {
		perror("horde-consoled: report fd");
		return 1;
	}
	for (unsigned i = 0; i <= HD_DOMID_LAST; i++)
		d.cons[i] = (struct console){ .remote_port = -1, .evtchn_fd = -1,
					      .master_fd = -1, .slave_fd = -1 };
	/* 0: as many as the hard limit allows. Raising the hard limit
	 * needs CAP_SYS_RESOURCE, which a container's root may lack. */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (d.fd_limit == 0)
		d.fd_limit = (long)rl.rlim_max;
	rl.rlim_cur = (rlim_t)d.fd_limit;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fprintf(stderr, "horde-consoled: open file limit %ld: %s\n",
			d.fd_limit, strerror(errno));
		return 1;
	}
	if (own_devpts() < 0)
		return 1;
	d.shared_evtchn = shared ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
	if (shared && d.shared_evtchn < 0) {
		perror("horde-consoled: the shared event channel");
		return 1;
	}
	if (!xen_state || xe_open(xen_state, false, &d.xe) != 0) {
		fprintf(stderr, "horde-consoled: the emulated Xen's state %s: "
			"%s\n", xen_state ? xen_state : "(no --xen-state)",
			strerror(errno));
		return 1;
	}
	if (!(d.xs = xs_open(0)) ||
	    !xs_watch(d.xs, "@introduceDomain", "domlist") ||
	    !xs_watch(d.xs, "@releaseDomain", "domlist") ||
	    !xs_watch(d.xs, EMU_CONSOLE_SYNC_PATH, "sync")) {
		perror("horde-consoled: xenstore");
		return 1;
	}
	int xsfd = xs_fileno(d.xs);
	d.own_fds = count_fds();
	if (ready >= 0) {
		if (write(ready, "r", 1) != 1)
			return 1;
		close(ready);
		d.own_fds--;
	}

	char cmd[128];
	size_t cmdlen = 0;
	struct pollfd pfd[3] = {
		{ .fd = xsfd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = lifeline, .events = POLLIN },
	};
	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("horde-consoled: poll");
			return 1;
		}
		if (pfd[2].revents)
			break; /* horde went away */
		if (pfd[0].revents) {
			unsigned num;
			char **w = xs_read_watch(d.xs, &num);
			if (!w) {
				perror("horde-consoled: xenstore connection");
				return 1;
			}
			handle_watch(w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
			free(w);
		}
		if (pfd[1].revents) {
			ssize_t r = read(STDIN_FILENO, cmd + cmdlen,
					 sizeof(cmd) - 1 - cmdlen);
			if (r <= 0) {
				pfd[1].fd = -1; /* no more commands */
				continue;
			}
			cmdlen += (size_t)r;
			cmd[cmdlen] = '\0';
			char *nl;
			while ((nl = strchr(cmd, '\n'))) {
				*nl = '\0';
				handle_command(cmd);
				cmdlen -= (size_t)(nl + 1 - cmd);
				memmove(cmd, nl + 1, cmdlen + 1);
			}
			if (cmdlen == sizeof(cmd) - 1)
				cmdlen = 0; /* a line too long: drop it */
		}
	}
	xs_close(d.xs);
	return 0;
}
