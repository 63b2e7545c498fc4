/* fuzz_preset — libFuzzer harness for the preset parser and validator, and
 * for the chain and engine made from whatever they accept.
 *
 * Every input is a preset file's content. What is checked (abort() on a
 * broken promise, so libFuzzer keeps the input):
 *  - bx_preset_parse never crashes, leaks or reads out of bounds; a refusal
 *    has one of the documented status codes and a one-line message that
 *    starts with the origin (bx/preset.h);
 *  - an accepted preset passes bx_chain_params_check, is written back by
 *    bx_preset_to_json, and that text parses to the same parameters (every
 *    double bit for bit), name, description and analysis;
 *  - a chain is made from it at 44.1 kHz stereo and 96 kHz mono (or refused
 *    with BX_ERR_RANGE, for a band at or above that rate's Nyquist frequency)
 *    and runs in an engine on loud noise with a NaN and an infinity in it,
 *    with a hot reload and a bypass crossfade: the output is finite, and
 *    with a limiter it stays under the ceiling while neither fade runs;
 *  - the same parse with one allocation failing (which one depends on the
 *    input) frees everything and either fails or gives the same preset;
 *  - the reference profile of an accepted preset (bx/profile.h) is read or
 *    refused with BX_ERR_PRESET and a one-line message that starts with the
 *    origin.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/engine.h"
#include "bx/preset.h"
#include "bx/profile.h"

#define ORIGIN "fuzz.json"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_preset: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

#include "fuzz_alloc.h"

/* ---- checks ---------------------------------------------------------------- */

