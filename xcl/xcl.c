/* xcl.c: guest creation and destruction, phase by phase.
 *
 * Creation: hypervisor (domain, event channels, image) -> XenStore (the
 * profile's entries in one transaction, then INTRODUCE) -> dom0 (wait for the
 * vif backend's hotplug to report connected) -> hypervisor (unpause). Every
 * step that fails undoes the ones before it. */
#define _GNU_SOURCE
#include "xcl.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xcl_profile.h"

/* A commit that conflicts with another toolstack's (creating a guest's
 * directory changes /local/domain, which every creation in flight also
 * changes) is retried, as libxl does, after a random pause that doubles
 * up to 4 ms, so that creations in step fall out of step. The pauses are
 * the toolstack's time, not XenStore's; each retry is counted in
 * xcl_timing.commit_retries. */
#define TX_RETRIES 200
#define TX_BACKOFF_FIRST_NS 20000ull
#define TX_BACKOFF_MAX_NS 4000000ull

struct xcl_ctx {
	struct xs_handle *xs;       /* requests only: never has a watch */
	struct xs_handle *watch_xs; /* the watches creation waits on */
	const struct xcl_hv_ops *hv;
	void *hv_arg;
	uint64_t backend_timeout_ns;
	struct xcl_timing *timing; /* of the call in progress */
	unsigned watch_seq;
	bool xl_paths_used; /* some guest was made with the xl profile */
	uint64_t rng;       /* for the commit backoff */
};

static const char *const phase_names[XCL_PHASE_COUNT] = {
	[XCL_PHASE_TOOLSTACK] = "toolstack",
	[XCL_PHASE_XENSTORE] = "xenstore",
	[XCL_PHASE_HYPERVISOR] = "hypervisor",
	[XCL_PHASE_DOM0] = "dom0",
};

const char *xcl_phase_name(enum xcl_phase p)
{
	return p < XCL_PHASE_COUNT ? phase_names[p] : "?";
}

int xcl_ctx_new(struct xs_handle *xs, struct xs_handle *watch_xs,
		const struct xcl_hv_ops *hv, void *hv_arg,
		uint64_t backend_timeout_ns, struct xcl_ctx **out,
		struct hd_err *err)
{
	struct xcl_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return hd_fail(err, HD_ESYS, "libxcl: out of memory");
	c->xs = xs;
	c->watch_xs = watch_xs;
	c->hv = hv;
	c->hv_arg = hv_arg;
	c->backend_timeout_ns = backend_timeout_ns;
	c->rng = (uint64_t)(uintptr_t)c ^ hd_now_ns();
	*out = c;
	return HD_OK;
}

void xcl_ctx_free(struct xcl_ctx *ctx)
{
	free(ctx);
}

/* ---- phase accounting ------------------------------------------------ */

/* One stretch of time charged to a phase: when it began and the model's
 * totals then, so that what a model stood in for is told apart. */
struct charge {
	uint64_t since;
	struct xcl_modelled m;
};

static void read_modelled(struct xcl_ctx *c, struct xcl_modelled *m)
{
	if (c->hv->modelled)
		c->hv->modelled(c->hv_arg, m);
	else
		*m = (struct xcl_modelled){ 0, 0 };
}

/* Starts a stretch of time in phase p; is_call when it is one call
 * (a round trip, a hypercall wrapper, a wait), not local work. */
static struct charge charge_begin(struct xcl_ctx *c, enum xcl_phase p,
				  bool is_call)
{
	struct charge ch;
	read_modelled(c, &ch.m);
	ch.since = hd_now_ns();
	if (!c->timing->phase_first_ns[p])
		c->timing->phase_first_ns[p] = ch.since;
	c->timing->phase_calls[p] += is_call;
	return ch;
}

/* Ends the stretch; op is the hypervisor operation it was, or -1. */
static void charge_end(struct xcl_ctx *c, enum xcl_phase p, int op,
		       const struct charge *ch)
{
	struct xcl_timing *t = c->timing;
	struct xcl_modelled m;
	uint64_t now = hd_now_ns();

	read_modelled(c, &m);
	uint64_t modelled = m.nominal_ns - ch->m.nominal_ns;
	t->phase_ns[p] += now - ch->since;
	t->phase_modelled_ns[p] += modelled;
	t->phase_slept_ns[p] += m.slept_ns - ch->m.slept_ns;
	if (op >= 0) {
		t->op_ns[op] += now - ch->since;
		t->op_modelled_ns[op] += modelled;
		t->op_calls[op]++;
	}
}

