/*
 * bx/comp.h — feed-forward compressor with a soft-knee gain computer in dB and
 * a log-domain level detector (Giannoulis, Massberg & Reiss, "Digital Dynamic
 * Range Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012).
 *
 * Zero latency (no look-ahead); channels are linked (one gain for all).
 * Processing never allocates.
 */
#ifndef BX_COMP_H
#define BX_COMP_H

#include <stddef.h>

#include "bx/error.h"
#include "bx/simd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the level detector looks at. */
typedef enum bx_detector {
    BX_DETECTOR_PEAK = 0,  /**< "peak": per-sample max |x| over channels; attack and release
                                smooth the gain reduction, in dB */
    BX_DETECTOR_RMS,       /**< "rms": mean square over channels, one-pole averaged
                                (BX_COMP_RMS_MS); attack and release as for "peak" */
    BX_DETECTOR_LEVEL,     /**< "level": max |x| over channels followed in amplitude by a
                                one-pole that rises with attack_ms and falls with release_ms
                                (an analog-style envelope follower); the gain computer acts
                                on that level directly, without smoothing the gain */
    BX_DETECTOR_BRANCH,    /**< "branch": per-sample max |x| over channels, like "peak", but
                                the gain reduction in dB is smoothed by one one-pole that
                                follows rises with attack_ms and falls with release_ms
                                (Giannoulis et al.'s smooth branching detector, eq. 16, as
                                several plugin compressors do): the release is not slowed by
                                the attack. Needs bxpreset 2 */
    BX_DETECTOR_RMS_LEVEL, /**< "rms_level": mean square over channels, one-pole averaged
                                over rms_ms, its root followed in amplitude like "level"
                                (rises with attack_ms, falls with release_ms); the gain
                                computer acts on that level directly (the design of
                                compressors whose RMS sidechain feeds an envelope follower).
                                Needs bxpreset 3 */
    BX_DETECTOR_POWER,     /**< "power": the mean square over channels plus the threshold's
                                power P_t = 10^(threshold_db / 10), averaged by a one-pole
                                over attack_ms; two one-pole stages in series, each over
                                release_ms, hold its peaks and let them go (each jumps up to
                                the average at once); the gain reduction is
                                (1 - 1/ratio) 10 log10(q / P_t) of the held power q. In
                                steady state that is a knee of the shape
                                10 log10(1 + 10^((L - T) / 10)) (L the mean square's level),
                                which BX_COMP_POWER_KNEE_DB of quadratic knee follows closely;
                                knee_db is not used. The design of compressors that follow
                                the signal's power and raise it to a power for the gain
                                (x42-comp's). Needs bxpreset 4 */
    BX_DETECTOR_MEAN_LEVEL /**< "mean_level": |x| averaged over the channels and by a one-pole
                                over rms_ms ("mean_ms" in presets), followed in amplitude like
                                "level"; the gain computer acts on that level directly (the
                                design of compressors whose sidechain low-passes the rectified
                                signal before an envelope follower: LSP's low-pass mode).
                                Needs bxpreset 4 */
} bx_detector;

/** Number of detectors (the values 0 .. BX_DETECTOR_COUNT - 1). */
#define BX_DETECTOR_COUNT 7

/** 1 if detector d measures a mean square ("rms", "rms_level", "power"), else 0. */
int bx_detector_is_rms(bx_detector d);

/** 1 if detector d averages its input over rms_ms before following it ("rms_level",
 * "mean_level"), else 0. */
int bx_detector_averages(bx_detector d);

/** The detector's name in presets ("peak", "rms", "level", "branch", "rms_level", "power",
 * "mean_level"); NULL for an unknown value. */
const char *bx_detector_name(bx_detector d);

/** Parse a detector's name into *d: BX_OK, or BX_ERR_ARG if there is none of that name. */
bx_status bx_detector_parse(const char *name, bx_detector *d);

/** Averaging time constant of the rms detector, in ms (and of rms_level's and mean_level's
 * when their rms_ms is not set). */
#define BX_COMP_RMS_MS 10.0
/** Range of rms_level's and mean_level's averaging time constant, ms. */
#define BX_COMP_RMS_MIN_MS 0.1
#define BX_COMP_RMS_MAX_MS 100.0

