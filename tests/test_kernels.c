/* test_kernels — the analysis's vector kernels against the plain code.
 *
 * 1. The Jacobian's renders in vector lanes (src/lanes.h) are the chain's
 * own renders.
 *
 * For each detector, with and without a starting level, and from each stage
 * a lane group can start at (a band, the compressor), BX_LANES variants of
 * a chain (frequencies, gains, Qs, threshold, ratio, knee, attack, release,
 * makeup and output gain all different per lane) run through bx_lanes over
 * bursty noise saved after the stages before. Each lane must match
 * bx_chain_process_stages of its own chain on the same input within -120 dB
 * of the signal's peak, on every kernel this processor runs. bx_lanes_dot
 * must match a plain sum within 1e-12 relative, and bx_lanes_dot4 each of
 * its four bx_lanes_dots bit for bit.
 *
 * 2. The compressor fit's block model (src/compfit_impl.h) gives the same
 * gains and gain error bit for bit on every kernel this processor runs, for
 * each detector, on random block statistics; and eight compressors at once
 * give each one's gains of one at a time, bit for bit. Its gain error over
 * the frames compared matches libm's logarithms within 1e-9 dB, and the
 * frames left out do not count; on frames of one block, taken from the gain
 * reductions in dB (gr_db), it matches libm's logarithms of the gains
 * within 2e-7 dB (the fast exponential's error), and eight at once leave
 * each one's reductions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/compfit_impl.h"
#include "../src/lanes.h"
#include "bx/chain.h"
#include "testutil.h"

static const double FS = 48000.0;

static void variant(bx_chain_params *p, int l, bx_detector d, int start)
{
    bx_chain_params_default(p);
    const double k = 1.0 + 0.03 * l;
    p->n_bands = 4;
    p->bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 60 * k, 0, 0.7071};
    p->bands[1] = (bx_band){BX_BIQUAD_LOW_SHELF, 150 * k, 4 - 0.5 * l, 0.7071};
    p->bands[2] = (bx_band){BX_BIQUAD_PEAK, 900 / k, -5 + 0.3 * l, 1.5 * k};
    p->bands[3] = (bx_band){BX_BIQUAD_HIGH_SHELF, 6000 * k, 3, 0.8};
    p->has_comp = 1;
    p->comp = (bx_comp_params){-26 - l,
                               3 * k,
                               6 + l,
                               5 * k,
                               120 / k,
                               2.0 - 0.2 * l,
                               d,
                               0,
                               0,
                               0,
                               d == BX_DETECTOR_POWER && l % 2}; /* "power": with hold or not */
    p->comp.rms_ms = 2.0 * k;                                    /* "rms_level" only */
    p->comp.has_start_level = start;
    p->comp.start_level_db = -6.0 - l;
    p->output_gain_db = 1.5 - 0.25 * l;
}

