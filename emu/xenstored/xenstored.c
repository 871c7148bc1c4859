/* xenstored.c: horde-xenstored, the emulated host's XenStore daemon.
 *
 * One thread, one epoll loop: accept clients on a unix socket, read framed
 * wire messages (xs_wire.h), hand each to the store, queue replies and watch
 * events, write them when the socket is writable. libxenstore and the
 * xenstore-* commands reach it through XENSTORED_PATH. Clients on the socket
 * act as dom0, as on a real host. With --xen-state it also serves the
 * emulated host's rings (rings.c), as Xen's own daemons do there: dom0's
 * own, and each domain's from its XS_INTRODUCE on; a domain found dead
 * (VIRQ_DOM_EXC) is released. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rings.h"
#include "store.h"

/* A client that reads nothing is dropped once its replies and events
 * waiting to be sent pass MAX_OUTPUT, or when their buffers together would
 * pass MAX_OUTPUT_TOTAL: many slow clients cannot grow the daemon without
 * bound either. */
#define MAX_OUTPUT (16u << 20)
#define MAX_OUTPUT_TOTAL (256u << 20)
/* What a socket client's reads land in; a ring holds one message at a
 * time, and its buffer is there only while a message is part read. */
#define SOCKET_IN (4 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))
#define RING_IN (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct client {
	int fd;              /* -1: a domain's ring */
	uint32_t domid;      /* a ring's domain */
	uint32_t ring_port;  /* a ring's event channel, dom0's end */
	struct xs_conn *conn;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	bool dead;     /* protocol error or write failure: close soon */
	bool want_out; /* EPOLLOUT registered */
	bool pending;  /* on the list of clients to flush or close */
	struct client *next_pending;
	struct client *prev, *next; /* all clients */
	struct daemon *d;
};

struct daemon {
	int epfd;
	struct xs_store *store;
	bool null_server; /* echo a 1-byte reply to everything */
	FILE *trace;      /* every request, when asked for */
	/* Fault injection for horde's tests, as SQLite's tests inject
	 * faults: the fail_nth-th WRITE to a path ending in fail_suffix is
	 * answered EIO. */
	const char *fail_suffix;
	uint32_t fail_nth, fail_seen;
	/* Clients with new output or marked dead during this round of
	 * events. Watch events land on clients other than the one whose
	 * request caused them, so flushing happens once per round, for
	 * every client touched. */
	struct client *pending;
	struct client *clients;
	size_t out_total; /* the clients' output buffers, allocated */
	size_t out_total_max;
	/* The listener, the signal fd and the lifeline. In epoll's data.ptr
	 * they are marked by the addresses of these fields, which no client
	 * can have. */
	int lfd, sfd, lifeline;
	struct xsd_rings *rings; /* with --xen-state; its fd marked by rings */
	const char *sock_path;  /* unlinked at exit */
	const char *stats_path; /* on SIGUSR1 and at exit, when given */
};

static void mark_pending(struct client *cl)
{
	if (cl->pending)
		return;
	cl->pending = true;
	cl->next_pending = cl->d->pending;
	cl->d->pending = cl;
}

static void queue_out(void *io, const struct xsd_sockmsg *hdr,
		      const void *body)
{
	struct client *cl = io;
	size_t need = sizeof(*hdr) + hdr->len;

	if (cl->dead)
		return;
	mark_pending(cl);
	if (cl->out_off > 0 && cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->out_len + need > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 8192;
		while (cap < cl->out_len + need)
			cap *= 2;
		if (cap > MAX_OUTPUT ||
		    cl->d->out_total - cl->out_cap + cap > cl->d->out_total_max) {
			cl->dead = true;
			return;
		}
		char *n = realloc(cl->out, cap);
		if (!n) {
			cl->dead = true;
			return;
		}
		cl->d->out_total += cap - cl->out_cap;
		cl->out = n;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, hdr, sizeof(*hdr));
	memcpy(cl->out + cl->out_len + sizeof(*hdr), body, hdr->len);
	cl->out_len += need;
}

