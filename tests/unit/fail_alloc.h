/* fail_alloc.h: allocation faults on demand, as SQLite's tests inject
 * them. A test binary linked with -Wl,--wrap=realloc (the Makefile's
 * list) gets every realloc the code under test makes here, and fails them
 * all while alloc_fails is set. Include it once, in the test's .c. */
#ifndef HORDE_TEST_FAIL_ALLOC_H
#define HORDE_TEST_FAIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static bool alloc_fails;

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails ? NULL : __real_realloc(p, n);
}

#endif
