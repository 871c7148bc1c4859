/* latency.c: emu's model of how long each hypervisor operation takes, and
 * the profile files that hold it (written by `horde calibrate` from a real
 * run, read by the plan key emu_latency=FILE).
 *
 * A profile is text, one "key = value" a line, '#' starting a comment:
 *   name = lane-xen-4.17              what runs call the profile
 *   source = Xen 4.17.3 ... run 3     where its numbers come from
 *   memory = 4                        the guests' MiB the build was timed at
 *   create = MEDIAN_NS GROWTH_NS SIGMA
 *   ... one line for each of evtchn, build, gnttab, unpause, destroy
 * An operation on a host holding D domains takes
 *   (MEDIAN + GROWTH x D / 1000) x exp(SIGMA x z), z ~ N(0, 1):
 * the median on an empty host, its growth per 1,000 domains, and the
 * spread as a lognormal's sigma (0: always the median). evtchn is one
 * allocation; a guest makes two. */
#define _GNU_SOURCE
#include "emu.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The shipped default, measured in the real-Xen lane (emu/profiles/
 * xen-4.17-qemu.profile, linked in by default_profile.S). */
extern const char emu_default_profile[];
extern const char emu_default_profile_end[];

static const struct emu_latency zero = {
	.name = "zero",
	.source = "no modelled cost: measures horde, XenStore and dom0 alone",
};

/* Splits "key = value"; returns 0 for a blank or comment line, -1 when
 * there is no '=', 1 with key and value trimmed. */
static int split_line(char *line, char **key, char **value)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	char *eq = strchr(p, '=');
	if (!eq)
		return -1;
	char *end = eq;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	*eq = '\0';
	char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	*key = p;
	*value = v;
	return 1;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* "MEDIAN GROWTH SIGMA": three numbers and nothing else. */
static int parse_cost(const char *v, struct emu_op_cost *c)
{
	double x[3];
	const char *p = v;
	char *end;
	errno = 0;
	for (int i = 0; i < 3; i++, p = end) {
		x[i] = strtod(p, &end);
		if (end == p)
			return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	double median = x[0], growth = x[1], sigma = x[2];
	if (errno || *p || !(median >= 0 && median <= 60e9) ||
	    !(growth >= -60e9 && growth <= 60e9) || !(sigma >= 0 && sigma <= 3))
		return -1;
	c->median_ns = (uint64_t)median;
	c->growth_ns = (int64_t)growth;
	c->sigma = sigma;
	return 0;
}

int emu_latency_parse(const char *text, size_t len, const char *origin,
		      struct emu_latency *out, struct hd_err *err)
{
	unsigned seen = 0; /* a bit for each operation */
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		char line[1024], *key, *value;
		lineno++;
		if (n >= sizeof(line))
			return hd_fail(err, HD_EINVAL, "%s:%u: line too long",
				       origin, lineno);
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (nl != NULL);
		len -= n + (nl != NULL);
		if (memchr(line, '\0', n))
			return hd_fail(err, HD_EINVAL, "%s:%u: NUL byte",
				       origin, lineno);
		int r = split_line(line, &key, &value);
		if (r == 0)
			continue;
		if (r < 0)
			return hd_fail(err, HD_EINVAL, "%s:%u: expected "
				       "key = value", origin, lineno);
		if (strcmp(key, "name") == 0 || strcmp(key, "source") == 0) {
			char *dst = key[0] == 'n' ? out->name : out->source;
			size_t cap = key[0] == 'n' ? sizeof(out->name)
						   : sizeof(out->source);
			if (strlen(value) >= cap || !printable(value))
				return hd_fail(err, HD_EINVAL, "%s:%u: %s: at most "
					       "%zu printable characters",
					       origin, lineno, key, cap - 1);
			hd_strlcpy(dst, value, cap);
			continue;
		}
		if (strcmp(key, "memory") == 0) {
			char *end;
			unsigned long m = strtoul(value, &end, 10);
			if (*end || end == value || m < 1 || m > 1048576)
				return hd_fail(err, HD_EINVAL, "%s:%u: memory: "
					       "MiB, 1..1048576", origin, lineno);
			out->memory_mib = (uint32_t)m;
			continue;
		}
		int op = 0;
		while (op < XCL_HV_OP_COUNT &&
		       strcmp(key, xcl_hv_op_name((enum xcl_hv_op)op)))
			op++;
		if (op == XCL_HV_OP_COUNT)
			return hd_fail(err, HD_EINVAL, "%s:%u: unknown key '%s'",
				       origin, lineno, key);
		if (seen & (1u << op))
			return hd_fail(err, HD_EINVAL, "%s:%u: %s given twice",
				       origin, lineno, key);
		if (parse_cost(value, &out->op[op]))
			return hd_fail(err, HD_EINVAL, "%s:%u: %s: expected "
				       "MEDIAN_NS GROWTH_NS_PER_1000 SIGMA (sigma "
				       "0..3)", origin, lineno, key);
		seen |= 1u << op;
	}
	if (!out->name[0])
		return hd_fail(err, HD_EINVAL, "%s: no name", origin);
	for (int op = 0; op < XCL_HV_OP_COUNT; op++)
		if (!(seen & (1u << op)))
			return hd_fail(err, HD_EINVAL, "%s: no %s", origin,
				       xcl_hv_op_name((enum xcl_hv_op)op));
	return HD_OK;
}

