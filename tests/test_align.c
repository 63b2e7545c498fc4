/* test_align — bx_align: the delay of y behind x, to the sample.
 *
 * The material: 10 s at 48 kHz of uniform noise through a 1.2 kHz lowpass
 * (12 dB/octave), with a noise floor 74 dB below: a dark signal, as a
 * beatbox take is, whose top octaves hold little but noise.
 *
 *  1. y = x delayed by d (d = 0, 7, 480, -5: y trimmed at the start) gives d,
 *     with a score above 0.95 (every phase agrees); the same through
 *     bx_align_parallel with its tasks run backwards on two workers.
 *  2. y = EQ(x) delayed by d gives d, for an EQ of a low shelf cut, two
 *     broad bells and a high shelf cut (a plugin EQ's settings from an
 *     evaluation corpus). The phase-only cross-correlation of this x with
 *     EQ(x) peaks one sample late: the EQ's phase moves it (a Python model of
 *     the estimate without the minimum phase taken out gives d + 1 for all
 *     three delays). bx's chain is minimum phase, so its delay is what
 *     remains once the minimum phase of the magnitude is taken out.
 *  3. The same through a 4 dB high shelf boost and a highpass at 80 Hz
 *     (phase in the other direction). Through either EQ the score stays
 *     above 0.8.
 *  4. Two unrelated noises score below 0.1; a silent signal is refused with
 *     BX_ERR_AUDIO, too short a one likewise.
 *  5. At 192 kHz (the same noise, three quarters of the bins next to
 *     empty), through the first EQ, delay 7 is found with a score above 0.8:
 *     the score counts the bins that carry energy (counted over all bins it
 *     was about a quarter of that, under the 0.2 at which bxanalyze
 *     --paired refuses a pair as two performances).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/align.h"
#include "bx/biquad.h"
#include "bx/chain.h"
#include "bx/parallel.h"
#include "testutil.h"

#define PAD 1000

static double RATE = 48000.0; /* the rate of the signals at hand */
static size_t N = 480000;     /* their length: 10 s */

static int checks;

/* A bx_parallel that runs the tasks backwards, as two workers would number them. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    (void)self;
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % 2), i);
}

/* dark noise into x[0..n): uniform noise through a 2-pole lowpass, plus a floor */
static void dark_noise(float *x, size_t n, uint64_t seed)
{
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.has_limiter = 0;
    p.n_bands = 1;
    p.bands[0] = (bx_band){BX_BIQUAD_LOWPASS, 1200.0, 0.0, 0.7071};
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * tu_noise(&seed));
    tu_run_chain(&p, RATE, x, x, n);
    for (size_t i = 0; i < n; i++)
        x[i] += (float)(1e-4 * tu_noise(&seed));
}

/* y = x through bands (n_bands may be 0), delayed by d (d < 0: trimmed);
 * returns y's length */
static size_t delayed(const float *x, const bx_band *bands, unsigned n_bands, long d, float *y)
{
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.has_limiter = 0;
    p.n_bands = n_bands;
    if (n_bands)
        memcpy(p.bands, bands, n_bands * sizeof *bands);
    float *t = malloc(N * sizeof *t);
    if (!t) {
        tu_fail("out of memory");
        return 0;
    }
    tu_run_chain(&p, RATE, x, t, N);
    size_t m;
    if (d >= 0) {
        memset(y, 0, (size_t)d * sizeof *y);
        memcpy(y + d, t, N * sizeof *y);
        m = N + (size_t)d;
    } else {
        memcpy(y, t + (-d), (N - (size_t)(-d)) * sizeof *y);
        m = N - (size_t)(-d);
    }
    free(t);
    return m;
}

static void expect(const char *what, const float *x, const float *y, size_t m, long d,
                   const bx_parallel *par, double min_score)
{
    long got = 0;
    double score = 0;
    bx_error err;
    const bx_status st =
        bx_align_parallel(x, N, y, m, RATE, (size_t)(0.5 * RATE), par, &got, &score, &err);
    checks++;
    if (st)
        tu_fail("%s, delay %ld: %s", what, d, err.msg);
    else if (got != d)
        tu_fail("%s: delay %ld found as %ld", what, d, got);
    else if (!(score >= min_score))
        tu_fail("%s, delay %ld: score %.3f, below %.2f", what, d, score, min_score);
}