/* 2: the block model on each kernel against the baseline's */
static int block_model(void)
{
    enum { NB = 4099, FB = 2 };
    static double mem[2][10][NB], lq[2][BX_LEVEL_PARTS * NB];
    proxy p[2];
    uint64_t seed = 11;
    for (int k = 0; k < 2; k++) {
        memset(&p[k], 0, sizeof p[k]);
        p[k].nblk = NB, p[k].blk = 24, p[k].rate_hz = FS;
        p[k].pk = mem[k][0], p[k].ms = mem[k][1], p[k].lq = lq[k];
        p[k].pk_db = mem[k][3], p[k].rms_db = mem[k][4], p[k].g = mem[k][5];
        p[k].e = mem[k][6], p[k].work = mem[k][7], p[k].work2 = mem[k][8];
    }
    for (size_t b = 0; b < NB; b++) {
        const double a = 0.5 * (1.0 + tu_noise(&seed)) * ((b / 200) % 3 ? 0.02 : 0.9);
        for (int k = 0; k < 2; k++) {
            p[k].pk[b] = a;
            p[k].ms[b] = 0.3 * a * a;
            for (int q = 0; q < BX_LEVEL_PARTS; q++) /* ascending, as proxy_init sorts */
                p[k].lq[b * BX_LEVEL_PARTS + q] = (0.2 + 0.25 * q) * a;
            p[k].pk_db[b] = tu_db(a);
            p[k].rms_db[b] = tu_db(0.55 * a);
        }
    }
    double meas[NB / FB];
    uint32_t used[NB / FB]; /* the frames compared: all but every seventh */
    size_t n_used = 0;
    for (size_t f = 0; f < NB / FB; f++) {
        meas[f] = -3.0 * (0.5 + 0.5 * tu_noise(&seed));
        if (f % 7)
            used[n_used++] = (uint32_t)f;
    }
    int checks = 0;
    /* eight compressors at once against one at a time, on every kernel */
    static double g8[8 * NB], e8[8 * NB], scratch[8 * NB];
    const int n_kernels = bx_simd_detect() == BX_SIMD_AVX2_FMA ? 2 : 1;
    const bx_simd kernels[2] = {BX_SIMD_BASELINE, BX_SIMD_AVX2_FMA};
    for (int kk = 0; kk < n_kernels; kk++)
        for (int d = 0; d < BX_DETECTOR_COUNT; d++) {
            bx_comp_params c[8];
            for (int l = 0; l < 8; l++)
                c[l] = (bx_comp_params){-30 + 2 * l,
                                        1.5 + l,
                                        3.0 * (l % 3),
                                        0.5 + l,
                                        40 + 30 * l,
                                        0,
                                        (bx_detector)d,
                                        0,
                                        0,
                                        1.0 + 2 * l,
                                        d == BX_DETECTOR_POWER && l % 2};
            bx_compfit_proxy_run8(kernels[kk], &p[1], c, g8, e8, scratch);
            for (int l = 0; l < 8; l++) {
                bx_compfit_proxy_run(BX_SIMD_BASELINE, &p[0], &c[l]);
                checks++;
                if (memcmp(p[0].g, g8 + (size_t)l * NB, NB * sizeof(double)) ||
                    memcmp(p[0].e, e8 + (size_t)l * NB, NB * sizeof(double)))
                    tu_fail("block model, %s kernel, eight at once, detector %s, lane %d: not the "
                            "gains of one at a time",
                            bx_simd_name(kernels[kk]), bx_detector_name((bx_detector)d), l);
            }
        }
    /* the gain error against libm's logarithms over the frames compared
     * (the others' measurements poisoned: they must not count) */
    for (int d = 0; d < BX_DETECTOR_COUNT; d++) {
        const bx_comp_params c = {-24, 4, 6, 3, 150, 0, (bx_detector)d, 0, 0, 3.0, 0};
        double poisoned[NB / FB];
        for (size_t f = 0; f < NB / FB; f++)
            poisoned[f] = f % 7 ? meas[f] : NAN;
        bx_compfit_proxy_run(bx_simd_detect(), &p[0], &c);
        double mean;
        const double got =
            bx_compfit_gain_error(bx_simd_detect(), &p[0], poisoned, used, n_used, FB, &mean);
        double sd = 0, sdd = 0;
        for (size_t k = 0; k < n_used; k++) {
            double num = 0, den = 0;
            for (size_t b = used[k] * FB; b < (used[k] + 1) * FB; b++)
                num += p[0].e[b], den += p[0].ms[b];
            const double dv = meas[used[k]] - 10.0 * log10(num / den);
            sd += dv, sdd += dv * dv;
        }
        const double want_mean = sd / (double)n_used;
        const double want = sqrt(sdd / (double)n_used - want_mean * want_mean);
        checks++;
        if (!(fabs(got - want) < 1e-9 && fabs(mean - want_mean) < 1e-9))
            tu_fail("block model, detector %s: gain error %.12g dB, mean %.12g dB; libm's %.12g, "
                    "%.12g",
                    bx_detector_name((bx_detector)d), got, mean, want, want_mean);
    }
    /* frames of one block with gr_db: the error from the reductions in dB is
     * libm's logarithms of the gains' (within what bx_fast_exp's 1e-8
     * relative error makes of a squared gain: 1.7e-7 dB), and eight at once
     * leave each one's reductions, bit for bit */
    static double meas1[NB];
    static uint32_t used1[NB];
    size_t n1 = 0;
    for (size_t b = 0; b < NB; b++) {
        meas1[b] = -3.0 * (0.5 + 0.5 * tu_noise(&seed));
        if (b % 5)
            used1[n1++] = (uint32_t)b;
    }
    for (int d = 0; d < BX_DETECTOR_COUNT; d++) {
        bx_comp_params c8[8];
        for (int l = 0; l < 8; l++)
            c8[l] = (bx_comp_params){-30 + 2 * l,
                                     2 + l,
                                     3 + l,
                                     1 + l,
                                     80 + 20 * l,
                                     0,
                                     (bx_detector)d,
                                     0,
                                     0,
                                     1.0 + l,
                                     d == BX_DETECTOR_POWER && l % 2};
        for (int l = 0; l < 8; l++) {
            p[0].gr_db = 0;
            bx_compfit_proxy_run(bx_simd_detect(), &p[0], &c8[l]);
            double sd = 0, sdd = 0;
            for (size_t k = 0; k < n1; k++) {
                const double dv =
                    meas1[used1[k]] - 10.0 * log10(p[0].e[used1[k]] / p[0].ms[used1[k]]);
                sd += dv, sdd += dv * dv;
            }
            const double want_mean = sd / (double)n1;
            const double want = sqrt(sdd / (double)n1 - want_mean * want_mean);
            p[0].gr_db = 1;
            bx_compfit_proxy_run(bx_simd_detect(), &p[0], &c8[l]);
            double mean;
            const double got =
                bx_compfit_gain_error(bx_simd_detect(), &p[0], meas1, used1, n1, 1, &mean);
            checks++;
            if (!(fabs(got - want) < 2e-7 && fabs(mean - want_mean) < 2e-7))
                tu_fail("block model in dB, detector %s, compressor %d: gain error %.12g dB, mean "
                        "%.12g dB; from the gains %.12g, %.12g",
                        bx_detector_name((bx_detector)d), l, got, mean, want, want_mean);
            for (int kk = 0; kk < n_kernels; kk++) {
                bx_compfit_proxy_run8(kernels[kk], &p[0], c8, g8, e8, scratch);
                bx_compfit_proxy_run(kernels[kk], &p[0], &c8[l]);
                checks++;
                if (memcmp(g8 + (size_t)l * NB, p[0].g, NB * sizeof(double)))
                    tu_fail("block model in dB, %s kernel, detector %s, lane %d: eight at once "
                            "are not one at a time",
                            bx_simd_name(kernels[kk]), bx_detector_name((bx_detector)d), l);
            }
        }
        p[0].gr_db = 0;
    }
    if (n_kernels < 2)
        return checks; /* the baseline only */
    for (int d = 0; d < BX_DETECTOR_COUNT; d++) {
        const bx_comp_params c = {-24, 4, 6, 3, 150, 0, (bx_detector)d, 0, 0, 3.0, 0};
        bx_compfit_proxy_run(BX_SIMD_BASELINE, &p[0], &c);
        bx_compfit_proxy_run(BX_SIMD_AVX2_FMA, &p[1], &c);
        double m0, m1;
        const double e0 =
            bx_compfit_gain_error(BX_SIMD_BASELINE, &p[0], meas, used, n_used, FB, &m0);
        const double e1 =
            bx_compfit_gain_error(BX_SIMD_AVX2_FMA, &p[1], meas, used, n_used, FB, &m1);
        checks++;
        if (memcmp(p[0].g, p[1].g, sizeof mem[0][5]) || memcmp(p[0].e, p[1].e, sizeof mem[0][6]))
            tu_fail("block model, detector %s: the AVX2 gains differ from the baseline's",
                    bx_detector_name((bx_detector)d));
        checks++;
        if (e0 != e1 || m0 != m1 || !(e0 > 0))
            tu_fail("block model, detector %s: gain error %.17g / %.17g (baseline %.17g / %.17g)",
                    bx_detector_name((bx_detector)d), e1, m1, e0, m0);
    }
    return checks;
}