/* Runs stmt and charges its time to phase: CHARGE for one call,
 * CHARGE_LOCAL for work inside a library that makes no round trip. */
#define CHARGE_AS(c, phase, op, is_call, stmt)                            \
	do {                                                              \
		struct charge ch_ = charge_begin((c), (phase), (is_call));\
		stmt;                                                     \
		charge_end((c), (phase), (op), &ch_);                     \
	} while (0)
#define CHARGE(c, phase, stmt) CHARGE_AS(c, phase, -1, true, stmt)
#define CHARGE_LOCAL(c, phase, stmt) CHARGE_AS(c, phase, -1, false, stmt)
/* A call through xcl_hv_ops: the hypervisor phase, and its operation. */
#define HV_CALL(c, op, stmt) CHARGE_AS(c, XCL_PHASE_HYPERVISOR, op, true, stmt)

static void timing_start(struct xcl_ctx *c, struct xcl_timing *t)
{
	memset(t, 0, sizeof(*t));
	t->start_ns = hd_now_ns();
	c->timing = t;
}

static void timing_finish(struct xcl_ctx *c)
{
	struct xcl_timing *t = c->timing;
	uint64_t others = 0;

	t->total_ns = hd_now_ns() - t->start_ns;
	for (int p = 0; p < XCL_PHASE_COUNT; p++)
		if (p != XCL_PHASE_TOOLSTACK)
			others += t->phase_ns[p];
	t->phase_ns[XCL_PHASE_TOOLSTACK] =
		t->total_ns > others ? t->total_ns - others : 0;
	t->phase_first_ns[XCL_PHASE_TOOLSTACK] = t->start_ns;
	c->timing = NULL;
}

/* ---- paths ------------------------------------------------------------ */

struct paths {
	char dom[64], console[80], fe[96], be[96];
	char vm[64], libxl[32], libxl_vif[64], console_be[96];
};

static void make_paths(uint32_t domid, struct paths *p)
{
	snprintf(p->dom, sizeof(p->dom), "/local/domain/%u", domid);
	snprintf(p->console, sizeof(p->console), "%s/console", p->dom);
	snprintf(p->fe, sizeof(p->fe), "%s/device/vif/0", p->dom);
	snprintf(p->be, sizeof(p->be), XCL_BACKEND_VIF_ROOT "/%u/0", domid);
	/* A domain's UUID is made from its id: unique on the host. */
	snprintf(p->vm, sizeof(p->vm), "/vm/00000000-0000-4000-8000-%012x",
		 domid);
	snprintf(p->libxl, sizeof(p->libxl), "/libxl/%u", domid);
	snprintf(p->libxl_vif, sizeof(p->libxl_vif), "%s/device/vif/0", p->libxl);
	snprintf(p->console_be, sizeof(p->console_be),
		 "/local/domain/0/backend/console/%u/0", domid);
}

static const char *base_path(const struct paths *p, enum xcl_base b)
{
	switch (b) {
	case XCL_BASE_DOM: return p->dom;
	case XCL_BASE_CONSOLE: return p->console;
	case XCL_BASE_FE: return p->fe;
	case XCL_BASE_BE: return p->be;
	case XCL_BASE_VM: return p->vm;
	case XCL_BASE_LIBXL: return p->libxl;
	case XCL_BASE_LIBXL_VIF: return p->libxl_vif;
	case XCL_BASE_CONSOLE_BE: return p->console_be;
	default: return p->dom;
	}
}

/* Values are validated here, before they reach the store: hotplug scripts
 * and backends read them. */
