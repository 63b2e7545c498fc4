/*
 * bx/biquad.h — second-order IIR sections (RBJ Audio EQ Cookbook), double
 * precision, transposed direct form II.
 *
 * Coefficients are designed from musical parameters at the stream's sample
 * rate, so presets never depend on the rate. Processing never allocates.
 */
#ifndef BX_BIQUAD_H
#define BX_BIQUAD_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Filter shapes. Gain is used by PEAK and the shelves only. */
typedef enum bx_biquad_type {
    BX_BIQUAD_PEAK = 0,   /**< "peak": bell, gain_db at freq_hz, bandwidth from q */
    BX_BIQUAD_LOW_SHELF,  /**< "low_shelf": gain_db below freq_hz (midpoint), slope from q */
    BX_BIQUAD_HIGH_SHELF, /**< "high_shelf": gain_db above freq_hz (midpoint), slope from q */
    BX_BIQUAD_HIGHPASS,   /**< "highpass": 12 dB/oct, -3 dB at freq_hz when q = 0.7071 */
    BX_BIQUAD_LOWPASS     /**< "lowpass": 12 dB/oct, -3 dB at freq_hz when q = 0.7071 */
} bx_biquad_type;

#define BX_BIQUAD_TYPE_COUNT 5

/** Normalised coefficients (a0 == 1): y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2. */
typedef struct bx_biquad_coefs {
    double b0, b1, b2, a1, a2;
} bx_biquad_coefs;

/** TDF-II state of one channel. Zero it to reset. */
typedef struct bx_biquad_state {
    double s1, s2;
} bx_biquad_state;

/** Preset spelling of a type ("peak", "low_shelf", ...). */
const char *bx_biquad_type_name(bx_biquad_type type);

/** Parse a preset spelling into *type: BX_OK, or BX_ERR_ARG if unknown. */
bx_status bx_biquad_type_parse(const char *name, bx_biquad_type *type);

/** Non-zero if the type uses gain_db. */
int bx_biquad_type_has_gain(bx_biquad_type type);

/**
 * Design coefficients. freq_hz must satisfy 0 < freq_hz < rate_hz / 2 (a
 * frequency at or above Nyquist is BX_ERR_RANGE, never clamped); q > 0;
 * gain_db finite. Returns BX_OK or BX_ERR_RANGE / BX_ERR_ARG (err names the value).
 */
bx_status bx_biquad_design(bx_biquad_type type, double freq_hz, double gain_db, double q,
                           double rate_hz, bx_biquad_coefs *out, bx_error *err);

/**
 * Complex response of the coefficients at freq_hz: magnitude in dB and
 * phase in radians (-pi..pi). Either output pointer may be NULL.
 */
void bx_biquad_response(const bx_biquad_coefs *c, double freq_hz, double rate_hz, double *mag_db,
                        double *phase_rad);

/**
 * Filter `frames` samples in place. x[i * stride] is sample i, so one channel
 * of an interleaved buffer is filtered with stride = channel count.
 */
void bx_biquad_process(const bx_biquad_coefs *c, bx_biquad_state *st, double *x, size_t frames,
                       size_t stride);

/**
 * n sections in series, in place: the same as bx_biquad_process for c[0],
 * then c[1], ... (bit for bit), with section k's state at st[k * st_stride].
 * Two sections run per pass over the samples, so the second's recursion
 * overlaps the first's (each alone waits on its own feedback): about twice
 * the speed of one section at a time.
 */
void bx_biquad_cascade(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride, unsigned n,
                       double *x, size_t frames, size_t stride);

/**
 * n sections in series over mono x (frames samples, x unchanged), keeping
 * every section's output: taps[k][i] is frame i after sections 0 .. k. The
 * same values bit for bit as bx_biquad_process section after section;
 * several sections run per pass, so their recursions overlap.
 */
void bx_biquad_cascade_taps(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,
                            unsigned n, const double *x, double *const *taps, size_t frames);

#ifdef __cplusplus
}
#endif
#endif /* BX_BIQUAD_H */