int main(void)
{
    float *x = malloc(N * sizeof *x), *y = malloc((N + PAD) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "test_align: out of memory\n");
        return 1;
    }
    dark_noise(x, N, 0x5eed);
    static const long delays[] = {0, 7, 480, -5};
    const bx_parallel two = {2, backwards, NULL}, *par = &two;

    /* 1: delays alone */
    for (size_t k = 0; k < sizeof delays / sizeof *delays; k++) {
        const size_t m = delayed(x, NULL, 0, delays[k], y);
        expect("a plain delay", x, y, m, delays[k], NULL, 0.95);
        expect("a plain delay on two workers", x, y, m, delays[k], par, 0.95);
    }

    /* 2: an EQ whose phase moves the phase-only peak a sample late */
    static const bx_band cut[] = {
        {BX_BIQUAD_LOW_SHELF, 178.0, -6.6, 0.59},
        {BX_BIQUAD_PEAK, 3565.0, 5.4, 0.67},
        {BX_BIQUAD_PEAK, 1206.0, 6.7, 0.80},
        {BX_BIQUAD_HIGH_SHELF, 9930.0, -7.0, 0.59},
    };
    for (size_t k = 0; k < sizeof delays / sizeof *delays; k++) {
        const size_t m = delayed(x, cut, 4, delays[k], y);
        expect("through shelves and bells", x, y, m, delays[k], par, 0.8);
    }

    /* 3: a boost on top and a highpass */
    static const bx_band bright[] = {
        {BX_BIQUAD_HIGHPASS, 80.0, 0.0, 0.7071},
        {BX_BIQUAD_HIGH_SHELF, 4000.0, 4.0, 0.7071},
    };
    for (size_t k = 0; k < sizeof delays / sizeof *delays; k++) {
        const size_t m = delayed(x, bright, 2, delays[k], y);
        expect("through a highpass and a high shelf", x, y, m, delays[k], par, 0.8);
    }

    /* 5 (first, while x is at 48 kHz): the same at 192 kHz, where three
     * quarters of the bins hold next to nothing */
    const size_t n48 = N;
    float *x192 = malloc(4 * n48 * sizeof *x192), *y192 = malloc((4 * n48 + PAD) * sizeof *y192);
    if (!x192 || !y192) {
        fprintf(stderr, "test_align: out of memory\n");
        return 1;
    }
    RATE = 192000.0, N = 4 * n48;
    dark_noise(x192, N, 0x5eed);
    {
        const size_t m = delayed(x192, cut, 4, 7, y192);
        expect("at 192 kHz through shelves and bells", x192, y192, m, 7, par, 0.8);
    }
    RATE = 48000.0, N = n48;
    free(x192);
    free(y192);

    /* 4: unrelated signals, silence, too short */
    {
        dark_noise(y, N, 0xd1ff);
        long got = 0;
        double score = 1;
        bx_error err;
        checks++;
        if (bx_align(x, N, y, N, RATE, (size_t)(0.5 * RATE), &got, &score, &err))
            tu_fail("unrelated noises: %s", err.msg);
        else if (!(score < 0.1))
            tu_fail("unrelated noises score %.3f, not below 0.1", score);
        memset(y, 0, N * sizeof *y);
        checks++;
        if (bx_align(x, N, y, N, RATE, 1000, &got, &score, &err) != BX_ERR_AUDIO)
            tu_fail("a silent signal is not refused with BX_ERR_AUDIO");
        checks++;
        if (bx_align(x, 40, x, 40, RATE, 10, &got, &score, &err) != BX_ERR_AUDIO)
            tu_fail("40 samples are not refused with BX_ERR_AUDIO");
    }
    free(x);
    free(y);
    return tu_finish("test_align", checks);
}