static void set_want_out(struct client *cl, bool want)
{
	if (cl->want_out == want)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0),
				  .data.ptr = cl };
	epoll_ctl(cl->d->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
	cl->want_out = want;
}

/* A ring takes what it has room for; the guest kicks when it has read,
 * and the rest follows then. Its buffer goes once empty: thousands of
 * idle guests hold none. */
static void flush_ring(struct client *cl)
{
	struct xsd_rings *r = cl->d->rings;
	size_t n = xsd_ring_write(r, cl->domid, cl->out + cl->out_off,
				  cl->out_len - cl->out_off);
	if (cl->d->trace)
		fprintf(cl->d->trace, "%p out ring %zu of %zu\n", (void *)cl, n,
			cl->out_len - cl->out_off);
	if (n) {
		cl->out_off += n;
		xsd_ring_kick(r, cl->ring_port);
	}
	if (cl->out_off == cl->out_len) {
		cl->d->out_total -= cl->out_cap;
		free(cl->out);
		cl->out = NULL;
		cl->out_off = cl->out_len = cl->out_cap = 0;
	}
}

static void flush_out(struct client *cl)
{
	if (cl->fd < 0) {
		flush_ring(cl);
		return;
	}
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off,
				 cl->out_len - cl->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			cl->dead = true;
			return;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	set_want_out(cl, cl->out_len > 0);
}

/* Handles one complete message: the store's, or the null server's echo. */
static void handle(struct client *cl, const struct xsd_sockmsg *hdr,
		   const char *body)
{
	struct daemon *d = cl->d;

	if (d->trace)
		fprintf(d->trace, "%p in  %s tx=%u len=%u %.*s\n", (void *)cl,
			xs_type_name(hdr->type) ? xs_type_name(hdr->type) : "?",
			hdr->tx_id, hdr->len, (int)strnlen(body, hdr->len), body);
	if (d->null_server) {
		struct xsd_sockmsg r = { hdr->type, hdr->req_id, hdr->tx_id, 1 };
		queue_out(cl, &r, "0");
		return;
	}
	if (d->fail_suffix && hdr->type == XS_WRITE) {
		size_t plen = strnlen(body, hdr->len), slen = strlen(d->fail_suffix);
		if (plen >= slen &&
		    strcmp(body + plen - slen, d->fail_suffix) == 0 &&
		    ++d->fail_seen == d->fail_nth) {
			struct xsd_sockmsg r = { XS_ERROR, hdr->req_id, hdr->tx_id,
						 4 };
			queue_out(cl, &r, "EIO");
			return;
		}
	}
	xs_store_request(d->store, cl->conn, hdr, body);
}

/* Reads from the client's socket or ring: bytes read, 0 at a socket's
 * end, -1 with errno (EAGAIN: nothing there now). A ring's guest is told
 * it has room again. */
static ssize_t client_recv(struct client *cl, size_t room)
{
	if (cl->fd >= 0)
		return recv(cl->fd, cl->in + cl->in_len, room, 0);
	size_t n = xsd_ring_read(cl->d->rings, cl->domid, cl->in + cl->in_len,
				 room);
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	xsd_ring_kick(cl->d->rings, cl->ring_port);
	return (ssize_t)n;
}

/* Reads what is there and handles every complete message in it. One read
 * usually brings a whole request, header and body together. */
