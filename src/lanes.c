/* lanes.c — a chain's tail for BX_LANES variants at once (lanes.h). */
#include "lanes.h"

#include <math.h>
#include <string.h>

#include "bx/biquad.h"
#include "bx/comp.h"
#include "bx/simd.h"
#include "simd_internal.h"

#define LANES_KERNEL lanes_process_baseline
#define LANES_DOT lanes_dot_baseline
#define LANES_DOT4 lanes_dot4_baseline
static void lanes_process_baseline(bx_lanes *L, const double *in, double *out, size_t n);
static double lanes_dot_baseline(const double *a, const double *b, size_t n);
static void lanes_dot4_baseline(const double *const *a, const double *b, size_t n, double *out);
#include "lanes_kernel.h"

bx_status bx_lanes_init(bx_lanes *L, const bx_chain_params *const p[BX_LANES], unsigned first,
                        double rate_hz, bx_error *err)
{
    memset(L, 0, sizeof *L);
    const bx_chain_params *p0 = p[0];
    if (first < 1 || first > p0->n_bands + 2)
        return bx_error_set(err, BX_ERR_ARG, "lanes: no stage %u", first);
    for (int l = 1; l < BX_LANES; l++) {
        int same = p[l]->n_bands == p0->n_bands && p[l]->has_comp == p0->has_comp &&
                   (!p0->has_comp || p[l]->comp.detector == p0->comp.detector);
        for (unsigned b = 0; same && b < p0->n_bands; b++)
            same = p[l]->bands[b].type == p0->bands[b].type;
        if (!same)
            return bx_error_set(err, BX_ERR_ARG, "lanes: the chains differ in their stages");
    }
    L->first = first;
    L->n_bands = p0->n_bands;
    L->has_comp = p0->has_comp;
    L->detector = p0->has_comp ? (int)p0->comp.detector : 0;
    for (int l = 0; l < BX_LANES; l++) {
        for (unsigned b = first - 1; b < p0->n_bands; b++) {
            const bx_band *band = &p[l]->bands[b];
            bx_biquad_coefs c;
            const bx_status st = bx_biquad_design(band->type, band->freq_hz, band->gain_db, band->q,
                                                  rate_hz, &c, err);
            if (st)
                return st;
            L->b0[b][l] = c.b0, L->b1[b][l] = c.b1, L->b2[b][l] = c.b2;
            L->a1[b][l] = c.a1, L->a2[b][l] = c.a2;
        }
        if (p0->has_comp) {
            bx_comp c;
            bx_comp_init(&c, &p[l]->comp, rate_hz);
            L->aa[l] = c.alpha_a, L->ar[l] = c.alpha_r, L->arms[l] = c.alpha_rms;
            L->lo[l] = c.knee_lo_lin, L->t[l] = c.p.threshold_db;
            L->half_w[l] = 0.5 * c.p.knee_db;
            L->slope[l] = 1.0 - 1.0 / c.p.ratio;
            L->inv_2w[l] = c.p.knee_db > 0.0 ? 0.5 / c.p.knee_db : 0.0;
            L->makeup_db[l] = c.p.makeup_db, L->makeup_lin[l] = c.makeup_lin;
            L->y1[l] = c.y1, L->yl[l] = c.yl, L->ms[l] = c.ms, L->env[l] = c.env;
            L->pt[l] = c.p_thr, L->inv_pt[l] = c.inv_p_thr, L->q_hold[l] = c.q_hold;
            L->qa[l] = c.qa, L->qr1[l] = c.qr1, L->qr2[l] = c.qr2;
        }
        L->out_gain[l] = pow(10.0, p[l]->output_gain_db / 20.0);
    }
    L->simd = bx_simd_detect();
    return BX_OK;
}

void bx_lanes_process(bx_lanes *L, const double *in, double *out, size_t n)
{
#if BX_HAVE_AVX2_KERNELS
    if (L->simd == BX_SIMD_AVX2_FMA) {
        bx_lanes_process_avx2(L, in, out, n);
        return;
    }
#endif
    lanes_process_baseline(L, in, out, n);
}

double bx_lanes_dot_on(bx_simd s, const double *a, const double *b, size_t n)
{
#if BX_HAVE_AVX2_KERNELS
    if (s == BX_SIMD_AVX2_FMA)
        return bx_lanes_dot_avx2(a, b, n);
#else
    (void)s;
#endif
    return lanes_dot_baseline(a, b, n);
}

double bx_lanes_dot(const double *a, const double *b, size_t n)
{
    return bx_lanes_dot_on(bx_simd_detect(), a, b, n);
}

void bx_lanes_dot4_on(bx_simd s, const double *const a[4], const double *b, size_t n, double out[4])
{
#if BX_HAVE_AVX2_KERNELS
    if (s == BX_SIMD_AVX2_FMA) {
        bx_lanes_dot4_avx2(a, b, n, out);
        return;
    }
#else
    (void)s;
#endif
    lanes_dot4_baseline(a, b, n, out);
}

void bx_lanes_dot4(const double *const a[4], const double *b, size_t n, double out[4])
{
    bx_lanes_dot4_on(bx_simd_detect(), a, b, n, out);
}
