/* comp_avx2.c — bx_comp_process's kernel (comp_kernel.h) built for AVX2 and
 * FMA. The build compiles this file with those instruction sets enabled; it
 * runs only where bx_simd_detect found them. */
#include "simd_internal.h"

#if BX_HAVE_AVX2_KERNELS
#define COMP_KERNEL bx_comp_process_avx2
#include "comp_kernel.h"
#else
typedef int bx_comp_avx2_unused; /* an empty translation unit is not ISO C */
#endif
