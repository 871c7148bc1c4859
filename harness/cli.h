/* cli.h: the horde command's machinery. Each subcommand is one struct
 * command: its name, arguments, options and help all come from that
 * entry, so the usage text cannot drift from what is parsed, and a
 * command reads its options by name, never by their place in its table. */
#ifndef HORDE_CLI_H
#define HORDE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_opt {
	const char *name;
	const char *arg;  /* NULL: a flag */
	const char *help;
	char short_name;  /* 0: none */
	bool many;        /* may come again; every value is kept, in order
			     (one such option a command) */
};

#define CLI_MAX_OPTS 16
#define CLI_MAX_MANY 32

struct command;

struct cli_args {
	const struct command *cmd;
	const char *values[CLI_MAX_OPTS]; /* by option; flags get "1" */
	const char *many[CLI_MAX_MANY];   /* each value of the many option */
	size_t nmany;
	char **pos;
	int npos;
};

struct command {
	const char *name;
	const char *args;    /* positional arguments, for the usage line */
	const char *summary;
	int min_pos, max_pos;
	const struct cli_opt *opts; /* ends with { NULL } */
	int (*run)(const struct cli_args *a);
	const char *exits;   /* its exit statuses, for --help, man and README */
};

/* The value of the option called name, or NULL when it was not given
 * ("1" for a flag given). A name the command does not declare is a bug in
 * horde: it says so and aborts, so that no typo reads as "not given". */
const char *cli_opt(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);

/* Parses argv[2..] (argv[1] is the command) into out. Returns -1 to go
 * on and run the command, or the status to exit with: 0 after --help, 2
 * for bad usage (said on stderr). */
int cli_parse(const struct command *c, int argc, char **argv,
	      struct cli_args *out);

/* "usage: horde NAME ...": the command's options and exit statuses. */
void cli_usage_of(FILE *f, const struct command *c);
/* The commands as sections of a manual page (roff). */
void cli_man_commands(FILE *f, const struct command *cmds, size_t n);
/* The README's table of exit statuses. */
void cli_exits_markdown(FILE *f, const struct command *cmds, size_t n);

#endif
