/* plan_keys.c: one plan key's value, parsed, written back, and helped
 * (plan_keys.h). */
#define _GNU_SOURCE
#include "plan_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../xcl/xcl.h"
#include "platform.h"

static int check_free_text(const char *what, const char *v, struct hd_err *err)
{
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return hd_fail(err, HD_EINVAL, "%s: control character "
				       "0x%02x", what, *c);
	return HD_OK;
}

static int check_path(const char *what, const char *v, struct hd_err *err)
{
	return hd_check_chars(what, v, "/._+-", err);
}

static int check_ifname(const char *what, const char *v, struct hd_err *err)
{
	if (!*v)
		return hd_fail(err, HD_EINVAL, "%s: empty", what);
	return hd_check_chars(what, v, XCL_BRIDGE_CHARS, err);
}

const struct plan_text_form plan_text_free = {
	"printable text", check_free_text };
const struct plan_text_form plan_text_path = {
	"a path: letters, digits, / . _ + -", check_path };
const struct plan_text_form plan_text_ifname = {
	"an interface name: letters, digits, - _", check_ifname };

const struct plan_key *plan_keys_find(const struct plan_keys *t,
				      const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

/* ---- parsing one value ---- */

static int set_int(const struct plan_key *k, char *field, const char *value,
		   struct hd_err *err)
{
	long long v;
	int rc = hd_parse_int(value, k->min, k->max, &v);
	if (rc == HD_EINVAL)
		return hd_fail(err, HD_EINVAL, "%s: '%s' is not a whole number",
			       k->name, value);
	if (rc)
		return hd_fail(err, HD_EINVAL, "%s: %s is out of range %lld..%lld",
			       k->name, value, k->min, k->max);
	memcpy(field, &v, sizeof(v));
	return HD_OK;
}

static int set_float(const struct plan_key *k, char *field, const char *value,
		     struct hd_err *err)
{
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	if (errno || end == value || *end || v != v)
		return hd_fail(err, HD_EINVAL, "%s: '%s' is not a number",
			       k->name, value);
	if (v < (double)k->min || v > (double)k->max)
		return hd_fail(err, HD_EINVAL, "%s: %s is out of range %lld..%lld",
			       k->name, value, k->min, k->max);
	memcpy(field, &v, sizeof(v));
	return HD_OK;
}

static int set_duration(const struct plan_key *k, char *field,
			const char *value, struct hd_err *err)
{
	uint64_t ns;
	if (hd_parse_duration(value, &ns))
		return hd_fail(err, HD_EINVAL, "%s: '%s' is not a duration: a "
			       "number and a unit (ns, us, ms, s, m, h), like "
			       "250ms, 2s, 1.5m", k->name, value);
	if ((long long)ns < k->min || (long long)ns > k->max) {
		char lo[32], hi[32];
		return hd_fail(err, HD_EINVAL, "%s: %s is out of range %s..%s",
			       k->name, value,
			       hd_fmt_ns((uint64_t)k->min, lo, sizeof(lo)),
			       hd_fmt_ns((uint64_t)k->max, hi, sizeof(hi)));
	}
	memcpy(field, &ns, sizeof(ns));
	return HD_OK;
}

/* "a, b, c": the names of an enum key's values, or of the platforms. */
static void allowed_values(const struct plan_key *k, char *buf, size_t len)
{
	size_t n = 0;
	const struct platform_ops *const *all = platform_all(&n);

	buf[0] = '\0';
	for (size_t i = 0;; i++) {
		const char *name = k->type == KEY_PLATFORM
					   ? (i < n ? all[i]->name : NULL)
					   : k->values[i].name;
		if (!name)
			return;
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", l ? ", " : "", name);
	}
}

static int set_enum(const struct plan_key *k, char *field, const char *value,
		    struct hd_err *err)
{
	char allowed[256];

	if (k->type == KEY_PLATFORM) {
		const struct platform_ops *ops = platform_find(value);
		if (ops) {
			memcpy(field, &ops, sizeof(ops));
			return HD_OK;
		}
	} else {
		for (const struct plan_key_value *v = k->values; v->name; v++) {
			if (strcmp(v->name, value) == 0) {
				memcpy(field, &v->value, sizeof(v->value));
				return HD_OK;
			}
		}
	}
	allowed_values(k, allowed, sizeof(allowed));
	return hd_fail(err, HD_EINVAL, "%s: '%s' is not one of: %s", k->name,
		       value, allowed);
}

static int set_text(const struct plan_key *k, char *field, const char *value,
		    struct hd_err *err)
{
	if (strlen(value) >= k->size)
		return hd_fail(err, HD_EINVAL, "%s: value longer than %zu "
			       "characters", k->name, k->size - 1);
	if (k->form) {
		int rc = k->form->check(k->name, value, err);
		if (rc)
			return rc;
	}
	hd_strlcpy(field, value, k->size);
	return HD_OK;
}

/* Rising whole numbers min..max, comma separated, at most
 * PLAN_LIST_MAX of them. */
static int set_list(const struct plan_key *k, char *field, const char *value,
		    struct hd_err *err)
{
	struct plan_list list = { 0 };
	long prev = 0;

	for (const char *p = value; *p;) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || (*end && *end != ',') || v < k->min ||
		    v > k->max || v <= prev || list.n == PLAN_LIST_MAX)
			return hd_fail(err, HD_EINVAL, "%s: '%s': up to %d rising "
				       "whole numbers %lld..%lld, comma "
				       "separated", k->name, value,
				       PLAN_LIST_MAX, k->min, k->max);
		list.v[list.n++] = (uint32_t)v;
		prev = v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return hd_fail(err, HD_EINVAL, "%s: '%s' ends with a "
				       "comma", k->name, value);
	}
	memcpy(field, &list, sizeof(list));
	return HD_OK;
}

