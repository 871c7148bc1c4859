/* platform_emu.c: the emulated host as a horde platform.
 *
 * open() builds, in this order: a run folder /tmp/horde-XXXXXX, a network
 * namespace horde-<pid> that the calling thread moves into, the bridge
 * horde-br0, horde-xenstored on a socket in the run folder, the emulated
 * hypervisor, guests and dom0 backends, and a libxcl context. close()
 * undoes all of it in reverse, and is safe after a partial open. */
#define _GNU_SOURCE
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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "../harness/platform.h"
#include "emu.h"
#include "netlink.h"

extern char **environ;

#define BRIDGE "horde-br0"
#define NETNS_DIR "/run/netns"
#define READY_TIMEOUT_MS 10000

struct platform {
	char rundir[64];
	char netns[32];
	char netns_path[96];
	int orig_netns; /* to go back to before removing ours */
	bool netns_mounted;
	pid_t xenstored;
	int lifeline_w; /* xenstored exits when this closes */
	char sock[128];
	struct emu_hv *hv;
	struct emu_guests *guests;
	struct emu_dom0 *dom0;
	struct xs_handle *xs;
	struct xcl_ctx *xcl;
	const struct emu_latency *lat;
	uint64_t guest_memory_kib;
	enum xcl_profile profile;
};

/* The prober sends from the bridge, which has a locally administered MAC
 * of its own. */
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
	snprintf(p->netns, sizeof(p->netns), "horde-%d", (int)getpid());
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

