/*
 * bx/engine.h — the engine that runs a chain (bx/chain.h): the block function
 * that both the live callback and `bxlive --render` call. It runs the current
 * chain, crossfades to a new one posted from another thread (hot reload) and
 * crossfades bypass, without allocating, locking or blocking, and with output
 * that does not depend on how the signal is cut into blocks.
 */
#ifndef BX_ENGINE_H
#define BX_ENGINE_H

#include <stddef.h>

#include "bx/chain.h"
#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * crossfades to it over BX_FADE_MS. Returns BX_OK if taken (the engine now
 * owns it), BX_ERR_BUSY if a previous chain is still waiting (try again later).
 */
bx_status bx_engine_post_chain(bx_engine *e, bx_chain *next);

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
#endif /* BX_ENGINE_H */
