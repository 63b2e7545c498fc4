/* lanes.h — internal: the tail of a chain rendered for BX_LANES variants of
 * it at once, one variant per vector lane. The waveform refinement
 * (chainfit.c) renders a Jacobian column per parameter, each the chain with
 * that parameter nudged; the compressor's and the filters' per-sample
 * recursions wait on their own results, so several of them side by side cost
 * little more than one does.
 *
 * Every lane does the arithmetic of bx_chain_process_stages for its own
 * parameters (the same static curve, detectors and fast exp/log), but in
 * another order of rounding where fused multiply-adds are used (the AVX2
 * kernel): the lanes agree with bx_chain to far better than -120 dB, not bit
 * for bit. Mono; the limiter is not run. */
#ifndef BX_LANES_H
#define BX_LANES_H

#include <stddef.h>

#include "bx/chain.h"
#include "bx/error.h"
#include "bx/simd.h"

#define BX_LANES 8

typedef struct bx_lanes {
    unsigned first;   /* first stage run: 1 + a band's index, or 1 + n_bands (the compressor) */
    unsigned n_bands; /* bands of the chain (every lane's the same types) */
    int has_comp;
    int detector; /* bx_detector, the same in every lane */
    /* per band from `first`, per lane: TDF-II coefficients and state */
    double b0[BX_MAX_BANDS][BX_LANES], b1[BX_MAX_BANDS][BX_LANES], b2[BX_MAX_BANDS][BX_LANES];
    double a1[BX_MAX_BANDS][BX_LANES], a2[BX_MAX_BANDS][BX_LANES];
    double s1[BX_MAX_BANDS][BX_LANES], s2[BX_MAX_BANDS][BX_LANES];
    /* the compressor per lane (see bx_comp) */
    double aa[BX_LANES], ar[BX_LANES], arms[BX_LANES], lo[BX_LANES], t[BX_LANES];
    double half_w[BX_LANES], slope[BX_LANES], inv_2w[BX_LANES], makeup_db[BX_LANES];
    double makeup_lin[BX_LANES];
    double y1[BX_LANES], yl[BX_LANES], ms[BX_LANES], env[BX_LANES];
    double pt[BX_LANES], inv_pt[BX_LANES], qa[BX_LANES], qr1[BX_LANES], qr2[BX_LANES];
    double q_hold[BX_LANES];
    double out_gain[BX_LANES];
    bx_simd simd; /* the kernel bx_lanes_process runs (init: the best) */
} bx_lanes;

/* Set up the lanes for p[0..BX_LANES) from stage `first` (>= 1) on, in their
 * starting state. The chains must share their band types, band count,
 * has_comp and detector. BX_ERR_ARG (or a design's error) if not. */
bx_status bx_lanes_init(bx_lanes *L, const bx_chain_params *const p[BX_LANES], unsigned first,
                        double rate_hz, bx_error *err);

/* Run n samples of in (the signal before stage `first`, the same for every
 * lane) through the lanes into out: n frames of BX_LANES, lane-interleaved. */
void bx_lanes_process(bx_lanes *L, const double *in, double *out, size_t n);

/* The sum of a[k] b[k], k < n, in BX_LANES partial sums, on the best kernel
 * (bx_lanes_dot_on: on kernel s, where this processor runs it). The kernels
 * differ only in the rounding of fused multiply-adds. */
double bx_lanes_dot(const double *a, const double *b, size_t n);
double bx_lanes_dot_on(bx_simd s, const double *a, const double *b, size_t n);

/* bx_lanes_dot of a[i] and b into out[i], i < 4, the same values bit for
 * bit, b read once for all four (on kernel s: bx_lanes_dot4_on) */
void bx_lanes_dot4(const double *const a[4], const double *b, size_t n, double out[4]);
void bx_lanes_dot4_on(bx_simd s, const double *const a[4], const double *b, size_t n,
                      double out[4]);

#endif /* BX_LANES_H */
