/* cli.c: the horde command's machinery (cli.h). */
#define _GNU_SOURCE
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

const char *cli_opt(const struct cli_args *a, const char *name)
{
	for (int i = 0; a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return a->values[i];
	fprintf(stderr, "horde: bug: command %s has no option --%s\n",
		a->cmd->name, name);
	abort();
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_opt(a, name) != NULL;
}

/* getopt_long's value for option i: past every character. */
#define OPT_VALUE(i) (1000 + (i))

/* Fills getopt_long's tables from the command's options. A table longer
 * than CLI_MAX_OPTS is a bug in horde, said at once. */
static void getopt_tables(const struct command *c, struct option *longopts,
			  char *shorts)
{
	int n = 0;
	size_t ns = 0;
	shorts[ns++] = 'h';
	for (const struct cli_opt *o = c->opts; o->name; o++, n++) {
		if (n == CLI_MAX_OPTS) {
			fprintf(stderr, "horde: bug: command %s has more than "
				"%d options\n", c->name, CLI_MAX_OPTS);
			abort();
		}
		longopts[n] = (struct option){ o->name,
					       o->arg ? required_argument
						      : no_argument,
					       NULL, OPT_VALUE(n) };
		if (o->short_name) {
			shorts[ns++] = o->short_name;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* The option a getopt_long value stands for, or -1. */
static int option_of(const struct command *c, int value)
{
	for (int i = 0; c->opts[i].name; i++)
		if (value == OPT_VALUE(i) || value == c->opts[i].short_name)
			return i;
	return -1;
}

int cli_parse(const struct command *c, int argc, char **argv,
	      struct cli_args *out)
{
	struct option longopts[CLI_MAX_OPTS + 2];
	char shorts[2 * CLI_MAX_OPTS + 2];
	int value;

	memset(out, 0, sizeof(*out));
	out->cmd = c;
	getopt_tables(c, longopts, shorts);
	optind = 2;
	while ((value = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (value == 'h') {
			cli_usage_of(stdout, c);
			return 0;
		}
		int i = option_of(c, value);
		if (i < 0) {
			cli_usage_of(stderr, c);
			return 2;
		}
		out->values[i] = optarg ? optarg : "1";
		if (!c->opts[i].many)
			continue;
		if (out->nmany == CLI_MAX_MANY) {
			fprintf(stderr, "horde: more than %d --%s\n",
				CLI_MAX_MANY, c->opts[i].name);
			return 2;
		}
		out->many[out->nmany++] = optarg;
	}
	out->pos = argv + optind;
	out->npos = argc - optind;
	if (out->npos < c->min_pos || out->npos > c->max_pos) {
		cli_usage_of(stderr, c);
		return 2;
	}
	return -1;
}

void cli_usage_of(FILE *f, const struct command *c)
{
	fprintf(f, "usage: horde %s%s%s%s\n  %s\n", c->name,
		c->opts[0].name ? " [options]" : "", *c->args ? " " : "",
		c->args, c->summary);
	for (const struct cli_opt *o = c->opts; o->name; o++) {
		char left[48], sh[8] = "";
		if (o->short_name)
			snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
		snprintf(left, sizeof(left), "%s--%s%s%s", sh, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "    %-18s %s\n", left, o->help);
	}
	fprintf(f, "  exit status: %s\n", c->exits);
}

void cli_man_commands(FILE *f, const struct command *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct command *c = &cmds[i];
		fprintf(f, ".SS \"horde %s%s%s\"\n", c->name, *c->args ? " " : "",
			c->args);
		hd_roff_text(f, c->summary);
		fputc('\n', f);
		for (const struct cli_opt *o = c->opts; o->name; o++) {
			fprintf(f, ".TP\n");
			if (o->short_name)
				fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
			fprintf(f, "\\fB\\-\\-");
			hd_roff_text(f, o->name);
			fprintf(f, "\\fR%s%s\n", o->arg ? " " : "", o->arg ? o->arg : "");
			hd_roff_text(f, o->help);
			fputc('\n', f);
		}
		fprintf(f, ".PP\nExit status: ");
		hd_roff_text(f, c->exits);
		fputc('\n', f);
	}
}

void cli_exits_markdown(FILE *f, const struct command *cmds, size_t n)
{
	fprintf(f, "| command | exit status |\n| --- | --- |\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "| `horde %s` | %s |\n", cmds[i].name, cmds[i].exits);
}
