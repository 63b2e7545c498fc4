/* comp_static.h — internal: the compressor's static gain reduction in the
 * form its kernels use (comp_kernel.h, lanes_kernel.h). */
#ifndef BX_COMP_STATIC_H
#define BX_COMP_STATIC_H

#include "fastmath.h"

/* Static gain reduction (dB, >= 0) at linear detector level `level`, zero
 * at or below lo (the bottom of the knee). Free of branches, so that a loop
 * of it vectorises; the same curve as bx_comp_static_db. */
static inline double comp_reduction_db(double level, double lo, double t, double half_w,
                                       double slope, double inv_2w)
{
    /* lo > 0; the clamp keeps the logarithm's argument a positive normal number */
    const double lv = level > lo ? (level < 1e300 ? level : 1e300) : lo;
    const double over = 8.685889638065035 * bx_fast_ln_normal(lv) - t; /* 20 log10 - t */
    const double k = over + half_w;
    const double xl = over > half_w ? slope * over : slope * k * k * inv_2w;
    return level > lo ? xl : 0.0;
}

/* The "power" detector's gain reduction (dB, >= 0) at held power q (the
 * mean square plus the threshold's power p_t, inv_pt = 1 / p_t): slope
 * 10 log10(q / p_t), none below 1e-12 dB. Free of branches. */
static inline double comp_power_reduction_db(double q, double inv_pt, double slope)
{
    const double r = q * inv_pt, rc = r > 1.0 ? (r < 1e300 ? r : 1e300) : 1.0;
    const double red = slope * 4.342944819032518 * bx_fast_ln_normal(rc);
    return red >= 1e-12 ? red : 0.0;
}

#endif /* BX_COMP_STATIC_H */
