/*
 * bx/levels.h — level and envelope statistics of a signal, streaming.
 *
 * Integrated loudness and loudness range per ITU-R BS.1770 / EBU R 128
 * (bx_meter, bx/meter.h), sample peak, RMS, crest factor, short-term level percentiles,
 * and transient attack/decay estimates. Feed interleaved frames in any
 * chunking (the statistics do not depend on it).
 *
 * Loudness uses bx_meter's channel map (1 channel: mono, counted once, so a
 * 997 Hz sine of peak A reads 20 log10(A) - 3.01 LUFS; 2: L R; 5: L R C Ls
 * Rs; 6: L R C LFE Ls Rs with the LFE ignored). Everything else
 * is measured on the mono mixdown m[n] = mean of the channels, except the
 * sample peak, which is over all channels.
 *
 * Envelopes of the mixdown (B = round(rate_hz / 1000) samples, "1 ms"):
 *  - RMS envelope for the percentiles: mean squares of consecutive 10 B-sample
 *    blocks, averaged over BX_LEVELS_ENV_MS windows (5 blocks) hopping by one
 *    block; a signal shorter than one window gives one value, its RMS.
 *    Percentiles interpolate linearly between order statistics (numpy's
 *    default) over the windows within BX_LEVELS_ENV_RANGE_DB of the loudest.
 *  - peak envelopes for the transients: p[k] = max |m| over block k of B
 *    samples; the rise envelope r[k] = max of p over the BX_LEVELS_HOLD_MS
 *    blocks ending at k (so low notes do not ripple), the fall envelope
 *    f[k] = max of p over the BX_LEVELS_HOLD_MS blocks starting at k.
 * Transient detector: an onset is the first block where r rises at least
 * BX_LEVELS_ONSET_RISE_DB above its minimum over the preceding
 * BX_LEVELS_ONSET_WINDOW_MS (and after the previous transient's peak); its
 * peak is the largest r within BX_LEVELS_PEAK_SEARCH_MS after the onset, and
 * counts only if within BX_LEVELS_TRANSIENT_RANGE_DB of the loudest block.
 *  - attack: time for r to go from 10 % to 90 % of the way (in amplitude) from
 *    that minimum to the peak, linearly interpolated between blocks (1 ms
 *    resolution: an instantaneous step reads 0.8 to 1.8 ms);
 *  - decay: time from the peak block until f falls BX_LEVELS_DECAY_DB below
 *    the peak, interpolated; not measured (left out of the median) if the
 *    next transient begins first or it takes longer than BX_LEVELS_DECAY_MAX_MS.
 *
 * Memory grows by one float per millisecond plus one per 10 ms of signal
 * (about 16 MB per hour), through bx_malloc; bx_levels_finish briefly needs
 * about twice that again; the loudness meter 80 bytes per second.
 * Separate accumulators may be used from separate threads.
 */
#ifndef BX_LEVELS_H
#define BX_LEVELS_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Window of the short-term level envelope used for the percentiles, ms. */
#define BX_LEVELS_ENV_MS 50.0
/** Envelope frames more than this far below the loudest are ignored (silence), dB. */
#define BX_LEVELS_ENV_RANGE_DB 60.0
/** Floor of every level in dBFS (digital silence reads this). */
#define BX_LEVELS_FLOOR_DB -120.0
/** Integrated loudness reported when nothing passes the BS.1770 gates, LUFS. */
#define BX_LEVELS_SILENT_LUFS -70.0

/** Transient detector (see above). */
#define BX_LEVELS_HOLD_MS 15.0
#define BX_LEVELS_ONSET_RISE_DB 10.0
#define BX_LEVELS_ONSET_WINDOW_MS 30.0
#define BX_LEVELS_PEAK_SEARCH_MS 50.0
#define BX_LEVELS_TRANSIENT_RANGE_DB 40.0
#define BX_LEVELS_DECAY_DB 20.0
#define BX_LEVELS_DECAY_MAX_MS 2000.0

/** Accepted sample rates (whole numbers of Hz) and channel counts. */
#define BX_LEVELS_RATE_MIN 1000.0
#define BX_LEVELS_RATE_MAX 768000.0
#define BX_LEVELS_MAX_CHANNELS 64

typedef struct bx_level_stats {
    double seconds;                /**< duration analysed */
    double loudness_lufs;          /**< BS.1770 integrated loudness, LUFS (-70 if below the gate) */
    double energy_lufs;            /**< K-weighted energy with the absolute gate only, LUFS
                                        (bx_meter_energy; -70 if below the gate) */
    double lra_lu;                 /**< EBU R 128 loudness range, LU (0 if too short or steady) */
    double sample_peak_db;         /**< largest |sample| over all channels, dBFS */
    double rms_db;                 /**< RMS of the mono mixdown over the whole signal, dBFS */
    double crest_db;               /**< sample_peak_db - rms_db (of the mixdown) */
    double p10_db, p50_db, p95_db; /**< percentiles of the BX_LEVELS_ENV_MS RMS envelope of
                                        the mixdown, dBFS, frames within ENV_RANGE of the loudest */
    double spread_db;              /**< p95_db - p10_db */
    double attack_ms;    /**< median 10 %->90 % rise time of detected transients (0 if none) */
    double decay_ms;     /**< median time from a transient's peak to 20 dB below it (0 if none
                              measured) */
    unsigned transients; /**< transients detected */
} bx_level_stats;

typedef struct bx_levels bx_levels;

/**
 * Accumulator for rate_hz (a whole number, BX_LEVELS_RATE_MIN..MAX) and
 * `channels` (1..BX_LEVELS_MAX_CHANNELS) interleaved channels. Errors:
 * BX_ERR_ARG, BX_ERR_NOMEM.
 */
bx_levels *bx_levels_create(double rate_hz, unsigned channels, bx_error *err);
void bx_levels_destroy(bx_levels *l);

/**
 * Add interleaved frames. May allocate (the envelopes grow); BX_ERR_NOMEM on
 * failure, BX_ERR_AUDIO for a NaN or infinite sample (nothing of that call is
 * added). After BX_ERR_NOMEM the accumulator may hold part of the call's
 * audio: destroy it.
 */
bx_status bx_levels_add(bx_levels *l, const float *x, size_t frames, bx_error *err);

/**
 * Compute the statistics of everything added. Digital silence gives finite
 * floors (BX_LEVELS_FLOOR_DB, BX_LEVELS_SILENT_LUFS, crest 0), never NaN;
 * every statistic is finite (the envelope's 10 ms mean squares saturate at
 * FLT_MAX, about +385 dBFS, for float samples that far beyond full scale).
 * BX_ERR_AUDIO if nothing was added; BX_ERR_NOMEM. Does not change the
 * accumulator: more frames may be added and finish called again.
 */
bx_status bx_levels_finish(bx_levels *l, bx_level_stats *out, bx_error *err);

/**
 * Integrated loudness (ITU-R BS.1770-4, LUFS) of `frames` interleaved frames
 * alone, into *lufs: the same measure as bx_level_stats.loudness_lufs, without
 * the other statistics (cheaper). Digital silence gives BX_LEVELS_SILENT_LUFS.
 * Errors as bx_levels_create / bx_levels_add.
 */
bx_status bx_loudness_lufs(const float *x, size_t frames, unsigned channels, double rate_hz,
                           double *lufs, bx_error *err);

/** The same for bx_level_stats.energy_lufs (bx_meter_energy). */
bx_status bx_energy_lufs(const float *x, size_t frames, unsigned channels, double rate_hz,
                         double *lufs, bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_LEVELS_H */
