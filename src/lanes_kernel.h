/* lanes_kernel.h — internal: the body of bx_lanes_process, compiled once per
 * instruction set (like comp_kernel.h). The including file defines
 * LANES_KERNEL, LANES_DOT and LANES_DOT4 as the functions' names, and
 * VEC8_AVX2 to 1 where AVX2 (and FMA) may be used. The per-sample recursions
 * (the filters, the detectors) run all lanes as one vector, as two
 * independent halves in AVX2 registers so that each waits on its own result
 * only half as often; the logarithms and exponentials run over the chunk's
 * lane-interleaved values as one flat loop, which compilers vectorise.
 * LANES_DOT4 is four LANES_DOTs sharing their second vector, read once. */
#if !defined(LANES_KERNEL) || !defined(LANES_DOT) || !defined(LANES_DOT4)
#error "define LANES_KERNEL, LANES_DOT and LANES_DOT4 before including lanes_kernel.h"
#endif

#include <math.h>
#include <string.h>

#include "bx/comp.h"
#include "comp_static.h"
#include "lanes.h"

#define LANES_CHUNK 64
#define NL BX_LANES

#include "vec8.h"

#if BX_LANES != 8
#error "a vd (vec8.h) holds the eight lanes"
#endif

/* the gains of the reductions buf[0..mn), applied to f: the makeup alone
 * where no lane reduces anywhere in the chunk (the same values: a reduction
 * of 0 takes mk_lin below too) */
static void apply_gains(double *f, const double *buf, size_t mn, const double *mk_db,
                        const double *mk_lin)
{
    int reduces = 0;
    for (size_t k = 0; k < mn; k++)
        reduces |= buf[k] != 0.0;
    if (reduces)
        for (size_t k = 0; k < mn; k++) {
            const double g = bx_fast_exp(0.11512925464970229 * (mk_db[k] - buf[k]));
            f[k] *= buf[k] == 0.0 ? mk_lin[k] : g;
        }
    else
        for (size_t k = 0; k < mn; k++)
            f[k] *= mk_lin[k];
}