int plan_key_set(const struct plan_key *k, void *base, const char *value,
		 struct hd_err *err)
{
	char *field = (char *)base + k->offset;

	switch (k->type) {
	case KEY_INT: return set_int(k, field, value, err);
	case KEY_FLOAT: return set_float(k, field, value, err);
	case KEY_DURATION: return set_duration(k, field, value, err);
	case KEY_ENUM:
	case KEY_PLATFORM: return set_enum(k, field, value, err);
	case KEY_TEXT: return set_text(k, field, value, err);
	case KEY_LIST: return set_list(k, field, value, err);
	}
	return hd_fail(err, HD_EINVAL, "%s: bad key type", k->name);
}

/* ---- writing one value back ---- */

static void list_text(const struct plan_list *l, char *buf, size_t len)
{
	buf[0] = '\0';
	for (uint32_t i = 0; i < l->n && i < PLAN_LIST_MAX; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%s%u", i ? "," : "", l->v[i]);
	}
}

void plan_key_text(const struct plan_key *k, const void *base, char *buf,
		   size_t len)
{
	const char *field = (const char *)base + k->offset;
	union {
		long long i;
		double f;
		uint64_t ns;
		int e;
		const struct platform_ops *ops;
		struct plan_list list;
	} v;

	if (k->type != KEY_TEXT)
		memcpy(&v, field, k->size);
	switch (k->type) {
	case KEY_INT: snprintf(buf, len, "%lld", v.i); return;
	case KEY_FLOAT: snprintf(buf, len, "%g", v.f); return;
	case KEY_DURATION: hd_fmt_ns(v.ns, buf, len); return;
	case KEY_ENUM:
		for (const struct plan_key_value *x = k->values; x->name; x++)
			if (x->value == v.e) {
				hd_strlcpy(buf, x->name, len);
				return;
			}
		snprintf(buf, len, "?%d", v.e);
		return;
	case KEY_PLATFORM:
		hd_strlcpy(buf, v.ops ? v.ops->name : "", len);
		return;
	case KEY_TEXT: hd_strlcpy(buf, field, len); return;
	case KEY_LIST: list_text(&v.list, buf, len); return;
	}
}

/* ---- a whole table ---- */

int plan_keys_defaults(const struct plan_keys *t, void *base,
		       struct hd_err *err)
{
	for (size_t i = 0; i < t->n; i++)
		if (plan_key_set(&t->keys[i], base, t->keys[i].def, err))
			return hd_wrap(err, "plan key table (%s): default of %s",
				       t->whose, t->keys[i].name);
	return HD_OK;
}

/* The field size each type needs (KEY_TEXT: any). */
static size_t field_size(enum plan_key_type type)
{
	switch (type) {
	case KEY_INT: return sizeof(long long);
	case KEY_FLOAT: return sizeof(double);
	case KEY_DURATION: return sizeof(uint64_t);
	case KEY_ENUM: return sizeof(int);
	case KEY_TEXT: return 0;
	case KEY_LIST: return sizeof(struct plan_list);
	case KEY_PLATFORM: return sizeof(const struct platform_ops *);
	}
	return 0;
}

