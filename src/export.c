/* export.c — a preset in the formats of other tools (bx/export.h). */
#include "bx/export.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bx/biquad.h"
#include "bx/comp.h"
#include "bx/limiter.h"
#include "bx/version.h"

static const char *const format_names[BX_EXPORT_FORMAT_COUNT] = {"apo", "easyeffects", "sox",
                                                                 "ffmpeg", "pedalboard"};
static const char *const format_suffixes[BX_EXPORT_FORMAT_COUNT] = {
    ".apo.txt", ".easyeffects.json", ".sox.sh", ".ffmpeg.sh", ".pedalboard.py"};

const char *bx_export_format_name(bx_export_format f)
{
    return (unsigned)f < BX_EXPORT_FORMAT_COUNT ? format_names[f] : NULL;
}

bx_status bx_export_format_parse(const char *name, bx_export_format *f)
{
    for (int k = 0; name && k < BX_EXPORT_FORMAT_COUNT; k++) {
        const char *a = name, *b = format_names[k];
        while (*a && tolower((unsigned char)*a) == *b)
            a++, b++;
        if (!*a && !*b) {
            *f = (bx_export_format)k;
            return BX_OK;
        }
    }
    return BX_ERR_ARG;
}

const char *bx_export_suffix(bx_export_format f)
{
    return (unsigned)f < BX_EXPORT_FORMAT_COUNT ? format_suffixes[f] : NULL;
}

/* ---- a growing string ------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    const int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0 || b->n + (size_t)len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (len >= 0 && b->n + (size_t)len + 1 > cap)
            cap *= 2;
        char *s = len < 0 ? NULL : bx_malloc(cap);
        if (!s) {
            b->oom = 1;
            va_end(aq);
            return;
        }
        if (b->n)
            memcpy(s, b->s, b->n);
        bx_free(b->s);
        b->s = s;
        b->cap = cap;
    }
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, aq);
    va_end(aq);
    b->n += (size_t)len;
}

/* b's text, or NULL (and err) if an allocation failed; b is given away. */
static char *sb_finish(sbuf *b, bx_error *err)
{
    if (!b->oom && !b->s)
        sb_printf(b, "%s", "");
    if (b->oom) {
        bx_free(b->s);
        if (err)
            bx_error_set(err, BX_ERR_NOMEM, "out of memory writing an export");
        return NULL;
    }
    return b->s;
}

/* The preset's name for a comment line: control characters become spaces,
 * so no name can end the comment (and run as a command in a script). */
static void sb_name(sbuf *b, const char *name)
{
    sb_printf(b, "\"");
    for (const char *c = name ? name : ""; *c; c++)
        sb_printf(b, "%c", (unsigned char)*c < 0x20 || *c == 0x7f ? ' ' : *c);
    sb_printf(b, "\"");
}

/* ---- what each target leaves out -------------------------------------------------- */

/* LSP's RMS sidechain averages over a sliding window of `reactivity` ms; a
 * one-pole mean square over this share of the window matches it best
 * (tests/test_lsp_rms_compare.py: bx's rms_level against the plugin) */
#define LSP_WINDOW_TO_TAU 0.7

/* LSP times its one-poles (the low-pass sidechain's over `reactivity`, the
 * attack and the release) to 1 - 1/sqrt(2) of a step: a time constant of
 * its time / this (tests/test_lsp_rms_compare.py) */
#define LSP_TIME_PER_TAU 1.2279471772995156 /* -ln(1 - 1/sqrt(2)) */

/* The reactivity (ms) of LSP's sidechain for c: rms_level's window (at most
 * 143 ms, within LSP's 250), mean_level's low-pass, else bx's own RMS time */
static double lsp_reactivity_ms(const bx_comp_params *c)
{
    return c->detector == BX_DETECTOR_RMS_LEVEL    ? bx_comp_rms_ms(c) / LSP_WINDOW_TO_TAU
           : c->detector == BX_DETECTOR_MEAN_LEVEL ? bx_comp_rms_ms(c) * LSP_TIME_PER_TAU
                                                   : BX_COMP_RMS_MS;
}