static int check_config(const struct xcl_guest_config *cfg, struct hd_err *err)
{
	int rc;
	if (!cfg->name || !*cfg->name || strlen(cfg->name) > 64)
		return hd_fail(err, HD_EINVAL, "guest name must be 1-64 characters");
	if ((rc = hd_check_chars("guest name", cfg->name, XCL_NAME_CHARS, err)))
		return rc;
	if (!cfg->bridge || !*cfg->bridge || strlen(cfg->bridge) > 15)
		return hd_fail(err, HD_EINVAL, "bridge name must be 1-15 characters");
	if ((rc = hd_check_chars("bridge", cfg->bridge, XCL_BRIDGE_CHARS, err)))
		return rc;
	if (cfg->mac[0] & 1)
		return hd_fail(err, HD_EINVAL, "vif MAC must be unicast");
	if (cfg->memory_kib < 1024)
		return hd_fail(err, HD_EINVAL, "guest memory below 1 MiB");
	if (cfg->profile >= XCL_PROFILE_COUNT)
		return hd_fail(err, HD_EINVAL, "unknown entry profile");
	return HD_OK;
}

void xcl_entry_render(const struct xcl_entry *e,
		      const struct xcl_guest_config *cfg, uint32_t domid,
		      const struct xcl_build_result *br, uint32_t store_port,
		      uint32_t console_port, char *path, size_t path_len,
		      char *buf, size_t len)
{
	struct paths paths, *p = &paths;

	make_paths(domid, p);
	snprintf(path, path_len, "%s/%s", base_path(p, e->base), e->key);
	switch (e->value) {
	case XCL_V_NAME: snprintf(buf, len, "%s", cfg->name); break;
	case XCL_V_DOMID: snprintf(buf, len, "%u", domid); break;
	case XCL_V_MEMORY_KIB:
		snprintf(buf, len, "%llu", (unsigned long long)cfg->memory_kib);
		break;
	case XCL_V_CONSOLE_MFN:
		snprintf(buf, len, "%llu", (unsigned long long)br->console_mfn);
		break;
	case XCL_V_CONSOLE_PORT: snprintf(buf, len, "%u", console_port); break;
	case XCL_V_BE_PATH: snprintf(buf, len, "%s", p->be); break;
	case XCL_V_FE_PATH: snprintf(buf, len, "%s", p->fe); break;
	case XCL_V_ZERO: snprintf(buf, len, "0"); break;
	case XCL_V_ONE: snprintf(buf, len, "1"); break;
	case XCL_V_MAC:
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", cfg->mac[0],
			 cfg->mac[1], cfg->mac[2], cfg->mac[3], cfg->mac[4],
			 cfg->mac[5]);
		break;
	case XCL_V_BRIDGE: snprintf(buf, len, "%s", cfg->bridge); break;
	case XCL_V_VM_PATH: snprintf(buf, len, "%s", p->vm); break;
	case XCL_V_UUID: snprintf(buf, len, "%s", p->vm + 4); break;
	case XCL_V_STORE_MFN:
		snprintf(buf, len, "%llu", (unsigned long long)br->store_mfn);
		break;
	case XCL_V_STORE_PORT: snprintf(buf, len, "%u", store_port); break;
	case XCL_V_CONSOLE_FE_PATH: snprintf(buf, len, "%s", p->console); break;
	case XCL_V_CONSOLE_BE_PATH: snprintf(buf, len, "%s", p->console_be); break;
	case XCL_V_KERNEL: snprintf(buf, len, "%s", cfg->kernel ? cfg->kernel : ""); break;
	case XCL_V_CMDLINE: snprintf(buf, len, "%s", cfg->cmdline ? cfg->cmdline : ""); break;
	case XCL_V_LITERAL: snprintf(buf, len, "%s", e->literal); break;
	}
}

/* ---- XenStore steps ---------------------------------------------------- */

/* Makes the four directories with their owners: the guest owns its
 * frontend and console (dom0 may read), dom0 owns the backend and the
 * domain directory (the guest may read). */
static bool make_dirs(struct xcl_ctx *c, xs_transaction_t t, uint32_t domid,
		      const struct paths *p, enum xcl_profile profile)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	struct xs_permissions rw[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	struct xs_permissions dom0[1] = { { 0, XS_PERM_NONE } };
	const struct {
		const char *path;
		struct xs_permissions *perms;
		unsigned n;
	} dirs[] = {
		{ p->dom, ro, 2 }, { p->console, rw, 2 }, { p->fe, rw, 2 },
		{ p->be, ro, 2 },
		/* xl's also: */
		{ p->vm, ro, 2 }, { p->libxl, dom0, 1 }, { p->console_be, ro, 2 },
	};
	size_t ndirs = profile == XCL_PROFILE_XL ? HD_ARRAY_SIZE(dirs) : 4;
	bool ok = true;

	for (size_t i = 0; ok && i < ndirs; i++) {
		CHARGE(c, XCL_PHASE_XENSTORE,
		       ok = xs_mkdir(c->xs, t, dirs[i].path));
		if (ok)
			CHARGE(c, XCL_PHASE_XENSTORE,
			       ok = xs_set_permissions(c->xs, t, dirs[i].path,
						       dirs[i].perms, dirs[i].n));
	}
	return ok;
}

