/*
 * bx/bands.h — a running 1/3-octave spectrum, for a live view: bxlive's
 * spectrum of the mic and of the processed output (its terminal view and
 * --status-spectrum).
 *
 * Definitions (N = the FFT length: the power of two nearest BX_BANDS_FRAME_S
 * seconds, 8192 at 44.1 and 48 kHz; Hann frames every N/2 samples, per bin
 * the mean-square power P[k] of bx/ltas.h):
 *  - bands: IEC 61260 base-10 centres fc = 1000 * 10^(m/10) Hz from 40 Hz to
 *    16 kHz (at most 0.45 of the rate), edges fc * 10^(-1/20) and
 *    fc * 10^(1/20); bin k (centre k rate / N) belongs to the band whose
 *    edges hold it (lower edge included); a band that holds no bin is left
 *    out;
 *  - a frame's band power is the sum of its bins' P[k], so a steady sine in
 *    a band reads its mean square (A^2 / 2), as the long-term spectrum's
 *    bins sum to;
 *  - the running value follows the frames with an exponential average of time
 *    constant tau: v = a v + (1 - a) p, a = exp(-hop / (tau rate)), the
 *    first frame taken as it is. A steady signal reads its frames' mean.
 * Streaming in any chunking; no allocation after bx_bands_create. Not
 * thread-safe: one accumulator per thread.
 */
#ifndef BX_BANDS_H
#define BX_BANDS_H

#include <stddef.h>

#include "bx/error.h"
#include "bx/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_BANDS_MAX 32
#define BX_BANDS_FRAME_S 0.17
#define BX_BANDS_LO_HZ 40.0
#define BX_BANDS_HI_HZ 16000.0

typedef struct bx_bands bx_bands;

/** An accumulator for mono audio at rate_hz (BX_LTAS_RATE_MIN..MAX), time
 * constant tau_s > 0. Errors: BX_ERR_ARG, BX_ERR_NOMEM. */
bx_bands *bx_bands_create(double rate_hz, double tau_s, bx_error *err);
void bx_bands_destroy(bx_bands *b);

/** Bands in use, and the centre of band k, Hz. */
size_t bx_bands_count(const bx_bands *b);
double bx_bands_centre_hz(const bx_bands *b, size_t k);

/** Feed samples (non-finite ones count as silence). */
void bx_bands_add(bx_bands *b, const float *x, size_t n);

/** The running band levels, dB (10 log10 of the power; -200 before the first
 * frame or for silence), into db[bx_bands_count(b)]. */
void bx_bands_db(const bx_bands *b, double *db);

/** Forget everything fed so far. */
void bx_bands_reset(bx_bands *b);

/** The same bands (b's) of an averaged spectrum s (a long-term spectrum at
 * any FFT length: its bins summed the same way), dB, into db. */
void bx_bands_of_spectrum(const bx_bands *b, const bx_spectrum *s, double *db);

#ifdef __cplusplus
}
#endif
#endif /* BX_BANDS_H */
