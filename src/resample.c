/* resample.c — band-limited interpolation with a tabulated Kaiser-windowed
 * sinc (J. O. Smith, "Digital Audio Resampling"), polyphase for rational
 * ratios. */
#include "bx/resample.h"

#include <math.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Modified Bessel function of the first kind, order 0 (power series; the
 * terms fall fast for the arguments used here, beta <= 20). */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    const double q = 0.25 * x * x;
    for (int k = 1; k < 64; k++) {
        term *= q / ((double)k * (double)k);
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return sum;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        const uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int rate_ok(double r)
{
    return r >= 1000.0 && r <= 768000.0 && r == floor(r);
}

size_t bx_resample_length(size_t n, double rate_in_hz, double rate_out_hz)
{
    if (!(rate_in_hz > 0) || !(rate_out_hz > 0))
        return 0;
    return (size_t)ceil((double)n * rate_out_hz / rate_in_hz - 1e-9);
}

bx_status bx_resample(const float *x, size_t n, double rate_in_hz, float *y, double rate_out_hz,
                      bx_error *err)
{
    if (!x || !y || x == y)
        return bx_error_set(err, BX_ERR_ARG, "resample: NULL or overlapping buffers");
    if (!rate_ok(rate_in_hz) || !rate_ok(rate_out_hz))
        return bx_error_set(err, BX_ERR_ARG,
                            "resample: %g Hz -> %g Hz: rates must be whole Hz, 1000..768000",
                            rate_in_hz, rate_out_hz);
    const uint64_t rin = (uint64_t)rate_in_hz, rout = (uint64_t)rate_out_hz;
    const uint64_t g = gcd_u64(rin, rout), L = rout / g, M = rin / g;
    const int exact = L <= BX_RESAMPLE_MAX_PHASES;
    const size_t phases = exact ? (size_t)L : BX_RESAMPLE_MAX_PHASES;

    /* kernel in input samples: cutoff fc (cycles per input sample), half
     * width win; c scales both to the lower rate */
    const double c = rate_out_hz < rate_in_hz ? rate_out_hz / rate_in_hz : 1.0;
    const double fc = 0.5 * BX_RESAMPLE_CUTOFF * c, win = BX_RESAMPLE_HALF_TAPS / c;
    const long half = (long)ceil(win);
    const size_t taps = (size_t)(2 * half + 1);
    double *tab = bx_malloc(phases * taps * sizeof(double));
    if (!tab)
        return bx_error_set(err, BX_ERR_NOMEM, "resample: out of memory (%zu x %zu phase table)",
                            phases, taps);
    const double i0b = bessel_i0(BX_RESAMPLE_BETA);
    for (size_t p = 0; p < phases; p++) {
        const double frac = (double)p / (double)phases;
        for (size_t i = 0; i < taps; i++) {
            /* tap i reads input sample floor(t) - half + i; u = t - that */
            const double u = frac + (double)half - (double)i, r = u / win;
            double h = 0.0;
            if (fabs(r) < 1.0) {
                const double a = 2.0 * fc * u;
                const double sinc = fabs(a) < 1e-12 ? 1.0 : sin(M_PI * a) / (M_PI * a);
                h = 2.0 * fc * sinc * bessel_i0(BX_RESAMPLE_BETA * sqrt(1.0 - r * r)) / i0b;
            }
            tab[p * taps + i] = h;
        }
    }

    const size_t nout = bx_resample_length(n, rate_in_hz, rate_out_hz);
    for (size_t m = 0; m < nout; m++) {
        long kb;
        size_t p;
        if (exact) {
            const uint64_t num = (uint64_t)m * M;
            kb = (long)(num / L);
            p = (size_t)(num % L);
        } else {
            const double t = (double)m * rate_in_hz / rate_out_hz, fl = floor(t);
            kb = (long)fl;
            p = (size_t)lround((t - fl) * (double)phases);
            if (p == phases) {
                p = 0;
                kb++;
            }
        }
        const double *h = tab + p * taps;
        const long k0 = kb - half;
        double acc = 0.0;
        if (k0 >= 0 && k0 + (long)taps <= (long)n) {
            const float *xs = x + k0;
            for (size_t i = 0; i < taps; i++)
                acc += h[i] * xs[i];
        }
        if (!(k0 >= 0 && k0 + (long)taps <= (long)n) || !isfinite(acc)) {
            /* the edges, or a non-finite sample nearby: the careful way */
            acc = 0.0;
            for (size_t i = 0; i < taps; i++) {
                const long k = k0 + (long)i;
                if (k >= 0 && k < (long)n && isfinite(x[k]))
                    acc += h[i] * x[k];
            }
        }
        y[m] = (float)acc;
    }
    bx_free(tab);
    return BX_OK;
}
