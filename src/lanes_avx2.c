/* lanes_avx2.c — bx_lanes_process's kernel (lanes_kernel.h) built for AVX2
 * and FMA; the build compiles this file with them enabled, and it runs only
 * where bx_simd_detect found them. */
#include "simd_internal.h"

#if BX_HAVE_AVX2_KERNELS
#define LANES_KERNEL bx_lanes_process_avx2
#define LANES_DOT bx_lanes_dot_avx2
#define LANES_DOT4 bx_lanes_dot4_avx2
#define VEC8_AVX2 1
#include "lanes_kernel.h"
#else
typedef int bx_lanes_avx2_unused; /* an empty translation unit is not ISO C */
#endif