static int write_entries(struct xcl_ctx *c, const struct xcl_guest_config *cfg,
			 uint32_t domid, const struct paths *p,
			 const struct xcl_build_result *br, uint32_t store_port,
			 uint32_t console_port, struct hd_err *err)
{
	size_t n;
	const struct xcl_entry *table = xcl_profile_table(cfg->profile, &n);

	for (int attempt = 0; attempt < TX_RETRIES; attempt++) {
		xs_transaction_t t;
		bool ok;

		CHARGE(c, XCL_PHASE_XENSTORE, t = xs_transaction_start(c->xs));
		if (t == XBT_NULL)
			return hd_fail_errno(err, HD_EXS, "xenstore: start transaction");
		ok = make_dirs(c, t, domid, p, cfg->profile);
		if (!ok)
			hd_fail_errno(err, HD_EXS, "xenstore: make directories");
		for (size_t i = 0; ok && i < n; i++) {
			char path[256], value[256];
			xcl_entry_render(&table[i], cfg, domid, br, store_port,
					 console_port, path, sizeof(path),
					 value, sizeof(value));
			CHARGE(c, XCL_PHASE_XENSTORE,
			       ok = xs_write(c->xs, t, path, value,
					     (unsigned)strlen(value)));
			if (!ok)
				hd_fail_errno(err, HD_EXS, "xenstore: write %s", path);
		}
		if (!ok) {
			CHARGE(c, XCL_PHASE_XENSTORE,
			       xs_transaction_end(c->xs, t, true));
			return HD_EXS;
		}
		CHARGE(c, XCL_PHASE_XENSTORE,
		       ok = xs_transaction_end(c->xs, t, false));
		if (ok)
			return HD_OK;
		if (errno != EAGAIN)
			return hd_fail_errno(err, HD_EXS, "xenstore: commit entries");
		uint64_t cap = TX_BACKOFF_FIRST_NS << (attempt < 8 ? attempt : 8);
		if (cap > TX_BACKOFF_MAX_NS)
			cap = TX_BACKOFF_MAX_NS;
		c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
		c->timing->commit_retries++;
		hd_sleep_until_ns(hd_now_ns() + (c->rng >> 33) % cap);
	}
	return hd_fail(err, HD_EXS, "xenstore: commit kept conflicting (%d tries)",
		       TX_RETRIES);
}

/* Removes what creation wrote. Errors are ignored on purpose: this runs
 * while undoing, and each step should be tried whatever the others did. */
static void remove_entries(struct xcl_ctx *c, uint32_t domid,
			   const struct paths *p, bool introduced)
{
	char be_dom[96], con_dom[96];
	snprintf(be_dom, sizeof(be_dom), XCL_BACKEND_VIF_ROOT "/%u", domid);
	snprintf(con_dom, sizeof(con_dom), "/local/domain/0/backend/console/%u",
		 domid);
	CHARGE(c, XCL_PHASE_XENSTORE, xs_rm(c->xs, XBT_NULL, be_dom));
	CHARGE(c, XCL_PHASE_XENSTORE, xs_rm(c->xs, XBT_NULL, p->dom));
	/* What only the xl profile writes; removing what is not there is
	 * fine, so destroy need not know the profile. */
	if (c->xl_paths_used) {
		CHARGE(c, XCL_PHASE_XENSTORE, xs_rm(c->xs, XBT_NULL, con_dom));
		CHARGE(c, XCL_PHASE_XENSTORE, xs_rm(c->xs, XBT_NULL, p->vm));
		CHARGE(c, XCL_PHASE_XENSTORE, xs_rm(c->xs, XBT_NULL, p->libxl));
	}
	if (introduced)
		CHARGE(c, XCL_PHASE_XENSTORE, xs_release_domain(c->xs, domid));
}

/* ---- dom0 -------------------------------------------------------------- */

