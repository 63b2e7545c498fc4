/* fastmath.h — internal: exp and log without libm calls, for inner loops.
 *
 * bx_fast_exp: relative error below 1e-8 (-160 dB) for x in [-700, 700]
 *   (range reduction to 2^k * 2^f, |f| <= 1/2, Taylor series of degree 7;
 *   larger |x| saturate at 2^+-1020).
 * bx_fast_ln: absolute error below 2e-11 for finite x > 0 (normal numbers;
 *   others go to libm). Mantissa folded to [sqrt(1/2), sqrt(2)), then the
 *   atanh series ln m = 2 (s + s^3/3 + ... + s^11/11), s = (m-1)/(m+1).
 * bx_fast_ln_normal: the same values as bx_fast_ln for positive normal x,
 *   without the branch to libm, so that loops of it vectorise.
 * All are plain C (no intrinsics): portable, and vectorisable by compilers. */
#ifndef BX_FASTMATH_H
#define BX_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline double bx_fast_exp(double x)
{
    const double log2e = 1.4426950408889634;
    double t = x * log2e;
    t = t < -1020.0 ? -1020.0 : t > 1020.0 ? 1020.0 : t;
    /* round to nearest with the 1.5 * 2^52 trick (default rounding mode): the
     * low bits of t + shifter then hold k, so 2^k is built with integer adds
     * and shifts only (no float-to-int conversion: loops of this vectorise) */
    const double shifter = 6755399441055744.0;
    const double ks = t + shifter;
    uint64_t kbits;
    memcpy(&kbits, &ks, sizeof kbits);
    const double kd = ks - shifter;
    const double f = (t - kd) * 0.6931471805599453; /* |f| <= ln2 / 2 */
    double p = 1.0 / 5040.0;
    p = p * f + 1.0 / 720.0;
    p = p * f + 1.0 / 120.0;
    p = p * f + 1.0 / 24.0;
    p = p * f + 1.0 / 6.0;
    p = p * f + 0.5;
    p = p * f + 1.0;
    p = p * f + 1.0;
    const uint64_t bits = (kbits + 1023)
                          << 52; /* (k + 1023) << 52: the constant's bits shift out */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* x must be a positive normal number (not 0, subnormal, Inf or NaN). */
static inline double bx_fast_ln_normal(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* the biased exponent as a double, exactly: 2^52 + e, minus 2^52 */
    uint64_t eb = (bits >> 52) | 0x4330000000000000ULL;
    double ed;
    memcpy(&ed, &eb, sizeof ed);
    double k = ed - (4503599627370496.0 + 1023.0);
    double m;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    memcpy(&m, &bits, sizeof m);
    const int fold = m > 1.4142135623730951;
    m *= fold ? 0.5 : 1.0; /* selects of constants: no branch */
    k += fold ? 1.0 : 0.0;
    const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return k * 0.6931471805599453 + 2.0 * s * p;
}

static inline double bx_fast_ln(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const int e = (int)((bits >> 52) & 0x7ff);
    if (e == 0 || e == 0x7ff || (bits >> 63))
        return log(x); /* zero, subnormal, negative, Inf, NaN */
    return bx_fast_ln_normal(x);
}

#endif /* BX_FASTMATH_H */
