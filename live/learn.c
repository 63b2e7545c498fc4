/* learn.c — bxlive --learn (learn.h). */
#include "learn.h"

#include <math.h>
#include <stdio.h>

#include "bx/analysis.h"
#include "bx/eqfit.h"
#include "exitcode.h"
/* --learn: fit the EQ of the running preset p so the mic's spectrum (spec)
 * becomes the reference's; p's bands are replaced, and p saved to --save. */
int learn_finish(const live_opts *o, bx_preset *p, const bx_spectrum *spec, double rate)
{
    bx_error err;
    bx_analysis_curve rc;
    int rcode = BX_EXIT_OK;
    if (bx_analysis_reference_ltas(p->analysis_json, &rc, &err) != BX_OK) {
        fprintf(stderr,
                "bxlive: %s: has no reference spectrum (analysis.reference.ltas); make it "
                "with bxanalyze\n",
                o->preset_path);
        return BX_EXIT_PRESET;
    }
    enum { N = 200 };
    double f[N], t[N];
    const double hi = fmin(16000.0, 0.45 * rate);
    for (int i = 0; i < N; i++) {
        f[i] = 30.0 * pow(hi / 30.0, (double)i / (N - 1));
        t[i] = bx_analysis_curve_db_at(&rc, f[i]) - bx_spectrum_db_at(spec, f[i], 1.0 / 3.0);
    }
    bx_eqfit_opts eo;
    bx_eqfit_opts_default(&eo, rate, p->chain.n_bands > 0 ? p->chain.n_bands : 6);
    bx_eqfit_result r;
    if (bx_eqfit(f, t, NULL, N, &eo, &r, &err)) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        return BX_EXIT_INTERNAL;
    }
    p->chain.n_bands = 0;
    for (unsigned k = 0; k < r.n_bands; k++) {
        bx_band b = r.bands[k];
        b.gain_db = fmin(fmax(b.gain_db, BX_EQ_GAIN_MIN_DB), BX_EQ_GAIN_MAX_DB);
        b.q = fmin(fmax(b.q, BX_Q_MIN), BX_Q_MAX);
        p->chain.bands[p->chain.n_bands++] = b;
    }
    printf("learned EQ (%u bands, fit error %.2f dB RMS, level offset %+.1f dB):\n", r.n_bands,
           r.rms_error_db, r.offset_db);
    for (unsigned k = 0; k < p->chain.n_bands; k++) {
        const bx_band *b = &p->chain.bands[k];
        if (bx_biquad_type_has_gain(b->type))
            printf("  %-10s %8.1f Hz %+6.1f dB  Q %.2f\n", bx_biquad_type_name(b->type), b->freq_hz,
                   b->gain_db, b->q);
        else
            printf("  %-10s %8.1f Hz           Q %.2f\n", bx_biquad_type_name(b->type), b->freq_hz,
                   b->q);
    }
    if (o->save_path) {
        if (bx_preset_save(o->save_path, p, &err)) {
            fprintf(stderr, "bxlive: %s\n", err.msg);
            rcode = BX_EXIT_OUTPUT;
        } else {
            printf("saved %s\n", o->save_path);
        }
    }
    return rcode;
}
