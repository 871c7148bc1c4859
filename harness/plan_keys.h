/* plan_keys.h: how a plan key is declared, in the style of fio's option
 * tables: its name, its type, the field of a struct it fills, its default,
 * its range or its values, its help. Parsing a value, writing it back as a
 * plan would, defaults, and the help and README reference all come from
 * such a table. The keys every platform takes are one table (plan_job.c);
 * each platform declares its own in a table of its own (platform_ops.keys)
 * for the typed settings it reads, as fio's engines do. */
#ifndef HORDE_PLAN_KEYS_H
#define HORDE_PLAN_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/util.h"

enum plan_key_type {
	KEY_INT,      /* long long, min..max */
	KEY_FLOAT,    /* double, min..max */
	KEY_DURATION, /* uint64_t ns, written "250ms", "2s"; min..max in ns */
	KEY_ENUM,     /* an enum (int-sized), one of values */
	KEY_TEXT,     /* char[size], held to form */
	KEY_LIST,     /* struct plan_list: rising whole numbers min..max */
	KEY_PLATFORM, /* const struct platform_ops *, by name */
};

/* One value of a KEY_ENUM key: its name in a plan, the enum constant it
 * stands for, and what it means. A table ends with { NULL }. */
struct plan_key_value {
	const char *name;
	int value;
	const char *help;
};

/* What a KEY_TEXT value may hold, and the check that holds it to that:
 * text reaches config files, command lines and interface names, so only
 * what they can take safely passes. */
struct plan_text_form {
	const char *says;
	int (*check)(const char *what, const char *value, struct hd_err *err);
};

extern const struct plan_text_form plan_text_free;   /* printable text */
extern const struct plan_text_form plan_text_path;   /* a file's path */
extern const struct plan_text_form plan_text_ifname; /* an interface */

#define PLAN_LIST_MAX 32

/* A KEY_LIST field. */
struct plan_list {
	uint32_t n;
	uint32_t v[PLAN_LIST_MAX];
};

struct plan_key {
	const char *name;
	enum plan_key_type type;
	size_t offset, size; /* of the field: PLAN_FIELD(struct, member) */
	const char *def;     /* the default, as a plan would write it */
	long long min, max;  /* KEY_INT, KEY_FLOAT, KEY_LIST; KEY_DURATION ns */
	const struct plan_key_value *values; /* KEY_ENUM */
	const struct plan_text_form *form;   /* KEY_TEXT */
	const char *help;
};

#define PLAN_FIELD(type, member) \
	offsetof(type, member), sizeof(((type *)0)->member)

/* A table of keys and the struct they fill. */
struct plan_keys {
	const char *whose; /* for help: "every platform", "emu", "xen, xl" */
	const struct plan_key *keys;
	size_t n;
	size_t size; /* of the struct the keys fill */
	/* Rules that tie the table's keys together, checked once all are
	 * set (a spread no larger than its median); may be NULL. */
	int (*check)(const void *settings, struct hd_err *err);
};

/* The key called name in t, or NULL. */
const struct plan_key *plan_keys_find(const struct plan_keys *t,
				      const char *name);
/* Checks a table against itself: each default parses, each field fits
 * the struct with the size its type needs. A table that fails is a bug;
 * err says which key. */
int plan_keys_selfcheck(const struct plan_keys *t, struct hd_err *err);
/* Fills the struct at base with every key's default. */
int plan_keys_defaults(const struct plan_keys *t, void *base,
		       struct hd_err *err);

/* Parses value for key k into the struct at base; err says "KEY: what is
 * wrong" (no position: the caller knows the line). */
int plan_key_set(const struct plan_key *k, void *base, const char *value,
		 struct hd_err *err);
/* The value of key k in the struct at base, as a plan writes it. */
void plan_key_text(const struct plan_key *k, const void *base, char *buf,
		   size_t len);

enum plan_help_format { PLAN_HELP_TEXT, PLAN_HELP_MARKDOWN, PLAN_HELP_ROFF };

/* Writes the reference of t's keys: for horde help plan, the README's
 * table, or the manual page. */
void plan_keys_help(FILE *f, const struct plan_keys *t,
		    enum plan_help_format format);

#endif