/* LSP's sidechain mode for c (EasyEffects' names) */
static const char *lsp_mode(const bx_comp_params *c)
{
    return c->detector == BX_DETECTOR_MEAN_LEVEL ? "Low-Pass"
           : bx_detector_is_rms(c->detector)     ? "RMS"
                                                 : "Peak";
}

static void comp_words(sbuf *b, const bx_comp_params *c)
{
    sb_printf(b, "threshold %.1f dB, ratio %.2f:1, ", c->threshold_db, c->ratio);
    if (c->detector == BX_DETECTOR_POWER)
        sb_printf(b, "power-sum knee, ");
    else
        sb_printf(b, "knee %.1f dB, ", c->knee_db);
    sb_printf(b, "attack %.1f ms, release %.1f ms, makeup %+.1f dB, %s detector", c->attack_ms,
              c->release_ms, c->makeup_db, bx_detector_name(c->detector));
    if (c->detector == BX_DETECTOR_RMS_LEVEL)
        sb_printf(b, " (RMS over %.3g ms)", bx_comp_rms_ms(c));
    if (c->detector == BX_DETECTOR_MEAN_LEVEL)
        sb_printf(b, " (mean |x| over %.3g ms)", bx_comp_rms_ms(c));
    if (c->detector == BX_DETECTOR_POWER && c->hold)
        sb_printf(b, " with hold");
}

static int has_pass(const bx_chain_params *p)
{
    for (unsigned k = 0; k < p->n_bands; k++)
        if (p->bands[k].type == BX_BIQUAD_HIGHPASS || p->bands[k].type == BX_BIQUAD_LOWPASS)
            return 1;
    return 0;
}

