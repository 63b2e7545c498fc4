/* test_noalloc — bx_engine_process never allocates or frees memory.
 *
 * Two independent counters watch the whole processing of a full chain, stereo,
 * with a hot reload being picked up and retired and a bypass crossfade:
 *  1. libbx's allocator hook (portable: counts everything libbx and cJSON allocate);
 *  2. on glibc without sanitizers, malloc/calloc/realloc/free of the whole
 *     process are interposed, so allocations from libm or libc called inside
 *     the block function would be seen too (skipped under ASan, which owns malloc).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/engine.h"
#include "testutil.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BX_ASAN 1
#endif

static long hook_calls;
static int watching;

static void *count_alloc(size_t n, void *user)
{
    (void)user;
    if (watching)
        hook_calls++;
    return malloc(n);
}

static void count_free(void *p, void *user)
{
    (void)user;
    if (watching)
        hook_calls++;
    free(p);
}

#if defined(__GLIBC__) && !defined(BX_ASAN)
#define INTERPOSE 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static long libc_calls;
void *malloc(size_t n);
void *calloc(size_t c, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
void *malloc(size_t n)
{
    libc_calls += watching;
    return __libc_malloc(n);
}
void *calloc(size_t c, size_t n)
{
    libc_calls += watching;
    return __libc_calloc(c, n);
}
void *realloc(void *p, size_t n)
{
    libc_calls += watching;
    return __libc_realloc(p, n);
}
void free(void *p)
{
    libc_calls += watching && p;
    __libc_free(p);
}
#endif

int main(void)
{
    const double fs = 48000;
    bx_set_allocator(count_alloc, count_free, NULL);
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.n_bands = 3;
    p.bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 40, 0, 0.707};
    p.bands[1] = (bx_band){BX_BIQUAD_PEAK, 1000, 4, 1};
    p.bands[2] = (bx_band){BX_BIQUAD_HIGH_SHELF, 8000, 3, 0.7};
    p.has_comp = 1;
    p.has_limiter = 1;
    bx_error err;
    bx_chain *c = bx_chain_create(&p, fs, 2, &err);
    bx_chain *next = bx_chain_create(&p, fs, 2, &err);
    bx_engine *e = c ? bx_engine_create(c, fs, 2, &err) : NULL;
    if (!e || !next) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    const size_t n = 48000;
    float *buf = malloc(n * 2 * sizeof *buf);
    uint64_t seed = 1;
    for (size_t i = 0; i < n * 2; i++)
        buf[i] = (float)(0.8 * tu_noise(&seed));

    /* the counters themselves must see an allocation, or this test proves nothing */
    watching = 1;
    bx_free(bx_malloc(16));
    const long hook_seen = hook_calls;
#ifdef INTERPOSE
    free(malloc(16));
    const long libc_seen = libc_calls;
    libc_calls = 0;
#endif
    hook_calls = 0;
    watching = 0;
    if (hook_seen != 2) {
        fprintf(stderr, "FAIL: the allocator hook did not count a known allocation\n");
        return 1;
    }
#ifdef INTERPOSE
    if (libc_seen < 2) {
        fprintf(stderr, "FAIL: malloc interposition did not count a known allocation\n");
        return 1;
    }
#endif

    watching = 1;
    size_t pos = 0;
    for (int k = 0; pos < n; k++) {
        const size_t b = (size_t)(k % 5 == 0 ? 1 : 37 * (k % 7) + 1);
        const size_t m = b < n - pos ? b : n - pos;
        bx_block_stats st;
        bx_engine_process(e, buf + pos * 2, buf + pos * 2, m, &st);
        pos += m;
        if (k == 10)
            bx_engine_post_chain(e, next); /* picked up and retired inside process */
        if (k == 200)
            bx_engine_set_bypass(e, 1);
    }
    watching = 0;

    int checks = 1;
    if (hook_calls != 0)
        tu_fail("libbx allocated or freed %ld times inside bx_engine_process", hook_calls);
    printf("libbx allocator hook: %ld calls during %zu frames of processing (limit 0)\n",
           hook_calls, n);
#ifdef INTERPOSE
    checks++;
    if (libc_calls != 0)
        tu_fail("the C library allocator was called %ld times inside bx_engine_process",
                libc_calls);
    printf("process-wide malloc/free interposition: %ld calls (limit 0)\n", libc_calls);
#else
    printf("process-wide malloc interposition: SKIPPED (needs glibc without a sanitizer)\n");
#endif
    bx_chain_destroy(bx_engine_collect(e));
    bx_engine_destroy(e);
    free(buf);
    bx_set_allocator(NULL, NULL, NULL);
    return tu_finish("test_noalloc", checks);
}
