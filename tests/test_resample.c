/* test_resample — sample-rate conversion against closed-form sines.
 *
 *  - for 48 k -> 44.1 k, 44.1 k -> 48 k, 96 k -> 44.1 k, 44.1 k -> 96 k,
 *    48 k -> 8 k and 44.1 k -> 47.999 k (no small ratio: nearest of 4096
 *    phases), a sum of three sines (100 Hz, 1 kHz and 0.85 of the lower
 *    Nyquist frequency) comes out as the same sines sampled at the new rate:
 *    worst error at least 76 dB below the amplitude (64 dB for the nearest-
 *    phase pair), away from the first and last kernel lengths;
 *  - a tone at 1.05 of the output's Nyquist frequency (downsampling) is
 *    removed: what folds back is at least 80 dB down;
 *  - a constant stays the same constant within 1e-4 (DC gain 1);
 *  - lengths: ceil(n * out / in); an empty input and a single sample;
 *  - a NaN and an infinity in the input are silence: the output is finite,
 *    and equal to that of the same input with zeros there;
 *  - NULL, in-place, fractional and out-of-range rates are refused with BX_ERR_ARG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/resample.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int checks;

static void sines(float *x, size_t n, double rate, const double *f, int nf, double amp)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < nf; k++)
            s += amp * sin(2 * M_PI * f[k] * (double)i / rate + 0.3 * k);
        x[i] = (float)s;
    }
}

/* worst |y - reference| over the interior, dB re amp */
static double worst_db(const float *y, size_t n, double rate, const double *f, int nf, double amp,
                       size_t margin)
{
    double worst = 0;
    for (size_t i = margin; i + margin < n; i++) {
        double s = 0;
        for (int k = 0; k < nf; k++)
            s += amp * sin(2 * M_PI * f[k] * (double)i / rate + 0.3 * k);
        const double e = fabs(y[i] - s);
        worst = e > worst ? e : worst;
    }
    return tu_db(worst / amp);
}

static void tones(double rin, double rout, double limit_db)
{
    const double lo = rin < rout ? rin : rout;
    const double f[3] = {100.0, 1000.0, 0.85 * 0.5 * lo};
    const size_t n = (size_t)rin; /* one second */
    const size_t m = bx_resample_length(n, rin, rout);
    float *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
    bx_error e;
    sines(x, n, rin, f, 3, 0.25);
    checks++;
    if (bx_resample(x, n, rin, y, rout, &e) != BX_OK) {
        tu_fail("%g -> %g: %s", rin, rout, e.msg);
    } else {
        const size_t margin = (size_t)(4.0 * BX_RESAMPLE_HALF_TAPS * rout / lo);
        const double w = worst_db(y, m, rout, f, 3, 0.25, margin);
        printf("  %6g -> %6g Hz: worst error %.1f dB (limit %.0f)\n", rin, rout, w, -limit_db);
        if (w > -limit_db)
            tu_fail("%g -> %g: sines off by %.1f dB re amplitude (limit %.0f)", rin, rout, w,
                    -limit_db);
    }
    /* what lies above the new Nyquist frequency is removed */
    if (rout < rin) {
        const double fa = 1.05 * 0.5 * rout;
        sines(x, n, rin, &fa, 1, 0.5);
        checks++;
        if (bx_resample(x, n, rin, y, rout, &e) != BX_OK) {
            tu_fail("%g -> %g alias: %s", rin, rout, e.msg);
        } else {
            const size_t margin = (size_t)(4.0 * BX_RESAMPLE_HALF_TAPS);
            double s = 0;
            for (size_t i = margin; i + margin < m; i++)
                s += (double)y[i] * y[i];
            const double rms = sqrt(s / (double)(m - 2 * margin));
            const double db = tu_db(rms / (0.5 / sqrt(2.0)));
            printf("  %6g -> %6g Hz: tone at %.0f Hz folds back at %.1f dB\n", rin, rout, fa, db);
            if (db > -80.0)
                tu_fail("%g -> %g: a tone at %.0f Hz folds back at %.1f dB (limit -80)", rin, rout,
                        fa, db);
        }
    }
    free(x);
    free(y);
}

