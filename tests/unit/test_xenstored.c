/* test_xenstored.c: conformance of horde-xenstored, through the real
 * libxenstore client from libxen-dev and, for malformed input, raw
 * sockets. Starts the daemon (built with ASan and UBSan; its exit status
 * carries their verdict, leaks included) with small quotas. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>
#include <cmocka.h>

#include <xen/io/xs_wire.h>

extern char **environ;

static char dir[64], sock[128], stats[128];
static pid_t daemon_pid;

static int start_daemon(void **state)
{
	(void)state;
	int ready[2];
	const char *bin = getenv("HORDE_XENSTORED");
	posix_spawn_file_actions_t fa;

	if (!bin)
		bin = "build/asan/horde-xenstored";
	strcpy(dir, "/tmp/horde-test-xsd-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	if (pipe(ready))
		return -1;
	char *argv[] = { "horde-xenstored", "--socket", sock, "--ready-fd", "3",
			 "--quota-nodes", "12", "--quota-size", "100",
			 "--quota-watches", "4", "--quota-transactions", "2",
			 "--stats-file", stats, "--max-output-total", "2097152",
			 NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
	if (posix_spawn(&daemon_pid, bin, &fa, NULL, argv, environ))
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	close(ready[1]);
	char c;
	struct pollfd p = { ready[0], POLLIN, 0 };
	if (poll(&p, 1, 20000) != 1 || read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	setenv("XENSTORED_PATH", sock, 1);
	return 0;
}

static int stop_daemon(void **state)
{
	(void)state;
	int status;
	kill(daemon_pid, SIGTERM);
	if (waitpid(daemon_pid, &status, 0) != daemon_pid)
		return -1;
	unlink(stats);
	rmdir(dir);
	/* Non-zero when ASan or UBSan found anything, leaks included. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "horde-xenstored exited with status %d\n", status);
		return -1;
	}
	return 0;
}

static struct xs_handle *open_xs(void)
{
	struct xs_handle *h = xs_open(XS_UNWATCH_FILTER);
	assert_non_null(h);
	return h;
}

/* A connection handed to domain domid (see store.h). */
static struct xs_handle *open_as(uint32_t domid)
{
	char id[16];
	struct xs_handle *h = open_xs();
	int n = snprintf(id, sizeof(id), "%u", domid);
	char *r = xs_control_command(h, "connect-domain", id, (unsigned)n + 1);
	assert_non_null(r);
	free(r);
	return h;
}

static char *rd(struct xs_handle *h, const char *path)
{
	unsigned len;
	return xs_read(h, XBT_NULL, path, &len);
}

static bool wr(struct xs_handle *h, const char *path, const char *v)
{
	return xs_write(h, XBT_NULL, path, v, (unsigned)strlen(v));
}

/* Waits for the next watch event (the socket is local: 5 s is plenty). */
static char **next_event(struct xs_handle *h)
{
	struct pollfd p = { xs_fileno(h), POLLIN, 0 };
	for (int i = 0; i < 50; i++) {
		char **ev = xs_check_watch(h);
		if (ev)
			return ev;
		poll(&p, 1, 100);
	}
	return NULL;
}

static void assert_no_event(struct xs_handle *h)
{
	/* A round trip first: any event caused before it is queued by now. */
	char *v = xs_get_domain_path(h, 0);
	free(v);
	char **ev = xs_check_watch(h);
	if (ev) {
		print_error("unexpected event %s %s\n", ev[0], ev[1]);
		free(ev);
		fail();
	}
}

static void expect_event(struct xs_handle *h, const char *path,
			 const char *token)
{
	char **ev = next_event(h);
	assert_non_null(ev);
	assert_string_equal(ev[XS_WATCH_PATH], path);
	assert_string_equal(ev[XS_WATCH_TOKEN], token);
	free(ev);
}

static void read_write_mkdir_rm_directory(void **state)
{
	(void)state;
	struct xs_handle *h = open_xs();
	unsigned n;

	assert_true(wr(h, "/c/a", "1"));
	assert_true(wr(h, "/c/b", "two"));
	char *v = rd(h, "/c/b");
	assert_string_equal(v, "two");
	free(v);
	assert_true(xs_mkdir(h, XBT_NULL, "/c/d"));
	char **names = xs_directory(h, XBT_NULL, "/c", &n);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[2], "d");
	free(names);
	assert_true(xs_rm(h, XBT_NULL, "/c"));
	assert_null(rd(h, "/c/a"));
	assert_int_equal(errno, ENOENT);
	/* DIRECTORY_PART: a listing larger than one message. */
	for (int i = 0; i < 400; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/big/entry-with-a-long-name-%03d", i);
		assert_true(xs_mkdir(h, XBT_NULL, path));
	}
	names = xs_directory(h, XBT_NULL, "/big", &n);
	assert_non_null(names);
	assert_int_equal(n, 400);
	assert_string_equal(names[399], "entry-with-a-long-name-399");
	free(names);
	assert_true(xs_rm(h, XBT_NULL, "/big"));
	xs_close(h);
}

