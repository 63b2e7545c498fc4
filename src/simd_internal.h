/* simd_internal.h — internal: the kernels built for other instruction sets.
 * BX_HAVE_AVX2_KERNELS is set by the build for x86 targets, where
 * comp_avx2.c is compiled with AVX2 and FMA enabled. */
#ifndef BX_SIMD_INTERNAL_H
#define BX_SIMD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bx/comp.h"

#ifndef BX_HAVE_AVX2_KERNELS
#define BX_HAVE_AVX2_KERNELS 0
#endif

#if BX_HAVE_AVX2_KERNELS
/** bx_comp_process on AVX2 + FMA: only on processors bx_simd_detect approves. */
void bx_comp_process_avx2(bx_comp *c, double *x, size_t frames, unsigned channels, double *gr_db);
struct bx_lanes;
/** bx_lanes_process on AVX2 + FMA (lanes.h), likewise. */
void bx_lanes_process_avx2(struct bx_lanes *L, const double *in, double *out, size_t n);
double bx_lanes_dot_avx2(const double *a, const double *b, size_t n);
void bx_lanes_dot4_avx2(const double *const *a, const double *b, size_t n, double *out);
struct proxy;
/** The compressor fit's block model on AVX2 (compfit_impl.h), likewise. */
void bx_compfit_proxy_run_avx2(struct proxy *p, const bx_comp_params *c);
void bx_compfit_proxy_run8_avx2(const struct proxy *p, const bx_comp_params *c, double *g,
                                double *e, double *scratch);
double bx_compfit_gain_error_avx2(struct proxy *p, const double *meas, const uint32_t *used,
                                  size_t n_used, size_t fb, double *mean);
#endif

#endif /* BX_SIMD_INTERNAL_H */