static void check_message(const bx_error *err, bx_status st)
{
    if (err->code != st)
        fail("the error's code differs from the status returned", err->msg);
    if (st != BX_ERR_PARSE && st != BX_ERR_PRESET && st != BX_ERR_NOMEM)
        fail("undocumented status from bx_preset_parse", bx_strerror(st));
    if (strncmp(err->msg, ORIGIN ": ", strlen(ORIGIN ": ")) != 0)
        fail("message does not start with the origin", err->msg);
    for (const unsigned char *c = (const unsigned char *)err->msg; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            fail("control character in a message", err->msg);
}

/* Same parameters, every double bit for bit. */
static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_params(const bx_chain_params *a, const bx_chain_params *b)
{
    if (a->n_bands != b->n_bands || a->has_comp != b->has_comp ||
        a->has_limiter != b->has_limiter || !same_bits(a->input_gain_db, b->input_gain_db) ||
        !same_bits(a->output_gain_db, b->output_gain_db))
        return 0;
    for (unsigned i = 0; i < a->n_bands; i++) {
        const bx_band *x = &a->bands[i], *y = &b->bands[i];
        if (x->type != y->type || !same_bits(x->freq_hz, y->freq_hz) ||
            !same_bits(x->gain_db, y->gain_db) || !same_bits(x->q, y->q))
            return 0;
    }
    if (a->has_comp) {
        const bx_comp_params *x = &a->comp, *y = &b->comp;
        if (!same_bits(x->threshold_db, y->threshold_db) || !same_bits(x->ratio, y->ratio) ||
            !same_bits(x->knee_db, y->knee_db) || !same_bits(x->attack_ms, y->attack_ms) ||
            !same_bits(x->release_ms, y->release_ms) || !same_bits(x->makeup_db, y->makeup_db) ||
            x->detector != y->detector || x->has_start_level != y->has_start_level ||
            (x->has_start_level && !same_bits(x->start_level_db, y->start_level_db)))
            return 0;
    }
    return !a->has_limiter || same_bits(a->ceiling_db, b->ceiling_db);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_preset(const bx_preset *a, const bx_preset *b)
{
    return same_params(&a->chain, &b->chain) && same_text(a->name, b->name) &&
           same_text(a->description, b->description) &&
           same_text(a->analysis_json, b->analysis_json);
}

/* ---- the chain and the engine ------------------------------------------------ */

#define BLOCK 300 /* not a multiple of the engine's grid */

static uint64_t noise_state;

static float noise(void)
{
    noise_state ^= noise_state >> 12;
    noise_state ^= noise_state << 25;
    noise_state ^= noise_state >> 27;
    const uint64_t r = noise_state * 2685821657736338717ull;
    return (float)((double)(r >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0);
}

/* Run `frames` frames of noise peaking at +12 dBFS through e; returns the
 * largest |output|. */
static double run(bx_engine *e, unsigned channels, size_t frames, int poison)
{
    float in[BLOCK * 2], out[BLOCK * 2];
    double peak = 0;
    while (frames > 0) {
        const size_t n = frames < BLOCK ? frames : BLOCK;
        for (size_t i = 0; i < n * channels; i++)
            in[i] = 4.0f * noise();
        if (poison) {
            in[0] = NAN;
            in[n * channels - 1] = INFINITY;
        }
        bx_engine_process(e, in, out, n, NULL);
        for (size_t i = 0; i < n * channels; i++) {
            if (!isfinite(out[i]))
                fail("non-finite engine output", NULL);
            peak = fmax(peak, fabs(out[i]));
        }
        frames -= n;
    }
    return peak;
}

static void exercise_chain(const bx_chain_params *p, double rate_hz, unsigned channels)
{
    bx_error err;
    bx_chain *c = bx_chain_create(p, rate_hz, channels, &err);
    if (!c) {
        /* the parser checked everything but Nyquist */
        if (err.code != BX_ERR_RANGE && err.code != BX_ERR_NOMEM)
            fail("bx_chain_create refused a valid preset", err.msg);
        return;
    }
    bx_engine *e = bx_engine_create(c, rate_hz, channels, &err);
    if (!e) {
        bx_chain_destroy(c);
        if (err.code != BX_ERR_NOMEM)
            fail("bx_engine_create failed", err.msg);
        return;
    }
    noise_state = 0x9E3779B97F4A7C15ull;
    const size_t fade = (size_t)(BX_FADE_MS * 1e-3 * rate_hz) + 2 * BX_ENGINE_GRID;
    double peak = run(e, channels, 2 * BLOCK, 1);
    /* the limiter's ceiling, rounded down to a float as bx_limiter does */
    const double ceiling = p->has_limiter ? (double)(float)pow(10.0, p->ceiling_db / 20.0) : 0;
    if (p->has_limiter && peak > ceiling * (1.0 + 1e-6)) {
        char d[96];
        snprintf(d, sizeof d, "peak %.9g above the ceiling %.9g", peak, ceiling);
        fail("limiter", d);
    }
    /* hot reload to an identity chain and back, then bypass on and off */
    bx_chain_params id;
    bx_chain_params_default(&id);
    for (int k = 0; k < 2; k++) {
        bx_chain *next = bx_chain_create(k == 0 ? &id : p, rate_hz, channels, &err);
        if (!next)
            break; /* out of memory */
        if (bx_engine_post_chain(e, next) != BX_OK)
            fail("bx_engine_post_chain refused with nothing pending", NULL);
        run(e, channels, fade, 0);
        bx_chain_destroy(bx_engine_collect(e));
    }
    bx_engine_set_bypass(e, 1);
    run(e, channels, fade, 1);
    bx_engine_set_bypass(e, 0);
    run(e, channels, fade, 0);
    peak = run(e, channels, BLOCK, 0);
    if (p->has_limiter && peak > ceiling * (1.0 + 1e-6))
        fail("limiter after the fades", NULL);
    bx_engine_destroy(e);
}

/* ---- the preset ------------------------------------------------------------ */

/* Parse, check, round trip. Returns the status of the first parse; on BX_OK
 * *out holds the preset. */
static bx_status parse_and_check(const char *text, size_t len, bx_preset *out)
{
    bx_error err;
    bx_error_clear(&err);
    const bx_status st = bx_preset_parse(text, len, ORIGIN, out, &err);
    if (st) {
        check_message(&err, st);
        if (out->name || out->description || out->analysis_json)
            fail("a refused preset was not left empty", NULL);
        return st;
    }
    if (!out->name)
        fail("an accepted preset has no name", NULL);
    if (bx_chain_params_check(&out->chain, 0.0, &err))
        fail("an accepted preset fails bx_chain_params_check", err.msg);
    char *json = bx_preset_to_json(out, &err);
    bx_preset again;
    bx_status st2 = BX_ERR_NOMEM;
    if (json) {
        st2 = bx_preset_parse(json, strlen(json), ORIGIN, &again, &err);
        bx_free(json);
    } else if (err.code != BX_ERR_NOMEM) {
        fail("an accepted preset cannot be written", err.msg);
    }
    if (st2 == BX_ERR_NOMEM) {
        bx_preset_free(out);
        return BX_ERR_NOMEM;
    }
    if (st2)
        fail("a written preset does not parse", err.msg);
    const int same = same_preset(out, &again);
    bx_preset_free(&again);
    if (!same)
        fail("the preset changed in a write and read round trip", NULL);
    return BX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes: ASan catches any read past the end */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);

    bx_set_allocator(fuzz_alloc, fuzz_free, NULL);
    alloc_count = 0;
    alloc_fail_at = 0;
    bx_preset p;
    const bx_status st = parse_and_check(text, size, &p);
    if (st == BX_OK) {
        exercise_chain(&p.chain, 44100.0, 2);
        exercise_chain(&p.chain, 96000.0, 1);
        bx_profile *prof = NULL;
        bx_error perr;
        const bx_status pst = bx_profile_from_preset(&p, ORIGIN, &prof, &perr);
        if (pst == BX_OK) {
            if (!prof || bx_profile_spectrum(prof)->n_bins < 129 || !(bx_profile_rate_hz(prof) > 0))
                fail("a profile read without its spectrum or rate", NULL);
            bx_profile_free(prof);
        } else {
            if (pst != BX_ERR_PRESET && pst != BX_ERR_NOMEM)
                fail("a profile refused with an undocumented status", perr.msg);
            check_message(&perr, pst);
        }
    }

    /* again, with one of the parser's allocations failing */
    const unsigned long n_alloc = alloc_count;
    if (n_alloc > 0) {
        alloc_count = 0;
        alloc_fail_at = 1 + fnv1a(data, size, FNV1A_START) % n_alloc;
        bx_preset q;
        bx_error err;
        const bx_status st2 = bx_preset_parse(text, size, ORIGIN, &q, &err);
        alloc_fail_at = 0;
        if (st2 == BX_OK) {
            if (st != BX_OK || !same_preset(&p, &q))
                fail("with an allocation failing, the parse succeeded differently", NULL);
            bx_preset_free(&q);
        } else {
            check_message(&err, st2);
        }
    }
    if (st == BX_OK)
        bx_preset_free(&p);
    bx_set_allocator(NULL, NULL, NULL);
    free(text);
    return 0;
}
