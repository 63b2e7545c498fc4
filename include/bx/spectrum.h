/*
 * bx/spectrum.h — an averaged one-sided power spectrum (what bx_ltas,
 * bx/ltas.h, makes) and the levels read from it: at a frequency with
 * fractional-octave smoothing, and over a band.
 */
#ifndef BX_SPECTRUM_H
#define BX_SPECTRUM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Floor of bx_spectrum_db_at / bx_spectrum_band_db for zero power, dB. */
#define BX_SPECTRUM_FLOOR_DB -300.0

/** An averaged one-sided power spectrum. */
typedef struct bx_spectrum {
    double rate_hz;
    size_t nfft; /**< FFT length used (bins = nfft / 2 + 1) */
    size_t n_bins;
    double bin_hz;       /**< rate_hz / nfft; bin k is centred on k * bin_hz */
    double *power;       /**< n_bins mean-square values per bin (owned; bx_spectrum_free) */
    double gate_db;      /**< the gate applied, dBFS (a whole number) */
    size_t frames_total; /**< Welch frames seen */
    size_t frames_used;  /**< frames at or above the gate */
} bx_spectrum;

/** Free s->power and zero *s. NULL is fine. */
void bx_spectrum_free(bx_spectrum *s);

/**
 * Level at freq_hz in dB: 10 log10 of the mean power per bin over a band
 * smooth_oct octaves wide centred on freq_hz (bins whose centre lies in
 * [f 2^(-smooth_oct/2), f 2^(smooth_oct/2)]; at least the nearest bin;
 * smooth_oct = 0: the power interpolated linearly between the two nearest
 * bins). freq_hz is clamped to 0..rate_hz/2. Differences of these levels are
 * what the EQ fit uses. Never below BX_SPECTRUM_FLOOR_DB (also returned for a
 * NaN frequency or an empty spectrum).
 */
double bx_spectrum_db_at(const bx_spectrum *s, double freq_hz, double smooth_oct);

/**
 * Power in the band [lo_hz, hi_hz) as a level in dB (sum of the bins whose
 * centre lies in the band, so octave bands of white noise rise 3 dB per
 * octave). Used for the octave view. BX_SPECTRUM_FLOOR_DB if no bin or no
 * power lies in the band.
 */
double bx_spectrum_band_db(const bx_spectrum *s, double lo_hz, double hi_hz);

#ifdef __cplusplus
}
#endif
#endif /* BX_SPECTRUM_H */
