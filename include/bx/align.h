/*
 * bx/align.h — time alignment of two recordings of the same performance
 * (the dry original and a processed copy), by cross-correlation.
 */
#ifndef BX_ALIGN_H
#define BX_ALIGN_H

#include <stddef.h>

#include "bx/error.h"
#include "bx/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest stretch of each signal the coarse search looks at, seconds of audio at rate_hz. */
#define BX_ALIGN_MAX_SECONDS 120.0

/**
 * Find the delay d (samples) for which y[n] best matches x[n - d]: positive d
 * means y starts later (y has extra material in front), negative that y was
 * trimmed at the start. |d| <= max_lag. A coarse FFT cross-correlation on
 * 8x-decimated signals is refined at full rate, both with the phase
 * transform (GCC-PHAT); at full rate less the minimum phase of y's
 * magnitude over x's (an EQ's own phase moves the phase-only peak; a
 * minimum-phase chain can follow only the delay that remains). *score is
 * the height of the phase-only correlation
 * peak over the bins that carry energy: 1 when y is x delayed (about 0.9-1
 * through an EQ and a compressor), near 0 for unrelated signals (at most 0.1
 * for the takes of other cases of the evaluation corpora).
 * BX_ERR_AUDIO if either signal is silent.
 */
bx_status bx_align(const float *x, size_t nx, const float *y, size_t ny, double rate_hz,
                   size_t max_lag, long *delay, double *score, bx_error *err);

/** bx_align with each cross-correlation's two forward transforms on par's
 * workers (NULL: on this thread); the same result. */
bx_status bx_align_parallel(const float *x, size_t nx, const float *y, size_t ny, double rate_hz,
                            size_t max_lag, const bx_parallel *par, long *delay, double *score,
                            bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_ALIGN_H */
