/* comp.c — feed-forward compressor, Giannoulis, Massberg & Reiss (JAES 2012):
 * soft-knee gain computer (eq. 4) and smooth decoupled peak detector (eq. 17)
 * running on the gain-reduction signal in dB. The per-sample log and exp are
 * fastmath.h's (errors below -160 dB; test_comp checks the output against
 * libm's to -120 dB). */
#include "bx/comp.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"
#include "simd_internal.h"

static double one_pole(double ms, double rate_hz)
{
    return exp(-1.0 / (ms * 1e-3 * rate_hz));
}

static const char *const detector_names[] = {"peak",      "rms",   "level",     "branch",
                                             "rms_level", "power", "mean_level"};

const char *bx_detector_name(bx_detector d)
{
    return (unsigned)d < sizeof detector_names / sizeof *detector_names ? detector_names[d] : NULL;
}

int bx_detector_is_rms(bx_detector d)
{
    return d == BX_DETECTOR_RMS || d == BX_DETECTOR_RMS_LEVEL || d == BX_DETECTOR_POWER;
}

int bx_detector_averages(bx_detector d)
{
    return d == BX_DETECTOR_RMS_LEVEL || d == BX_DETECTOR_MEAN_LEVEL;
}

double bx_comp_rms_ms(const bx_comp_params *p)
{
    return bx_detector_averages(p->detector) && p->rms_ms > 0 ? p->rms_ms : BX_COMP_RMS_MS;
}

double bx_comp_knee_width_db(const bx_comp_params *p)
{
    return p->detector == BX_DETECTOR_POWER ? BX_COMP_POWER_KNEE_DB : p->knee_db;
}

bx_status bx_detector_parse(const char *name, bx_detector *d)
{
    for (unsigned i = 0; i < sizeof detector_names / sizeof *detector_names; i++)
        if (strcmp(name, detector_names[i]) == 0) {
            *d = (bx_detector)i;
            return BX_OK;
        }
    return BX_ERR_ARG;
}

void bx_comp_init(bx_comp *c, const bx_comp_params *p, double rate_hz)
{
    c->p = *p;
    c->alpha_a = one_pole(p->attack_ms, rate_hz);
    c->alpha_r = one_pole(p->release_ms, rate_hz);
    c->alpha_rms = one_pole(bx_comp_rms_ms(p), rate_hz);
    /* Below the bottom of the knee the gain computer is the identity, so the
     * detector can skip the logarithm there (the common case). */
    c->knee_lo_lin = pow(10.0, (p->threshold_db - 0.5 * p->knee_db) / 20.0);
    c->makeup_lin = pow(10.0, p->makeup_db / 20.0);
    c->p_thr = pow(10.0, p->threshold_db / 10.0);
    c->inv_p_thr = 1.0 / c->p_thr;
    c->q_hold = p->detector == BX_DETECTOR_POWER && p->hold ? 2.0 * c->p_thr : 0.0;
    c->simd = bx_simd_detect();
    bx_comp_reset(c);
}

static void clear(bx_comp *c)
{
    c->y1 = c->yl = c->ms = c->env = 0.0;
    c->qa = c->qr1 = c->qr2 = c->p_thr; /* silence: the threshold's power alone */
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
        c->ms = c->p.detector == BX_DETECTOR_MEAN_LEVEL ? lin : lin * lin; /* its mean |x| */
        c->y1 = c->yl = lvl - bx_comp_static_db(&c->p, lvl);
        c->qa = c->qr1 = c->qr2 = c->p_thr + lin * lin;
    }
}

double bx_comp_static_db(const bx_comp_params *p, double x)
{
    const double t = p->threshold_db, w = p->knee_db, r = p->ratio;
    if (p->detector == BX_DETECTOR_POWER) /* the power sum's knee */
        return x - (1.0 - 1.0 / r) * 10.0 * log10(1.0 + pow(10.0, 0.1 * (x - t)));
    const double over = x - t;
    if (2.0 * over < -w)
        return x;
    if (w > 0.0 && 2.0 * fabs(over) <= w) {
        const double k = over + 0.5 * w;
        return x + (1.0 / r - 1.0) * k * k / (2.0 * w);
    }
    return t + over / r;
}

/* The kernels: comp_kernel.h compiled here for the baseline instruction set
 * and in comp_avx2.c for AVX2 + FMA; bx_comp_init picks one. */
#define COMP_KERNEL comp_process_baseline
static void comp_process_baseline(bx_comp *c, double *x, size_t frames, unsigned channels,
                                  double *gr_db);
#include "comp_kernel.h"

void bx_comp_process_gr(bx_comp *c, double *x, size_t frames, unsigned channels, double *gr_db)
{
#if BX_HAVE_AVX2_KERNELS
    if (c->simd == BX_SIMD_AVX2_FMA) {
        bx_comp_process_avx2(c, x, frames, channels, gr_db);
        return;
    }
#endif
    comp_process_baseline(c, x, frames, channels, gr_db);
}

void bx_comp_process(bx_comp *c, double *x, size_t frames, unsigned channels)
{
    bx_comp_process_gr(c, x, frames, channels, NULL);
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
        !isfinite(c->gr_peak_db) || !isfinite(c->qa) || !isfinite(c->qr1) || !isfinite(c->qr2))
        clear(c);
    if (c->ms < 1e-30)
        c->ms = 0.0;
    if (c->env < 1e-30)
        c->env = 0.0;
}
