/* cosmos.c: the small CLI over libxcl.
 *
 *   cosmos [--platform emu] [--memory MIB] COMMAND [ARGS] [COMMAND ...]
 *
 * Commands: create NAME, destroy DOMID, list. On emu, the emulated host
 * lives as long as the cosmos process, so several commands can be given in
 * one call ("create a create b list destroy 1"). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../harness/platform.h"
#include "../lib/domid.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cosmos [--platform emu] [--memory MIB] COMMAND [COMMAND ...]\n"
		"  create NAME    create, connect and unpause one guest; prints its\n"
		"                 domid and the time of each creation phase\n"
		"  destroy DOMID  destroy a guest and remove its XenStore entries\n"
		"  list           domains in XenStore: domid and name\n"
		"options:\n"
		"  --platform P   emu (the emulated host, default) or xen (run in\n"
		"                 dom0 of a Xen host)\n"
		"  --memory MIB   guest memory (default 8)\n"
		"  --kernel PATH  xen: the guest's PV kernel\n"
		"  --ramdisk PATH xen: its initramfs\n"
		"  --bridge NAME  xen: the dom0 bridge for its vif (horde-br0)\n"
		"  -V, --version  cosmos's version and commit\n"
		"exit status: 0 every command done; 1 a command failed; 2 bad usage\n");
}

static void print_timing(const struct xcl_timing *t)
{
	char buf[32];
	printf("  total %s", hd_fmt_ns(t->total_ns, buf, sizeof(buf)));
	for (int p = 0; p < XCL_PHASE_COUNT; p++)
		printf("  %s %s", xcl_phase_name((enum xcl_phase)p),
		       hd_fmt_ns(t->phase_ns[p], buf, sizeof(buf)));
	printf("\n");
}

static int list(void)
{
	struct xs_handle *xs = xs_open(0);
	unsigned n;
	if (!xs) {
		perror("cosmos: open xenstore");
		return 1;
	}
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	printf("%-6s %s\n", "domid", "name");
	for (unsigned i = 0; doms && i < n; i++) {
		char path[64];
		unsigned len;
		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		char *name = xs_read(xs, XBT_NULL, path, &len);
		printf("%-6s %s\n", doms[i], name ? name : "-");
		free(name);
	}
	free(doms);
	xs_close(xs);
	return 0;
}

/* The options, each a plan key of the same name, checked through the
 * plan's key tables as a plan's values are: they reach xl's config files
 * and dom0's commands. Returns -1 to go on, or the status to exit with. */
static int parse_options(int argc, char **argv, struct plan_job *job)
{
	/* Each option 'k' sets the plan key it is named after. */
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'k' },
		{ "memory", required_argument, NULL, 'k' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "ramdisk", required_argument, NULL, 'k' },
		{ "bridge", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *given[HD_ARRAY_SIZE(opts)] = { 0 }; /* by option */
	int opt, at;

	while ((opt = getopt_long(argc, argv, "+hV", opts, &at)) != -1) {
		if (opt == 'h' || opt == 'V') {
			if (opt == 'h')
				usage(stdout);
			else
				printf("cosmos %s (%s)\n", HORDE_VERSION,
				       HORDE_COMMIT);
			return 0;
		}
		if (opt != 'k') {
			usage(stderr);
			return 2;
		}
		given[at] = optarg; /* the last one given counts */
	}
	/* The platform first: it says which keys the others are. */
	struct hd_err err = { 0 };
	int bad = plan_job_defaults(job, "cosmos", &err);
	for (int platform = 1; platform >= 0; platform--)
		for (size_t i = 0; i < HD_ARRAY_SIZE(given) && !bad; i++)
			if (given[i] && (strcmp(opts[i].name, "platform") == 0) ==
					        platform)
				bad = plan_job_set(job, opts[i].name, given[i],
						   &err);
	if (bad) {
		fprintf(stderr, "cosmos: %s\n", err.msg);
		return 2;
	}
	return -1;
}

/* Checks every command before anything is created; counts the guests
 * the call creates (the kernel matters then) into job. */
static int check_commands(int argc, char **argv, struct plan_job *job)
{
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	job->guests = 0;
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "list") == 0)
			continue;
		if ((strcmp(argv[i], "create") == 0 ||
		     strcmp(argv[i], "destroy") == 0) && i + 1 < argc) {
			job->guests += strcmp(argv[i++], "create") == 0;
			continue;
		}
		fprintf(stderr, "cosmos: bad command at '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* create NAME: guest seq of this call. */
static int create(const struct platform_ops *ops, struct platform *plat,
		  uint32_t seq, const char *name)
{
	struct guest_spec g = { .seq = seq };
	struct xcl_timing t;
	struct hd_err err = { 0 };
	uint32_t domid;

	hd_strlcpy(g.name, name, sizeof(g.name));
	g.addr_be = platform_guest_addr(seq);
	platform_guest_mac(seq, g.mac);
	if (ops->create(plat, &g, &domid, &t, &err)) {
		fprintf(stderr, "cosmos: create %s: %s\n", g.name, err.msg);
		return 1;
	}
	printf("created %s: domid %u\n", g.name, domid);
	print_timing(&t);
	return 0;
}

/* destroy DOMID. */
static int destroy(const struct platform_ops *ops, struct platform *plat,
		   const char *id)
{
	struct xcl_timing t;
	struct hd_err err = { 0 };
	long long domid;

	if (hd_parse_int(id, 1, HD_DOMID_LAST, &domid)) {
		fprintf(stderr, "cosmos: destroy: bad domid '%s'\n", id);
		return 1;
	}
	if (ops->destroy(plat, 0, (uint32_t)domid, &t, &err)) {
		fprintf(stderr, "cosmos: %s\n", err.msg);
		return 1;
	}
	printf("destroyed domid %lld\n", domid);
	print_timing(&t);
	return 0;
}

int main(int argc, char **argv)
{
	struct plan_job job;
	struct platform *plat;
	struct hd_err err = { 0 };
	int status;

	if ((status = parse_options(argc, argv, &job)) >= 0 ||
	    (status = check_commands(argc, argv, &job)) >= 0)
		return status;
	const struct platform_ops *ops = job.platform;
	if (ops->check(&job, &err) || ops->open(&job, &plat, &err)) {
		fprintf(stderr, "cosmos: %s\n", err.msg);
		return 1;
	}
	status = 0;
	uint32_t seq = 0;
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "list") == 0)
			status |= list();
		else if (strcmp(argv[i], "create") == 0)
			status |= create(ops, plat, ++seq, argv[++i]);
		else
			status |= destroy(ops, plat, argv[++i]);
	}
	ops->close(plat);
	return status;
}
