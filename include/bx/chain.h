/*
 * bx/chain.h — the processing chain of a preset.
 *
 *   input gain -> EQ (biquads, in order) -> compressor -> output gain -> limiter
 *
 * bx_chain is one fixed set of designed stages for one sample rate and channel
 * count; bx/engine.h runs it in the live callback and in `bxlive --render`.
 */
#ifndef BX_CHAIN_H
#define BX_CHAIN_H

#include <stddef.h>

#include "bx/biquad.h"
#include "bx/comp.h"
#include "bx/error.h"
#include "bx/limiter.h"
#include "bx/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most EQ bands a chain (and a preset) may have. */
#define BX_MAX_BANDS 32
/** Most channels a chain processes. */
#define BX_MAX_CHANNELS 64

/* Allowed ranges of every parameter (inclusive); presets/README.md documents them. */
#define BX_GAIN_STAGE_MIN_DB -60.0 /* input_gain_db, output_gain_db */
#define BX_GAIN_STAGE_MAX_DB 24.0
#define BX_FREQ_MIN_HZ 10.0 /* eq[].freq_hz; must also be below Nyquist */
#define BX_FREQ_MAX_HZ 40000.0
#define BX_EQ_GAIN_MIN_DB -30.0 /* eq[].gain_db */
#define BX_EQ_GAIN_MAX_DB 30.0
#define BX_Q_MIN 0.1 /* eq[].q */
#define BX_Q_MAX 40.0
#define BX_THRESHOLD_MIN_DB -80.0
#define BX_THRESHOLD_MAX_DB 0.0
#define BX_RATIO_MIN 1.0
#define BX_RATIO_MAX 100.0
#define BX_KNEE_MIN_DB 0.0
#define BX_KNEE_MAX_DB 24.0
#define BX_ATTACK_MIN_MS 0.05
#define BX_ATTACK_MAX_MS 500.0
#define BX_RELEASE_MIN_MS 1.0
#define BX_RELEASE_MAX_MS 5000.0
#define BX_START_LEVEL_MIN_DB -120.0 /* compressor.start_level_db */
#define BX_START_LEVEL_MAX_DB 0.0
#define BX_MAKEUP_MIN_DB -24.0
#define BX_MAKEUP_MAX_DB 36.0
#define BX_CEILING_MIN_DB -30.0
#define BX_CEILING_MAX_DB 0.0

/** One EQ band. gain_db is ignored by highpass/lowpass. */
typedef struct bx_band {
    bx_biquad_type type;
    double freq_hz;
    double gain_db;
    double q;
} bx_band;

/** Everything a preset's "chain" says. */
typedef struct bx_chain_params {
    double input_gain_db;
    unsigned n_bands;
    bx_band bands[BX_MAX_BANDS];
    int has_comp; /**< 0: compressor off */
    bx_comp_params comp;
    double output_gain_db;
    int has_limiter; /**< 0: limiter off */
    double ceiling_db;
} bx_chain_params;

/** Identity chain: unity gains, no bands, compressor and limiter off. */
void bx_chain_params_default(bx_chain_params *p);

/**
 * Check every value against the ranges above and, if rate_hz > 0, every band
 * frequency against Nyquist. On failure err says which field, e.g.
 * "chain.eq[2].q: 0 is outside 0.1..40". Returns BX_OK, BX_ERR_PRESET or BX_ERR_RANGE.
 */
bx_status bx_chain_params_check(const bx_chain_params *p, double rate_hz, bx_error *err);

typedef struct bx_chain bx_chain;

/** Design a chain (one allocation). Checks params as bx_chain_params_check. */
bx_chain *bx_chain_create(const bx_chain_params *p, double rate_hz, unsigned channels,
                          bx_error *err);
void bx_chain_destroy(bx_chain *c);
void bx_chain_reset(bx_chain *c);
const bx_chain_params *bx_chain_params_of(const bx_chain *c);

/**
 * Process interleaved double frames in place. Never allocates. Used by the
 * engine; call it directly only for offline work on one fixed chain.
 */
void bx_chain_process(bx_chain *c, double *x, size_t frames);

/**
 * The stages of a chain with n bands, in order: 0 the input gain, 1 .. n
 * the bands, n + 1 the compressor, n + 2 the output gain and the limiter
 * (BX_CHAIN_STAGES(n) in all; a stage the chain does not have does
 * nothing). bx_chain_process_stages runs stages first .. end - 1 on x, as
 * bx_chain_process does (the same result, bit for bit, for 0 .. all); the
 * others are skipped and keep their state. A fitter uses it to start from
 * a signal saved after the stages that a change of parameters leaves alone.
 */
#define BX_CHAIN_STAGES(n_bands) ((n_bands) + 3u)
void bx_chain_process_stages(bx_chain *c, unsigned first, unsigned end, double *x, size_t frames);

/**
 * Stages 0 .. n_bands (the input gain and the bands) of a mono chain over x
 * (frames samples; x may be out[0]), keeping each stage's output: out[k] (k
 * = 0 .. n_bands) receives x after stages 0 .. k, the same values bit for bit as
 * bx_chain_process_stages stage by stage. The bands' states advance; the
 * later stages are not run.
 */
void bx_chain_process_prefixes(bx_chain *c, const double *x, double *const *out, size_t frames);

/**
 * Offline convenience: run mono float x (frames samples) through a fresh
 * chain made from p at rate_hz into y (y may equal x), in 1024-frame blocks.
 * Errors as bx_chain_create.
 */
bx_status bx_chain_apply(const bx_chain_params *p, double rate_hz, const float *x, float *y,
                         size_t frames, bx_error *err);

/**
 * bx_chain_apply in BX_CHAIN_PARTS runs of frames that par may process at
 * the same time (NULL: one after the other), for offline measurements.
 * Each run after the first starts warm_s seconds early — its chain processes
 * those frames and drops them — so that its state has settled when its own
 * frames begin: the output differs from bx_chain_apply's only by what is
 * left of a different starting state after warm_s (e^-8 of it when warm_s
 * is 8 release times of the compressor). The same, bit for bit, whatever par
 * offers. warm_s <= 0, a signal shorter than 8 warm-ups, or a compressor
 * with hold (its release stops while the signal stays under the threshold,
 * so no warm-up is sure to reach its state): bx_chain_apply.
 * y may equal x. Errors as bx_chain_create, and BX_ERR_NOMEM.
 */
#define BX_CHAIN_PARTS 2
bx_status bx_chain_apply_parallel(const bx_chain_params *p, double rate_hz, const float *x,
                                  float *y, size_t frames, double warm_s, const bx_parallel *par,
                                  bx_error *err);

/** Largest compressor and limiter gain reduction (dB) since the last call; resets both. */
void bx_chain_take_gr(bx_chain *c, double *comp_db, double *lim_db);

/** Flush denormal-range state and reset non-finite state (the engine calls this). */
void bx_chain_sanitize(bx_chain *c);

/**
 * Carry filter and detector state from src into dst where they correspond
 * (same band index and type, both compressors, both limiters), so a swapped-in
 * chain starts warm. Both must have the same channel count.
 */
void bx_chain_copy_state(bx_chain *dst, const bx_chain *src);

#ifdef __cplusplus
}
#endif
#endif /* BX_CHAIN_H */
