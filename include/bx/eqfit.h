/*
 * bx/eqfit.h — fit a parametric EQ (highpass, shelves, peaks) to a target
 * curve, using libbx's exact biquad responses at the stream's sample rate.
 *
 * The target is a dB curve on a frequency grid (log-spaced is best). The fit
 * is a maximum-a-posteriori estimate: it minimises the weighted mean of
 * (target - offset - EQ response)^2 in dB, where offset is a free broadband
 * gain returned separately (loudness is set elsewhere, so the EQ only has to
 * match the shape), plus Gaussian priors that pull every band's gain toward
 * 0 dB and its Q toward a typical value. The data term is scaled by the
 * target's precision (noise_db, and weight per point) and by how many
 * independent points the grid holds (resolution_oct): where the evidence is
 * weak (low weight), the priors win and the fit stays flat.
 *
 * Bands are added by a beam search — each step tries peaks at the largest
 * residuals, shelves and pass filters — and refined jointly with
 * Levenberg–Marquardt. A band is added only if it pays for its parameters
 * under the Bayesian information criterion (chi^2 must drop by k ln N_eff for
 * k new parameters) and lowers the RMS error by min_gain_db. Only *sane*
 * fits are kept (bx_eqfit_faults): every band in the musical domain of its
 * type (bx_eqfit_band_limits), none on a limit of it, no two peaks within
 * 1/6 octave, no boost beyond a pass filter's corner and no cut in its
 * resonance. The result carries each band's posterior
 * uncertainty.
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
    double rate_hz;         /**< sample rate the bands are designed at */
    unsigned max_bands;     /**< most bands to use (1..BX_MAX_BANDS) */
    double max_gain_db;     /**< |gain_db| limit per band (default 15) */
    double min_gain_db;     /**< add a band only if it also lowers the RMS error by this much, dB
                                 (default 0: the information criterion decides; with noise_db 0,
                                 0.05 is a sensible floor) */
    int allow_highpass;     /**< may use a highpass (default 1) */
    int allow_lowpass;      /**< may use a lowpass (default 1) */
    double gain_penalty;    /**< cost per dB^2 of band gain added to the mean-square error
                                 (ridge regularisation; default 0). It keeps a fit from
                                 using large gains that nearly cancel each other. */
    int quick;              /**< 1: fewer Levenberg–Marquardt iterations while candidate bands
                                 are screened and ranked (12 and 25 instead of 25 and 40; the
                                 final fit is the same). As good on smooth targets (1/3 octave
                                 or wider), about twice as fast; default 0 */
    int thorough;           /**< 1: search further for targets that a few bands match exactly
                                 (an identified chain): a second beam search that starts from a
                                 low and a high shelf, and a swap search on the result (each band
                                 in turn replaced by the best candidate, refined jointly). About
                                 three times slower; default 0 */
    int shelf_start;        /**< 1 (without thorough): also a beam search that starts from a
                                 low and a high shelf, the better of the two kept; about twice
                                 as slow (thorough includes it); default 0 */
    double noise_db;        /**< standard deviation of the target at weight 1, dB: what
                                 the data can tell apart. 0 turns the information
                                 criterion and the priors off (min_gain_db alone decides,
                                 the ridge is gain_penalty alone). Default 0.5 */
    double resolution_oct;  /**< width over which target points are correlated (the
                                 smoothing of the curves), octaves; with the weights it
                                 sets N_eff, the number of independent points. Default 1/24 */
    double prior_gain_db;   /**< standard deviation of the prior on band gains, dB (default 6) */
    double prior_q_oct;     /**< standard deviation of the prior on a peak's log2 Q around
                                 Q 1, octaves (shelves and pass filters: 0.5 around 0.707);
                                 default 1.25 */
    const bx_parallel *par; /**< runs the candidate search on several threads (the result
                                 does not depend on it); NULL: this thread only (default) */
} bx_eqfit_opts;

/** Defaults for rate_hz and max_bands. */
void bx_eqfit_opts_default(bx_eqfit_opts *o, double rate_hz, unsigned max_bands);

/**
 * How well the data pinned one band down: posterior standard deviations from
 * the curvature of the objective at the fit (Laplace approximation), and for
 * each parameter the share of its prior variance the data removed,
 * 1 - var_posterior / var_prior (0: the data says nothing, 1: fully determined;
 * the prior on frequency is uniform over the type's domain).
 */
typedef struct bx_eqfit_band_conf {
    double gain_sd_db; /**< 0 for pass filters */
    double freq_sd_oct;
    double q_sd_oct;
    double confidence; /**< the least constrained of the band's parameters, 0..1 */
} bx_eqfit_band_conf;

