/* ring.c — SPSC float ring with C11 acquire/release ordering. */
#include "ring.h"

#include <string.h>

#include "bx/error.h"

ring *ring_create(size_t min_floats)
{
    size_t cap = 1024;
    while (cap < min_floats)
        cap *= 2;
    ring *r = bx_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->buf = bx_malloc(cap * sizeof(float));
    if (!r->buf) {
        bx_free(r);
        return NULL;
    }
    /* touched now, so that the callback's first pass through it does not
     * take a page fault every 1024 floats */
    memset(r->buf, 0, cap * sizeof(float));
    r->cap = cap;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->overflows, 0);
    return r;
}

void ring_destroy(ring *r)
{
    if (r) {
        bx_free(r->buf);
        bx_free(r);
    }
}

int ring_write(ring *r, const float *x, size_t n)
{
    const size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    const size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (r->cap - (head - tail) < n) {
        atomic_fetch_add_explicit(&r->overflows, 1, memory_order_relaxed);
        return 0;
    }
    const size_t at = head & (r->cap - 1);
    const size_t first = n < r->cap - at ? n : r->cap - at;
    memcpy(r->buf + at, x, first * sizeof(float));
    memcpy(r->buf, x + first, (n - first) * sizeof(float));
    atomic_store_explicit(&r->head, head + n, memory_order_release);
    return 1;
}

size_t ring_read(ring *r, float *out, size_t n)
{
    const size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t avail = head - tail;
    if (n > avail)
        n = avail;
    const size_t at = tail & (r->cap - 1);
    const size_t first = n < r->cap - at ? n : r->cap - at;
    memcpy(out, r->buf + at, first * sizeof(float));
    memcpy(out + first, r->buf, (n - first) * sizeof(float));
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}

size_t ring_available(ring *r)
{
    const size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    return atomic_load_explicit(&r->head, memory_order_acquire) - tail;
}

size_t ring_skip(ring *r, size_t n)
{
    const size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const size_t avail = atomic_load_explicit(&r->head, memory_order_acquire) - tail;
    if (n > avail)
        n = avail;
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}