void LANES_KERNEL(bx_lanes *L, const double *in, double *out, size_t n)
{
    const unsigned b_first = L->first - 1, nb = L->n_bands;
    const int comp = L->has_comp && L->first <= nb + 1;
    const int det = L->detector;
    const int rms = det == BX_DETECTOR_RMS || det == BX_DETECTOR_RMS_LEVEL;
    const int mean = det == BX_DETECTOR_MEAN_LEVEL;
    const int follow = det == BX_DETECTOR_LEVEL || det == BX_DETECTOR_RMS_LEVEL || mean;
    /* the compressor's per-lane constants, repeated over a chunk's frames:
     * the flat loops read them like the values */
    double lo[LANES_CHUNK * NL], t[LANES_CHUNK * NL], hw[LANES_CHUNK * NL];
    double slope[LANES_CHUNK * NL], i2w[LANES_CHUNK * NL], mk_db[LANES_CHUNK * NL];
    double mk_lin[LANES_CHUNK * NL], og[LANES_CHUNK * NL], ipt[LANES_CHUNK * NL];
    for (size_t k = 0; k < LANES_CHUNK * NL; k++) {
        const size_t l = k % NL;
        lo[k] = L->lo[l], t[k] = L->t[l], hw[k] = L->half_w[l], slope[k] = L->slope[l];
        i2w[k] = L->inv_2w[l], mk_db[k] = L->makeup_db[l], mk_lin[k] = L->makeup_lin[l];
        og[k] = L->out_gain[l], ipt[k] = L->inv_pt[l];
    }
    for (size_t i0 = 0; i0 < n; i0 += LANES_CHUNK) {
        const size_t m = n - i0 < LANES_CHUNK ? n - i0 : LANES_CHUNK, mn = m * NL;
        double *f = out + i0 * NL;
        for (size_t j = 0; j < m; j++)
            for (int l = 0; l < NL; l++)
                f[j * NL + l] = in[i0 + j];
        /* the bands, each over the chunk: y = b0 x + s1; s1 = (b1 x + s2) - a1 y; s2 = b2 x - a2 y
         */
        for (unsigned b = b_first; b < nb; b++) {
            vd s1 = v_ld(L->s1[b]), s2 = v_ld(L->s2[b]);
            const vd b0 = v_ld(L->b0[b]), b1 = v_ld(L->b1[b]), b2 = v_ld(L->b2[b]);
            const vd a1 = v_ld(L->a1[b]), a2 = v_ld(L->a2[b]);
            for (size_t j = 0; j < m; j++) {
                const vd v = v_ld(f + j * NL);
                const vd y = v_add(v_mul(b0, v), s1);
                s1 = v_sub(v_add(v_mul(b1, v), s2), v_mul(a1, y));
                s2 = v_sub(v_mul(b2, v), v_mul(a2, y));
                v_st(f + j * NL, y);
            }
            v_st(L->s1[b], s1);
            v_st(L->s2[b], s2);
        }
        if (comp && det == BX_DETECTOR_POWER) {
            /* the mean square plus the threshold's power, averaged; two
             * release stages hold it; then the reduction (see comp_kernel.h) */
            double buf[LANES_CHUNK * NL];
            vd qa = v_ld(L->qa), qr1 = v_ld(L->qr1), qr2 = v_ld(L->qr2);
            const vd aa = v_ld(L->aa), ar = v_ld(L->ar), pt = v_ld(L->pt), qh = v_ld(L->q_hold);
            const vd aa1 = v_sub(v_set1(1.0), aa), ar1 = v_sub(v_set1(1.0), ar);
            for (size_t j = 0; j < m; j++) {
                const vd v = v_ld(f + j * NL);
                qa = v_add(v_mul(aa, qa), v_mul(aa1, v_add(pt, v_mul(v, v))));
                const vd held = v_lt(qa, qh);
                qr1 = v_sel(v_lt(qr1, qa), qa, v_sel(held, qr1, v_mul(ar, qr1)));
                qr2 = v_sel(v_lt(qr2, qa), qa,
                            v_sel(held, qr2, v_add(v_mul(ar, qr2), v_mul(ar1, qr1))));
                v_st(buf + j * NL, qr2);
            }
            v_st(L->qa, qa), v_st(L->qr1, qr1), v_st(L->qr2, qr2);
            int over = 0;
            for (size_t k = 0; k < mn; k++)
                over |= buf[k] > L->pt[k % NL];
            if (over)
                for (size_t k = 0; k < mn; k++)
                    buf[k] = comp_power_reduction_db(buf[k], ipt[k], slope[k]);
            else
                memset(buf, 0, mn * sizeof *buf);
            for (int l = 0; l < NL; l++)
                L->y1[l] = L->yl[l] = buf[(m - 1) * NL + l];
            apply_gains(f, buf, mn, mk_db, mk_lin);
        } else if (comp) {
            double buf[LANES_CHUNK * NL];
            /* 1. the detector's linear level */
            if (rms) {
                vd ms = v_ld(L->ms);
                const vd arms = v_ld(L->arms), arms1 = v_sub(v_set1(1.0), arms);
                for (size_t j = 0; j < m; j++) {
                    const vd v = v_ld(f + j * NL);
                    ms = v_add(v_mul(arms, ms), v_mul(arms1, v_mul(v, v)));
                    v_st(buf + j * NL, v_sqrt(ms));
                }
                v_st(L->ms, ms);
            } else {
                for (size_t k = 0; k < mn; k++)
                    buf[k] = fabs(f[k]);
                if (mean) { /* averaged in time */
                    vd ms = v_ld(L->ms);
                    const vd arms = v_ld(L->arms), arms1 = v_sub(v_set1(1.0), arms);
                    for (size_t j = 0; j < m; j++) {
                        ms = v_add(v_mul(arms, ms), v_mul(arms1, v_ld(buf + j * NL)));
                        v_st(buf + j * NL, ms);
                    }
                    v_st(L->ms, ms);
                }
            }
            if (follow) { /* the amplitude follower */
                vd env = v_ld(L->env);
                const vd aa = v_ld(L->aa), ar = v_ld(L->ar);
                const vd aa1 = v_sub(v_set1(1.0), aa), ar1 = v_sub(v_set1(1.0), ar);
                for (size_t j = 0; j < m; j++) {
                    const vd v = v_ld(buf + j * NL);
                    env = v_sel(v_gt(v, env), v_add(v_mul(aa, env), v_mul(aa1, v)),
                                v_add(v_mul(ar, env), v_mul(ar1, v)));
                    v_st(buf + j * NL, env);
                }
                v_st(L->env, env);
            }
            /* 2. the static gain reduction, dB >= 0 (none in a chunk that
             * stays below the knee, the common case between hits) */
            int over = 0;
            for (size_t k = 0; k < mn; k++)
                over |= buf[k] > lo[k];
            if (over)
                for (size_t k = 0; k < mn; k++)
                    buf[k] = comp_reduction_db(buf[k], lo[k], t[k], hw[k], slope[k], i2w[k]);
            else
                memset(buf, 0, mn * sizeof *buf);
            /* 3. smoothing (the level detector's level is smoothed already) */
            if (follow) {
                for (int l = 0; l < NL; l++)
                    L->y1[l] = L->yl[l] = buf[(m - 1) * NL + l];
            } else {
                vd y1 = v_ld(L->y1), yl = v_ld(L->yl);
                const vd aa = v_ld(L->aa), ar = v_ld(L->ar), tiny = v_set1(1e-12);
                const vd aa1 = v_sub(v_set1(1.0), aa), ar1 = v_sub(v_set1(1.0), ar);
                const vd zero = v_set1(0.0);
                if (det == BX_DETECTOR_BRANCH) {
                    for (size_t j = 0; j < m; j++) {
                        const vd xl = v_ld(buf + j * NL);
                        const vd v = v_sel(v_gt(xl, yl), v_add(v_mul(aa, yl), v_mul(aa1, xl)),
                                           v_add(v_mul(ar, yl), v_mul(ar1, xl)));
                        yl = v_sel(v_and(v_lt(v, tiny), v_lt(xl, tiny)), zero, v);
                        v_st(buf + j * NL, yl);
                    }
                    y1 = yl;
                } else {
                    for (size_t j = 0; j < m; j++) {
                        const vd xl = v_ld(buf + j * NL);
                        const vd rel = v_add(v_mul(ar, y1), v_mul(ar1, xl));
                        const vd a = v_sel(v_gt(xl, rel), xl, rel);
                        const vd b = v_add(v_mul(aa, yl), v_mul(aa1, a));
                        const vd z = v_and(v_lt(b, tiny), v_lt(a, tiny));
                        y1 = v_sel(z, zero, a);
                        yl = v_sel(z, zero, b);
                        v_st(buf + j * NL, yl);
                    }
                }
                v_st(L->y1, y1);
                v_st(L->yl, yl);
            }
            /* 4. the gains, applied */
            apply_gains(f, buf, mn, mk_db, mk_lin);
        }
        for (size_t k = 0; k < mn; k++)
            f[k] *= og[k];
    }
}

