/* comp.c — feed-forward compressor, Giannoulis, Massberg & Reiss (JAES 2012):
 * soft-knee gain computer (eq. 4) and smooth decoupled peak detector (eq. 17)
 * running on the gain-reduction signal in dB. The per-sample log and exp are
 * fastmath.h's (errors below -160 dB; test_comp checks the output against
 * libm's to -120 dB). */
#include "bx/comp.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"

static double one_pole(double ms, double rate_hz)
{
    return exp(-1.0 / (ms * 1e-3 * rate_hz));
}

static const char *const detector_names[] = {"peak", "rms", "level"};

const char *bx_detector_name(bx_detector d)
{
    return (unsigned)d < sizeof detector_names / sizeof *detector_names ? detector_names[d] : NULL;
}

int bx_detector_from_name(const char *name)
{
    for (unsigned i = 0; i < sizeof detector_names / sizeof *detector_names; i++)
        if (strcmp(name, detector_names[i]) == 0)
            return (int)i;
    return -1;
}

void bx_comp_init(bx_comp *c, const bx_comp_params *p, double rate_hz)
{
    c->p = *p;
    c->alpha_a = one_pole(p->attack_ms, rate_hz);
    c->alpha_r = one_pole(p->release_ms, rate_hz);
    c->alpha_rms = one_pole(BX_COMP_RMS_MS, rate_hz);
    /* Below the bottom of the knee the gain computer is the identity, so the
     * detector can skip the logarithm there (the common case). */
    c->knee_lo_lin = pow(10.0, (p->threshold_db - 0.5 * p->knee_db) / 20.0);
    c->makeup_lin = pow(10.0, p->makeup_db / 20.0);
    bx_comp_reset(c);
}

void bx_comp_reset(bx_comp *c)
{
    c->y1 = c->yl = c->ms = c->env = 0.0;
    c->gr_peak_db = 0.0;
}

double bx_comp_static_db(const bx_comp_params *p, double x)
{
    const double t = p->threshold_db, w = p->knee_db, r = p->ratio;
    const double over = x - t;
    if (2.0 * over < -w)
        return x;
    if (w > 0.0 && 2.0 * fabs(over) <= w) {
        const double k = over + 0.5 * w;
        return x + (1.0 / r - 1.0) * k * k / (2.0 * w);
    }
    return t + over / r;
}

void bx_comp_process(bx_comp *c, double *x, size_t frames, unsigned channels)
{
    const double aa = c->alpha_a, ar = c->alpha_r, arms = c->alpha_rms;
    const double lo = c->knee_lo_lin, makeup_lin = c->makeup_lin, makeup_db = c->p.makeup_db;
    const int rms = c->p.detector == BX_DETECTOR_RMS, follow = c->p.detector == BX_DETECTOR_LEVEL;
    const double inv_ch = 1.0 / channels;
    double y1 = c->y1, yl = c->yl, ms = c->ms, env = c->env, grp = c->gr_peak_db;

    for (size_t i = 0; i < frames; i++) {
        double *f = x + i * channels;
        double level; /* linear detector level */
        if (rms) {
            double sq = 0.0;
            for (unsigned ch = 0; ch < channels; ch++)
                sq += f[ch] * f[ch];
            ms = arms * ms + (1.0 - arms) * sq * inv_ch;
            level = sqrt(ms);
        } else {
            level = 0.0;
            for (unsigned ch = 0; ch < channels; ch++) {
                const double a = fabs(f[ch]);
                if (a > level)
                    level = a;
            }
        }
        if (follow) { /* envelope follower in amplitude: rise with attack, fall with release */
            env = level > env ? aa * env + (1.0 - aa) * level : ar * env + (1.0 - ar) * level;
            level = env;
        }
        double xl = 0.0; /* static gain reduction, dB >= 0 */
        if (level > lo) {
            const double xg = 8.685889638065035 * bx_fast_ln(level); /* 20 log10 */
            xl = xg - bx_comp_static_db(&c->p, xg);
        }
        if (follow) {
            y1 = yl = xl; /* the level is already smoothed: the gain follows it at once */
        } else {
            /* smooth decoupled peak detector */
            const double rel = ar * y1 + (1.0 - ar) * xl;
            y1 = xl > rel ? xl : rel;
            yl = aa * yl + (1.0 - aa) * y1;
            if (yl < 1e-12 && y1 < 1e-12)
                yl = y1 = 0.0; /* below 1e-12 dB: exact unity, keeps the fast path */
        }
        if (yl > grp)
            grp = yl;
        const double g =
            yl == 0.0 ? makeup_lin : bx_fast_exp(0.11512925464970229 * (makeup_db - yl));
        for (unsigned ch = 0; ch < channels; ch++)
            f[ch] *= g;
    }
    c->y1 = y1;
    c->yl = yl;
    c->ms = ms;
    c->env = env;
    c->gr_peak_db = grp;
}

double bx_comp_gain_reduction_db(const bx_comp *c)
{
    return c->yl;
}

double bx_comp_take_gr_peak_db(bx_comp *c)
{
    const double g = c->gr_peak_db;
    c->gr_peak_db = c->yl;
    return g;
}

void bx_comp_sanitize(bx_comp *c)
{
    if (!isfinite(c->y1) || !isfinite(c->yl) || !isfinite(c->ms) || !isfinite(c->env) ||
        !isfinite(c->gr_peak_db))
        bx_comp_reset(c);
    if (c->ms < 1e-30)
        c->ms = 0.0;
    if (c->env < 1e-30)
        c->env = 0.0;
}
