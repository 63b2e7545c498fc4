/* compfit_kernel.h — internal: the compressor fit's inner loops, compiled
 * once per instruction set (like comp_kernel.h). The including file defines
 * COMPFIT_RUN and COMPFIT_GAIN_ERROR as the functions' names. */
#if !defined(COMPFIT_RUN) || !defined(COMPFIT_GAIN_ERROR)
#error "define COMPFIT_RUN and COMPFIT_GAIN_ERROR before including compfit_kernel.h"
#endif

#include <math.h>

#include "compfit_impl.h"
#include "fastmath.h"

/* Linear gain per block of bx_comp with params c (makeup ignored), block rate:
 * the same gain computer and smooth decoupled peak detector, in dB. The
 * detector runs first (a serial recursion), then the gains (a loop compilers
 * vectorise). */
void COMPFIT_RUN(proxy *p, const bx_comp_params *c)
{
    const double B = (double)p->blk, fs = p->rate_hz;
    const double aa = exp(-B / (c->attack_ms * 1e-3 * fs));
    const double ar = exp(-B / (c->release_ms * 1e-3 * fs));
    const double t = c->threshold_db, w = c->knee_db, slope = 1.0 - 1.0 / c->ratio;
    const double lo = t - 0.5 * w, hi = t + 0.5 * w, kw = w > 0 ? slope / (2.0 * w) : 0.0;
    const double *lv = c->detector == BX_DETECTOR_RMS ? p->rms_db : p->pk_db;
    double *g = p->g;
    const size_t n = p->nblk;
    double y1 = 0, yl = 0, env = 0;
    if (c->detector == BX_DETECTOR_LEVEL) {
        /* the follower in amplitude, fed the block's mean |x|; the gain acts at once */
        for (size_t b = 0; b < n; b++) {
            const double u = p->ma[b];
            env = u > env ? aa * env + (1.0 - aa) * u : ar * env + (1.0 - ar) * u;
            const double xg = env > 1e-30 ? 8.685889638065035 * bx_fast_ln(env) : -1000.0;
            double k = xg - lo;
            k = k > 0.0 ? k : 0.0;
            g[b] = xg <= hi ? kw * k * k : slope * (xg - t);
        }
    } else {
        const int branch = c->detector == BX_DETECTOR_BRANCH;
        for (size_t b = 0; b < n; b++) {
            /* static gain reduction (Giannoulis et al. 2012, eq. 4), branch-free:
             * 0 below the knee, kw k^2 in it, slope (xg - t) above */
            const double xg = lv[b];
            double k = xg - lo;
            k = k > 0.0 ? k : 0.0;
            const double xl = xg <= hi ? kw * k * k : slope * (xg - t);
            if (branch) { /* one one-pole, rising with attack, falling with release */
                yl = xl > yl ? aa * yl + (1.0 - aa) * xl : ar * yl + (1.0 - ar) * xl;
            } else { /* the smooth decoupled detector */
                const double rel = ar * y1 + (1.0 - ar) * xl;
                y1 = xl > rel ? xl : rel;
                yl = aa * yl + (1.0 - aa) * y1;
            }
            g[b] = yl;
        }
    }
    const double *ms = p->ms;
    double *e = p->e;
    for (size_t b = 0; b < n; b++) {
        g[b] = bx_fast_exp(-0.11512925464970229 * g[b]); /* 10^(-yl/20) */
        e[b] = g[b] * g[b] * ms[b];
    }
}

/* Paired fit: RMS over the frames with weight of measured minus applied gain
 * (p->e over p->ms), dB, the mean difference removed (returned in *mean).
 * The logarithms run as one flat loop over p->work (vectorised); the few
 * ratios that are not positive normal numbers go to libm as bx_fast_ln
 * would send them. */
double COMPFIT_GAIN_ERROR(proxy *p, const double *meas, const double *wf, size_t nf, size_t fb,
                          double *mean)
{
    double *r = p->work; /* nf <= nblk */
    for (size_t f = 0; f < nf; f++) {
        double num = 0, den = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            num += p->e[b], den += p->ms[b];
        r[f] = num / den;
    }
    int odd = 0;
    for (size_t f = 0; f < nf; f++) {
        const double v = r[f];
        const int normal = v >= 2.2250738585072014e-308 && v <= 1.7976931348623157e308;
        odd |= !normal;
        r[f] = bx_fast_ln_normal(normal ? v : 1.0);
    }
    if (odd) /* recompute those from the ratios */
        for (size_t f = 0; f < nf; f++) {
            double num = 0, den = 0;
            for (size_t b = f * fb; b < (f + 1) * fb; b++)
                num += p->e[b], den += p->ms[b];
            const double v = num / den;
            if (!(v >= 2.2250738585072014e-308 && v <= 1.7976931348623157e308))
                r[f] = log(v);
        }
    double sw = 0, sd = 0, sdd = 0;
    for (size_t f = 0; f < nf; f++) {
        if (wf[f] <= 0)
            continue;
        const double d = meas[f] - 4.342944819032518 * r[f]; /* 10 log10 */
        sw += 1, sd += d, sdd += d * d;
    }
    if (mean)
        *mean = sd / sw;
    return sqrt(fmax(sdd / sw - (sd / sw) * (sd / sw), 0.0));
}
