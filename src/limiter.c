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
    l->g = 1.0;
    l->gr_peak_db = 0.0;
}

void bx_limiter_process(bx_limiter *l, double *x, size_t frames, unsigned channels)
{
    const double c = l->ceiling_lin, ar = l->alpha_r;
    double g = l->g, gmin = 1.0;
    if (!(g > 0.0 && g <= 1.0))
        g = 1.0; /* non-finite or corrupt state: start over */
    for (size_t i = 0; i < frames; i++) {
        double *f = x + i * channels;
        double peak = 0.0;
        for (unsigned ch = 0; ch < channels; ch++) {
            double a = fabs(f[ch]);
            if (!(a <= 1e300)) { /* NaN or infinite: silence the sample */
                f[ch] = 0.0;
                a = 0.0;
            }
            if (a > peak)
                peak = a;
        }
        g = 1.0 - ar * (1.0 - g); /* recover toward unity */
        if (peak * g > c)
            g = c / peak;
        if (g < gmin)
            gmin = g;
        for (unsigned ch = 0; ch < channels; ch++) {
            double y = f[ch] * g;
            /* rounding in c / peak * f may land one ulp above c */
            if (y > c)
                y = c;
            else if (y < -c)
                y = -c;
            f[ch] = y;
        }
    }
    l->g = g;
    const double gr = -20.0 * log10(gmin);
    if (gr > l->gr_peak_db)
        l->gr_peak_db = gr;
}

double bx_limiter_take_gr_peak_db(bx_limiter *l)
{
    const double g = l->gr_peak_db;
    l->gr_peak_db = 0.0;
    return g;
}
