/*
 * bx/compfit.h — fitting libbx's compressor to what a reference shows.
 *
 * Both fits search threshold, ratio, attack and release (knee fixed at
 * BX_COMPFIT_KNEE_DB, makeup solved in closed form) with a coarse grid and a
 * Nelder–Mead refinement of its best points. Candidates are evaluated on a
 * block-rate model of the compressor (BX_COMPFIT_BLOCK_MS blocks: the same
 * gain computer and detector as bx_comp, fed the block's peak or mean
 * square, or for the "level" follower the block's |x| sorted and cut into
 * four parts, one after the other; the stats fit searches on blocks 4
 * times longer), which is what
 * makes hundreds of evaluations affordable; the result is then checked with
 * the real bx_comp.
 *
 *  - stats fit (--source mode): the EQ'd source, compressed, should have the
 *    reference's dynamics signature — the quantiles of its 10 ms and 50 ms
 *    RMS envelopes and its crest (bx_dynsig). It searches the "peak" and the
 *    "level" detector and keeps the closer;
 *  - paired fit (--paired mode): the EQ'd dry signal, compressed, should have
 *    the processed signal's gain at every 1 ms frame. It searches every
 *    detector; "rms_level" and "mean_level" with their averaging time held
 *    at each of a few values (the grid runs at each, Nelder–Mead from the
 *    best points of them all), so by_detector[BX_DETECTOR_RMS_LEVEL].rms_ms
 *    is one of them.
 */
#ifndef BX_COMPFIT_H
#define BX_COMPFIT_H

#include <stddef.h>

#include "bx/comp.h"
#include "bx/dynsig.h"
#include "bx/error.h"
#include "bx/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_COMPFIT_KNEE_DB 6.0
#define BX_COMPFIT_BLOCK_MS 0.5
/** The stats fit's shortest release, ms. Level statistics cannot tell a
 * release shorter than a 10 ms envelope frame from waveform distortion; a
 * compressor that matches them that way rounds every hit's waveform. */
#define BX_COMPFIT_STATS_RELEASE_MIN_MS 20.0
/** The stats fit's box, beyond which level statistics are fitted by noise.
 * Two performances differ in their statistics by about as much as a
 * compressor changes them, and outside this box the search finds settings
 * that match that difference instead: ratios of 20-30:1 (limiting; bx has a
 * limiter of its own), releases of seconds (a slow leveller), thresholds
 * far under the take's level that squeeze the quiet between the hits and
 * need +20-36 dB of makeup. Inside it: ratio up to 10:1, release up to 1 s,
 * threshold no more than BX_COMPFIT_STATS_BELOW_RMS_DB under the RMS of the
 * (EQ'd) take. */
#define BX_COMPFIT_STATS_RATIO_MAX 10.0
#define BX_COMPFIT_STATS_RELEASE_MAX_MS 1000.0
#define BX_COMPFIT_STATS_BELOW_RMS_DB 10.0
typedef struct bx_compfit_result {
    int use_comp;          /**< 0: compression does not help; leave the compressor off */
    bx_comp_params params; /**< fitted parameters (makeup_db included) */
    double error_db;       /**< fit error with the compressor (signature distance / gain RMS) */
    double error_off_db;   /**< the same without a compressor */
    double evidence_db;    /**< what decided use_comp: error_off_db minus the error of the fit
                              tested (the stats fit tests "peak"'s, the paired fit its best) */
    /** How much the data constrained threshold, ratio, attack and release (in
     * that order), and with "rms_level" or "mean_level" the averaging time
     * rms_ms (fifth; n_constrained says how many): the share of each one's
     * prior variance (uniform over the search's box; over the whole range
     * of rms_ms) that the fit's curvature removes, 0..1, taking a rise of
     * min_gain_db in the error as the noise (the margin that decides whether
     * to keep the compressor). Computed for the fitted compressor whether
     * or not it is kept. */
    double constrained[5];
    int n_constrained;
    double confidence; /**< the least of constrained[0 .. 4) */
    /** The best compressor found with each detector searched (index:
     * bx_detector; zeros for the others) and its error with the real
     * compressor, dB (the paired fit's gain trace, every detector; the stats
     * fit's signature distance, "peak" and "level"); params is the best of
     * these. A later fit of the whole chain on the waveform can decide
     * between close ones (an EQ that took part of the compressor's work
     * misleads the gain trace). */
    bx_comp_params by_detector[BX_DETECTOR_COUNT];
    double by_detector_error_db[BX_DETECTOR_COUNT];
} bx_compfit_result;

/**
 * Stats fit: x is the source after the EQ (mono), target the reference's
 * signature. The compressor is kept only if it lowers the error by at least
 * min_gain_db. par (NULL: this thread only) spreads the search's
 * evaluations over threads; the result does not depend on it.
 */
bx_status bx_compfit_stats(const float *x, size_t n, double rate_hz, const bx_dynsig *target,
                           double min_gain_db, const bx_parallel *par, bx_compfit_result *res,
                           bx_error *err);

/**
 * Paired fit: x is the dry signal after the EQ, y the processed signal,
 * aligned sample for sample (n samples each, mono). The first `skip` samples
 * drive the model but are not compared: the processor that made y may have
 * started in any state (SoX's compand, for one, starts its detector at full
 * scale and compresses its first second hard). skip < n. par as for
 * bx_compfit_stats.
 */
bx_status bx_compfit_paired(const float *x, const float *y, size_t n, size_t skip, double rate_hz,
                            double min_gain_db, const bx_parallel *par, bx_compfit_result *res,
                            bx_error *err);

/** A detector's best compressor is within reach of the chosen one's when its
 * gain-trace error is at most this many times the chosen one's. */
#define BX_COMPFIT_REACH_RATIO 1.5

/**
 * Whether r's best compressor with detector d is within reach of r's chosen
 * one (a paired fit's; 0 for a detector it has no compressor of): its
 * gain-trace error at most BX_COMPFIT_REACH_RATIO times the chosen one's, or
 * d one of the envelope followers ("level", "rms_level", "mean_level") where
 * the chosen one averages. Each follower becomes "level" as its averaging
 * time shrinks, the block-rate model follows |x| more coarsely than an
 * average, so its trace favours an averaging follower even on a plain one;
 * and the averages of |x| and of x^2 differ by a crest factor the trace
 * hardly tells.
 */
int bx_compfit_within_reach(const bx_compfit_result *r, bx_detector d);

/**
 * bx_compfit_paired from an earlier fit's neighbourhood: the search starts
 * from prev's best compressor of each detector (prev->by_detector, as from
 * bx_compfit_paired on nearly the same x and y, e.g. after the EQ before it
 * moved a little) instead of from its grid. Only the detectors within reach
 * of prev's choice (bx_compfit_within_reach) and "peak" (whose settings a
 * "branch" detector may start from) are searched; the others keep prev's
 * settings, their errors measured again on x and y. About a sixth of the
 * evaluations; a basin prev did not find is not found here either. A prev
 * with no compressor in by_detector (zeroed, or from a fit that had none):
 * the same as bx_compfit_paired.
 */
bx_status bx_compfit_paired_near(const float *x, const float *y, size_t n, size_t skip,
                                 double rate_hz, double min_gain_db, const bx_compfit_result *prev,
                                 const bx_parallel *par, bx_compfit_result *res, bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_COMPFIT_H */
