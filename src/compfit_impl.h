/* compfit_impl.h — internal: the compressor fit's block model (compfit.c),
 * shared with its kernels (compfit_kernel.h). */
#ifndef BX_COMPFIT_IMPL_H
#define BX_COMPFIT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "bx/comp.h"
#include "bx/simd.h"

/* The "level" detector's follower runs on |x| sample by sample. Fast attacks
 * and slow releases make it ride near the top of |x| within a block, which
 * a block's mean |x| misses (by 1-3 dB, varying with the sound and the
 * times); the block model follows the block's |x| sorted and cut into
 * this many parts instead, one part after the other (within about 0.1 dB
 * of the sample-by-sample follower, docs/how-analysis-works.md). */
#define BX_LEVEL_PARTS 4

/* Block summary of a mono signal: what the block-rate compressor model needs. */
typedef struct proxy {
    size_t nblk, blk; /* number of blocks, samples per block */
    double rate_hz;
    double *pk;      /* max |x| per block */
    double *ms;      /* mean square per block */
    double *lq;      /* per block, BX_LEVEL_PARTS values ascending: the means of |x| over the
                        block's samples sorted and cut into BX_LEVEL_PARTS equal parts (the
                        input of the "level" follower, one part after the other) */
    double *pk_db;   /* peak detector level per block, dB */
    double *rms_db;  /* RMS detector level at the end of each block, dB */
    double *g;       /* scratch: linear gain per block */
    double *e;       /* scratch: mean square per block after the gain */
    double *work;    /* scratch for quantiles */
    double *work2;   /* scratch for quantiles */
    uint32_t *order; /* blocks by peak for the crest's top percentile: the loudest
                        n_sorted in descending order, then the rest, all quieter */
    size_t n_sorted;
    uint16_t *key; /* scratch for quantiles: histogram bin per value */
    int gr_db;     /* 1: the runs leave the gain reduction in g, dB, and no e; the gain
                      error reads it so (frames of one block only) */
} proxy;

/* The kernels, on instruction set s (bx/simd.h): compfit_kernel.h built for
 * the baseline in compfit.c and, on x86, for AVX2 in compfit_avx2.c (without
 * fused multiply-adds: the same values bit for bit, four at a time). */
void bx_compfit_proxy_run(bx_simd s, proxy *p, const bx_comp_params *c);
/* Eight compressors of one detector at once: lane l's gains
 * into g + l * nblk, e + l * nblk; scratch 8 * nblk doubles. */
void bx_compfit_proxy_run8(bx_simd s, const proxy *p, const bx_comp_params *c, double *g, double *e,
                           double *scratch);
/* The paired fit's gain error over the frames used[0..n_used) (ascending;
 * fb blocks each; 1 if p->gr_db), see COMPFIT_GAIN_ERROR. */
double bx_compfit_gain_error(bx_simd s, proxy *p, const double *meas, const uint32_t *used,
                             size_t n_used, size_t fb, double *mean);

#endif /* BX_COMPFIT_IMPL_H */