static void read_in(struct client *cl)
{
	while (!cl->dead) {
		if (!cl->in && !(cl->in = malloc(cl->in_cap))) {
			cl->dead = true;
			return;
		}
		size_t room = cl->in_cap - cl->in_len;
		ssize_t n = client_recv(cl, room);
		if (n == 0) {
			cl->dead = true;
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				cl->dead = true;
			break;
		}
		cl->in_len += (size_t)n;
		size_t off = 0;
		while (cl->in_len - off >= sizeof(struct xsd_sockmsg)) {
			struct xsd_sockmsg hdr;
			memcpy(&hdr, cl->in + off, sizeof(hdr));
			/* A length past the protocol's limit means the stream
			 * can no longer be framed: drop the client. */
			if (hdr.len > XENSTORE_PAYLOAD_MAX) {
				cl->dead = true;
				return;
			}
			if (cl->in_len - off - sizeof(hdr) < hdr.len)
				break;
			char body[XENSTORE_PAYLOAD_MAX + 1];
			memcpy(body, cl->in + off + sizeof(hdr), hdr.len);
			body[hdr.len] = '\0';
			off += sizeof(hdr) + hdr.len;
			handle(cl, &hdr, body);
			if (cl->dead)
				return;
		}
		memmove(cl->in, cl->in + off, cl->in_len - off);
		cl->in_len -= off;
		if ((size_t)n < room)
			break; /* a short read: the socket or ring is drained */
	}
	if (cl->fd < 0 && cl->in_len == 0) {
		free(cl->in);
		cl->in = NULL;
	}
}

/* The store asks for a connection to go (its domain was released). */
static void request_close(void *io)
{
	struct client *cl = io;
	cl->dead = true;
	mark_pending(cl);
}

static void add_client(struct daemon *d, struct client *cl)
{
	cl->next = d->clients;
	if (d->clients)
		d->clients->prev = cl;
	d->clients = cl;
}

/* Takes on an accepted connection as a client, acting as dom0; when that
 * fails the connection is closed again. */
static void client_open(struct daemon *d, int cfd)
{
	struct client *cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(cfd);
		return;
	}
	cl->fd = cfd;
	cl->d = d;
	cl->in_cap = SOCKET_IN;
	cl->conn = xs_conn_new(d->store, 0, queue_out, cl);
	struct epoll_event cev = { .events = EPOLLIN, .data.ptr = cl };
	if (!cl->conn || epoll_ctl(d->epfd, EPOLL_CTL_ADD, cfd, &cev) < 0) {
		xs_conn_free(cl->conn);
		close(cfd);
		free(cl);
		return;
	}
	add_client(d, cl);
}

/* Takes on domid's ring (its store port: remote_port), acting as that
 * domain: returns 0 or an errno. */
static int ring_open(struct daemon *d, uint32_t domid, uint32_t remote_port)
{
	struct client *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return ENOMEM;
	*cl = (struct client){ .fd = -1, .domid = domid, .in_cap = RING_IN,
			       .d = d };
	int port = xsd_rings_bind(d->rings, domid, remote_port, cl);
	if (port < 0) {
		int e = errno;
		free(cl);
		return e;
	}
	cl->ring_port = (uint32_t)port;
	if (!(cl->conn = xs_conn_new(d->store, domid, queue_out, cl))) {
		xsd_rings_unbind(d->rings, cl->ring_port);
		free(cl);
		return ENOMEM;
	}
	add_client(d, cl);
	/* What the guest wrote before it was introduced. */
	read_in(cl);
	mark_pending(cl);
	return 0;
}

/* The store's introduce hook: a domain's ring, from XS_INTRODUCE. */
static int introduce_ring(void *arg, uint32_t domid, uint64_t mfn,
			  uint32_t port)
{
	(void)mfn; /* the ring is the domain's page in the rings file */
	return ring_open(arg, domid, port);
}

static void ring_kicked(void *owner)
{
	struct client *cl = owner;
	read_in(cl);
	mark_pending(cl);
}

/* VIRQ_DOM_EXC: a domain died. Each introduced domain whose ring is
 * served and that no longer runs is released, as cxenstored's
 * domain_cleanup does. */
static void domains_died(void *arg)
{
	struct daemon *d = arg;
	for (struct client *cl = d->clients; cl; cl = cl->next)
		if (cl->fd < 0 && cl->domid != 0 && !cl->dead &&
		    !xsd_rings_domain_alive(d->rings, cl->domid))
			xs_store_release(d->store, cl->domid);
}

