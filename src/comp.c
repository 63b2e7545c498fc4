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

static void clear(bx_comp *c)
{
    c->y1 = c->yl = c->ms = c->env = 0.0;
    c->gr_peak_db = 0.0;
}

void bx_comp_reset(bx_comp *c)
{
    clear(c);
    if (c->p.has_start_level) {
        /* the steady state of every detector under a constant level L: the
         * amplitude follower and the mean square sit at L, the smoothed gain
         * reduction at the static curve's value there */
        const double lvl = c->p.start_level_db, lin = pow(10.0, lvl / 20.0);
        c->env = lin;
        c->ms = lin * lin;
        c->y1 = c->yl = lvl - bx_comp_static_db(&c->p, lvl);
    }
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

/* Frames per pass of bx_comp_process. The detector levels, the static gain
 * reduction and the gains of a chunk are each one loop of independent
 * frames (the logarithms and exponentials vectorise); only the smoothing
 * between them runs frame by frame. */
enum { COMP_CHUNK = 64 };

/* Static gain reduction (dB, >= 0) at linear detector level `level`, zero
 * at or below lo (the bottom of the knee). Free of branches, so that a loop
 * of it vectorises; the same curve as bx_comp_static_db. */
static inline double reduction_db(double level, double lo, double t, double half_w, double slope,
                                  double inv_2w)
{
    /* lo > 0; the clamp keeps the logarithm's argument a positive normal number */
    const double lv = level > lo ? (level < 1e300 ? level : 1e300) : lo;
    const double over = 8.685889638065035 * bx_fast_ln_normal(lv) - t; /* 20 log10 - t */
    const double k = over + half_w;
    const double xl = over > half_w ? slope * over : slope * k * k * inv_2w;
    return level > lo ? xl : 0.0;
}

void bx_comp_process(bx_comp *c, double *x, size_t frames, unsigned channels)
{
    const double aa = c->alpha_a, ar = c->alpha_r, arms = c->alpha_rms;
    const double lo = c->knee_lo_lin, makeup_lin = c->makeup_lin, makeup_db = c->p.makeup_db;
    const double t = c->p.threshold_db, w = c->p.knee_db, slope = 1.0 - 1.0 / c->p.ratio;
    const double half_w = 0.5 * w, inv_2w = w > 0.0 ? 0.5 / w : 0.0;
    const int rms = c->p.detector == BX_DETECTOR_RMS, follow = c->p.detector == BX_DETECTOR_LEVEL;
    const double inv_ch = 1.0 / channels;
    double y1 = c->y1, yl = c->yl, ms = c->ms, env = c->env, grp = c->gr_peak_db;
    double buf[COMP_CHUNK];

    for (size_t i0 = 0; i0 < frames; i0 += COMP_CHUNK) {
        const size_t m = frames - i0 < COMP_CHUNK ? frames - i0 : COMP_CHUNK;
        double *f = x + i0 * channels;
        /* 1. the detector's linear level */
        if (channels == 1 && !rms) {
            for (size_t j = 0; j < m; j++)
                buf[j] = fabs(f[j]);
        } else {
            for (size_t j = 0; j < m; j++) {
                const double *fr = f + j * channels;
                double level = 0.0;
                if (rms) {
                    double sq = 0.0;
                    for (unsigned ch = 0; ch < channels; ch++)
                        sq += fr[ch] * fr[ch];
                    ms = arms * ms + (1.0 - arms) * sq * inv_ch;
                    level = sqrt(ms);
                } else {
                    for (unsigned ch = 0; ch < channels; ch++) {
                        const double a = fabs(fr[ch]);
                        if (a > level)
                            level = a;
                    }
                }
                buf[j] = level;
            }
        }
        if (follow) /* envelope follower in amplitude: rise with attack, fall with release */
            for (size_t j = 0; j < m; j++) {
                const double level = buf[j];
                env = level > env ? aa * env + (1.0 - aa) * level : ar * env + (1.0 - ar) * level;
                buf[j] = env;
            }
        /* 2. the static gain reduction, dB >= 0 */
        for (size_t j = 0; j < m; j++)
            buf[j] = reduction_db(buf[j], lo, t, half_w, slope, inv_2w);
        /* 3. smoothing: the level detector's level is smoothed already (the
         * gain follows it at once); the others go through the smooth
         * decoupled peak detector */
        for (size_t j = 0; j < m; j++) {
            const double xl = buf[j];
            if (follow) {
                y1 = yl = xl;
            } else {
                const double rel = ar * y1 + (1.0 - ar) * xl;
                y1 = xl > rel ? xl : rel;
                yl = aa * yl + (1.0 - aa) * y1;
                if (yl < 1e-12 && y1 < 1e-12)
                    yl = y1 = 0.0; /* below 1e-12 dB: exact unity */
            }
            if (yl > grp)
                grp = yl;
            buf[j] = yl;
        }
        /* 4. the gains */
        for (size_t j = 0; j < m; j++) {
            const double g = bx_fast_exp(0.11512925464970229 * (makeup_db - buf[j]));
            buf[j] = buf[j] == 0.0 ? makeup_lin : g;
        }
        if (channels == 1) {
            for (size_t j = 0; j < m; j++)
                f[j] *= buf[j];
        } else {
            for (size_t j = 0; j < m; j++)
                for (unsigned ch = 0; ch < channels; ch++)
                    f[j * channels + ch] *= buf[j];
        }
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
        clear(c);
    if (c->ms < 1e-30)
        c->ms = 0.0;
    if (c->env < 1e-30)
        c->env = 0.0;
}
