/* analysis_record.c — the preset's `analysis` record: written by
 * bx_analysis_run, read back by bx_analysis_reference_ltas (bx/analysis.h). */
#include "analysis_record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bx/version.h"
#include "json.h"
#include "profile_impl.h"
#include "take_impl.h"

const char *bx_analysis_stem(const char *path, char *buf, size_t n)
{
    if (strcmp(path, "-") == 0) /* standard input */
        path = "stdin";
    const char *b = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!b || bs > b))
        b = bs;
#endif
    b = b ? b + 1 : path;
    snprintf(buf, n, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
    /* a preset name must be UTF-8, as bx_preset_parse checks it: replace
     * bytes that are not (e.g. a Latin-1 file name) and control characters
     * with '?' */
    unsigned char *u = (unsigned char *)buf;
    const size_t len = strlen(buf);
    for (size_t at = 0; (at += bx_json_utf8_bad_offset(u + at, len - at)) < len; at++)
        u[at] = '?';
    for (size_t i = 0; i < len; i++)
        if (u[i] < 0x20 || u[i] == 0x7F)
            u[i] = '?';
    return buf;
}

const char *bx_analysis_take_file(const bx_take *t, char *buf, size_t n)
{
    if (!t->named_by_stem)
        return bx_analysis_stem(t->path, buf, n);
    snprintf(buf, n, "%s", t->path);
    return buf;
}

/* ---- the analysis record ---------------------------------------------------- */

static cJSON *curve_json(const double *f, const double *db, size_t n, size_t step, int *ok)
{
    cJSON *o = cJSON_CreateObject(), *jf = cJSON_CreateArray(), *jd = cJSON_CreateArray();
    if (!o || !jf || !jd) {
        cJSON_Delete(o);
        cJSON_Delete(jf);
        cJSON_Delete(jd);
        *ok = 0;
        return NULL;
    }
    if (!bx_jw_put(o, "freq_hz", jf, ok))
        jf = NULL;
    if (!bx_jw_put(o, "db", jd, ok))
        jd = NULL;
    for (size_t i = 0; i < n; i += step) {
        bx_jw_push(jf, cJSON_CreateNumber(round(f[i] * 10) / 10), ok);
        bx_jw_push(jd, cJSON_CreateNumber(round(db[i] * 100) / 100), ok);
    }
    return o;
}

static cJSON *take_json(const bx_take *t, const char *role, int *ok)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        *ok = 0;
        return NULL;
    }
    const bx_level_stats *s = &t->stats;
    char stem[256];
    bx_jw_str(o, "role", role, ok);
    bx_jw_str(o, "file", bx_analysis_take_file(t, stem, sizeof stem), ok);
    bx_jw_num(o, "rate_hz", t->rate_hz, ok);
    bx_jw_num(o, "channels", t->channels, ok);
    bx_jw_num(o, "seconds", round(t->seconds * 1000) / 1000, ok);
    bx_jw_num(o, "loudness_lufs", round(s->loudness_lufs * 100) / 100, ok);
    bx_jw_num(o, "loudness_range_lu", round(s->lra_lu * 100) / 100, ok);
    bx_jw_num(o, "sample_peak_db", round(s->sample_peak_db * 100) / 100, ok);
    bx_jw_num(o, "rms_db", round(s->rms_db * 100) / 100, ok);
    bx_jw_num(o, "crest_db", round(s->crest_db * 100) / 100, ok);
    bx_jw_num(o, "level_p10_db", round(s->p10_db * 100) / 100, ok);
    bx_jw_num(o, "level_p50_db", round(s->p50_db * 100) / 100, ok);
    bx_jw_num(o, "level_p95_db", round(s->p95_db * 100) / 100, ok);
    bx_jw_num(o, "level_spread_db", round(s->spread_db * 100) / 100, ok);
    bx_jw_num(o, "transients", s->transients, ok);
    bx_jw_num(o, "attack_ms", round(s->attack_ms * 100) / 100, ok);
    bx_jw_num(o, "decay_ms", round(s->decay_ms * 100) / 100, ok);
    /* long-term spectrum: 1/6-octave log-frequency curve and the octave view */
    double f[64], db[64];
    size_t n = 0;
    for (double fr = 20.0; fr < fmin(20000.0, 0.49 * t->rate_hz) && n < 64; fr *= exp2(1.0 / 6.0)) {
        f[n] = fr;
        db[n] = fmax(bx_spectrum_db_at(&t->spec, fr, 1.0 / 6.0), -200.0);
        n++;
    }
    bx_jw_put(o, "ltas", curve_json(f, db, n, 1, ok), ok);
    static const double oct[10] = {31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000};
    n = 0;
    for (int k = 0; k < 10; k++) {
        if (oct[k] * 1.4142 > 0.5 * t->rate_hz)
            break;
        f[n] = oct[k];
        db[n] = fmax(bx_spectrum_band_db(&t->spec, oct[k] / 1.4142, oct[k] * 1.4142), -200.0);
        n++;
    }
    bx_jw_put(o, "octaves", curve_json(f, db, n, 1, ok), ok);
    return o;
}

