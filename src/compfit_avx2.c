/* compfit_avx2.c — the compressor fit's inner loops (compfit_kernel.h)
 * built for AVX2, without fused multiply-adds (the build compiles this file
 * so): the baseline's values bit for bit, four at a time. It runs only where
 * bx_simd_detect found AVX2. */
#include "simd_internal.h"

#if BX_HAVE_AVX2_KERNELS
#define COMPFIT_RUN bx_compfit_proxy_run_avx2
#define COMPFIT_GAIN_ERROR bx_compfit_gain_error_avx2
#define COMPFIT_RUN8 bx_compfit_proxy_run8_avx2
#define VEC8_AVX2 1
#include "compfit_kernel.h"
#else
typedef int bx_compfit_avx2_unused; /* an empty translation unit is not ISO C */
#endif
