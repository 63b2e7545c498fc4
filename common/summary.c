/* summary.c — an analysis' fit on the terminal (summary.h). */
#include "summary.h"

#include <stdio.h>

static const char *source_word(bx_analysis_mode m)
{
    return m == BX_ANALYSIS_SOURCE ? "your take" : m == BX_ANALYSIS_PAIRED ? "dry" : "model";
}

void summary_levels(const char *label, const char *who, const bx_level_stats *s)
{
    printf("%-11s%-10s %.1f LUFS, peak %.1f dBFS, crest %.1f dB, spread %.1f dB, %.1f s\n", label,
           who, s->loudness_lufs, s->sample_peak_db, s->crest_db, s->spread_db, s->seconds);
}

void summary_fit(const bx_analysis_result *r)
{
    const bx_chain_params *c = &r->preset.chain;
    printf("eq         %u band%s, fit error %.2f dB RMS (%g Hz - %.3g kHz)\n", c->n_bands,
           c->n_bands == 1 ? "" : "s", r->eq_error_db, r->fit_lo_hz, r->fit_hi_hz / 1000.0);
    if (r->mode == BX_ANALYSIS_SOURCE && r->match_pairs > 0) {
        printf("           %zu sounds paired like with like", r->match_pairs);
        if (r->match_resampled)
            printf(" (compared at %g kHz)", r->match_rate_hz / 1000.0);
        printf(", %.1f dB apart in shape: their curve counts %.0f %%\n", r->match_distance_db,
               100.0 * r->match_weight);
    }
    if (r->band_limit_hz > 0)
        printf("           reference cut off above %.1f kHz (a lossy codec's lowpass?): the EQ "
               "stays flat there\n",
               r->band_limit_hz / 1000.0);
    for (unsigned i = 0; i < c->n_bands; i++) {
        const bx_band *b = &c->bands[i];
        printf("  %2u  %-10s %8.1f Hz", i + 1, bx_biquad_type_name(b->type), b->freq_hz);
        if (bx_biquad_type_has_gain(b->type))
            printf("  %+5.1f dB", b->gain_db);
        else
            printf("  %8s", "");
        printf("  Q %5.2f  confidence %.2f\n", b->q, r->eq_conf[i].confidence);
    }
    if (c->input_gain_db != 0 || c->output_gain_db != 0)
        printf("gain       input %+.1f dB, output %+.1f dB\n", c->input_gain_db, c->output_gain_db);
    if (c->has_comp) {
        char knee[32];
        if (c->comp.detector == BX_DETECTOR_POWER)
            snprintf(knee, sizeof knee, "power-sum knee");
        else
            snprintf(knee, sizeof knee, "knee %.1f dB", c->comp.knee_db);
        printf("compressor threshold %.1f dBFS, ratio %.3g:1, %s, attack %.3g ms, "
               "release %.4g ms, makeup %+.1f dB, %s detector",
               c->comp.threshold_db, c->comp.ratio, knee, c->comp.attack_ms, c->comp.release_ms,
               c->comp.makeup_db, bx_detector_name(c->comp.detector));
        if (c->comp.detector == BX_DETECTOR_RMS_LEVEL)
            printf(" (RMS over %.3g ms)", bx_comp_rms_ms(&c->comp));
        if (c->comp.detector == BX_DETECTOR_MEAN_LEVEL)
            printf(" (mean |x| over %.3g ms)", bx_comp_rms_ms(&c->comp));
        if (c->comp.detector == BX_DETECTOR_POWER && c->comp.hold)
            printf(" with hold");
        if (r->comp_fitted) /* reference only sets it by rule: no fit to report */
            printf("; fit error %.2f dB", r->comp_error_db);
        printf("\n");
    }
    if (c->has_comp && c->comp.has_start_level)
        printf("           starts at %.1f dBFS (the detector's level when REF begins)\n",
               c->comp.start_level_db);
    if (!c->has_comp)
        printf("compressor off\n");
    if (r->comp_fitted && c->has_comp) {
        printf("           %.2f dB closer than none (%.2f needed); confidence %.2f (threshold "
               "%.2f, ratio %.2f, attack %.2f, release %.2f",
               r->comp_margin_db, r->comp_min_gain_db, r->comp_confidence, r->comp_constrained[0],
               r->comp_constrained[1], r->comp_constrained[2], r->comp_constrained[3]);
        if (r->comp_n_constrained > 4)
            printf(", %s time %.2f",
                   c->comp.detector == BX_DETECTOR_MEAN_LEVEL ? "averaging" : "RMS",
                   r->comp_constrained[4]);
        printf(")\n");
    } else if (r->comp_fitted && r->comp_margin_db > 0)
        printf("           (the best one fitted was %.2f dB closer than none, %.2f needed)\n",
               r->comp_margin_db, r->comp_min_gain_db);
    if (c->has_limiter)
        printf("limiter    ceiling %.1f dBFS\n", c->ceiling_db);
    if (r->mode == BX_ANALYSIS_PAIRED)
        printf("match      the chain turns the dry file into REF to %.1f dB SNR (aligned "
               "overlap)\n",
               r->match_snr_db);
    summary_levels("levels", "reference", &r->reference);
    if (r->mode != BX_ANALYSIS_REFERENCE)
        summary_levels("", source_word(r->mode), &r->source);
    for (unsigned k = 0; k < r->n_warnings; k++)
        printf("%-11s%s\n", k ? "" : "warnings", r->warnings[k].text);
}