int plan_keys_selfcheck(const struct plan_keys *t, struct hd_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct plan_key *k = &t->keys[i];
		size_t need = field_size(k->type);
		if ((need && k->size != need) || k->offset + k->size > t->size ||
		    (k->type == KEY_ENUM && !k->values) ||
		    plan_keys_find(t, k->name) != k)
			return hd_fail(err, HD_EINVAL, "plan key table (%s): key "
				       "%s is declared wrong", t->whose,
				       k->name);
	}
	char *scratch = calloc(1, t->size ? t->size : 1);
	if (!scratch)
		return hd_fail(err, HD_ESYS, "out of memory");
	int rc = plan_keys_defaults(t, scratch, err);
	free(scratch);
	return rc;
}

/* ---- help ---- */

static const char *type_name(enum plan_key_type t)
{
	switch (t) {
	case KEY_INT: return "integer";
	case KEY_FLOAT: return "number";
	case KEY_DURATION: return "duration";
	case KEY_ENUM:
	case KEY_PLATFORM: return "one of";
	case KEY_TEXT: return "text";
	case KEY_LIST: return "list";
	}
	return "?";
}

/* The range or values column of a key. */
static void range_text(const struct plan_key *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	buf[0] = '\0';
	switch (k->type) {
	case KEY_INT:
	case KEY_FLOAT:
		snprintf(buf, len, "%lld..%lld", k->min, k->max);
		return;
	case KEY_DURATION:
		snprintf(buf, len, "%s..%s",
			 hd_fmt_ns((uint64_t)k->min, lo, sizeof(lo)),
			 hd_fmt_ns((uint64_t)k->max, hi, sizeof(hi)));
		return;
	case KEY_ENUM:
	case KEY_PLATFORM:
		allowed_values(k, buf, len);
		return;
	case KEY_TEXT:
		if (k->form)
			snprintf(buf, len, "%s", k->form->says);
		return;
	case KEY_LIST:
		snprintf(buf, len, "rising whole numbers %lld..%lld, "
			 "comma-separated", k->min, k->max);
		return;
	}
}

/* Calls fn with the name and help of each of k's values. */
static void each_value(const struct plan_key *k,
		       void (*fn)(FILE *f, const char *name, const char *help),
		       FILE *f)
{
	if (k->type == KEY_PLATFORM) {
		size_t n;
		const struct platform_ops *const *all = platform_all(&n);
		for (size_t i = 0; i < n; i++)
			fn(f, all[i]->name, all[i]->help);
	} else if (k->type == KEY_ENUM) {
		for (const struct plan_key_value *v = k->values; v->name; v++)
			fn(f, v->name, v->help);
	}
}

static void value_roff(FILE *f, const char *name, const char *help)
{
	fprintf(f, ".br\n\\fB%s\\fR: ", name);
	hd_roff_text(f, help);
	fputc('\n', f);
}

static void value_text(FILE *f, const char *name, const char *help)
{
	fprintf(f, "        %-8s %s\n", name, help);
}

void plan_keys_help(FILE *f, const struct plan_keys *t,
		    enum plan_help_format format)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct plan_key *k = &t->keys[i];
		char range[512], line[1024];
		range_text(k, range, sizeof(range));
		switch (format) {
		case PLAN_HELP_ROFF:
			fprintf(f, ".TP\n.B %s\n", k->name);
			snprintf(line, sizeof(line), "%s, default '%s'%s%s. %s",
				 type_name(k->type), k->def, range[0] ? ", " : "",
				 range, k->help);
			hd_roff_text(f, line);
			fputc('\n', f);
			each_value(k, value_roff, f);
			break;
		case PLAN_HELP_MARKDOWN:
			fprintf(f, "| `%s` | %s | %s%s%s | %s | %s |\n", k->name,
				type_name(k->type), *k->def ? "`" : "",
				*k->def ? k->def : "(none)", *k->def ? "`" : "",
				range, k->help);
			break;
		case PLAN_HELP_TEXT:
			fprintf(f, "  %-15s %s, default '%s'%s%s\n      %s\n",
				k->name, type_name(k->type), k->def,
				range[0] ? ", " : "", range, k->help);
			each_value(k, value_text, f);
			break;
		}
	}
}
