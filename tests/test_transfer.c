/* test_transfer — the transfer estimate and the gain over time read without a model.
 *
 * The material: 10 s at 48 kHz of kicks (a click, then a decaying sweep 45-150 Hz),
 * snares (a tone and noise) and hats (differentiated noise) on a 16th grid,
 * with random velocities and a noise floor 80 dB down. The EQ: a highpass
 * at 60 Hz, a +6 dB low shelf at 120 Hz, a -5 dB bell at 700 Hz and a +4 dB
 * high shelf at 6 kHz. The gain: what a compressor does to the hits, each
 * kick turned down 9 dB, each snare 5 dB, hats left alone, reached in 2 ms
 * and let go over 60 ms.
 *
 *  - bx_transfer_estimate of x and EQ(x), levelled over 100 Hz - 10 kHz, is
 *    within 0.15 dB of the EQ's exact response at 30 points from 80 Hz to
 *    12 kHz (1/6-octave bands);
 *  - with the gain in y, the plain estimate is off by more than 1 dB
 *    somewhere (the control: the loud, bass-heavy hits are turned down
 *    most), while with y divided by bx_transfer_common_gain's gain it is
 *    off by at most half as much (measured: 4.4 and 1.6 dB; what is left
 *    is the 2 ms attack, which 21 ms frames cannot follow: the model of
 *    the compressor does that in bxanalyze's next round);
 *  - the common gain follows the true one: over the samples within 30 dB
 *    of the loudest, levelled, their dB differ by at most 1 dB RMS;
 *  - on the EQ alone (no gain), the common gain stays within 0.5 dB RMS of
 *    flat over the same samples;
 *  - x and y with no common gain found (y = 0.5 x) give 0.5 x's estimate;
 *    too short a signal is refused with BX_ERR_AUDIO, a rate of 0 with
 *    BX_ERR_ARG naming it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/eqfit.h"
#include "bx/transfer.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define RATE 48000.0
#define SECONDS 10.0

static int checks;

static const bx_band EQ[] = {
    {BX_BIQUAD_HIGHPASS, 60.0, 0.0, 0.7071},
    {BX_BIQUAD_LOW_SHELF, 120.0, 6.0, 0.7071},
    {BX_BIQUAD_PEAK, 700.0, -5.0, 1.4},
    {BX_BIQUAD_HIGH_SHELF, 6000.0, 4.0, 0.7071},
};
#define N_EQ (sizeof EQ / sizeof EQ[0])

/* The groove into x, and into cut the gain reduction (dB, > 0) a compressor
 * would apply to it: each hit's target reduction, attack 2 ms, release 60 ms. */
static void perform(float *x, double *cut, size_t n)
{
    uint64_t seed = 0x7a11;
    memset(x, 0, n * sizeof *x);
    double *target = calloc(n, sizeof(double));
    const double step = 60.0 / 110.0 / 4.0;
    int pos = 0;
    for (double t = 0.05; t < SECONDS - 0.4; t += step, pos = (pos + 1) % 16) {
        const size_t at = (size_t)(t * RATE);
        const int kick = pos == 0 || pos == 8 || (pos == 11 && tu_noise(&seed) > 0.2);
        const int snare = pos == 4 || pos == 12;
        const int hat = tu_noise(&seed) > -0.2;
        const double vel = 0.75 + 0.25 * tu_noise(&seed);
        double ph = 0, prev = 0, reduce = 0;
        for (size_t k = 0; k < (size_t)(0.3 * RATE) && at + k < n; k++) {
            const double s = (double)k / RATE;
            double v = 0;
            if (kick) { /* a beater's click, then the body */
                ph += 2 * M_PI * (45.0 + 105.0 * exp(-s / 0.03)) / RATE;
                v += vel * (sin(ph) * exp(-s / 0.09) + 0.3 * tu_noise(&seed) * exp(-s / 0.004));
            }
            if (snare)
                v += vel * (0.4 * sin(2 * M_PI * 190.0 * s) * exp(-s / 0.04) +
                            0.5 * tu_noise(&seed) * exp(-s / 0.06));
            if (hat) {
                const double w = tu_noise(&seed);
                v += 0.2 * vel * (w - prev) * exp(-s / 0.02);
                prev = w;
            }
            x[at + k] += (float)v;
        }
        reduce = kick ? 9.0 : snare ? 5.0 : 0.0;
        for (size_t k = 0; k < (size_t)(0.1 * RATE) && at + k < n; k++)
            target[at + k] = fmax(target[at + k], reduce);
    }
    for (size_t k = 0; k < n; k++)
        x[k] += (float)(1e-4 * tu_noise(&seed));
    /* the reduction follows the target: 2 ms attack, 60 ms release */
    const double a = exp(-1.0 / (0.002 * RATE)), r = exp(-1.0 / (0.060 * RATE));
    double c = 0;
    for (size_t k = 0; k < n; k++) {
        const double k_ = target[k] > c ? a : r;
        c = target[k] + k_ * (c - target[k]);
        cut[k] = c;
    }
    free(target);
}

static void apply_eq(const float *x, float *y, size_t n)
{
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.n_bands = N_EQ;
    memcpy(p.bands, EQ, sizeof EQ);
    tu_run_chain(&p, RATE, x, y, n);
}

/* Largest |estimate - exact| of the levelled responses at 30 points 80 Hz -
 * 12 kHz, both levelled over 100 Hz - 10 kHz. */
static double worst_db(const bx_transfer *t)
{
    double d[30], f[30], mean = 0;
    int cnt = 0;
    for (int i = 0; i < 30; i++) {
        f[i] = 80.0 * pow(12000.0 / 80.0, i / 29.0);
        d[i] = bx_transfer_db_at(t, f[i], 1.0 / 6.0) - bx_eq_response_db(EQ, N_EQ, RATE, f[i]);
        if (f[i] >= 100 && f[i] <= 10000)
            mean += d[i], cnt++;
    }
    mean /= cnt;
    double worst = 0;
    for (int i = 0; i < 30; i++)
        worst = fmax(worst, fabs(d[i] - mean));
    return worst;
}

