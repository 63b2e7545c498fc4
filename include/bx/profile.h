/*
 * bx/profile.h — a reference's profile: everything the --source fit needs of
 * the reference, measured once from its audio and kept in the preset
 * (`analysis.reference.profile`, docs/analysis-record.md), so that a take can
 * be fitted to the reference without its audio: `bxanalyze PRESET --source
 * TAKE`, `bxlive PRESET --learn SEC`.
 *
 * It holds the reference's long-term spectrum, the low end of its spectrum
 * in long frames, the band levels of its onset frames (bx/match.h), its
 * dynamics signature (bx/dynsig.h) and its level statistics, each rounded to
 * what the preset stores (0.01 dB, 0.001 for statistics) as it is measured:
 * a profile read back from a preset is the one that was measured, bit for
 * bit, so that a fit from the preset and one from the reference audio give
 * the same preset.
 */
#ifndef BX_PROFILE_H
#define BX_PROFILE_H

#include "bx/error.h"
#include "bx/levels.h"
#include "bx/parallel.h"
#include "bx/preset.h"
#include "bx/spectrum.h"
#include "bx/take.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The profile format written (analysis.reference.profile.version). */
#define BX_PROFILE_VERSION 1

/** Most onset frames a profile keeps, evenly spread over the onsets. */
#define BX_PROFILE_MAX_FRAMES 256

/** The reference's first seconds the profile's frames, low end and dynamics
 * are measured on (its spectrum and statistics cover the whole file). */
#define BX_PROFILE_SECONDS 90.0

typedef struct bx_profile bx_profile;

/**
 * Measure ref's profile (ref must keep its mono mixdown: bx_take_load with
 * keep_seconds > 0). par: threads for its three parts (NULL: the caller's).
 * Errors: BX_ERR_NOMEM, BX_ERR_ARG (no audio kept).
 */
bx_status bx_profile_measure(const bx_take *ref, const bx_parallel *par, bx_profile **out,
                             bx_error *err);

/**
 * Read the profile of preset p (its analysis record). origin names the preset
 * in errors. BX_ERR_PRESET with a message that says what is missing or wrong
 * (no analysis record, a record without a profile — presets written before
 * bx 0.2 — or a field out of range), BX_ERR_NOMEM.
 */
bx_status bx_profile_from_preset(const bx_preset *p, const char *origin, bx_profile **out,
                                 bx_error *err);

void bx_profile_free(bx_profile *p);

/** The reference's file name without folders and extension. */
const char *bx_profile_file(const bx_profile *p);
/** Its sample rate, Hz. */
double bx_profile_rate_hz(const bx_profile *p);
/** Its level statistics (as stored). */
const bx_level_stats *bx_profile_stats(const bx_profile *p);
/** Its long-term spectrum (as stored). */
const bx_spectrum *bx_profile_spectrum(const bx_profile *p);

#ifdef __cplusplus
}
#endif
#endif /* BX_PROFILE_H */