static double r3(double v)
{
    return round(v * 1000) / 1000;
}

/* analysis.confidence: per band, the compressor, the warnings. */
static cJSON *confidence_json(const bx_analysis_result *res, int *ok)
{
    cJSON *c = cJSON_CreateObject();
    if (!c) {
        *ok = 0;
        return NULL;
    }
    cJSON *eq = bx_jw_obj(c, "eq", ok);
    if (eq) {
        bx_jw_num(eq, "noise_db", r3(res->eq_noise_db), ok);
        bx_jw_num(eq, "independent_points", round(res->eq_n_eff * 10) / 10, ok);
        cJSON *bands = bx_jw_arr(eq, "bands", ok);
        for (unsigned k = 0; bands && k < res->preset.chain.n_bands; k++) {
            const bx_eqfit_band_conf *bc = &res->eq_conf[k];
            cJSON *b = cJSON_CreateObject();
            if (!bx_jw_push(bands, b, ok))
                break;
            bx_jw_num(b, "confidence", r3(bc->confidence), ok);
            bx_jw_num(b, "freq_sd_oct", r3(bc->freq_sd_oct), ok);
            if (bx_biquad_type_has_gain(res->preset.chain.bands[k].type))
                bx_jw_num(b, "gain_sd_db", r3(bc->gain_sd_db), ok);
            bx_jw_num(b, "q_sd_oct", r3(bc->q_sd_oct), ok);
        }
    }
    if (res->comp_from_stats) {
        cJSON *cp = bx_jw_obj(c, "compressor", ok);
        if (cp) {
            bx_jw_flag(cp, "kept", res->preset.chain.has_comp, ok);
            bx_jw_num(cp, "evidence_z", r3(res->comp_evidence_z), ok);
            bx_jw_num(cp, "evidence_needed_z", BX_ANALYSIS_COMP_EVIDENCE_Z, ok);
        }
    }
    if (res->comp_fitted) {
        cJSON *cp = bx_jw_obj(c, "compressor", ok);
        if (cp) {
            bx_jw_flag(cp, "kept", res->comp_kept, ok);
            bx_jw_num(cp, "improvement_db", r3(res->comp_margin_db), ok);
            bx_jw_num(cp, "improvement_needed_db", r3(res->comp_min_gain_db), ok);
            bx_jw_num(cp, "confidence", r3(res->comp_confidence), ok);
            /* the fifth: an averaging detector's time, under its preset key */
            const char *const names[5] = {
                "threshold", "ratio", "attack", "release",
                res->preset.chain.comp.detector == BX_DETECTOR_MEAN_LEVEL ? "mean_ms" : "rms_ms"};
            cJSON *cons = bx_jw_obj(cp, "constrained", ok);
            for (int k = 0; cons && k < res->comp_n_constrained && k < 5; k++)
                bx_jw_num(cons, names[k], r3(res->comp_constrained[k]), ok);
        }
    }
    cJSON *ws = bx_jw_arr(c, "warnings", ok);
    for (unsigned k = 0; ws && k < res->n_warnings; k++) {
        cJSON *w = cJSON_CreateObject();
        if (!bx_jw_push(ws, w, ok))
            break;
        bx_jw_str(w, "code", res->warnings[k].code, ok);
        bx_jw_str(w, "text", res->warnings[k].text, ok);
    }
    return c;
}