/* RMS dB difference of gain g from 10^(-cut/20) (levelled) over the samples
 * of x within 30 dB of its loudest 10 ms. */
static double gain_rms_db(const double *g, const double *cut, const float *x, size_t n)
{
    const size_t blk = (size_t)(0.01 * RATE);
    double mx = 0;
    for (size_t b = 0; b + blk <= n; b += blk) {
        double e = 0;
        for (size_t k = b; k < b + blk; k++)
            e += (double)x[k] * x[k];
        mx = fmax(mx, e);
    }
    double s = 0, s2 = 0, cnt = 0;
    for (size_t b = 0; b + blk <= n; b += blk) {
        double e = 0;
        for (size_t k = b; k < b + blk; k++)
            e += (double)x[k] * x[k];
        if (e < mx * 1e-3)
            continue;
        for (size_t k = b; k < b + blk; k++) {
            const double d = 20.0 * log10(g[k]) + (cut ? cut[k] : 0.0);
            s += d, s2 += d * d, cnt++;
        }
    }
    const double m = s / cnt;
    return sqrt(fmax(s2 / cnt - m * m, 0.0));
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond))                                                                               \
            tu_fail(__VA_ARGS__);                                                                  \
    } while (0)

int main(void)
{
    const size_t n = (size_t)(SECONDS * RATE);
    float *x = malloc(n * sizeof(float)), *ye = malloc(n * sizeof(float));
    float *yc = malloc(n * sizeof(float));
    double *cut = malloc(n * sizeof(double)), *g = malloc(n * sizeof(double));
    if (!x || !ye || !yc || !cut || !g) {
        fprintf(stderr, "test_transfer: out of memory\n");
        return 1;
    }
    perform(x, cut, n);
    apply_eq(x, ye, n);
    for (size_t k = 0; k < n; k++)
        yc[k] = (float)(ye[k] * pow(10.0, -cut[k] / 20.0));
    bx_error err;
    bx_transfer t;

    /* the EQ alone */
    CHECK(bx_transfer_estimate(x, ye, NULL, n, RATE, 0, &t, &err) == BX_OK, "estimate: %s",
          err.msg);
    double w_eq = worst_db(&t);
    bx_transfer_free(&t);
    CHECK(w_eq <= 0.15, "EQ alone: estimate within %.2f dB of the exact response (limit 0.15)",
          w_eq);
    printf("EQ alone: estimate within %.3f dB of the exact response\n", w_eq);

    /* with the compressor's gain: plain, then over the common gain */
    CHECK(bx_transfer_estimate(x, yc, NULL, n, RATE, 0, &t, &err) == BX_OK, "estimate: %s",
          err.msg);
    const double w_plain = worst_db(&t);
    bx_transfer_free(&t);
    CHECK(bx_transfer_common_gain(x, yc, n, RATE, g, &err) == BX_OK, "common gain: %s", err.msg);
    const double g_err = gain_rms_db(g, cut, x, n);
    CHECK(bx_transfer_estimate(x, yc, g, n, RATE, 0, &t, &err) == BX_OK, "estimate: %s", err.msg);
    const double w_g = worst_db(&t);
    bx_transfer_free(&t);
    printf("with a gain over time: plain estimate off by %.2f dB, over the common gain %.2f dB; "
           "the common gain within %.2f dB RMS of the true one\n",
           w_plain, w_g, g_err);
    CHECK(w_plain > 1.0, "control: the plain estimate is only %.2f dB off (expected > 1)", w_plain);
    CHECK(w_g <= 0.5 * w_plain,
          "over the common gain the estimate is %.2f dB off (limit: half of the plain %.2f)", w_g,
          w_plain);
    CHECK(g_err <= 1.0, "the common gain is %.2f dB RMS from the true one (limit 1)", g_err);

    /* no gain over time: the common gain stays flat */
    CHECK(bx_transfer_common_gain(x, ye, n, RATE, g, &err) == BX_OK, "common gain: %s", err.msg);
    const double flat = gain_rms_db(g, NULL, x, n);
    printf("EQ alone: common gain within %.3f dB RMS of flat\n", flat);
    CHECK(flat <= 0.5, "EQ alone: common gain %.2f dB RMS from flat (limit 0.5)", flat);

    /* a constant gain is all H's: g is 1 */
    for (size_t k = 0; k < n; k++)
        yc[k] = 0.5f * x[k];
    CHECK(bx_transfer_common_gain(x, yc, n, RATE, g, &err) == BX_OK, "common gain: %s", err.msg);
    double g_dev = 0;
    for (size_t k = 0; k < n; k++)
        g_dev = fmax(g_dev, fabs(g[k] - 1.0));
    CHECK(g_dev <= 1e-4, "y = 0.5 x: the common gain departs from 1 by %.2g (limit 1e-4)", g_dev);

    /* too short */
    CHECK(bx_transfer_common_gain(x, yc, 100, RATE, g, &err) == BX_ERR_AUDIO,
          "100 samples: not refused with BX_ERR_AUDIO");
    CHECK(bx_transfer_common_gain(x, yc, n, 0.0, g, &err) == BX_ERR_ARG && strstr(err.msg, "0 Hz"),
          "rate 0: not refused with BX_ERR_ARG naming the rate");

    free(x);
    free(ye);
    free(yc);
    free(cut);
    free(g);
    printf("test_transfer: %d checks, %d failed\n", checks, tu_failures);
    return tu_failures ? 1 : 0;
}