/* The notes of format f, one line each, each started with `lead`. */
static void notes_lines(sbuf *b, bx_export_format f, const bx_chain_params *p, double rate_hz,
                        const char *lead)
{
    const bx_comp_params *c = &p->comp;
    switch (f) {
    case BX_EXPORT_APO:
        if (p->has_comp) {
            sb_printf(b, "%sLeft out: the compressor (", lead);
            comp_words(b, c);
            sb_printf(b,
                      "): Equalizer APO has no dynamics. Its makeup gain is left out with it.\n");
        }
        if (p->has_limiter)
            sb_printf(b,
                      "%sLeft out: the safety limiter at %.1f dBFS. Keep headroom with Preamp "
                      "or limit after Equalizer APO.\n",
                      lead, p->ceiling_db);
        if (has_pass(p))
            sb_printf(b,
                      "%sHPQ and LPQ lines are Equalizer APO's; PipeWire's parametric-equalizer "
                      "module reads PK, LSC and HSC only.\n",
                      lead);
        break;
    case BX_EXPORT_EASYEFFECTS:
        if (p->has_comp && c->detector == BX_DETECTOR_RMS_LEVEL)
            sb_printf(b,
                      "%sApproximate: the compressor is LSP's, with bx's threshold, ratio, "
                      "attack, release and makeup but its own detector (RMS over a sliding "
                      "window of %.3g ms for bx's %.3g ms average) and knee shape.\n",
                      lead, lsp_reactivity_ms(c), bx_comp_rms_ms(c));
        else if (p->has_comp && c->detector == BX_DETECTOR_MEAN_LEVEL)
            sb_printf(b,
                      "%sApproximate: the compressor is LSP's, with bx's threshold, ratio, "
                      "attack, release and makeup and its Low-Pass sidechain (reactivity "
                      "%.3g ms for bx's %.3g ms average of |x|), but its own knee shape.\n",
                      lead, lsp_reactivity_ms(c), bx_comp_rms_ms(c));
        else if (p->has_comp)
            sb_printf(b,
                      "%sApproximate: the compressor is LSP's, with bx's threshold, ratio, "
                      "attack, release and makeup but its own detector (%s) and knee shape.\n",
                      lead, bx_detector_is_rms(c->detector) ? "RMS" : "Peak");
        if (p->has_limiter)
            sb_printf(b,
                      "%sApproximate: the limiter is LSP's at %.1f dBFS; it looks ahead 1 ms, "
                      "which delays the output by as much.\n",
                      lead, p->ceiling_db);
        break;
    case BX_EXPORT_SOX:
        if (p->has_comp)
            sb_printf(b,
                      "%sApproximate: compand has bx's static curve (threshold, ratio, knee, "
                      "makeup) but follows the level with its own attack/decay integrator, not "
                      "bx's %s detector.\n",
                      lead, bx_detector_name(c->detector));
        if (p->has_limiter)
            sb_printf(b,
                      "%sLeft out: the safety limiter at %.1f dBFS. SoX clips at full scale "
                      "(its -G option lowers the gain instead).\n",
                      lead, p->ceiling_db);
        break;
    case BX_EXPORT_FFMPEG:
        sb_printf(b,
                  "%sThe EQ is exact at %.0f Hz; audio at another rate is resampled to %.0f Hz "
                  "first (export at your rate with --export-rate).\n",
                  lead, rate_hz, rate_hz);
        if (p->has_comp)
            sb_printf(b,
                      "%sApproximate: acompressor has bx's threshold, ratio, attack, release, "
                      "makeup and knee width, within its ranges, but its own detector and knee "
                      "shape.\n",
                      lead);
        if (p->has_limiter)
            sb_printf(b,
                      "%sLeft out: the safety limiter at %.1f dBFS (ffmpeg's alimiter looks "
                      "ahead). Write a float format to keep peaks above full scale.\n",
                      lead, p->ceiling_db);
        break;
    case BX_EXPORT_PEDALBOARD:
        if (has_pass(p))
            sb_printf(b,
                      "%sApproximate: Pedalboard's HighpassFilter and LowpassFilter are first "
                      "order with no Q; each bx pass band is two of them (12 dB/octave, -6 dB "
                      "at the corner).\n",
                      lead);
        if (p->has_comp)
            sb_printf(b,
                      "%sApproximate: Compressor (JUCE's) has a hard knee and its own "
                      "detector; bx's makeup is the Gain after it.\n",
                      lead);
        if (p->has_limiter)
            sb_printf(b, "%sApproximate: Limiter is JUCE's, not bx's zero-latency limiter.\n",
                      lead);
        break;
    }
}

/* The notes of format f as comment lines of a file: started with `lead`
 * ("# "), wrapped at 80 columns. */
static void notes(sbuf *b, bx_export_format f, const bx_chain_params *p, double rate_hz,
                  const char *lead)
{
    enum { WIDTH = 80 };
    sbuf raw = {0};
    notes_lines(&raw, f, p, rate_hz, "");
    if (raw.oom) {
        b->oom = 1;
    }
    const size_t room = WIDTH - strlen(lead);
    for (const char *line = raw.s; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        while (n > room) { /* break at the last space that fits (a word longer stays whole) */
            size_t cut = room;
            while (cut > 0 && line[cut] != ' ')
                cut--;
            if (cut == 0)
                break;
            sb_printf(b, "%s%.*s\n", lead, (int)cut, line);
            line += cut + 1;
            n -= cut + 1;
        }
        sb_printf(b, "%s%.*s\n", lead, (int)n, line);
        line += n + (nl ? 1 : 0);
    }
    bx_free(raw.s);
}

char *bx_export_notes(bx_export_format f, const bx_chain_params *p, double rate_hz)
{
    sbuf b = {0};
    notes_lines(&b, f, p, rate_hz, "");
    return sb_finish(&b, NULL);
}

/* ---- Equalizer APO ---------------------------------------------------------------- */

