/*
 * bx/resample.h — offline sample-rate conversion for the analysis.
 *
 * bxanalyze compares two recordings sound by sound (bx/match.h); that needs
 * both at one rate, so a take recorded at 48 kHz is brought to a reference's
 * 44.1 kHz (or the other way) first. This is the classic band-limited
 * interpolation: each output sample is a Kaiser-windowed sinc of the input
 * around its position.
 *
 *  - cutoff BX_RESAMPLE_CUTOFF of the lower rate's Nyquist frequency; the
 *    kernel spans BX_RESAMPLE_HALF_TAPS samples of the lower rate on either
 *    side (Kaiser beta BX_RESAMPLE_BETA): flat within 0.01 dB up to 0.85 of
 *    the lower Nyquist frequency, and what folds back below 0.95 of it is at
 *    least 80 dB down;
 *  - the ratio rate_out / rate_in is reduced to L / M; the kernel is tabulated
 *    for the L phases when L <= BX_RESAMPLE_MAX_PHASES (every pair of common
 *    rates: 44100 -> 48000 is 160 / 147), else each output sample takes the
 *    nearest of BX_RESAMPLE_MAX_PHASES phases (a timing error below 1/8192 of
 *    an input sample);
 *  - the signal is taken as zero outside [0, n); output sample m sits at input
 *    position m * rate_in / rate_out, so both start at the same instant;
 *  - DC gain 1. No latency, no allocation beyond the phase table.
 */
#ifndef BX_RESAMPLE_H
#define BX_RESAMPLE_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_RESAMPLE_CUTOFF 0.95
#define BX_RESAMPLE_HALF_TAPS 32
#define BX_RESAMPLE_BETA 8.0
#define BX_RESAMPLE_MAX_PHASES 4096

/** Output length for n input samples: ceil(n * rate_out_hz / rate_in_hz). */
size_t bx_resample_length(size_t n, double rate_in_hz, double rate_out_hz);

/**
 * Resample mono x (n samples at rate_in_hz) into y (bx_resample_length()
 * samples at rate_out_hz). Rates: whole numbers of Hz from 1000 to 768000.
 * Non-finite input samples count as silence. Errors: BX_ERR_ARG (NULL, a
 * rate out of range or not whole, x == y), BX_ERR_NOMEM (the phase table:
 * at most BX_RESAMPLE_MAX_PHASES x 2 x BX_RESAMPLE_HALF_TAPS x rate ratio
 * doubles).
 */
bx_status bx_resample(const float *x, size_t n, double rate_in_hz, float *y, double rate_out_hz,
                      bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_RESAMPLE_H */
