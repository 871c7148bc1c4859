/* xenstored.c: horde-xenstored, the emulated host's XenStore daemon.
 *
 * One thread, one epoll loop: accept clients on a unix socket, read framed
 * wire messages (xs_wire.h), hand each to the store, queue replies and watch
 * events, write them when the socket is writable. libxenstore and the
 * xenstore-* commands reach it through XENSTORED_PATH. Clients on the socket
 * act as dom0, as on a real host. */
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

#include "store.h"

/* A client that reads nothing is dropped once its replies and events
 * waiting to be sent pass MAX_OUTPUT, or when their buffers together would
 * pass MAX_OUTPUT_TOTAL: many slow clients cannot grow the daemon without
 * bound either. */
#define MAX_OUTPUT (16u << 20)
#define MAX_OUTPUT_TOTAL (256u << 20)

struct client {
	int fd;
	struct xs_conn *conn;
	char in[4 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
	size_t in_len;
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

static void flush_out(struct client *cl)
{
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

/* Reads what is there and handles every complete message in it. One read
 * usually brings a whole request, header and body together. */
static void read_in(struct client *cl)
{
	while (!cl->dead) {
		size_t room = sizeof(cl->in) - cl->in_len;
		ssize_t n = recv(cl->fd, cl->in + cl->in_len, room, 0);
		if (n == 0) {
			cl->dead = true;
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				cl->dead = true;
			return;
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
			return; /* a short read: the socket is drained */
	}
}

/* The store asks for a connection to go (its domain was released). */
static void request_close(void *io)
{
	struct client *cl = io;
	cl->dead = true;
	mark_pending(cl);
}

static void client_close(struct client *cl)
{
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		cl->d->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	epoll_ctl(cl->d->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	xs_conn_free(cl->conn);
	cl->d->out_total -= cl->out_cap;
	free(cl->out);
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

int main(int argc, char **argv)
{
	struct option longopts[NOPTIONS + 1];
	struct xs_quota quota;
	const char *sock_path = NULL, *stats_path = NULL, *trace_path = NULL;
	const char *fail_suffix = NULL;
	size_t out_total_max = MAX_OUTPUT_TOTAL;
	uint32_t fail_nth = 0;
	bool null_server = false;
	int lifeline = -1, ready = -1, opt;

	xs_quota_defaults(&quota);
	for (size_t i = 0; i < NOPTIONS; i++)
		longopts[i] = options[i].opt;
	memset(&longopts[NOPTIONS], 0, sizeof(longopts[0]));
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		uint32_t v = 0;
		if (opt != 's' && opt != 'S' && opt != 'T' && opt != 'F' &&
		    opt != 'h' && optarg &&
		    parse_u32(optarg, &v)) {
			fprintf(stderr, "horde-xenstored: bad number '%s'\n",
				optarg);
			return 2;
		}
		switch (opt) {
		case 's': sock_path = optarg; break;
		case 'n': quota.nodes_per_domain = v; break;
		case 'z': quota.node_size = v; break;
		case 'w': quota.watches_per_conn = v; break;
		case 't': quota.transactions_per_conn = v; break;
		case 'S': stats_path = optarg; break;
		case 'l': lifeline = (int)v; break;
		case 'r': ready = (int)v; break;
		case 'T': trace_path = optarg; break;
		case 'N': null_server = true; break;
		case 'O': out_total_max = v; break;
		case 'F': {
			char *colon = strrchr(optarg, ':');
			if (!colon || colon == optarg || parse_u32(colon + 1, &v) ||
			    !v) {
				fprintf(stderr, "horde-xenstored: --fail-write "
					"SUFFIX:N, N from 1\n");
				return 2;
			}
			*colon = '\0';
			fail_suffix = optarg;
			fail_nth = v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!sock_path || optind != argc) {
		usage(stderr);
		return 2;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int lfd = listen_on(sock_path);
	struct xs_store *store = xs_store_new(&quota);
	if (sfd < 0 || epfd < 0 || lfd < 0 || !store) {
		fprintf(stderr, "horde-xenstored: start-up failed: %s\n",
			strerror(errno));
		return 1;
	}
	struct daemon d = { .epfd = epfd, .store = store,
			    .null_server = null_server,
			    .fail_suffix = fail_suffix, .fail_nth = fail_nth,
			    .out_total_max = out_total_max };
	xs_store_set_close(store, request_close);
	if (trace_path && !(d.trace = fopen(trace_path, "a"))) {
		fprintf(stderr, "horde-xenstored: %s: %s\n", trace_path,
			strerror(errno));
		return 1;
	}
	/* A connection per guest: thousands of fds. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* The listener and the signal fd are told apart by these markers. */
	static int listener_mark, signal_mark, lifeline_mark;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_mark };
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &signal_mark;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	if (lifeline >= 0) {
		ev.data.ptr = &lifeline_mark;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, lifeline, &ev) < 0) {
			fprintf(stderr, "horde-xenstored: lifeline fd %d: %s\n",
				lifeline, strerror(errno));
			return 1;
		}
	}

	if (ready >= 0) {
		if (write(ready, "R", 1) != 1) {
			fprintf(stderr, "horde-xenstored: ready fd %d: %s\n",
				ready, strerror(errno));
			return 1;
		}
		close(ready);
	}

	bool running = true;
	while (running) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &listener_mark) {
				int cfd;
				while ((cfd = accept4(lfd, NULL, NULL,
						      SOCK_NONBLOCK |
							      SOCK_CLOEXEC)) >= 0) {
					struct client *cl = calloc(1, sizeof(*cl));
					if (!cl) {
						close(cfd);
						continue;
					}
					cl->fd = cfd;
					cl->d = &d;
					cl->conn = xs_conn_new(store, 0, queue_out,
							       cl);
					struct epoll_event cev = {
						.events = EPOLLIN, .data.ptr = cl
					};
					if (!cl->conn ||
					    epoll_ctl(epfd, EPOLL_CTL_ADD, cfd,
						      &cev) < 0) {
						xs_conn_free(cl->conn);
						close(cfd);
						free(cl);
						continue;
					}
					cl->next = d.clients;
					if (d.clients)
						d.clients->prev = cl;
					d.clients = cl;
				}
				continue;
			}
			if (p == &signal_mark) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGUSR1 && stats_path)
						write_stats(store, stats_path);
					else if (si.ssi_signo != SIGUSR1)
						running = false;
					break;
				}
				continue;
			}
			if (p == &lifeline_mark) {
				running = false;
				continue;
			}
			struct client *cl = p;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				read_in(cl);
			mark_pending(cl);
		}
		while (d.pending) {
			struct client *cl = d.pending;
			d.pending = cl->next_pending;
			cl->pending = false;
			if (!cl->dead)
				flush_out(cl);
			if (cl->dead)
				client_close(cl);
		}
	}
	if (stats_path)
		write_stats(store, stats_path);
	while (d.clients)
		client_close(d.clients);
	if (d.trace)
		fclose(d.trace);
	unlink(sock_path);
	xs_store_free(store);
	return 0;
}