typedef struct bx_eqfit_result {
    unsigned n_bands;
    bx_band bands[BX_MAX_BANDS];
    bx_eqfit_band_conf conf[BX_MAX_BANDS]; /**< per band, in the order of bands */
    double offset_db;                      /**< broadband gain the target has beyond the bands */
    double rms_error_db;                   /**< weighted RMS of target - offset - response, dB */
    double n_eff;                          /**< independent points the target held */
    unsigned n_rejected; /**< band sets the search dropped as not sane (bx_eqfit_faults) */
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

/** The audible domain every fitted band lies in: 20 Hz .. min(20 kHz, 0.45 rate). */
#define BX_EQFIT_LO_HZ 20.0
#define BX_EQFIT_HI_HZ 20000.0
/** A peak or low shelf centred below BX_EQFIT_LOW_BOOST_HZ boosts at most
 * BX_EQFIT_LOW_BOOST_MAX_DB: on a live mic, more sends plosives and kick-lip
 * bass into the headphones (a safety bound, not a search limit). */
#define BX_EQFIT_LOW_BOOST_HZ 60.0
#define BX_EQFIT_LOW_BOOST_MAX_DB 6.0
/** Peaks below BX_EQFIT_NARROW_HZ have Q at most BX_EQFIT_NARROW_Q. */
#define BX_EQFIT_NARROW_HZ 100.0
#define BX_EQFIT_NARROW_Q 8.0
/** Two peaks closer than this (octaves) are one band, or two that cancel;
 * of opposite gains, closer than BX_EQFIT_OPPOSITE_SPACING_OCT they still
 * mostly cancel (a cut beside a boost is one tilted band). */
#define BX_EQFIT_PEAK_SPACING_OCT (1.0 / 6.0)
#define BX_EQFIT_OPPOSITE_SPACING_OCT (1.0 / 3.0)

/**
 * The confidence (bx_eqfit_band_conf) of n_bands given bands against a
 * target, as bx_eqfit computes it for its own: for bands that were changed
 * after the fit (scaled, refined on a waveform). conf receives n_bands
 * entries. Same arguments and errors as bx_eqfit, and BX_ERR_ARG for more
 * than BX_MAX_BANDS bands.
 */
bx_status bx_eqfit_confidence(const double *freq_hz, const double *target_db, const double *weight,
                              size_t n, const bx_eqfit_opts *o, const bx_band *bands,
                              unsigned n_bands, bx_eqfit_band_conf *conf, bx_error *err);

/**
 * Where bx_eqfit places a band of each type, and where bx_chainfit_refine
 * keeps it: frequency flo..fhi (Hz), Q qlo..qhi, |gain| <= gmax (dB) —
 * within BX_EQFIT_LO_HZ .. min(BX_EQFIT_HI_HZ, 0.45 rate_hz), and shelves and
 * pass filters only where they make musical sense (a low shelf below 5 kHz,
 * a high shelf above 200 Hz — a tilt around the middle at most —, a highpass
 * below 1 kHz, a lowpass above 1 kHz). Q: peaks 0.25..12 (at most
 * BX_EQFIT_NARROW_Q below BX_EQFIT_NARROW_HZ), shelves 0.25..2, pass filters
 * 0.3..2.5.
 */
void bx_eqfit_band_limits(bx_biquad_type type, double rate_hz, double *flo, double *fhi,
                          double *qlo, double *qhi, double *gmax);

/** Clamp b into its domain: bx_eqfit_band_limits, BX_EQFIT_NARROW_Q below
 * BX_EQFIT_NARROW_HZ, BX_EQFIT_LOW_BOOST_MAX_DB below BX_EQFIT_LOW_BOOST_HZ. */
void bx_eqfit_clamp_band(bx_band *b, double rate_hz);

/**
 * The faults a sound engineer would not sign in n bands at rate_hz: a band
 * outside its domain or on one of its frequency or Q limits (within 1 %),
 * two peaks within BX_EQFIT_PEAK_SPACING_OCT, or of opposite gains within
 * BX_EQFIT_OPPOSITE_SPACING_OCT, a boost beyond a pass filter's corner
 * (a bell or low shelf with gain centred below a highpass, a bell or high
 * shelf above a lowpass: the pair cancels), or a bell that cuts within
 * BX_EQFIT_OPPOSITE_SPACING_OCT of the corner of a pass whose resonance
 * rises 1 dB or more (Q above about 0.96: the same). Returns their number;
 * if why is not NULL, the first is described there (one line, at most
 * why_len bytes).
 */
unsigned bx_eqfit_faults(const bx_band *bands, unsigned n, double rate_hz, char *why,
                         size_t why_len);

/** The band of bx_eqfit_faults' first fault (of two peaks, the smaller), or -1. */
int bx_eqfit_fault_band(const bx_band *bands, unsigned n, double rate_hz);

/**
 * The band of another type that continues b where b hit a limit of its
 * domain: a low shelf cutting as far as it may, or a peak cutting at the
 * lowest frequency, becomes a highpass; a high shelf cutting as far as it
 * may a lowpass; a peak as wide as it may be a shelf with its gain (low below
 * 1 kHz, high above). Returns 1 and sets *out (clamped into its domain), or
 * 0 if b has no such continuation.
 */
int bx_eqfit_extend(const bx_band *b, double rate_hz, bx_band *out);

/** Magnitude response of bands (in order) at freq_hz, dB. Invalid bands count as 0 dB. */
double bx_eq_response_db(const bx_band *bands, unsigned n_bands, double rate_hz, double freq_hz);

#ifdef __cplusplus
}
#endif
#endif /* BX_EQFIT_H */