/* Frees the events the watch handle has queued; no round trip. (horde
 * drains rather than open handles with XS_UNWATCH_FILTER: in
 * libxenstore 4.17 that filter frees each event it drops but not its
 * body, a leak a creation.) */
static void drain_watch(struct xcl_ctx *c)
{
	char **ev;
	for (;;) {
		CHARGE_LOCAL(c, XCL_PHASE_XENSTORE,
			     ev = xs_check_watch(c->watch_xs));
		if (!ev)
			break;
		free(ev);
	}
}

/* Waits until the vif backend's hotplug reports "connected", as libxl
 * waits for its hotplug scripts. The watch is set on the watch handle;
 * every libxenstore call is charged to the xenstore phase and only the
 * waits between them to dom0. */
static int wait_backend(struct xcl_ctx *c, const struct paths *p,
			struct hd_err *err)
{
	char path[128], token[32];
	int rc = HD_OK;
	uint64_t deadline = hd_now_ns() + c->backend_timeout_ns;
	bool watching;

	snprintf(path, sizeof(path), "%s/hotplug-status", p->be);
	snprintf(token, sizeof(token), "xcl-be-%u", ++c->watch_seq);
	CHARGE(c, XCL_PHASE_XENSTORE,
	       watching = xs_watch(c->watch_xs, path, token));
	if (!watching)
		return hd_fail_errno(err, HD_EXS, "xenstore: watch %s", path);
	for (;;) {
		unsigned len;
		char *v;
		CHARGE(c, XCL_PHASE_XENSTORE,
		       v = xs_read(c->xs, XBT_NULL, path, &len));
		if (v) {
			bool connected = strcmp(v, "connected") == 0;
			bool failed = strcmp(v, "error") == 0;
			free(v);
			if (connected)
				break;
			if (failed) {
				char epath[160], *why;
				snprintf(epath, sizeof(epath), "%s/hotplug-error", p->be);
				CHARGE(c, XCL_PHASE_XENSTORE,
				       why = xs_read(c->xs, XBT_NULL, epath, &len));
				rc = hd_fail(err, HD_ELIMIT, "%s",
					     why ? why : "dom0: vif hotplug failed");
				free(why);
				break;
			}
		}
		uint64_t now = hd_now_ns();
		if (now >= deadline) {
			char t[32];
			rc = hd_fail(err, HD_ETIMEOUT,
				     "dom0: vif backend not connected after %s",
				     hd_fmt_ns(c->backend_timeout_ns, t, sizeof(t)));
			break;
		}
		struct pollfd pfd = { .fd = xs_fileno(c->watch_xs), .events = POLLIN };
		int ms = (int)((deadline - now) / 1000000) + 1, r;
		CHARGE(c, XCL_PHASE_DOM0, r = poll(&pfd, 1, ms));
		if (r < 0 && errno != EINTR) {
			rc = hd_fail_errno(err, HD_ESYS, "dom0: poll");
			break;
		}
		drain_watch(c);
	}
	CHARGE(c, XCL_PHASE_XENSTORE, xs_unwatch(c->watch_xs, path, token));
	/* Events the daemon sent before its unwatch reply are queued by now
	 * (the reader thread takes messages in order): none is left for
	 * the next creation's wait. */
	drain_watch(c);
	return rc;
}

/* ---- create and destroy ------------------------------------------------ */

/* What xl does before it creates a guest: read every domain's name to
 * refuse a duplicate. Its cost grows with the number of guests, which is
 * why the lean profile never does it. */
static int scan_names(struct xcl_ctx *c, const char *name, struct hd_err *err)
{
	unsigned n, len;
	char **doms;
	int rc = HD_OK;

	CHARGE(c, XCL_PHASE_XENSTORE,
	       doms = xs_directory(c->xs, XBT_NULL, "/local/domain", &n));
	if (!doms)
		return hd_fail_errno(err, HD_EXS, "xenstore: list domains");
	for (unsigned i = 0; i < n && !rc; i++) {
		char path[64], *other;
		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		CHARGE(c, XCL_PHASE_XENSTORE,
		       other = xs_read(c->xs, XBT_NULL, path, &len));
		if (other && strcmp(other, name) == 0)
			rc = hd_fail(err, HD_EINVAL, "name %s is already domain %s's",
				     name, doms[i]);
		free(other);
	}
	free(doms);
	return rc;
}

