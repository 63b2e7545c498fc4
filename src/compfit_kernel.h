/* compfit_kernel.h — internal: the compressor fit's inner loops, compiled
 * once per instruction set (like comp_kernel.h). The including file defines
 * COMPFIT_RUN, COMPFIT_RUN8 and COMPFIT_GAIN_ERROR as the functions' names
 * (and VEC8_AVX2, see vec8.h). */
#if !defined(COMPFIT_RUN) || !defined(COMPFIT_RUN8) || !defined(COMPFIT_GAIN_ERROR)
#error "define COMPFIT_RUN, COMPFIT_RUN8 and COMPFIT_GAIN_ERROR before including compfit_kernel.h"
#endif

#include <math.h>

#include "compfit_impl.h"
#include "fastmath.h"
#include "vec8.h"

/* 20 log10 of the levels v[0..n) in place, -1000 for those at or below
 * 1e-30: bx_fast_ln's values, as one flat loop (which vectorises) unless a
 * level is not a normal number */
static void levels_db(double *v, size_t n)
{
    int odd = 0;
    for (size_t k = 0; k < n; k++)
        odd |= v[k] > 1e-30 && !(v[k] <= 1.7976931348623157e308);
    if (odd) {
        for (size_t k = 0; k < n; k++)
            v[k] = v[k] > 1e-30 ? 8.685889638065035 * bx_fast_ln(v[k]) : -1000.0;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const double x = v[k], l = 8.685889638065035 * bx_fast_ln_normal(x > 1e-30 ? x : 1.0);
        v[k] = x > 1e-30 ? l : -1000.0;
    }
}

/* The block's mean |x|: the mean of its parts' means (each a quarter of its samples) */
static inline double block_mean_abs(const double *lq)
{
    double s = 0.0;
    for (int k = 0; k < BX_LEVEL_PARTS; k++)
        s += lq[k];
    return s * (1.0 / BX_LEVEL_PARTS);
}