int main(void)
{
    const size_t n = (size_t)(0.75 * FS);
    double *x = malloc(n * sizeof *x), *pre = malloc(n * sizeof *pre),
           *ref = malloc(n * sizeof *ref), *out = malloc(n * BX_LANES * sizeof *out);
    if (!x || !pre || !ref || !out)
        return tu_finish("test_lanes", 1);
    uint64_t seed = 5;
    double peak = 0;
    for (size_t i = 0; i < n; i++) {
        const double env = (i / 2400) % 4 == 0 ? 0.9 : ((i / 2400) % 4 == 2 ? 0.2 : 0.01);
        x[i] = env * tu_noise(&seed);
    }
    int checks = 0;
    const bx_simd kernels[2] = {BX_SIMD_BASELINE, BX_SIMD_AVX2_FMA};
    const int n_kernels = bx_simd_detect() == BX_SIMD_AVX2_FMA ? 2 : 1;
    for (int kk = 0; kk < n_kernels; kk++)
        for (int d = 0; d < BX_DETECTOR_COUNT; d++)
            for (int start = 0; start < 2; start++)
                for (unsigned first = 1; first <= 5; first++) {
                    bx_chain_params v[BX_LANES];
                    const bx_chain_params *vp[BX_LANES];
                    for (int l = 0; l < BX_LANES; l++) {
                        variant(&v[l], l, (bx_detector)d, start);
                        vp[l] = &v[l];
                    }
                    /* the signal before stage `first`: the stages before it are the
                     * same in every lane only where they are unchanged, so the lanes
                     * share the bands before `first` (lane 0's) */
                    for (int l = 1; l < BX_LANES; l++)
                        for (unsigned b = 0; b + 1 < first && b < v[l].n_bands; b++)
                            v[l].bands[b] = v[0].bands[b];
                    bx_error err;
                    bx_chain *c0 = bx_chain_create(&v[0], FS, 1, &err);
                    if (!c0) {
                        tu_fail("chain: %s", err.msg);
                        continue;
                    }
                    memcpy(pre, x, n * sizeof *pre);
                    bx_chain_process_stages(c0, 0, first, pre, n);
                    bx_chain_destroy(c0);
                    bx_lanes L;
                    if (bx_lanes_init(&L, vp, first, FS, &err)) {
                        tu_fail("bx_lanes_init: %s", err.msg);
                        continue;
                    }
                    L.simd = kernels[kk];
                    bx_lanes_process(&L, pre, out, n);
                    for (int l = 0; l < BX_LANES; l++) {
                        bx_chain *c = bx_chain_create(&v[l], FS, 1, &err);
                        if (!c) {
                            tu_fail("chain: %s", err.msg);
                            continue;
                        }
                        memcpy(ref, x, n * sizeof *ref);
                        bx_chain_process_stages(c, 0, BX_CHAIN_STAGES(v[l].n_bands), ref, n);
                        bx_chain_destroy(c);
                        double worst = 0;
                        peak = 0;
                        for (size_t i = 0; i < n; i++) {
                            worst = fmax(worst, fabs(out[i * BX_LANES + l] - ref[i]));
                            peak = fmax(peak, fabs(ref[i]));
                        }
                        checks++;
                        if (!(tu_db(worst / peak) < -120.0))
                            tu_fail("%s kernel, detector %s, start level %d, from stage %u, lane "
                                    "%d: %.1f dB from the chain's render",
                                    bx_simd_name(kernels[kk]), bx_detector_name((bx_detector)d),
                                    start, first, l, tu_db(worst / peak));
                    }
                }
    for (int kk = 0; kk < n_kernels; kk++)
        for (size_t len = 0; len < 2100; len = len < 40 ? len + 7 : 2 * len + 3) {
            double s = 0;
            for (size_t i = 0; i < len; i++)
                s += x[i] * x[i + 100];
            const double got = bx_lanes_dot_on(kernels[kk], x, x + 100, len);
            checks++;
            if (!(fabs(got - s) <= 1e-12 * fmax(fabs(s), 1e-30)) && !(len == 0 && got == 0))
                tu_fail("%s dot of %zu: %.17g, a plain sum %.17g", bx_simd_name(kernels[kk]), len,
                        got, s);
            /* four at once: each the single dot, bit for bit */
            const double *a4[4] = {x, x + 37, x + 211, x + 3001};
            double d4[4];
            bx_lanes_dot4_on(kernels[kk], a4, x + 100, len, d4);
            for (int i = 0; i < 4; i++) {
                const double one = bx_lanes_dot_on(kernels[kk], a4[i], x + 100, len);
                checks++;
                if (memcmp(&d4[i], &one, sizeof one))
                    tu_fail("%s dot of %zu, %d of four at once: %.17g, alone %.17g",
                            bx_simd_name(kernels[kk]), len, i, d4[i], one);
            }
        }
    checks += block_model();
    free(x);
    free(pre);
    free(ref);
    free(out);
    return tu_finish("test_kernels", checks);
}