static void write_apo(sbuf *b, const bx_chain_params *p, const char *name, double rate_hz)
{
    sb_printf(b, "# bx preset ");
    sb_name(b, name);
    sb_printf(b,
              " for Equalizer APO (bx %s).\n"
              "# EasyEffects, PipeWire's parametric-equalizer module and AutoEq read the "
              "same lines.\n",
              BX_VERSION_STRING);
    notes(b, BX_EXPORT_APO, p, rate_hz, "# ");
    sb_printf(b, "Preamp: %.2f dB\n", p->input_gain_db + p->output_gain_db);
    for (unsigned k = 0; k < p->n_bands; k++) {
        const bx_band *band = &p->bands[k];
        sb_printf(b, "Filter %u: ON ", k + 1);
        switch (band->type) {
        case BX_BIQUAD_PEAK:
            sb_printf(b, "PK Fc %.2f Hz Gain %.2f dB Q %.4f\n", band->freq_hz, band->gain_db,
                      band->q);
            break;
        case BX_BIQUAD_LOW_SHELF:
        case BX_BIQUAD_HIGH_SHELF:
            sb_printf(b, "%s Fc %.2f Hz Gain %.2f dB Q %.4f\n",
                      band->type == BX_BIQUAD_LOW_SHELF ? "LSC" : "HSC", band->freq_hz,
                      band->gain_db, band->q);
            break;
        default:
            sb_printf(b, "%s Fc %.2f Hz Q %.4f\n", band->type == BX_BIQUAD_HIGHPASS ? "HPQ" : "LPQ",
                      band->freq_hz, band->q);
            break;
        }
    }
}

/* ---- SoX -------------------------------------------------------------------------- */

/* compand's transfer points and gains for compressor c (the static curve of
 * bx_comp_static_db: unity below the threshold, 1/ratio above it). */
static void sox_compand(sbuf *b, const bx_comp_params *c)
{
    const double t = c->threshold_db, top = t - t / c->ratio;
    sb_printf(b, "    compand %.10g,%.10g ", c->attack_ms / 1000.0, c->release_ms / 1000.0);
    if (bx_comp_knee_width_db(c) > 0.0)
        sb_printf(b, "%.10g:", bx_comp_knee_width_db(c));
    sb_printf(b, "-120,-120,%.10g,%.10g,0,%.10g %.10g %.10g 0 \\\n", t, t, top, c->makeup_db,
              c->has_start_level ? c->start_level_db : -120.0);
}

static void script_head(sbuf *b, const char *what, const char *name)
{
    sb_printf(b, "#!/bin/sh\n# bx preset ");
    sb_name(b, name);
    sb_printf(b, " as %s (bx %s).\n", what, BX_VERSION_STRING);
}

static void write_sox(sbuf *b, const bx_chain_params *p, const char *name, double rate_hz)
{
    script_head(b, "a SoX effects chain", name);
    sb_printf(b, "# usage: sh THIS IN OUT [SoX output options, e.g. -b 24]\n"
                 "# The EQ is exact: SoX's highpass, lowpass, bass, treble and equalizer are the\n"
                 "# RBJ cookbook biquads bx runs.\n");
    notes(b, BX_EXPORT_SOX, p, rate_hz, "# ");
    sb_printf(b, "if [ $# -lt 2 ]; then\n"
                 "    echo \"usage: sh $0 IN OUT [SoX output options]\" >&2\n"
                 "    exit 2\n"
                 "fi\n"
                 "in=$1\n"
                 "out=$2\n"
                 "shift 2\n"
                 "exec sox \"$in\" \"$@\" \"$out\" \\\n");
    if (p->input_gain_db != 0.0)
        sb_printf(b, "    gain %.10g \\\n", p->input_gain_db);
    for (unsigned k = 0; k < p->n_bands; k++) {
        const bx_band *band = &p->bands[k];
        switch (band->type) {
        case BX_BIQUAD_PEAK:
            sb_printf(b, "    equalizer %.10g %.10gq %.10g \\\n", band->freq_hz, band->q,
                      band->gain_db);
            break;
        case BX_BIQUAD_LOW_SHELF:
        case BX_BIQUAD_HIGH_SHELF:
            sb_printf(b, "    %s %.10g %.10g %.10gq \\\n",
                      band->type == BX_BIQUAD_LOW_SHELF ? "bass" : "treble", band->gain_db,
                      band->freq_hz, band->q);
            break;
        default:
            sb_printf(b, "    %s -2 %.10g %.10gq \\\n",
                      band->type == BX_BIQUAD_HIGHPASS ? "highpass" : "lowpass", band->freq_hz,
                      band->q);
            break;
        }
    }
    if (p->has_comp)
        sox_compand(b, &p->comp);
    if (p->output_gain_db != 0.0)
        sb_printf(b, "    gain %.10g \\\n", p->output_gain_db);
    /* the last line continues onto an empty one: every effect line keeps its '\' */
    sb_printf(b, "\n");
}

