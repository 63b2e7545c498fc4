/* learn.c — bxlive --learn (learn.h). */
#include "learn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bx/analysis.h"
#include "bx/chain.h"
#include "bx/spectrum.h"
#include "exitcode.h"
#include "summary.h"
#include "threads.h"

void learn_clip_add(learn_clip *c, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fabsf(x[i]) >= LEARN_CLIP_LEVEL) {
            if (++c->run == LEARN_CLIP_RUN)
                c->runs++;
        } else {
            c->run = 0;
        }
    }
}

int learn_check_levels(const bx_take *take, const learn_clip *clip, const char *then)
{
    const bx_level_stats *s = bx_take_stats(take);
    if (clip->runs >= LEARN_CLIP_RUNS) {
        fprintf(stderr,
                "bxlive: --learn: the microphone clipped (%lu times at full scale): lower the "
                "input gain; %s\n",
                clip->runs, then);
        return BX_EXIT_INPUT;
    }
    if (s->sample_peak_db < LEARN_QUIET_PEAK_DB) {
        fprintf(stderr,
                "bxlive: --learn: the microphone is too quiet (peak %.1f dBFS, under %.0f): raise "
                "the input gain; %s\n",
                s->sample_peak_db, LEARN_QUIET_PEAK_DB, then);
        return BX_EXIT_INPUT;
    }
    return BX_EXIT_OK;
}

/* The RMS over 1/3-octave bands from 40 Hz to min(16 kHz, 0.45 rate) of a
 * minus b, dB, with their mean difference removed: how far apart two spectra
 * are in shape. */
static double shape_distance_db(const bx_spectrum *a, const bx_spectrum *b, double rate_hz)
{
    const double hi = fmin(16000.0, 0.45 * rate_hz);
    double d[40], mean = 0;
    int n = 0;
    for (double f = 40.0; f <= hi && n < 40; f *= exp2(1.0 / 3.0)) {
        d[n] = bx_spectrum_db_at(a, f, 1.0 / 3.0) - bx_spectrum_db_at(b, f, 1.0 / 3.0);
        mean += d[n++];
    }
    mean /= n > 0 ? n : 1;
    double e = 0;
    for (int k = 0; k < n; k++)
        e += (d[k] - mean) * (d[k] - mean);
    return n > 0 ? sqrt(e / n) : 0.0;
}

/* The take's kept audio through chain p, measured as a take. */
static bx_status processed(const bx_chain_params *p, const bx_take *take, bx_take **out,
                           bx_error *err)
{
    *out = NULL;
    size_t n;
    const float *x = bx_take_mono(take, &n);
    const double rate = bx_take_rate_hz(take);
    float *y = bx_malloc((n ? n : 1) * sizeof(float));
    if (!y)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    bx_status st = bx_chain_apply(p, rate, x, y, n, err);
    bx_take_acc *a = st ? NULL : bx_take_acc_create(rate, 1, "processed", 0, err);
    if (!st && !a)
        st = err->code;
    if (!st)
        st = bx_take_acc_add(a, y, n, err);
    if (!st)
        st = bx_take_acc_finish(a, 0.0, out, err);
    bx_take_acc_destroy(a);
    bx_free(y);
    return st;
}

int learn_fit(const live_opts *o, const bx_preset *p, const bx_profile *ref, const bx_take *take,
              bx_preset *out)
{
    bx_error err;
    bx_analysis_opts ao;
    bx_analysis_opts_default(&ao);
    ao.name = p->name;
    bx_parallel par;
    thread_parallel_init(&par, thread_cpu_count());
    ao.par = &par;
    bx_analysis_result res;
    bx_status st = bx_analysis_run_profile(ref, take, NULL, &ao, &res, &err);
    if (st) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        return st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_INPUT;
    }
    printf("learned    %.1f s of your microphone against %s's reference (%s)\n",
           bx_take_seconds(take), o->preset_path, bx_profile_file(ref));
    summary_fit(&res);
    /* before and after: the mic as it is and through the learned chain */
    bx_take *after = NULL;
    if (processed(&res.preset.chain, take, &after, &err) == BX_OK) {
        const double rate = bx_take_rate_hz(take);
        printf("distance   to the reference's spectrum %.2f dB before, %.2f dB after (RMS over "
               "1/3 octaves, level removed)\n",
               shape_distance_db(bx_profile_spectrum(ref), bx_take_spectrum(take), rate),
               shape_distance_db(bx_profile_spectrum(ref), bx_take_spectrum(after), rate));
        summary_levels("", "processed", bx_take_stats(after));
        bx_take_free(after);
    } else {
        fprintf(stderr, "bxlive: --learn: the before/after comparison: %s\n", err.msg);
    }
    fflush(stdout);
    *out = res.preset; /* its record is the new fit's */
    memset(&res.preset, 0, sizeof res.preset);
    bx_analysis_result_free(&res);
    return BX_EXIT_OK;
}

int learn_save(const live_opts *o, const bx_preset *p)
{
    bx_error err;
    if (bx_preset_save(o->save_path, p, &err)) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return err.code == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_OUTPUT;
    }
    printf("saved      %s\n", o->save_path);
    fflush(stdout);
    return BX_EXIT_OK;
}