int xcl_create(struct xcl_ctx *c, const struct xcl_guest_config *cfg,
	       uint32_t *domid_out, struct xcl_timing *timing, struct hd_err *err)
{
	struct xcl_domain_config dc = {
		.memory_kib = cfg->memory_kib,
		.vcpus = 1,
		.max_evtchn_port = 1023,
		.max_grant_frames = 4,
		.max_maptrack_frames = 0,
		.kernel = cfg->kernel,
		.ramdisk = cfg->ramdisk,
		.cmdline = cfg->cmdline,
	};
	struct xcl_build_result br;
	struct paths p;
	uint32_t domid = 0, store_port = 0, console_port = 0;
	bool have_domain = false, wrote = false, introduced = false;
	int rc;

	timing_start(c, timing);
	if ((rc = check_config(cfg, err)))
		goto out;
	if (cfg->profile == XCL_PROFILE_XL) {
		c->xl_paths_used = true;
		if ((rc = scan_names(c, cfg->name, err)))
			goto out;
	}

	HV_CALL(c, XCL_HV_CREATE,
	       rc = c->hv->domain_create(c->hv_arg, &dc, &domid, err));
	if (rc) {
		hd_wrap(err, "create domain");
		goto out;
	}
	have_domain = true;
	*domid_out = domid; /* also on failure: it existed, for late faults */
	make_paths(domid, &p);
	HV_CALL(c, XCL_HV_EVTCHN,
	       rc = c->hv->evtchn_alloc(c->hv_arg, domid, 0, &store_port, err));
	if (!rc)
		HV_CALL(c, XCL_HV_EVTCHN,
		       rc = c->hv->evtchn_alloc(c->hv_arg, domid, 0,
						&console_port, err));
	if (rc) {
		hd_wrap(err, "domain %u: event channels", domid);
		goto out;
	}
	HV_CALL(c, XCL_HV_BUILD,
	       rc = c->hv->build(c->hv_arg, domid, &dc, store_port,
				 console_port, &br, err));
	if (rc) {
		hd_wrap(err, "domain %u: build", domid);
		goto out;
	}
	HV_CALL(c, XCL_HV_GNTTAB,
	       rc = c->hv->gnttab_seed(c->hv_arg, domid, &br, err));
	if (rc) {
		hd_wrap(err, "domain %u: grant table", domid);
		goto out;
	}

	wrote = true;
	if ((rc = write_entries(c, cfg, domid, &p, &br, store_port, console_port,
				err))) {
		hd_wrap(err, "domain %u", domid);
		goto out;
	}
	bool ok;
	CHARGE(c, XCL_PHASE_XENSTORE,
	       ok = xs_introduce_domain(c->xs, domid, br.store_mfn, store_port));
	if (!ok) {
		rc = hd_fail_errno(err, HD_EXS, "domain %u: xenstore: introduce",
				   domid);
		goto out;
	}
	introduced = true;

	if ((rc = wait_backend(c, &p, err))) {
		hd_wrap(err, "domain %u", domid);
		goto out;
	}
	HV_CALL(c, XCL_HV_UNPAUSE,
	       rc = c->hv->unpause(c->hv_arg, domid, err));
	if (rc) {
		hd_wrap(err, "domain %u: unpause", domid);
		goto out;
	}
	timing->unpaused_ns = hd_now_ns();
out:
	if (rc && have_domain) {
		struct hd_err ignored;
		if (wrote)
			remove_entries(c, domid, &p, introduced);
		HV_CALL(c, XCL_HV_DESTROY,
		       c->hv->destroy(c->hv_arg, domid, &ignored));
	}
	timing_finish(c);
	return rc;
}

int xcl_destroy(struct xcl_ctx *c, uint32_t domid, struct xcl_timing *timing,
		struct hd_err *err)
{
	struct paths p;
	int rc;

	timing_start(c, timing);
	make_paths(domid, &p);
	HV_CALL(c, XCL_HV_DESTROY,
	       rc = c->hv->destroy(c->hv_arg, domid, err));
	if (rc)
		hd_wrap(err, "domain %u: destroy", domid);
	/* The entries go even when the hypervisor had no such domain, so
	 * that nothing is left in the store either way. */
	remove_entries(c, domid, &p, true);
	timing_finish(c);
	return rc;
}