/* ---- ffmpeg ----------------------------------------------------------------------- */

static void ff_volume(sbuf *b, double db)
{
    sb_printf(b, ",\\\nvolume=%.10gdB:precision=double", db);
}

static bx_status write_ffmpeg(sbuf *b, const bx_chain_params *p, const char *name, double rate_hz,
                              bx_error *err)
{
    script_head(b, "an ffmpeg filter graph", name);
    sb_printf(b,
              "# usage: sh THIS IN OUT [ffmpeg output options, e.g. -c:a pcm_f32le -y]\n"
              "# Each EQ band is ffmpeg's biquad filter with bx's coefficients at %.0f Hz,\n"
              "# run in double precision in transposed direct form II, as bx runs them.\n",
              rate_hz);
    notes(b, BX_EXPORT_FFMPEG, p, rate_hz, "# ");
    sb_printf(b,
              "if [ $# -lt 2 ]; then\n"
              "    echo \"usage: sh $0 IN OUT [ffmpeg output options]\" >&2\n"
              "    exit 2\n"
              "fi\n"
              "in=$1\n"
              "out=$2\n"
              "shift 2\n"
              "exec ffmpeg -hide_banner -nostdin -i \"$in\" -af \"aformat=sample_rates=%.0f",
              rate_hz);
    if (p->input_gain_db != 0.0)
        ff_volume(b, p->input_gain_db);
    for (unsigned k = 0; k < p->n_bands; k++) {
        const bx_band *band = &p->bands[k];
        bx_biquad_coefs c;
        bx_error e2;
        if (bx_biquad_design(band->type, band->freq_hz, band->gain_db, band->q, rate_hz, &c, &e2)) {
            bx_error_set(err, BX_ERR_RANGE, "--export ffmpeg at %.0f Hz: band %u: %s", rate_hz,
                         k + 1, e2.msg);
            return BX_ERR_RANGE;
        }
        sb_printf(b,
                  ",\\\nbiquad=b0=%.17g:b1=%.17g:b2=%.17g:a0=1:a1=%.17g:a2=%.17g"
                  ":transform=tdii:precision=f64",
                  c.b0, c.b1, c.b2, c.a1, c.a2);
    }
    if (p->has_comp) {
        const bx_comp_params *c = &p->comp;
        /* acompressor's ranges: threshold 2^-10..1, ratio 1..20, attack 0.01..2000 ms,
         * release 0.01..9000 ms, makeup 1..64, knee 1..8 (linear factors) */
        sb_printf(b,
                  ",\\\nacompressor=threshold=%.10g:ratio=%.10g:attack=%.10g:release=%.10g"
                  ":makeup=%.10g:knee=%.10g:detection=%s:link=maximum",
                  fmin(fmax(pow(10.0, c->threshold_db / 20.0), 0.0009765625), 1.0),
                  fmin(c->ratio, 20.0), fmin(fmax(c->attack_ms, 0.01), 2000.0),
                  fmin(fmax(c->release_ms, 0.01), 9000.0),
                  fmin(fmax(pow(10.0, c->makeup_db / 20.0), 1.0), 64.0),
                  fmin(fmax(pow(10.0, bx_comp_knee_width_db(c) / 20.0), 1.0), 8.0),
                  bx_detector_is_rms(c->detector) ? "rms" : "peak");
        if (c->makeup_db < 0.0)
            ff_volume(b, c->makeup_db); /* acompressor's makeup does not cut */
    }
    if (p->output_gain_db != 0.0)
        ff_volume(b, p->output_gain_db);
    sb_printf(b, "\" \"$@\" \"$out\"\n");
    return BX_OK;
}

