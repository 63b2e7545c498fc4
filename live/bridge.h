/*
 * bridge.h — the mic, carried from an input stream's callback to an output
 * stream's callback (`bxlive --duplex split`).
 *
 * Two callbacks woken independently need the ring between them to hold
 * samples the output can take whenever it wakes. With input blocks of Pi
 * frames and output blocks of Po on one clock, a fill of T = Pi + Po -
 * gcd(Pi, Po) before a read never runs dry, whatever the phase between them
 * (T = P for equal periods). The output side starts reading once the ring
 * holds T (and no more: what is above is dropped at the start). The age of
 * the newest sample it reads is then below T + 2 Pi - Po frames: less than
 * one period for equal periods, which is what the bridge adds to the round
 * trip. When the two streams run on different clocks
 * the fill drifts: a backlog beyond twice the target is cut back to the
 * target (a drop), and a ring that runs dry plays silence until it holds the
 * target again (an underrun). Each is an audible glitch, and counted.
 *
 * Real-time safe: one producer (the input callback), one consumer (the
 * output callback), no locks, no allocation after bridge_init.
 */
#ifndef BX_LIVE_BRIDGE_H
#define BX_LIVE_BRIDGE_H

#include <stdatomic.h>
#include <stddef.h>

#include "ring.h"

typedef struct bridge {
    ring *r;
    atomic_ulong in_period;        /* the largest input block seen, frames */
    size_t target;                 /* the output side's fill target, frames */
    int primed;                    /* the output side is reading */
    atomic_ulong underruns, drops; /* overflows (input refused): r->overflows */
} bridge;

/** A bridge holding up to capacity frames. Returns 0, or -1 if out of memory. */
int bridge_init(bridge *b, size_t capacity);
void bridge_free(bridge *b);

/** Input callback: append n frames of mono x (a block that does not fit is dropped, counted). */
void bridge_push(bridge *b, const float *x, size_t n);

/** Input callback: one block of `frames` arrived (call once per callback). */
void bridge_input_block(bridge *b, unsigned long frames);

/** Output callback, once per callback of `frames` frames, before bridge_pull. */
void bridge_output_block(bridge *b, unsigned long frames);

/** Output callback: n frames into out; what the ring cannot give is silence. */
void bridge_pull(bridge *b, float *out, size_t n);

/** Glitches so far: input blocks refused, underruns, drops. */
unsigned long bridge_glitches(bridge *b);

#endif
