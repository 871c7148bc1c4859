/* bench_xenstore.c: round trips of horde-xenstored as the store fills.
 *
 * For each entry set (lean, xl) the store is filled as N guests would fill
 * it (N = 1K, 10K, 100K: every entry of the profile for every guest; the
 * fill is pipelined over a raw socket to be quick), then read, write,
 * directory and a transaction are timed through libxenstore, one at a time,
 * on random guests. Last, the same read against `horde-xenstored --null`,
 * which answers without a store: the floor the socket itself sets.
 *
 * Client and daemons are pinned to one CPU (the daemons inherit it): a
 * round trip is then two context switches on one core, which repeats from
 * run to run, where a wake-up across cores depends on where the scheduler
 * happened to put each side.
 *
 * usage: bench_xenstore DAEMON [MAX_GUESTS] [OPS] */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

#include "../../lib/domid.h"
#include "../../lib/util.h"
#include "../../xcl/xcl_profile.h"

extern char **environ;

static const char *daemon_bin;
static char sock[128];

static pid_t start(bool null)
{
	int ready[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char *argv[] = { "horde-xenstored", "--socket", sock, "--ready-fd", "3",
			 null ? "--null" : NULL, NULL };

	if (pipe(ready))
		exit(1);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
	if (posix_spawn(&pid, daemon_bin, &fa, NULL, argv, environ)) {
		perror(daemon_bin);
		exit(1);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(ready[1]);
	char c;
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "daemon did not start\n");
		exit(1);
	}
	close(ready[0]);
	setenv("XENSTORED_PATH", sock, 1);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ---- pipelined fill over a raw socket ---- */

struct pipe_buf {
	int fd;
	char *buf;
	size_t len, cap;
	unsigned pending;
};

static void put(struct pipe_buf *p, uint32_t type, const char *a, size_t al,
		const char *b, size_t bl)
{
	struct xsd_sockmsg h = { type, 0, 0, (uint32_t)(al + bl) };
	size_t need = sizeof(h) + al + bl;
	if (p->len + need > p->cap) {
		p->cap = (p->len + need) * 2;
		p->buf = realloc(p->buf, p->cap);
	}
	memcpy(p->buf + p->len, &h, sizeof(h));
	memcpy(p->buf + p->len + sizeof(h), a, al);
	memcpy(p->buf + p->len + sizeof(h) + al, b, bl);
	p->len += need;
	p->pending++;
}

/* Sends what is queued and reads every reply; stops at an error. */
static void flush(struct pipe_buf *p)
{
	size_t off = 0;
	while (off < p->len) {
		ssize_t n = send(p->fd, p->buf + off, p->len - off, 0);
		if (n <= 0) {
			perror("fill: send");
			exit(1);
		}
		off += (size_t)n;
	}
	p->len = 0;
	while (p->pending) {
		struct xsd_sockmsg h;
		char body[XENSTORE_PAYLOAD_MAX + 1];
		if (recv(p->fd, &h, sizeof(h), MSG_WAITALL) != sizeof(h) ||
		    (h.len && recv(p->fd, body, h.len, MSG_WAITALL) != (ssize_t)h.len)) {
			perror("fill: recv");
			exit(1);
		}
		body[h.len] = '\0';
		if (h.type == XS_ERROR) {
			fprintf(stderr, "fill: error %s\n", body);
			exit(1);
		}
		p->pending--;
	}
}

static void fill(int fd, enum xcl_profile prof, uint32_t from, uint32_t to)
{
	struct pipe_buf p = { .fd = fd };
	size_t n;
	const struct xcl_entry *t = xcl_profile_table(prof, &n);
	struct xcl_guest_config cfg = {
		.name = "bench", .memory_kib = 8192, .kernel = "/k",
		.cmdline = "ip=198.18.0.2", .bridge = "horde-br0",
		.mac = { 0x00, 0x16, 0x3e, 0, 0, 1 }, .profile = prof,
	};
	struct xcl_build_result br = { 1234, 1235 };

	for (uint32_t d = from; d <= to; d++) {
		for (size_t i = 0; i < n; i++) {
			char path[256], value[256];
			xcl_entry_render(&t[i], &cfg, d, &br, 1, 2, path,
					 sizeof(path), value, sizeof(value));
			put(&p, XS_WRITE, path, strlen(path) + 1, value,
			    strlen(value));
		}
		if (d <= HD_DOMID_LAST) { /* domain ids end there; nodes do not */
			char args[64];
			int l = snprintf(args, sizeof(args), "%u%c%u%c1", d, 0,
					 d * 10, 0);
			put(&p, XS_INTRODUCE, args, (size_t)l + 1, "", 0);
		}
		if (d % 256 == 0 || d == to)
			flush(&p);
	}
	free(p.buf);
}

/* ---- timed round trips through libxenstore ---- */

enum op { OP_READ, OP_WRITE, OP_DIRECTORY, OP_TRANSACTION, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "read", "write", "directory",
						 "transaction" };

struct figures {
	uint64_t p50, p99;
	double rate; /* round trips per second */
};

static struct figures measure(struct xs_handle *h, enum op op, uint32_t guests,
			      unsigned ops, bool null)
{
	uint64_t *lat = malloc(ops * sizeof(*lat));
	uint64_t total = 0;
	unsigned seed = 42;

	for (unsigned i = 0; i < ops; i++) {
		uint32_t d = 1 + (uint32_t)rand_r(&seed) % guests;
		char path[96];
		unsigned len, num;
		uint64_t t0 = hd_now_ns();
		void *r = NULL;
		bool ok = true;
		switch (op) {
		case OP_READ:
			snprintf(path, sizeof(path),
				 "/local/domain/%u/device/vif/0/state", d);
			r = xs_read(h, XBT_NULL, path, &len);
			ok = r != NULL;
			break;
		case OP_WRITE:
			snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d);
			ok = xs_write(h, XBT_NULL, path, "8192", 4);
			break;
		case OP_DIRECTORY:
			snprintf(path, sizeof(path), "/local/domain/%u/device/vif/0", d);
			r = xs_directory(h, XBT_NULL, path, &num);
			ok = r != NULL;
			break;
		case OP_TRANSACTION: {
			snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d);
			xs_transaction_t t = xs_transaction_start(h);
			ok = t != XBT_NULL && xs_write(h, t, path, "8192", 4) &&
			     xs_transaction_end(h, t, false);
			break;
		}
		default:
			break;
		}
		lat[i] = hd_now_ns() - t0;
		total += lat[i];
		free(r);
		if (!ok && !null) {
			fprintf(stderr, "%s %s failed: %s\n", op_names[op], path,
				strerror(errno));
			exit(1);
		}
	}
	qsort(lat, ops, sizeof(*lat), hd_cmp_u64);
	struct figures f = { hd_quantile_sorted(lat, ops, 0.5),
			     hd_quantile_sorted(lat, ops, 0.99),
			     ops / (total / 1e9) };
	free(lat);
	return f;
}

