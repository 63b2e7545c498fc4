/* test_match — the like-with-like curve follows the chain, not the performance.
 *
 * Two "performances" are sequenced from the same nine synthetic sounds (three
 * kicks, three snares, three hats, seeded noise and sweeps) with different
 * grooves: B plays a hat on every 16th and accents its snares, A plays few
 * hats. Their long-term spectra therefore differ by several dB before any EQ.
 * The reference is B through a known libbx EQ (low shelf, bell, high shelf).
 *
 *  - at 44.1 and 48 kHz the curve, levelled
 * over 100 Hz - 10 kHz, is within 0.3 dB (mean absolute, 60 Hz - 14 kHz) of the EQ's exact
 * response, while the long-term spectra's difference, levelled the same way, is at least four times
 * as far off;
 *  - a take against itself gives a flat 0 dB curve (within 1e-9 dB), the same
 *    take 6.02 dB quieter a flat -6.02 dB (within 1e-6 dB): level is not shape;
 *  - bx_match_db_at interpolates linearly in log frequency between band
 *    centres and holds the end values beyond them;
 *  - silence, a sustained tone (no onsets) and a bad rate are refused with
 *    BX_ERR_AUDIO / BX_ERR_ARG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/eqfit.h"
#include "bx/ltas.h"
#include "bx/match.h"
#include "bx/spectrum.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define SECONDS 20.0
#define NSOUNDS 9

static int checks;

typedef struct sound {
    float *x;
    size_t n;
} sound;

/* kick k: a decaying sweep; snare k: a tone and decaying noise; hat k:
 * differentiated decaying noise. Variants differ in pitch and decay. */
static void make_sounds(double rate, sound *s)
{
    uint64_t seed = 0x5eed;
    for (int i = 0; i < NSOUNDS; i++) {
        const int kind = i / 3, var = i % 3;
        s[i].n = (size_t)(0.3 * rate);
        s[i].x = calloc(s[i].n, sizeof(float));
        double ph = 0, prev = 0;
        for (size_t k = 0; k < s[i].n; k++) {
            const double t = (double)k / rate;
            double v;
            if (kind == 0) {
                const double f = 45.0 + (90.0 + 20.0 * var) * exp(-t / 0.03);
                ph += 2 * M_PI * f / rate;
                v = sin(ph) * exp(-t / (0.08 + 0.02 * var));
            } else if (kind == 1) {
                v = 0.5 * sin(2 * M_PI * (180.0 + 25.0 * var) * t) * exp(-t / 0.04) +
                    0.6 * tu_noise(&seed) * exp(-t / (0.05 + 0.015 * var));
            } else {
                const double n = tu_noise(&seed);
                v = (n - prev) * 0.5 * exp(-t / (0.015 + 0.01 * var));
                prev = n;
            }
            s[i].x[k] = (float)v;
        }
    }
}

/* A 20 s groove at 100 bpm: kicks on 1 and 3 (plus random pushes), snares
 * on 2 and 4, hats on every 16th with probability hat_p; velocities random. */
static float *perform(double rate, const sound *s, uint64_t seed, double hat_p, double snare_vel,
                      size_t *n_out)
{
    const size_t n = (size_t)(SECONDS * rate);
    float *x = calloc(n, sizeof(float));
    const double step = 60.0 / 100.0 / 4.0;
    int pos = 0;
    for (double t = 0; t < SECONDS - 0.5; t += step, pos = (pos + 1) % 16) {
        const size_t at = (size_t)(t * rate);
        int hit[3] = {pos == 0 || pos == 8 || (pos == 10 && tu_noise(&seed) > 0.3),
                      pos == 4 || pos == 12, 0.5 * (tu_noise(&seed) + 1) < hat_p};
        for (int kind = 0; kind < 3; kind++) {
            if (!hit[kind])
                continue;
            const int var = (int)floor(1.5 * (tu_noise(&seed) + 1)) % 3;
            double vel = 0.75 + 0.25 * tu_noise(&seed);
            if (kind == 1)
                vel *= snare_vel;
            if (kind == 2)
                vel *= 0.4;
            const sound *h = &s[kind * 3 + var];
            for (size_t k = 0; k < h->n && at + k < n; k++)
                x[at + k] += (float)(vel * h->x[k]);
        }
    }
    /* a little noise floor, as a microphone has */
    for (size_t k = 0; k < n; k++)
        x[k] += (float)(1e-4 * tu_noise(&seed));
    *n_out = n;
    return x;
}

