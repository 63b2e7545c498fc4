/* fuzz_alloc.h — the harnesses' allocator for bx_set_allocator: it fails the
 * alloc_fail_at-th allocation (1-based; 0: none) counted in alloc_count, so
 * that each input also runs with one allocation refused; which one is picked
 * by the input's FNV-1a hash (also the harnesses' digest of their results).
 * Included once per harness (each is its own program). */
#ifndef BX_FUZZ_ALLOC_H
#define BX_FUZZ_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* FNV-1a (64-bit) of n bytes, continuing from h (FNV1A_START to begin). */
#define FNV1A_START 1469598103934665603ull
static uint64_t fnv1a(const void *d, size_t n, uint64_t h)
{
    const uint8_t *b = d;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

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
