/* test_fastmath — libbx's own exp and log (src/fastmath.h), used per sample
 * by the compressor and per point by the fits, agree with the C library's:
 *
 *  - bx_fast_exp(x): relative error below 1e-8 for x in [-700, 700] (every
 *    0.001, plus the ends and 0, which must give exactly 1);
 *  - bx_fast_ln(x): absolute error below 1e-10 for x from 1e-300 to 1e300
 *    (every 0.1 %), and libm's answer for 0, negatives, subnormals, Inf, NaN.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "../src/fastmath.h"
#include "testutil.h"

int main(void)
{
    int checks = 0;
    double worst = 0, at = 0;
    for (long i = -700000; i <= 700000; i++) {
        const double x = (double)i * 1e-3, r = exp(x);
        const double e = fabs(bx_fast_exp(x) - r) / r;
        if (e > worst)
            worst = e, at = x;
    }
    checks++;
    if (!(worst < 1e-8))
        tu_fail("bx_fast_exp: relative error %.3g at x = %g (limit 1e-8)", worst, at);
    printf("bx_fast_exp: worst relative error %.3g at x = %g (limit 1e-8)\n", worst, at);
    checks++;
    if (bx_fast_exp(0.0) != 1.0)
        tu_fail("bx_fast_exp(0) = %.17g, not 1", bx_fast_exp(0.0));

    worst = 0;
    for (double x = 1e-300; x < 1e300; x *= 1.001) {
        const double e = fabs(bx_fast_ln(x) - log(x));
        if (e > worst)
            worst = e, at = x;
    }
    checks++;
    if (!(worst < 1e-10))
        tu_fail("bx_fast_ln: absolute error %.3g at x = %g (limit 1e-10)", worst, at);
    printf("bx_fast_ln: worst absolute error %.3g at x = %g (limit 1e-10)\n", worst, at);
    const double odd[] = {0.0, -1.0, DBL_MIN / 4, INFINITY, NAN};
    for (int i = 0; i < 5; i++) {
        const double a = bx_fast_ln(odd[i]), b = log(odd[i]);
        checks++;
        if (!(a == b || (isnan(a) && isnan(b))))
            tu_fail("bx_fast_ln(%g) = %g, libm says %g", odd[i], a, b);
    }
    printf("bx_fast_ln: 0, -1, a subnormal, Inf and NaN give libm's answers\n");
    return tu_finish("test_fastmath", checks);
}
