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

/* Under AddressSanitizer, blocks of BIG_BLOCK bytes or more (the LTAS level
 * table: 3 MB at 48 kHz) are kept when freed and handed out again for the
 * same size, instead of going back to ASan, which maps, poisons and unmaps
 * each one afresh (that was about 40 % of fuzz_audio's time). A kept block
 * stays an ASan allocation with its red zones, and is poisoned while kept,
 * so an overflow or a use after free is still reported. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_KEEP_BIG 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define FUZZ_KEEP_BIG 1
#endif

#ifdef FUZZ_KEEP_BIG
#include <sanitizer/allocator_interface.h>
#include <sanitizer/asan_interface.h>
#include <string.h>

#define BIG_BLOCK ((size_t)256 << 10)
#define BIG_KEPT 8
static void *kept[BIG_KEPT];
static size_t kept_size[BIG_KEPT];

static void *take_kept(size_t size)
{
    for (int i = 0; i < BIG_KEPT; i++)
        if (kept[i] && kept_size[i] == size) {
            void *p = kept[i];
            kept[i] = NULL;
            ASAN_UNPOISON_MEMORY_REGION(p, size);
            memset(p, 0xbe, 4096); /* like ASan's malloc_fill_byte */
            return p;
        }
    return NULL;
}

static int keep(void *ptr)
{
    const size_t size = __sanitizer_get_allocated_size(ptr);
    if (size < BIG_BLOCK)
        return 0;
    static int next;
    if (kept[next]) {
        ASAN_UNPOISON_MEMORY_REGION(kept[next], kept_size[next]);
        free(kept[next]);
    }
    ASAN_POISON_MEMORY_REGION(ptr, size);
    kept[next] = ptr;
    kept_size[next] = size;
    next = (next + 1) % BIG_KEPT;
    return 1;
}
#endif

static void *fuzz_alloc(size_t size, void *user)
{
    (void)user;
    if (++alloc_count == alloc_fail_at)
        return NULL;
#ifdef FUZZ_KEEP_BIG
    if (size >= BIG_BLOCK) {
        void *p = take_kept(size);
        if (p)
            return p;
    }
#endif
    return malloc(size);
}

static void fuzz_free(void *ptr, void *user)
{
    (void)user;
#ifdef FUZZ_KEEP_BIG
    if (ptr && keep(ptr))
        return;
#endif
    free(ptr);
}

#endif
