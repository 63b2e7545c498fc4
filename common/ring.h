/*
 * ring.h — lock-free single-producer / single-consumer ring of floats.
 *
 * The audio callback writes, one other thread reads. Neither ever waits or
 * allocates after ring_create: a write that does not fit is refused whole and
 * counted as an overflow (the callback never blocks on a slow disk).
 */
#ifndef BX_COMMON_RING_H
#define BX_COMMON_RING_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct ring {
    float *buf;
    size_t cap;              /* power of two, in floats */
    atomic_size_t head;      /* written by the producer */
    atomic_size_t tail;      /* written by the consumer */
    atomic_size_t overflows; /* refused writes */
} ring;

/** A ring holding at least min_floats floats; NULL if out of memory. */
ring *ring_create(size_t min_floats);
void ring_destroy(ring *r);

/** Producer: append n floats, or none if they do not fit (counted). Returns 1 if written. */
int ring_write(ring *r, const float *x, size_t n);

/** Consumer: take up to n floats into out; returns how many. */
size_t ring_read(ring *r, float *out, size_t n);

/** Consumer: how many floats are waiting. */
size_t ring_available(ring *r);

/** Consumer: drop up to n of the oldest floats; returns how many. */
size_t ring_skip(ring *r, size_t n);

#endif