/* ---- Pedalboard ------------------------------------------------------------------- */

static void write_pedalboard(sbuf *b, const bx_chain_params *p, const char *name, double rate_hz)
{
    sb_printf(b, "# bx preset ");
    sb_name(b, name);
    sb_printf(b,
              " for Spotify's Pedalboard (bx %s): pip install pedalboard\n"
              "# usage: python3 THIS IN OUT, or import it and call board(audio, rate).\n"
              "# PeakFilter, LowShelfFilter and HighShelfFilter are the RBJ cookbook biquads "
              "bx runs.\n",
              BX_VERSION_STRING);
    notes(b, BX_EXPORT_PEDALBOARD, p, rate_hz, "# ");
    sb_printf(b, "import sys\n\n"
                 "from pedalboard import (Compressor, Gain, HighpassFilter, HighShelfFilter, "
                 "Limiter,\n"
                 "                        LowpassFilter, LowShelfFilter, PeakFilter, "
                 "Pedalboard)\n\n"
                 "board = Pedalboard([\n");
    if (p->input_gain_db != 0.0)
        sb_printf(b, "    Gain(gain_db=%.10g),\n", p->input_gain_db);
    static const char *const filters[] = {"PeakFilter", "LowShelfFilter", "HighShelfFilter",
                                          "HighpassFilter", "LowpassFilter"};
    for (unsigned k = 0; k < p->n_bands; k++) {
        const bx_band *band = &p->bands[k];
        const char *f = filters[band->type];
        if (bx_biquad_type_has_gain(band->type))
            sb_printf(b, "    %s(cutoff_frequency_hz=%.10g, gain_db=%.10g, q=%.10g),\n", f,
                      band->freq_hz, band->gain_db, band->q);
        else
            for (int twice = 0; twice < 2; twice++)
                sb_printf(b, "    %s(cutoff_frequency_hz=%.10g),\n", f, band->freq_hz);
    }
    if (p->has_comp) {
        const bx_comp_params *c = &p->comp;
        sb_printf(b,
                  "    Compressor(threshold_db=%.10g, ratio=%.10g, attack_ms=%.10g, "
                  "release_ms=%.10g),\n",
                  c->threshold_db, c->ratio, c->attack_ms, c->release_ms);
    }
    const double out_db = p->output_gain_db + (p->has_comp ? p->comp.makeup_db : 0.0);
    if (out_db != 0.0)
        sb_printf(b, "    Gain(gain_db=%.10g),\n", out_db);
    if (p->has_limiter)
        sb_printf(b, "    Limiter(threshold_db=%.10g, release_ms=%.10g),\n", p->ceiling_db,
                  BX_LIMITER_RELEASE_MS);
    sb_printf(b, "])\n\n"
                 "if __name__ == \"__main__\":\n"
                 "    from pedalboard.io import AudioFile\n"
                 "    if len(sys.argv) != 3:\n"
                 "        sys.exit(\"usage: python3 %%s IN OUT\" %% sys.argv[0])\n"
                 "    with AudioFile(sys.argv[1]) as f:\n"
                 "        audio, rate = f.read(f.frames), f.samplerate\n"
                 "    out = board(audio, rate)\n"
                 "    with AudioFile(sys.argv[2], \"w\", rate, out.shape[0]) as f:\n"
                 "        f.write(out)\n");
}

/* ---- EasyEffects ------------------------------------------------------------------ */

static int add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static int add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v) != NULL;
}

static int add_bool(cJSON *o, const char *k, int v)
{
    return cJSON_AddBoolToObject(o, k, v) != NULL;
}

