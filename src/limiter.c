/* limiter.c — instant-attack, exponential-release peak limiter with a final
 * per-sample bound, so the ceiling holds without look-ahead. */
#include "bx/limiter.h"

#include <math.h>

void bx_limiter_init(bx_limiter *l, double ceiling_db, double rate_hz)
{
    /* The largest float not above the ceiling: engine output is float, and a
     * double just under the ceiling could otherwise round up past it. */
    const double exact = pow(10.0, ceiling_db / 20.0);
    float cf = (float)exact;
    if ((double)cf > exact)
        cf = nextafterf(cf, 0.0f);
    l->ceiling_lin = cf;
    l->alpha_r = exp(-1.0 / (BX_LIMITER_RELEASE_MS * 1e-3 * rate_hz));
    bx_limiter_reset(l);
}

void bx_limiter_reset(bx_limiter *l)
{
    l->d = 0.0;
    l->gr_peak_db = 0.0;
}

/* Frames per pass: the peaks and the output are loops of independent frames
 * (they vectorise); only the gain runs frame by frame, as the reduction
 * d = 1 - g: one multiply per frame, and a division on the rare frames that
 * would pass the ceiling. A reduction below 1e-12 (-9e-12 dB) is none at
 * all, so that a limiter at rest (the usual case: it is a safety net) skips
 * its gain altogether on chunks that stay under the ceiling. */
enum { LIM_CHUNK = 64 };
#define D_MAX (1.0 - 8.881784197001252e-16) /* 1 - 2^-50 */

void bx_limiter_process(bx_limiter *l, double *x, size_t frames, unsigned channels)
{
    const double c = l->ceiling_lin, ar = l->alpha_r;
    double d = l->d, dmax = 0.0;
    if (!(d >= 0.0 && d <= D_MAX))
        d = 0.0; /* non-finite or corrupt state: start over */
    double buf[LIM_CHUNK];
    for (size_t i0 = 0; i0 < frames; i0 += LIM_CHUNK) {
        const size_t m = frames - i0 < LIM_CHUNK ? frames - i0 : LIM_CHUNK;
        double *f = x + i0 * channels;
        /* 1. each frame's peak; NaN and infinite samples become silence */
        if (channels == 1) {
            for (size_t j = 0; j < m; j++) {
                const double v = fabs(f[j]) <= 1e300 ? f[j] : 0.0;
                f[j] = v;
                buf[j] = fabs(v);
            }
        } else {
            for (size_t j = 0; j < m; j++) {
                double peak = 0.0;
                for (unsigned ch = 0; ch < channels; ch++) {
                    double *v = &f[j * channels + ch];
                    double a = fabs(*v);
                    if (!(a <= 1e300)) {
                        *v = 0.0;
                        a = 0.0;
                    }
                    peak = a > peak ? a : peak;
                }
                buf[j] = peak;
            }
        }
        if (d == 0.0) {
            size_t j = 0;
            while (j < m && buf[j] <= c)
                j++;
            if (j == m)
                continue; /* at rest and under the ceiling: gain 1, nothing to bound */
        }
        /* 2. instant attack (to the least reduction that keeps the frame at
         * the ceiling: rare, so a branch), exponential recovery toward unity */
        for (size_t j = 0; j < m; j++) {
            const double peak = buf[j];
            d *= ar;
            if (peak * (1.0 - d) > c) {
                d = 1.0 - c / peak;
                /* a gain under 2^-50 would round to 0 as 1 - d: hold it
                 * there, and the bound on every sample does the rest */
                d = d < D_MAX ? d : D_MAX;
            }
            d = d < 1e-12 ? 0.0 : d;
            dmax = d > dmax ? d : dmax;
            buf[j] = 1.0 - d;
        }
        /* 3. the gain, and the ceiling on every sample (rounding in c / peak
         * * f may land an ulp above it) */
        if (channels == 1) {
            for (size_t j = 0; j < m; j++) {
                const double y = f[j] * buf[j];
                f[j] = y > c ? c : y < -c ? -c : y;
            }
        } else {
            for (size_t j = 0; j < m; j++)
                for (unsigned ch = 0; ch < channels; ch++) {
                    const double y = f[j * channels + ch] * buf[j];
                    f[j * channels + ch] = y > c ? c : y < -c ? -c : y;
                }
        }
    }
    l->d = d;
    const double gr = -20.0 * log10(1.0 - dmax);
    if (gr > l->gr_peak_db)
        l->gr_peak_db = gr;
}

double bx_limiter_take_gr_peak_db(bx_limiter *l)
{
    const double g = l->gr_peak_db;
    l->gr_peak_db = 0.0;
    return g;
}
