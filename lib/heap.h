/* heap.h: a binary min-heap of fixed-size items, ordered by the uint64_t
 * each item starts with (a due time, in horde's uses: the emulated guests'
 * boots, churn's deaths). */
#ifndef HORDE_HEAP_H
#define HORDE_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct heap {
	unsigned char *items;
	size_t n, cap, size;
};

/* size: of an item, whose first member is its uint64_t key. */
void heap_init(struct heap *h, size_t size);
void heap_free(struct heap *h);
/* 0, or -1 when out of memory (the item is not added). */
int heap_push(struct heap *h, const void *item);
/* The smallest item, or NULL when empty. */
const void *heap_top(const struct heap *h);
/* Moves the smallest item into out (the heap must not be empty). */
void heap_pop(struct heap *h, void *out);

#endif
