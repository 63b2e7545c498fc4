/* bridge.c — input callback to output callback through an SPSC ring (see bridge.h). */
#include "bridge.h"

#include <string.h>

int bridge_init(bridge *b, size_t capacity)
{
    memset(b, 0, sizeof *b);
    atomic_init(&b->in_period, 0);
    atomic_init(&b->underruns, 0);
    atomic_init(&b->drops, 0);
    b->r = ring_create(capacity);
    return b->r ? 0 : -1;
}

void bridge_free(bridge *b)
{
    ring_destroy(b->r);
    b->r = NULL;
}

void bridge_push(bridge *b, const float *x, size_t n)
{
    ring_write(b->r, x, n); /* refused whole when full: counted in r->overflows */
}

void bridge_input_block(bridge *b, unsigned long frames)
{
    if (frames > atomic_load_explicit(&b->in_period, memory_order_relaxed))
        atomic_store_explicit(&b->in_period, frames, memory_order_relaxed);
}

static unsigned long gcd(unsigned long a, unsigned long b)
{
    while (b) {
        const unsigned long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void bridge_output_block(bridge *b, unsigned long frames)
{
    const unsigned long in = atomic_load_explicit(&b->in_period, memory_order_relaxed);
    /* the least fill that never runs dry when blocks of `in` arrive and
     * blocks of `frames` leave on one clock, whatever the phase */
    const size_t target = in + frames - gcd(in, frames);
    const size_t avail = ring_available(b->r);
    b->target = target;
    if (!b->primed) {
        if (avail >= target && in > 0) {
            ring_skip(b->r, avail - target); /* start with exactly the target */
            b->primed = 1;
        }
    } else if (avail > 2 * target) {
        ring_skip(b->r, avail - target);
        atomic_fetch_add_explicit(&b->drops, 1, memory_order_relaxed);
    }
}

void bridge_pull(bridge *b, float *out, size_t n)
{
    const size_t got = b->primed ? ring_read(b->r, out, n) : 0;
    if (got < n) {
        memset(out + got, 0, (n - got) * sizeof(float));
        if (b->primed) {
            atomic_fetch_add_explicit(&b->underruns, 1, memory_order_relaxed);
            b->primed = 0;
        }
    }
}

unsigned long bridge_glitches(bridge *b)
{
    return (unsigned long)atomic_load(&b->r->overflows) + atomic_load(&b->underruns) +
           atomic_load(&b->drops);
}
