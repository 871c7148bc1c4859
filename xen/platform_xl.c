/* platform_xl.c: real Xen through Xen's own `xl`, one `xl create` per
 * guest, as the seed work measured it: no background daemon, guests
 * destroyed by domain id. xl is a black box here, so a guest's whole
 * creation time is charged to the toolstack phase.
 *
 * So that the unpause can be stamped, a guest is made with `xl create -p`
 * (everything but the unpause) and then `xl unpause`, the two timed one
 * after the other; `xl domid`, run between them to learn the domain's id,
 * is not timed. The unpause stamp is taken when `xl unpause` exits, just
 * after the hypercall it made. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xen_host.h"

extern char **environ;

struct platform {
	struct xen_host host; /* first: see xen_host.h */
	char dir[128]; /* the guests' config files */
};

/* Runs xl with args; its stdout goes into out (len bytes) when given.
 * Returns its exit status, or -1. */
static int run_xl(char *const argv[], char *out, size_t len)
{
	int fds[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;

	if (out && pipe(fds) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	if (out) {
		posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
		posix_spawn_file_actions_addclose(&fa, fds[0]);
	}
	int e = posix_spawnp(&pid, "xl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out)
		close(fds[1]);
	if (e) {
		if (out)
			close(fds[0]);
		errno = e;
		return -1;
	}
	if (out) {
		size_t got = 0;
		ssize_t n;
		while (got + 1 < len && (n = read(fds[0], out + got, len - got - 1)) > 0)
			got += (size_t)n;
		out[got] = '\0';
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

_Static_assert(offsetof(struct platform, host) == 0,
	       "xen_host's entries take a struct platform for its xen_host");

static void xl_close(struct platform *p)
{
	if (!p)
		return;
	xen_host_close(&p->host);
	if (p->dir[0])
		rmdir(p->dir);
	free(p);
}

static int xl_open(const struct plan_job *job, struct platform **out,
		   struct hd_err *err)
{
	struct platform *p;
	int rc;

	if ((rc = xen_host_check(job, err)))
		return rc;
	if (!(p = calloc(1, sizeof(*p))))
		return hd_fail(err, HD_ESYS, "out of memory");
	if ((rc = xen_host_open(&p->host, job, "xl", err)) ||
	    (rc = hd_mkdtemp(p->dir, sizeof(p->dir), "horde-xl-", err))) {
		xl_close(p);
		return hd_wrap(err, "platform xl");
	}
	*out = p;
	return HD_OK;
}

/* Writes guest g's config file for xl into cfg (a path in p->dir). */
static int write_config(struct platform *p, const struct guest_spec *g,
			char *cfg, size_t len, struct hd_err *err)
{
	const struct xen_settings *set = &p->host.set;
	char text[1024], cmdline[96];

	/* The name goes into xl's config file and a file name. */
	int rc = hd_check_chars("guest name", g->name, XCL_NAME_CHARS, err);
	if (rc)
		return rc;
	snprintf(cfg, len, "%s/%s.cfg", p->dir, g->name);
	platform_guest_cmdline(g, cmdline, sizeof(cmdline));
	int n = snprintf(text, sizeof(text),
			 "name=\"%s\"\nkernel=\"%s\"\n%s%s%s"
			 "extra=\"%s\"\n"
			 "memory=%lld\nvcpus=1\n"
			 "vif=['bridge=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x']\n",
			 g->name, set->kernel, *set->ramdisk ? "ramdisk=\"" : "",
			 set->ramdisk, *set->ramdisk ? "\"\n" : "", cmdline,
			 (long long)(p->host.memory_kib >> 10), set->bridge,
			 g->mac[0], g->mac[1], g->mac[2], g->mac[3], g->mac[4],
			 g->mac[5]);
	FILE *f = fopen(cfg, "w");
	if (!f || fwrite(text, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0)
		return hd_fail_errno(err, HD_ESYS, "write %s", cfg);
	return HD_OK;
}

static int xl_create(struct platform *p, const struct guest_spec *g,
		     uint32_t *domid, struct xcl_timing *t, struct hd_err *err)
{
	char cfg[256], out[64];

	memset(t, 0, sizeof(*t));
	int rc = write_config(p, g, cfg, sizeof(cfg), err);
	if (rc)
		return rc;
	char *create[] = { "xl", "create", "-q", "-p", cfg, NULL };
	char *name[] = { "xl", "domid", (char *)g->name, NULL };
	char id[16];
	char *unpause[] = { "xl", "unpause", id, NULL };

	t->start_ns = hd_now_ns();
	rc = run_xl(create, NULL, 0);
	uint64_t created = hd_now_ns();
	unlink(cfg);
	if (rc != 0) {
		t->total_ns = created - t->start_ns;
		return hd_fail(err, HD_ESYS, "xl create %s: exit status %d",
			       g->name, rc);
	}
	if (run_xl(name, out, sizeof(out)) != 0 || !(*domid = (uint32_t)atoi(out)))
		return hd_fail(err, HD_ESYS, "xl domid %s failed", g->name);
	snprintf(id, sizeof(id), "%u", *domid);
	uint64_t unpause_start = hd_now_ns();
	rc = run_xl(unpause, NULL, 0);
	t->unpaused_ns = hd_now_ns();
	t->total_ns = (created - t->start_ns) + (t->unpaused_ns - unpause_start);
	t->phase_ns[XCL_PHASE_TOOLSTACK] = t->total_ns;
	t->phase_first_ns[XCL_PHASE_TOOLSTACK] = t->start_ns;
	t->phase_calls[XCL_PHASE_TOOLSTACK] = 2;
	if (rc != 0) {
		t->unpaused_ns = 0;
		return hd_fail(err, HD_ESYS, "xl unpause %u: exit status %d",
			       *domid, rc);
	}
	xen_host_created(&p->host, *domid);
	return HD_OK;
}

static int xl_destroy(struct platform *p, uint32_t worker, uint32_t domid,
		      struct xcl_timing *t, struct hd_err *err)
{
	char id[16];
	(void)worker;
	xen_host_destroying(&p->host, domid);
	memset(t, 0, sizeof(*t));
	t->start_ns = hd_now_ns();
	snprintf(id, sizeof(id), "%u", domid);
	char *argv[] = { "xl", "destroy", id, NULL };
	int rc = run_xl(argv, NULL, 0);
	t->total_ns = hd_now_ns() - t->start_ns;
	t->phase_ns[XCL_PHASE_TOOLSTACK] = t->total_ns;
	if (rc != 0)
		return hd_fail(err, HD_ESYS, "xl destroy %u: exit status %d",
			       domid, rc);
	xen_host_destroyed(&p->host, domid);
	return HD_OK;
}

const struct platform_ops platform_xl = {
	.name = "xl",
	.help = "real Xen through Xen's own xl, one `xl create` per guest; run "
		"horde in dom0",
	.keys = &xen_keys,
	.check = xen_host_check,
	.open = xl_open,
	.create = xl_create,
	.destroy = xl_destroy,
	.info = xen_host_info,
	.faults = xen_host_faults,
	.daemons = xen_host_daemons,
	.sample = xen_host_sample,
	.close = xl_close,
};
