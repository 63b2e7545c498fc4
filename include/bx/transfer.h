/*
 * bx/transfer.h — transfer function of a system from its input x and output y
 * (aligned, same rate): the H1 estimator  H(f) = sum X* Y / sum |X|^2  over
 * Hann-windowed frames with 50 % overlap (KissFFT), optionally weighting each
 * frame. Used by `bxanalyze --paired` to read the EQ off the dry and
 * processed recordings.
 */
#ifndef BX_TRANSFER_H
#define BX_TRANSFER_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bx_transfer {
    double rate_hz;
    size_t nfft, n_bins;
    double bin_hz;
    double *sxx;             /**< accumulated |X|^2 per bin */
    double *sxy_re, *sxy_im; /**< accumulated X* Y per bin */
    double *syy;             /**< accumulated |Y|^2 per bin */
    size_t n_frames;         /**< frames averaged */
} bx_transfer;

/**
 * Estimate from n samples of x and y. gain (may be NULL) divides y sample by
 * sample before the estimate (to take out a known time-varying gain, e.g. a
 * compressor's). nfft = 0: the power of two nearest 170 ms; a given nfft must
 * be even, at least 16, with nfft/2 made of the factors 2, 3 and 5 (so that
 * the FFT never allocates). Errors: BX_ERR_ARG (nfft), BX_ERR_AUDIO (fewer
 * than nfft samples), BX_ERR_NOMEM.
 */
bx_status bx_transfer_estimate(const float *x, const float *y, const double *gain, size_t n,
                               double rate_hz, size_t nfft, bx_transfer *out, bx_error *err);

void bx_transfer_free(bx_transfer *t);

/**
 * A broadband gain that varies over time (a compressor's), read off x and y
 * without a model of what made it: y's short frames (about 21 ms, a quarter
 * apart) are taken as g(t) H(f) times x's, and g and H (in 1/6-octave bands,
 * from 8 cycles per frame up) are found by alternating least squares. g (n
 * values) receives the gain per sample, linear between the frames' centres
 * and scaled so that its energy-weighted mean log is 0 (H holds the rest).
 * Frames more than 60 dB below the loudest take their neighbours' gain.
 * Dividing y by g takes a compressor's gain out of a transfer estimate
 * (bx_transfer_estimate's `gain`) before its settings are known. Errors:
 * BX_ERR_ARG (a rate not above 0 or of 10 MHz and more), BX_ERR_AUDIO
 * (shorter than one frame), BX_ERR_NOMEM.
 */
bx_status bx_transfer_common_gain(const float *x, const float *y, size_t n, double rate_hz,
                                  double *g, bx_error *err);

/**
 * |H| in dB at freq_hz, over a band smooth_oct octaves wide (the cross and
 * auto spectra are summed over the band before dividing). -300 where x has no energy.
 */
double bx_transfer_db_at(const bx_transfer *t, double freq_hz, double smooth_oct);

/**
 * The standard error of bx_transfer_db_at's value, dB: from the coherence of
 * x and y over the same band (noise, distortion and time-varying gain lower
 * it) and the number of independent averages. HUGE_VAL where x or y has no
 * energy.
 */
double bx_transfer_sd_db_at(const bx_transfer *t, double freq_hz, double smooth_oct);

#ifdef __cplusplus
}
#endif
#endif /* BX_TRANSFER_H */