/** Musical parameters (units in the names). */
typedef struct bx_comp_params {
    double threshold_db; /**< dBFS where compression starts (knee centre) */
    double ratio;        /**< input dB per output dB above threshold, >= 1 */
    double knee_db;      /**< soft-knee width in dB, >= 0 (0 = hard knee) */
    double attack_ms;  /**< time constant: gain reduction reaches 1 - 1/e of a step in attack_ms */
    double release_ms; /**< time constant of the release (decoupled peak detector) */
    double makeup_db;  /**< gain added after compression */
    bx_detector detector;
    int has_start_level;   /**< 0: the detector starts from silence (the default); 1: from
                                start_level_db */
    double start_level_db; /**< with has_start_level: the level, dBFS, the detector assumes at
                                the start, as if the input had stayed there for a long time
                                (SoX's compand, for one, starts at 0 dBFS: hard compression
                                that lets go over its release time) */
    double rms_ms;         /**< "rms_level": the mean square's averaging time constant, ms;
                                "mean_level": the mean |x|'s ("mean_ms" in presets)
                                (BX_COMP_RMS_MIN_MS .. BX_COMP_RMS_MAX_MS; 0: BX_COMP_RMS_MS);
                                the other detectors ignore it */
    int hold;              /**< "power" only: 1 stops the release while the averaged power
                                stays under twice the threshold's (the signal under the
                                threshold: the reduction is held, not let go; x42-comp's
                                hold); 0 (the default) lets go always */
} bx_comp_params;

/** Flat state; fill it with bx_comp_init, no allocation involved. */
typedef struct bx_comp {
    bx_comp_params p;
    double alpha_a, alpha_r, alpha_rms; /* one-pole coefficients exp(-1/(tau*fs)) */
    double knee_lo_lin;                 /* below this detector level nothing happens */
    double makeup_lin;
    double y1, yl, ms;       /* detector state: release stage, attack stage, mean square */
    double env;              /* "level" detector: the followed amplitude */
    double p_thr, inv_p_thr; /* "power": the threshold's power and its inverse */
    double qa, qr1, qr2;     /* "power": the averaged power plus p_thr, the two held stages */
    double q_hold;           /* "power": below this averaged power the release holds (0: never) */
    double gr_peak_db;       /* largest gain reduction since the last read */
    bx_simd simd;            /* kernel of bx_comp_process (init: the best) */
} bx_comp;

/** The quadratic knee's width (bx_comp_static_db's soft knee) that comes closest to the
 * "power" detector's power-sum knee at the same threshold: within 0.34 dB of it at every
 * level (test_comp). What an export to a compressor with a quadratic knee uses. */
#define BX_COMP_POWER_KNEE_DB 24.0

/** p's knee width as a quadratic knee: p->knee_db, or BX_COMP_POWER_KNEE_DB for "power". */
double bx_comp_knee_width_db(const bx_comp_params *p);

/** The mean square's averaging time constant p's detector uses, ms. */
double bx_comp_rms_ms(const bx_comp_params *p);

/** Prepare c for params p at rate_hz (params must already be valid). Resets state. */
void bx_comp_init(bx_comp *c, const bx_comp_params *p, double rate_hz);

/** Put the detector in its starting state: silence, or p.start_level_db when set. */
void bx_comp_reset(bx_comp *c);

/**
 * Static curve: output level in dB (before makeup) for a steady detector level
 * of level_db, per Giannoulis et al. eq. 4 (soft knee).
 */
double bx_comp_static_db(const bx_comp_params *p, double level_db);

/**
 * Compress `frames` interleaved frames of `channels` channels in place.
 * Sample-by-sample: the result does not depend on how a signal is cut into calls.
 */
void bx_comp_process(bx_comp *c, double *x, size_t frames, unsigned channels);

/**
 * bx_comp_process, and each frame's gain reduction into gr_db[0..frames)
 * (what bx_comp_gain_reduction_db returns after that frame, bit for bit).
 */
void bx_comp_process_gr(bx_comp *c, double *x, size_t frames, unsigned channels, double *gr_db);

/** Gain reduction being applied right now, dB (>= 0, makeup not included). */
double bx_comp_gain_reduction_db(const bx_comp *c);

/** Largest gain reduction since the previous call, dB; resets the peak. */
double bx_comp_take_gr_peak_db(bx_comp *c);

/** Flush tiny (denormal-range) detector state; non-finite state is cleared to silence. */
void bx_comp_sanitize(bx_comp *c);

#ifdef __cplusplus
}
#endif
#endif /* BX_COMP_H */