static void domains_and_special_watches(void **state)
{
	(void)state;
	struct xs_handle *h = open_xs();

	assert_true(xs_watch(h, "@introduceDomain", "in"));
	expect_event(h, "@introduceDomain", "in");
	assert_true(xs_watch(h, "@releaseDomain", "out"));
	expect_event(h, "@releaseDomain", "out");
	assert_false(xs_is_domain_introduced(h, 9));
	assert_true(xs_introduce_domain(h, 9, 4321, 1));
	expect_event(h, "@introduceDomain", "in");
	assert_true(xs_is_domain_introduced(h, 9));
	char *path = xs_get_domain_path(h, 9);
	assert_string_equal(path, "/local/domain/9");
	free(path);
	assert_true(xs_resume_domain(h, 9));
	assert_true(xs_introduce_domain(h, 10, 99, 1));
	expect_event(h, "@introduceDomain", "in");
	assert_true(xs_set_target(h, 10, 9));
	assert_true(xs_release_domain(h, 10));
	expect_event(h, "@releaseDomain", "out");
	assert_true(xs_release_domain(h, 9));
	expect_event(h, "@releaseDomain", "out");
	assert_false(xs_release_domain(h, 9));
	assert_int_equal(errno, ENOENT);
	xs_close(h);
}

static void watches_fire_with_path_and_token(void **state)
{
	(void)state;
	struct xs_handle *h = open_xs(), *other = open_xs();

	assert_true(xs_watch(h, "/w", "tok"));
	expect_event(h, "/w", "tok"); /* the one every new watch gets */
	assert_true(wr(other, "/w/x/y", "1"));
	expect_event(h, "/w/x/y", "tok");
	assert_true(wr(other, "/wx", "1")); /* not below /w */
	assert_no_event(h);
	assert_true(xs_rm(other, XBT_NULL, "/w"));
	expect_event(h, "/w", "tok");
	assert_true(xs_unwatch(h, "/w", "tok"));
	assert_true(wr(other, "/w", "1"));
	assert_no_event(h);
	assert_false(xs_unwatch(h, "/w", "tok"));
	assert_int_equal(errno, ENOENT);
	/* RESET_WATCHES has no libxenstore call in 4.17; the raw message is
	 * covered by the raw socket test. */
	xs_rm(h, XBT_NULL, "/w");
	xs_rm(h, XBT_NULL, "/wx");
	xs_close(other);
	xs_close(h);
}

static void transactions_commit_abort_conflict(void **state)
{
	(void)state;
	struct xs_handle *a = open_xs(), *b = open_xs();
	unsigned len;

	xs_transaction_t t = xs_transaction_start(a);
	assert_int_not_equal(t, XBT_NULL);
	assert_true(xs_write(a, t, "/tx/k", "in", 2));
	char *v = xs_read(a, t, "/tx/k", &len);
	assert_string_equal(v, "in");
	free(v);
	assert_null(rd(b, "/tx/k")); /* not visible outside yet */
	assert_true(xs_transaction_end(a, t, false));
	v = rd(b, "/tx/k");
	assert_string_equal(v, "in");
	free(v);

	t = xs_transaction_start(a);
	assert_true(xs_write(a, t, "/tx/gone", "x", 1));
	assert_true(xs_transaction_end(a, t, true)); /* abort */
	assert_null(rd(b, "/tx/gone"));

	/* Conflict: a reads, b changes the same node, a's commit fails. */
	t = xs_transaction_start(a);
	v = xs_read(a, t, "/tx/k", &len);
	free(v);
	assert_true(xs_write(a, t, "/tx/k2", "1", 1));
	assert_true(wr(b, "/tx/k", "changed"));
	assert_false(xs_transaction_end(a, t, false));
	assert_int_equal(errno, EAGAIN);
	assert_null(rd(b, "/tx/k2"));
	/* Retried, it commits. */
	t = xs_transaction_start(a);
	assert_true(xs_write(a, t, "/tx/k2", "1", 1));
	assert_true(xs_transaction_end(a, t, false));
	assert_true(xs_rm(a, XBT_NULL, "/tx"));
	xs_close(a);
	xs_close(b);
}

