/*
 * bx/match.h — the spectral difference between two different performances,
 * measured like with like.
 *
 * The long-term spectra of a reference track and of the user's take differ by
 * the chain that made the reference and by what was played: more kicks in one,
 * a brighter hat in the other, another mix of sounds. Comparing each sound of
 * the reference with the most similar sound of the take cancels most of the
 * second part, so the curve follows the chain rather than the performance.
 * Each comparison is of spectral shape only (the level of a hit depends on how
 * hard it was played and on any compressor), so the curve is defined up to a
 * constant; its overall level is not meaningful.
 *
 * Method (L = BX_MATCH_FRAME_S seconds of samples, rounded down to a multiple
 * of 16: 3840 at 48 kHz; hop H = L/16; FFT length N = the power of two >= L):
 *  - onsets: the energy of each hop of H samples; hop i is an onset when its
 *    level is at least BX_MATCH_RISE_DB above both hops before it, within
 *    BX_MATCH_RANGE_DB of the loudest hop, and at least 4 hops after the last
 *    onset;
 *  - a frame of L samples starts one hop before each onset (periodic Hann
 *    window of L, zero-padded to N); its power is summed in 1/6-octave bands (each bin weighted by
 * the overlap of its one-bin-wide cell with the band) (edges 25 Hz * 2^(k/6), up to min(20 kHz,
 * 0.45 rate)); a band that holds no FFT bin centre is left out; at most BX_MATCH_MAX_FRAMES frames
 * per signal, evenly spread over the onsets;
 *  - the curve E starts as the ratio of the two signals' mean frame power per
 *    band, then BX_MATCH_ITERATIONS times: every reference frame r is paired
 *    with the take frame t that minimises the mean absolute deviation of
 *    d = r - E - t (dB per band, over the bands from 40 Hz to 16 kHz) from its
 *    own mean; the better half of the pairs is kept, and E moves by the
 *    per-band median of their mean-removed d.
 */
#ifndef BX_MATCH_H
#define BX_MATCH_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_MATCH_FRAME_S 0.08
#define BX_MATCH_RISE_DB 6.0
#define BX_MATCH_RANGE_DB 40.0
#define BX_MATCH_MAX_FRAMES 1024
#define BX_MATCH_MIN_FRAMES 8
#define BX_MATCH_ITERATIONS 4
/** The pairing compares the bands between these frequencies, Hz. */
#define BX_MATCH_LO_HZ 40.0
#define BX_MATCH_HI_HZ 16000.0
#define BX_MATCH_MAX_BANDS 64

/** A difference curve: db[k] at band centre freq_hz[k] (geometric centre of the band's edges). */
typedef struct bx_match_curve {
    size_t n; /**< bands used, ascending frequency */
    double freq_hz[BX_MATCH_MAX_BANDS];
    double db[BX_MATCH_MAX_BANDS];    /**< reference minus take, dB (up to a constant) */
    double sd_db[BX_MATCH_MAX_BANDS]; /**< standard error of db[k]: of a median of the kept
                                           pairs' differences (from their median absolute
                                           deviation), dB */
    size_t ref_frames, take_frames;   /**< onset frames found (after the cap) */
    size_t pairs;                     /**< pairs kept in the last iteration */
    double distance_db;               /**< their median shape distance, dB (mean |d - mean d|) */
} bx_match_curve;

/** One signal's onset frames, as the pairing compares them. */
typedef struct bx_match_frames {
    double rate_hz;  /**< the rate they were measured at */
    size_t n_bands;  /**< bands per frame: bx_match_band_count(rate_hz) */
    size_t n_frames; /**< frames, at most BX_MATCH_MAX_FRAMES */
    double *db;      /**< n_frames x n_bands band levels, dB (owned; bx_match_frames_free) */
} bx_match_frames;

/** The 1/6-octave bands a frame has at rate_hz (0 if the rate is out of range). */
size_t bx_match_band_count(double rate_hz);

/**
 * The onset frames of mono x (n samples at rate_hz), at most max_frames of
 * them evenly spread over the onsets (0 or more than BX_MATCH_MAX_FRAMES:
 * BX_MATCH_MAX_FRAMES). A signal without onsets gives 0 frames, not an error.
 * Errors: BX_ERR_ARG (rate, NULL), BX_ERR_NOMEM.
 */
bx_status bx_match_frames_compute(const float *x, size_t n, double rate_hz, size_t max_frames,
                                  bx_match_frames *out, bx_error *err);
void bx_match_frames_free(bx_match_frames *f);

/**
 * The curve from two sets of frames measured at the same rate (a reference's
 * may come from a stored profile). Errors: BX_ERR_ARG (rates or band counts
 * differ), BX_ERR_AUDIO (fewer than BX_MATCH_MIN_FRAMES frames on a side),
 * BX_ERR_NOMEM.
 */
bx_status bx_match_curve_from_frames(const bx_match_frames *ref, const bx_match_frames *take,
                                     bx_match_curve *out, bx_error *err);

/**
 * Estimate the curve that turns the take's sounds into the reference's. ref
 * and take: mono, n_ref and n_take samples at rate_hz (BX_LTAS_RATE_MIN..MAX
 * of bx/spectrum.h; both at the same rate). Errors: BX_ERR_ARG (rate, NULL),
 * BX_ERR_AUDIO when either signal has fewer than BX_MATCH_MIN_FRAMES onsets
 * (a sustained or silent signal: there is nothing to pair; use the long-term
 * spectra instead), BX_ERR_NOMEM. Memory: about 2 x BX_MATCH_MAX_FRAMES x 64
 * doubles plus, per signal, one FFT of N and a double per hop, allocated and
 * freed here. Non-finite samples count as silence.
 */
bx_status bx_match_curve_estimate(const float *ref, size_t n_ref, const float *take, size_t n_take,
                                  double rate_hz, bx_match_curve *out, bx_error *err);

/**
 * The curve at freq_hz: linear in dB over log frequency between band centres,
 * constant beyond the first and the last. 0 for an empty curve.
 */
double bx_match_db_at(const bx_match_curve *c, double freq_hz);

/** sd_db at freq_hz, interpolated the same way. */
double bx_match_sd_at(const bx_match_curve *c, double freq_hz);

#ifdef __cplusplus
}
#endif
#endif /* BX_MATCH_H */