/* sum of a[k] b[k] over n: NL partial sums (one vector) of every NL-th
 * term, then added in lane order */
double LANES_DOT(const double *a, const double *b, size_t n)
{
    vd acc = v_set1(0.0);
    size_t k = 0;
    for (; k + NL <= n; k += NL)
        acc = v_add(acc, v_mul(v_ld(a + k), v_ld(b + k)));
    double part[NL];
    v_st(part, acc);
    double s = 0.0;
    for (; k < n; k++)
        s += a[k] * b[k];
    for (int l = 0; l < NL; l++)
        s += part[l];
    return s;
}

/* LANES_DOT of a[i] and b into out[i], i < 4: each sum in LANES_DOT's own
 * order (the same values bit for bit), b read once for all four */
void LANES_DOT4(const double *const *a, const double *b, size_t n, double *out)
{
    vd acc[4] = {v_set1(0.0), v_set1(0.0), v_set1(0.0), v_set1(0.0)};
    size_t k = 0;
    for (; k + NL <= n; k += NL) {
        const vd vb = v_ld(b + k);
        acc[0] = v_add(acc[0], v_mul(v_ld(a[0] + k), vb));
        acc[1] = v_add(acc[1], v_mul(v_ld(a[1] + k), vb));
        acc[2] = v_add(acc[2], v_mul(v_ld(a[2] + k), vb));
        acc[3] = v_add(acc[3], v_mul(v_ld(a[3] + k), vb));
    }
    for (int i = 0; i < 4; i++) {
        double part[NL];
        v_st(part, acc[i]);
        double s = 0.0;
        for (size_t j = k; j < n; j++)
            s += a[i][j] * b[j];
        for (int l = 0; l < NL; l++)
            s += part[l];
        out[i] = s;
    }
}

#undef NL
