/* runner.c: see runner.h. */
#define _GNU_SOURCE
#include "runner.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/domid.h"
#include "../loadgen/loadgen.h"
#include "../probes/arp.h"
#include "../probes/sampler.h"
#include "platform.h"
#include "workers.h"

#define RESULT_BATCH 256

static void fmt_mac(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

struct run_state {
	const struct plan_job *job;
	const struct run_options *opts;
	struct results *results;
	struct probe *probe;
	int64_t run_id;
	uint64_t t0, last_progress;
	struct run_progress prog;
	const struct platform_ops *ops;
	struct platform *plat;
	uint32_t nifaces;  /* the platform's bridges, guests round robin */
	char (*ifaces)[16]; /* their names (the platform's info) */
	uint32_t *domids;  /* by seq; 0 = none */
	uint32_t *seq_of;  /* by domid, for failures the platform finds late */
	/* Late failures of domains no stored guest has yet (a creation still
	 * in flight): held until one has, never dropped. */
	struct platform_fault *held;
	size_t nheld, capheld;
	bool *alive;       /* by seq: answered ARP, not destroyed */
	bool *verdict;     /* by seq: the prober said alive or dead */
	bool stop_on_failure, failed_once;
	bool tearing_down; /* resumed into the teardown it had begun */
	/* The first destruction that could not be stored; the others are
	 * not tried, but the guests are still destroyed. */
	int destroy_rc;
	struct hd_err destroy_err;
	struct loadgen_config pattern; /* the job's */
	struct loadgen loadgen;
	struct loadgen *lg;       /* &loadgen; NULL once the pattern is over */
	struct workers *workers;
	uint32_t nworkers;
	uint32_t max_seq;         /* the highest guest number the pattern makes */
	uint64_t platform_ns, sweep_ns; /* of the creation stage */
	_Atomic uint32_t living; /* created and not destroyed: the sampler's */
	struct sampler *sampler;
	struct sweep {         /* the sweep in progress */
		struct sweep_row row;
		uint32_t pending;
		uint64_t *rtts;  /* of the answers */
		uint64_t last_ns;
		uint32_t created_at;
	} sweep;
	const char *status; /* what the run is stored as at its end */
};

/* Tells the caller of a failed guest, if it asked (horde run -v). */
static void told(const struct run_state *s, uint32_t seq, const char *cause)
{
	if (s->opts->on_failure)
		s->opts->on_failure(s->opts->failure_arg, seq, cause);
}

static void report_progress(struct run_state *s, int force)
{
	uint64_t now = hd_now_ns();
	if (!s->opts->progress || (!force && now - s->last_progress < 100000000ull))
		return;
	s->last_progress = now;
	s->prog.elapsed_ns = now - s->t0;
	s->prog.final = force;
	s->opts->progress(s->opts->progress_arg, &s->prog);
}

/* Stores the prober's verdicts that are ready; waits up to wait_ns for
 * one when asked. */
static int collect(struct run_state *s, uint64_t wait_ns, struct hd_err *err)
{
	struct probe_result res[RESULT_BATCH];
	size_t n = probe_wait(s->probe, res, RESULT_BATCH, wait_ns);

	for (size_t i = 0; i < n; i++) {
		const struct probe_result *r = &res[i];
		char mac[18], failure[128];
		const char *why = NULL;
		int rc;

		if (r->sweep) {
			struct sweep *w = &s->sweep;
			w->pending--;
			w->row.sent += r->sends;
			if (r->alive) {
				w->rtts[w->row.answered++] = r->rtt_ns;
				w->row.wrong_mac += r->mac_mismatch != 0;
			}
			if (r->reply_ns > w->last_ns)
				w->last_ns = r->reply_ns;
			continue;
		}
		fmt_mac(r->mac, mac);
		s->verdict[r->id] = true;
		if (r->alive) {
			s->prog.alive++;
			s->alive[r->id] = true;
			if (r->mac_mismatch) {
				snprintf(failure, sizeof(failure),
					 "arp: reply from unexpected MAC %s", mac);
				why = failure;
			}
			rc = results_alive(s->results, s->run_id, r->id,
					   (int64_t)(r->reply_ns - r->start_ns),
					   mac, r->sends, why, err);
		} else {
			char t[32];
			s->prog.dead++;
			if (r->iface_gone)
				snprintf(failure, sizeof(failure), "arp: interface "
					 "%s has gone (deleted or down while the "
					 "run ran): no probe reaches the guest",
					 s->ifaces[r->iface]);
			else
				snprintf(failure, sizeof(failure),
					 "arp: no reply to %u probes in %s",
					 r->sends, hd_fmt_ns(s->job->alive_timeout_ns,
							     t, sizeof(t)));
			rc = results_alive(s->results, s->run_id, r->id, -1, NULL,
					   r->sends, failure, err);
			told(s, r->id, failure);
		}
		if (rc)
			return rc;
	}
	return HD_OK;
}

/* The platform's own metrics, on the sampler's thread. */
static void sample_platform(void *arg, sampler_emit_fn emit, void *ctx)
{
	struct run_state *s = arg;
	s->ops->sample(s->plat, emit, ctx);
}

/* Stores what the host sampler has taken. */
static int collect_samples(struct run_state *s, struct hd_err *err)
{
	struct sample smp[256];
	size_t n;
	int rc;

	if (!s->sampler)
		return HD_OK;
	do {
		if ((rc = sampler_take(s->sampler, smp, HD_ARRAY_SIZE(smp), &n,
				       err)))
			return rc;
		for (size_t i = 0; i < n; i++)
			if ((rc = results_sample(s->results, s->run_id,
						 smp[i].at_ns, smp[i].guests,
						 smp[i].source, smp[i].metric,
						 smp[i].value, err)))
				return rc;
	} while (n > 0);
	return HD_OK;
}

/* Stores failures the platform found after creation; with settle, first
 * lets the platform's dom0 catch up with every guest created so far. */
static int collect_faults(struct run_state *s, int settle, struct hd_err *err)
{
	struct platform_fault f[64];
	size_t n;
	int rc;

	if (!s->ops->faults)
		return HD_OK;
	for (bool first = true;; first = false) {
		if ((rc = s->ops->faults(s->plat, f, HD_ARRAY_SIZE(f),
					 settle && first, &n, err)))
			return rc;
		if (n == 0)
			break;
		if (hd_reserve((void **)&s->held, &s->capheld, sizeof(*s->held),
			       s->nheld + n))
			return hd_fail(err, HD_ESYS, "out of memory for %zu guest "
				       "failures", n);
		memcpy(s->held + s->nheld, f, n * sizeof(*f));
		s->nheld += n;
	}
	size_t kept = 0;
	for (size_t i = 0; i < s->nheld; i++) {
		struct platform_fault *h = &s->held[i];
		uint32_t seq = h->domid <= HD_DOMID_LAST ? s->seq_of[h->domid] : 0;
		if (!seq) {
			s->held[kept++] = *h;
			continue;
		}
		if ((rc = results_failure(s->results, s->run_id, seq, h->cause,
					  err)))
			return rc;
		told(s, seq, h->cause);
		s->prog.faulty++;
		s->failed_once = true;
	}
	s->nheld = kept;
	/* Settled with every creation back: a failure no guest can take is
	 * one horde cannot place, and says so rather than drop it. */
	if (settle && s->nheld && workers_pending(s->workers) == 0)
		return hd_fail(err, HD_EINVAL, "%zu failures of domains no guest "
			       "of this run had, the first of domain %u: %s",
			       s->nheld, s->held[0].domid, s->held[0].cause);
	return HD_OK;
}

/* Probes every living guest once more and stores how many answered and
 * how fast; creation waits meanwhile. Guests still booting go on being
 * probed for liveness as usual. */
static int sweep(struct run_state *s, struct hd_err *err)
{
	struct sweep *w = &s->sweep;
	uint32_t planned = s->max_seq;
	int rc;

	memset(&w->row, 0, sizeof(w->row));
	w->row.sweep = ++s->prog.sweeps;
	w->row.guests = s->prog.created;
	w->created_at = s->prog.created;
	uint64_t start = hd_now_ns();
	w->row.at_ns = start - s->t0;
	w->last_ns = start;
	for (uint32_t seq = 1; seq <= planned; seq++) {
		if (!s->alive[seq])
			continue;
		uint8_t mac[6];
		platform_guest_mac(seq, mac);
		if (probe_add_sweep(s->probe, w->row.sweep, seq,
				    (seq - 1) % s->nifaces,
				    platform_guest_addr(seq), mac,
				    s->job->sweep_timeout_ns))
			return hd_fail(err, HD_ESYS, "prober: out of memory");
		w->row.probed++;
	}
	w->pending = w->row.probed;
	while (w->pending > 0 && *s->opts->stop < 2)
		if ((rc = collect(s, 100000000ull, err)))
			return rc;
	uint64_t end = w->pending ? hd_now_ns() : w->last_ns;
	w->row.duration_ns = end - start;
	if (w->row.answered) {
		qsort(w->rtts, w->row.answered, sizeof(*w->rtts), hd_cmp_u64);
		w->row.rtt_p50_ns = hd_quantile_sorted(w->rtts, w->row.answered, 0.5);
		w->row.rtt_p90_ns = hd_quantile_sorted(w->rtts, w->row.answered, 0.9);
		w->row.rtt_p99_ns = hd_quantile_sorted(w->rtts, w->row.answered, 0.99);
		w->row.rtt_max_ns = w->rtts[w->row.answered - 1];
	}
	s->prog.swept_answered = w->row.answered;
	s->prog.swept_probed = w->row.probed;
	return results_sweep(s->results, s->run_id, &w->row, err);
}

/* A sweep is due every sweep_every creations or sweep_interval. */
static bool sweep_due(struct run_state *s)
{
	const struct plan_job *j = s->job;
	if (j->sweep_every &&
	    s->prog.created - s->sweep.created_at >= (uint32_t)j->sweep_every)
		return true;
	return j->sweep_interval_ns &&
	       hd_now_ns() - (s->t0 + s->sweep.row.at_ns) >= j->sweep_interval_ns;
}

/* A run stopped before every guest it made had answered or timed out:
 * those guests say so, so that no guest is left with neither a verdict
 * nor a failure (and the summary does not call them fine). */
static int no_verdict(struct run_state *s, struct hd_err *err)
{
	int rc;
	if ((rc = collect(s, 0, err)))
		return rc;
	for (uint32_t seq = 1; seq <= s->max_seq; seq++) {
		if (!s->domids[seq] || s->verdict[seq])
			continue;
		if ((rc = results_failure(s->results, s->run_id, seq,
					  "arp: no verdict: the run was "
					  "stopped before the guest answered",
					  err)))
			return rc;
		s->prog.faulty++;
	}
	return HD_OK;
}

/* Everything a run does between two creations. */
static int tend(struct run_state *s, uint64_t wait_ns, struct hd_err *err)
{
	int rc;
	if ((rc = collect(s, wait_ns, err)) ||
	    (rc = collect_faults(s, 0, err)) ||
	    (rc = collect_samples(s, err)) ||
	    (rc = results_commit(s->results, 0, err)))
		return rc;
	report_progress(s, 0);
	return HD_OK;
}

/* The job's load pattern. Churn may create guests up to the end of
 * 198.18.0.0/15, the last address a guest can have. */
static void pattern_of(const struct plan_job *job, struct loadgen_config *c)
{
	memset(c, 0, sizeof(*c));
	c->pattern = job->pattern;
	c->guests = (uint32_t)job->guests;
	c->concurrency = (uint32_t)job->concurrency;
	c->burst = (uint32_t)job->burst;
	c->burst_every_ns = job->burst_every_ns;
	_Static_assert(LOADGEN_MAX_LEVELS == PLAN_LIST_MAX, "levels fit");
	c->nlevels = job->levels.n;
	memcpy(c->levels, job->levels.v, sizeof(c->levels));
	c->hold_ns = job->hold_ns;
	c->churn_ns = job->churn_for_ns;
	c->lifetime_ns = job->lifetime_ns;
	c->lifetime_dist = job->lifetime_dist;
	c->seed = (uint64_t)job->seed;
	c->max_seq = 131069; /* 198.18.0.2 .. 198.19.255.254 */
}

/* Guest seq of this run, the same whenever it is made. */
static struct guest_spec spec_of(const struct run_state *s, uint32_t seq)
{
	struct guest_spec g = { .seq = seq, .addr_be = platform_guest_addr(seq),
				.iface = (seq - 1) % s->nifaces };
	snprintf(g.name, sizeof(g.name), PLATFORM_GUEST_PREFIX "r%lld-%u",
		 (long long)s->run_id, seq);
	platform_guest_mac(seq, g.mac);
	return g;
}

/* Resuming: the host gets back the guests the run had made and not
 * destroyed (an emulated host died with the horde that ran it; on Xen,
 * `horde clean` or the resume itself destroyed what was left), without
 * storing them again, so that the ramp goes on, or the teardown ends,
 * from a host as full as it was. What was stored of them stays as it is;
 * a guest with no verdict yet is given one that says why. Returns the
 * next seq to create. */
static int refill(struct run_state *s, const struct stored_guest *old,
		  size_t nold, uint32_t *next, struct hd_err *err)
{
	*next = 1;
	for (size_t i = 0; i < nold && old[i].seq <= s->max_seq; i++) {
		uint32_t seq = old[i].seq, domid;
		struct xcl_timing t;
		*next = seq + 1;
		if (old[i].domid < 0) {
			s->prog.failed++;
			continue;
		}
		if (old[i].destroyed) {
			s->prog.created++;
			s->prog.destroyed++;
			continue;
		}
		struct guest_spec g = spec_of(s, seq);
		int rc = s->ops->create(s->plat, &g, &domid, &t, err);
		if (rc)
			return hd_wrap(err, "resume: making guest %u again", seq);
		s->domids[seq] = domid;
		if (domid <= HD_DOMID_LAST)
			s->seq_of[domid] = seq;
		s->prog.created++;
		atomic_fetch_add(&s->living, 1);
		s->verdict[seq] = true;
		if (old[i].alive) {
			s->alive[seq] = true;
			s->prog.alive++;
		} else if (!old[i].verdict &&
			   (rc = results_failure(s->results, s->run_id, seq,
						 "arp: no verdict before its "
						 "horde stopped", err))) {
			return rc;
		}
	}
	return HD_OK;
}

/* Stores a creation the workers carried out, and starts probing the
 * guest. */
static int finish_create(struct run_state *s, const struct op *op,
			 struct hd_err *err)
{
	const struct guest_spec *g = &op->spec;
	char addr[INET_ADDRSTRLEN], mac[18];
	int ok = op->rc == HD_OK;

	inet_ntop(AF_INET, &g->addr_be, addr, sizeof(addr));
	fmt_mac(g->mac, mac);
	struct guest_row row = {
		.seq = op->seq,
		.domid = ok ? (int64_t)op->domid : -1,
		.name = g->name,
		.address = addr,
		.mac = mac,
		.created_at_ns = op->started_ns - s->t0,
		.timing = &op->t,
		.unpaused_at_ns = ok ? op->t.unpaused_ns - s->t0 : 0,
		.failure = ok ? NULL : op->err.msg,
	};
	s->platform_ns += op->t.total_ns;
	loadgen_created(s->lg, op->seq, hd_now_ns() - s->t0, ok);
	if (results_guest(s->results, s->run_id, &row, err))
		return err->code;
	/* A failed creation may still have had a domain for a while, and the
	 * platform may report more of its failure later. */
	if (op->domid && op->domid <= HD_DOMID_LAST)
		s->seq_of[op->domid] = op->seq;
	if (!ok) {
		s->prog.failed++;
		s->failed_once = true;
		told(s, op->seq, op->err.msg);
		return HD_OK;
	}
	s->prog.created++;
	atomic_fetch_add(&s->living, 1);
	s->domids[op->seq] = op->domid;
	if (probe_add(s->probe, op->seq, g->iface, g->addr_be, g->mac,
		      op->t.unpaused_ns))
		return hd_fail(err, HD_ESYS, "prober: out of memory");
	return HD_OK;
}

/* Forgets a destroyed guest, and stores its destruction while the
 * database takes it (a failed store must not stop the destructions). */
static void finish_destroy(struct run_state *s, const struct op *op)
{
	uint32_t seq = op->seq;

	if (!s->destroy_rc)
		s->destroy_rc = results_destroyed(s->results, s->run_id, seq,
						  op->started_ns - s->t0, &op->t,
						  op->rc ? op->err.msg : NULL,
						  &s->destroy_err);
	if (s->domids[seq] <= HD_DOMID_LAST)
		s->seq_of[s->domids[seq]] = 0;
	s->domids[seq] = 0;
	s->alive[seq] = false;
	atomic_fetch_sub(&s->living, 1);
	s->prog.destroyed++;
	if (s->lg)
		loadgen_destroyed(s->lg, seq, hd_now_ns() - s->t0);
}

/* Takes back what the workers finished, waiting up to wait_ns for one. */
static int reap(struct run_state *s, uint64_t wait_ns, struct hd_err *err)
{
	struct op done[16];
	size_t n = workers_done(s->workers, done, HD_ARRAY_SIZE(done), wait_ns);

	for (size_t i = 0; i < n; i++) {
		if (done[i].kind == OP_DESTROY) {
			finish_destroy(s, &done[i]);
			continue;
		}
		int rc = finish_create(s, &done[i], err);
		if (rc)
			return rc;
	}
	return HD_OK;
}

static int submit(struct run_state *s, enum op_kind kind, uint32_t seq,
		  struct hd_err *err)
{
	struct op op = { .kind = kind, .seq = seq };
	if (kind == OP_CREATE)
		op.spec = spec_of(s, seq);
	else
		op.domid = s->domids[seq];
	return workers_submit(s->workers, &op, err);
}

/* Follows the job's pattern until it is done or the run is stopped. */
static int follow_pattern(struct run_state *s, struct hd_err *err)
{
	int rc;

	for (;;) {
		if (*s->opts->stop || (s->stop_on_failure && s->failed_once))
			return HD_OK;
		uint64_t now = hd_now_ns();
		struct loadgen_action a = loadgen_next(s->lg, now - s->t0);
		switch (a.kind) {
		case LOADGEN_CREATE:
		case LOADGEN_DESTROY:
			if (a.kind == LOADGEN_DESTROY && !s->domids[a.seq]) {
				/* already gone: nothing to do */
				loadgen_destroyed(s->lg, a.seq, now - s->t0);
				break;
			}
			if ((rc = submit(s, a.kind == LOADGEN_CREATE ? OP_CREATE
								     : OP_DESTROY,
					 a.seq, err)) ||
			    (rc = reap(s, 0, err)) || (rc = tend(s, 0, err)))
				return rc;
			break;
		case LOADGEN_WAIT: {
			/* For a completion, or until the pattern's next time,
			 * tending the probes every 100 ms at least. */
			uint64_t wait = 100000000ull;
			if (a.until_ns && s->t0 + a.until_ns > now &&
			    s->t0 + a.until_ns - now < wait)
				wait = s->t0 + a.until_ns - now;
			if (workers_pending(s->workers)) {
				if ((rc = reap(s, wait, err)) ||
				    (rc = tend(s, 0, err)))
					return rc;
			} else if ((rc = tend(s, wait, err))) {
				return rc;
			}
			break;
		}
		case LOADGEN_SWEEP:
			/* At a level: every guest's first answer, then the
			 * sweep of them all. */
			s->prog.stage = "waiting for ARP";
			while (!*s->opts->stop && probe_pending(s->probe) > 0)
				if ((rc = tend(s, 100000000ull, err)))
					return rc;
			s->prog.stage = "sweeping";
			if ((rc = results_commit(s->results, 1, err)) ||
			    (rc = sweep(s, err)))
				return rc;
			loadgen_swept(s->lg, hd_now_ns() - s->t0);
			s->prog.stage = "holding";
			break;
		case LOADGEN_DONE:
			return HD_OK;
		}
		if (a.kind != LOADGEN_SWEEP && sweep_due(s) &&
		    !workers_pending(s->workers)) {
			uint64_t t = hd_now_ns();
			s->prog.stage = "sweeping";
			if ((rc = sweep(s, err)))
				return rc;
			s->sweep_ns += hd_now_ns() - t;
		}
		s->prog.stage = "creating";
	}
}

/* Destruction commits at least once a second too, so that a horde killed
 * while tearing down keeps all but its last second of destroy rows. */
static void commit_teardown(struct run_state *s)
{
	if (!s->destroy_rc)
		s->destroy_rc = results_commit(s->results, 0, &s->destroy_err);
}

/* Destroys every guest the run has, unless the user asked twice to stop
 * (the platform's close() then takes the host down whole). The teardown
 * is stored as begun first, so that a horde killed in it is resumed into
 * the rest of it. */
static void destroy_all(struct run_state *s)
{
	struct hd_err err;

	s->prog.stage = "destroying";
	s->lg = NULL; /* the pattern is over */
	if (!s->destroy_rc)
		s->destroy_rc = results_run_teardown(s->results, s->run_id,
						     hd_now_ns() - s->t0,
						     &s->destroy_err);
	for (uint32_t seq = 1; seq <= s->max_seq; seq++) {
		if (*s->opts->stop >= 2)
			break;
		if (!s->domids[seq])
			continue;
		if (submit(s, OP_DESTROY, seq, &err) == HD_OK)
			reap(s, 0, &err);
		/* Keep no more than a worker's share in flight. */
		while (workers_pending(s->workers) >= s->nworkers)
			reap(s, 100000000ull, &err);
		commit_teardown(s);
		report_progress(s, 0);
	}
	while (workers_pending(s->workers))
		reap(s, 100000000ull, &err);
	commit_teardown(s);
}

/* The run's bookkeeping, by guest number and by domain id. */
static int state_alloc(struct run_state *s, struct hd_err *err)
{
	size_t n = (size_t)s->max_seq + 1;
	s->domids = calloc(n, sizeof(*s->domids));
	s->seq_of = calloc(HD_DOMID_LAST + 1, sizeof(*s->seq_of));
	s->alive = calloc(n, sizeof(*s->alive));
	s->verdict = calloc(n, sizeof(*s->verdict));
	s->sweep.rtts = calloc(n, sizeof(*s->sweep.rtts));
	if (!s->domids || !s->seq_of || !s->alive || !s->verdict ||
	    !s->sweep.rtts)
		return hd_fail(err, HD_ESYS, "out of memory");
	return HD_OK;
}

static void state_free(struct run_state *s)
{
	free(s->domids);
	free(s->seq_of);
	free(s->held);
	free(s->alive);
	free(s->verdict);
	free(s->sweep.rtts);
}

/* Opens the platform and the run's row (a new one, or the resumed). */
static int open_run(struct run_state *s, const struct plan *plan,
		    struct platform_info *info, struct hd_err *err)
{
	const struct plan_job *job = s->job;
	int rc;

	if ((rc = s->ops->open(job, &s->plat, err)))
		return rc;
	s->ops->info(s->plat, info);
	s->nifaces = info->nifaces;
	s->ifaces = info->probe_ifaces;
	if (s->opts->resume_run_id) {
		/* The run is ours only once claimed: another horde may be
		 * resuming it. */
		int rc = results_run_resume(s->results, s->opts->resume_run_id,
					    err);
		if (!rc)
			s->run_id = s->opts->resume_run_id;
		return rc;
	}
	struct run_meta meta = {
		.plan_path = plan->path, .plan_text = plan->text,
		.job = job->name, .platform = s->ops->name,
		.profile = xcl_profile_name(job->profile),
		.guests_planned = job->guests,
		.platform_version = info->version, .modelled = info->modelled,
	};
	return results_run_begin(s->results, &meta, &s->run_id, err);
}

/* Resuming: the guests the run had made, made again (refill), with the
 * run's clock going on from its last creation. *next: the first guest
 * to create. */
static int resume_guests(struct run_state *s, uint32_t *next,
			 struct hd_err *err)
{
	struct stored_guest *old = calloc((size_t)s->max_seq, sizeof(*old));
	size_t nold = 0;

	if (!old)
		return hd_fail(err, HD_ESYS, "out of memory");
	struct stored_run run;
	int rc = results_run_info(s->results, s->run_id, &run, err);
	free(run.plan_path);
	free(run.plan_text);
	if (rc) {
		free(old);
		return rc;
	}
	s->tearing_down = run.tearing_down;
	s->prog.sweeps = run.sweeps; /* the next sweep's number follows */
	s->prog.stage = "refilling";
	rc = results_run_guests(s->results, s->run_id, old, (size_t)s->max_seq,
				&nold, err);
	if (!rc)
		rc = refill(s, old, nold, next, err);
	if (nold)
		s->t0 = hd_now_ns() - old[nold - 1].created_at_ns;
	free(old);
	return rc ? rc : results_commit(s->results, 1, err);
}

/* The host sampler, when the job asks for one. */
static int start_sampler(struct run_state *s, struct hd_err *err)
{
	if (!s->job->sample_interval_ns)
		return HD_OK;
	struct sampler_config sc = {
		.interval_ns = s->job->sample_interval_ns, .t0_ns = s->t0,
		.guests = &s->living,
		.extra = s->ops->sample ? sample_platform : NULL,
		.extra_arg = s,
	};
	if (s->ops->daemons)
		sc.nprocs = s->ops->daemons(s->plat, sc.procs, SAMPLER_MAX_PROCS);
	return sampler_start(&sc, &s->sampler, err);
}

/* Everything that runs beside the creations: the prober, the workers,
 * the guests of a resumed run, the sampler, and the load pattern. */
static int start_run(struct run_state *s, const struct platform_info *info,
		     struct hd_err *err)
{
	const struct plan_job *job = s->job;
	struct probe_config pc = {
		.interval_ns = job->probe_interval_ns,
		.timeout_ns = job->alive_timeout_ns,
		.max_rate = (uint32_t)job->probe_rate,
	};
	uint32_t first_seq = 1;
	int rc;

	if ((rc = probe_open((const char (*)[16])info->probe_ifaces,
			     info->nifaces, info->probe_addr_be, &pc, &s->probe,
			     err)) ||
	    (rc = workers_start(s->ops, s->plat, s->nworkers, &s->workers, err)))
		return rc;
	s->t0 = hd_now_ns();
	if ((s->opts->resume_run_id && (rc = resume_guests(s, &first_seq, err))) ||
	    (rc = start_sampler(s, err)))
		return rc;
	if (s->tearing_down)
		return HD_OK; /* its pattern and probes are over */
	if (loadgen_init(&s->loadgen, &s->pattern, first_seq)) {
		char pattern[16];
		plan_job_text(job, "pattern", pattern, sizeof(pattern));
		return hd_fail(err, HD_EINVAL, "pattern %s cannot go on from "
			       "guest %u", pattern, first_seq);
	}
	s->lg = &s->loadgen;
	return HD_OK;
}

/* CPU each of horde's threads spent since before (by name). */
static void thread_cpu_since(const struct thread_cpu *before, size_t nbefore,
			     struct run_outcome *out)
{
	out->nthreads = sampler_read_threads(out->threads, RUN_MAX_THREAD_NAMES);
	for (size_t i = 0; i < out->nthreads; i++)
		for (size_t k = 0; k < nbefore; k++)
			if (strcmp(out->threads[i].name, before[k].name) == 0)
				out->threads[i].cpu_ns -=
					out->threads[i].cpu_ns > before[k].cpu_ns
						? before[k].cpu_ns
						: out->threads[i].cpu_ns;
}

/* Follows the pattern to its end, lets what is in flight finish (and be
 * stored) whatever happened, and says what creating cost horde itself. */
static int create_guests(struct run_state *s, struct run_outcome *out,
			 struct hd_err *err)
{
	uint64_t since = hd_now_ns();
	struct thread_cpu cpu_before[RUN_MAX_THREAD_NAMES];
	size_t ncpu_before = sampler_read_threads(cpu_before,
						  RUN_MAX_THREAD_NAMES);

	s->prog.stage = "creating";
	int rc = follow_pattern(s, err);
	while (workers_pending(s->workers)) {
		struct hd_err e2;
		if (reap(s, 100000000ull, rc ? &e2 : err) && !rc)
			rc = err->code;
	}
	if (rc)
		return rc;
	/* Everything but the platform's calls (and sweeps, which are asked
	 * for). Only for a ramp with one worker: other patterns wait on
	 * purpose, and several workers' calls overlap. */
	if (s->nworkers == 1 && s->job->pattern == LOADGEN_RAMP) {
		out->harness_ns = hd_now_ns() - since - s->sweep_ns -
				  s->platform_ns;
		out->platform_ns = s->platform_ns;
		if ((rc = results_run_overhead(s->results, s->run_id,
					       out->harness_ns, out->platform_ns,
					       err)))
			return rc;
	}
	thread_cpu_since(cpu_before, ncpu_before, out);
	return HD_OK;
}

/* Every guest's verdict and dom0's late failures, one more sweep when
 * sweeps are asked for; then the run is done, or interrupted. */
static int settle(struct run_state *s, struct hd_err *err)
{
	volatile sig_atomic_t *stop = s->opts->stop;
	int rc;

	if ((rc = results_commit(s->results, 1, err)))
		return rc;
	s->prog.stage = "waiting for ARP";
	while (!*stop && probe_pending(s->probe) > 0)
		if ((rc = tend(s, 100000000ull, err)))
			return rc;
	if ((rc = collect(s, 0, err)) || (rc = collect_faults(s, 1, err)))
		return rc;
	if (!*stop && (s->job->sweep_every || s->job->sweep_interval_ns)) {
		s->prog.stage = "sweeping";
		if ((rc = sweep(s, err)))
			return rc;
	}
	if ((rc = results_commit(s->results, 1, err)))
		return rc;
	s->status = *stop ? "interrupted" : "done";
	return *stop ? no_verdict(s, err) : HD_OK;
}

/* Keeps the first error: rc if set, else the new one from e2. */
static int first_error(int rc, int rc2, struct hd_err *err,
		       const struct hd_err *e2)
{
	if (rc || !rc2)
		return rc;
	*err = *e2;
	return rc2;
}

/* Ends a run that was begun, also after a failure: what was measured is
 * committed before the host is emptied (on a real host, guests outlive
 * horde), the guests are destroyed unless kept, and the sampler's last
 * sample is of the host emptied. Returns rc, or the first error of the
 * ending. */
static int end_run(struct run_state *s, int rc, struct hd_err *err)
{
	struct hd_err e2;

	rc = first_error(rc, results_commit(s->results, 1, &e2), err, &e2);
	if (!s->opts->keep && s->workers)
		destroy_all(s);
	workers_stop(s->workers);
	rc = first_error(rc, s->destroy_rc, err, &s->destroy_err);
	loadgen_free(&s->loadgen);
	report_progress(s, 1);
	probe_close(s->probe);
	sampler_stop(s->sampler);
	rc = first_error(rc, collect_samples(s, &e2), err, &e2);
	sampler_free(s->sampler);
	if (rc)
		s->status = "failed";
	/* What stopped it is stored with it, not only said on stderr. */
	const char *cause = rc ? err->msg
		: strcmp(s->status, "interrupted") == 0
			? "stopped by a signal (Ctrl-C, SIGTERM or SIGHUP)" : NULL;
	rc = first_error(rc, results_run_end(s->results, s->run_id, s->status,
					     cause, &e2), err, &e2);
	if (rc)
		s->status = "failed";
	return rc;
}

int runner_run(const struct plan *plan, const struct plan_job *job,
	       struct results *results, const struct run_options *opts,
	       struct run_outcome *out, struct hd_err *err)
{
	struct run_state s = { .job = job, .opts = opts, .results = results,
			       .ops = job->platform, .status = "failed",
			       .loadgen = { .deaths = { .items = NULL } } };
	struct platform_info info;

	memset(out, 0, sizeof(*out));
	pattern_of(job, &s.pattern);
	s.max_seq = loadgen_max_seq(&s.pattern);
	s.nworkers = plan_job_workers(job);
	s.prog.planned = s.max_seq;
	s.stop_on_failure = job->on_failure == PLAN_ON_FAILURE_STOP;

	int rc = state_alloc(&s, err);
	if (!rc && !(rc = open_run(&s, plan, &info, err))) {
		/* The run is stored: from here on it ends with a status. */
		if (!(rc = start_run(&s, &info, err)) && s.tearing_down)
			s.status = *opts->stop ? "interrupted" : "done";
		else if (!rc && !(rc = create_guests(&s, out, err)))
			rc = settle(&s, err);
		rc = end_run(&s, rc, err);
	}
	if (s.plat)
		s.ops->close(s.plat);
	state_free(&s);
	out->run_id = s.run_id;
	out->status = s.status;
	out->created = s.prog.created;
	return rc;
}