/* One channel's bands of the LSP equalizer, in its RBJ ("APO (DR)") mode. */
static cJSON *ee_bands(const bx_chain_params *p)
{
    static const char *const types[] = {"Bell", "Lo-shelf", "Hi-shelf", "Hi-pass", "Lo-pass"};
    cJSON *ch = cJSON_CreateObject();
    int ok = ch != NULL;
    const unsigned n = p->n_bands ? p->n_bands : 1;
    for (unsigned k = 0; ok && k < n; k++) {
        /* no band: one muted bell, since the equalizer has at least one */
        const bx_band none = {BX_BIQUAD_PEAK, 1000.0, 0.0, 0.7071};
        const bx_band *band = p->n_bands ? &p->bands[k] : &none;
        char key[16];
        snprintf(key, sizeof key, "band%u", k);
        cJSON *o = cJSON_AddObjectToObject(ch, key);
        ok = o && add_num(o, "frequency", band->freq_hz) &&
             add_num(o, "gain", bx_biquad_type_has_gain(band->type) ? band->gain_db : 0.0) &&
             add_str(o, "mode", "APO (DR)") && add_bool(o, "mute", p->n_bands == 0) &&
             add_num(o, "q", band->q) && add_str(o, "slope", "x1") && add_bool(o, "solo", 0) &&
             add_str(o, "type", types[band->type]) && add_num(o, "width", 4.0);
    }
    if (!ok) {
        cJSON_Delete(ch);
        return NULL;
    }
    return ch;
}

static int ee_equalizer(cJSON *in, const bx_chain_params *p)
{
    cJSON *eq = cJSON_AddObjectToObject(in, "equalizer#0");
    int ok = eq && add_num(eq, "balance", 0.0) && add_bool(eq, "bypass", 0) &&
             add_num(eq, "input-gain", p->input_gain_db);
    for (int side = 0; ok && side < 2; side++) {
        cJSON *ch = ee_bands(p);
        ok = ch && cJSON_AddItemToObject(eq, side ? "right" : "left", ch);
        if (!ok)
            cJSON_Delete(ch);
    }
    return ok && add_str(eq, "mode", "IIR") &&
           add_num(eq, "num-bands", p->n_bands ? p->n_bands : 1) &&
           add_num(eq, "output-gain", p->has_comp ? 0.0 : p->output_gain_db) &&
           add_num(eq, "pitch-left", 0.0) && add_num(eq, "pitch-right", 0.0) &&
           add_bool(eq, "split-channels", 0);
}

static int ee_compressor(cJSON *in, const bx_chain_params *p)
{
    const bx_comp_params *c = &p->comp;
    cJSON *o = cJSON_AddObjectToObject(in, "compressor#0");
    cJSON *sc = o ? cJSON_AddObjectToObject(o, "sidechain") : NULL;
    /* LSP's knee is where the knee starts below the threshold: bx's half width */
    return sc && add_num(o, "attack", c->attack_ms * LSP_TIME_PER_TAU) &&
           add_num(o, "boost-amount", 6.0) && add_num(o, "boost-threshold", -72.0) &&
           add_bool(o, "bypass", 0) && add_num(o, "dry", -100.0) &&
           add_num(o, "hpf-frequency", 10.0) && add_str(o, "hpf-mode", "off") &&
           add_num(o, "input-gain", 0.0) &&
           add_num(o, "knee", fmax(-bx_comp_knee_width_db(c) / 2.0, -24.0)) &&
           add_num(o, "lpf-frequency", 20000.0) && add_str(o, "lpf-mode", "off") &&
           add_num(o, "makeup", c->makeup_db) && add_str(o, "mode", "Downward") &&
           add_num(o, "output-gain", p->output_gain_db) && add_num(o, "ratio", c->ratio) &&
           add_num(o, "release", c->release_ms * LSP_TIME_PER_TAU) &&
           add_num(o, "release-threshold", -100.0) && add_num(sc, "lookahead", 0.0) &&
           add_str(sc, "mode", lsp_mode(c)) && add_num(sc, "preamp", 0.0) &&
           add_num(sc, "reactivity", lsp_reactivity_ms(c)) && add_str(sc, "source", "Middle") &&
           add_str(sc, "stereo-split-source", "Left/Right") &&
           add_str(sc, "type", "Feed-forward") && add_bool(o, "stereo-split", 0) &&
           add_num(o, "threshold", c->threshold_db) && add_num(o, "wet", 0.0);
}