static int start_xenstored(struct platform *p, struct hd_err *err)
{
	char bin[PATH_MAX], stats[128];
	int lifeline[2] = { -1, -1 }, ready[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	int rc = HD_OK;

	const char *env_bin = getenv("HORDE_XENSTORED");
	if (env_bin)
		hd_strlcpy(bin, env_bin, sizeof(bin));
	else if (sibling_path("horde-xenstored", bin, sizeof(bin)))
		return hd_fail(err, HD_ENOENT, "cannot find horde-xenstored");
	snprintf(p->sock, sizeof(p->sock), "%s/xenstored.sock", p->rundir);
	snprintf(stats, sizeof(stats), "%s/xenstored.stats", p->rundir);
	if (pipe2(lifeline, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		rc = hd_fail_errno(err, HD_ESYS, "pipe");
		goto out;
	}
	char *argv[] = { "horde-xenstored", "--socket", p->sock, "--stats-file",
			 stats, "--lifeline-fd", "3", "--ready-fd", "4", NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, lifeline[0], 3);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 4);
	int e = posix_spawn(&p->xenstored, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		errno = e;
		p->xenstored = 0;
		rc = hd_fail_errno(err, HD_ESYS, "start %s", bin);
		goto out;
	}
	close(ready[1]);
	ready[1] = -1;
	/* Wait for the daemon to say it listens (or to die trying). */
	struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
	char c;
	if (poll(&pfd, 1, READY_TIMEOUT_MS) != 1 || read(ready[0], &c, 1) != 1) {
		rc = hd_fail(err, HD_ETIMEOUT, "horde-xenstored did not start "
			     "(see its messages above)");
		goto out;
	}
	p->lifeline_w = lifeline[1];
	lifeline[1] = -1;
	setenv("XENSTORED_PATH", p->sock, 1);
out:
	for (int i = 0; i < 2; i++) {
		if (lifeline[i] >= 0)
			close(lifeline[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	return rc;
}

static void stop_xenstored(struct platform *p)
{
	if (p->lifeline_w >= 0) {
		close(p->lifeline_w);
		p->lifeline_w = -1;
	}
	if (p->xenstored > 0) {
		kill(p->xenstored, SIGTERM);
		while (waitpid(p->xenstored, NULL, 0) < 0 && errno == EINTR)
			;
		p->xenstored = 0;
	}
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

static int emu_check(const struct plan_job *job, struct hd_err *err)
{
	char bin[PATH_MAX];
	if (geteuid() != 0)
		return hd_fail(err, HD_EINVAL, "platform emu needs root (network "
			       "namespaces, bridges, raw sockets)");
	if (!emu_latency_find(job->emu_latency))
		return hd_fail(err, HD_EINVAL, "unknown emu latency profile '%s'",
			       job->emu_latency);
	if (!getenv("HORDE_XENSTORED") &&
	    (sibling_path("horde-xenstored", bin, sizeof(bin)) ||
	     access(bin, X_OK) != 0))
		return hd_fail(err, HD_ENOENT, "cannot find horde-xenstored next "
			       "to this program");
	return HD_OK;
}

static int emu_open(const struct plan_job *job, struct platform **out,
		    struct hd_err *err)
{
	struct platform *p = calloc(1, sizeof(*p));
	struct nl *nl = NULL;
	int rc;

	if (!p)
		return hd_fail(err, HD_ESYS, "out of memory");
	p->orig_netns = -1;
	p->lifeline_w = -1;
	p->guest_memory_kib = (uint64_t)job->memory_mib << 10;
	xcl_profile_parse(job->profile, &p->profile); /* the plan checked it */
	p->lat = emu_latency_find(job->emu_latency);
	if (!p->lat) {
		free(p);
		return hd_fail(err, HD_EINVAL, "unknown emu latency profile '%s'",
			       job->emu_latency);
	}
	/* Modelled latencies are slept; a fine timer slack keeps a 20 us
	 * sleep near 20 us instead of 70. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	strcpy(p->rundir, "/tmp/horde-XXXXXX");
	if (!mkdtemp(p->rundir)) {
		p->rundir[0] = '\0';
		rc = hd_fail_errno(err, HD_ESYS, "make run folder in /tmp");
		goto fail;
	}
	if ((rc = netns_enter(p, err)))
		goto fail;
	if ((rc = nl_open(&nl, err)) ||
	    (rc = nl_bridge_add(nl, BRIDGE, bridge_mac, err)))
		goto fail;
	nl_close(nl);
	nl = NULL;
	if ((rc = start_xenstored(p, err)))
		goto fail;
	if ((rc = emu_guests_start(job->boot_delay_ns, &p->guests, err)))
		goto fail;
	if ((rc = emu_hv_new((uint64_t)job->host_memory_mib << 10, p->lat,
			     on_unpause, on_destroy, p, &p->hv, err)))
		goto fail;
	if ((rc = emu_dom0_start(BRIDGE, &p->dom0, err)))
		goto fail;
	if (!(p->xs = xs_open(XS_UNWATCH_FILTER))) {
		rc = hd_fail_errno(err, HD_EXS, "open xenstore at %s", p->sock);
		goto fail;
	}
	if ((rc = xcl_ctx_new(p->xs, &emu_hv_ops, p->hv, 10ull * 1000000000ull,
			      &p->xcl, err)))
		goto fail;
	*out = p;
	return HD_OK;
fail:
	nl_close(nl);
	hd_wrap(err, "emu host");
	emu_close(p);
	return rc;
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
		.bridge = BRIDGE,
		.profile = p->profile,
	};
	memcpy(cfg.mac, g->mac, 6);
	return xcl_create(p->xcl, &cfg, domid, t, err);
}

static int emu_destroy(struct platform *p, uint32_t domid, struct xcl_timing *t,
		       struct hd_err *err)
{
	return xcl_destroy(p->xcl, domid, t, err);
}

static void emu_info(struct platform *p, struct platform_info *out)
{
	memset(out, 0, sizeof(*out));
	hd_strlcpy(out->probe_iface, BRIDGE, sizeof(out->probe_iface));
	out->probe_addr_be = platform_prober_addr();
	snprintf(out->version, sizeof(out->version), "emu latency profile %s",
		 p->lat->name);
	snprintf(out->modelled, sizeof(out->modelled),
		 "hypervisor phase modelled (emu latency profile '%s': %s); "
		 "guest boot delay modelled; XenStore and dom0 network work "
		 "measured", p->lat->name, p->lat->source);
}

static void emu_close(struct platform *p)
{
	if (!p)
		return;
	xcl_ctx_free(p->xcl);
	if (p->xs)
		xs_close(p->xs);
	emu_dom0_stop(p->dom0);
	emu_guests_stop(p->guests);
	emu_hv_free(p->hv);
	stop_xenstored(p);
	netns_leave(p);
	if (p->rundir[0]) {
		char path[128];
		snprintf(path, sizeof(path), "%s/xenstored.stats", p->rundir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/xenstored.stats.tmp", p->rundir);
		unlink(path);
		unlink(p->sock);
		rmdir(p->rundir);
	}
	free(p);
}

const struct platform_ops platform_emu = {
	.name = "emu",
	.check = emu_check,
	.open = emu_open,
	.create = emu_create,
	.destroy = emu_destroy,
	.info = emu_info,
	.close = emu_close,
};
