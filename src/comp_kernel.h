/* comp_kernel.h — internal: the body of bx_comp_process, compiled once per
 * instruction set. The including file defines COMP_KERNEL as the function's
 * name: comp.c builds the baseline kernel, comp_avx2.c the same source with
 * AVX2 and FMA (four frames per vector in the loops that vectorise, fused
 * multiply-adds elsewhere). Both do the same computation; they differ only
 * in rounding (fused operations), far below -120 dB (test_comp). */
#ifndef COMP_KERNEL
#error "define COMP_KERNEL before including comp_kernel.h"
#endif

#include <math.h>

#include "bx/comp.h"
#include "comp_static.h"

/* Frames per pass of bx_comp_process. The detector levels, the static gain
 * reduction and the gains of a chunk are each one loop of independent
 * frames (the logarithms and exponentials vectorise); only the smoothing
 * between them runs frame by frame. */
#ifndef COMP_CHUNK
#define COMP_CHUNK 64
#endif

void COMP_KERNEL(bx_comp *c, double *x, size_t frames, unsigned channels, double *gr_db)
{
    const double aa = c->alpha_a, ar = c->alpha_r, arms = c->alpha_rms;
    const double lo = c->knee_lo_lin, makeup_lin = c->makeup_lin, makeup_db = c->p.makeup_db;
    const double t = c->p.threshold_db, w = c->p.knee_db, slope = 1.0 - 1.0 / c->p.ratio;
    const double half_w = 0.5 * w, inv_2w = w > 0.0 ? 0.5 / w : 0.0;
    const int rms = c->p.detector == BX_DETECTOR_RMS || c->p.detector == BX_DETECTOR_RMS_LEVEL;
    const int power = c->p.detector == BX_DETECTOR_POWER;
    const double pt = c->p_thr, inv_pt = c->inv_p_thr, qh = c->q_hold;
    double qa = c->qa, qr1 = c->qr1, qr2 = c->qr2;
    const int mean = c->p.detector == BX_DETECTOR_MEAN_LEVEL;
    const int follow =
        c->p.detector == BX_DETECTOR_LEVEL || c->p.detector == BX_DETECTOR_RMS_LEVEL || mean;
    const int branch = c->p.detector == BX_DETECTOR_BRANCH;
    const double inv_ch = 1.0 / channels;
    double y1 = c->y1, yl = c->yl, ms = c->ms, env = c->env, grp = c->gr_peak_db;
    double buf[COMP_CHUNK];

    for (size_t i0 = 0; i0 < frames; i0 += COMP_CHUNK) {
        const size_t m = frames - i0 < COMP_CHUNK ? frames - i0 : COMP_CHUNK;
        double *f = x + i0 * channels;
        if (power) {
            /* the mean square plus the threshold's power, averaged over the
             * attack time; two release stages hold its peaks */
            const double aa1 = 1.0 - aa, ar1 = 1.0 - ar;
            for (size_t j = 0; j < m; j++) {
                const double *fr = f + j * channels;
                double sq = 0.0;
                for (unsigned ch = 0; ch < channels; ch++)
                    sq += fr[ch] * fr[ch];
                qa = aa * qa + aa1 * (pt + sq * inv_ch);
                const int held = qa < qh; /* under the threshold, with hold */
                qr1 = qr1 < qa ? qa : held ? qr1 : ar * qr1;
                qr2 = qr2 < qa ? qa : held ? qr2 : ar * qr2 + ar1 * qr1;
                buf[j] = qr2;
            }
            /* the reduction, slope 10 log10(q / p_t), none below 1e-12 dB */
            int over = 0;
            for (size_t j = 0; j < m; j++)
                over |= buf[j] > pt;
            if (over)
                for (size_t j = 0; j < m; j++)
                    buf[j] = comp_power_reduction_db(buf[j], inv_pt, slope);
            else
                for (size_t j = 0; j < m; j++)
                    buf[j] = 0.0;
            for (size_t j = 0; j < m; j++)
                grp = buf[j] > grp ? buf[j] : grp;
            y1 = yl = buf[m - 1];
        } else {
            /* 1. the detector's linear level */
            if (mean) { /* |x| averaged over the channels and in time */
                for (size_t j = 0; j < m; j++) {
                    const double *fr = f + j * channels;
                    double s = 0.0;
                    for (unsigned ch = 0; ch < channels; ch++)
                        s += fabs(fr[ch]);
                    ms = arms * ms + (1.0 - arms) * s * inv_ch;
                    buf[j] = ms;
                }
            } else if (channels == 1 && !rms) {
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
                    env =
                        level > env ? aa * env + (1.0 - aa) * level : ar * env + (1.0 - ar) * level;
                    buf[j] = env;
                }
            /* 2. the static gain reduction, dB >= 0 (none in a chunk that stays
             * below the knee, the common case between hits: the same zeros) */
            int over = 0;
            for (size_t j = 0; j < m; j++)
                over |= buf[j] > lo;
            if (over)
                for (size_t j = 0; j < m; j++)
                    buf[j] = comp_reduction_db(buf[j], lo, t, half_w, slope, inv_2w);
            else
                for (size_t j = 0; j < m; j++)
                    buf[j] = 0.0;
            /* 3. smoothing: the level detector's level is smoothed already (the
             * gain follows it at once); the others go through the smooth
             * decoupled peak detector */
            if (follow) {
                for (size_t j = 0; j < m; j++)
                    grp = buf[j] > grp ? buf[j] : grp;
                y1 = yl = buf[m - 1];
            } else if (branch) {
                /* one one-pole on the gain reduction, rising with attack and
                 * falling with release */
                const double ar1 = 1.0 - ar, aa1 = 1.0 - aa;
                for (size_t j = 0; j < m; j++) {
                    const double xl = buf[j];
                    yl = xl > yl ? aa * yl + aa1 * xl : ar * yl + ar1 * xl;
                    if (yl < 1e-12 && xl < 1e-12)
                        yl = 0.0; /* below 1e-12 dB: exact unity */
                    grp = yl > grp ? yl : grp;
                    buf[j] = yl;
                }
                y1 = yl;
            } else {
                const double ar1 = 1.0 - ar, aa1 = 1.0 - aa;
                for (size_t j = 0; j < m; j++) {
                    const double xl = buf[j];
                    const double rel = ar * y1 + ar1 * xl;
                    y1 = xl > rel ? xl : rel;
                    yl = aa * yl + aa1 * y1;
                    if (yl < 1e-12 && y1 < 1e-12)
                        yl = y1 = 0.0; /* below 1e-12 dB: exact unity */
                    grp = yl > grp ? yl : grp;
                    buf[j] = yl;
                }
            }
        }          /* power */
        if (gr_db) /* each frame's reduction: yl after it (the level detector's own) */
            for (size_t j = 0; j < m; j++)
                gr_db[i0 + j] = buf[j];
        /* 4. the gains, applied: the makeup alone in a chunk without
         * reduction (the same values: a reduction of 0 takes makeup_lin
         * below too) */
        int reduces = 0;
        for (size_t j = 0; j < m; j++)
            reduces |= buf[j] != 0.0;
        if (!reduces) {
            for (size_t j = 0; j < m * channels; j++)
                f[j] *= makeup_lin;
        } else if (channels == 1) {
            for (size_t j = 0; j < m; j++) {
                const double g = bx_fast_exp(0.11512925464970229 * (makeup_db - buf[j]));
                f[j] *= buf[j] == 0.0 ? makeup_lin : g;
            }
        } else {
            for (size_t j = 0; j < m; j++) {
                const double g = bx_fast_exp(0.11512925464970229 * (makeup_db - buf[j]));
                buf[j] = buf[j] == 0.0 ? makeup_lin : g;
            }
            for (size_t j = 0; j < m; j++)
                for (unsigned ch = 0; ch < channels; ch++)
                    f[j * channels + ch] *= buf[j];
        }
    }
    c->y1 = y1;
    c->yl = yl;
    c->ms = ms;
    c->env = env;
    c->qa = qa, c->qr1 = qr1, c->qr2 = qr2;
    c->gr_peak_db = grp;
}
