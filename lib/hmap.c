/* hmap.c: see hmap.h. */
#define _GNU_SOURCE
#include "hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* FNV-1a mixed with a per-map seed, then finalised with a murmur-style
 * avalanche so that the low bits used for the bucket are well spread. */
static uint64_t hash_key(uint64_t seed, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets)
		return -1;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) !=
	    sizeof(m->seed))
		m->seed = (uint64_t)(uintptr_t)m ^ 0x9e3779b97f4a7c15ull;
	return 0;
}

void hmap_dispose(struct hmap *m)
{
	if (!m->buckets)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct hmap_entry *e = m->buckets[i];
		while (e) {
			struct hmap_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = NULL;
	m->count = 0;
}

static struct hmap_entry **find(const struct hmap *m, const char *key,
				uint64_t h)
{
	struct hmap_entry **pp = &m->buckets[h & (m->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
			return pp;
	return pp;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_entry *e = *find(m, key, hash_key(m->seed, key));
	return e ? e->value : NULL;
}

static int grow(struct hmap *m)
{
	size_t n = m->nbuckets * 2;
	struct hmap_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct hmap_entry *e = m->buckets[i];
		while (e) {
			struct hmap_entry *next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
	return 0;
}

int hmap_put(struct hmap *m, const char *key, void *value)
{
	uint64_t h = hash_key(m->seed, key);
	struct hmap_entry **pp = find(m, key, h);
	if (*pp) {
		(*pp)->key = key;
		(*pp)->value = value;
		return 0;
	}
	struct hmap_entry *e = malloc(sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return -1;
	}
	*e = (struct hmap_entry){ NULL, key, h, value };
	*pp = e;
	if (++m->count > m->nbuckets && grow(m) != 0) {
		/* Still correct, only slower: keep going with long chains. */
	}
	return 0;
}

void *hmap_del(struct hmap *m, const char *key)
{
	struct hmap_entry **pp = find(m, key, hash_key(m->seed, key));
	struct hmap_entry *e = *pp;
	if (!e)
		return NULL;
	void *v = e->value;
	*pp = e->next;
	free(e);
	m->count--;
	return v;
}
