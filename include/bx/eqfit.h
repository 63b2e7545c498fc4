/*
 * bx/eqfit.h — fit a parametric EQ (highpass, shelves, peaks) to a target
 * curve, using libbx's exact biquad responses at the stream's sample rate.
 *
 * The target is a dB curve on a frequency grid (log-spaced is best). The fit
 * minimises the weighted mean of (target - offset - EQ response)^2 in dB,
 * where offset is a free broadband gain returned separately (loudness is set
 * elsewhere, so the EQ only has to match the shape). Bands are added greedily
 * — each step tries peaks at the largest residuals, shelves and a highpass
 * and keeps the best — and all bands are then refined jointly with
 * Levenberg–Marquardt. Fewer bands are used when more do not improve the
 * fit by at least min_gain_db.
 */
#ifndef BX_EQFIT_H
#define BX_EQFIT_H

#include <stddef.h>

#include "bx/chain.h"
#include "bx/error.h"
#include "bx/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bx_eqfit_opts {
    double rate_hz;      /**< sample rate the bands are designed at */
    unsigned max_bands;  /**< most bands to use (1..BX_MAX_BANDS) */
    double max_gain_db;  /**< |gain_db| limit per band (default 15) */
    double min_gain_db;  /**< add a band only if it lowers the RMS error by this much (default 0.05) */
    int allow_highpass;  /**< may use a highpass (default 1) */
    int allow_lowpass;   /**< may use a lowpass (default 1) */
    double gain_penalty; /**< cost per dB^2 of band gain added to the mean-square error
                              (ridge regularisation; default 0). It keeps a fit from
                              using large gains that nearly cancel each other. */
    int quick;           /**< 1: fewer Levenberg–Marquardt iterations while candidate bands
                              are screened and ranked (12 and 25 instead of 25 and 40; the
                              final fit is the same). As good on smooth targets (1/3 octave
                              or wider), about twice as fast; default 0 */
    int thorough;        /**< 1: search further for targets that a few bands match exactly
                              (an identified chain): a second beam search that starts from a
                              low and a high shelf, and a swap search on the result (each band
                              in turn replaced by the best candidate, refined jointly). About
                              three times slower; default 0 */
    const bx_parallel *par; /**< runs the candidate search on several threads (the result
                                 does not depend on it); NULL: this thread only (default) */
} bx_eqfit_opts;

/** Defaults for rate_hz and max_bands. */
void bx_eqfit_opts_default(bx_eqfit_opts *o, double rate_hz, unsigned max_bands);

typedef struct bx_eqfit_result {
    unsigned n_bands;
    bx_band bands[BX_MAX_BANDS];
    double offset_db;    /**< broadband gain the target has beyond the bands */
    double rms_error_db; /**< weighted RMS of target - offset - response, dB */
} bx_eqfit_result;

/**
 * Fit. freq_hz (ascending, below Nyquist), target_db and weight (>= 0; NULL =
 * all 1) have n points. BX_ERR_ARG for bad inputs (n < 4, non-finite values,
 * frequencies out of order or above Nyquist).
 */
bx_status bx_eqfit(const double *freq_hz, const double *target_db, const double *weight, size_t n,
                   const bx_eqfit_opts *o, bx_eqfit_result *res, bx_error *err);

/**
 * Refit only the parameters of n_start given bands (types kept, none added or
 * removed) to the target: the joint Levenberg–Marquardt step of bx_eqfit alone,
 * starting from `start`. For a target that moved a little since the bands were
 * fitted. Same arguments and errors as bx_eqfit.
 */
bx_status bx_eqfit_polish(const double *freq_hz, const double *target_db, const double *weight,
                          size_t n, const bx_eqfit_opts *o, const bx_band *start, unsigned n_start,
                          bx_eqfit_result *res, bx_error *err);

/**
 * Where bx_eqfit places a band of each type, and where bx_chainfit_refine
 * keeps it: frequency flo..fhi (Hz), Q qlo..qhi, |gain| <= gmax (dB) —
 * shelves and pass filters only where they make musical sense (a low shelf
 * below 2.5 kHz, a high shelf above 500 Hz, a highpass below 600 Hz, a
 * lowpass above 1 kHz), all below 0.45 rate_hz.
 */
void bx_eqfit_band_limits(bx_biquad_type type, double rate_hz, double *flo, double *fhi,
                          double *qlo, double *qhi, double *gmax);

/** Magnitude response of bands (in order) at freq_hz, dB. Invalid bands count as 0 dB. */
double bx_eq_response_db(const bx_band *bands, unsigned n_bands, double rate_hz, double freq_hz);

#ifdef __cplusplus
}
#endif
#endif /* BX_EQFIT_H */