static void client_close(struct client *cl)
{
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		cl->d->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	if (cl->fd >= 0) {
		epoll_ctl(cl->d->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
		close(cl->fd);
	} else {
		xsd_rings_unbind(cl->d->rings, cl->ring_port);
	}
	xs_conn_free(cl->conn);
	cl->d->out_total -= cl->out_cap;
	free(cl->out);
	free(cl->in);
	free(cl);
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "horde-xenstored: socket path too long: %s\n",
			path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 512) < 0) {
		fprintf(stderr, "horde-xenstored: %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_stats(struct xs_store *store, const char *path)
{
	size_t need = xs_store_format_stats(store, NULL, 0) + 1;
	char *buf = malloc(need);
	char tmp[4096];
	FILE *f;

	if (!buf)
		return -1;
	xs_store_format_stats(store, buf, need);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		free(buf);
		return -1;
	}
	fputs(buf, f);
	free(buf);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

static const struct {
	struct option opt;
	const char *arg, *help;
} options[] = {
	{ { "socket", required_argument, NULL, 's' }, "PATH",
	  "listen on this unix socket (required)" },
	{ { "quota-nodes", required_argument, NULL, 'n' }, "N",
	  "nodes an unprivileged domain may own (1000)" },
	{ { "quota-size", required_argument, NULL, 'z' }, "BYTES",
	  "largest value an unprivileged domain may write (2048)" },
	{ { "quota-watches", required_argument, NULL, 'w' }, "N",
	  "watches per unprivileged connection (128)" },
	{ { "quota-transactions", required_argument, NULL, 't' }, "N",
	  "open transactions per unprivileged connection (10)" },
	{ { "stats-file", required_argument, NULL, 'S' }, "PATH",
	  "write statistics here on SIGUSR1 and at exit" },
	{ { "lifeline-fd", required_argument, NULL, 'l' }, "FD",
	  "exit when this inherited fd reaches end of file (the parent died)" },
	{ { "trace-file", required_argument, NULL, 'T' }, "PATH",
	  "log every request to this file" },
	{ { "max-output-total", required_argument, NULL, 'O' }, "BYTES",
	  "output waiting for all clients together, at most (256 MiB); a "
	  "client whose buffer would pass it is dropped" },
	{ { "fail-write", required_argument, NULL, 'F' }, "SUFFIX:N",
	  "for tests: answer EIO to the Nth write to a path ending in SUFFIX" },
	{ { "null", no_argument, NULL, 'N' }, NULL,
	  "benchmark floor: answer every request with a 1-byte reply of "
	  "its type, keeping no store" },
	{ { "xen-state", required_argument, NULL, 'X' }, "DIR",
	  "also serve the emulated host's rings: dom0's, and each domain's "
	  "from its introduce on (the folder of emu's Xen state)" },
	{ { "ready-fd", required_argument, NULL, 'r' }, "FD",
	  "write one byte to this inherited fd, then close it, once listening" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: horde-xenstored --socket PATH [options]\n\n"
		   "The XenStore daemon of horde's emulated host. Runs in the "
		   "foreground until SIGTERM or SIGINT.\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", options[i].opt.name,
			 options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(f, "  %-28s %s\n", left, options[i].help);
	}
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end || errno || v > 0xFFFFFFFFul)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* What the command line asks for. */
struct settings {
	struct xs_quota quota;
	const char *sock_path, *stats_path, *trace_path;
	const char *xen_state;   /* --xen-state, or NULL */
	const char *fail_suffix; /* --fail-write, or NULL */
	uint32_t fail_nth;
	size_t out_total_max;
	bool null_server;
	int lifeline, ready; /* inherited fds, or -1 */
};

/* parse_options()'s answer when the daemon is to start; any other answer is
 * the status to exit with. */
#define START (-1)

/* --fail-write SUFFIX:N. The suffix stays in argv, ended where the colon
 * was. */
static int take_fail_write(char *arg, struct settings *set)
{
	char *colon = strrchr(arg, ':');
	uint32_t v = 0;

	if (!colon || colon == arg || parse_u32(colon + 1, &v) || !v) {
		fprintf(stderr, "horde-xenstored: --fail-write "
			"SUFFIX:N, N from 1\n");
		return 2;
	}
	*colon = '\0';
	set->fail_suffix = arg;
	set->fail_nth = v;
	return START;
}

/* One option from getopt_long(), with its argument or NULL. Returns START
 * to go on, or the status to exit with. */
static int take_option(int opt, char *arg, struct settings *set)
{
	uint32_t v = 0;

	/* Every argument is a number but these options'. */
	if (opt != 's' && opt != 'S' && opt != 'T' && opt != 'F' &&
	    opt != 'X' && opt != 'h' && arg && parse_u32(arg, &v)) {
		fprintf(stderr, "horde-xenstored: bad number '%s'\n", arg);
		return 2;
	}
	switch (opt) {
	case 's': set->sock_path = arg; break;
	case 'n': set->quota.nodes_per_domain = v; break;
	case 'z': set->quota.node_size = v; break;
	case 'w': set->quota.watches_per_conn = v; break;
	case 't': set->quota.transactions_per_conn = v; break;
	case 'S': set->stats_path = arg; break;
	case 'l': set->lifeline = (int)v; break;
	case 'r': set->ready = (int)v; break;
	case 'T': set->trace_path = arg; break;
	case 'X': set->xen_state = arg; break;
	case 'N': set->null_server = true; break;
	case 'O': set->out_total_max = v; break;
	case 'F': return take_fail_write(arg, set);
	case 'h': usage(stdout); return 0;
	default: usage(stderr); return 2;
	}
	return START;
}

/* Fills *set from the command line. Returns START, or the status to exit
 * with: 0 after --help, 2 for bad usage. */
static int parse_options(int argc, char **argv, struct settings *set)
{
	struct option longopts[NOPTIONS + 1];
	int opt, status;

	*set = (struct settings){ .out_total_max = MAX_OUTPUT_TOTAL,
				  .lifeline = -1, .ready = -1 };
	xs_quota_defaults(&set->quota);
	for (size_t i = 0; i < NOPTIONS; i++)
		longopts[i] = options[i].opt;
	memset(&longopts[NOPTIONS], 0, sizeof(longopts[0]));
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if ((status = take_option(opt, optarg, set)) != START)
			return status;
	if (!set->sock_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	return START;
}

/* A connection per guest: thousands of fds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Registers the listener, the signal fd and the lifeline, each marked by
 * the address of its field in *d. */
static int watch_marked_fds(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->lfd };

	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->lfd, &ev);
	ev.data.ptr = &d->sfd;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sfd, &ev);
	if (d->lifeline < 0)
		return 0;
	ev.data.ptr = &d->lifeline;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->lifeline, &ev) < 0) {
		fprintf(stderr, "horde-xenstored: lifeline fd %d: %s\n",
			d->lifeline, strerror(errno));
		return 1;
	}
	return 0;
}

