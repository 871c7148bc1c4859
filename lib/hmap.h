/* hmap.h: a string-keyed hash map with separate chaining.
 *
 * Keys are not copied: the caller keeps each key alive while it is in the
 * map (usually the key is a field of the value). The hash is seeded at
 * random per map so that a peer cannot choose keys that all collide. */
#ifndef HORDE_HMAP_H
#define HORDE_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_entry {
	struct hmap_entry *next;
	const char *key;
	uint64_t hash;
	void *value;
};

struct hmap {
	struct hmap_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	uint64_t seed;
};

int hmap_init(struct hmap *m);     /* 0, or -1 with errno */
void hmap_dispose(struct hmap *m); /* frees the map, not keys or values */
void *hmap_get(const struct hmap *m, const char *key);
/* Inserts or replaces; returns 0, or -1 with errno ENOMEM. */
int hmap_put(struct hmap *m, const char *key, void *value);
/* Removes key; returns its value or NULL. */
void *hmap_del(struct hmap *m, const char *key);

#endif
