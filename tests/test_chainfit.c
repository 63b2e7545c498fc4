/* test_chainfit — the waveform refinement finds a chain it is started near.
 *
 * y is bursty noise through a known chain (highpass, shelf, two bells,
 * compressor). Started from a perturbed copy (frequencies 10-15 % off, gains
 * 1-2 dB off, threshold 3 dB off, ratio 1.5x, attack/release 2x), the
 * refinement must reach >= 40 dB SNR against y and improve on the start by
 * >= 20 dB; started from the truth it must not get worse. With an rms_level
 * compressor started 2 dB off and at 1.5 ms where the truth averages over
 * 4 ms, it must reach >= 60 dB and the averaging time within 2 %. With
 * two workers (tasks run backwards) the refinement ends on the same chain,
 * bit for bit, as with none. On noise at levels spread over 40 dB (the
 * knee's shape seen), started with the knee on the top of its range (24 dB;
 * the truth's is 6) and the threshold 2 dB off, it must reach >= 60 dB and
 * the knee within 0.5 dB: a parameter on its upper limit still has a
 * derivative (a backward difference; with the forward one alone it stayed
 * at 24 dB, 37 dB SNR).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bx/chainfit.h"
#include "testutil.h"

static const double FS = 48000.0;

/* a and b hold the same chain (every field in use, bit for bit) */
static int same_chain(const bx_chain_params *a, const bx_chain_params *b)
{
    int same = a->input_gain_db == b->input_gain_db && a->n_bands == b->n_bands &&
               a->has_comp == b->has_comp && a->output_gain_db == b->output_gain_db &&
               a->has_limiter == b->has_limiter && a->ceiling_db == b->ceiling_db;
    for (unsigned k = 0; same && k < a->n_bands; k++)
        same = a->bands[k].type == b->bands[k].type && a->bands[k].freq_hz == b->bands[k].freq_hz &&
               a->bands[k].gain_db == b->bands[k].gain_db && a->bands[k].q == b->bands[k].q;
    const bx_comp_params *c = &a->comp, *d = &b->comp;
    return same && c->threshold_db == d->threshold_db && c->ratio == d->ratio &&
           c->knee_db == d->knee_db && c->attack_ms == d->attack_ms &&
           c->release_ms == d->release_ms && c->makeup_db == d->makeup_db &&
           c->detector == d->detector && c->has_start_level == d->has_start_level &&
           c->start_level_db == d->start_level_db && c->rms_ms == d->rms_ms && c->hold == d->hold;
}

/* A bx_parallel that runs the tasks backwards on one thread, numbering the
 * workers as two would. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    (void)self;
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % 2), i);
}

static void truth(bx_chain_params *p)
{
    bx_chain_params_default(p);
    p->n_bands = 4;
    p->bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 60, 0, 0.7071};
    p->bands[1] = (bx_band){BX_BIQUAD_LOW_SHELF, 150, 4, 0.7071};
    p->bands[2] = (bx_band){BX_BIQUAD_PEAK, 900, -5, 1.5};
    p->bands[3] = (bx_band){BX_BIQUAD_PEAK, 4000, 3, 2.0};
    p->has_comp = 1;
    p->comp = (bx_comp_params){-26, 3, 6, 5, 120, 0, BX_DETECTOR_PEAK, 0, 0, 0, 0};
}

/* 25 iterations of the refinement of p on x, y; the start's SNR into
 * *snr0 (0 iterations), the end's into *snr. -1 (reported) on an error. */
static int refine_from(const float *x, const float *y, size_t n, size_t warm, bx_chain_params *p,
                       double *snr0, double *snr, const char *what)
{
    bx_error err;
    bx_chain_params start = *p;
    bx_chainfit_refine(x, y, n, warm, FS, 0, NULL, &start, snr0, &err);
    if (bx_chainfit_refine(x, y, n, warm, FS, 25, NULL, p, snr, &err)) {
        tu_fail("refine %s: %s", what, err.msg);
        return -1;
    }
    return 0;
}

