/*
 * job.h — one bxanalyze job: a reference file (plus, optionally, the user's
 * dry take or the dry original) in, a fitted preset and a report out.
 * Thread-safe: batch workers run jobs concurrently; a source take loaded once
 * with job_take_load is shared read-only by all of them.
 */
#ifndef BX_ANALYZE_JOB_H
#define BX_ANALYZE_JOB_H

#include <stddef.h>

#include "bx/eqfit.h"
#include "bx/error.h"
#include "bx/levels.h"
#include "bx/parallel.h"
#include "bx/preset.h"

/** How the reference is interpreted. */
typedef enum job_mode {
    JOB_REFERENCE = 0, /**< reference only, against a documented neutral model */
    JOB_SOURCE,        /**< relative to the user's own dry take (--source) */
    JOB_PAIRED /**< the reference is the given dry audio through an unknown chain (--paired) */
} job_mode;

/** The part of a file to analyse, seconds: from start_s to end_s (end_s < 0:
 * to the end). The default {0, -1} is the whole file. */
typedef struct job_range {
    double start_s, end_s;
} job_range;

typedef struct job_opts {
    unsigned max_bands;     /**< --bands N: most EQ bands (1..BX_MAX_BANDS), default 6 */
    double amount;          /**< --amount PCT / 100: scales EQ gains and compression, default 1 */
    double smoothing_oct;   /**< --smoothing OCT: fractional-octave smoothing of the target;
                                 < 0 (default): per mode, job_default_smoothing */
    int no_compressor;      /**< --no-compressor */
    const char *name;       /**< preset name; NULL: the reference file's stem */
    const bx_parallel *par; /**< threads for the EQ and compressor searches; NULL: the
                                 job's own thread only (the results are the same) */
    job_range ref_range;    /**< --start/--end: of REF, and of DRY with --paired */
    job_range take_range;   /**< --source-start/--source-end: of MYTAKE */
} job_opts;

/** Defaults for every option. */
void job_opts_default(job_opts *o);

/** Smoothing used when none is given: 1 octave for a reference alone (only broad
 * traits are the chain's), 2/3 with a source take, 1/12 when paired (exact). */
double job_default_smoothing(job_mode mode);

/** An analysed audio file (spectrum, statistics, and audio kept for fitting). */
typedef struct job_take job_take;

/**
 * Read and analyse a take, streaming: spectrum and statistics cover the whole
 * file, or the part `range` gives (NULL: the whole). keep_seconds: also keep the first keep_seconds
 * of the mono mixdown (at most JOB_MAX_KEEP_SAMPLES samples) for the compressor fit or the paired
 * identification; 0 keeps nothing. Memory is therefore bounded however long
 * the file is. Errors name the file (BX_ERR_IO / BX_ERR_AUDIO / BX_ERR_NOMEM).
 */
#define JOB_KEEP_PAIRED_S 240.0              /* --paired: both files */
#define JOB_KEEP_FIT_S 90.0                  /* --source: the take and the reference's dynamics */
#define JOB_MAX_KEEP_SAMPLES (600u * 48000u) /* 110 MiB of float */
/* Shorter files are refused (BX_ERR_AUDIO): a spectrum average and level
 * statistics over less than a second say nothing about a performance. */
#define JOB_MIN_SECONDS 1.0
bx_status job_take_load(const char *path, double keep_seconds, const job_range *range,
                        job_take **out, bx_error *err);
void job_take_free(job_take *t);

/** A curve on a log-frequency grid, for reports (arrays of n values; NULL when absent). */
typedef struct job_curves {
    size_t n;
    double *freq_hz;
    double *reference_db; /**< smoothed LTAS of the reference, dB */
    double *source_db;    /**< smoothed LTAS of the source / neutral model, dB */
    double *target_db;    /**< the EQ target (reference - source, mean removed), dB */
    double *fit_db;       /**< response of the fitted EQ, dB */
    double *sd_db;        /**< standard error of target_db (--source), dB; 0 where not known */
} job_curves;

/** Stages of a job, timed for bxanalyze --verbose. */
typedef enum job_stage {
    JOB_STAGE_LOAD = 0, /**< reading and measuring the files */
    JOB_STAGE_ALIGN,    /**< --paired: alignment */
    JOB_STAGE_EQ,       /**< EQ fits */
    JOB_STAGE_COMP,     /**< compressor fits */
    JOB_STAGE_REFINE,   /**< closed-loop EQ correction / waveform refinement */
    JOB_STAGE_LOUDNESS, /**< loudness match */
    JOB_STAGE_RECORD,   /**< the preset's analysis record */
    JOB_STAGE_COUNT
} job_stage;
extern const char *const job_stage_names[JOB_STAGE_COUNT];

/** A plain warning about the evidence behind a preset: a stable code for
 * scripts and a sentence for people. */
#define JOB_MAX_WARNINGS 8

/** Reference only: the z-score of REF's squeeze a compressor needs (one-sided 5 %). */
#define JOB_COMP_EVIDENCE_Z 1.645
typedef struct job_warning {
    const char *code; /**< e.g. "few_hits" (static) */
    char text[200];
} job_warning;

typedef struct job_result {
    job_mode mode;
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
    /* how sure the fit is (filled by job_run; see docs/analysis.md) */
    bx_eqfit_band_conf eq_conf[BX_MAX_BANDS]; /**< per preset band, in its order */
    double eq_n_eff;                          /**< independent points of the EQ target */
    double eq_noise_db;         /**< the target's assumed standard deviation at full weight, dB */
    int comp_fitted;            /**< 1: a compressor was fitted (kept or not) */
    int comp_kept;              /**< 1: and kept */
    int comp_misfit;            /**< 1: left off because it fitted the dynamics too badly */
    double comp_margin_db;      /**< how much it lowered its fit error, dB */
    double comp_min_gain_db;    /**< the margin it needed to be kept, dB */
    double comp_constrained[4]; /**< threshold, ratio, attack, release: 0..1 (bx_compfit_result) */
    double comp_confidence;     /**< the least of those */
    int comp_from_stats;        /**< reference only: REF's crest and spread were weighed
                                     against a dry take's for signs of compression (reported,
                                     never set: the threshold needs the input's level) */
    double comp_evidence_z;     /**< that evidence, a z-score (JOB_COMP_EVIDENCE_Z needed) */
    unsigned n_warnings;
    job_warning warnings[JOB_MAX_WARNINGS];
    bx_level_stats reference; /**< statistics of the reference */
    bx_level_stats source;    /**< of the source / dry take (zeros in reference mode) */
    job_curves curves;
    double seconds;                  /**< wall time of the job */
    double stage_s[JOB_STAGE_COUNT]; /**< wall time of each stage, s */
    double lap_t;                    /**< internal: clock at the end of the last stage */
} job_result;

/**
 * Run one job. mode JOB_SOURCE needs `source` (shared, read-only) or, if that
 * is NULL, other_path (the take, then read alongside the reference on a second
 * thread); JOB_PAIRED needs other_path (the dry original, read the same way).
 * On success *res is filled (free with job_result_free); on failure err names
 * the file and problem.
 */
bx_status job_run(const char *ref_path, job_mode mode, const job_take *source,
                  const char *other_path, const job_opts *o, job_result *res, bx_error *err);

void job_result_free(job_result *r);

#endif
