/*
 * bx/analysis.h — one analysis: a reference file (plus, optionally, the
 * user's dry take or the dry original) in, a fitted preset with its
 * `analysis` record out. What bxanalyze runs for each reference (see
 * docs/analysis.md for the modes and docs/how-analysis-works.md for how).
 * Thread-safe: analyses may run concurrently; a source take loaded once with
 * bx_take_load is shared read-only by all of them.
 */
#ifndef BX_ANALYSIS_H
#define BX_ANALYSIS_H

#include <stddef.h>

#include "bx/eqfit.h"
#include "bx/error.h"
#include "bx/levels.h"
#include "bx/parallel.h"
#include "bx/preset.h"
#include "bx/profile.h"
#include "bx/take.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How the reference is interpreted. */
typedef enum bx_analysis_mode {
    BX_ANALYSIS_REFERENCE = 0, /**< reference only, against a documented neutral model */
    BX_ANALYSIS_SOURCE,        /**< relative to the user's own dry take (--source) */
    BX_ANALYSIS_PAIRED /**< the reference is the given dry audio through an unknown chain (--paired)
                        */
} bx_analysis_mode;

typedef struct bx_analysis_opts {
    unsigned max_bands;       /**< --bands N: most EQ bands (1..BX_MAX_BANDS), default 6 */
    double amount;            /**< --amount PCT / 100: scales EQ gains and compression, default 1 */
    double smoothing_oct;     /**< --smoothing OCT: fractional-octave smoothing of the target;
                                   < 0 (default): per mode, bx_analysis_default_smoothing */
    int no_compressor;        /**< --no-compressor */
    const char *name;         /**< preset name; NULL: the reference file's stem */
    const bx_parallel *par;   /**< threads for reading the two files at once and for the
                                   searches; NULL: the caller's thread only (the results are
                                   the same). A task may call par->run again (nested). */
    bx_take_range ref_range;  /**< --start/--end: of REF, and of DRY with --paired */
    bx_take_range take_range; /**< --source-start/--source-end: of MYTAKE */
} bx_analysis_opts;

/** Defaults for every option. */
void bx_analysis_opts_default(bx_analysis_opts *o);

/** Smoothing used when none is given: 1 octave for a reference alone (only broad
 * traits are the chain's), 2/3 with a source take, 1/12 when paired (exact). */
double bx_analysis_default_smoothing(bx_analysis_mode mode);

/** A curve on a log-frequency grid, for reports (arrays of n values; NULL when absent). */
typedef struct bx_analysis_curves {
    size_t n;
    double *freq_hz;
    double *reference_db; /**< smoothed LTAS of the reference, dB */
    double *source_db;    /**< smoothed LTAS of the source / neutral model, dB */
    double *target_db;    /**< the EQ target (reference - source, mean removed), dB */
    double *fit_db;       /**< response of the fitted EQ, dB */
    double *sd_db;        /**< standard error of target_db (--source), dB; 0 where not known */
} bx_analysis_curves;

/** Stages of a job, timed for bxanalyze --verbose. */
typedef enum bx_analysis_stage {
    BX_ANALYSIS_STAGE_LOAD = 0, /**< reading and measuring the files */
    BX_ANALYSIS_STAGE_ALIGN,    /**< --paired: alignment */
    BX_ANALYSIS_STAGE_EQ,       /**< EQ fits */
    BX_ANALYSIS_STAGE_COMP,     /**< compressor fits */
    BX_ANALYSIS_STAGE_REFINE,   /**< closed-loop EQ correction / waveform refinement */
    BX_ANALYSIS_STAGE_LOUDNESS, /**< loudness match */
    BX_ANALYSIS_STAGE_RECORD,   /**< the preset's analysis record */
    BX_ANALYSIS_STAGE_COUNT
} bx_analysis_stage;
extern const char *const bx_analysis_stage_names[BX_ANALYSIS_STAGE_COUNT];

/** A plain warning about the evidence behind a preset: a stable code for
 * scripts and a sentence for people. */
#define BX_ANALYSIS_MAX_WARNINGS 8

/** Reference only: the z-score of REF's squeeze a compressor needs (one-sided 5 %). */
#define BX_ANALYSIS_COMP_EVIDENCE_Z 1.645
typedef struct bx_analysis_warning {
    const char *code; /**< e.g. "few_hits" (static) */
    char text[400];   /**< one sentence, the longest bx writes with room to spare */
} bx_analysis_warning;