static void permissions_denied_and_allowed(void **state)
{
	(void)state;
	struct xs_handle *h = open_xs();
	struct xs_permissions own[1] = { { 5, XS_PERM_NONE } };
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { 5, XS_PERM_READ } };
	unsigned n;

	assert_true(xs_introduce_domain(h, 5, 1, 1));
	assert_true(wr(h, "/local/domain/5/secret", "s"));
	assert_true(wr(h, "/local/domain/5/shared", "r"));
	assert_true(xs_set_permissions(h, XBT_NULL, "/local/domain/5/shared", ro, 2));
	assert_true(xs_mkdir(h, XBT_NULL, "/local/domain/5/mine"));
	assert_true(xs_set_permissions(h, XBT_NULL, "/local/domain/5/mine", own, 1));

	struct xs_handle *g = open_as(5);
	assert_null(rd(g, "secret")); /* relative: /local/domain/5/secret */
	assert_int_equal(errno, EACCES);
	char *v = rd(g, "shared");
	assert_string_equal(v, "r");
	free(v);
	assert_false(wr(g, "shared", "w"));
	assert_int_equal(errno, EACCES);
	assert_true(wr(g, "mine/x", "ok"));
	struct xs_permissions *p = xs_get_permissions(h, XBT_NULL,
						     "/local/domain/5/mine/x", &n);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, 5); /* the domain owns what it creates */
	free(p);
	assert_false(xs_set_permissions(g, XBT_NULL, "shared", own, 1));
	assert_int_equal(errno, EACCES);
	assert_false(xs_introduce_domain(g, 6, 1, 1)); /* privileged only */
	assert_int_equal(errno, EACCES);
	/* A watcher hears only of what it may read. */
	assert_true(xs_watch(g, "/local/domain/5", "g"));
	expect_event(g, "/local/domain/5", "g");
	assert_true(wr(h, "/local/domain/5/secret", "s2"));
	assert_no_event(g);
	assert_true(wr(g, "mine/y", "1"));
	expect_event(g, "/local/domain/5/mine/y", "g");

	/* Quotas of an unprivileged domain: node size, watches,
	 * transactions, nodes. */
	char big[200];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(wr(g, "mine/big", big));
	assert_int_equal(errno, ENOSPC);
	assert_true(xs_watch(g, "mine/1", "q"));
	assert_true(xs_watch(g, "mine/2", "q"));
	assert_true(xs_watch(g, "mine/3", "q"));
	assert_false(xs_watch(g, "mine/4", "q"));
	assert_int_equal(errno, E2BIG);
	xs_transaction_t t1 = xs_transaction_start(g);
	xs_transaction_t t2 = xs_transaction_start(g);
	assert_int_not_equal(t1, XBT_NULL);
	assert_int_not_equal(t2, XBT_NULL);
	assert_int_equal(xs_transaction_start(g), XBT_NULL);
	assert_int_equal(errno, ENOSPC);
	xs_transaction_end(g, t1, true);
	xs_transaction_end(g, t2, true);
	int made = 0;
	for (int i = 0; i < 50; i++) {
		char path[32];
		snprintf(path, sizeof(path), "mine/n%d", i);
		if (!wr(g, path, "1")) {
			assert_int_equal(errno, ENOSPC);
			break;
		}
		made++;
	}
	assert_int_equal(made, 12 - 3); /* mine, mine/x, mine/y own 3 */

	/* Releasing the domain closes its connection. */
	assert_true(xs_release_domain(h, 5));
	assert_null(rd(g, "mine/x"));
	xs_close(g);
	assert_true(xs_rm(h, XBT_NULL, "/local/domain/5"));
	xs_close(h);
}

static void control_and_stats_file(void **state)
{
	(void)state;
	struct xs_handle *h = open_xs();
	char *r = xs_control_command(h, "stats", NULL, 0);
	assert_non_null(r);
	assert_non_null(strstr(r, "op READ "));
	assert_non_null(strstr(r, "connections 1"));
	free(r);
	assert_null(xs_control_command(h, "no-such-command", NULL, 0));
	assert_int_equal(errno, EINVAL);
	kill(daemon_pid, SIGUSR1);
	/* The daemon writes the file then renames it: it appears whole. */
	struct stat st;
	for (int i = 0; i < 100 && stat(stats, &st) != 0; i++) {
		r = xs_get_domain_path(h, 0); /* a round trip as a pause */
		free(r);
		usleep(10000);
	}
	assert_int_equal(stat(stats, &st), 0);
	assert_true(st.st_size > 50);
	xs_close(h);
}

/* ---- raw sockets: malformed input ---- */

static int raw_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, const void *body, uint32_t len)
{
	struct xsd_sockmsg h = { type, 1, 0, len };
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(fd, body, len), len);
}

/* Reads one reply; returns its type, body in buf. */
static uint32_t raw_reply(int fd, char *buf, size_t len)
{
	struct xsd_sockmsg h;
	assert_int_equal(recv(fd, &h, sizeof(h), MSG_WAITALL), sizeof(h));
	assert_true(h.len < len);
	assert_int_equal(recv(fd, buf, h.len, MSG_WAITALL), h.len);
	buf[h.len] = '\0';
	return h.type;
}