int main(void)
{
    const size_t n = (size_t)(4.0 * FS), warm = (size_t)(0.5 * FS);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint64_t seed = 77;
    for (size_t i = 0; i < n; i++) {
        const double env = (i / 4800) % 4 == 0 ? 0.8 : ((i / 4800) % 4 == 2 ? 0.2 : 0.03);
        x[i] = (float)(env * tu_noise(&seed));
    }
    bx_chain_params t;
    truth(&t);
    bx_error err;
    if (tu_run_chain(&t, FS, x, y, n))
        return tu_finish("test_chainfit", 1);

    int checks = 0;
    bx_chain_params p = t;
    p.bands[0].freq_hz *= 1.15;
    p.bands[1].gain_db += 2;
    p.bands[2].freq_hz *= 0.9;
    p.bands[2].gain_db -= 1;
    p.bands[3].q *= 1.3;
    p.comp.threshold_db += 3;
    p.comp.ratio *= 1.5;
    p.comp.attack_ms *= 2;
    p.comp.release_ms *= 2;
    double snr0, snr;
    const bx_chain_params perturbed = p;
    bx_chain_params start = p;
    bx_chainfit_refine(x, y, n, warm, FS, 0, NULL, &start, &snr0,
                       &err); /* 0 iterations: the start's SNR */
    if (bx_chainfit_refine(x, y, n, warm, FS, 25, NULL, &p, &snr, &err)) {
        tu_fail("refine: %s", err.msg);
        return tu_finish("test_chainfit", 1);
    }
    checks += 2;
    if (snr < 40.0 || snr < snr0 + 20.0)
        tu_fail("from a perturbed start: SNR %.1f dB (start %.1f dB), want >= 40 and +20", snr,
                snr0);
    /* the same refinement with two workers (its Jacobian's groups and
     * normal equations shared out, run here backwards on alternating
     * worker numbers) ends on the same chain, bit for bit */
    {
        const bx_parallel two = {2, backwards, NULL};
        bx_chain_params p2 = perturbed;
        double snr2 = 0;
        checks++;
        if (bx_chainfit_refine(x, y, n, warm, FS, 25, &two, &p2, &snr2, &err))
            tu_fail("refine with two workers: %s", err.msg);
        else if (!same_chain(&p2, &p) || snr2 != snr)
            tu_fail("with two workers the refinement ends elsewhere: SNR %.6f dB against %.6f dB",
                    snr2, snr);
    }
    printf("from a perturbed start: SNR %.1f dB -> %.1f dB (limit >= 40 dB, +20 dB); found hp %.1f "
           "Hz, "
           "bell %.1f Hz %+.2f dB, threshold %.2f dB, ratio %.2f\n",
           snr0, snr, p.bands[0].freq_hz, p.bands[2].freq_hz, p.bands[2].gain_db,
           p.comp.threshold_db, p.comp.ratio);
    bx_chain_params q = t;
    double snr_t;
    bx_chainfit_refine(x, y, n, warm, FS, 5, NULL, &q, &snr_t, &err);
    checks++;
    if (snr_t < 100.0)
        tu_fail("started from the truth the refinement got worse: SNR %.1f dB", snr_t);
    printf("from the truth: SNR %.1f dB (limit >= 100 dB)\n", snr_t);

    /* the rms_level detector's averaging time is refined with the rest:
     * from 1.5 ms where the truth is 4 ms */
    t.comp.detector = BX_DETECTOR_RMS_LEVEL;
    t.comp.rms_ms = 4.0;
    if (tu_run_chain(&t, FS, x, y, n))
        return tu_finish("test_chainfit", checks + 1);
    p = t;
    p.comp.rms_ms = 1.5;
    p.comp.threshold_db += 2;
    if (refine_from(x, y, n, warm, &p, &snr0, &snr, "rms_level"))
        return tu_finish("test_chainfit", checks + 1);
    checks += 2;
    if (snr < 60.0 || snr < snr0 + 20.0)
        tu_fail("rms_level from 1.5 ms: SNR %.1f dB (start %.1f dB), want >= 60 and +20", snr,
                snr0);
    if (fabs(p.comp.rms_ms / 4.0 - 1.0) > 0.02)
        tu_fail("rms_level from 1.5 ms: averaging time %.3f ms, the truth's 4 ms (limit 2 %%)",
                p.comp.rms_ms);
    printf("rms_level from 1.5 ms and 2 dB off: SNR %.1f dB -> %.1f dB (limit >= 60, +20); "
           "averaging time %.3f ms (truth 4, limit 2 %%)\n",
           snr0, snr, p.comp.rms_ms);

    /* a parameter on the top of its range still moves: the knee started at
     * BX_KNEE_MAX_DB (its forward difference there is clamped to nothing)
     * where the truth's is 6 dB */
    truth(&t);
    for (size_t i = 0; i < n; i += 4800) { /* levels over 40 dB, the knee's shape seen */
        const double env = pow(10.0, (-40.0 + 40.0 * 0.5 * (1.0 + tu_noise(&seed))) / 20.0);
        for (size_t k = i; k < i + 4800 && k < n; k++)
            x[k] = (float)(env * tu_noise(&seed));
    }
    if (tu_run_chain(&t, FS, x, y, n))
        return tu_finish("test_chainfit", checks + 1);
    p = t;
    p.comp.knee_db = BX_KNEE_MAX_DB;
    p.comp.threshold_db += 2;
    if (refine_from(x, y, n, warm, &p, &snr0, &snr, "from the knee's top"))
        return tu_finish("test_chainfit", checks + 1);
    checks += 2;
    if (snr < 60.0 || snr < snr0 + 20.0)
        tu_fail("from a knee of %g dB: SNR %.1f dB (start %.1f dB), want >= 60 and +20",
                BX_KNEE_MAX_DB, snr, snr0);
    if (fabs(p.comp.knee_db - 6.0) > 0.5)
        tu_fail("from a knee of %g dB: knee %.2f dB, the truth's 6 dB (limit 0.5 dB)",
                BX_KNEE_MAX_DB, p.comp.knee_db);
    printf("from a knee of %g dB and 2 dB off: SNR %.1f dB -> %.1f dB (limit >= 60, +20); knee "
           "%.2f dB (truth 6, limit 0.5)\n",
           BX_KNEE_MAX_DB, snr0, snr, p.comp.knee_db);
    free(x);
    free(y);
    return tu_finish("test_chainfit", checks);
}