typedef struct bx_analysis_result {
    bx_analysis_mode mode;
    bx_preset preset;         /**< the fitted preset, with "analysis" filled in */
    double eq_error_db;       /**< RMS dB error of the EQ fit over fit_lo_hz - fit_hi_hz */
    double comp_error_db;     /**< error of the compressor fit (mode-specific, dB), 0 if none */
    double delay_ms;          /**< paired mode: DRY -> REF alignment found, ms */
    double align_score;       /**< paired mode: phase-only correlation peak, 0..1 */
    double match_snr_db;      /**< paired mode: the chain's rendering of DRY against REF over
                                   their aligned overlap, SNR in dB */
    double fit_lo_hz;         /**< low end of the EQ fit, Hz */
    double fit_hi_hz;         /**< high end of the EQ fit, Hz (at most 0.45 of the rate) */
    double band_limit_hz;     /**< where REF is cut off like a lossy codec cuts (the EQ is
                                   held flat above it), Hz; 0: not cut off */
    size_t match_pairs;       /**< --source: sounds paired like with like (bx/match.h) */
    double match_distance_db; /**< their median shape distance, dB */
    double match_weight;      /**< the paired curve's share in the EQ target, 0..1 */
    double match_rate_hz;     /**< the rate they were compared at (the lower of the two files') */
    int match_resampled;      /**< 1: the files' rates differ, one was resampled to compare */
    /* how sure the fit is (filled by bx_analysis_run; see docs/analysis.md) */
    bx_eqfit_band_conf eq_conf[BX_MAX_BANDS]; /**< per preset band, in its order */
    double eq_n_eff;                          /**< independent points of the EQ target */
    double eq_noise_db;         /**< the target's assumed standard deviation at full weight, dB */
    int comp_fitted;            /**< 1: a compressor was fitted (kept or not) */
    int comp_kept;              /**< 1: and kept */
    int comp_misfit;            /**< 1: left off because it fitted the dynamics too badly */
    double comp_margin_db;      /**< how much it lowered its fit error, dB */
    double comp_evidence_db;    /**< the keep test's improvement, dB (comp_margin_db; in
                                     --source the "peak" design's): how clearly the data
                                     show a compressor */
    double comp_min_gain_db;    /**< the margin it needed to be kept, dB */
    double comp_constrained[5]; /**< threshold, ratio, attack, release and (rms_level) rms_ms:
                                     0..1 (bx_compfit_result) */
    int comp_n_constrained;     /**< how many of comp_constrained are set (4 or 5) */
    double comp_confidence;     /**< the least of the first four */
    int comp_from_stats;        /**< reference only: REF's crest and spread were weighed
                                     against a dry take's for signs of compression (reported,
                                     never set: the threshold needs the input's level) */
    double comp_evidence_z; /**< that evidence, a z-score (BX_ANALYSIS_COMP_EVIDENCE_Z needed) */
    unsigned n_warnings;
    bx_analysis_warning warnings[BX_ANALYSIS_MAX_WARNINGS];
    bx_level_stats reference; /**< statistics of the reference */
    bx_level_stats source;    /**< of the source / dry take (zeros in reference mode) */
    bx_analysis_curves curves;
    double seconds;                          /**< wall time of the analysis */
    double stage_s[BX_ANALYSIS_STAGE_COUNT]; /**< wall time of each stage, s */
    double lap_t;                            /**< internal: clock at the end of the last stage */
} bx_analysis_result;

/**
 * Run one analysis. mode BX_ANALYSIS_SOURCE needs `source` (shared, read-only) or, if that
 * is NULL, other_path (the take, then read alongside the reference through
 * o->par); BX_ANALYSIS_PAIRED needs other_path (the dry original, read the same way).
 * On success *res is filled (free with bx_analysis_result_free); on failure err names
 * the file and problem.
 */
bx_status bx_analysis_run(const char *ref_path, bx_analysis_mode mode, const bx_take *source,
                          const char *other_path, const bx_analysis_opts *o,
                          bx_analysis_result *res, bx_error *err);

/**
 * --source from REF's profile (bx/profile.h: read from a preset, or measured)
 * instead of its audio: `source` (shared, read-only) or, if NULL, the take
 * at take_path. For the same take it gives the preset bx_analysis_run gives
 * from the reference file the profile was measured on, bit for bit (the
 * reference's name from the profile; o->name overrides it as there).
 */
bx_status bx_analysis_run_profile(const bx_profile *ref, const bx_take *source,
                                  const char *take_path, const bx_analysis_opts *o,
                                  bx_analysis_result *res, bx_error *err);

void bx_analysis_result_free(bx_analysis_result *r);

/* ---- the analysis record ----------------------------------------------------
 * bx_analysis_run describes its evidence in the preset's free-form
 * `analysis` object (bx_preset.analysis_json; the fields are in
 * docs/analysis-record.md). These read it back. */

/** A curve of the record: n points in ascending frequency. */
#define BX_ANALYSIS_CURVE_MAX 128
typedef struct bx_analysis_curve {
    size_t n;
    double freq_hz[BX_ANALYSIS_CURVE_MAX];
    double db[BX_ANALYSIS_CURVE_MAX];
} bx_analysis_curve;

/**
 * The reference's long-term spectrum (analysis.reference.ltas, 1/6 octave)
 * from a preset's analysis record. BX_ERR_PRESET, with a message saying what
 * is missing, if analysis_json is NULL, not JSON, or holds no such curve of
 * at least 4 points.
 */
bx_status bx_analysis_reference_ltas(const char *analysis_json, bx_analysis_curve *c,
                                     bx_error *err);

/** c at freq_hz, dB: interpolated in log frequency, held beyond its ends (NAN if empty). */
double bx_analysis_curve_db_at(const bx_analysis_curve *c, double freq_hz);

#ifdef __cplusplus
}
#endif
#endif /* BX_ANALYSIS_H */
