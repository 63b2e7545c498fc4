/*
 * bx/limiter.h — zero-latency safety limiter.
 *
 * The gain drops instantly to whatever keeps the loudest channel at the
 * ceiling and recovers exponentially (BX_LIMITER_RELEASE_MS). The output never
 * exceeds the ceiling: every sample is also bounded by it after the gain.
 * Non-finite samples come out as 0. Processing never allocates.
 */
#ifndef BX_LIMITER_H
#define BX_LIMITER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Recovery time constant of the limiter's gain, ms. */
#define BX_LIMITER_RELEASE_MS 50.0

typedef struct bx_limiter {
    double ceiling_lin; /* linear ceiling, (0, 1], rounded down to a float value */
    double alpha_r;     /* release one-pole coefficient */
    double d;           /* current reduction, 1 - gain, [0, 1): kept as d, not as the
                           gain, so that a block boundary does not round it */
    double gr_peak_db;  /* largest reduction since last read, dB >= 0 */
} bx_limiter;

/** Prepare for ceiling_db (dBFS, <= 0) at rate_hz. */
void bx_limiter_init(bx_limiter *l, double ceiling_db, double rate_hz);

/** Return to unity gain. */
void bx_limiter_reset(bx_limiter *l);

/** Limit `frames` interleaved frames of `channels` channels in place (linked). */
void bx_limiter_process(bx_limiter *l, double *x, size_t frames, unsigned channels);

/** Largest limiter gain reduction since the previous call, dB; resets it. */
double bx_limiter_take_gr_peak_db(bx_limiter *l);

#ifdef __cplusplus
}
#endif
#endif /* BX_LIMITER_H */
