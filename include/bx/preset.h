/*
 * bx/preset.h — the preset model and its JSON form, versions 1 to 4.
 *
 *   { "bxpreset": 1, "name": "...", "description": "...",
 *     "chain": { "input_gain_db", "eq": [...], "compressor": {...},
 *                "output_gain_db", "limiter": {...} },
 *     "analysis": { ... } }
 *
 * presets/README.md documents every field, unit, default and range. Loading
 * validates everything; an error message starts with the origin (file name)
 * and names the field: "deep.json: chain.eq[2].q: 0 is outside 0.1..40".
 * "analysis" is free-form: it is kept (as compact JSON text, numbers as
 * doubles) and written back on save.
 */
#ifndef BX_PRESET_H
#define BX_PRESET_H

#include <stddef.h>

#include "bx/chain.h"
#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The newest preset format version this library reads and writes. Version 2
 * adds the "branch" compressor detector, version 3 the "rms_level" detector
 * and its "rms_ms", version 4 the "power" and "mean_level" detectors (and "mean_ms"); a preset is
 * written with the lowest version that holds it (bx_preset_version_for), so one without a newer
 * version's features stays readable by a bx that knows only the older one. */
#define BX_PRESET_VERSION 4
/** The oldest version it reads (read unchanged). */
#define BX_PRESET_VERSION_MIN 1
/** Largest preset file accepted, bytes. */
#define BX_PRESET_MAX_BYTES (4u * 1024u * 1024u)
/** Deepest JSON nesting accepted (objects and arrays). */
#define BX_PRESET_MAX_DEPTH 64
/** Longest "name", bytes of UTF-8. */
#define BX_PRESET_NAME_MAX 256
/** Longest "description", bytes of UTF-8. */
#define BX_PRESET_DESCRIPTION_MAX 4096

typedef struct bx_preset {
    char *name;        /**< owned UTF-8, never NULL after init ("" if absent) */
    char *description; /**< owned UTF-8, NULL if absent */
    bx_chain_params chain;
    char *analysis_json; /**< owned compact JSON object text, NULL if absent */
} bx_preset;

/** An empty preset: identity chain, empty name. BX_ERR_NOMEM possible. */
bx_status bx_preset_init(bx_preset *p);

/** Release what a preset owns (safe on a zeroed or half-filled preset). */
void bx_preset_free(bx_preset *p);

/** Replace the name (copied). */
bx_status bx_preset_set_name(bx_preset *p, const char *name);

/** Whether a preset can carry this name: at most BX_PRESET_NAME_MAX bytes of
 * well-formed UTF-8 (BX_ERR_ARG saying which rule it breaks). */
bx_status bx_preset_check_name(const char *name, bx_error *err);

/**
 * Parse and validate `len` bytes of JSON. `origin` prefixes every message
 * (usually the file name). On failure *out is left empty (freed) and the
 * status is BX_ERR_PARSE (not JSON, too big, too deep, bad UTF-8, NUL byte),
 * BX_ERR_PRESET (wrong content) or BX_ERR_NOMEM.
 */
bx_status bx_preset_parse(const char *text, size_t len, const char *origin, bx_preset *out,
                          bx_error *err);

/** Read and parse a preset file. Adds BX_ERR_IO for unreadable files. */
bx_status bx_preset_load(const char *path, bx_preset *out, bx_error *err);

/**
 * Serialise to indented JSON (exact round trip of every number). Returns a
 * NUL-terminated string to release with bx_free, or NULL with err set.
 */
char *bx_preset_to_json(const bx_preset *p, bx_error *err);

/** The lowest preset format version that holds chain c (1; 2 for a "branch" detector, 3 for
 * "rms_level", 4 for "power" or "mean_level"). */
int bx_preset_version_for(const bx_chain_params *c);

/** Validate, serialise and write atomically (temp file + rename). */
bx_status bx_preset_save(const char *path, const bx_preset *p, bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_PRESET_H */
