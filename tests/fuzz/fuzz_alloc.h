/* fuzz_alloc.h — the harnesses' allocator for bx_set_allocator: it fails the
 * alloc_fail_at-th allocation (1-based; 0: none) counted in alloc_count, so
 * that each input also runs with one allocation refused. Included once per
 * harness (each is its own program). */
#ifndef BX_FUZZ_ALLOC_H
#define BX_FUZZ_ALLOC_H

#include <stdlib.h>

static unsigned long alloc_count;
static unsigned long alloc_fail_at;

static void *fuzz_alloc(size_t size, void *user)
{
    (void)user;
    if (++alloc_count == alloc_fail_at)
        return NULL;
    return malloc(size);
}

static void fuzz_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

#endif
