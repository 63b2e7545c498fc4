/*
 * bx/meter.h — loudness meter: ITU-R BS.1770-4 integrated loudness, EBU
 * Tech 3342 loudness range, sample peak. Streaming, any whole sample rate in
 * BX_METER_RATE_MIN..MAX.
 *
 * The measure, step by step:
 *  - K-weighting: the BS.1770 pre-filter (a high shelf, +4 dB above ~1.7 kHz)
 *    and RLB highpass (~38 Hz), designed for the stream's rate from their
 *    analog prototypes (at 48 kHz they are BS.1770's published coefficients),
 *    run in double precision;
 *  - channel weights: 1 for left, right and centre, 1.41 for the surrounds,
 *    0 for LFE, in the usual orders: 1-3 channels L R C; 4: L R Ls Rs; 5: L R
 *    C Ls Rs; 6 and more: L R C LFE Ls Rs, later channels not counted;
 *  - mean squares over 100 ms sub-blocks of (rate + 5) / 10 samples;
 *    gating blocks of 400 ms every 100 ms, absolute gate -70 LUFS, relative
 *    gate -10 LU below the mean of the blocks above the absolute gate;
 *    loudness = -0.691 + 10 log10(mean square);
 *  - loudness range: 3 s blocks every second (the first ending at 3 s),
 *    absolute gate -70 LUFS, relative gate -20 LU, the 95th minus the 10th
 *    percentile (nearest rank).
 * These are also libebur128's choices; test_meter compares the two.
 *
 * Memory grows by one double per 100 ms (about 290 KB for an hour).
 */
#ifndef BX_METER_H
#define BX_METER_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BX_METER_RATE_MIN 1000.0
#define BX_METER_RATE_MAX 768000.0
#define BX_METER_MAX_CHANNELS 64

typedef struct bx_meter bx_meter;

/** A meter for `channels` interleaved channels at rate_hz (a whole number).
 * BX_ERR_ARG for an unsupported rate or channel count, BX_ERR_NOMEM. */
bx_meter *bx_meter_create(double rate_hz, unsigned channels, bx_error *err);
void bx_meter_destroy(bx_meter *m);

/** Start again from silence (keeps the allocation). */
void bx_meter_reset(bx_meter *m);

/** Add interleaved frames (finite values; see bx_levels for checking).
 * BX_ERR_NOMEM if the block history cannot grow (nothing of this call is
 * then counted). The result does not depend on how audio is split into calls. */
bx_status bx_meter_add(bx_meter *m, const float *x, size_t frames, bx_error *err);

/** Integrated loudness of everything added, LUFS; -HUGE_VAL if no 400 ms
 * block passes the absolute gate (silence, or less than 400 ms). */
double bx_meter_integrated(const bx_meter *m);

/** K-weighted energy of everything added, LUFS: the integrated measure with
 * the absolute gate only (the mean square of every 400 ms block above
 * -70 LUFS). It leaves out silence but, unlike the relative gate, keeps the
 * quieter passages, so it depends less on which passages a performance
 * happens to have. -HUGE_VAL as for bx_meter_integrated. */
double bx_meter_energy(const bx_meter *m);

/** Loudness range, LU; 0 if no 3 s block passes the gates. BX_ERR_NOMEM
 * (sorting needs room for the blocks). */
bx_status bx_meter_range(const bx_meter *m, double *lu, bx_error *err);

/** Largest |sample| of one channel so far (linear); 0 for a bad channel. */
double bx_meter_sample_peak(const bx_meter *m, unsigned channel);

#ifdef __cplusplus
}
#endif
#endif /* BX_METER_H */
