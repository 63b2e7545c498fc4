/*
 * bx/ltas.h — long-term average spectrum (LTAS): Welch averaging with
 * KissFFT (Hann window, 50 % overlap), level-gated so that silence and the
 * noise floor between hits do not dilute it.
 *
 * Streaming: feed any number of mono samples in any chunking; memory does not
 * grow with the signal length. The gate is decided at the end: each frame's
 * power spectrum is accumulated into a 1 dB bin of its frame level, and
 * bx_ltas_finish averages the bins at or above the gate:
 *     gate = max(BX_LTAS_ABS_GATE_DB, mean level of frames above the absolute gate
 *                                     + BX_LTAS_REL_GATE_DB), rounded down to a whole dB
 * (levels in dBFS of the frame's windowed mean square, energy-averaged; the
 * rounding puts the gate on a bin edge, so "at or above the gate" is exact).
 *
 * Definitions (N = nfft, w = periodic Hann, w[n] = 0.5 - 0.5 cos(2 pi n / N),
 * as scipy.signal.get_window("hann", N); frames start every N/2 samples from
 * the first sample; the samples after the last whole frame are not analysed,
 * as in scipy.signal.welch):
 *  - frame mean square  ms = sum(w[n]^2 x[n]^2) / sum(w[n]^2)  (window power
 *    compensated: a stationary signal reads its own mean square);
 *  - frame level = 10 log10(ms) dBFS (a full-scale sine reads -3.01 dBFS);
 *  - bin power  P[k] = c[k] |X[k]|^2 / (N sum(w[n]^2)),  X = DFT of w x,
 *    c = 1 at DC and Nyquist, 2 elsewhere (one-sided). By Parseval the bins of
 *    a frame sum to its ms, so the LTAS sums to the mean ms of the frames
 *    used: power is a mean square per bin (scipy's "density" PSD times
 *    bin_hz). A bin-centred sine of amplitude A puts A^2/3 in its bin and
 *    A^2/12 in each neighbour; white noise of variance s^2 reads 2 s^2 / N.
 * Frames whose mean square is zero, not finite or absurd (above +300 dBFS,
 * where the float FFT could overflow) count in frames_total but are never
 * used.
 *
 * Separate accumulators may be used from separate threads.
 */
#ifndef BX_LTAS_H
#define BX_LTAS_H

#include <stddef.h>

#include "bx/error.h"
#include "bx/parallel.h"
#include "bx/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_LTAS_ABS_GATE_DB -70.0
#define BX_LTAS_REL_GATE_DB -20.0
/** Frame levels at or above this share the top 1 dB level bin, dBFS. */
#define BX_LTAS_TOP_DB 20.0

/** Sample rates accepted, Hz. */
#define BX_LTAS_RATE_MIN 1000.0
#define BX_LTAS_RATE_MAX 768000.0

typedef struct bx_ltas bx_ltas;

/**
 * Create an accumulator for rate_hz (BX_LTAS_RATE_MIN..MAX). nfft = 0 picks
 * the default: the smallest power of two covering 170 ms (8192 at 44.1/48 kHz,
 * 16384 at 96 kHz, 2048 at 8/11 kHz). A given nfft must be even, 16..2^20,
 * with nfft/2 made of the factors 2, 3 and 5 only (so that the FFT never
 * allocates). Errors: BX_ERR_ARG (rate or nfft), BX_ERR_NOMEM. The memory is
 * allocated here, once: about 91 x (nfft/2 + 1) doubles for the level bins
 * (3 MB at 48 kHz) plus a few nfft-sized buffers.
 */
bx_ltas *bx_ltas_create(double rate_hz, size_t nfft, bx_error *err);
void bx_ltas_destroy(bx_ltas *l);

/** FFT length in use (nfft as resolved by bx_ltas_create). */
size_t bx_ltas_nfft(const bx_ltas *l);

/** Forget everything added (as if just created). Never allocates. */
void bx_ltas_reset(bx_ltas *l);

/**
 * Add mono samples (any count, any chunking: the result does not depend on
 * it, bit for bit). Never allocates. Costs about one N-point real FFT per
 * N/2 samples.
 */
void bx_ltas_add(bx_ltas *l, const float *x, size_t frames);

/**
 * The same as bx_ltas_add on an empty accumulator (just created or reset),
 * with the frames split into BX_LTAS_PARTS runs of whole frames that par may
 * analyse at the same time (the parts after the first in accumulators of
 * their own, allocated here, whose sums are then added to l's in order).
 * The result equals bx_ltas_add's up to the rounding of those sums, and is
 * the same, bit for bit, whatever par offers (NULL included). On an
 * accumulator that is not empty, or a signal too short to split, it is
 * bx_ltas_add. Errors: BX_ERR_NOMEM (l is then reset).
 */
#define BX_LTAS_PARTS 2
bx_status bx_ltas_add_parallel(bx_ltas *l, const float *x, size_t frames, const bx_parallel *par,
                               bx_error *err);

/**
 * Gated average into *out (allocates out->power; *out is zeroed on failure,
 * so bx_spectrum_free is always safe). With no frame at or above
 * BX_LTAS_ABS_GATE_DB (silence, or nothing added), BX_ERR_AUDIO "no signal
 * above -70 dBFS"; BX_ERR_NOMEM. A signal shorter than one frame is
 * zero-padded into one frame. Does not change the accumulator: more samples
 * may be added and finish called again.
 */
bx_status bx_ltas_finish(bx_ltas *l, bx_spectrum *out, bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_LTAS_H */