int main(void)
{
    printf("test_resample\n");
    tones(48000, 44100, 76);
    tones(44100, 48000, 76);
    tones(96000, 44100, 76);
    tones(44100, 96000, 76);
    tones(48000, 8000, 76);
    tones(44100, 47999, 64);

    /* DC gain 1 */
    {
        const size_t n = 48000, m = bx_resample_length(n, 48000, 44100);
        float *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
        bx_error e;
        for (size_t i = 0; i < n; i++)
            x[i] = 0.5f;
        checks++;
        if (bx_resample(x, n, 48000, y, 44100, &e) != BX_OK) {
            tu_fail("DC: %s", e.msg);
        } else {
            double worst = 0;
            for (size_t i = 200; i + 200 < m; i++)
                worst = fmax(worst, fabs(y[i] - 0.5));
            if (worst > 1e-4)
                tu_fail("DC 0.5 comes out off by up to %g (limit 1e-4)", worst);
        }
        free(x);
        free(y);
    }

    /* lengths */
    checks++;
    if (bx_resample_length(48000, 48000, 44100) != 44100 ||
        bx_resample_length(1, 48000, 44100) != 1 || bx_resample_length(0, 48000, 44100) != 0 ||
        bx_resample_length(147, 44100, 48000) != 160 ||
        bx_resample_length(148, 44100, 48000) != 162)
        tu_fail("bx_resample_length is not ceil(n * out / in)");

    /* no samples, and a single one: nothing read or written out of bounds
     * (the sanitizer build watches), the impulse comes out as the kernel's
     * centre tap (DC gain 1 spread over ~1.09 output samples) */
    {
        float one = 1.0f, out[4] = {9, 9, 9, 9};
        bx_error e;
        checks++;
        if (bx_resample(&one, 0, 48000, out, 44100, &e) != BX_OK || out[0] != 9.0f)
            tu_fail("an empty input is not an empty output");
        checks++;
        if (bx_resample(&one, 1, 48000, out, 44100, &e) != BX_OK ||
            !(out[0] > 0.8f && out[0] < 1.0f) || out[1] != 9.0f)
            tu_fail("a single sample at 48 kHz: got %g (want 0.8..1, the kernel's centre), then %g "
                    "(want untouched)",
                    out[0], out[1]);
    }

    /* non-finite samples are silence */
    {
        const size_t n = 4800, m = bx_resample_length(n, 48000, 44100);
        float *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y), *z = malloc(m * sizeof *z);
        const double f = 440.0;
        bx_error e;
        sines(x, n, 48000, &f, 1, 0.5);
        x[1000] = 0.0f;
        x[3000] = 0.0f;
        bx_status s1 = bx_resample(x, n, 48000, z, 44100, &e);
        x[1000] = NAN;
        x[3000] = INFINITY;
        bx_status s2 = bx_resample(x, n, 48000, y, 44100, &e);
        checks++;
        if (s1 || s2) {
            tu_fail("non-finite input: %s", e.msg);
        } else {
            double worst = 0;
            for (size_t i = 0; i < m; i++) {
                if (!isfinite(y[i])) {
                    tu_fail("non-finite input: output %zu is not finite", i);
                    break;
                }
                worst = fmax(worst, fabs(y[i] - z[i]));
            }
            if (worst > 1e-6)
                tu_fail("non-finite samples do not count as silence (off by %g)", worst);
        }
        free(x);
        free(y);
        free(z);
    }

    /* refusals */
    {
        float a[16] = {0}, b[16];
        bx_error e;
        checks++;
        if (bx_resample(NULL, 16, 48000, b, 44100, &e) != BX_ERR_ARG ||
            bx_resample(a, 16, 48000, NULL, 44100, &e) != BX_ERR_ARG ||
            bx_resample(a, 16, 48000, a, 44100, &e) != BX_ERR_ARG ||
            bx_resample(a, 16, 48000.5, b, 44100, &e) != BX_ERR_ARG ||
            bx_resample(a, 16, 48000, b, 500, &e) != BX_ERR_ARG ||
            bx_resample(a, 16, 1e6, b, 44100, &e) != BX_ERR_ARG)
            tu_fail("bad arguments are not all refused with BX_ERR_ARG");
    }
    return tu_finish("test_resample", checks);
}