static int ee_limiter(cJSON *in, const bx_chain_params *p)
{
    cJSON *o = cJSON_AddObjectToObject(in, "limiter#0");
    return o && add_bool(o, "alr", 0) && add_num(o, "attack", 1.0) && add_bool(o, "bypass", 0) &&
           add_str(o, "dithering", "None") && add_bool(o, "gain-boost", 0) &&
           add_num(o, "input-gain", 0.0) && add_num(o, "lookahead", 1.0) &&
           add_str(o, "mode", "Herm Thin") && add_num(o, "output-gain", 0.0) &&
           add_str(o, "oversampling", "None") && add_num(o, "release", BX_LIMITER_RELEASE_MS) &&
           add_str(o, "sidechain-type", "Internal") && add_num(o, "stereo-link", 100.0) &&
           add_num(o, "threshold", p->ceiling_db);
}

static char *write_easyeffects(const bx_chain_params *p, bx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *in = root ? cJSON_AddObjectToObject(root, "input") : NULL;
    cJSON *order = in ? cJSON_AddArrayToObject(in, "plugins_order") : NULL;
    int ok = order && cJSON_AddArrayToObject(in, "blocklist") && ee_equalizer(in, p);
    ok = ok && cJSON_AddItemToArray(order, cJSON_CreateString("equalizer#0"));
    if (ok && p->has_comp)
        ok =
            ee_compressor(in, p) && cJSON_AddItemToArray(order, cJSON_CreateString("compressor#0"));
    if (ok && p->has_limiter)
        ok = ee_limiter(in, p) && cJSON_AddItemToArray(order, cJSON_CreateString("limiter#0"));
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        bx_error_set(err, BX_ERR_NOMEM, "out of memory writing an export");
        return NULL;
    }
    /* cJSON allocates through bx's hooks (bx_set_allocator); add the final newline */
    sbuf b = {0};
    sb_printf(&b, "%s\n", text);
    cJSON_free(text);
    return sb_finish(&b, err);
}

/* ---- the entry point -------------------------------------------------------------- */

char *bx_export(bx_export_format f, const bx_chain_params *p, const char *name, double rate_hz,
                bx_error *err)
{
    bx_error e2;
    if ((unsigned)f >= BX_EXPORT_FORMAT_COUNT) {
        bx_error_set(err, BX_ERR_ARG, "unknown export format %d", (int)f);
        return NULL;
    }
    if (!(rate_hz >= 8000.0 && rate_hz <= 768000.0)) {
        bx_error_set(err, BX_ERR_RANGE, "export rate %g Hz is outside 8000..768000", rate_hz);
        return NULL;
    }
    if (bx_chain_params_check(p, f == BX_EXPORT_FFMPEG ? rate_hz : 0.0, &e2)) {
        bx_error_set(err, e2.code, "cannot export an invalid preset: %s", e2.msg);
        return NULL;
    }
    sbuf b = {0};
    switch (f) {
    case BX_EXPORT_APO:
        write_apo(&b, p, name, rate_hz);
        break;
    case BX_EXPORT_EASYEFFECTS:
        return write_easyeffects(p, err);
    case BX_EXPORT_SOX:
        write_sox(&b, p, name, rate_hz);
        break;
    case BX_EXPORT_FFMPEG:
        if (write_ffmpeg(&b, p, name, rate_hz, err)) {
            bx_free(b.s);
            return NULL;
        }
        break;
    case BX_EXPORT_PEDALBOARD:
        write_pedalboard(&b, p, name, rate_hz);
        break;
    }
    return sb_finish(&b, err);
}