int emu_latency_load(const char *which, struct emu_latency *out,
		     struct hd_err *err)
{
	if (strcmp(which, "zero") == 0) {
		*out = zero;
		return HD_OK;
	}
	if (strcmp(which, "default") == 0)
		return emu_latency_parse(emu_default_profile,
					 (size_t)(emu_default_profile_end -
						  emu_default_profile),
					 "default profile", out, err);
	/* A regular file only, opened without blocking: a FIFO would be
	 * waited on forever, /dev/zero read without end. */
	struct stat st;
	int fd = open(which, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hd_fail_errno(err, HD_EINVAL, "emu_latency: %s", which);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hd_fail(err, HD_EINVAL, "emu_latency: %s: not a regular "
			       "file", which);
	}
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));
	int e = errno;
	close(fd);
	if (n < 0 || (size_t)n == sizeof(buf))
		return hd_fail(err, HD_EINVAL, "emu_latency: %s: %s", which,
			       n < 0 ? strerror(e) : "larger than 16 KiB");
	return emu_latency_parse(buf, (size_t)n, which, out, err);
}

void emu_latency_write(FILE *f, const struct emu_latency *lat)
{
	fprintf(f, "# horde latency profile: emu's modelled hypervisor (plan key\n"
		"# emu_latency=FILE). An operation on a host of D domains takes\n"
		"# (median + growth x D / 1000) x exp(sigma x z), z ~ N(0,1).\n"
		"name = %s\nsource = %s\n", lat->name, lat->source);
	if (lat->memory_mib)
		fprintf(f, "memory = %u\n", lat->memory_mib);
	fprintf(f, "# operation = median_ns growth_ns_per_1000_domains sigma\n");
	for (int op = 0; op < XCL_HV_OP_COUNT; op++)
		fprintf(f, "%s = %llu %lld %.3f\n",
			xcl_hv_op_name((enum xcl_hv_op)op),
			(unsigned long long)lat->op[op].median_ns,
			(long long)lat->op[op].growth_ns, lat->op[op].sigma);
}

uint64_t emu_latency_draw(const struct emu_latency *lat, enum xcl_hv_op op,
			  uint32_t domains, uint64_t *rng)
{
	const struct emu_op_cost *c = &lat->op[op];
	double t = (double)c->median_ns + (double)c->growth_ns * domains / 1000.0;
	if (t <= 0)
		return 0;
	if (c->sigma > 0)
		t *= exp(c->sigma * hd_rand_normal(rng));
	return (uint64_t)t;
}