static void malformed_input(void **state)
{
	(void)state;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	int good = raw_connect(), bad = raw_connect();

	raw_send(bad, 9999, "", 0);                /* unknown type */
	assert_int_equal(raw_reply(bad, buf, sizeof(buf)), XS_ERROR);
	assert_string_equal(buf, "ENOSYS");
	raw_send(bad, XS_READ, "/no-nul", 7);      /* no terminating nul */
	assert_int_equal(raw_reply(bad, buf, sizeof(buf)), XS_ERROR);
	assert_string_equal(buf, "EINVAL");
	raw_send(bad, XS_RESET_WATCHES, "", 0);
	assert_int_equal(raw_reply(bad, buf, sizeof(buf)), XS_RESET_WATCHES);
	raw_send(bad, XS_DIRECTORY_PART, "/\0x\0", 4); /* bad offset */
	assert_int_equal(raw_reply(bad, buf, sizeof(buf)), XS_ERROR);
	/* A length past the limit: the daemon cannot frame the stream and
	 * drops this client... */
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	assert_int_equal(write(bad, &h, sizeof(h)), sizeof(h));
	assert_int_equal(recv(bad, buf, 1, 0), 0);
	close(bad);
	/* ...and only this one. */
	raw_send(good, XS_GET_DOMAIN_PATH, "3", 2);
	assert_int_equal(raw_reply(good, buf, sizeof(buf)), XS_GET_DOMAIN_PATH);
	assert_string_equal(buf, "/local/domain/3");
	/* Garbage bytes then hang-up: no harm to others either. */
	int junk = raw_connect();
	assert_int_equal(write(junk, "\xff\xff\xff", 3), 3);
	close(junk);
	raw_send(good, XS_GET_DOMAIN_PATH, "4", 2);
	assert_int_equal(raw_reply(good, buf, sizeof(buf)), XS_GET_DOMAIN_PATH);
	close(good);
}

/* Clients that ask and never read cannot grow the daemon without bound
 * together: each is under its own 16 MiB cap here, but their output
 * passes the daemon's total (2 MiB in this test) and they are dropped,
 * while a client that reads is still served. */
static void clients_that_never_read(void **state)
{
	(void)state;
	char buf[XENSTORE_PAYLOAD_MAX + 1], wr[5 + 4000];
	int good = raw_connect(), hogs[4];

	memcpy(wr, "/hog", 5); /* path, nul, then a 4,000-byte value */
	memset(wr + 5, 'v', 4000);
	raw_send(good, XS_WRITE, wr, sizeof(wr));
	assert_int_equal(raw_reply(good, buf, sizeof(buf)), XS_WRITE);
	/* Each asks 300 times for the 4 kB value; the daemon may drop a hog
	 * while it is still asking. */
	char ask[sizeof(struct xsd_sockmsg) + 5];
	struct xsd_sockmsg h = { XS_READ, 1, 0, 5 };
	memcpy(ask, &h, sizeof(h));
	memcpy(ask + sizeof(h), "/hog", 5);
	for (int i = 0; i < 4; i++) {
		hogs[i] = raw_connect();
		for (int k = 0; k < 300; k++)
			if (send(hogs[i], ask, sizeof(ask), MSG_NOSIGNAL) !=
			    (ssize_t)sizeof(ask))
				break;
	}
	raw_send(good, XS_GET_DOMAIN_PATH, "3", 2);
	assert_int_equal(raw_reply(good, buf, sizeof(buf)), XS_GET_DOMAIN_PATH);
	/* Read each hog to its end: some were cut off before their 300
	 * replies, the rest got all. */
	int dropped = 0;
	for (int i = 0; i < 4; i++) {
		int replies = 0;
		while (recv(hogs[i], &h, sizeof(h), MSG_WAITALL) == sizeof(h) &&
		       recv(hogs[i], buf, h.len, MSG_WAITALL) == (ssize_t)h.len) {
			assert_int_equal(h.type, XS_READ); /* each an answer */
			if (++replies == 300)
				break;
		}
		dropped += replies < 300;
		close(hogs[i]);
	}
	assert_true(dropped >= 1);
	raw_send(good, XS_GET_DOMAIN_PATH, "4", 2);
	assert_int_equal(raw_reply(good, buf, sizeof(buf)), XS_GET_DOMAIN_PATH);
	close(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_write_mkdir_rm_directory),
		cmocka_unit_test(domains_and_special_watches),
		cmocka_unit_test(watches_fire_with_path_and_token),
		cmocka_unit_test(transactions_commit_abort_conflict),
		cmocka_unit_test(permissions_denied_and_allowed),
		cmocka_unit_test(control_and_stats_file),
		cmocka_unit_test(malformed_input),
		cmocka_unit_test(clients_that_never_read),
	};
	return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
