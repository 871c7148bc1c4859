/* heap.c: see heap.h. */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key(const struct heap *h, size_t i)
{
	uint64_t k;
	memcpy(&k, h->items + i * h->size, sizeof(k));
	return k;
}

static void *at(struct heap *h, size_t i)
{
	return h->items + i * h->size;
}

void heap_init(struct heap *h, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->size = size;
}

void heap_free(struct heap *h)
{
	free(h->items);
	h->items = NULL;
	h->n = h->cap = 0;
}

int heap_push(struct heap *h, const void *item)
{
	uint64_t k;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		unsigned char *n = realloc(h->items, cap * h->size);
		if (!n)
			return -1;
		h->items = n;
		h->cap = cap;
	}
	memcpy(&k, item, sizeof(k));
	size_t i = h->n++;
	while (i > 0 && key(h, (i - 1) / 2) > k) {
		memcpy(at(h, i), at(h, (i - 1) / 2), h->size);
		i = (i - 1) / 2;
	}
	memcpy(at(h, i), item, h->size);
	return 0;
}

const void *heap_top(const struct heap *h)
{
	return h->n ? h->items : NULL;
}

void heap_pop(struct heap *h, void *out)
{
	memcpy(out, at(h, 0), h->size);
	if (--h->n == 0)
		return;
	/* The last item sifts down from the root. */
	uint64_t k = key(h, h->n);
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && key(h, c + 1) < key(h, c))
			c++;
		if (key(h, c) >= k)
			break;
		memcpy(at(h, i), at(h, c), h->size);
		i = c;
	}
	memcpy(at(h, i), at(h, h->n), h->size);
}