static void apply_eq(const bx_band *b, unsigned nb, double rate, float *x, size_t n)
{
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.n_bands = nb;
    memcpy(p.bands, b, nb * sizeof *b);
    tu_run_chain(&p, rate, x, x, n);
}

static int ltas_of(const float *x, size_t n, double rate, bx_spectrum *s)
{
    bx_error err;
    bx_ltas *l = bx_ltas_create(rate, 0, &err);
    bx_ltas_add(l, x, n);
    const bx_status st = bx_ltas_finish(l, s, &err);
    bx_ltas_destroy(l);
    return st == BX_OK;
}

/* Mean absolute difference of two curves over 60 Hz - 14 kHz (1/12 octave
 * points), each levelled by its mean over 100 Hz - 10 kHz. */
typedef double (*curve_fn)(const void *ctx, double f);

static double level_of(curve_fn fn, const void *ctx)
{
    double s = 0;
    int n = 0;
    for (double f = 100; f <= 10000; f *= exp2(1.0 / 12.0))
        s += fn(ctx, f), n++;
    return s / n;
}

static double curve_error(curve_fn a, const void *ca, curve_fn b, const void *cb, double *worst_f)
{
    const double la = level_of(a, ca), lb = level_of(b, cb);
    double s = 0, worst = 0;
    int n = 0;
    for (double f = 60; f <= 14000; f *= exp2(1.0 / 12.0)) {
        const double d = fabs(a(ca, f) - la - b(cb, f) + lb);
        s += d, n++;
        if (d > worst)
            worst = d, *worst_f = f;
    }
    return s / n;
}

typedef struct eqctx {
    const bx_band *b;
    unsigned nb;
    double rate;
} eqctx;
static double eq_at(const void *c, double f)
{
    const eqctx *e = c;
    return bx_eq_response_db(e->b, e->nb, e->rate, f);
}
static double match_at(const void *c, double f)
{
    return bx_match_db_at(c, f);
}
typedef struct ltctx {
    const bx_spectrum *r, *t;
} ltctx;
static double ltas_diff_at(const void *c, double f)
{
    const ltctx *l = c;
    return bx_spectrum_db_at(l->r, f, 1.0 / 3.0) - bx_spectrum_db_at(l->t, f, 1.0 / 3.0);
}

static void follows_the_chain(double rate)
{
    sound s[NSOUNDS];
    make_sounds(rate, s);
    size_t na, nb;
    float *take = perform(rate, s, 11, 0.25, 1.0, &na);
    float *ref = perform(rate, s, 29, 1.0, 1.6, &nb);
    const bx_band eq[] = {{BX_BIQUAD_LOW_SHELF, 100, 3, 0.7071},
                          {BX_BIQUAD_PEAK, 1000, 6, 1.0},
                          {BX_BIQUAD_HIGH_SHELF, 6000, -4, 0.7071}};
    apply_eq(eq, 3, rate, ref, nb);
    bx_match_curve mc;
    bx_error err;
    checks++;
    const bx_status st = bx_match_curve_estimate(ref, nb, take, na, rate, &mc, &err);
    if (st) {
        tu_fail("%g Hz: bx_match_curve_estimate failed: %s", rate, err.msg);
    } else {
        bx_spectrum sr, stk;
        ltas_of(ref, nb, rate, &sr);
        ltas_of(take, na, rate, &stk);
        const eqctx e = {eq, 3, rate};
        const ltctx l = {&sr, &stk};
        double wf_m = 0, wf_l = 0;
        const double em = curve_error(match_at, &mc, eq_at, &e, &wf_m);
        const double el = curve_error(ltas_diff_at, &l, eq_at, &e, &wf_l);
        printf("%g Hz: %zu/%zu onset frames, %zu pairs %.2f dB apart; "
               "like-with-like curve "
               "%.3f dB from the EQ (worst at %.0f Hz), long-term difference %.3f dB (worst at "
               "%.0f Hz)\n",
               rate, mc.ref_frames, mc.take_frames, mc.pairs, mc.distance_db, em, wf_m, el, wf_l);
        if (!(em <= 0.3))
            tu_fail("%g Hz: like-with-like curve %.3f dB from the EQ (promise <= 0.3)", rate, em);
        checks++;
        if (!(el >= 4.0 * em))
            tu_fail(
                "%g Hz: long-term difference %.3f dB is not four times the curve's %.3f dB: the "
                "performances are too alike to show anything",
                rate, el, em);
        bx_spectrum_free(&sr);
        bx_spectrum_free(&stk);
    }
    free(take);
    free(ref);
    for (int i = 0; i < NSOUNDS; i++)
        free(s[i].x);
}

