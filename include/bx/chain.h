/*
 * bx/chain.h — the processing chain of a preset and the engine that runs it.
 *
 *   input gain -> EQ (biquads, in order) -> compressor -> output gain -> limiter
 *
 * bx_chain is one fixed set of designed stages for one sample rate and channel
 * count. bx_engine is the block function that both the live callback and
 * `bxlive --render` call: it runs the current chain, crossfades to a new one
 * posted from another thread (hot reload) and crossfades bypass, without
 * allocating, locking or blocking, and with output that does not depend on how
 * the signal is cut into blocks.
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
 * offers. warm_s <= 0, or a signal shorter than 8 warm-ups: bx_chain_apply.
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

/** Length of the hot-reload and bypass crossfades, ms. */
#define BX_FADE_MS 20.0
/** The engine does housekeeping every this many frames of the absolute timeline. */
#define BX_ENGINE_GRID 64
/** The block size bxlive uses by default, live and in --render, frames. */
#define BX_DEFAULT_BLOCK 128

/** Per-block meters, filled by bx_engine_process. Levels are linear peaks. */
typedef struct bx_block_stats {
    float in_peak;    /**< largest |input| in the block */
    float out_peak;   /**< largest |output| in the block */
    float comp_gr_db; /**< largest compressor gain reduction in the block, dB */
    float lim_gr_db;  /**< largest limiter gain reduction in the block, dB */
    int fading;       /**< non-zero while a reload or bypass crossfade runs */
} bx_block_stats;

typedef struct bx_engine bx_engine;

/**
 * Create an engine that owns `chain` (which must have `channels` channels and
 * was designed for rate_hz). NULL with err set on failure; the chain is then
 * still the caller's.
 */
bx_engine *bx_engine_create(bx_chain *chain, double rate_hz, unsigned channels, bx_error *err);

/** Destroy the engine and every chain it holds. No thread may be processing. */
void bx_engine_destroy(bx_engine *e);

/** The engine's last stage, whatever the preset says: every output sample is
 * clamped to +-this (full scale; NaN becomes 0). The preset's limiter sets a
 * lower ceiling smoothly; this is the hard stop that protects the ears when a
 * preset has none, or a signal overshoots it. */
#define BX_ENGINE_FULL_SCALE 1.0

/**
 * THE block function. `in` and `out` hold `frames` interleaved float frames
 * (they may be the same buffer). Any frame count; never allocates, locks or
 * blocks; non-finite input samples are treated as 0 and the output never
 * exceeds BX_ENGINE_FULL_SCALE. stats may be NULL. Call from one thread only (the audio thread).
 */
void bx_engine_process(bx_engine *e, const float *in, float *out, size_t frames,
                       bx_block_stats *stats);

/**
 * Hand a new chain to the audio thread (any one other thread). The engine
 * crossfades to it over BX_FADE_MS. Returns 0 if taken (the engine now owns
 * it), -1 if a previous chain is still waiting (try again later).
 */
int bx_engine_post_chain(bx_engine *e, bx_chain *next);

/**
 * Take back a chain the engine has finished with, to destroy it outside the
 * audio thread. NULL if there is none. Call from the posting thread.
 */
bx_chain *bx_engine_collect(bx_engine *e);

/** Request bypass on (non-zero) or off; crossfades over BX_FADE_MS. Any thread. */
void bx_engine_set_bypass(bx_engine *e, int on);
int bx_engine_get_bypass(bx_engine *e);

/** Clear all DSP state (start of a new signal). Not concurrent with process. */
void bx_engine_reset(bx_engine *e);

#ifdef __cplusplus
}
#endif
#endif /* BX_CHAIN_H */
