/*
 * bx/simd.h — which instruction set libbx's DSP kernels run on.
 *
 * The compressor's kernels exist twice, built from one source: for the
 * processor family's baseline (SSE2 on x86-64, the only choice elsewhere) and,
 * in x86 builds, for AVX2 with FMA. bx_comp_init takes the best one this
 * processor runs, once; the live callback never asks again. The analysis's
 * own inner loops (the waveform refinement's renders in vector lanes, the
 * compressor search's block model) are built the same two ways. The two agree to
 * far better than -120 dB (fused multiply-adds round differently), and a
 * given machine always takes the same one, so bxlive --render reproduces the
 * live output bit for bit.
 *
 * The environment variable BX_SIMD=baseline keeps every kernel on the
 * baseline (to compare, or to rule the fast path out).
 */
#ifndef BX_SIMD_H
#define BX_SIMD_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bx_simd {
    BX_SIMD_BASELINE = 0, /**< the compiler's baseline for the target */
    BX_SIMD_AVX2_FMA = 1  /**< x86: AVX2 and FMA3 */
} bx_simd;

/** The best kernel set this build and processor support, or BX_SIMD_BASELINE
 *  when the environment says BX_SIMD=baseline. Cheap after the first call;
 *  safe from any thread. */
bx_simd bx_simd_detect(void);

/** "baseline" or "avx2+fma". */
const char *bx_simd_name(bx_simd s);

#ifdef __cplusplus
}
#endif

#endif /* BX_SIMD_H */