bx_status bx_analysis_record_write(bx_analysis_result *res, const bx_take *ref, const bx_take *src,
                                   const bx_profile *prof, const char *mode,
                                   const bx_analysis_opts *o, bx_error *err)
{
    cJSON *a = cJSON_CreateObject();
    if (!a)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    int all = 1, *ok = &all; /* cleared by any call that ran out of memory */
    bx_jw_str(a, "generator", "bxanalyze " BX_VERSION_STRING, ok);
    bx_jw_str(a, "mode", mode, ok);
    cJSON *opt = bx_jw_obj(a, "options", ok);
    if (opt) {
        bx_jw_num(opt, "bands", o->max_bands, ok);
        bx_jw_num(opt, "amount_pct", o->amount * 100.0, ok);
        bx_jw_num(opt, "smoothing_oct", round(o->smoothing_oct * 1000) / 1000, ok);
        bx_jw_flag(opt, "compressor", !o->no_compressor, ok);
    }
    cJSON *jr = take_json(ref, "reference", ok);
    if (bx_jw_put(a, "reference", jr, ok) && prof)
        bx_jw_put(jr, "profile", bx_profile_json(prof, ok), ok);
    if (src)
        bx_jw_put(a, "source",
                  take_json(src, res->mode == BX_ANALYSIS_PAIRED ? "dry" : "source", ok), ok);
    cJSON *fit = bx_jw_obj(a, "fit", ok);
    if (fit) {
        bx_jw_num(fit, "eq_rms_error_db", round(res->eq_error_db * 1000) / 1000, ok);
        bx_jw_num(fit, "compressor_error_db", round(res->comp_error_db * 1000) / 1000, ok);
        if (res->band_limit_hz > 0)
            bx_jw_num(fit, "reference_band_limit_hz", round(res->band_limit_hz), ok);
        if (res->mode == BX_ANALYSIS_PAIRED) {
            bx_jw_num(fit, "delay_ms", round(res->delay_ms * 1000) / 1000, ok);
            bx_jw_num(fit, "alignment_score", round(res->align_score * 1000) / 1000, ok);
            bx_jw_num(fit, "snr_db", round(res->match_snr_db * 100) / 100, ok);
        }
        if (res->mode == BX_ANALYSIS_SOURCE) {
            cJSON *m = bx_jw_obj(fit, "like_with_like", ok);
            if (m) {
                bx_jw_num(m, "pairs", (double)res->match_pairs, ok);
                bx_jw_num(m, "distance_db", round(res->match_distance_db * 1000) / 1000, ok);
                bx_jw_num(m, "weight", round(res->match_weight * 1000) / 1000, ok);
                bx_jw_num(m, "rate_hz", res->match_rate_hz, ok);
            }
        }
        bx_jw_put(fit, "target",
                  curve_json(res->curves.freq_hz, res->curves.target_db, res->curves.n, 4, ok), ok);
    }
    bx_jw_put(a, "confidence", confidence_json(res, ok), ok);
    char *text = all ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (!text)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    res->preset.analysis_json = text;
    return BX_OK;
}

/* ---- reading it back -------------------------------------------------------- */

bx_status bx_analysis_reference_ltas(const char *analysis_json, bx_analysis_curve *c, bx_error *err)
{
    c->n = 0;
    if (!analysis_json)
        return bx_error_set(err, BX_ERR_PRESET, "no analysis record");
    cJSON *a = cJSON_Parse(analysis_json);
    if (!a)
        return bx_json_syntax_ok(analysis_json, strlen(analysis_json))
                   ? bx_error_set(err, BX_ERR_NOMEM, "out of memory reading the analysis record")
                   : bx_error_set(err, BX_ERR_PRESET, "the analysis record is not JSON");
    const cJSON *l =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "reference"), "ltas");
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(l, "freq_hz");
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(l, "db");
    if (cJSON_IsArray(jf) && cJSON_IsArray(jd) &&
        cJSON_GetArraySize(jf) == cJSON_GetArraySize(jd)) {
        const cJSON *x = jf->child, *y = jd->child;
        for (; x && y && c->n < BX_ANALYSIS_CURVE_MAX; x = x->next, y = y->next) {
            if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || !(x->valuedouble > 0) ||
                (c->n && !(x->valuedouble > c->freq_hz[c->n - 1])) || !isfinite(y->valuedouble))
                break;
            c->freq_hz[c->n] = x->valuedouble;
            c->db[c->n++] = y->valuedouble;
        }
    }
    cJSON_Delete(a);
    if (c->n < 4) {
        c->n = 0;
        return bx_error_set(err, BX_ERR_PRESET,
                            "no reference spectrum (analysis.reference.ltas) in the analysis "
                            "record");
    }
    return BX_OK;
}

double bx_analysis_curve_db_at(const bx_analysis_curve *c, double freq_hz)
{
    if (c->n == 0)
        return NAN;
    if (freq_hz <= c->freq_hz[0])
        return c->db[0];
    for (size_t i = 1; i < c->n; i++)
        if (freq_hz <= c->freq_hz[i]) {
            const double t =
                log(freq_hz / c->freq_hz[i - 1]) / log(c->freq_hz[i] / c->freq_hz[i - 1]);
            return c->db[i - 1] + t * (c->db[i] - c->db[i - 1]);
        }
    return c->db[c->n - 1];
}
