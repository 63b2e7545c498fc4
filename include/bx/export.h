/*
 * bx/export.h — a preset in the formats of other tools.
 *
 *   apo         Equalizer APO text ("Filter 1: ON PK Fc ... Gain ... Q ..."),
 *               the EQ format EasyEffects, PipeWire's parametric-equalizer
 *               module and AutoEq read
 *   easyeffects an EasyEffects input preset (LSP equalizer in its RBJ
 *               "APO (DR)" mode, compressor, limiter)
 *   sox         a POSIX shell script running SoX's effects
 *   ffmpeg      a POSIX shell script running an ffmpeg filter graph: each
 *               band is ffmpeg's biquad filter with bx's own coefficients at
 *               a stated rate, in double precision
 *   pedalboard  a Python script for Spotify's Pedalboard
 *
 * The EQ is exact where the target has RBJ-cookbook biquads with a Q (all but
 * Pedalboard's first-order pass filters); the compressor and limiter exist
 * only as the target's own, with other detectors. Every file says, in words,
 * what it approximates or leaves out (an EasyEffects preset, being JSON
 * without comments, through bx_export_notes). docs/export.md has the details.
 */
#ifndef BX_EXPORT_H
#define BX_EXPORT_H

#include "bx/chain.h"
#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bx_export_format {
    BX_EXPORT_APO = 0,
    BX_EXPORT_EASYEFFECTS,
    BX_EXPORT_SOX,
    BX_EXPORT_FFMPEG,
    BX_EXPORT_PEDALBOARD
} bx_export_format;

#define BX_EXPORT_FORMAT_COUNT 5

/** The ffmpeg export's default rate, Hz (its biquad coefficients hold at one rate). */
#define BX_EXPORT_DEFAULT_RATE_HZ 48000.0

/** "apo", "easyeffects", "sox", "ffmpeg", "pedalboard"; NULL for an unknown value. */
const char *bx_export_format_name(bx_export_format f);

/** Parse a format's name (case-insensitive) into *f: BX_OK, or BX_ERR_ARG if there is
 * none of that name. */
bx_status bx_export_format_parse(const char *name, bx_export_format *f);

/** What the file's name ends with: ".apo.txt", ".easyeffects.json", ".sox.sh",
 * ".ffmpeg.sh", ".pedalboard.py". */
const char *bx_export_suffix(bx_export_format f);

/**
 * The text of preset p (named `name`, which may be NULL) in format f. rate_hz
 * is the rate the ffmpeg export's coefficients are designed for (the others
 * hold at any rate). Returns a NUL-terminated string to release with
 * bx_free, or NULL with err set (BX_ERR_PRESET if p is not valid,
 * BX_ERR_RANGE for a rate that cannot hold a band, BX_ERR_NOMEM).
 */
char *bx_export(bx_export_format f, const bx_chain_params *p, const char *name, double rate_hz,
                bx_error *err);

/**
 * What format f approximates or leaves out of p, one line per item, each
 * ending in '\n' (the same sentences the file carries as comments); "" when
 * the export is exact. Release with bx_free; NULL if out of memory.
 */
char *bx_export_notes(bx_export_format f, const bx_chain_params *p, double rate_hz);

#ifdef __cplusplus
}
#endif

#endif /* BX_EXPORT_H */
