/* vec8.h — internal: eight doubles as one value, for the recursions that
 * run several independent copies side by side (lanes_kernel.h,
 * compfit_kernel.h). Two AVX2 registers where the including file sets
 * VEC8_AVX2 to 1 (each half waits on its own result only), else eight
 * doubles the compiler keeps where it likes. Plain IEEE operations, lane by
 * lane: the same values as the scalar code (unless the file is compiled
 * with contraction into fused multiply-adds). */
#ifndef BX_VEC8_H
#define BX_VEC8_H

#include <math.h>

#if VEC8_AVX2
#include <immintrin.h>
typedef struct vd {
    __m256d a, b;
} vd;
#define V2(op, x, y)                                                                               \
    vd r;                                                                                          \
    r.a = op(x.a, y.a);                                                                            \
    r.b = op(x.b, y.b);                                                                            \
    return r
static inline vd v_ld(const double *p)
{
    vd r;
    r.a = _mm256_loadu_pd(p);
    r.b = _mm256_loadu_pd(p + 4);
    return r;
}
static inline void v_st(double *p, vd x)
{
    _mm256_storeu_pd(p, x.a);
    _mm256_storeu_pd(p + 4, x.b);
}
static inline vd v_set1(double x)
{
    vd r;
    r.a = r.b = _mm256_set1_pd(x);
    return r;
}
static inline vd v_add(vd x, vd y)
{
    V2(_mm256_add_pd, x, y);
}
static inline vd v_sub(vd x, vd y)
{
    V2(_mm256_sub_pd, x, y);
}
static inline vd v_mul(vd x, vd y)
{
    V2(_mm256_mul_pd, x, y);
}
static inline vd v_sqrt(vd x)
{
    vd r;
    r.a = _mm256_sqrt_pd(x.a);
    r.b = _mm256_sqrt_pd(x.b);
    return r;
}
static inline __m256d gt_(__m256d x, __m256d y)
{
    return _mm256_cmp_pd(x, y, _CMP_GT_OQ);
}
static inline __m256d lt_(__m256d x, __m256d y)
{
    return _mm256_cmp_pd(x, y, _CMP_LT_OQ);
}
static inline vd v_gt(vd x, vd y)
{
    V2(gt_, x, y);
}
static inline vd v_lt(vd x, vd y)
{
    V2(lt_, x, y);
}
static inline vd v_and(vd x, vd y)
{
    V2(_mm256_and_pd, x, y);
}
/* m ? x : y, m from v_gt / v_lt / v_and */
static inline vd v_sel(vd m, vd x, vd y)
{
    vd r;
    r.a = _mm256_blendv_pd(y.a, x.a, m.a);
    r.b = _mm256_blendv_pd(y.b, x.b, m.b);
    return r;
}
#undef V2
#else
typedef struct vd {
    double v[8];
} vd;
#define V_MAP(expr)                                                                                \
    vd r;                                                                                          \
    for (int l = 0; l < 8; l++)                                                                    \
        r.v[l] = (expr);                                                                           \
    return r
static inline vd v_ld(const double *p)
{
    V_MAP(p[l]);
}
static inline void v_st(double *p, vd x)
{
    for (int l = 0; l < 8; l++)
        p[l] = x.v[l];
}
static inline vd v_set1(double x)
{
    V_MAP(x);
}
static inline vd v_add(vd x, vd y)
{
    V_MAP(x.v[l] + y.v[l]);
}
static inline vd v_sub(vd x, vd y)
{
    V_MAP(x.v[l] - y.v[l]);
}
static inline vd v_mul(vd x, vd y)
{
    V_MAP(x.v[l] * y.v[l]);
}
static inline vd v_sqrt(vd x)
{
    V_MAP(sqrt(x.v[l]));
}
/* masks are 1.0 (true) or 0.0 */
static inline vd v_gt(vd x, vd y)
{
    V_MAP(x.v[l] > y.v[l] ? 1.0 : 0.0);
}
static inline vd v_lt(vd x, vd y)
{
    V_MAP(x.v[l] < y.v[l] ? 1.0 : 0.0);
}
static inline vd v_and(vd x, vd y)
{
    V_MAP(x.v[l] != 0.0 && y.v[l] != 0.0 ? 1.0 : 0.0);
}
static inline vd v_sel(vd m, vd x, vd y)
{
    V_MAP(m.v[l] != 0.0 ? x.v[l] : y.v[l]);
}
#undef V_MAP
#endif

#endif /* BX_VEC8_H */