static void level_is_not_shape(void)
{
    const double rate = 48000;
    sound s[NSOUNDS];
    make_sounds(rate, s);
    size_t n;
    float *take = perform(rate, s, 5, 0.5, 1.0, &n);
    float *quiet = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        quiet[i] = take[i] * 0.5f;
    bx_match_curve mc;
    bx_error err;
    for (int k = 0; k < 2; k++) {
        const double want = k ? 20 * log10(0.5) : 0.0, tol = k ? 1e-6 : 1e-9;
        checks++;
        if (bx_match_curve_estimate(k ? quiet : take, n, take, n, rate, &mc, &err)) {
            tu_fail("self match failed: %s", err.msg);
            continue;
        }
        double worst = 0;
        for (size_t i = 0; i < mc.n; i++)
            worst = fmax(worst, fabs(mc.db[i] - want));
        printf("take against %s: %zu bands, worst deviation from %.2f dB: %.2e dB\n",
               k ? "itself at half amplitude" : "itself", mc.n, want, worst);
        if (!(worst <= tol))
            tu_fail("take against %s: deviation %.3g dB (promise <= %g)", k ? "half" : "itself",
                    worst, tol);
    }
    free(take);
    free(quiet);
    for (int i = 0; i < NSOUNDS; i++)
        free(s[i].x);
}

static void interpolation(void)
{
    bx_match_curve c;
    memset(&c, 0, sizeof c);
    c.n = 3;
    c.freq_hz[0] = 100, c.freq_hz[1] = 400, c.freq_hz[2] = 1600;
    c.db[0] = 2, c.db[1] = -2, c.db[2] = 4;
    const double f[] = {50, 100, 200, 400, 800, 1600, 5000};
    const double want[] = {2, 2, 0, -2, 1, 4, 4};
    for (int i = 0; i < 7; i++) {
        checks++;
        const double got = bx_match_db_at(&c, f[i]);
        if (fabs(got - want[i]) > 1e-12)
            tu_fail("bx_match_db_at(%g Hz) = %.15g, want %g", f[i], got, want[i]);
    }
    checks++;
    c.n = 0;
    if (bx_match_db_at(&c, 1000) != 0.0)
        tu_fail("an empty curve must read 0 dB");
}

static void refusals(void)
{
    const double rate = 48000;
    const size_t n = (size_t)(5 * rate);
    float *x = calloc(n, sizeof(float));
    bx_match_curve mc;
    bx_error err;
    checks++;
    if (bx_match_curve_estimate(x, n, x, n, rate, &mc, &err) != BX_ERR_AUDIO)
        tu_fail("silence must give BX_ERR_AUDIO");
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2 * M_PI * 440 * (double)i / rate));
    checks++;
    if (bx_match_curve_estimate(x, n, x, n, rate, &mc, &err) != BX_ERR_AUDIO)
        tu_fail("a sustained tone must give BX_ERR_AUDIO (no onsets)");
    else
        printf("sustained tone refused: %s\n", err.msg);
    checks++;
    if (bx_match_curve_estimate(x, n, x, n, 500.0, &mc, &err) != BX_ERR_ARG)
        tu_fail("a 500 Hz rate must give BX_ERR_ARG");
    checks++;
    if (bx_match_curve_estimate(NULL, n, x, n, rate, &mc, &err) != BX_ERR_ARG)
        tu_fail("NULL must give BX_ERR_ARG");
    free(x);
}

int main(void)
{
    follows_the_chain(44100);
    follows_the_chain(48000);

    level_is_not_shape();
    interpolation();
    refusals();
    return tu_finish("test_match", checks);
}