/* Linear gain per block of bx_comp with params c (makeup ignored), block rate:
 * the same gain computer and smooth decoupled peak detector, in dB (with
 * p->gr_db, the reduction in dB: no gains). The detector runs first (a
 * serial recursion), then the gains (a loop compilers vectorise). */
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
    if (c->detector == BX_DETECTOR_POWER) {
        /* the blocks' mean squares plus the threshold's power, averaged; the
         * two release stages; the reduction (as comp_kernel.h, block rate) */
        const double pt = pow(10.0, 0.1 * t), qh = c->hold ? 2.0 * pt : 0.0;
        double qa = pt, q1 = pt, q2 = pt;
        for (size_t b = 0; b < n; b++) {
            qa = aa * qa + (1.0 - aa) * (pt + p->ms[b]);
            const int held = qa < qh;
            q1 = q1 < qa ? qa : held ? q1 : ar * q1;
            q2 = q2 < qa ? qa : held ? q2 : ar * q2 + (1.0 - ar) * q1;
            g[b] = q2;
        }
        levels_db(g, n); /* 20 log10 q: the reduction is half of it less the threshold's */
        const double half_slope = 0.5 * slope;
        for (size_t b = 0; b < n; b++) {
            const double xl = half_slope * g[b] - slope * t;
            g[b] = xl > 0.0 ? xl : 0.0;
        }
    } else if (c->detector == BX_DETECTOR_LEVEL || bx_detector_averages(c->detector)) {
        /* the follower in amplitude, fed the block's |x| in parts ("level"),
         * the root of the blocks' mean squares averaged over rms_ms
         * ("rms_level") or the blocks' mean |x| averaged so ("mean_level");
         * the gain acts at once */
        const int rms = bx_detector_averages(c->detector);
        const int mean = c->detector == BX_DETECTOR_MEAN_LEVEL;
        const double am = rms ? exp(-B / (bx_comp_rms_ms(c) * 1e-3 * fs)) : 0.0;
        double sm = 0;
        if (rms) {
            for (size_t b = 0; b < n; b++) { /* the recursion alone */
                sm = am * sm +
                     (1.0 - am) * (mean ? block_mean_abs(p->lq + b * BX_LEVEL_PARTS) : p->ms[b]);
                const double u = mean ? sm : sqrt(sm);
                env = u > env ? aa * env + (1.0 - aa) * u : ar * env + (1.0 - ar) * u;
                g[b] = env;
            }
        } else { /* the block's parts of |x|, one after the other */
            const double Bq = B / BX_LEVEL_PARTS;
            const double qa = exp(-Bq / (c->attack_ms * 1e-3 * fs));
            const double qr = exp(-Bq / (c->release_ms * 1e-3 * fs));
            const double *lq = p->lq;
            for (size_t b = 0; b < n; b++) {
                for (int k = 0; k < BX_LEVEL_PARTS; k++) {
                    const double u = lq[b * BX_LEVEL_PARTS + k];
                    env = u > env ? qa * env + (1.0 - qa) * u : qr * env + (1.0 - qr) * u;
                }
                g[b] = env;
            }
        }
        levels_db(g, n); /* then the gain computer, flat loops */
        for (size_t b = 0; b < n; b++) {
            const double xg = g[b];
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
    if (p->gr_db)
        return;
    const double *ms = p->ms;
    double *e = p->e;
    for (size_t b = 0; b < n; b++) {
        g[b] = bx_fast_exp(-0.11512925464970229 * g[b]); /* 10^(-yl/20) */
        e[b] = g[b] * g[b] * ms[b];
    }
}

/* frame f's mean square after the gain over its mean square before */
static double frame_ratio(const proxy *p, size_t f, size_t fb)
{
    double num = 0, den = 0;
    for (size_t b = f * fb; b < (f + 1) * fb; b++)
        num += p->e[b], den += p->ms[b];
    return num / den;
}

/* Paired fit: RMS over the frames used[0..n_used) of measured minus applied
 * gain (p->e over p->ms; with p->gr_db, minus the reduction in g), dB, the
 * mean difference removed (returned in *mean); the frames left out
 * (silence, the settling time) cost nothing. The logarithms run as one flat
 * loop over p->work (vectorised); the few ratios that are not positive
 * normal numbers go to libm as bx_fast_ln would send them. */
double COMPFIT_GAIN_ERROR(proxy *p, const double *meas, const uint32_t *used, size_t n_used,
                          size_t fb, double *mean)
{
    if (p->gr_db) { /* a frame is a block: its gain is the reduction's */
        double sd = 0, sdd = 0;
        for (size_t k = 0; k < n_used; k++) {
            const double d = meas[used[k]] + p->g[used[k]];
            sd += d, sdd += d * d;
        }
        const double sw = (double)n_used;
        if (mean)
            *mean = sd / sw;
        return sqrt(fmax(sdd / sw - (sd / sw) * (sd / sw), 0.0));
    }
    double *r = p->work; /* n_used <= nblk */
    if (fb == 1)
        for (size_t k = 0; k < n_used; k++)
            r[k] = p->e[used[k]] / p->ms[used[k]];
    else
        for (size_t k = 0; k < n_used; k++)
            r[k] = frame_ratio(p, used[k], fb);
    int odd = 0;
    for (size_t k = 0; k < n_used; k++) {
        const double v = r[k];
        const int normal = v >= 2.2250738585072014e-308 && v <= 1.7976931348623157e308;
        odd |= !normal;
        r[k] = bx_fast_ln_normal(normal ? v : 1.0);
    }
    if (odd) /* recompute those from the ratios */
        for (size_t k = 0; k < n_used; k++) {
            const double v = frame_ratio(p, used[k], fb);
            if (!(v >= 2.2250738585072014e-308 && v <= 1.7976931348623157e308))
                r[k] = log(v);
        }
    double sw = 0, sd = 0, sdd = 0;
    for (size_t k = 0; k < n_used; k++) {
        const double d = meas[used[k]] - 4.342944819032518 * r[k]; /* 10 log10 */
        sw += 1, sd += d, sdd += d * d;
    }
    if (mean)
        *mean = sd / sw;
    return sqrt(fmax(sdd / sw - (sd / sw) * (sd / sw), 0.0));
}

/* COMPFIT_RUN8 for the followers ("level", "rms_level"): the levels of
 * every lane as one vector recursion, then the gain computer and the gains
 * as flat loops, in COMPFIT_RUN's arithmetic */
static void run8_followers(const proxy *p, const bx_comp_params *c, double *scratch)
{
    const double B = (double)p->blk, fs = p->rate_hz;
    const int rms = bx_detector_averages(c[0].detector);
    const int mean = c[0].detector == BX_DETECTOR_MEAN_LEVEL;
    double aa[8], ar[8], aa1[8], ar1[8], am[8], am1[8], t[8], slope[8], lo[8], hi[8], kw[8];
    /* "level" steps once per part of the block */
    const double Bs = rms ? B : B / BX_LEVEL_PARTS;
    for (int l = 0; l < 8; l++) {
        aa[l] = exp(-Bs / (c[l].attack_ms * 1e-3 * fs));
        ar[l] = exp(-Bs / (c[l].release_ms * 1e-3 * fs));
        am[l] = rms ? exp(-B / (bx_comp_rms_ms(&c[l]) * 1e-3 * fs)) : 0.0;
        aa1[l] = 1.0 - aa[l], ar1[l] = 1.0 - ar[l], am1[l] = 1.0 - am[l];
        t[l] = c[l].threshold_db;
        const double w = c[l].knee_db;
        slope[l] = 1.0 - 1.0 / c[l].ratio;
        lo[l] = t[l] - 0.5 * w, hi[l] = t[l] + 0.5 * w;
        kw[l] = w > 0 ? slope[l] / (2.0 * w) : 0.0;
    }
    const vd vaa = v_ld(aa), var = v_ld(ar), vaa1 = v_ld(aa1), var1 = v_ld(ar1);
    const vd vam = v_ld(am), vam1 = v_ld(am1);
    vd sm = v_set1(0.0), env = v_set1(0.0);
    const size_t n = p->nblk;
    if (rms) {
        for (size_t b = 0; b < n; b++) {
            const double in = mean ? block_mean_abs(p->lq + b * BX_LEVEL_PARTS) : p->ms[b];
            sm = v_add(v_mul(vam, sm), v_mul(vam1, v_set1(in)));
            const vd u = mean ? sm : v_sqrt(sm);
            env = v_sel(v_gt(u, env), v_add(v_mul(vaa, env), v_mul(vaa1, u)),
                        v_add(v_mul(var, env), v_mul(var1, u)));
            v_st(scratch + b * 8, env);
        }
    } else {
        const double *lq = p->lq;
        for (size_t b = 0; b < n; b++) {
            for (int k = 0; k < BX_LEVEL_PARTS; k++) {
                const vd u = v_set1(lq[b * BX_LEVEL_PARTS + k]);
                env = v_sel(v_gt(u, env), v_add(v_mul(vaa, env), v_mul(vaa1, u)),
                            v_add(v_mul(var, env), v_mul(var1, u)));
            }
            v_st(scratch + b * 8, env);
        }
    }
    levels_db(scratch, 8 * n);
    for (size_t b = 0; b < n; b++)
        for (int l = 0; l < 8; l++) {
            const double xg = scratch[b * 8 + l];
            double k = xg - lo[l];
            k = k > 0.0 ? k : 0.0;
            scratch[b * 8 + l] = xg <= hi[l] ? kw[l] * k * k : slope[l] * (xg - t[l]);
        }
}

/* COMPFIT_RUN8 for "power": every lane's held power as one vector
 * recursion, then the reduction as flat loops, in COMPFIT_RUN's arithmetic */
static void run8_power(const proxy *p, const bx_comp_params *c, double *scratch)
{
    const double B = (double)p->blk, fs = p->rate_hz;
    double aa[8], ar[8], aa1[8], ar1[8], pt[8], hs[8], st[8], qh[8];
    for (int l = 0; l < 8; l++) {
        aa[l] = exp(-B / (c[l].attack_ms * 1e-3 * fs));
        ar[l] = exp(-B / (c[l].release_ms * 1e-3 * fs));
        aa1[l] = 1.0 - aa[l], ar1[l] = 1.0 - ar[l];
        const double slope = 1.0 - 1.0 / c[l].ratio;
        pt[l] = pow(10.0, 0.1 * c[l].threshold_db);
        hs[l] = 0.5 * slope, st[l] = slope * c[l].threshold_db;
        qh[l] = c[l].hold ? 2.0 * pt[l] : 0.0;
    }
    const vd vaa = v_ld(aa), var = v_ld(ar), vaa1 = v_ld(aa1), var1 = v_ld(ar1), vpt = v_ld(pt);
    const vd vqh = v_ld(qh);
    vd qa = vpt, q1 = vpt, q2 = vpt;
    const size_t n = p->nblk;
    for (size_t b = 0; b < n; b++) {
        qa = v_add(v_mul(vaa, qa), v_mul(vaa1, v_add(vpt, v_set1(p->ms[b]))));
        const vd held = v_lt(qa, vqh);
        q1 = v_sel(v_lt(q1, qa), qa, v_sel(held, q1, v_mul(var, q1)));
        q2 = v_sel(v_lt(q2, qa), qa, v_sel(held, q2, v_add(v_mul(var, q2), v_mul(var1, q1))));
        v_st(scratch + b * 8, q2);
    }
    levels_db(scratch, 8 * n);
    for (size_t b = 0; b < n; b++)
        for (int l = 0; l < 8; l++) {
            const double xl = hs[l] * scratch[b * 8 + l] - st[l];
            scratch[b * 8 + l] = xl > 0.0 ? xl : 0.0;
        }
}

/* COMPFIT_RUN8 for the detectors that smooth the gain reduction: the
 * static curve and the smoothing of every lane as one vector recursion */
static void run8_smoothed(const proxy *p, const bx_comp_params *c, double *scratch)
{
    const double B = (double)p->blk, fs = p->rate_hz;
    double aa[8], ar[8], aa1[8], ar1[8], t[8], slope[8], lo[8], hi[8], kw[8];
    for (int l = 0; l < 8; l++) {
        aa[l] = exp(-B / (c[l].attack_ms * 1e-3 * fs));
        ar[l] = exp(-B / (c[l].release_ms * 1e-3 * fs));
        aa1[l] = 1.0 - aa[l], ar1[l] = 1.0 - ar[l];
        t[l] = c[l].threshold_db;
        const double w = c[l].knee_db;
        slope[l] = 1.0 - 1.0 / c[l].ratio;
        lo[l] = t[l] - 0.5 * w, hi[l] = t[l] + 0.5 * w;
        kw[l] = w > 0 ? slope[l] / (2.0 * w) : 0.0;
    }
    const double *lv = c[0].detector == BX_DETECTOR_RMS ? p->rms_db : p->pk_db;
    const int branch = c[0].detector == BX_DETECTOR_BRANCH;
    const vd vaa = v_ld(aa), var = v_ld(ar), vaa1 = v_ld(aa1), var1 = v_ld(ar1);
    const vd vt = v_ld(t), vslope = v_ld(slope), vlo = v_ld(lo), vhi = v_ld(hi), vkw = v_ld(kw);
    const vd zero = v_set1(0.0);
    vd y1 = zero, yl = zero;
    const size_t n = p->nblk;
    for (size_t b = 0; b < n; b++) {
        const vd xg = v_set1(lv[b]);
        vd k = v_sub(xg, vlo);
        k = v_sel(v_gt(k, zero), k, zero);
        /* xg <= hi, as !(xg > hi): the same choice for every value the
         * scalar code sees (NaN does not reach here) */
        const vd xl = v_sel(v_gt(xg, vhi), v_mul(vslope, v_sub(xg, vt)), v_mul(v_mul(vkw, k), k));
        if (branch) {
            yl = v_sel(v_gt(xl, yl), v_add(v_mul(vaa, yl), v_mul(vaa1, xl)),
                       v_add(v_mul(var, yl), v_mul(var1, xl)));
        } else {
            const vd rel = v_add(v_mul(var, y1), v_mul(var1, xl));
            y1 = v_sel(v_gt(xl, rel), xl, rel);
            yl = v_add(v_mul(vaa, yl), v_mul(vaa1, y1));
        }
        v_st(scratch + b * 8, yl);
    }
}

/* COMPFIT_RUN for eight compressors at once (c[0..8), one detector): lane
 * l's gains into g + l * nblk and e + l * nblk (with p->gr_db, its
 * reductions into g), the same values as COMPFIT_RUN gives for c[l];
 * scratch: 8 * nblk doubles. */
void COMPFIT_RUN8(const proxy *p, const bx_comp_params *c, double *g, double *e, double *scratch)
{
    if (c[0].detector == BX_DETECTOR_POWER)
        run8_power(p, c, scratch);
    else if (c[0].detector == BX_DETECTOR_LEVEL || bx_detector_averages(c[0].detector))
        run8_followers(p, c, scratch);
    else
        run8_smoothed(p, c, scratch);
    const size_t n = p->nblk;
    if (p->gr_db) { /* the reductions, dB */
        for (int l = 0; l < 8; l++)
            for (size_t b = 0; b < n; b++)
                g[(size_t)l * n + b] = scratch[b * 8 + l];
        return;
    }
    for (size_t k = 0; k < 8 * n; k++)
        scratch[k] = bx_fast_exp(-0.11512925464970229 * scratch[k]);
    const double *ms = p->ms;
    for (int l = 0; l < 8; l++) {
        double *gl = g + (size_t)l * n, *el = e + (size_t)l * n;
        for (size_t b = 0; b < n; b++) {
            gl[b] = scratch[b * 8 + l];
            el[b] = gl[b] * gl[b] * ms[b];
        }
    }
}
