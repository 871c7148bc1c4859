/* xsd_launch.c: horde-xsd-launch, which runs one of Xen's own XenStore
 * daemons, unmodified, as the emulated host's store, and ties it to the
 * horde that asked, as horde's own daemons are tied (a lifeline on
 * descriptor 3, a ready byte on descriptor 4):
 *
 *   horde-xsd-launch cxenstored|oxenstored BIN STATE RUNDIR LIBS [TRACE]
 *
 * The daemon loads Xen's libraries from LIBS (emu/xenlibs) and finds the
 * emulated Xen in STATE; its socket is RUNDIR/socket. oxenstored's socket
 * is /var/run/xenstored/socket whatever it is told, so it runs in a mount
 * namespace of its own where that is RUNDIR. Ready once the socket is
 * there; when the lifeline closes (horde ended, even by SIGKILL) or on
 * SIGTERM, the daemon is stopped; when the daemon exits, this does, with
 * its status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenlibs/xe_state.h"

#define LIFELINE_FD 3
#define READY_FD 4
#define READY_TIMEOUT_S 20

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "horde-xsd-launch: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* oxenstored's configuration: everything it writes in RUNDIR, dom0's
 * ring and port from STATE (tools/ocaml/xenstored/define.ml, the keys of
 * Debian's /etc/xen/oxenstored.conf). */
static void write_oxenstored_conf(const char *conf, const char *state,
				  const char *rundir)
{
	FILE *f = fopen(conf, "w");
	if (!f)
		die(conf);
	fprintf(f, "pid-file = %s/pid\n"
		   "xenstored-log-file = %s/xenstored.log\n"
		   "access-log-file = %s/access.log\n"
		   "xenstored-kva = %s/rings\n"
		   "xenstored-port = %s/xsd_port\n",
		rundir, rundir, rundir, state, state);
	if (fclose(f) != 0)
		die(conf);
}

/* In the child: becomes the daemon. */
static void exec_daemon(char **argv)
{
	const char *kind = argv[1], *bin = argv[2], *state = argv[3],
		   *rundir = argv[4], *libs = argv[5], *trace = argv[6];
	close(LIFELINE_FD);
	close(READY_FD);
	/* Never outlives this launcher, even one killed outright. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Its banner and logs stay out of horde's output (--json). */
	char out[600];
	snprintf(out, sizeof(out), "%s/daemon.out", rundir);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		die(out);
	if (setenv(XE_STATE_ENV, state, 1) || setenv("LD_LIBRARY_PATH", libs, 1) ||
	    setenv("XENSTORED_RUNDIR", rundir, 1))
		die("setenv");
	if (strcmp(kind, "cxenstored") == 0) {
		char *args[] = { (char *)bin, "-N", trace ? "-T" : NULL,
				 (char *)trace, NULL };
		execv(bin, args);
		die(bin);
	}
	char conf[512];
	snprintf(conf, sizeof(conf), "%s/oxenstored.conf", rundir);
	write_oxenstored_conf(conf, state, rundir);
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("horde-xsd", "/run", "tmpfs", 0, "mode=0755") != 0 ||
	    mkdir("/run/xenstored", 0755) != 0 ||
	    mount(rundir, "/run/xenstored", NULL, MS_BIND, NULL) != 0)
		die("oxenstored's mount namespace (/var/run/xenstored)");
	char *args[] = { (char *)bin, "--no-fork", "--config-file", conf, NULL };
	execv(bin, args);
	die(bin);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	if (argc < 6 || argc > 7 || (strcmp(argv[1], "cxenstored") != 0 &&
				     strcmp(argv[1], "oxenstored") != 0)) {
		fprintf(stderr, "usage: horde-xsd-launch cxenstored|oxenstored "
			"BIN STATE RUNDIR LIBS [TRACE]\n");
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_term };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char sock[512];
	snprintf(sock, sizeof(sock), "%s/socket", argv[4]);
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		exec_daemon(argv);

	/* Ready when the daemon's socket is there. */
	struct stat st;
	int status;
	time_t give_up = time(NULL) + READY_TIMEOUT_S;
	while (stat(sock, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		if (waitpid(child, &status, WNOHANG) == child)
			return status_of(status);
		if (stop || time(NULL) > give_up) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			fprintf(stderr, "horde-xsd-launch: %s made no socket %s\n",
				argv[1], sock);
			return 1;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	/* The daemon's pid, for horde to sample it by. */
	char pid_file[600];
	snprintf(pid_file, sizeof(pid_file), "%s/daemon.pid", argv[4]);
	FILE *f = fopen(pid_file, "w");
	if (!f || fprintf(f, "%d\n", (int)child) < 0 || fclose(f) != 0)
		die(pid_file);
	if (write(READY_FD, "r", 1) != 1)
		die("ready");
	close(READY_FD);

	/* Until the lifeline closes, a signal comes, or the daemon ends. */
	struct pollfd pfd = { .fd = LIFELINE_FD, .events = POLLIN };
	for (;;) {
		if (waitpid(child, &status, WNOHANG) == child)
			return status_of(status);
		char c;
		int n = poll(&pfd, 1, 100);
		if (stop || (n == 1 && read(LIFELINE_FD, &c, 1) <= 0))
			break;
	}
	kill(child, SIGTERM);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
