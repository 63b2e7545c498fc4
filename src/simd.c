/* simd.c — which kernels this processor runs (bx/simd.h). */
#include "bx/simd.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "simd_internal.h"

#if BX_HAVE_AVX2_KERNELS && defined(_MSC_VER)
#include <immintrin.h>
#include <intrin.h>

static int cpu_has_avx2_fma(void)
{
    int r[4];
    __cpuid(r, 0);
    if (r[0] < 7)
        return 0;
    __cpuid(r, 1);
    const int fma = (r[2] >> 12) & 1, osxsave = (r[2] >> 27) & 1, avx = (r[2] >> 28) & 1;
    if (!fma || !osxsave || !avx)
        return 0;
    if ((_xgetbv(0) & 6) != 6) /* the system saves the YMM registers */
        return 0;
    __cpuidex(r, 7, 0);
    return (r[1] >> 5) & 1;
}
#elif BX_HAVE_AVX2_KERNELS
static int cpu_has_avx2_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

bx_simd bx_simd_detect(void)
{
    /* 0: not asked yet; otherwise the answer + 1 */
    static atomic_int cached;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v)
        return (bx_simd)(v - 1);
    bx_simd s = BX_SIMD_BASELINE;
#if BX_HAVE_AVX2_KERNELS
    const char *env = getenv("BX_SIMD");
    if (!(env && strcmp(env, "baseline") == 0) && cpu_has_avx2_fma())
        s = BX_SIMD_AVX2_FMA;
#endif
    atomic_store_explicit(&cached, (int)s + 1, memory_order_relaxed);
    return s;
}

const char *bx_simd_name(bx_simd s)
{
    return s == BX_SIMD_AVX2_FMA ? "avx2+fma" : "baseline";
}