static unsigned long long nodes_now(struct xs_handle *h)
{
	char *s = xs_control_command(h, "stats", NULL, 0);
	unsigned long long n = 0;
	if (s)
		sscanf(s, "nodes %llu", &n);
	free(s);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_xenstore DAEMON [MAX_GUESTS] [OPS]\n");
		return 2;
	}
	daemon_bin = argv[1];
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		perror("pin to CPU 0 (figures will be noisier)");
	uint32_t max = argc > 2 ? (uint32_t)atoi(argv[2]) : 100000;
	unsigned ops = argc > 3 ? (unsigned)atoi(argv[3]) : 20000;
	char dir[] = "/tmp/horde-bench-xs-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	double write_p50_first = 0, read_rate_first = 0;
	char a[32], b[32];

	printf("%-5s %7s %9s  %-12s %10s %10s %12s\n", "set", "guests", "nodes",
	       "op", "p50", "p99", "round trips/s");
	for (int prof = XCL_PROFILE_LEAN; prof <= XCL_PROFILE_XL; prof++) {
		pid_t pid = start(false);
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		strcpy(addr.sun_path, sock);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("connect");
			return 1;
		}
		struct xs_handle *h = xs_open(0);
		uint32_t filled = 0;
		for (uint32_t n = 1000; n <= max; n *= 10) {
			uint64_t t0 = hd_now_ns();
			fill(fd, (enum xcl_profile)prof, filled + 1, n);
			filled = n;
			fprintf(stderr, "filled %s to %u guests in %.1f s\n",
				xcl_profile_name((enum xcl_profile)prof), n,
				(hd_now_ns() - t0) / 1e9);
			unsigned long long nodes = nodes_now(h);
			for (int op = 0; op < OP_COUNT; op++) {
				struct figures f = measure(h, (enum op)op, n, ops, false);
				printf("%-5s %7u %9llu  %-12s %10s %10s %12.0f\n",
				       xcl_profile_name((enum xcl_profile)prof), n,
				       nodes, op_names[op],
				       hd_fmt_ns(f.p50, a, sizeof(a)),
				       hd_fmt_ns(f.p99, b, sizeof(b)), f.rate);
				if (prof == XCL_PROFILE_LEAN && n == 1000 && op == OP_WRITE)
					write_p50_first = (double)f.p50;
				if (prof == XCL_PROFILE_LEAN && n == 1000 && op == OP_READ)
					read_rate_first = f.rate;
				if (prof == XCL_PROFILE_LEAN && op == OP_WRITE && n > 1000)
					printf("      write p50 at %u guests is %.2fx the "
					       "p50 at 1000\n", n, f.p50 / write_p50_first);
			}
			fflush(stdout);
		}
		xs_close(h);
		close(fd);
		stop(pid);
	}

	pid_t pid = start(true);
	struct xs_handle *h = xs_open(0);
	struct figures f = measure(h, OP_READ, 1000, ops, true);
	printf("%-5s %7s %9s  %-12s %10s %10s %12.0f\n", "null", "-", "-", "read",
	       hd_fmt_ns(f.p50, a, sizeof(a)), hd_fmt_ns(f.p99, b, sizeof(b)),
	       f.rate);
	printf("      1-byte read at 1000 lean guests: %.0f%% of the null "
	       "server's rate\n", 100.0 * read_rate_first / f.rate);
	xs_close(h);
	stop(pid);
	rmdir(dir);
	return 0;
}