/* The emulated host's rings: the handle's events in the loop, domains'
 * rings from their introduce on, and dom0's own now. */
static int start_rings(struct daemon *d, const char *state)
{
	if (!(d->rings = xsd_rings_open(state))) {
		fprintf(stderr, "horde-xenstored: the emulated Xen in %s: %s\n",
			state, strerror(errno));
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->rings };
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, xsd_rings_fd(d->rings), &ev) < 0) {
		fprintf(stderr, "horde-xenstored: epoll: %s\n", strerror(errno));
		return 1;
	}
	xs_store_set_introduce(d->store, introduce_ring, d);
	uint32_t port = xsd_rings_dom0_port(d->rings);
	int rc = port ? ring_open(d, 0, port) : 0;
	if (rc) {
		fprintf(stderr, "horde-xenstored: dom0's ring (port %u): %s\n",
			port, strerror(rc));
		return 1;
	}
	return 0;
}

/* Everything up to, not including, telling the parent we are ready.
 * Returns 0, or 1 to exit with (left as it is: the process is ending). */
static int daemon_start(struct daemon *d, const struct settings *set)
{
	sigset_t sigs;

	*d = (struct daemon){ .null_server = set->null_server,
			      .fail_suffix = set->fail_suffix,
			      .fail_nth = set->fail_nth,
			      .out_total_max = set->out_total_max,
			      .lifeline = set->lifeline,
			      .sock_path = set->sock_path,
			      .stats_path = set->stats_path };
	/* Blocked before the socket exists: a signal sent once clients can
	 * connect is read from the signal fd, so the daemon still unlinks
	 * its socket and writes its statistics. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->lfd = listen_on(set->sock_path);
	d->store = xs_store_new(&set->quota);
	if (d->sfd < 0 || d->epfd < 0 || d->lfd < 0 || !d->store) {
		fprintf(stderr, "horde-xenstored: start-up failed: %s\n",
			strerror(errno));
		return 1;
	}
	xs_store_set_close(d->store, request_close);
	if (set->trace_path && !(d->trace = fopen(set->trace_path, "a"))) {
		fprintf(stderr, "horde-xenstored: %s: %s\n", set->trace_path,
			strerror(errno));
		return 1;
	}
	raise_fd_limit();
	if (set->xen_state && start_rings(d, set->xen_state) != 0)
		return 1;
	return watch_marked_fds(d);
}

/* Tells the parent, when it asked, that clients can connect now. */
static int say_ready(int ready)
{
	if (ready < 0)
		return 0;
	if (write(ready, "R", 1) != 1) {
		fprintf(stderr, "horde-xenstored: ready fd %d: %s\n", ready,
			strerror(errno));
		return 1;
	}
	close(ready);
	return 0;
}

static void accept_clients(struct daemon *d)
{
	int cfd;
	while ((cfd = accept4(d->lfd, NULL, NULL,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		client_open(d, cfd);
}

/* SIGUSR1 writes the statistics; SIGTERM and SIGINT ask the daemon to stop.
 * Returns false to stop. One signal is read per round: the signal fd stays
 * readable while more are queued. */
static bool handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if (si.ssi_signo != SIGUSR1)
		return false;
	if (d->stats_path)
		write_stats(d->store, d->stats_path);
	return true;
}

/* Sends what each client touched in this round has waiting, and closes
 * those found dead. */
static void flush_pending(struct daemon *d)
{
	while (d->pending) {
		struct client *cl = d->pending;
		d->pending = cl->next_pending;
		cl->pending = false;
		if (!cl->dead)
			flush_out(cl);
		if (cl->dead)
			client_close(cl);
	}
}

/* Until SIGTERM or SIGINT, the lifeline's end, or epoll failing. */
static void run_loop(struct daemon *d)
{
	bool running = true;
	while (running) {
		struct epoll_event evs[64];
		int n = epoll_wait(d->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &d->lfd) {
				accept_clients(d);
			} else if (p == &d->sfd) {
				if (!handle_signal(d))
					running = false;
			} else if (p == &d->lifeline) {
				running = false;
			} else if (p == &d->rings) {
				xsd_rings_dispatch(d->rings, ring_kicked,
						   domains_died, d);
			} else {
				struct client *cl = p;
				if (evs[i].events &
				    (EPOLLIN | EPOLLHUP | EPOLLERR))
					read_in(cl);
				mark_pending(cl);
			}
		}
		flush_pending(d);
	}
}

static void daemon_stop(struct daemon *d)
{
	if (d->stats_path)
		write_stats(d->store, d->stats_path);
	while (d->clients)
		client_close(d->clients);
	xsd_rings_close(d->rings);
	if (d->trace)
		fclose(d->trace);
	unlink(d->sock_path);
	xs_store_free(d->store);
}

int main(int argc, char **argv)
{
	struct settings set;
	struct daemon d;
	int status = parse_options(argc, argv, &set);

	if (status != START)
		return status;
	if (daemon_start(&d, &set) != 0 || say_ready(set.ready) != 0)
		return 1;
	run_loop(&d);
	daemon_stop(&d);
	return 0;
}
